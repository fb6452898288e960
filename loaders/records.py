"""RDF -> rows for Neo4j, following the storage model in docs/ARCHITECTURE.md.

Only subjects typed with one of our classes become nodes; ``rdf:Statement`` reifications only
feed relationship provenance; every other triple is counted under a reason in ``skipped`` so a
load can say what it left out. Data the storage model cannot hold (two values for a functional
property, a typed blank node, an ill-typed literal) is collected in ``problems`` rather than
raised, so the SHACL report, which explains such data better, can be shown first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TypedDict

from rdflib import DCTERMS, RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from civicgraph.model import ID_NS, Ontology, OntProperty
from loaders.datatypes import IllTypedLiteral, StoredValue, to_value

PropValue = StoredValue | list[StoredValue]


class NodeRow(TypedDict):
    iri: str
    props: dict[str, PropValue]


class RelRow(TypedDict):
    start: str
    end: str
    sources: list[str]


@dataclass
class Records:
    """Nodes grouped by label set and relationships grouped by type, ready for batched writes."""

    nodes: dict[tuple[str, ...], list[NodeRow]] = field(default_factory=dict)
    relationships: dict[str, list[RelRow]] = field(default_factory=dict)
    triples: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def node_count(self) -> int:
        return sum(len(rows) for rows in self.nodes.values())

    @property
    def relationship_count(self) -> int:
        return sum(len(rows) for rows in self.relationships.values())

    def node_iris(self) -> set[str]:
        return {row["iri"] for rows in self.nodes.values() for row in rows}

    def targets(self) -> set[str]:
        """Relationship ends that are not nodes of this data: they must already be in the store."""
        ends = {
            row[k] for rows in self.relationships.values() for row in rows for k in ("start", "end")
        }
        return ends - self.node_iris()


_SKIP_UNTYPED = "triples about subjects without a class of the ontology"
_SKIP_FOREIGN_TYPE = "rdf:type values outside the ontology (labels come from our classes only)"
_SKIP_UNREIFIED = "reifications of triples that are not relationships in the data"


def _is_main_language(lang: str | None) -> bool:
    """English (``en``, ``en-GB``, ...) or untagged values are the main value of a key, as in the
    shapes' ``sh:languageIn ("en")``; other tags get ``key__xx``."""
    return lang is None or lang.lower() == "en" or lang.lower().startswith("en-")


def _lang_key(lang: str) -> str:
    return lang.lower().replace("-", "_")


def _sort_key(lit: Literal) -> tuple[str, str]:
    return (str(lit), lit.language or "")


