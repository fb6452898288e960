"""Loads too big for one transaction: staged batches, all or nothing, recovered after kill -9.

The staged path normally starts above ``SINGLE_TRANSACTION_ROWS``; the tests lower it so a
modest ILLUSTRATIVE file (tests/fixtures/loader/make_bulk.py) takes it, with small batches.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import neo4j
import pytest
import test_loader_crash
from fixtures.loader.support import counts, dump
from test_loader_crash import bulk_file, stand_ins, wait_for, writing

from civicgraph import neo4j_local, store
from civicgraph.paths import ROOT
from civicgraph.settings import Settings
from loaders.engine import load as engine_load
from loaders.engine import staged
from loaders.pipeline import load_paths
from loaders.writer import WriteFailed

pytestmark = pytest.mark.neo4j

STAGED = (
    "import sys; from loaders.engine import load; load.SINGLE_TRANSACTION_ROWS = 0; "
    "from civicgraph.cli import main; sys.exit(main(sys.argv[1:]))"
)


def leftovers(driver: neo4j.Driver) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (n) WHERE n:LoadAttempt OR n:LoadUndo OR n.pendingLoad IS NOT NULL "
        "RETURN count(n) AS n"
    )
    return int(records[0]["n"])


def staged_load(uri: str, path: Path, settings: Settings | None = None) -> object:
    import subprocess

    env = {**os.environ, "NEO4J_URI": uri, "CIVICGRAPH_BATCH_SIZE": "200"}
    if settings is not None:
        env["NEO4J_USER"] = settings.neo4j_user
        env["NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    return subprocess.Popen(
        [sys.executable, "-c", STAGED, "load", "--quiet", str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_staged_load_writes_what_one_transaction_writes(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_file(tmp_path, 400)
    stand_ins(empty_store, db)
    one = load_paths([path], driver=empty_store, database=db)
    expected = dump(empty_store, without=("loadedAt", "loads", "lastLoad"))
    empty_store.execute_query("MATCH (n) DETACH DELETE n")
    stand_ins(empty_store, db)
    monkeypatch.setattr(engine_load, "SINGLE_TRANSACTION_ROWS", 0)
    staged_summary = load_paths([path], driver=empty_store, database=db)
    assert dump(empty_store, without=("loadedAt", "loads", "lastLoad")) == expected
    assert staged_summary.counts == one.counts
    assert leftovers(empty_store) == 0
    again = load_paths([path], driver=empty_store, database=db)
    assert again.counts.already_loaded and again.counts.nodes_created == 0
    assert dump(empty_store, without=("loadedAt", "loads", "lastLoad")) == expected


def test_a_failed_staged_load_leaves_the_graph_as_it_was(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_ins(empty_store, db)
    load_paths([bulk_file(tmp_path, 100)], driver=empty_store, database=db)
    before = dump(empty_store)
    bigger = tmp_path / "bigger.ttl"  # the same 100 incidents changed, and 300 more
    text = bulk_file(tmp_path, 400).read_text().replace('"ended"', '"ongoing"')
    bigger.write_text(text)
    monkeypatch.setattr(engine_load, "SINGLE_TRANSACTION_ROWS", 0)
    real_write = staged.Attempt.write

    def failing(self: staged.Attempt, records: object, advance: object) -> None:
        records.relationships.clear()  # type: ignore[attr-defined]
        real_write(self, records, advance)  # type: ignore[arg-type]
        raise WriteFailed("injected failure after the nodes were written")

    monkeypatch.setattr(staged.Attempt, "write", failing)
    with pytest.raises(WriteFailed, match="injected"):
        load_paths([bigger], driver=empty_store, database=db)
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0


def test_kill_9_of_the_loader_mid_write_then_a_rerun_gives_exact_counts(
    empty_store: neo4j.Driver, neo4j_uri: str, db: str, tmp_path: Path
) -> None:
    path = bulk_file(tmp_path, 3000)
    stand_ins(empty_store, db)
    base = counts(empty_store)
    loader = staged_load(neo4j_uri, path)
    wait_for(lambda: writing(empty_store, db), 300, "the loader to write")
    wait_for(lambda: counts(empty_store)[0] > base[0] + 500, 120, "some batches to commit")
    loader.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    loader.communicate()  # type: ignore[attr-defined]
    assert counts(empty_store) != base  # the partial load is there until the next load
    summary = load_paths([path], driver=empty_store, database=db)
    assert leftovers(empty_store) == 0
    loaded = counts(empty_store)
    assert summary.counts.nodes_created == loaded[0] - base[0] - 1  # minus the new Load node
    empty_store.execute_query("MATCH (n) DETACH DELETE n")
    stand_ins(empty_store, db)
    load_paths([path], driver=empty_store, database=db)
    assert counts(empty_store) == loaded


own_neo4j = test_loader_crash.own_neo4j  # the same throwaway-server fixture


def test_kill_9_of_neo4j_mid_write_then_a_rerun_gives_exact_counts(
    own_neo4j: tuple[Settings, int, Path], tmp_path: Path
) -> None:
    settings, pid, home = own_neo4j
    path = bulk_file(tmp_path, 3000)
    driver = store.open_driver(settings)
    db = store.database(settings)
    try:
        stand_ins(driver, db)
        base = counts(driver)
        loader = staged_load(str(settings.neo4j_uri), path, settings)
        wait_for(lambda: writing(driver, db), 300, "the loader to write")
        wait_for(lambda: counts(driver)[0] > base[0] + 500, 120, "some batches to commit")
    finally:
        driver.close()
    os.kill(pid, signal.SIGKILL)
    _, err = loader.communicate(timeout=180)  # type: ignore[attr-defined]
    assert loader.returncode != 0 and "rolled back by the next" in err, err  # type: ignore[attr-defined]
    local = Settings(neo4j_uri=None)
    neo4j_runtime_port = int(str(settings.neo4j_uri).rsplit(":", 1)[1])
    neo4j_local.stop(local, home=home)
    state = neo4j_local.start(local, home=home, port=neo4j_runtime_port, heap="512m",
                              pagecache="128m", exit_with=os.getpid())  # fmt: skip
    driver = store.open_driver(neo4j_local.client_settings(local, state))
    try:
        summary = load_paths([path], driver=driver, database=db)
        assert leftovers(driver) == 0
        loaded = counts(driver)
        assert summary.counts.nodes_created == loaded[0] - base[0] - 1
        driver.execute_query("MATCH (n) DETACH DELETE n")
        stand_ins(driver, db)
        load_paths([path], driver=driver, database=db)
        assert counts(driver) == loaded
    finally:
        driver.close()
