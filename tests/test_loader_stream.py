"""Streamed loads (``loaders.engine.stream``): the findings, rows and all or nothing of the
one-shot path, batch by batch.

The tests lower the streaming threshold and the batch size so small files split into many
batches; the data is the shape fixtures and an ILLUSTRATIVE bulk file (make_bulk.py) with defects
injected across batches and a subject whose triples sit at both ends of the file.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path

import neo4j
import pytest
from fixtures.loader.support import dump
from test_loader_crash import bulk_file, stand_ins
from test_loader_staged import leftovers

from loaders.engine import load as engine_load
from loaders.engine import spill
from loaders.pipeline import check_paths, load_paths
from loaders.progress import Phases
from loaders.validate import ValidationFailed

FIXTURES = Path(__file__).parent / "fixtures"
SHAPE_FIXTURES = sorted((FIXTURES / "shapes").glob("*/*.ttl"))
LOADER_FIXTURES = [
    p
    for p in sorted((FIXTURES / "loader").glob("*.ttl"))
    if p.name not in ("malformed.ttl", "missing.ttl")
]
EX = "https://w3id.org/civic-space-graph/id/example/"
CSG = "https://w3id.org/civic-space-graph/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
WITHOUT = ("loadedAt", "loads", "lastLoad")


def one_shot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_load, "STREAM_BYTES", 10**12)


def streamed(monkeypatch: pytest.MonkeyPatch, batch_bytes: int = 2_000) -> None:
    monkeypatch.setattr(engine_load, "STREAM_BYTES", 0)
    monkeypatch.setattr(engine_load, "BATCH_BYTES", batch_bytes)


def checked(
    path: Path, driver: neo4j.Driver | None = None, db: str | None = None
) -> tuple[Counter[str], list[str], int]:
    result = check_paths([path], driver=driver, database=db, phases=Phases())
    return (
        Counter(repr(v) for v in result.report.violations),
        sorted(result.problems),
        result.triples,
    )


def defective(tmp_path: Path, incidents: int = 300) -> Path:
    """The bulk file with defects in early, middle and late incidents, a duplicate country code
    (the uniqueness shape reads across subjects) and the first incident's end date moved to the
    end of the file (its triples are split across batches)."""
    text = bulk_file(tmp_path, incidents).read_text()
    text += (
        f'\n<{EX}incident/i5> <{CSG}startDate> "2019-02-30"^^<{XSD}date> .\n'
        f'<{EX}incident/i{incidents // 2}> <{CSG}status> "extreme" .\n'
        f'<{EX}country/c1> <{CSG}isoAlpha2> "QM" .\n'
        f"<{EX}incident/i{incidents - 3}> <{CSG}country> <{EX}incident/i1> .\n"
        f"<{EX}incident/i0> <http://purl.org/dc/terms/source> <{EX}source/bulk> .\n"
    )
    out = tmp_path / "defective.ttl"
    out.write_text(text)
    return out


def test_a_big_input_is_split_and_a_small_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_file(tmp_path, 200)
    streamed(monkeypatch)
    parsed = engine_load.read([path], format=None, phases=Phases())
    assert parsed.spill is not None and len(parsed.spill.batches) > 10
    assert parsed.facts.triples == 0 and parsed.spill.read > 2_000
    parsed.spill.close()
    one_shot(monkeypatch)
    assert engine_load.read([path], format=None, phases=Phases()).spill is None


@pytest.mark.parametrize(
    "path", SHAPE_FIXTURES + LOADER_FIXTURES, ids=lambda p: p.parent.name + "/" + p.name
)
def test_streamed_findings_are_the_one_shot_findings(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_shot(monkeypatch)
    expected = checked(path)
    streamed(monkeypatch, batch_bytes=500)
    assert checked(path) == expected
    if path.parent.name == "bad":
        assert expected[0], f"{path} should have findings"


def test_defects_across_batches_give_the_same_findings(
    ref: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = defective(tmp_path)
    stand_ins(ref, db)
    one_shot(monkeypatch)
    expected = checked(path, ref, db)
    streamed(monkeypatch)
    assert checked(path, ref, db) == expected
    found = "\n".join(expected[0])
    for what in ("i5", f"i{300 // 2}", '"QM"', "i297"):
        assert what in found, what


def test_a_streamed_load_writes_what_the_one_shot_load_writes(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_file(tmp_path, 300)
    with path.open("a") as f:  # a subject split across the file, and a reified relationship
        f.write(
            f"\n<{EX}incident/i0> <http://purl.org/dc/terms/source> <{EX}source/bulk> .\n"
            f"_:st <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{EX}incident/i7> ;\n"
            f"  <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{CSG}country> ;\n"
            f"  <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <{EX}country/c7> ;\n"
            f"  <http://purl.org/dc/terms/source> <{EX}source/bulk> .\n"
        )
    stand_ins(empty_store, db)
    one_shot(monkeypatch)
    one = load_paths([path], driver=empty_store, database=db)
    expected = dump(empty_store, without=WITHOUT)
    empty_store.execute_query("MATCH (n) DETACH DELETE n")
    stand_ins(empty_store, db)
    streamed(monkeypatch)
    two = load_paths([path], driver=empty_store, database=db)
    assert dump(empty_store, without=WITHOUT) == expected
    assert two.counts == one.counts
    assert two.skipped == one.skipped
    assert leftovers(empty_store) == 0


def refused_alike(
    path: Path, store: neo4j.Driver, db: str, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Loads ``path`` one-shot, then streamed: both are refused with the same findings (returned)
    and leave the graph as it was."""
    stand_ins(store, db)
    before = dump(store)
    one_shot(monkeypatch)
    with pytest.raises(ValidationFailed) as one:
        load_paths([path], driver=store, database=db)
    streamed(monkeypatch)
    with pytest.raises(ValidationFailed) as two:
        load_paths([path], driver=store, database=db)
    found = [repr(v) for v in two.value.report.violations]
    assert found == [repr(v) for v in one.value.report.violations]
    assert dump(store) == before
    assert leftovers(store) == 0
    return found


