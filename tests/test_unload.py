"""``civicgraph unload``: a table load retracted exactly, on ILLUSTRATIVE tables (the #KeepItOn
layout of tests/fixtures/tables and the second list of tests/fixtures/datasets, which names two
of the same incidents). After an unload, `civicgraph stats --json`, the export and every node's
and relationship's properties (bookkeeping included) are what they were before the load.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import neo4j
import pytest
from fixtures.tables.support import ID, TABLES, load
from rdflib import Graph
from rdflib.compare import isomorphic

from loaders.export import export
from loaders.mapping.load import load_mapping
from loaders.mapping.run import run_mapping
from loaders.unload import UnloadRefused, plan, unload

pytestmark = pytest.mark.neo4j

SECOND = TABLES.parent / "datasets"
DISTRICT_A = ID + "incident/keepiton/in/2020-03-01/"


def state(driver: neo4j.Driver, db: str) -> tuple[dict[str, Any], list[Any]]:
    """Every node (labels, all properties) and relationship (type, ends, all properties)."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN n.iri AS iri, labels(n) AS l, properties(n) AS p", database_=db
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.iri AS a, type(r) AS t, b.iri AS b, properties(r) AS p",
        database_=db,
    )
    by_iri = {r["iri"]: (sorted(r["l"]), _plain(r["p"])) for r in nodes}
    return by_iri, sorted((r["a"], r["t"], r["b"], sorted(_plain(r["p"]).items())) for r in rels)


def unchanged(before: tuple[dict[str, Any], list[Any]], after: tuple[dict[str, Any], list[Any]]):
    """The same store: on failure, the nodes and relationships that differ."""
    nodes = {k: (before[0].get(k), after[0].get(k)) for k in {*before[0], *after[0]}}
    changed = {k: v for k, v in nodes.items() if v[0] != v[1]}
    assert {k: _changes(*v) for k, v in changed.items()} == {}
    assert [r for r in after[1] if r not in before[1]] == []
    assert [r for r in before[1] if r not in after[1]] == []


def _changes(a: Any, b: Any) -> Any:
    """What differs between two (labels, properties) of one node (None: absent)."""
    if a is None or b is None:
        return (a, b)
    keys = {*a[1], *b[1]}
    return {k: (a[1].get(k), b[1].get(k)) for k in keys if a[1].get(k) != b[1].get(k)}


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in props.items()}


