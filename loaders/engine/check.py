"""Running the compiled shapes over ``Facts``: the same findings as pyshacl, at a fraction of it.

The facts are the data plus the context pyshacl would see (the ontology graph, mixed in as
pyshacl does with ``ont_graph``, and the types and labels of store nodes the data points at).
Targets, value nodes and each component follow the SHACL core semantics as pyshacl 0.40 applies
them; ``tests/test_loader_fastcheck.py`` runs both on every fixture and on real data with
injected defects and requires identical findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace

from rdflib import Literal

from loaders.engine.compiled import Shape
from loaders.engine.facts import Facts
from loaders.engine.sparql import SparqlCheck
from loaders.engine.terms import LANG_STRING, XSD_STRING, Blank, Lit, Term, literal, to_rdflib
from loaders.rdf_input import quiet_rdflib

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
NO_VALUE = object()
_RDFLIB_CHECKED = object()


class Evaluator:
    """Answers component checks over one ``Facts``; caches class membership and datatypes."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        parents: dict[Term, set[Term]] = defaultdict(set)
        inverse: dict[str, dict[Term, list[Term]]] = {}
        self.inverse = inverse
        for s, o in facts.objects_of(SUBCLASS):
            parents[s].add(o)
        self.parents = parents
        self._supers: dict[Term, frozenset[Term]] = {}
        self._datatype_ok: dict[tuple[Lit, str], bool] = {}
        self._conforms: dict[tuple[int, Term], bool] = {}
        self._instances: dict[Term, list[Term]] | None = None

    # --- targets and paths -------------------------------------------------------------
    def supers(self, cls: Term) -> frozenset[Term]:
        hit = self._supers.get(cls)
        if hit is None:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            hit = self._supers[cls] = frozenset(seen)
        return hit

    def instances(self, cls: Term) -> list[Term]:
        """Subjects typed ``cls`` or a subclass (an index built on first use)."""
        if self._instances is None:
            index: dict[Term, dict[Term, None]] = defaultdict(dict)
            for s, preds in self.facts.subjects.items():
                for t in preds.get(RDF_TYPE, ()):
                    for c in self.supers(t):
                        index[c][s] = None
            self._instances = {c: list(found) for c, found in index.items()}
        return self._instances.get(cls, [])

    def focus_nodes(self, targets: list[tuple[object, Term]]) -> list[Term]:
        found: dict[Term, None] = {}
        for kind, value in targets:
            name = str(kind).rsplit("#", 1)[-1]
            if name == "targetClass":
                found.update(dict.fromkeys(self.instances(value)))
            elif name == "targetNode":
                found[value] = None
            elif name == "targetObjectsOf":
                found.update(dict.fromkeys(o for _, o in self.facts.objects_of(str(value))))
            elif name == "targetSubjectsOf":
                found.update(dict.fromkeys(s for s, _ in self.facts.objects_of(str(value))))
        return list(found)

    def values(self, shape: Shape, focus: Term) -> list[Term]:
        if shape.path is None:
            return [focus]
        predicate, inverse = shape.path
        if not inverse:
            return list(self.facts.values(focus, predicate))
        index = self.inverse.get(predicate)
        if index is None:
            index = self.inverse[predicate] = defaultdict(list)
            for s, o in self.facts.objects_of(predicate):
                index[o].append(s)
        return list(index.get(focus, ()))

    # --- conformance -------------------------------------------------------------------
    def failures(self, shape: Shape, focus: Term) -> Iterator[tuple[Shape, Term, object]]:
        """(shape reporting, focus, value or NO_VALUE) for each result of ``shape`` on ``focus``.

        A failed ``sh:node`` also yields the results of the nested shape on that value, with the
        value as their focus: pyshacl reports them (as ``sh:detail``, typed like results)."""
        values = self.values(shape, focus)
        for name, param in shape.components:
            if name == "sparql":
                yield from self._sparql(shape, param, focus)  # type: ignore[arg-type]
                continue
            check = CHECKS[name]
            for value in check(self, param, values, focus):
                yield shape, focus, value
                if name == "node":
                    yield from self.failures(param, value)  # type: ignore[arg-type]
        for prop in shape.properties:
            yield from self.failures(prop, focus)

    def _sparql(
        self, shape: Shape, check: SparqlCheck, focus: Term
    ) -> Iterator[tuple[Shape, Term, object]]:
        """A translated SPARQL constraint's rows, each reported with its own message."""
        for value, bound in check.rows(self.facts, focus):
            reporting = replace(shape, messages=check.message(focus, value, bound))
            yield reporting, focus, value

    def conforms(self, shape: Shape, focus: Term) -> bool:
        key = (id(shape), focus)
        hit = self._conforms.get(key)
        if hit is None:
            hit = self._conforms[key] = next(self.failures(shape, focus), None) is None
        return hit

    def has_class(self, value: Term, cls: str) -> bool:
        if isinstance(value, Lit):
            return False
        return any(cls in self.supers(t) for t in self.facts.values(value, RDF_TYPE))

    def datatype_ok(self, value: Term, datatype: str) -> bool:
        if not isinstance(value, Lit):
            return False
        if value.datatype != datatype:
            return False
        if datatype in (XSD_STRING, LANG_STRING):
            return True
        key = (value, datatype)
        hit = self._datatype_ok.get(key)
        if hit is None:
            with quiet_rdflib():
                hit = self._datatype_ok[key] = not literal(value).ill_typed
        return hit


def _text(value: Term) -> str | None:
    if isinstance(value, Blank):
        return None
    return value.value if isinstance(value, Lit) else value


def _class(ev: Evaluator, cls: str, values: list[Term], _: Term) -> Iterator[object]:
    return (v for v in values if not ev.has_class(v, cls))


