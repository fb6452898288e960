"""Validation on the fast path: the steps of ``loaders.validate`` over ``Facts``.

(1) vocabulary typos, (2) store context for IRIs the data names but does not type, (3) the
compiled shapes, with pyshacl for the shapes that cannot be compiled (run on the focus nodes of
those shapes only). Findings about nodes that only come from the store or the ontology are
dropped, as in ``loaders.validate``. pyshacl stays the reference (``civicgraph validate
--reference``) and a differential test holds the two to the same findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import neo4j
from rdflib import Graph, URIRef

from civicgraph.model import CSG_NS, ID_NS, Ontology
from loaders import cypher
from loaders.engine.check import NO_VALUE, RDF_TYPE, Evaluator
from loaders.engine.compiled import TARGETS, Shape, compiled
from loaders.engine.facts import Facts
from loaders.engine.terms import Blank, Lit, Term, from_rdflib, to_rdflib
from loaders.rdf_input import show
from loaders.shapes_graph import shapes_graph
from loaders.validate import ValidationReport, Violation, _pyshacl, _results, _without_targets
from loaders.writer import read

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TermOrigin = Callable[[Term], str | None]
Owned = set[Term] | dict[Term, dict[str, dict[Term, None]]]


@cache
def ontology_facts() -> Facts:
    """What pyshacl mixes into the data from ``ont_graph``: its own ``inoculate`` step (RDFS and
    OWL axioms, not the vocabularies' instances), run once on an empty graph."""
    from pyshacl.rdfutil.inoculate import inoculate

    mixed = inoculate(Graph(), Ontology.get().graph)  # type: ignore[arg-type]
    facts = Facts()
    for s, p, o, *_ in mixed:
        facts.add(from_rdflib(s), str(p), from_rdflib(o))
    return facts


@cache
def ontology_subjects() -> frozenset[Term]:
    return frozenset(from_rdflib(s) for s in Ontology.get().graph.subjects())


def vocabulary_problems(facts: Facts, ontology: Ontology) -> list[Violation]:
    """``csg:`` predicates the ontology does not declare and ``csg:`` types that are not classes
    (the same findings as ``loaders.validate.vocabulary_problems``)."""
    predicates, types = term_users(facts, ontology)
    return vocabulary_findings(
        {t: (len(u), u[0]) for t, u in predicates.items()},
        {t: (len(u), u[0]) for t, u in types.items()},
        ontology,
    )


TermUsers = dict[str, list[Term]]


def term_users(facts: Facts, ontology: Ontology) -> tuple[TermUsers, TermUsers]:
    """The subjects using each unknown ``csg:`` predicate, and typed with each ``csg:`` term
    that is not a class, in the order ``facts`` first names them."""
    classes = {str(c.iri) for c in ontology.classes.values()}
    predicates: TermUsers = {}
    types: TermUsers = {}
    unknown: dict[str, bool] = {}
    for s, preds in facts.subjects.items():
        for p, values in preds.items():
            bad = unknown.get(p)
            if bad is None:
                bad = unknown[p] = p.startswith(CSG_NS) and ontology.by_iri(URIRef(p)) is None
            if bad:
                predicates.setdefault(p, []).append(s)
            if p == RDF_TYPE:
                for t in values:
                    if type(t) is str and t.startswith(CSG_NS) and t not in classes:
                        types.setdefault(t, []).append(s)
    return predicates, types


def vocabulary_findings(
    predicates: dict[str, tuple[int, Term]], types: dict[str, tuple[int, Term]], ontology: Ontology
) -> list[Violation]:
    """One finding per unknown term, from how many nodes use it and the first of them (a split
    input counts them batch by batch: ``loaders.engine.stream.vocabulary_of``)."""
    found: list[Violation] = []
    for term, (users, first) in predicates.items():
        message = (
            f"{show(URIRef(term))} is not a property of the ontology (used by {users} "
            "node(s)); check the spelling against ontology/core.ttl."
        )
        found.append(Violation(show(to_rdflib(first)) or "", show(URIRef(term)), None, message))
    for term, (users, first) in types.items():
        kind = "a property, not a class" if ontology.by_iri(URIRef(term)) else "not a class"
        message = (
            f"{show(URIRef(term))} is {kind} of the ontology (used by {users} node(s)); "
            "check the spelling against ontology/core.ttl."
        )
        found.append(
            Violation(show(to_rdflib(first)) or "", "rdf:type", show(URIRef(term)), message)
        )
    return sorted(found, key=lambda v: (v.focus, v.path or ""))


def untyped_references(facts: Facts) -> set[str]:
    """Entity IRIs used as objects, or as subjects without a type, that the data does not type."""
    wanted: set[str] = set()
    typed: set[Term] = set()
    for s, preds in facts.subjects.items():
        if RDF_TYPE in preds:
            typed.add(s)
        elif not isinstance(s, Blank):
            wanted.add(s)  # type: ignore[arg-type]
        for p, values in preds.items():
            if p != RDF_TYPE:
                wanted.update(o for o in values if type(o) is str)
    return {iri for iri in wanted - typed if iri.startswith(ID_NS)}


def add_store_context(
    facts: Facts, iris: set[str], driver: neo4j.Driver, database: str
) -> set[str]:
    """Types (from labels) and the English label of the stored nodes among ``iris``."""
    if not iris:
        return set()
    classes = Ontology.get().classes
    found: set[str] = set()
    for record in read(driver, database, cypher.describe_nodes(iris)):
        iri = record["iri"]
        found.add(iri)
        for label in record["labels"]:
            if label in classes:
                facts.add(iri, RDF_TYPE, str(classes[label].iri))
        if record["label"] is not None:
            lang = record["lang"]
            facts.add(
                iri,
                LABEL,
                Lit(
                    record["label"],
                    *(
                        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString", lang)
                        if lang
                        else ()
                    ),
                ),
            )
    return found


def _fallback(
    facts: Facts, ev: Evaluator, shape_node: object, owned: Owned | None = None
) -> Graph | None:
    """pyshacl on one shape, over the triples of its focus nodes and the types of their objects
    (None without focus nodes: pyshacl's start-up is the cost of a streamed batch without any)."""
    from loaders.mapping.prepared import PreparedQueryGraph  # rdflib's SPARQL: slow to import

    shapes = shapes_graph()
    targets = [(t, from_rdflib(o)) for t in TARGETS for o in shapes.objects(shape_node, t)]  # type: ignore[arg-type]
    graph = PreparedQueryGraph()  # pyshacl sends its SPARQL text once per focus node
    focused = False
    for focus in ev.focus_nodes(targets):  # type: ignore[arg-type]
        if owned is not None and focus not in owned:
            continue
        focused = True
        node = to_rdflib(focus)
        for p, values in facts.subjects.get(focus, {}).items():
            for o in values:
                graph.add((node, URIRef(p), to_rdflib(o)))
                if not isinstance(o, Lit):
                    for t in facts.values(o, RDF_TYPE):
                        graph.add((to_rdflib(o), URIRef(RDF_TYPE), to_rdflib(t)))
    if not focused:
        return None
    others = {s for t in TARGETS for s in shapes.subjects(t, None)} - {shape_node}
    return _pyshacl(graph, _without_targets(shapes, others))


@dataclass
class Context:
    """Steps (1) and (2): vocabulary typos found, and what the store says of the nodes the data
    names without typing them (kept apart: the facts gain them only when the shapes are checked,
    so the store rows are converted from the data alone, and may be converted meanwhile)."""

    vocabulary: list[Violation]
    from_store: set[str]
    store_aware: bool
    subjects: set[Term]  # the data's own
    store: Facts = field(default_factory=Facts)


def store_context(
    facts: Facts, *, driver: neo4j.Driver | None = None, database: str | None = None
) -> Context:
    """Read what the store knows of the IRIs the data names (once, before any of it is written:
    a load may write while its shapes are checked, and must be judged against the store as it
    was)."""
    vocabulary = vocabulary_problems(facts, Ontology.get())
    subjects = set(facts.subjects)
    store, from_store = Facts(), set[str]()
    if not vocabulary and driver is not None and database is not None:
        from_store = add_store_context(store, untyped_references(facts), driver, database)
    return Context(vocabulary, from_store, driver is not None, subjects, store)


def check_shapes(
    facts: Facts, context: Context, *, origin: TermOrigin | None = None
) -> ValidationReport:
    """Step (3): the compiled shapes, and pyshacl for the shapes that cannot be compiled."""
    if context.vocabulary:
        return ValidationReport(context.vocabulary, store_aware=context.store_aware)
    for s, p, o in context.store.triples_iter():
        facts.add(s, p, o)
    ignore = {n for n in (context.from_store | ontology_subjects()) if n not in context.subjects}
    plan = compiled()
    found = findings(facts, plan.roots, plan.fallback, ignore, origin=origin)
    found.sort(key=violation_order)
    return ValidationReport(
        found, store_aware=context.store_aware, resolved_from_store=len(context.from_store)
    )


def violation_order(v: Violation) -> tuple[str, str, str, str, str]:
    return (v.source or "", v.focus, v.path or "", v.message, repr(v))


def findings(
    facts: Facts,
    roots: list[tuple[Shape, list[tuple[URIRef, Term]]]],
    fallback: Sequence[object],
    ignore: set[Term],
    *,
    origin: TermOrigin | None = None,
    owned: Owned | None = None,
) -> list[Violation]:
    """The results of ``roots`` (compiled) and ``fallback`` (pyshacl) over ``facts`` (which gain
    the ontology), unsorted; with ``owned``, only for those focus nodes (a streamed batch's
    subjects: the other nodes of the batch are there for their types only)."""
    for s, p, o in ontology_facts().triples_iter():
        facts.add(s, p, o)
    ev = Evaluator(facts)
    found: list[Violation] = []
    for shape, targets in roots:
        for focus in ev.focus_nodes(targets):  # type: ignore[arg-type]
            if focus in ignore or (owned is not None and focus not in owned):
                continue
            for reporting, at, value in ev.failures(shape, focus):
                if at in ignore:
                    continue
                shown = None if value is NO_VALUE or value == at else show(to_rdflib(value))  # type: ignore[arg-type]
                found.append(
                    Violation(
                        focus=show(to_rdflib(at)) or "",
                        path=reporting.shown_path,
                        value=shown,
                        message=reporting.messages or "",
                        severity=reporting.severity,
                        shape=reporting.shown,
                        source=origin(at) if origin else None,
                    )
                )
    rdflib_ignore = {to_rdflib(n) for n in ignore} if fallback else set()
    for node in fallback:
        results = _fallback(facts, ev, node, owned)
        if results is None:
            continue
        found.extend(
            _results(results, rdflib_ignore, (lambda n: origin(from_rdflib(n))) if origin else None)
        )
    return found


def validate_facts(
    facts: Facts,
    *,
    driver: neo4j.Driver | None = None,
    database: str | None = None,
    origin: TermOrigin | None = None,
) -> ValidationReport:
    """Validate ``facts`` in place (they gain the ontology and the store context)."""
    return check_shapes(
        facts, store_context(facts, driver=driver, database=database), origin=origin
    )
