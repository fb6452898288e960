"""The store back to RDF: the whole graph, or one entity's neighbourhood, in Turtle, JSON-LD or
N-Triples, such that the output validates against the shapes and loads back unchanged.

Everything is read through the ontology, the inverse of ``loaders.records``: a node's labels
give its most specific classes (``GovernmentBody``, not also ``Actor``); property keys give the
property IRIs and, from their ``rdfs:range``, the datatypes; ``key__lang`` / ``key__xx`` give the
language tags back; relationship types give the object properties. A relationship whose
``sources`` differ from its subject's sources becomes an ``rdf:Statement`` reification carrying
them, which is exactly what the loader reads them from. The store's bookkeeping (``loads``,
``lastLoad`` and the ``Load`` nodes) is not data and is left out.

A neighbourhood (``--from IRI --depth N``) is every node within N relationships of the entity
(not counting ``SOURCE`` links, which would reach the whole dataset through its source), with all
their outgoing links; the nodes those links reach come with the links some shape requires
(``sh:minCount``: a state's country, a concept's scheme, every source), transitively, so the file
validates on its own without dragging in whole vocabularies through ``skos:hasTopConcept``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

import neo4j
from rdflib import DCTERMS, RDF, SH, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology, OntProperty
from loaders import cypher
from loaders.shapes_graph import shapes_graph
from loaders.writer import read

Triple = tuple[Node, Node, Node]
FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}
_BOOKKEEPING = {"iri", "loads", "lastLoad"}
_PAGE = 5000
_OUTGOING = (
    f"UNWIND $iris AS iri MATCH (a:{cypher.RESOURCE} {{iri: iri}})-[r]->(b:{cypher.RESOURCE}) "
    "WHERE NOT b:Load "
    "RETURN a.iri AS start, type(r) AS type, b.iri AS end, r.sources AS sources"
)


def most_specific(labels: Iterable[str], ontology: Ontology) -> list[str]:
    """Classes among ``labels`` that are no other label's ancestor."""
    ours = [name for name in labels if name in ontology.classes]
    return sorted(
        c for c in ours if not any(c != d and c in ontology.classes[d].ancestors for d in ours)
    )


def literal(prop: OntProperty, value: Any, lang: str | None) -> Literal:
    """A stored value back as the literal the loader read (datatype from the property's range)."""
    if lang:
        return Literal(str(value), lang=lang)
    if hasattr(value, "to_native"):  # neo4j.time.Date / DateTime
        value = value.to_native()
    if prop.range == XSD.gYear:
        return Literal(f"{int(value):04d}", datatype=XSD.gYear)
    if prop.range in (XSD.anyURI, XSD.date, XSD.dateTime, XSD.integer, XSD.decimal, XSD.double):
        return Literal(str(value) if prop.range != XSD.dateTime else value, datatype=prop.range)
    if isinstance(value, bool | int | float):
        return Literal(value)
    return Literal(str(value))


def node_triples(
    iri: str, labels: list[str], props: dict[str, Any], ontology: Ontology
) -> Iterator[Triple]:
    subject = URIRef(iri)
    for name in most_specific(labels, ontology):
        yield subject, RDF.type, ontology.classes[name].iri
    keys = ontology.property_keys()
    for key, value in props.items():
        base, _, suffix = key.partition("__")
        if key in _BOOKKEEPING or suffix == "lang" or base not in keys:
            continue
        prop = keys[base]
        values = value if isinstance(value, list) else [value]
        if suffix:  # key__xx: another language
            langs: list[str | None] = [suffix.replace("_", "-")] * len(values)
        else:
            tags = props.get(f"{key}__lang")
            langs = list(tags) if isinstance(tags, list) else [tags] * len(values)
        for item, lang in zip(values, langs, strict=False):
            yield subject, prop.iri, literal(prop, item, lang or None)


def relationship_triples(
    start: str,
    rel_type: str,
    end: str,
    sources: list[str],
    subject_sources: set[str],
    ontology: Ontology,
) -> Iterator[Triple]:
    prop = ontology.relationship_types().get(rel_type)
    if prop is None:
        return
    s, o = URIRef(start), URIRef(end)
    yield s, prop.iri, o
    if prop.iri != DCTERMS.source and set(sources or []) != subject_sources:
        statement = BNode()
        yield statement, RDF.type, RDF.Statement
        yield statement, RDF.subject, s
        yield statement, RDF.predicate, prop.iri
        yield statement, RDF.object, o
        for src in sources or []:
            yield statement, DCTERMS.source, URIRef(src)


def _neighbours(driver: neo4j.Driver, db: str, iris: list[str]) -> set[str]:
    query = (
        f"UNWIND $iris AS iri MATCH (a:{cypher.RESOURCE} {{iri: iri}})-[r]-(b:{cypher.RESOURCE}) "
        "WHERE type(r) <> 'SOURCE' AND NOT b:Load RETURN DISTINCT b.iri AS iri"
    )
    return {r["iri"] for r in read(driver, db, (query, {"iris": iris}))}


def _targets(driver: neo4j.Driver, db: str, iris: list[str], types: list[str] | None) -> set[str]:
    """Ends of the outgoing relationships of ``iris`` (of ``types`` only, when given)."""
    query = (
        f"UNWIND $iris AS iri MATCH (a:{cypher.RESOURCE} {{iri: iri}})-[r]->(b:{cypher.RESOURCE}) "
        "WHERE NOT b:Load AND ($types IS NULL OR type(r) IN $types) RETURN DISTINCT b.iri AS iri"
    )
    return {r["iri"] for r in read(driver, db, (query, {"iris": iris, "types": types}))}


