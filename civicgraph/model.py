"""The ontology as Python objects: the one place every other layer learns names from.

Neo4j labels, relationship types, property keys and GraphQL types are all read from here, which
in turn only reads ``ontology/*.ttl``. Nothing in this module lists a class or property by hand.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from civicgraph.paths import ontology_files

CSG_NS = "https://w3id.org/civic-space-graph/ontology#"
ID_NS = "https://w3id.org/civic-space-graph/id/"
SCHEMA = Namespace("https://schema.org/")
_ONE_PER_LANGUAGE = URIRef(CSG_NS + "onePerLanguage")

_KINDS = {
    OWL.ObjectProperty: "object",
    OWL.DatatypeProperty: "datatype",
    OWL.AnnotationProperty: "annotation",
}


def local_name(iri: object) -> str:
    return re.split(r"[#/]", str(iri))[-1]


@cache
def const_case(name: str) -> str:
    """``restrictsRight`` -> ``RESTRICTS_RIGHT``: the relationship type of an object property."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


@dataclass(frozen=True)
class OntClass:
    iri: URIRef
    name: str
    label: str
    comment: str
    parents: tuple[str, ...]
    ancestors: tuple[str, ...] = field(default=())

    @property
    def is_abstract(self) -> bool:
        """Classes with subclasses become GraphQL interfaces."""
        return bool(Ontology.get().children(self.name))


@dataclass(frozen=True)
class OntProperty:
    iri: URIRef
    name: str
    kind: str
    functional: bool
    label: str
    comment: str
    domains: tuple[str, ...]
    range: URIRef | None
    parent: str | None

    @property
    def is_relationship(self) -> bool:
        return self.kind == "object"

    @property
    def rel_type(self) -> str:
        return const_case(self.name)

    @property
    def range_class(self) -> str | None:
        """Local name of the range class when it is one of ours."""
        if self.range is not None and str(self.range).startswith(CSG_NS):
            return local_name(self.range)
        return None


@dataclass(frozen=True)
class OntInverse:
    """A property declared ``owl:inverseOf`` a stored one: no relationship type of its own, it
    names the stored property read backwards (``csg:invokedIn`` = incidents whose
    ``csg:invokedLaw`` is this law), so readers get a readable name for the reverse field."""

    iri: URIRef
    name: str
    of: str
    label: str
    comment: str


def _text(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    values = [v for v in graph.objects(subject, predicate) if isinstance(v, Literal)]
    english = [v for v in values if v.language in (None, "en")]
    chosen = english or values
    return str(chosen[0]) if chosen else ""


class Ontology:
    """Classes and properties declared in the ontology files."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.classes: dict[str, OntClass] = {}
        self.properties: dict[str, OntProperty] = {}
        self.inverses: dict[str, OntInverse] = {}
        self._build_classes()
        self._build_properties()

    @classmethod
    def get(cls) -> Ontology:
        """The project's ontology, read once per process. Locked: a load reads it in two threads
        at once (the parser's and the store warm-up's), and each used to read all of it again,
        the two fighting for the one core Python has."""
        with _READING:
            if cls not in _READ:
                _READ[cls] = cls.from_files(ontology_files())
            return _READ[cls]

    @classmethod
    def from_files(cls, files: Iterable[Path]) -> Ontology:
        graph = Graph()
        for path in files:
            graph.parse(path, format="turtle")
        return cls(graph)

    def _build_classes(self) -> None:
        g = self.graph
        ours = sorted(
            c
            for c in g.subjects(RDF.type, OWL.Class)
            if isinstance(c, URIRef) and c.startswith(CSG_NS)
        )
        parents = {
            c: tuple(
                sorted(
                    local_name(p)
                    for p in g.objects(c, RDFS.subClassOf)
                    if str(p).startswith(CSG_NS)
                )
            )
            for c in ours
        }
        by_name = {local_name(c): c for c in ours}

        def ancestors(name: str) -> tuple[str, ...]:
            seen: list[str] = [name]
            for parent in parents[by_name[name]]:
                seen.extend(a for a in ancestors(parent) if a not in seen)
            return tuple(seen)

        for c in ours:
            name = local_name(c)
            self.classes[name] = OntClass(
                c,
                name,
                _text(g, c, RDFS.label),
                _text(g, c, RDFS.comment),
                parents[c],
                ancestors(name),
            )

    def _build_properties(self) -> None:
        g = self.graph
        for kind_iri, kind in _KINDS.items():
            for p in sorted(s for s in g.subjects(RDF.type, kind_iri) if isinstance(s, URIRef)):
                inverse_of = g.value(p, OWL.inverseOf)
                if isinstance(inverse_of, URIRef) and p.startswith(CSG_NS):
                    self.inverses[local_name(p)] = OntInverse(
                        p,
                        local_name(p),
                        local_name(inverse_of),
                        _text(g, p, RDFS.label),
                        _text(g, p, RDFS.comment),
                    )
                    continue
                domains = [*g.objects(p, RDFS.domain), *g.objects(p, SCHEMA.domainIncludes)]
                rng = g.value(p, RDFS.range)
                parent = g.value(p, RDFS.subPropertyOf)
                name = local_name(p)
                if name in self.properties:
                    raise ValueError(f"two ontology properties share the local name {name!r}")
                self.properties[name] = OntProperty(
                    iri=p,
                    name=name,
                    kind=kind,
                    functional=(p, RDF.type, OWL.FunctionalProperty) in g
                    or g.value(p, _ONE_PER_LANGUAGE) == Literal(True),
                    label=_text(g, p, RDFS.label),
                    comment=_text(g, p, RDFS.comment),
                    domains=tuple(
                        sorted(local_name(d) for d in domains if str(d).startswith(CSG_NS))
                    ),
                    range=rng if isinstance(rng, URIRef) else None,
                    parent=local_name(parent)
                    if isinstance(parent, URIRef) and parent.startswith(CSG_NS)
                    else None,
                )

    def inverse_of(self, name: str) -> OntInverse | None:
        """The readable inverse declared for the stored property ``name``, if any."""
        return next((i for i in self.inverses.values() if i.of == name), None)

    def children(self, name: str) -> list[str]:
        return sorted(c.name for c in self.classes.values() if name in c.parents)

    def labels_for(self, types: Iterable[URIRef]) -> tuple[str, ...]:
        """Neo4j labels for a node typed with ``types``: each of our classes and its ancestors."""
        labels: set[str] = set()
        for t in types:
            name = local_name(t)
            if str(t).startswith(CSG_NS) and name in self.classes:
                labels.update(self.classes[name].ancestors)
        return tuple(sorted(labels))

    def by_iri(self, iri: URIRef) -> OntProperty | None:
        prop = self.properties.get(local_name(iri))
        return prop if prop is not None and prop.iri == iri else None

    def relationship_types(self) -> dict[str, OntProperty]:
        return {p.rel_type: p for p in self.properties.values() if p.is_relationship}

    def property_keys(self) -> dict[str, OntProperty]:
        return {p.name: p for p in self.properties.values() if not p.is_relationship}

    def applies_to(self, prop: OntProperty, class_name: str) -> bool:
        """Whether a property belongs on a class: one of its domains (``rdfs:domain`` or
        ``schema:domainIncludes``) is the class or an ancestor, or it has none (then it is
        global)."""
        if not prop.domains:
            return True
        return any(d in self.classes[class_name].ancestors for d in prop.domains)


_READING = threading.Lock()
_READ: dict[type[Ontology], Ontology] = {}
