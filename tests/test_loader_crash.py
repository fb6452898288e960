"""The loader under kill -9: workers die with it, a dead Neo4j gives one paragraph, and a load
interrupted at any point leaves the graph as it was (a rerun gives exact counts).

These tests run a real ``civicgraph load`` in a subprocess; the ones that kill Neo4j start their
own throwaway server so the session's server survives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import neo4j
import pytest
from fixtures.loader import make_bulk
from fixtures.loader.support import counts, scheme_stand_ins

from civicgraph import neo4j_local, neo4j_runtime, store
from civicgraph.paths import ROOT
from civicgraph.settings import Settings
from loaders.pipeline import load_graph
from loaders.writer import WRITE_METADATA

pytestmark = pytest.mark.neo4j

CLI = [sys.executable, "-m", "civicgraph.cli"]


def bulk_file(tmp_path: Path, incidents: int) -> Path:
    """An ILLUSTRATIVE bulk file (tests/fixtures/loader/make_bulk.py): 14 triples per incident."""
    out = tmp_path / f"bulk-{incidents}.ttl"
    make_bulk.main(out, incidents)
    return out


def stand_ins(driver: neo4j.Driver, db: str) -> None:
    load_graph(scheme_stand_ins(), driver=driver, source="support.py", sha256="0" * 64, database=db)


def start_load(
    uri: str, path: Path, *extra: str, settings: Settings | None = None
) -> subprocess.Popen[str]:
    # A loader that loses its store gives up after 5 s of retries (the default: 30 s).
    env = {**os.environ, "NEO4J_URI": uri, "CIVICGRAPH_WRITE_RETRY_SECONDS": "5"}
    if settings is not None:  # a throwaway server of this test: its own password
        env["NEO4J_USER"] = settings.neo4j_user
        env["NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    return subprocess.Popen(
        [*CLI, "load", "--quiet", *extra, str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def writing(driver: neo4j.Driver, db: str) -> bool:
    """True while a transaction of the loader runs one of its batch writes."""
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD currentQuery, metaData "
        "RETURN collect([currentQuery, metaData]) AS q",
        database_=db,
    )
    return any(
        "UNWIND g.rows" in q and meta == WRITE_METADATA for q, meta in records[0]["q"]
    )  # not the warm-up, which runs the same texts on no rows while the loader parses


def test_workers_die_with_a_killed_validator(tmp_path: Path) -> None:
    """pyshacl validation (``validate --reference``, and the table loads) forks a worker for big
    graphs; kill -9 of the command must not leave it behind."""
    path = bulk_file(tmp_path, 3000)  # 42k triples: big enough for a validation worker
    command = [*CLI, "validate", "--reference", "--no-store", "--quiet", str(path)]
    validator = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        workers = wait_for(lambda: children(validator.pid), 180, "a worker process")
    finally:
        validator.send_signal(signal.SIGKILL)
        validator.communicate()
    assert isinstance(workers, set)
    wait_for(lambda: not any(neo4j_runtime.pid_alive(w) for w in workers), 10, "workers to end")


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[tuple[Settings, int, Path]]:
    """A throwaway Neo4j this test may kill: (client settings, pid, home)."""
    settings = Settings(neo4j_uri=None)
    home = tmp_path / "neo4j"
    state = neo4j_local.start(
        settings,
        home=home,
        port=neo4j_runtime.free_port(settings.civicgraph_bolt_host),
        heap="512m",
        pagecache="128m",
        exit_with=os.getpid(),
    )
    assert state.pid is not None
    try:
        yield neo4j_local.client_settings(settings, state), state.pid, home
    finally:
        neo4j_local.stop(settings, home=home)


def test_neo4j_dying_mid_load_gives_one_paragraph(
    own_neo4j: tuple[Settings, int, Path], tmp_path: Path
) -> None:
    settings, pid, _ = own_neo4j
    uri = str(settings.neo4j_uri)
    driver = store.open_driver(settings)
    db = store.database(settings)
    try:
        stand_ins(driver, db)
        loader = start_load(uri, bulk_file(tmp_path, 6000), settings=settings)
        wait_for(lambda: writing(driver, db), 120, "the loader to write")
    finally:
        driver.close()
    os.kill(pid, signal.SIGKILL)
    _, err = loader.communicate(timeout=120)
    assert loader.returncode != 0
    assert err.startswith("civicgraph load: "), err
    assert "\n\n" not in err.strip() and "Traceback" not in err, err
    assert "retried" not in err and "WARNING" not in err.upper(), err


def test_an_empty_file_loads_nothing(
    empty_store: neo4j.Driver, neo4j_uri: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text("# nothing here\n@prefix ex: <https://example.org/> .\n")
    loader = start_load(neo4j_uri, empty)
    _, err = loader.communicate(timeout=60)
    assert loader.returncode == 1
    assert "nothing to load" in err
    assert counts(empty_store) == (0, 0)


def test_a_store_gone_during_the_checks_is_one_paragraph() -> None:
    """Validation looks IRIs up in the store; a store that stopped answering is a clear error
    (the crash test above kills Neo4j during a write, this is the read side)."""
    from loaders import cypher
    from loaders.writer import StoreLost, read

    uri = f"bolt://127.0.0.1:{neo4j_runtime.free_port()}"
    with (
        neo4j.GraphDatabase.driver(uri, connection_timeout=2) as driver,
        pytest.raises(StoreLost, match="lost Neo4j while checking the data") as info,
    ):
        read(driver, "neo4j", cypher.missing_nodes(["https://example.org/x"]))
    assert "\n" not in str(info.value) and "Nothing was written" in str(info.value)
