"""Which compiled shapes a streamed load can check batch by batch, and which on an index.

A batch holds all triples of its subjects and, of any other node, only its types. That is enough
for a shape targeting subjects (``sh:targetClass``, ``sh:targetSubjectsOf``) as long as it reads
other nodes only through ``sh:class`` and operand shapes without paths. Shapes targeting the
objects of a predicate and reading it backwards (the uniqueness of codes and symbols) are checked
once on the index of those predicates' triples. Shapes that fit neither (none today) make the
load take the one-shot path, so the findings never differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from rdflib import SH, URIRef
from rdflib.term import Node

from loaders.engine.compiled import TARGETS, Shape, compiled
from loaders.engine.terms import Term
from loaders.shapes_graph import shapes_graph

Root = tuple[Shape, list[tuple[URIRef, Term]]]
LOCAL_TARGETS = {SH.targetClass, SH.targetSubjectsOf}
# Components that read nodes other than the value itself (its triples, or the focus's).
NEEDS_NODE = {"lessThanOrEquals"}
NESTING = {"or", "node", "not", "qualifiedValueShape"}


@dataclass(frozen=True)
class StreamPlan:
    local: list[Root]  # checked per batch, on the batch's own subjects
    indexed: list[Root]  # checked once, on ``predicates``' triples
    fallback: list[Node]  # pyshacl per batch, on the batch's own subjects
    predicates: frozenset[str]


def _nested(shape: Shape) -> Iterator[Shape]:
    for name, param in shape.components:
        if name == "or":
            yield from param  # type: ignore[misc]
        elif name in ("node", "not"):
            yield param  # type: ignore[misc]
        elif name == "qualifiedValueShape":
            yield param[0]  # type: ignore[index]


def _value_only(shape: Shape, seen: set[int]) -> bool:
    """An operand shape evaluated on a value: it must not read the value's own triples."""
    if id(shape) in seen:
        return True
    seen.add(id(shape))
    if shape.path is not None or shape.properties:
        return False
    if any(name in NEEDS_NODE for name, _ in shape.components):
        return False
    return all(_value_only(s, seen) for s in _nested(shape))


def _local(shape: Shape, seen: set[int] | None = None) -> bool:
    """Forward paths from the focus; other nodes only through sh:class and value-only operands
    (operands of a shape without a path see the focus itself: they may have paths)."""
    seen = seen if seen is not None else set()
    if id(shape) in seen:
        return True
    seen.add(id(shape))
    for s in (shape, *shape.properties):
        if s.path is not None and (s.path[1] or s.properties):
            return False
        if s.path is None and s is not shape:
            return False
        operands = list(_nested(s))
        if s.path is None and not all(_local(n, seen) for n in operands):
            return False
        if s.path is not None and not all(_value_only(n, set()) for n in operands):
            return False
    return True


def _indexed(shape: Shape) -> set[str] | None:
    """Inverse paths only, plain components only: the predicates it reads, or None."""
    read: set[str] = set()
    for s in (shape, *shape.properties):
        if s is not shape and (s.path is None or not s.path[1] or s.properties):
            return None
        if any(
            name in NESTING or name in NEEDS_NODE or name == "class" for name, _ in s.components
        ):
            return None
        if s.path is not None:
            read.add(s.path[0])
    return read


@cache
def stream_plan() -> StreamPlan | None:
    plan = compiled()
    local: list[Root] = []
    indexed: list[Root] = []
    predicates: set[str] = set()
    for shape, targets in plan.roots:
        kinds = {t for t, _ in targets}
        if kinds <= LOCAL_TARGETS and _local(shape):
            local.append((shape, targets))
            continue
        read = _indexed(shape) if kinds == {SH.targetObjectsOf} else None
        if read is None:
            return None
        indexed.append((shape, targets))
        predicates |= read | {str(value) for _, value in targets}
    graph = shapes_graph()
    for node in plan.fallback:
        kinds = {t for t in TARGETS for _ in graph.objects(node, t)}
        if not kinds <= LOCAL_TARGETS:
            return None
    return StreamPlan(local, indexed, plan.fallback, frozenset(predicates))
