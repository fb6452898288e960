"""RDF -> rows per the storage model, the datatype table, and the Cypher allowlist."""

from __future__ import annotations

from pathlib import Path

import neo4j.time
import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from civicgraph.model import Ontology
from civicgraph.vocab import CSG
from loaders import cypher
from loaders.datatypes import DATATYPES, IllTypedLiteral, graphql_scalar, to_value
from loaders.engine.convert import stored
from loaders.engine.terms import Lit
from loaders.rdf_input import parse
from loaders.records import Records, to_records
from loaders.writer import batch_rows, grouped_batches

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
EX = "https://w3id.org/civic-space-graph/id/example/"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # rdflib's closed XSD trips pytest's collector


@pytest.fixture(scope="module")
def records() -> Records:
    return to_records(parse(FIXTURES / "example.ttl"))


def _node(records: Records, iri: str) -> tuple[tuple[str, ...], dict[str, object]]:
    for labels, rows in records.nodes.items():
        for row in rows:
            if row["iri"] == EX + iri:
                return labels, row["props"]
    raise AssertionError(f"no node {iri}")


def test_labels_include_every_superclass(records: Records) -> None:
    assert _node(records, "incident/one")[0] == ("Event", "Incident")
    assert _node(records, "law/example-act")[0] == ("Document", "Law", "LegalText")
    assert _node(records, "actor/ministry")[0] == ("Actor", "GovernmentBody")
    assert _node(records, "right/example-right")[0] == ("Concept", "Right")


def test_properties_by_local_name_with_datatypes(records: Records) -> None:
    _, props = _node(records, "incident/one")
    assert props["startDate"] == neo4j.time.Date(2019, 3, 1)
    assert props["startDateEstimated"] is False
    assert props["status"] == "ended"  # functional -> scalar
    assert props["affectedService"] == ["example messaging", "mobile data"]  # others -> list
    _, law = _node(records, "law/example-act")
    assert law["year"] == 2018  # gYear -> int
    assert law["adoptionDate"] == neo4j.time.Date(2018, 5, 2)


def test_language_keys(records: Records) -> None:
    _, props = _node(records, "incident/one")
    assert props["label"] == "Example incident one"
    assert props["label__lang"] == "en"
    assert props["label__fr"] == "Incident d'exemple un"
    _, right = _node(records, "right/example-right")
    assert right["altLabel"] == ["illustrative right", "sample right"]
    assert right["altLabel__lang"] == ["en", "en"]  # parallel list for tagged values
    assert right["altLabel__fr"] == ["droit illustratif"]
    _, country = _node(records, "country/xa")
    assert country["isoAlpha2"] == "XA" and "isoAlpha2__lang" not in country


def test_relationships_by_type_with_sources(records: Records) -> None:
    rels = {
        (t, r["start"].removeprefix(EX), r["end"].removeprefix(EX)): r["sources"]
        for t, rows in records.relationships.items()
        for r in rows
    }
    report, handbook = EX + "source/report", EX + "source/handbook"
    # the reification gives the sources of this one triple ...
    assert rels[("RESTRICTS_RIGHT", "incident/one", "right/example-right")] == [report]
    # ... the others carry the sources of their subject
    assert rels[("COUNTRY", "incident/one", "country/xa")] == [handbook, report]
    assert rels[("RESTRICTS_RIGHT", "incident/two", "right/example-right")] == [handbook]
    assert ("SOURCE", "incident/one", "source/report") in rels
    assert records.targets() == {
        "https://w3id.org/civic-space-graph/id/scheme/rights",
        "https://w3id.org/civic-space-graph/id/scheme/threats",
    }


def test_untyped_and_foreign_triples_are_counted_not_stored() -> None:
    graph = Graph()
    node, other = URIRef(EX + "country/xq"), URIRef(EX + "thing/untyped")
    graph.add((node, RDF.type, CSG.Country))
    graph.add((node, RDF.type, URIRef("https://schema.org/Country")))
    graph.add((node, URIRef("http://xmlns.com/foaf/0.1/name"), Literal("Example")))
    graph.add((other, CSG.status, Literal("orphan")))
    records = to_records(graph)
    assert records.node_count == 1
    assert sum(records.skipped.values()) == 3
    assert any("foaf/0.1/name" in reason for reason in records.skipped)


