"""Loads too big for one transaction: staged batches, all or nothing, recovered after kill -9.

The staged path normally starts above ``SINGLE_TRANSACTION_ROWS``; the tests lower it so a
modest ILLUSTRATIVE file (tests/fixtures/loader/make_bulk.py) takes it, with small batches.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime
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
from loaders.engine.staged import staged_write
from loaders.pipeline import load_paths
from loaders.progress import Phases
from loaders.records import NodeRow, Records
from loaders.writer import LoadInfo, WriteFailed, open_session

pytestmark = pytest.mark.neo4j

STAGED = (
    "import sys; from loaders.engine import load; load.SINGLE_TRANSACTION_ROWS = 0; "
    "from civicgraph.cli import main; sys.exit(main(sys.argv[1:]))"
)


def leftovers(driver: neo4j.Driver) -> int:
    """Every trace an attempt may leave: its nodes, marks (format 1) and copies' keys."""
    records, _, _ = driver.execute_query(
        "CALL () { MATCH (n) WHERE n:LoadAttempt OR n:LoadUndo OR n.pendingLoad IS NOT NULL\n"
        "  OR any(k IN keys(n) WHERE k STARTS WITH 'undo') RETURN count(n) AS nodes }\n"
        "CALL () { MATCH ()-[r]->() WHERE r.pendingLoad IS NOT NULL\n"
        "  OR any(k IN keys(r) WHERE k STARTS WITH 'undo') RETURN count(r) AS rels }\n"
        "RETURN nodes + rels AS n"
    )
    return int(records[0]["n"])


def staged_load(uri: str, path: Path, settings: Settings | None = None) -> object:
    import subprocess

    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "CIVICGRAPH_BATCH_SIZE": "200",
        "CIVICGRAPH_WRITE_RETRY_SECONDS": "5",
    }
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


EX = "https://w3id.org/civic-space-graph/id/example/"
NEW_SOURCE = EX + "source/bulk-update"


def changes() -> Records:
    """Rows for a store holding ``bulk_file(_, 100)``: an incident changed, a relationship between
    two nodes already there (recorded by IRIs), one re-asserted with a new source (copied first),
    and new incidents with relationships to old nodes (they go with their start nodes)."""
    incident = EX + "incident/i0"
    new: list[NodeRow] = [
        {"iri": EX + f"incident/n{i}", "props": {"status": "ongoing"}} for i in range(30)
    ]
    return Records(
        nodes={
            ("Event", "Incident"): [{"iri": incident, "props": {"status": "ongoing"}}, *new],
            ("Source",): [{"iri": NEW_SOURCE, "props": {"title": "Example update"}}],
        },
        relationships={
            "RESTRICTS_RIGHT": [
                {"start": incident, "end": EX + "right/r3", "sources": [NEW_SOURCE]},
                {"start": incident, "end": EX + "right/r0", "sources": [NEW_SOURCE]},
            ],
            "COUNTRY": [
                {"start": row["iri"], "end": EX + "country/c1", "sources": []} for row in new
            ],
        },
    )


def pending(driver: neo4j.Driver, db: str, records: Records) -> staged.Attempt:
    """An attempt that wrote ``records`` in batches of 7 and was then abandoned, as by kill -9."""
    load = LoadInfo.for_content("changes", "c" * 64)
    with open_session(driver, db) as session:
        staged.prepare(session)
        attempt = staged.Attempt(session, load, batch_size=7)
        attempt.write(records, lambda _: None)
        session.run(
            "MATCH (a:LoadAttempt {iri: $a}) SET a.host = 'gone', a.heartbeat = $old",
            a=attempt.iri,
            old=datetime(2000, 1, 1, tzinfo=UTC),
        ).consume()
    return attempt


def recover(driver: neo4j.Driver, db: str) -> list[str]:
    with open_session(driver, db) as session:
        return staged.recover(session)


