"""Facts -> store rows, the storage model of docs/ARCHITECTURE.md, without rdflib objects.

The same rows as ``loaders.records.to_records`` gives for the same data (a test compares them on
every fixture): nodes grouped by label set, relationships by type, reification sources, skipped
triples by reason and problems the store cannot hold.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from functools import lru_cache

import neo4j.time

from civicgraph.model import Ontology, OntProperty
from loaders.datatypes import IllTypedLiteral, StoredValue, to_value
from loaders.engine.facts import Facts
from loaders.engine.terms import LANG_STRING, XSD, XSD_STRING, Blank, Lit, Term, literal
from loaders.records import (
    _SKIP_FOREIGN_TYPE,
    _SKIP_UNREIFIED,
    _SKIP_UNTYPED,
    NodeRow,
    PropValue,
    Records,
    RelRow,
    _is_main_language,
    _lang_key,
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE, STATEMENT = RDF + "type", RDF + "Statement"
SOURCE = "http://purl.org/dc/terms/source"


_TEXT = frozenset({XSD_STRING, LANG_STRING, "http://www.w3.org/2001/XMLSchema#anyURI"})


@lru_cache(maxsize=1 << 16)
def _date(text: str) -> StoredValue | None:
    """870k votes carry some 6,000 distinct dates: each is read once (the value is immutable)."""
    try:
        return neo4j.time.Date.from_native(date.fromisoformat(text))
    except ValueError:
        return None  # rdflib's path says why


# The common lexical forms, read without rdflib: a form that does not match (or a date that
# does not exist) goes the general way, which gives the same value or the error.
_PLAIN_FORMS: dict[str, tuple[re.Pattern[str], Callable[[str], StoredValue | None]]] = {
    XSD + "date": (re.compile(r"\d{4}-\d{2}-\d{2}"), _date),
    XSD + "integer": (re.compile(r"-?[1-9]\d{0,17}|0"), int),
    XSD + "boolean": (re.compile(r"true|false"), lambda text: text == "true"),
}


def stored(lit: Lit) -> StoredValue:
    """The Neo4j value of a literal; strings and tagged strings skip rdflib entirely, and so do
    the plain forms of dates, integers and booleans."""
    if lit.lang or lit.datatype in _TEXT:
        return lit.value
    plain = _PLAIN_FORMS.get(lit.datatype)
    if plain is not None and plain[0].fullmatch(lit.value):
        value = plain[1](lit.value)
        if value is not None:
            return value
    return _typed(lit)


@lru_cache(maxsize=1 << 16)
def _typed(lit: Lit) -> StoredValue:
    """Dates, years and codes repeat across many nodes: convert each distinct literal once."""
    return to_value(literal(lit))


class Converter:
    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        self.props = {str(p.iri): p for p in ontology.properties.values()}
        self.classes = {str(c.iri) for c in ontology.classes.values()}
        self.labels: dict[frozenset[str], tuple[str, ...]] = {}

    def labels_for(self, classes: frozenset[str]) -> tuple[str, ...]:
        hit = self.labels.get(classes)
        if hit is None:
            hit = self.labels[classes] = tuple(self.ontology.labels_for(classes))  # type: ignore[arg-type]
        return hit

    def __call__(self, facts: Facts) -> Records:
        statements, reified = self._reifications(facts)
        out, used = self.convert(facts, statements, reified)
        if len(reified) - used:
            out.skipped[_SKIP_UNREIFIED] += len(reified) - used
        return out

    def convert(
        self,
        facts: Facts,
        statements: set[Term],
        reified: dict[tuple[Term, Term, Term], set[str]],
    ) -> tuple[Records, int]:
        """Rows of ``facts`` given the reifications (a streamed load passes the whole file's,
        since a statement may sit in another batch than the triple it annotates); also how many
        of the reifications annotate a relationship of ``facts``."""
        out = Records(triples=facts.triples)
        types: dict[Term, list[str]] = {}
        for s, preds in facts.subjects.items():
            typed = [o for o in preds.get(RDF_TYPE, ()) if isinstance(o, str) and o in self.classes]
            if not typed:
                continue
            if isinstance(s, Blank):
                names = ", ".join(sorted(c.split("#")[-1] for c in typed))
                out.problems.append(
                    f"a blank node is typed {names}: nodes need an IRI (civicgraph.iris.mint)"
                )
                continue
            types[s] = typed
        edges: dict[tuple[Term, str, Term], str] = {}
        subject_sources: dict[Term, set[str]] = defaultdict(set)
        skipped = out.skipped
        nodes: list[tuple[str, tuple[str, ...], dict[str, list[Lit]]]] = []
        for s, preds in facts.subjects.items():
            if s in statements:
                continue
            if s not in types:
                skipped[_SKIP_UNTYPED] += sum(len(v) for v in preds.values())
                continue
            literals: dict[str, list[Lit]] = {}
            for p, values in preds.items():
                if p == RDF_TYPE:
                    foreign = sum(1 for o in values if o not in self.classes)
                    if foreign:
                        skipped[_SKIP_FOREIGN_TYPE] += foreign
                    continue
                prop = self.props.get(p)
                if prop is None:
                    skipped[f"predicate not in the ontology: <{p}>"] += len(values)
                elif prop.is_relationship:
                    for o in values:
                        if isinstance(o, Lit | Blank):
                            what = "a literal" if isinstance(o, Lit) else "a blank node"
                            skipped[f"{what} as value of object property <{p}>"] += 1
                            continue
                        edges[(s, p, o)] = str(prop.rel_type)
                        if p == SOURCE:
                            subject_sources[s].add(o)
                else:
                    lits = [o for o in values if isinstance(o, Lit)]
                    if len(lits) != len(values):
                        skipped[f"IRI or blank node as value of datatype property <{p}>"] += len(
                            values
                        ) - len(lits)
                    if lits:
                        literals[prop.name] = lits
            nodes.append((str(s), self.labels_for(frozenset(types[s])), literals))
        nodes.sort(key=lambda n: n[0])
        for iri, labels, literals in nodes:
            props: dict[str, PropValue] = {}
            for name, lits in sorted(literals.items()):
                props.update(self._literal_props(out, iri, self.ontology.properties[name], lits))
            row: NodeRow = {"iri": iri, "props": props}
            out.nodes.setdefault(labels, []).append(row)
        used = 0
        for (s, p, o), rel_type in edges.items():
            sources = reified.get((s, p, o))
            if sources is not None:
                used += 1
            chosen = sources if sources else subject_sources.get(s, set())
            rel: RelRow = {"start": str(s), "end": str(o), "sources": sorted(chosen)}
            out.relationships.setdefault(rel_type, []).append(rel)
        for rows in out.relationships.values():
            rows.sort(key=lambda row: (row["start"], row["end"]))
        return out, used

    @staticmethod
    def is_statement(preds: dict[str, dict[Term, None]]) -> bool:
        return RDF + "subject" in preds or STATEMENT in preds.get(RDF_TYPE, ())

    @staticmethod
    def _reifications(
        facts: Facts,
    ) -> tuple[set[Term], dict[tuple[Term, Term, Term], set[str]]]:
        statements: set[Term] = set()
        reified: dict[tuple[Term, Term, Term], set[str]] = defaultdict(set)
        for s, preds in facts.subjects.items():
            if not Converter.is_statement(preds):
                continue
            statements.add(s)
            parts = [
                next(iter(preds.get(RDF + k, ())), None) for k in ("subject", "predicate", "object")
            ]
            if None in parts:
                continue
            triple = (parts[0], parts[1], parts[2])
            reified[triple].update(str(o) for o in preds.get(SOURCE, ()))  # type: ignore[index]
        return statements, reified

    def _literal_props(
        self, out: Records, iri: str, prop: OntProperty, values: list[Lit]
    ) -> dict[str, PropValue]:
        if len(values) == 1 and not values[0].lang:
            return self._single_plain(out, iri, prop, values[0])
        result: dict[str, PropValue] = {}
        for suffix, lits in _by_language(values):
            key = f"{prop.name}__{suffix}" if suffix else prop.name
            try:
                converted = [stored(lit) for lit in lits]
            except IllTypedLiteral as exc:
                out.problems.append(f"<{iri}> {key}: {exc}")
                continue
            if len(converted) > 1 and len({type(v) for v in converted}) > 1:
                out.problems.append(
                    f"<{iri}> {key}: values of different datatypes cannot share a list"
                )
                continue
            if prop.functional:
                if len(converted) > 1:
                    shown = ", ".join(repr(lit.value) for lit in lits)
                    per = " per language" if prop.kind == "annotation" else ""
                    out.problems.append(
                        f"<{iri}> has {len(lits)} values for {key} ({shown}) "
                        f"but <{prop.iri}> holds one{per}"
                    )
                    continue
                result[key] = converted[0]
                if not suffix and lits[0].lang:
                    result[f"{key}__lang"] = lits[0].lang
            else:
                result[key] = converted
                if not suffix and any(lit.lang for lit in lits):
                    result[f"{key}__lang"] = [lit.lang or "" for lit in lits]
        return result

    @staticmethod
    def _single_plain(out: Records, iri: str, prop: OntProperty, lit: Lit) -> dict[str, PropValue]:
        """One value without a language tag, most properties of most rows: what the general
        path gives for it (the key without suffix, no ``__lang``), without its grouping."""
        try:
            value = stored(lit)
        except IllTypedLiteral as exc:
            out.problems.append(f"<{iri}> {prop.name}: {exc}")
            return {}
        return {prop.name: value if prop.functional else [value]}


def _by_language(values: list[Lit]) -> list[tuple[str, list[Lit]]]:
    """The values of one property grouped by key suffix ("" for English or untagged), in the
    order the store keeps them. Most properties hold one value: that needs no sorting (a third
    of the converter's time at 100k triples went to sorting one-item lists)."""
    if len(values) == 1:
        lang = values[0].lang
        return [("" if _is_main_language(lang) else _lang_key(lang or ""), values)]
    groups: dict[str, list[Lit]] = defaultdict(list)
    for lit in sorted(values, key=lambda v: (v.value, v.lang or "")):
        groups["" if _is_main_language(lit.lang) else _lang_key(lit.lang or "")].append(lit)
    return sorted(groups.items())


def to_records(facts: Facts, ontology: Ontology | None = None) -> Records:
    return Converter(ontology or Ontology.get())(facts)
