"""Curators' edits as RDF: built from input, validated and written like any load.

An edit becomes an rdflib graph of the *whole* node after the edit (for an update: the stored node
read back into RDF, with the edited fields replaced), so the same SHACL shapes judge it that judge
files (``loaders.validate.validate``, store-aware for the IRIs it points at). It is converted with
``loaders.records.to_records`` and written with the loader's Cypher (``loaders.cypher``) in one
write transaction that first removes the values the edit replaces. Runs synchronously, in a worker
thread of the API.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import neo4j
import neo4j.time
from rdflib import DCTERMS, RDF, BNode, Graph, Literal, URIRef

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology, OntProperty, local_name
from loaders import cypher
from loaders.pipeline import check_targets
from loaders.records import Records, to_records
from loaders.validate import validate
from loaders.writer import LoadInfo


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    rule: str
    message: str
    value: str | None = None


@dataclass
class Edit:
    """One node's new state: ``values`` maps property local names to Python values or lists."""

    iri: str
    class_name: str
    values: dict[str, Any]
    replaced: set[str] = field(default_factory=set)
    # Relationship provenance: (property, object IRI, source IRIs), written as rdf:Statement.
    statements: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)


class EditRefused(CivicGraphError):
    def __init__(self, problems: list[FieldProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _literal(prop: OntProperty, value: Any) -> Literal:
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        value = value.to_native()
    if prop.kind == "annotation" or str(prop.range).endswith("#langString"):
        return Literal(str(value), lang="en")
    if prop.range is not None:
        return Literal(value, datatype=prop.range)
    return Literal(value)


def to_graph(edit: Edit) -> Graph:
    """The RDF of the edited node (its type, literals, outgoing links and sources)."""
    onto = Ontology.get()
    graph = Graph()
    subject = URIRef(edit.iri)
    graph.add((subject, RDF.type, onto.classes[edit.class_name].iri))
    for name, value in edit.values.items():
        prop = onto.properties[name]
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            obj = URIRef(str(item)) if prop.is_relationship else _literal(prop, item)
            graph.add((subject, prop.iri, obj))
    for name, target, sources in edit.statements:
        statement = BNode()
        graph.add((statement, RDF.type, RDF.Statement))
        graph.add((statement, RDF.subject, subject))
        graph.add((statement, RDF.predicate, onto.properties[name].iri))
        graph.add((statement, RDF.object, URIRef(target)))
        for source in sources:
            graph.add((statement, DCTERMS.source, URIRef(source)))
    return graph


def read_node(
    driver: neo4j.Driver, database: str, iri: str, timeout: float = 10.0
) -> tuple[str, dict[str, Any]] | None:
    """A stored node's most specific class and its values per the ontology, or None."""
    from graph_api.schema.shape import most_specific_class

    query = neo4j.Query(
        "MATCH (n:Resource {iri: $iri}) "
        "RETURN labels(n) AS labels, properties(n) AS props, "
        "[(n)-[r]->(m) | [type(r), m.iri]] AS links",
        timeout=timeout,
    )
    records, _, _ = driver.execute_query(query, {"iri": iri}, database_=database)
    if not records:
        return None
    onto = Ontology.get()
    name = most_specific_class(frozenset(records[0]["labels"]))
    if name is None:
        return None
    values: dict[str, Any] = {}
    keys = onto.property_keys()
    for key, value in records[0]["props"].items():
        if key in keys:  # main-language values only; other languages stay as stored
            values[key] = value
    by_type = onto.relationship_types()
    for rel_type, target in records[0]["links"]:
        if rel_type in by_type:
            values.setdefault(by_type[rel_type].name, []).append(target)
    return name, values


def violations_to_problems(report: Any) -> list[FieldProblem]:
    problems = []
    for v in report.violations:
        if v.severity != "Violation":
            continue
        path = local_name(v.path.split(":")[-1]) if v.path else None
        problems.append(
            FieldProblem(
                field="sources" if path == "source" else path,
                rule=local_name(v.shape).split(":")[-1] if v.shape else "shape",
                message=v.message,
                value=v.value,
            )
        )
    return problems


def _delete_replaced(tx: neo4j.ManagedTransaction, iri: str, replaced: set[str]) -> None:
    onto = Ontology.get()
    for name in sorted(replaced):
        prop = onto.properties[name]
        if prop.is_relationship:
            rel = cypher.rel_type_clause(prop.rel_type)
            tx.run(
                f"MATCH (:Resource {{iri: $iri}})-[r:{rel}]->() DELETE r", {"iri": iri}
            ).consume()
        elif name in onto.property_keys() and name.isidentifier():  # allowlisted key
            tx.run(
                f"MATCH (n:Resource {{iri: $iri}}) REMOVE n.`{name}`, n.`{name}__lang`",
                {"iri": iri},
            ).consume()


def _write(tx: neo4j.ManagedTransaction, edit: Edit, records: Records, load: LoadInfo) -> None:
    _delete_replaced(tx, edit.iri, edit.replaced)
    tx.run(*cypher.merge_load(load.iri, load.properties())).consume()
    if records.nodes:
        tx.run(*cypher.merge_nodes(sorted(records.nodes.items()), load.iri)).consume()
    if records.relationships:
        rels = sorted(records.relationships.items())
        tx.run(*cypher.merge_relationships(rels, load.iri)).consume()


def apply_edit(driver: neo4j.Driver, database: str, edit: Edit, action: str) -> str:
    """Validate and write ``edit``; returns the Load IRI or raises :class:`EditRefused`."""
    graph = to_graph(edit)
    report = validate(graph, driver=driver, database=database)
    problems = violations_to_problems(report)
    records = to_records(graph)
    problems += [FieldProblem(None, "storage", p) for p in records.problems]
    if problems:
        raise EditRefused(problems)
    try:
        check_targets(records, driver, database)
    except CivicGraphError as exc:
        raise EditRefused([FieldProblem(None, "target_exists", str(exc))]) from exc
    text = graph.serialize(format="nt")
    digest = hashlib.sha256("\n".join(sorted(text.splitlines())).encode()).hexdigest()
    load = LoadInfo.for_content(f"graphql:{action} <{edit.iri}>", digest)
    with driver.session(database=database) as session:
        session.run(*cypher.constraint()).consume()
        session.execute_write(_write, edit, records, load)
    return load.iri