def test_rollback_after_a_crash_restores_exactly(
    empty_store: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    stand_ins(empty_store, db)
    load_paths([bulk_file(tmp_path, 100)], driver=empty_store, database=db)
    before = dump(empty_store)
    attempt = pending(empty_store, db, changes())
    records, _, _ = empty_store.execute_query(
        "MATCH (u:LoadUndo) RETURN u.undoKind AS kind, count(*) AS n ORDER BY kind"
    )
    assert {r["kind"]: r["n"] for r in records} == {"created": 6, "node": 1, "rel": 1}
    assert counts(empty_store)[0] > len(before[0])  # the partial load is there until recovery
    assert recover(empty_store, db) == [attempt.iri]
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0


def test_a_rollback_deletes_only_what_is_still_the_attempts(
    empty_store: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    """Records name IRIs and the rollback checks the attempt's load: a node or relationship
    that took the place of one the attempt created (deleted, then made again by another load,
    perhaps under a reused element id) is not deleted."""
    stand_ins(empty_store, db)
    load_paths([bulk_file(tmp_path, 100)], driver=empty_store, database=db)
    pending(empty_store, db, changes())
    empty_store.execute_query(
        "MATCH (n:Resource {iri: $n}) DETACH DELETE n WITH 1 AS one\n"
        "CREATE (:Resource:Source {iri: $other, loads: ['another load']})\n"
        "CREATE (:Resource:Event:Incident {iri: $n, loads: ['another load']})\n"
        "WITH one MATCH (:Resource {iri: $i})-[r:RESTRICTS_RIGHT]->(b:Resource {iri: $r3})\n"
        "SET r.loads = ['another load']",
        n=EX + "incident/n5",
        other=EX + "source/elsewhere",
        i=EX + "incident/i0",
        r3=EX + "right/r3",
    )
    recover(empty_store, db)
    records, _, _ = empty_store.execute_query(
        "MATCH (n:Resource) WHERE n.iri IN $iris RETURN n.iri AS iri ORDER BY iri",
        iris=[EX + "incident/n5", EX + "source/elsewhere", EX + "incident/n6"],
    )
    assert [r["iri"] for r in records] == [EX + "incident/n5", EX + "source/elsewhere"]
    records, _, _ = empty_store.execute_query(
        "MATCH (:Resource {iri: $i})-[r:RESTRICTS_RIGHT]->(:Resource {iri: $r3}) "
        "RETURN r.loads AS loads",
        i=EX + "incident/i0",
        r3=EX + "right/r3",
    )
    assert [r["loads"] for r in records] == [["another load"]]
    assert leftovers(empty_store) == 0


def test_commit_removes_every_trace_of_the_attempt(
    empty_store: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    stand_ins(empty_store, db)
    load_paths([bulk_file(tmp_path, 100)], driver=empty_store, database=db)
    load = LoadInfo.for_content("changes", "c" * 64)
    counts = staged_write(
        empty_store, iter([changes()]), load, database=db, batch_size=7, phases=Phases()
    )
    assert (counts.nodes_created, counts.nodes_updated) == (31, 1)
    assert (counts.relationships_created, counts.relationships_updated) == (31, 1)
    assert leftovers(empty_store) == 0
    records, _, _ = empty_store.execute_query(
        "MATCH (:Resource {iri: $i})-[r:RESTRICTS_RIGHT]->(b) RETURN b.iri AS b, r.sources AS s "
        "ORDER BY b",
        i=EX + "incident/i0",
    )
    assert [(r["b"][-2:], r["s"][-1]) for r in records] == [
        ("r0", NEW_SOURCE),
        ("r1", EX + "source/bulk"),
        ("r3", NEW_SOURCE),
    ]


def test_an_attempt_of_the_earlier_format_is_rolled_back(
    empty_store: neo4j.Driver, db: str
) -> None:
    """Attempts written before the per-batch records marked what they created: still undone."""
    empty_store.execute_query(
        "CREATE (:LoadAttempt {iri: 'urn:old', status: 'pending', host: 'gone', load: 'urn:l',\n"
        "  heartbeat: datetime('2000-01-01T00:00:00Z')})\n"
        "CREATE (a:Resource:Source {iri: $a, pendingLoad: 'urn:old'})\n"
        "CREATE (b:Resource:Source {iri: $b})\n"
        "CREATE (b)-[:CITES {pendingLoad: 'urn:old'}]->(b)",
        a=EX + "source/a",
        b=EX + "source/b",
    )
    assert recover(empty_store, db) == ["urn:old"]
    assert dump(empty_store) == (
        [(EX + "source/b", ["Resource", "Source"], [("iri", repr(EX + "source/b"))])],
        [],
    )
