"""Validating 870k similar nodes by validating one of each kind, with the same verdicts.

pyshacl spends about 0.8 ms per vote; 870k votes would take eleven minutes on this machine. But a
shape can only see a node's types, the IRI itself (through node-level patterns), and, per
property, how many values there are and, for each value: a literal's datatype and language, an
IRI's types - and the *value itself* only where a constraint reads it (``sh:pattern``, ``sh:in``,
comparisons, SPARQL...). Two nodes that agree on all of that get the same results from every
shape. So nodes are grouped by that "fingerprint", one representative per group is validated,
and its findings stand for every member.

The analysis of the shapes is deliberately conservative: any constraint it does not know as
value-blind (nested shapes with paths, complex paths, SPARQL, targets on values or named nodes,
inverse paths that reach the node) makes the values - or the whole node - part of the
fingerprint, which only means less grouping, never a missed violation. Untyped IRIs (looked up in
the store later) are kept as themselves for the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rdflib import RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from loaders.engine.facts import Facts
from loaders.engine.terms import Blank, Lit, Term

_VALUE = {
    SH.pattern,
    SH["in"],
    SH.hasValue,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.equals,
    SH.disjoint,
    SH.sparql,
    SH.flags,
}
_COMPARED = (SH.lessThan, SH.lessThanOrEquals, SH.equals, SH.disjoint)
_SHALLOW = {
    SH.datatype,
    SH.nodeKind,
    SH.languageIn,
    SH["class"],
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
}
_NESTED = (SH.node, SH.qualifiedValueShape, SH["not"])
_LISTS = (SH["or"], SH["and"], SH.xone)


class ShapeProfile:
    """What the shapes can see of a node beyond datatypes, languages, counts and types."""

    def __init__(self, shapes: Graph, ontology: Graph) -> None:
        self.shapes = shapes
        self.value_preds: set[Node] = set()  # their literal values and IRIs matter
        self.inverse_preds: set[Node] = set()  # incoming links of this kind matter
        self.value_targets: set[Node] = set()  # sh:targetObjectsOf / sh:targetSubjectsOf
        self.named: set[Node] = set()  # sh:targetNode
        self.opaque_classes: set[Node] = set()  # node-level value constraints: never grouped
        self.node_patterns: list[re.Pattern[str]] = []
        self.parents = {
            s: set(ontology.objects(s, RDFS.subClassOf)) for s in ontology.subjects(RDFS.subClassOf)
        }
        for shape in set(shapes.subjects(SH.path, None)):
            self._property_shape(shape)
        for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) - set(shapes.subjects(SH.path)):
            self._node_shape(shape)

    def _nested_shapes(self, shape: Node) -> list[Node]:
        found = [o for p in _NESTED for o in self.shapes.objects(shape, p)]
        for p in _LISTS:
            for head in self.shapes.objects(shape, p):
                found.extend(self.shapes.items(head))
        return found

    def shallow(self, shape: Node) -> bool:
        """A nested shape that reads only datatype, node kind, language and class."""
        predicates = set(self.shapes.predicates(shape))
        if not predicates <= _SHALLOW | set(_LISTS) | {SH["not"]}:
            return False
        return all(self.shallow(nested) for nested in self._nested_shapes(shape))

    def _property_shape(self, shape: Node) -> None:
        path = self.shapes.value(shape, SH.path)
        if path is None:
            return
        if isinstance(path, URIRef):
            preds: set[Node] = {path}
        else:  # complex path: every predicate in it counts, both ways
            preds = {n for n in _walk(self.shapes, path) if isinstance(n, URIRef) and n != RDF.nil}
            self.inverse_preds |= preds
        constraints = set(self.shapes.predicates(shape))
        nested_ok = all(self.shallow(n) for n in self._nested_shapes(shape))
        if (
            constraints & _VALUE
            or SH.property in constraints
            or not nested_ok
            or not isinstance(path, URIRef)
        ):
            self.value_preds |= preds
            self.value_preds |= {o for p in _COMPARED for o in self.shapes.objects(shape, p)}

    def _node_shape(self, shape: Node) -> None:
        targets = set(self.shapes.objects(shape, SH.targetClass))
        self.named |= set(self.shapes.objects(shape, SH.targetNode))
        for p in (SH.targetObjectsOf, SH.targetSubjectsOf):
            self.value_targets |= set(self.shapes.objects(shape, p))
        constraints = set(self.shapes.predicates(shape)) & (_VALUE - {SH.pattern, SH.flags})
        nested_ok = all(self.shallow(n) for n in self._nested_shapes(shape))
        if constraints or not nested_ok:
            self.opaque_classes |= targets
        for pattern in self.shapes.objects(shape, SH.pattern):
            flags = str(self.shapes.value(shape, SH.flags) or "")
            self.node_patterns.append(
                re.compile(str(pattern), re.IGNORECASE if "i" in flags else 0)
            )

    def ancestors(self, cls: Node) -> set[Node]:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen


def _walk(graph: Graph, node: Node) -> Iterable[Node]:
    yield node
    if isinstance(node, BNode):
        for _, o in graph.predicate_objects(node):
            yield from _walk(graph, o)


class _Index:
    """Per-graph lookups made once: the types of every node, the ends of inverse-path links."""

    def __init__(self, graph: Graph, profile: ShapeProfile) -> None:
        self.types: dict[Node, frozenset[Node]] = {}
        found: dict[Node, set[Node]] = {}
        for s, o in graph.subject_objects(RDF.type):
            found.setdefault(s, set()).add(o)
        self.types = {s: frozenset(t) for s, t in found.items()}
        self.reached = {o for p in profile.inverse_preds for o in graph.objects(None, p)}
        self.opaque = {
            t
            for t in {t for ts in self.types.values() for t in ts}
            if profile.ancestors(t) & profile.opaque_classes
        }


def fingerprint(graph: Graph, node: URIRef, profile: ShapeProfile, index: _Index) -> Any:
    """What the shapes can see of ``node`` (see module doc); the node itself when unsure."""
    types = index.types.get(node, frozenset())
    if node in profile.named or types & index.opaque or node in index.reached:
        return node
    values: list[tuple[Node, Any]] = []
    for p, o in graph.predicate_objects(node):
        if p in profile.value_targets or isinstance(o, BNode):
            return node
        if p in profile.value_preds:
            values.append((p, o))
        elif isinstance(o, Literal):
            values.append((p, (o.datatype, o.language)))
        else:
            values.append((p, index.types.get(o) or o))
    bits = tuple(bool(pattern.search(str(node))) for pattern in profile.node_patterns)
    return (types, bits, tuple(sorted(values, key=repr)))


def group(graph: Graph, nodes: Iterable[URIRef], profile: ShapeProfile) -> dict[URIRef, URIRef]:
    """Each node -> the representative of its group (itself for the first of a kind)."""
    index = _Index(graph, profile)
    first: dict[Any, URIRef] = {}
    return {n: first.setdefault(fingerprint(graph, n, profile, index), n) for n in nodes}


class FactsProfile:
    """A ``ShapeProfile`` in plain terms, for grouping ``Facts`` on the fast path."""

    def __init__(self, profile: ShapeProfile) -> None:
        self.profile = profile
        self.value_preds = {str(p) for p in profile.value_preds}
        self.inverse_preds = {str(p) for p in profile.inverse_preds}
        self.value_targets = {str(p) for p in profile.value_targets}
        self.named = {str(n) for n in profile.named if isinstance(n, URIRef)}
        self._opaque: dict[Term, bool] = {}

    def opaque(self, cls: Term) -> bool:
        hit = self._opaque.get(cls)
        if hit is None:
            ancestors = self.profile.ancestors(URIRef(str(cls)))
            hit = self._opaque[cls] = bool(ancestors & self.profile.opaque_classes)
        return hit


_TYPE = str(RDF.type)


def group_facts(facts: Facts, nodes: Iterable[str], profile: FactsProfile) -> dict[str, str]:
    """``group`` over ``Facts``: the same fingerprints, read from plain terms."""
    subjects = facts.subjects
    types: dict[Term, tuple[Term, ...]] = {}

    def types_of(node: Term) -> tuple[Term, ...]:
        hit = types.get(node)
        if hit is None:
            hit = types[node] = tuple(sorted(subjects.get(node, {}).get(_TYPE, ())))
        return hit

    reached = {
        o for s, preds in subjects.items() for p in profile.inverse_preds for o in preds.get(p, ())
    }
    patterns = profile.profile.node_patterns
    first: dict[Any, str] = {}
    out: dict[str, str] = {}
    for node in nodes:
        key: Any = node
        own = types_of(node)
        if not (node in profile.named or node in reached or any(map(profile.opaque, own))):
            key = _fingerprint(subjects.get(node, {}), own, profile, types_of)
            if key is not None:
                bits = tuple(bool(pattern.search(node)) for pattern in patterns)
                key = (own, bits, key)
            else:
                key = node
        out[node] = first.setdefault(key, node)
    return out


def _fingerprint(
    preds: dict[str, dict[Term, None]], own: tuple[Term, ...], profile: FactsProfile, types_of: Any
) -> tuple[Any, ...] | None:
    values: list[tuple[str, Any]] = []
    for p, objects in preds.items():
        for o in objects:
            if p in profile.value_targets or isinstance(o, Blank):
                return None
            if p in profile.value_preds:
                values.append((p, o))
            elif isinstance(o, Lit):
                values.append((p, (o.datatype, o.lang)))
            else:
                values.append((p, types_of(o) or o))
    return tuple(sorted(values, key=repr))