class _Builder:
    """One pass state: kept small and private so ``to_records`` reads as the algorithm."""

    def __init__(self, graph: Graph, ontology: Ontology) -> None:
        self.graph = graph
        self.ontology = ontology
        self.props = {p.iri: p for p in ontology.properties.values()}
        self.rel_types = {p.iri: p.rel_type for p in self.props.values() if p.is_relationship}
        self.source = DCTERMS.source
        self.classes = {c.iri for c in ontology.classes.values()}
        self.out = Records(triples=len(graph))
        self.types: dict[Node, list[URIRef]] = defaultdict(list)
        self.literals: dict[Node, dict[str, list[Literal]]] = defaultdict(lambda: defaultdict(list))
        self.edges: dict[tuple[Node, URIRef, Node], str] = {}
        self.subject_sources: dict[Node, set[str]] = defaultdict(set)
        self.reified: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)

    def collect_types(self) -> None:
        for s, o in self.graph.subject_objects(RDF.type):
            if o in self.classes:
                self.types[s].append(o)  # type: ignore[arg-type]
        for s, classes in list(self.types.items()):
            if isinstance(s, BNode):
                names = ", ".join(sorted(c.split("#")[-1] for c in classes))
                self.out.problems.append(
                    f"a blank node is typed {names}: nodes need an IRI (civicgraph.iris.mint)"
                )
                del self.types[s]

    def collect_reifications(self) -> set[Node]:
        statements = set(self.graph.subjects(RDF.type, RDF.Statement))
        statements.update(self.graph.subjects(RDF.subject, None))
        for st in statements:
            triple = (
                self.graph.value(st, RDF.subject),
                self.graph.value(st, RDF.predicate),
                self.graph.value(st, RDF.object),
            )
            sources = {str(o) for o in self.graph.objects(st, DCTERMS.source)}
            if None not in triple:
                self.reified[triple].update(sources)  # type: ignore[index]
        return statements

    def read_triples(self, statements: set[Node]) -> None:
        skipped, types, rdf_type = self.out.skipped, self.types, RDF.type  # hot loop: locals
        for s, p, o in self.graph:
            if s in statements:
                continue
            if s not in types:
                skipped[_SKIP_UNTYPED] += 1
            elif p == rdf_type:
                if o not in self.classes:
                    skipped[_SKIP_FOREIGN_TYPE] += 1
            elif (prop := self.props.get(p)) is None:  # type: ignore[call-overload]
                skipped[f"predicate not in the ontology: <{p}>"] += 1
            elif prop.is_relationship:
                self._edge(s, prop, o)
            elif isinstance(o, Literal):
                self.literals[s][prop.name].append(o)
            else:
                skipped[f"IRI or blank node as value of datatype property <{p}>"] += 1

    def _edge(self, s: Node, prop: OntProperty, o: Node) -> None:
        if not isinstance(o, URIRef):
            what = "a literal" if isinstance(o, Literal) else "a blank node"
            self.out.skipped[f"{what} as value of object property <{prop.iri}>"] += 1
            return
        self.edges[(s, prop.iri, o)] = self.rel_types[prop.iri]
        if prop.iri == self.source:
            self.subject_sources[s].add(str(o))

    def build_nodes(self) -> None:
        labels_of: dict[frozenset[URIRef], tuple[str, ...]] = {}
        for subject, classes in sorted(self.types.items(), key=lambda item: str(item[0])):
            key = frozenset(classes)
            labels = labels_of.get(key) or labels_of.setdefault(key, self.ontology.labels_for(key))
            props: dict[str, PropValue] = {}
            for name, values in sorted(self.literals.get(subject, {}).items()):
                prop = self.ontology.properties[name]
                props.update(self._literal_props(str(subject), prop, values))
            row: NodeRow = {"iri": str(subject), "props": props}
            self.out.nodes.setdefault(labels, []).append(row)

    def build_relationships(self) -> None:
        used: set[tuple[Node, Node, Node]] = set()
        for (s, p, o), rel_type in self.edges.items():
            sources = self.reified.get((s, p, o))
            if sources is not None:
                used.add((s, p, o))
            chosen = sources if sources else self.subject_sources.get(s, set())
            row: RelRow = {"start": str(s), "end": str(o), "sources": sorted(chosen)}
            self.out.relationships.setdefault(rel_type, []).append(row)
        for rows in self.out.relationships.values():  # a stable order, on plain strings (fast)
            rows.sort(key=lambda row: (row["start"], row["end"]))
        unused = len(self.reified) - len(used)
        if unused:
            self.out.skipped[_SKIP_UNREIFIED] += unused

    def _literal_props(
        self, iri: str, prop: OntProperty, values: list[Literal]
    ) -> dict[str, PropValue]:
        """``key`` (English/untagged, with ``key__lang``) and ``key__xx`` for other languages."""
        groups: dict[str, list[Literal]] = defaultdict(list)
        for lit in sorted(values, key=_sort_key):
            lang = lit.language
            groups["" if _is_main_language(lang) else _lang_key(lang or "")].append(lit)
        out: dict[str, PropValue] = {}
        for suffix, lits in sorted(groups.items()):
            key = f"{prop.name}__{suffix}" if suffix else prop.name
            converted = self._convert(iri, key, lits)
            if converted is None:
                continue
            if prop.functional:
                if len(converted) > 1:
                    shown = ", ".join(repr(str(v)) for v in lits)
                    per = " per language" if prop.kind == "annotation" else ""
                    self.out.problems.append(
                        f"<{iri}> has {len(lits)} values for {key} ({shown}) "
                        f"but <{prop.iri}> holds one{per}"
                    )
                    continue
                out[key] = converted[0]
                if not suffix and lits[0].language:
                    out[f"{key}__lang"] = lits[0].language
            else:
                out[key] = converted
                if not suffix and any(lit.language for lit in lits):
                    out[f"{key}__lang"] = [lit.language or "" for lit in lits]
        return out

    def _convert(self, iri: str, key: str, lits: list[Literal]) -> list[StoredValue] | None:
        try:
            converted = [to_value(lit) for lit in lits]
        except IllTypedLiteral as exc:
            self.out.problems.append(f"<{iri}> {key}: {exc}")
            return None
        if len({type(v) for v in converted}) > 1:
            self.out.problems.append(
                f"<{iri}> {key}: values of different datatypes cannot share a list"
            )
            return None
        return converted


def untyped_references(data: Graph) -> set[URIRef]:
    """Entity IRIs the data uses as objects, or as subjects without a type, but does not type:
    validation looks them up in the store (the graph-level twin of ``Records.targets``)."""
    typed = set(data.subjects(RDF.type, None, unique=True))
    wanted = {o for p, o in data.predicate_objects() if p != RDF.type and isinstance(o, URIRef)}
    wanted.update(s for s in data.subjects(unique=True) if isinstance(s, URIRef))
    return {iri for iri in wanted - typed if isinstance(iri, URIRef) and iri.startswith(ID_NS)}


def to_records(graph: Graph, ontology: Ontology | None = None) -> Records:
    """Group the graph's nodes by label set and its relationships by type (see module doc)."""
    builder = _Builder(graph, ontology or Ontology.get())
    builder.collect_types()
    statements = builder.collect_reifications()
    builder.read_triples(statements)
    builder.build_nodes()
    builder.build_relationships()
    return builder.out
