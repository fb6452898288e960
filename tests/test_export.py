"""Export: the store back to RDF that validates and loads into an empty store unchanged, on
ILLUSTRATIVE table fixtures loaded on top of the vocabularies and reference data."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fixtures.tables.support import ID, TABLES, load, with_reference
from rdflib import Graph

from loaders.export import export, most_specific
from loaders.pipeline import load_paths
from loaders.validate import validate

pytestmark = pytest.mark.neo4j

BOOKKEEPING = {"loads", "lastLoad"}


@pytest.fixture
def loaded(empty_store: neo4j.Driver, db: str) -> neo4j.Driver:
    with_reference(empty_store, db)
    load(empty_store, db, "keepiton", TABLES / "keepiton_illustrative.csv")
    load(empty_store, db, "civicus", TABLES / "civicus_2020-01-01.json")
    return empty_store


def snapshot(driver: neo4j.Driver, db: str) -> tuple[dict[str, Any], set[tuple[Any, ...]]]:
    """Every data node (labels, properties without bookkeeping) and relationship (with sources)."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n:Resource) WHERE NOT n:Load "
        "RETURN n.iri AS iri, labels(n) AS l, properties(n) AS p",
        database_=db,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a:Resource)-[r]->(b:Resource) WHERE NOT a:Load AND NOT b:Load "
        "RETURN a.iri AS a, type(r) AS t, b.iri AS b, r.sources AS s",
        database_=db,
    )
    node_map = {
        r["iri"]: (
            sorted(r["l"]),
            {k: _plain(v) for k, v in r["p"].items() if k not in BOOKKEEPING},
        )
        for r in nodes
    }
    return node_map, {(r["a"], r["t"], r["b"], tuple(sorted(r["s"] or []))) for r in rels}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(map(str, value))
    return str(value)


def exported(driver: neo4j.Driver, db: str, fmt: str, **kw: Any) -> bytes:
    out = io.BytesIO()
    export(driver, out, fmt=fmt, database=db, **kw)
    return out.getvalue()


def test_most_specific_class_from_labels() -> None:
    from civicgraph.model import Ontology

    ontology = Ontology.get()
    assert most_specific(["Resource", "Actor", "GovernmentBody"], ontology) == ["GovernmentBody"]
    assert most_specific(["Document", "LegalText", "Law", "Order"], ontology) == ["Order"]


def test_round_trip_through_turtle(loaded: neo4j.Driver, db: str, tmp_path: Path) -> None:
    before = snapshot(loaded, db)
    path = tmp_path / "export.ttl"
    path.write_bytes(exported(loaded, db, "turtle"))
    graph = Graph().parse(path, format="turtle")
    assert validate(graph).conforms
    loaded.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    load_paths([path], driver=loaded, database=db)
    after = snapshot(loaded, db)
    assert after[0] == before[0]
    assert after[1] == before[1]


def test_every_format_says_the_same(loaded: neo4j.Driver, db: str) -> None:
    graphs = {
        fmt: Graph().parse(data=exported(loaded, db, fmt), format=parser)
        for fmt, parser in (("turtle", "turtle"), ("jsonld", "json-ld"), ("ntriples", "nt"))
    }
    sizes = {fmt: len(g) for fmt, g in graphs.items()}
    assert len(set(sizes.values())) == 1, sizes


def test_neighbourhood_validates_on_its_own(loaded: neo4j.Driver, db: str) -> None:
    law = ID + "law/in/section-144-crpc"
    graph = Graph().parse(data=exported(loaded, db, "turtle", root=law, depth=1), format="turtle")
    subjects = {str(s) for s in graph.subjects()}
    assert law in subjects
    incidents = [s for s in subjects if s.startswith(ID + "incident/keepiton/in/")]
    assert len(incidents) == 2  # both incidents that invoke it, one link away
    assert ID + "country/in" in subjects  # what they point at comes along
    assert ID + "incident/keepiton/ir/" not in " ".join(subjects)  # unrelated ones do not
    assert validate(graph).conforms


def test_unknown_root_is_a_clear_error(loaded: neo4j.Driver, db: str) -> None:
    with pytest.raises(Exception, match="no entity"):
        exported(loaded, db, "turtle", root=ID + "incident/nothing-here")
