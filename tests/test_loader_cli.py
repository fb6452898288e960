"""``civicgraph validate|load|stats|up`` through the real entry point: output and exit codes."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fixtures.loader.support import counts, scheme_stand_ins

from civicgraph import store
from civicgraph.cli import main
from civicgraph.paths import ROOT, ontology_files, reference_files
from civicgraph.settings import Settings, get_settings
from loaders.pipeline import load_graph

pytestmark = pytest.mark.neo4j

FIXTURES = Path(__file__).parent / "fixtures" / "loader"


def _use(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    """Point the CLI's settings at ``uri`` (settings are read once, so clear the cache)."""
    monkeypatch.setenv("NEO4J_URI", uri)
    get_settings.cache_clear()


@pytest.fixture
def cli_store(
    empty_store: neo4j.Driver, neo4j_uri: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[neo4j.Driver]:
    _use(monkeypatch, neo4j_uri)
    yield empty_store
    get_settings.cache_clear()


@pytest.fixture
def stubbed_cli(cli_store: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    db = store.database(neo4j_settings)
    load_graph(
        scheme_stand_ins(), driver=cli_store, source="support.py", sha256="0" * 64, database=db
    )
    return cli_store


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def test_validate_exit_codes(
    stubbed_cli: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(FIXTURES / "base.ttl")]) == 0
    assert "conforms" in capsys.readouterr().out
    assert main(["validate", "--quiet", str(FIXTURES / "invalid.ttl")]) == 1
    out = capsys.readouterr().out
    assert "csgid:example/incident/invalid" in out and "csg:startDate" in out
    assert "Traceback" not in out
    assert main(["validate", str(FIXTURES / "malformed.ttl")]) == 1
    err = capsys.readouterr().err
    assert "malformed.ttl:6:" in err and "Traceback" not in err
    assert main(["validate", str(FIXTURES / "missing.ttl")]) == 1
    assert "missing.ttl: no such file" in capsys.readouterr().err
    odd = tmp_path / "base.data"
    odd.write_bytes((FIXTURES / "example.nt").read_bytes())
    assert main(["validate", str(odd)]) == 1
    assert "unknown RDF extension '.data'" in capsys.readouterr().err
    assert main(["validate", "--format", "nt", str(odd)]) == 0


def test_validate_uses_the_store_when_it_answers(
    stubbed_cli: neo4j.Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    incidents = str(FIXTURES / "incidents.ttl")
    assert main(["validate", "--no-store", incidents]) == 1  # names entities it does not type
    capsys.readouterr()
    assert main(["load", "--quiet", str(FIXTURES / "base.ttl")]) == 0
    capsys.readouterr()
    assert main(["validate", incidents]) == 0
    assert "store-aware" in capsys.readouterr().err


def test_load_violation_exits_1_and_writes_nothing(
    stubbed_cli: neo4j.Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(stubbed_cli)
    code = main(["load", str(FIXTURES / "base.ttl"), str(FIXTURES / "invalid.ttl")])
    assert code == 1
    err = capsys.readouterr().err
    assert "Nothing was written" in err and "invalid.ttl" in err
    assert counts(stubbed_cli) == before


def test_load_directory_then_stats(
    stubbed_cli: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("base.ttl", "incidents.ttl"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    assert main(["load", "--json", str(tmp_path)]) == 0  # both files, one transaction
    summary = json.loads(capsys.readouterr().out)
    assert not summary["alreadyLoaded"]
    # ten nodes; the handbook source already came with the scheme stand-ins
    assert (summary["counts"]["nodesCreated"], summary["counts"]["nodesUpdated"]) == (9, 1)
    assert main(["load", "--json", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["alreadyLoaded"] is True
    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["labels"]["Incident"] == 2 and stats["labels"]["Event"] == 2
    assert stats["labels"]["Load"] == 2  # the stand-ins and the directory, not the repeat
    assert stats["relationships"]["RESTRICTS_RIGHT"] == 2
    assert main(["stats"]) == 0
    assert "Nodes per label:" in capsys.readouterr().out


STANDALONE = """\
@prefix csg: <https://w3id.org/civic-space-graph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/civic-space-graph/id/example/source/standalone> a csg:Source ;
    rdfs:label "Example standalone source (illustrative)"@en ; csg:title "Example"@en .
<https://w3id.org/civic-space-graph/id/example/country/xz> a csg:Country ;
    rdfs:label "Example Land Z"@en ; csg:isoAlpha2 "XZ" ;
    dcterms:source <https://w3id.org/civic-space-graph/id/example/source/standalone> .
"""


def test_store_down_is_a_readable_error(
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    standalone = tmp_path / "standalone.ttl"  # ILLUSTRATIVE: valid without any store
    standalone.write_text(STANDALONE)
    _use(monkeypatch, f"bolt://127.0.0.1:{closed_port}")
    try:
        assert main(["load", str(FIXTURES / "base.ttl")]) == 3
        err = capsys.readouterr().err
        assert f"127.0.0.1:{closed_port}" in err and "Traceback" not in err
        assert main(["stats"]) == 3
        capsys.readouterr()
        # validation needs no store: it says so and goes on
        assert main(["validate", str(standalone)]) == 0
        assert "validating without the store" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_up_loads_the_vocabularies_and_reference_data(
    cli_store: neo4j.Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["up", "--quiet", "--no-serve"]) == 0, capsys.readouterr().err
    assert "Loaded" in capsys.readouterr().out
    records, _, _ = cli_store.execute_query(
        "MATCH (l:Load) RETURN l.source AS source, l.nodesCreated AS created"
    )
    assert len(records) == 1  # every file, one load
    expected = {str(p.relative_to(ROOT)) for p in [*ontology_files(), *reference_files()]}
    assert set(records[0]["source"].split(", ")) == expected
    labels, _, _ = cli_store.execute_query("MATCH (n) UNWIND labels(n) AS l RETURN DISTINCT l")
    assert {"Right", "ThreatType", "Country", "Statement"} <= {r["l"] for r in labels}


def test_an_ill_typed_literal_is_reported_once_without_a_library_traceback() -> None:
    """rdflib logs a traceback for "2019-02-31"^^xsd:date; the CLI's report is what the user
    needs (a fresh process, so no cached literal hides the warning)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "civicgraph.cli", "validate", "--no-store", "invalid.ttl"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=FIXTURES, capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 1
    assert '"2019-02-31"^^xsd:date' in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly() -> None:
    """``civicgraph validate ... | head -0``: the reader is gone before the report is written;
    the command stops as a Unix filter does (exit 141), without a BrokenPipeError traceback."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "civicgraph.cli", "validate", "--no-store", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [*command, str(ROOT / "reference" / "bodies.ttl")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