@cache
def required_types() -> list[str]:
    """Relationship types some shape requires (``sh:minCount`` or ``sh:qualifiedMinCount`` of 1
    or more), plus ``SOURCE``: what a node at the border of a neighbourhood needs to validate."""
    shapes = shapes_graph()
    by_iri = {p.iri: p.rel_type for p in Ontology.get().relationship_types().values()}
    found = {"SOURCE"}
    for shape, path in shapes.subject_objects(SH.path):
        counts = [*shapes.objects(shape, SH.minCount), *shapes.objects(shape, SH.qualifiedMinCount)]
        if isinstance(path, URIRef) and path in by_iri and any(int(str(c)) >= 1 for c in counts):
            found.add(by_iri[path])
    return sorted(found)


def neighbourhood(driver: neo4j.Driver, db: str, root: str, depth: int) -> list[str]:
    """The IRIs to export around ``root`` (see module doc)."""
    found = read(
        driver,
        db,
        (f"MATCH (n:{cypher.RESOURCE} {{iri: $iri}}) RETURN n.iri AS iri", {"iri": root}),
    )
    if not found:
        raise CivicGraphError(f"no entity <{root}> in the store; check the IRI (export --from)")
    chosen, frontier = {root}, [root]
    for _ in range(depth):
        frontier = sorted(_neighbours(driver, db, frontier) - chosen)
        chosen.update(frontier)
    frontier = sorted(_targets(driver, db, sorted(chosen), None) - chosen)
    chosen.update(frontier)
    while frontier:
        frontier = sorted(_targets(driver, db, frontier, required_types()) - chosen)
        chosen.update(frontier)
    return sorted(chosen)


def _all_iris(driver: neo4j.Driver, db: str) -> list[str]:
    query = f"MATCH (n:{cypher.RESOURCE}) WHERE NOT n:Load RETURN n.iri AS iri ORDER BY iri"
    return [r["iri"] for r in read(driver, db, (query, {}))]


def export_triples(
    driver: neo4j.Driver, db: str, iris: list[str], keep: set[str] | None = None
) -> Iterator[Triple]:
    """The triples of the nodes ``iris`` and their outgoing relationships (to ``keep`` only,
    when given), page by page."""
    ontology = Ontology.get()
    for start in range(0, len(iris), _PAGE):
        page = iris[start : start + _PAGE]
        nodes = read(
            driver,
            db,
            (
                f"UNWIND $iris AS iri MATCH (n:{cypher.RESOURCE} {{iri: iri}}) "
                "OPTIONAL MATCH (n)-[:SOURCE]->(s) "
                "RETURN n.iri AS iri, labels(n) AS labels, properties(n) AS props, "
                "collect(s.iri) AS sources",
                {"iris": page},
            ),
        )
        sources = {r["iri"]: set(r["sources"]) for r in nodes}
        for r in nodes:
            yield from node_triples(r["iri"], r["labels"], r["props"], ontology)
        rels = read(driver, db, (_OUTGOING, {"iris": page}))
        for r in rels:
            if keep is not None and r["end"] not in keep:
                continue
            yield from relationship_triples(
                r["start"],
                r["type"],
                r["end"],
                r["sources"],
                sources.get(r["start"], set()),
                ontology,
            )


def export(
    driver: neo4j.Driver,
    out: IO[bytes],
    *,
    fmt: str = "turtle",
    root: str | None = None,
    depth: int = 1,
    database: str | None = None,
) -> int:
    """Write the graph (or ``root``'s neighbourhood) to ``out``; returns the number of triples.
    N-Triples stream with bounded memory; Turtle and JSON-LD are built as one rdflib graph."""
    from civicgraph.store import database as default_database

    if fmt not in FORMATS:
        raise CivicGraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    db = database or default_database()
    iris = neighbourhood(driver, db, root, depth) if root else _all_iris(driver, db)
    triples = export_triples(driver, db, iris, set(iris) if root else None)
    if fmt == "ntriples":  # streamed in pages: memory stays bounded on the whole graph
        count = 0
        page = Graph()
        for triple in triples:
            page.add(triple)
            if len(page) >= _PAGE * 10:
                count += len(page)
                out.write(page.serialize(format="nt", encoding="utf-8"))
                page = Graph()
        out.write(page.serialize(format="nt", encoding="utf-8"))
        return count + len(page)
    graph = Graph()
    for prefix, ns in (
        ("csg", "https://w3id.org/civic-space-graph/ontology#"),
        ("csgid", "https://w3id.org/civic-space-graph/id/"),
        ("skos", "http://www.w3.org/2004/02/skos/core#"),
        ("dcterms", str(DCTERMS)),
    ):
        graph.bind(prefix, ns)
    graph.addN((s, p, o, graph) for s, p, o in triples)
    out.write(graph.serialize(format=FORMATS[fmt], encoding="utf-8"))
    return len(graph)


def export_to(path: Path | None, **kwargs: Any) -> int:
    """``export`` into a file, or to standard output when ``path`` is ``None``."""
    import sys

    if path is None:
        return export(out=sys.stdout.buffer, **kwargs)
    with path.open("wb") as fh:
        return export(out=fh, **kwargs)