def test_a_defect_in_a_late_batch_leaves_the_graph_as_it_was(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert refused_alike(defective(tmp_path), empty_store, db, monkeypatch)


def test_vocabulary_typos_are_reported_batch_by_batch_as_on_the_one_shot_path(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typos in the vocabulary are counted over every batch, and the node named is the first
    the input names (i40 comes before i3, i3 uses the typo first), without reading the whole
    input again (memory stays bounded by the batch)."""
    text = bulk_file(tmp_path, 300).read_text()
    typos = "".join(
        f'<{EX}incident/i{n}> <{CSG}startDat> "2020-01-01"^^<{XSD}date> .\n'
        for n in (3, 250, 40, 120, 7)
    )
    path = tmp_path / "typos.ttl"
    path.write_text(
        f'<{EX}incident/i40> <{CSG}status> "ended" .\n{text}\n{typos}'
        f"<{EX}incident/i9> a <{CSG}Incidnet> .\n<{EX}incident/i260> a <{CSG}country> .\n"
    )

    def whole_input(*_: object, **__: object) -> None:
        raise AssertionError("the load read the whole input again")

    monkeypatch.setattr(engine_load.ParsedFacts, "whole", whole_input)
    found = refused_alike(path, empty_store, db, monkeypatch)
    assert len(found) == 3 and "used by 5 node(s)" in found[1] and "incident/i40" in found[1]


def test_a_dangling_end_is_refused_as_on_the_one_shot_path(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_file(tmp_path, 100)
    stand_ins(empty_store, db)
    dangling = tmp_path / "dangling.ttl"  # the loader fixture's law cites an undefined document
    dangling.write_text(path.read_text() + (FIXTURES / "loader" / "dangling.ttl").read_text())
    before = dump(empty_store)
    one_shot(monkeypatch)
    with pytest.raises(Exception) as one:
        load_paths([dangling], driver=empty_store, database=db)
    streamed(monkeypatch)
    with pytest.raises(Exception) as two:
        load_paths([dangling], driver=empty_store, database=db)
    assert str(two.value) == str(one.value)
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0


def test_batch_files_of_a_killed_loader_are_removed_by_the_next(tmp_path: Path) -> None:
    """kill -9 skips the clean-up of a streamed load's batch files; the next streamed load
    removes those whose process is gone, never a living one's."""
    finished = subprocess.Popen(["true"])  # its pid belongs to no process once it has exited
    finished.wait()
    orphan = tmp_path / f"{spill.PREFIX}{finished.pid}-abc"
    living = tmp_path / f"{spill.PREFIX}{os.getpid()}-def"
    unnamed = tmp_path / f"{spill.PREFIX}xyz"
    for path in (orphan, living, unnamed):
        path.mkdir()
        (path / "b0-0.nq").write_text("")
    assert spill.sweep_orphans(tmp_path) == [orphan]
    assert not orphan.exists() and living.exists() and unnamed.exists()
