"""The SHACL shapes compiled into plain Python checks, once per process.

Every shape of the flattened shapes graph (``loaders.shapes_graph.shapes_graph``) becomes a
``Shape``: its path, its constraint components as ``(name, parameter)`` pairs, and what a result
reports (message, severity, shape name, path as shown). Only the core components the project's
shapes use are compiled, and the SHACL-SPARQL constraints ``loaders.engine.sparql`` translates;
a targeted shape with anything else (another query, components not listed in ``COMPONENTS``, a
reported shape without ``sh:message``) is left to pyshacl, which then validates that shape alone
(``Compiled.fallback``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from rdflib import RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from loaders.engine.sparql import translate
from loaders.engine.terms import Term, from_rdflib
from loaders.rdf_input import show, show_path
from loaders.shapes_graph import shapes_graph

TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
# Parameters that are no constraint of their own (read with the component they belong to).
AUXILIARY = {
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.flags,
    SH.message,
    SH.severity,
    SH.path,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.property,
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.declare,
    SH.prefixes,
    *TARGETS,
}
COMPONENTS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.minLength,
    SH.minInclusive,
    SH.maxInclusive,
    SH.languageIn,
    SH["in"],
    SH.hasValue,
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.qualifiedValueShape,
    SH.lessThanOrEquals,
    SH["or"],
    SH.node,
    SH["not"],
    SH.sparql,  # only the queries ``loaders.engine.sparql`` knows
}


@dataclass(eq=False)
class Shape:
    node: Node
    path: tuple[str, bool] | None  # (predicate, inverse)
    components: list[tuple[str, object]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    messages: str | None = None
    severity: str = "Violation"
    shown: str | None = None
    shown_path: str | None = None
    compilable: bool = True


@dataclass
class Compiled:
    roots: list[tuple[Shape, list[tuple[URIRef, Term]]]]  # shapes with targets, and the targets
    fallback: list[Node]  # targeted shapes pyshacl validates


def _list(graph: Graph, node: Node) -> list[Node]:
    return list(Collection(graph, node))


class _Compiler:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.done: dict[Node, Shape] = {}

    def shape(self, node: Node) -> Shape:
        if node in self.done:
            return self.done[node]
        g = self.graph
        path_node = g.value(node, SH.path)
        path: tuple[str, bool] | None = None
        ok = True
        if isinstance(path_node, URIRef):
            path = (str(path_node), False)
        elif path_node is not None:
            inverse = g.value(path_node, SH.inversePath)
            ok = isinstance(inverse, URIRef)
            path = (str(inverse), True) if ok else None
        severity = g.value(node, SH.severity)
        messages = sorted(str(m) for m in g.objects(node, SH.message))
        shape = self.done[node] = Shape(
            node,
            path,
            messages=" / ".join(messages) if messages else None,
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            shown=show(node) if isinstance(node, URIRef) else None,
            shown_path=show_path(g, path_node) if path_node is not None else None,
            compilable=ok,
        )
        for p, o in sorted(g.predicate_objects(node)):
            if p in AUXILIARY:
                continue
            if p not in COMPONENTS:
                shape.compilable = False
                continue
            if p == SH.sparql:
                check = translate(g, node, o)
                if check is None:
                    shape.compilable = False
                    continue
                shape.components.append(("sparql", check))
                continue
            shape.components.append(self.component(node, p, o))
        shape.properties = [self.shape(p) for p in g.objects(node, SH.property)]
        return shape

    def component(self, node: Node, p: Node, o: Node) -> tuple[str, object]:
        g, name = self.graph, str(p).rsplit("#", 1)[-1]
        if p in (SH["or"],):
            return name, [self.shape(s) for s in _list(g, o)]
        if p in (SH.node, SH["not"]):
            return name, self.shape(o)
        if p == SH.qualifiedValueShape:
            low, high = g.value(node, SH.qualifiedMinCount), g.value(node, SH.qualifiedMaxCount)
            bounds = (
                int(str(low)) if low is not None else None,
                int(str(high)) if high is not None else None,
            )
            return name, (self.shape(o), *bounds)
        if p == SH.pattern:
            flags = str(g.value(node, SH.flags) or "")
            return name, re.compile(str(o), re.IGNORECASE if "i" in flags else 0)
        if p == SH["in"]:
            return name, frozenset(from_rdflib(x) for x in _list(g, o))
        if p == SH.languageIn:
            return name, tuple(str(x).lower() for x in _list(g, o))
        if p in (SH.minCount, SH.maxCount, SH.minLength):
            return name, int(o)  # type: ignore[call-overload]
        if p in (SH.minInclusive, SH.maxInclusive):
            return name, o
        if p == SH.uniqueLang:
            return name, o == Literal(True)
        if p == SH.nodeKind:
            return name, str(o).rsplit("#", 1)[-1]
        return name, str(o) if isinstance(o, URIRef | BNode) else from_rdflib(o)

    def all_compilable(
        self, shape: Shape, seen: set[int] | None = None, reports: bool = True
    ) -> bool:
        """Every component known, and every shape that reports (a root or a property shape;
        operands of sh:or, sh:node... do not) has a message: pyshacl's default messages are not
        reproduced."""
        seen = seen if seen is not None else set()
        if id(shape) in seen:
            return True
        seen.add(id(shape))
        own = [name for name, _ in shape.components if name != "sparql"]  # those carry theirs
        if not shape.compilable or (reports and own and shape.messages is None):
            return False
        if not all(self.all_compilable(p, seen, True) for p in shape.properties):
            return False
        nested: list[Shape] = []
        for name, param in shape.components:
            if name == "or":
                nested.extend(param)  # type: ignore[arg-type]
            elif name in ("node", "not"):
                nested.append(param)  # type: ignore[arg-type]
            elif name == "qualifiedValueShape":
                nested.append(param[0])  # type: ignore[index]
        return all(self.all_compilable(s, seen, False) for s in nested)


@cache
def compiled() -> Compiled:
    """The compiled form of ``shapes_graph()`` (call ``compiled.cache_clear()`` after editing)."""
    graph = shapes_graph()
    compiler = _Compiler(graph)
    roots: list[tuple[Shape, list[tuple[URIRef, Term]]]] = []
    fallback: list[Node] = []
    targeted = sorted({s for t in TARGETS for s in graph.subjects(t, None)}, key=str)
    for node in targeted:
        if (node, SH.deactivated, Literal(True)) in graph:
            continue
        shape = compiler.shape(node)
        if not compiler.all_compilable(shape):
            fallback.append(node)
            continue
        targets = [(t, from_rdflib(o)) for t in TARGETS for o in graph.objects(node, t)]
        roots.append((shape, targets))
    return Compiled(roots, fallback)
