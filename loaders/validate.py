"""SHACL validation of data before it is written, aware of what the store already holds.

Three steps. (1) Vocabulary: a ``csg:`` predicate or class the ontology does not declare is a typo
that SHACL would not notice (an undeclared property is simply unconstrained), so it is rejected
first with its own message. (2) Store context: an incident that names a right loaded last week
must validate, so IRIs the data points at but does not type are looked up in Neo4j in one query
and their classes (from labels) and ``rdfs:label`` added to the validation graph. (3) pyshacl with
the shapes and the ontology as ``ont_graph`` (class hierarchy for ``sh:class``), no inference.
Results about nodes that only come from the store or the ontology are dropped: they were checked
when they were loaded, and the context we add for them is deliberately partial.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import neo4j
from rdflib import OWL, RDF, RDFS, SH, Graph, Literal, URIRef
from rdflib.term import Node

from civicgraph.errors import CivicGraphError
from civicgraph.model import CSG_NS, Ontology, local_name
from civicgraph.store import database as default_database
from loaders import cypher
from loaders.engine.lifeline import bind_to_parent
from loaders.rdf_input import quiet_rdflib, show, show_path
from loaders.records import untyped_references
from loaders.shapes_graph import shapes_graph
from loaders.writer import read

Origin = Callable[[Node], str | None]


@dataclass(frozen=True)
class Violation:
    """One finding: the node, the property path, the offending value, and what to do."""

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"
    shape: str | None = None
    source: str | None = None


@dataclass
class ValidationReport:
    violations: list[Violation] = field(default_factory=list)
    store_aware: bool = False
    resolved_from_store: int = 0

    @property
    def conforms(self) -> bool:
        """Warnings and infos are reported but do not stop a load."""
        return not any(v.severity == "Violation" for v in self.violations)

    def format(self, source: str | None = None) -> str:
        """The report for people: grouped by file and node, one line per finding."""
        if not self.violations:
            return f"{source or 'data'}: conforms to the shapes."
        blocking = sum(v.severity == "Violation" for v in self.violations)
        lines = [f"{blocking} violation(s), {len(self.violations) - blocking} warning(s)/info(s):"]
        current: tuple[str | None, str] | None = None
        for v in self.violations:
            where = v.source or source
            if (where, v.focus) != current:
                if current is None or current[0] != where:
                    lines.append(f"{where or 'data'}:")
                lines.append(f"  {v.focus}")
                current = (where, v.focus)
            subject = v.path or ""
            if v.value is not None:
                subject += f" = {v.value}" if subject else v.value
            marker = "" if v.severity == "Violation" else f"[{v.severity}] "
            lines.append(f"    - {marker}{subject + ': ' if subject else ''}{v.message}")
            if v.shape:
                lines.append(f"      (shape {v.shape})")
        return "\n".join(lines)


class ValidationFailed(CivicGraphError):
    """Data did not conform; nothing was written. Carries the report."""

    def __init__(self, report: ValidationReport, source: str | None = None) -> None:
        super().__init__(report.format(source))
        self.report = report


def vocabulary_problems(data: Graph, ontology: Ontology) -> list[Violation]:
    """``csg:`` predicates the ontology does not declare and ``csg:`` types that are not classes."""
    classes = {c.iri for c in ontology.classes.values()}
    used = [(p, "predicate") for p in set(data.predicates(unique=True))]
    used += [(t, "type") for t in set(data.objects(None, RDF.type, unique=True))]
    found: list[Violation] = []
    for term, role in sorted(used):
        if not isinstance(term, URIRef) or not term.startswith(CSG_NS):
            continue
        if role == "predicate" and ontology.by_iri(term) is None:
            users = list(data.subjects(term, None, unique=True))
            what, path, value = "is not a property of the ontology", show(term), None
        elif role == "type" and term not in classes:
            users = list(data.subjects(RDF.type, term, unique=True))
            kind = "a property, not a class" if ontology.by_iri(term) else "not a class"
            what, path, value = f"is {kind} of the ontology", "rdf:type", show(term)
        else:
            continue
        message = (
            f"{show(term)} {what} (used by {len(users)} node(s)); "
            "check the spelling against ontology/core.ttl."
        )
        found.append(Violation(show(users[0]) or "", path, value, message))
    return sorted(found, key=lambda v: (v.focus, v.path or ""))


def add_store_context(
    graph: Graph, iris: Iterable[URIRef], driver: neo4j.Driver, database: str
) -> set[URIRef]:
    """Add ``rdf:type`` (from labels) and ``rdfs:label`` of the stored nodes among ``iris``."""
    ontology = Ontology.get()
    wanted = list(iris)
    if not wanted:
        return set()
    records = read(driver, database, cypher.describe_nodes(str(i) for i in wanted))
    found: set[URIRef] = set()
    for record in records:
        node = URIRef(record["iri"])
        found.add(node)
        for label in record["labels"]:
            if label in ontology.classes:
                graph.add((node, RDF.type, ontology.classes[label].iri))
        if record["label"] is not None:
            graph.add((node, RDFS.label, Literal(record["label"], lang=record["lang"])))
    return found


# Big graphs are validated by two processes. Each gets the full shapes graph with the targets of
# half of the shapes removed, so every targeted shape fires in exactly one process and operand
# shapes work as usual (pyshacl's ``use_shapes`` drops qualified-count results). ~1.7x on 2 cores.
PARALLEL_MIN_TRIPLES = 20_000
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)
_FORKED: dict[str, Graph] = {}
# Per value, relative to one simple constraint per focus node (measured with pyshacl 0.40).
_WEIGHTS: dict[Node, int] = {SH.qualifiedValueShape: 200, SH.node: 25}
_WEIGHTS.update(dict.fromkeys((SH["or"], SH["and"], SH.xone), 50))


def _pyshacl(graph: Graph, shapes: Graph) -> Graph:
    """pyshacl with the ontology as ont_graph, no inference, on ``graph`` in place (imported
    here: a fast-path load rarely needs pyshacl, and importing it costs a fifth of a second)."""
    import pyshacl

    _, results, _ = pyshacl.validate(
        graph,
        shacl_graph=shapes,
        ont_graph=Ontology.get().graph,
        inference="none",
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(results, Graph):  # pyshacl reports a broken shape instead of raising
        raise CivicGraphError(f"the SHACL shapes could not be applied: {results}")
    return results


def _split(graph: Graph, shapes: Graph) -> tuple[Graph, Graph] | None:
    """Two shapes graphs whose targeted shapes are disjoint halves of similar estimated cost, or
    None when targets are implicit (a shape that is also a class). Cost: focus nodes x
    constraints, plus values x nested shapes (pyshacl runs those once per value: far dearer)."""
    targeted = {s for t in _TARGETS for s in shapes.subjects(t, None)}
    if len(targeted) < 2 or {
        *shapes.subjects(RDF.type, RDFS.Class),
        *shapes.subjects(RDF.type, OWL.Class),
    }:
        return None
    ontology, focus = Ontology.get(), Counter[Node]()
    for cls, n in Counter(graph.objects(None, RDF.type)).items():
        ours = ontology.classes.get(local_name(str(cls))) if str(cls).startswith(CSG_NS) else None
        focus.update({ontology.classes[a].iri: n for a in ours.ancestors} if ours else {cls: n})
    uses = Counter(graph.predicates(None, None))

    def cost(shape: Node, nodes: int) -> int:
        params = [p for p in shapes.predicates(shape, None) if str(p).startswith(str(SH))]
        path = shapes.value(shape, SH.path)
        values = uses[path] if isinstance(path, URIRef) else nodes
        nested = values * sum(_WEIGHTS.get(p, 0) for p in params)
        return (
            nodes * (1 + len(params))
            + nested
            + sum(cost(c, nodes) for c in shapes.objects(shape, SH.property))
        )

    halves: tuple[set[Node], set[Node]] = (set(), set())
    weights = [0, 0]
    costs = {
        s: cost(s, max(1, sum(focus[c] for c in shapes.objects(s, SH.targetClass))))
        for s in targeted
    }
    for shape in sorted(targeted, key=lambda s: (-costs[s], str(s))):
        lighter = 0 if weights[0] <= weights[1] else 1
        halves[lighter].add(shape)
        weights[lighter] += costs[shape]
    return _without_targets(shapes, halves[1]), _without_targets(shapes, halves[0])


def _without_targets(shapes: Graph, dropped: set[Node]) -> Graph:
    kept = Graph()
    kept.addN((s, p, o, kept) for s, p, o in shapes if not (s in dropped and p in _TARGETS))
    return kept


def _child() -> str:
    """Runs in the forked process: validate the inherited graph against the second half."""
    return _pyshacl(_FORKED["graph"], _FORKED["shapes"]).serialize(format="nt")


def _run_shacl(graph: Graph, shapes: Graph) -> Graph:
    """The SHACL results graph, from two processes when the graph is big and the OS can fork."""
    parallel = (
        len(graph) >= PARALLEL_MIN_TRIPLES
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )
    halves = _split(graph, shapes) if parallel else None
    if halves is None:
        return _pyshacl(graph, shapes)
    _FORKED.update(graph=graph, shapes=halves[1])
    try:  # the child forks on submit, before this process changes the graph in place
        with ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=bind_to_parent,
            initargs=(os.getpid(),),
        ) as pool:
            theirs = pool.submit(_child)
            results = _pyshacl(graph, halves[0])
            with quiet_rdflib():  # ill-typed values in results would each log a traceback
                results.parse(data=theirs.result(), format="nt")
    finally:
        _FORKED.clear()
    return results


def _results(results: Graph, ignore: set[Node], origin: Origin | None) -> list[Violation]:
    found: list[Violation] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        if focus is None or focus in ignore:
            continue
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        severity = results.value(result, SH.resultSeverity)
        shape = results.value(result, SH.sourceShape)
        component = results.value(result, SH.sourceConstraintComponent)
        value = results.value(result, SH.value)
        found.append(
            Violation(
                focus=show(focus) or "",
                path=show_path(results, results.value(result, SH.resultPath)),
                value=show(value) if value != focus else None,  # node shapes repeat the focus
                message=" / ".join(messages) or f"fails {show(component)}",
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                shape=show(shape) if isinstance(shape, URIRef) else None,
                source=origin(focus) if origin else None,
            )
        )
    return sorted(found, key=lambda v: (v.source or "", v.focus, v.path or "", v.message, repr(v)))


def validate(
    data: Graph,
    *,
    driver: neo4j.Driver | None = None,
    database: str | None = None,
    inplace: bool = False,
    origin: Origin | None = None,
) -> ValidationReport:
    """Validate ``data`` (see module doc). With ``inplace`` the graph gains the store context and
    ontology axioms (faster for big loads whose graph is not used afterwards); ``origin`` maps a
    focus node to the file it came from, for the report."""
    ontology = Ontology.get()
    vocabulary = vocabulary_problems(data, ontology)
    if vocabulary:
        return ValidationReport(vocabulary, store_aware=driver is not None)
    subjects = set(data.subjects(unique=True))
    graph = data
    if not inplace:
        graph = Graph()
        graph.addN((s, p, o, graph) for s, p, o in data)
    from_store: set[URIRef] = set()
    if driver is not None:
        db = database or default_database()
        from_store = add_store_context(graph, untyped_references(data), driver, db)
    results = _run_shacl(graph, shapes_graph())
    ignore = {n for n in (from_store | set(ontology.graph.subjects())) if n not in subjects}
    return ValidationReport(
        _results(results, ignore, origin),
        store_aware=driver is not None,
        resolved_from_store=len(from_store),
    )