def _datatype(ev: Evaluator, dt: str, values: list[Term], _: Term) -> Iterator[object]:
    return (v for v in values if not ev.datatype_ok(v, dt))


_KINDS = {
    "IRI": lambda v: isinstance(v, str) and not isinstance(v, Blank),
    "Literal": lambda v: isinstance(v, Lit),
    "BlankNode": lambda v: isinstance(v, Blank),
    "BlankNodeOrIRI": lambda v: not isinstance(v, Lit),
    "BlankNodeOrLiteral": lambda v: isinstance(v, Blank | Lit),
    "IRIOrLiteral": lambda v: not isinstance(v, Blank),
}


def _node_kind(_: Evaluator, kind: str, values: list[Term], __: Term) -> Iterator[object]:
    return (v for v in values if not _KINDS[kind](v))


def _pattern(_: Evaluator, regex: object, values: list[Term], __: Term) -> Iterator[object]:
    for v in values:
        text = _text(v)
        if text is None or not regex.search(text):  # type: ignore[attr-defined]
            yield v


def _min_length(_: Evaluator, n: int, values: list[Term], __: Term) -> Iterator[object]:
    for v in values:
        text = _text(v)
        if text is None or len(text) < n:
            yield v


def _within(at_least: bool) -> Callable[..., Iterator[object]]:
    """sh:minInclusive / sh:maxInclusive by pyshacl's rule: strings compare only with strings,
    then ``compare_literal(v, bound)`` is ``>= 0`` (min) or ``<= 0`` (max)."""

    def check(_: Evaluator, bound: Literal, values: list[Term], __: Term) -> Iterator[object]:
        from pyshacl.rdfutil.compare import compare_literal  # importing pyshacl takes a while

        bound_is_text = isinstance(bound.value, str)
        for v in values:
            if not isinstance(v, Lit):
                yield v
                continue
            lit = literal(v)
            if isinstance(lit.value, str) != bound_is_text:
                yield v
                continue
            try:
                order = compare_literal(lit, bound)
                ok = order >= 0 if at_least else order <= 0
            except (TypeError, NotImplementedError):
                ok = False
            if not ok:
                yield v

    return check


def _comparable(term: Term) -> tuple[object, bool]:
    if isinstance(term, Lit):
        lit = literal(term)
        return (lit.value, True) if isinstance(lit.value, str) else (lit, False)
    return str(term), True


def _language_in(
    _: Evaluator, langs: tuple[str, ...], values: list[Term], __: Term
) -> Iterator[object]:
    for v in values:
        lang = v.lang.lower() if isinstance(v, Lit) and v.lang else None
        if lang is None or not any(
            want == "*" or lang == want or lang.startswith(want + "-") for want in langs
        ):
            yield v


def _in(_: Evaluator, allowed: frozenset[Term], values: list[Term], __: Term) -> Iterator[object]:
    return (v for v in values if v not in allowed)


def _has_value(_: Evaluator, wanted: Term, values: list[Term], __: Term) -> Iterator[object]:
    if wanted not in values:
        yield NO_VALUE


def _min_count(_: Evaluator, n: int, values: list[Term], __: Term) -> Iterator[object]:
    if len(values) < n:
        yield NO_VALUE


def _max_count(_: Evaluator, n: int, values: list[Term], __: Term) -> Iterator[object]:
    if len(values) > n:
        yield NO_VALUE


def _unique_lang(_: Evaluator, on: bool, values: list[Term], __: Term) -> Iterator[object]:
    if not on:
        return
    seen: dict[str, int] = defaultdict(int)
    for v in values:
        if isinstance(v, Lit) and v.lang:
            seen[v.lang.lower()] += 1
    for _lang, n in seen.items():
        if n > 1:
            yield NO_VALUE


def _qualified(
    ev: Evaluator, param: tuple[Shape, int | None, int | None], values: list[Term], _: Term
) -> Iterator[object]:
    shape, low, high = param
    n = sum(1 for v in values if ev.conforms(shape, v))
    if low is not None and n < low:
        yield NO_VALUE
    if high is not None and n > high:
        yield NO_VALUE


def _less_equal(ev: Evaluator, other: str, values: list[Term], focus: Term) -> Iterator[object]:
    """pyshacl's rule: IRIs and strings compare as text, only with text; others as literals."""
    bounds = [_comparable(w) for w in ev.facts.values(focus, other)]
    for v in values:
        value, text = _comparable(v)
        for bound, bound_text in bounds:
            if text != bound_text or not value <= bound:  # type: ignore[operator]
                yield v


def _or(ev: Evaluator, shapes: list[Shape], values: list[Term], _: Term) -> Iterator[object]:
    return (v for v in values if not any(ev.conforms(s, v) for s in shapes))


def _node(ev: Evaluator, shape: Shape, values: list[Term], _: Term) -> Iterator[object]:
    return (v for v in values if not ev.conforms(shape, v))


def _not(ev: Evaluator, shape: Shape, values: list[Term], _: Term) -> Iterator[object]:
    return (v for v in values if ev.conforms(shape, v))


CHECKS: dict[str, Callable[..., Iterator[object]]] = {
    "class": _class,
    "datatype": _datatype,
    "nodeKind": _node_kind,
    "pattern": _pattern,
    "minLength": _min_length,
    "minInclusive": _within(at_least=True),
    "maxInclusive": _within(at_least=False),
    "languageIn": _language_in,
    "in": _in,
    "hasValue": _has_value,
    "minCount": _min_count,
    "maxCount": _max_count,
    "uniqueLang": _unique_lang,
    "qualifiedValueShape": _qualified,
    "lessThanOrEquals": _less_equal,
    "or": _or,
    "node": _node,
    "not": _not,
}


def shown_term(term: Term) -> object:
    return to_rdflib(term)