def cli(neo4j_uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": neo4j_uri}
    return subprocess.run(
        [sys.executable, "-m", "civicgraph.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def exported(driver: neo4j.Driver, db: str) -> Graph:
    out = io.BytesIO()
    export(driver, out, fmt="ntriples", database=db)
    return Graph().parse(data=out.getvalue(), format="nt")


def everything(driver: neo4j.Driver, db: str, neo4j_uri: str) -> tuple[Any, Any, Graph]:
    stats = cli(neo4j_uri, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    return json.loads(stats.stdout), state(driver, db), exported(driver, db)


def same(before: tuple[Any, Any, Graph], after: tuple[Any, Any, Graph]) -> None:
    assert after[0] == before[0]  # civicgraph stats --json
    unchanged(before[1], after[1])  # nodes and relationships, with their properties
    assert isomorphic(after[2], before[2])  # the export


def load_second(driver: neo4j.Driver, db: str) -> str:
    mapping = load_mapping(SECOND / "second.yaml")
    report = run_mapping(mapping, SECOND / "second_illustrative.csv", driver=driver, database=db)
    return report.outcome.removeprefix("written as ").split(" ")[0]


def load_iri(outcome: str) -> str:
    return outcome.removeprefix("written as ").split(" ")[0]


def test_unloading_tables_restores_the_store_exactly(
    ref: neo4j.Driver, db: str, neo4j_uri: str
) -> None:
    reference_only = everything(ref, db, neo4j_uri)
    first = load_iri(load(ref, db, "keepiton", TABLES / "keepiton_illustrative.csv").outcome)
    keepiton_only = everything(ref, db, neo4j_uri)
    second = load_second(ref, db)
    both = state(ref, db)

    dry = cli(neo4j_uri, "unload", second, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert planned["done"] is False and state(ref, db) == both  # a dry run changes nothing
    # Its own incident, the three example.org sources, the dataset and the SOURCE links to them go;
    # the two incidents the KeepItOn table also records stay, without this load in their loads.
    assert planned["nodes_removed"]["Incident"] == 1
    assert planned["nodes_removed"]["Source"] == 4  # the dataset is a Source too
    assert planned["nodes_kept"]["Incident"] == 2
    assert planned["relationships_removed"]["SOURCE"] >= 6
    assert planned["collateral"] == {}
    assert planned["dataset"] == ID + "dataset/example-second-shutdown-list"

    done = cli(neo4j_uri, "unload", second)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Unloaded {second}")
    same(keepiton_only, everything(ref, db, neo4j_uri))

    unload(ref, db, first)
    same(reference_only, everything(ref, db, neo4j_uri))


def test_values_the_load_overwrote_come_back_from_their_statements(
    ref: neo4j.Driver, db: str
) -> None:
    """The statements are written here by hand in the model of docs/PROVENANCE.md (the loader
    writes them when a load disagrees with a stored value): the second list changed the place
    end date of a KeepItOn incident and added a comment it alone asserts."""
    first = load_iri(load(ref, db, "keepiton", TABLES / "keepiton_illustrative.csv").outcome)
    before = state(ref, db)
    second = load_second(ref, db)
    records, _, _ = ref.execute_query(
        "MATCH (n:Incident) WHERE n.iri STARTS WITH $p RETURN n.iri AS iri, n.endDate AS end",
        p=DISTRICT_A,
        database_=db,
    )
    incident, end = records[0]["iri"], records[0]["end"]
    assert str(end) == "2020-03-03"
    statements = [
        ("end/1", "endDate", "2020-03-03", first, False),
        ("end/2", "endDate", "2020-03-04", second, True),
        ("comment/2", "comment", "ILLUSTRATIVE comment of the second list", second, True),
    ]
    ref.execute_query(
        "MATCH (n:Resource {iri: $node}) SET n.endDate = date($new), n.comment = $comment "
        "WITH n UNWIND $statements AS s "
        "MATCH (l:Load {iri: s[3]}) "
        "CREATE (v:Resource:ValueStatement {iri: $base + s[0], statementProperty: s[1], "
        "  statementValue: s[2], isCurrent: s[4], loads: [$second], lastLoad: $second}) "
        "CREATE (v)-[:STATEMENT_SUBJECT {loads: [$second]}]->(n) "
        "CREATE (v)-[:IN_LOAD {loads: [$second]}]->(l)",
        node=incident,
        new=statements[1][2],
        comment=statements[2][2],
        statements=[list(s) for s in statements],
        base=ID + "statement/illustrative/",
        second=second,
        database_=db,
    )
    planned = plan(ref, db, second)
    assert (planned.values_restored, planned.values_removed) == (1, 1)
    unload(ref, db, second)
    unchanged(before, state(ref, db))


def test_refusals_change_nothing(ref: neo4j.Driver, db: str, neo4j_uri: str) -> None:
    records, _, _ = ref.execute_query("MATCH (l:Load) RETURN l.iri AS iri", database_=db)
    reference = records[0]["iri"]
    before = state(ref, db)
    refused = cli(neo4j_uri, "unload", reference)
    assert refused.returncode == 1
    assert "reference data" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    with pytest.raises(UnloadRefused, match="no load"):
        unload(ref, db, ID + "load/no-such-load")
    assert state(ref, db) == before
    forced = plan(ref, db, reference, force=True)
    assert forced.nodes_removed["Country"] > 100  # what --force would remove, not done
    assert state(ref, db) == before


def test_unloading_a_matched_table_restores_counts_and_values(
    ref: neo4j.Driver, db: str, neo4j_uri: str
) -> None:
    """The matching fixture (tests/fixtures/matching, ILLUSTRATIVE) matched onto the KeepItOn
    fixture: its rows add sources, records and values to existing incidents (disagreeing
    values as statements, a missing end date filled) and create one; unloading it undoes all."""
    load(ref, db, "keepiton", TABLES / "keepiton_illustrative.csv")
    before = everything(ref, db, neo4j_uri)
    matching = TABLES.parent / "matching"
    report = load(
        ref,
        db,
        str(matching / "research_illustrative.yaml"),
        matching / "research_illustrative.csv",
    )
    assert report.matching is not None and report.matching["matched"] == 3
    planned = plan(ref, db, load_iri(report.outcome))
    assert planned.nodes_removed["Match"] == 4  # three matched rows and the ambiguous one
    assert planned.nodes_removed["Incident"] == 1 and planned.nodes_kept["Incident"] == 3
    assert planned.values_removed >= 1  # the end date only the research table gives
    unload(ref, db, load_iri(report.outcome))
    same(before, everything(ref, db, neo4j_uri))
