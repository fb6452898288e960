"""From field values to triples: IRIs, labels, typed literals and derived, sourced links.

Literal datatypes come from the ontology's ``rdfs:range`` (a date field feeding ``csg:startDate``
becomes ``xsd:date``), text for ``rdf:langString`` properties and annotations gets the mapping's
language tag, and object properties take IRIs only. Everything a row yields is built as a list
first, so a value that does not fit rejects the whole row instead of half-writing it.

Triples are made of the fast path's plain terms (``loaders.engine.terms``: IRIs as ``str``,
``Lit`` literals), which go straight into ``Facts``; 870k votes make some seven million of them,
and an rdflib object for each cost more than the rest of the mapping. Literals are still built
by rdflib once per distinct value (``to_literal``) so their lexical forms are rdflib's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from rdflib import DCTERMS, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.term import Node

from civicgraph.iris import mint
from civicgraph.model import Ontology, OntProperty
from civicgraph.vocab import ID
from loaders.engine.terms import Blank, Lit, Term, from_rdflib
from loaders.mapping.load import template_names
from loaders.mapping.spec import ConstKey, DigestKey, EntitySpec, PropSpec
from loaders.mapping.values import RowRejected, render, term

Triple = tuple[str, str, Term]  # subject, predicate, object as plain terms
_LANG_RANGES = {RDF.langString}
TYPE, LABEL, SOURCE = str(RDF.type), str(RDFS.label), str(DCTERMS.source)
STATEMENT, SUBJECT = str(RDF.Statement), str(RDF.subject)
PREDICATE, OBJECT = str(RDF.predicate), str(RDF.object)


def digest(values: list[Any]) -> str:
    """A short hash of key values, insensitive to case and runs of white space."""
    text = "\x1f".join(" ".join(str(v).split()).casefold() for v in values)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


_mint = lru_cache(maxsize=100_000)(mint)


@lru_cache(maxsize=100_000, typed=True)
def to_literal(prop: OntProperty, value: Any, lang: str) -> Literal:
    """A literal for ``prop`` per its range; raises ``ValueError`` when ``value`` does not fit."""
    rng = prop.range
    if prop.kind == "annotation" or rng in _LANG_RANGES:
        return Literal(str(value), lang=lang)
    if rng == XSD.date:
        if isinstance(value, str):
            value = date.fromisoformat(value)
        if not isinstance(value, date):
            raise ValueError(f"{value!r} is not a date")
        return Literal(value.isoformat(), datatype=XSD.date)
    if rng == XSD.boolean:
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not true or false")
        return Literal(value)
    if rng == XSD.integer:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not a whole number")
        return Literal(value, datatype=XSD.integer)
    if rng == XSD.gYear:
        year = value.year if isinstance(value, date) else int(value)
        return Literal(f"{year:04d}", datatype=XSD.gYear)
    if rng in (XSD.decimal, XSD.double):
        return Literal(float(value), datatype=rng)
    if rng == XSD.anyURI:
        return Literal(str(value), datatype=XSD.anyURI)
    return Literal(str(value))


@lru_cache(maxsize=100_000, typed=True)
def to_term(prop: OntProperty, value: Any, lang: str) -> Term:
    """``to_literal`` as a plain term (rdflib's lexical form, computed once per value)."""
    return from_rdflib(to_literal(prop, value, lang))


@lru_cache(maxsize=4096)
def label_term(text: str, lang: str) -> Lit:
    return Lit(text, str(RDF.langString), lang) if lang else Lit(text)


class Provenance:
    """Sources of ontology statements, for links derived from them (``derive``)."""

    def __init__(self, ontology: Ontology) -> None:
        self.graph = ontology.graph
        self._cache: dict[tuple[str, Node], list[tuple[str, list[str]]]] = {}

    def objects_with_sources(self, subject: str, via: URIRef) -> list[tuple[str, list[str]]]:
        """The objects of ``subject via`` in the ontology, each with its sources, as IRIs."""
        key = (subject, via)
        if key not in self._cache:
            g, subject = self.graph, URIRef(subject)
            found = []
            for obj in sorted(g.objects(subject, via), key=str):
                sources = [
                    src
                    for st in g.subjects(RDF.subject, subject)
                    if (st, RDF.predicate, via) in g and (st, RDF.object, obj) in g
                    for src in g.objects(st, DCTERMS.source)
                ] or sorted(g.objects(subject, DCTERMS.source), key=str)
                if sources:
                    found.append((str(obj), [str(src) for src in sources]))
            self._cache[key] = found
        return self._cache[key]


class CompiledEntity:
    """One ``EntitySpec`` bound to the ontology, ready to mint IRIs and build triples."""

    def __init__(
        self, name: str, spec: EntitySpec, fields: set[str], entities: set[str], ontology: Ontology
    ) -> None:
        self.name = name
        self.spec = spec
        self.ontology = ontology
        self.props: list[tuple[OntProperty, list[PropSpec]]] = []
        for prop_name, raw in spec.properties.items():
            items = raw if isinstance(raw, list) else [raw]
            specs = [self._prop_spec(v, fields) for v in items]
            if prop_name in ontology.properties:
                self.props.append((ontology.properties[prop_name], specs))
        self.predicates = {prop.name: str(prop.iri) for prop, _ in self.props}
        self.derive = [
            (
                str(ontology.properties[d.property].iri),
                str(ontology.properties[d.source].iri),
                ontology.properties[d.via].iri,
            )
            for d in spec.derive
        ]
        self.classes = {c: str(ontology.classes[c].iri) for c in ontology.classes}
        self.uses = sorted(self._field_uses(fields))
        self.iri_uses = sorted(self._iri_uses())
        self._iris: dict[tuple[Any, ...], list[tuple[URIRef, Any]]] = {}
        self.entity_uses = sorted(
            {p.entity for _, specs in self.props for p in specs if p.entity}
            | {s for s in spec.sources if s in entities and s not in fields}
        )

    @staticmethod
    def _prop_spec(value: str | PropSpec, fields: set[str]) -> PropSpec:
        if isinstance(value, PropSpec):
            return value
        return PropSpec(field=value) if value in fields else PropSpec(entity=value)

    def _iri_uses(self) -> set[str]:
        """Every name ``items`` and ``iri`` read (file-name parameters included)."""
        spec = self.spec
        used = set(spec.when) | {spec.each or "", spec.iri_field or ""}
        for part in spec.iri.key if spec.iri else []:
            if isinstance(part, str):
                used.add(part)
            elif isinstance(part, DigestKey):
                used.update(part.digest)
        return used - {""}

    def iris(self, fields: Mapping[str, Any]) -> list[tuple[URIRef, Any]]:
        """(IRI, ``each`` item) of every node the row yields, remembered per value of the
        fields they depend on: 870k votes name some 6,000 roll calls and 200 states."""
        try:
            key = tuple(_hashable(fields.get(f)) for f in self.iri_uses)
            hit = self._iris.get(key)
        except TypeError:  # an unhashable value: computed every time
            key, hit = None, None
        if hit is None:
            each = self.spec.each
            hit = [
                (iri, view.get(each) if each else None)
                for view in self.items(fields)
                for iri in self.iri(view)
            ]
            if key is not None:
                if len(self._iris) > 100_000:
                    self._iris.clear()
                self._iris[key] = hit
        return hit

    def view(self, fields: Mapping[str, Any], item: Any) -> Mapping[str, Any]:
        return fields if self.spec.each is None else {**fields, self.spec.each: item}

    def _field_uses(self, fields: set[str]) -> set[str]:
        spec = self.spec
        used = set(spec.when) | {spec.each or "", spec.iri_field or "", spec.class_field or ""}
        for part in spec.iri.key if spec.iri else []:
            used.update(
                [part]
                if isinstance(part, str)
                else part.digest
                if isinstance(part, DigestKey)
                else []
            )
        for template in spec.label:
            used.update(template_names(template))
        for _, specs in self.props:
            for p in specs:
                used.update([p.field or "", *template_names(p.template or "")])
        used.update(s for s in spec.sources if s in fields)
        return used & fields

    def items(self, fields: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The field views this entity is built from: none when a ``when`` field is absent, one
        per list item with ``each``."""
        if any(fields.get(f) in (None, []) for f in self.spec.when):
            return []
        if self.spec.each is None:
            return [fields]
        values = fields.get(self.spec.each)
        if values is None:
            return []
        values = values if isinstance(values, list) else [values]
        return [{**fields, self.spec.each: v} for v in values]

    def iri(self, view: Mapping[str, Any]) -> list[URIRef]:
        spec = self.spec
        if spec.iri_field is not None:
            value = view.get(spec.iri_field)
            values = value if isinstance(value, list) else [] if value is None else [value]
            return [v if isinstance(v, URIRef) else URIRef(ID[str(v)]) for v in values]
        assert spec.iri is not None
        keys: list[Any] = []
        for part in spec.iri.key:
            if isinstance(part, ConstKey):
                keys.append(part.const)
            elif isinstance(part, DigestKey):
                keys.append(digest([view.get(f) or "" for f in part.digest]))
            else:
                value = view.get(part)
                if value is None or isinstance(value, list):
                    return []
                keys.append(value.isoformat() if isinstance(value, date) else value)
        try:
            return [_mint(spec.iri.kind, *keys)]
        except ValueError as exc:
            raise RowRejected("key without letters or digits", f"{self.name}: {exc}") from None

    def memo_key(
        self, fields: Mapping[str, Any], row_iris: Mapping[str, list[URIRef]]
    ) -> tuple[Any, ...]:
        values = [_hashable(fields.get(f)) for f in self.uses]
        return (self.name, *values, *(tuple(row_iris.get(e, [])) for e in self.entity_uses))

    def triples(
        self,
        iri: URIRef,
        view: Mapping[str, Any],
        row_iris: Mapping[str, list[URIRef]],
        dataset: str,
        lang: str,
        provenance: Provenance,
    ) -> list[Triple]:
        """All triples of one node; raises ``RowRejected`` when a value does not fit."""
        spec, node = self.spec, str(iri)
        out: list[Triple] = []
        classes = [spec.class_] if spec.class_ else []
        if spec.class_field and view.get(spec.class_field):
            classes.append(str(view[spec.class_field]))
        out.extend((node, TYPE, self.classes[c]) for c in classes)
        label = next((text for t in spec.label if (text := render(t, view))), None)
        if label is None:
            raise RowRejected("missing value", f"{self.name}: no label template has all its fields")
        out.append((node, LABEL, label_term(label, lang)))
        out.append((node, SOURCE, dataset))
        for src in spec.sources:
            out.extend((node, SOURCE, str(i)) for i in _iris(view.get(src), row_iris.get(src)))
        for prop, specs in self.props:
            predicate = self.predicates[prop.name]
            for p in specs:
                for value in self._values(p, view, row_iris):
                    out.append((node, predicate, self._term(prop, value, lang)))
        for predicate, source, via in self.derive:
            for obj in [o for s, p, o in out if s == node and p == source]:
                for target, sources in provenance.objects_with_sources(obj, via):  # type: ignore[arg-type]
                    out.append((node, predicate, target))
                    statement = Blank(BNode())
                    out += [(statement, TYPE, STATEMENT), (statement, SUBJECT, node)]
                    out += [(statement, PREDICATE, predicate), (statement, OBJECT, target)]
                    out += [(statement, SOURCE, s) for s in sources]
        return out

    def _values(
        self, p: PropSpec, view: Mapping[str, Any], row_iris: Mapping[str, list[URIRef]]
    ) -> list[Any]:
        if p.entity is not None:
            return list(row_iris.get(p.entity, []))
        if p.template is not None:
            text = render(p.template, view)
            return [] if text is None else [text]
        value = view.get(p.field) if p.field is not None else term(p.value)
        return [] if value is None else value if isinstance(value, list) else [value]

    def _term(self, prop: OntProperty, value: Any, lang: str) -> Term:
        if prop.is_relationship:
            if not isinstance(value, URIRef):
                raise RowRejected(
                    "value outside vocabulary", f"{prop.name}: {value!r} is not a known term"
                )
            return str(value)
        try:
            return to_term(prop, value, lang)
        except ValueError as exc:
            raise RowRejected("unparseable value", f"{prop.name}: {exc}") from None


def _iris(value: Any, entity_iris: list[URIRef] | None) -> list[URIRef]:
    if entity_iris is not None:
        return entity_iris
    values = value if isinstance(value, list) else [] if value is None else [value]
    return [v for v in values if isinstance(v, URIRef)]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