def test_data_the_store_cannot_hold_is_collected() -> None:
    graph = Graph()
    incident = URIRef(EX + "incident/doubled")
    graph.add((incident, RDF.type, CSG.Incident))
    graph.add((incident, CSG.startDate, Literal("2019-01-01", datatype=XSD.date)))
    graph.add((incident, CSG.startDate, Literal("2019-01-02", datatype=XSD.date)))
    graph.add((BNode(), RDF.type, CSG.Country))
    problems = to_records(graph).problems
    assert any("2 values for startDate" in p for p in problems)
    assert any("blank node is typed Country" in p for p in problems)


def test_one_datatype_table_for_store_and_graphql() -> None:
    assert to_value(Literal("2019-08-04", datatype=XSD.date)) == neo4j.time.Date(2019, 8, 4)
    stamp = to_value(Literal("2024-05-01T12:00:00Z", datatype=XSD.dateTime))
    assert isinstance(stamp, neo4j.time.DateTime) and stamp.tzinfo is not None
    assert to_value(Literal("2011", datatype=XSD.gYear)) == 2011
    assert to_value(Literal("7", datatype=XSD.integer)) == 7
    assert to_value(Literal("1.5", datatype=XSD.decimal)) == 1.5
    assert to_value(Literal("true", datatype=XSD.boolean)) is True
    assert to_value(Literal("x", lang="fr")) == "x"
    with pytest.raises(IllTypedLiteral):
        to_value(Literal("2019-02-31", datatype=XSD.date))
    assert graphql_scalar(XSD.date) == "Date" and graphql_scalar(XSD.gYear) == "Int"
    assert graphql_scalar(XSD.anyURI) == "String" and graphql_scalar(None) == "String"
    # every range the ontology uses has a row
    ranges = {p.range for p in Ontology.get().properties.values() if p.kind == "datatype"}
    assert ranges <= set(DATATYPES)


def test_cypher_takes_labels_and_types_only_from_the_ontology() -> None:
    query, params = cypher.merge_nodes([(("Incident", "Event"), [{"iri": "x", "props": {}}])], "l")
    assert params["groups"] == [
        {"labels": ["Event", "Incident", "Resource"], "rows": [{"iri": "x", "props": {}}]}
    ]
    assert "Incident" not in query and "SET n:$(g.labels)" in query
    with pytest.raises(ValueError, match="not declared by the ontology"):
        cypher.merge_nodes([(("Incident", "Evil`) DETACH DELETE (n"), [])], "l")
    with pytest.raises(ValueError, match="relationship type"):
        cypher.merge_relationships([("NOT_A_TYPE", [])], "l")
    row = {"start": EX + "incident/one", "end": EX + "right/example-right", "sources": []}
    query, params = cypher.merge_relationships([("RESTRICTS_RIGHT", [row])], EX + "load")
    assert "CREATE (a)-[new:$(g.type)]->(b)" in query and "`RESTRICTS_RIGHT`|" in query
    assert EX not in query  # values travel only as parameters
    assert params == {"groups": [{"type": "RESTRICTS_RIGHT", "rows": [row]}], "load": EX + "load"}


def test_batches_cross_groups_and_keep_every_row_once() -> None:
    groups = {("B",): list(range(7)), ("A",): list(range(3)), ("C",): list(range(12))}
    got = list(grouped_batches(groups, 5))
    assert [batch_rows(b) for b in got] == [5, 5, 5, 5, 2]
    assert got[0] == [(("A",), [0, 1, 2]), (("B",), [0, 1])]
    flat = [(k, r) for b in got for k, rows in b for r in rows]
    assert flat == [(k, r) for k in sorted(groups) for r in groups[k]]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        *(
            (t, "date")
            for t in ("2019-07-05", "2019-02-30", "2019-7-05", "0000-01-01", "2019-07-05Z")
        ),
        *((t, "integer") for t in ("0", "42", "-7", "+5", "007", "-0", " 5", "1.0", "x", "9" * 30)),
        *((t, "boolean") for t in ("true", "false", "1", "0", "True", "yes")),
    ],
)
def test_plain_forms_read_without_rdflib_give_the_general_value(text: str, kind: str) -> None:
    """The converter's shortcut for common forms agrees with the datatype table, errors too."""
    lit = Lit(text, str(XSD[kind]))
    try:
        expected: object = to_value(Literal(text, datatype=XSD[kind]))
    except IllTypedLiteral:
        with pytest.raises(IllTypedLiteral):
            stored(lit)
        return
    got = stored(lit)
    assert (got, type(got)) == (expected, type(expected))
