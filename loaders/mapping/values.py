"""Turning one row's raw cells into cleaned field values, or a reason to reject or skip it.

A field's value is absent (not in the dict), one value or a list. Values are ``str``, ``bool``,
``int``, ``float``, ``date`` or, for terms a mapping names (``csgid:...``, ``skos:...``, a full
IRI), an IRI: such constants stay IRIs through every step, so an object property accepts them.
Rejections carry a short category (for the summary's statistics) and the detail that lets a
person find and fix the cell.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from rdflib import URIRef

from civicgraph.vocab import ID
from loaders.mapping.functions import FUNCTIONS
from loaders.mapping.readers import Row
from loaders.mapping.spec import FieldSpec, LookupSpec

Fields = dict[str, Any]


class RowRejected(Exception):
    """The row cannot be mapped; ``category`` groups rejections in the summary."""

    def __init__(self, category: str, detail: str) -> None:
        super().__init__(f"{category}: {detail}")
        self.category = category
        self.detail = detail


class RowSkipped(RowRejected):
    """The row is outside what the mapping loads (a declared filter), not an error in it."""


_ABSOLUTE_IRI = re.compile(r"^(?:https?://|urn:)\S+$")


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    from civicgraph.model import Ontology

    return {prefix: str(ns) for prefix, ns in Ontology.get().graph.namespaces() if prefix}


def term(value: Any) -> Any:
    """A constant naming a term stays that IRI: ``csgid:threat/throttling`` (an entity), a CURIE
    of a prefix the ontology declares (``skos:Concept``) or an absolute IRI. Other values stay."""
    if isinstance(value, list):
        return [term(v) for v in value]
    if not isinstance(value, str) or isinstance(value, URIRef):
        return value
    if value.startswith("csgid:"):
        return URIRef(ID[value.removeprefix("csgid:")])
    if _ABSOLUTE_IRI.match(value):
        return URIRef(value)
    prefix, colon, rest = value.partition(":")
    namespace = _prefixes().get(prefix) if colon and not any(c.isspace() for c in value) else None
    return URIRef(namespace + rest) if namespace else value


def render(template: str, fields: Mapping[str, Any]) -> str | None:
    """Fill ``{name}`` placeholders; ``None`` when one of them is absent."""
    values = {}
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            value = fields.get(name)
            if value is None or value == []:
                return None
            values[name] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return template.format(**values)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


_CASES: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "capitalize": _first_upper,
}
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _parse(kind: str, item: Any, formats: list[str]) -> Any:
    """Raises ``ValueError`` when ``item`` is not of ``kind``."""
    text = str(item).strip()
    if kind == "date":
        if isinstance(item, date):
            return item
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"unparseable date {text!r}")
    if kind == "integer":
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text!r} is not a whole number")
        return int(number)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        if text.lower() not in _BOOLEANS:
            raise ValueError(f"{text!r} is not yes/no or true/false")
        return _BOOLEANS[text.lower()]
    return text


class CompiledField:
    """One ``FieldSpec`` ready to run: vocabulary terms resolved, maps folded to lower case."""

    def __init__(self, name: str, spec: FieldSpec) -> None:
        self.name = name
        self.spec = spec
        self.map = {k.strip().casefold(): term(v) for k, v in (spec.map or {}).items()}
        self.patterns: list[tuple[re.Pattern[str], Any, int | None]] = [
            (re.compile(p.match, re.IGNORECASE), term(p.value), p.group)
            for p in spec.patterns or []
        ]
        self.absent = {a.strip().casefold() for a in spec.absent}
        self.split = re.compile(spec.split) if spec.split else None
        self.function = FUNCTIONS[spec.function] if spec.function else None
        self.case = _CASES[spec.case] if spec.case else None
        self.constant = term(spec.value)
        self.where = spec.column or spec.field or name
        self.dropped = 0  # values left out by ``on_miss: drop``, for the report
        self._cache: dict[Any, tuple[Any, RowRejected | None, int]] = {}

    def _source(self, row: Row, fields: Fields, lookup: Callable[[str], Any]) -> Any:
        spec = self.spec
        if spec.column is not None:
            table, _, col = spec.column.rpartition(".")
            if not table:
                return row.get(col)
            matched = lookup(table)
            if isinstance(matched, list):
                return [m[col] for m in matched]
            return matched[col] if matched is not None else None
        if spec.field is not None:
            return fields.get(spec.field)
        if spec.template is not None:
            return render(spec.template, fields)
        if spec.coalesce is not None:
            return next((fields[f] for f in spec.coalesce if fields.get(f) not in (None, [])), None)
        return self.constant

    def _clean(self, value: Any) -> Any:
        if isinstance(value, URIRef):  # a term: neither trimmed nor an absent marker
            return value
        if isinstance(value, str):
            if self.spec.trim:
                value = value.strip()
            if value.casefold() in self.absent:
                return None
        return value

    def _miss(self, item: Any, category: str) -> list[Any]:
        action = self.spec.on_miss
        if action == "drop":
            self.dropped += 1
            return []
        if action == "keep":
            return [item]
        error = RowSkipped if action == "skip" else RowRejected
        raise error(self.spec.reason or category, f"{self.where}={item!r}")

    def _item(self, item: Any) -> list[Any]:
        if isinstance(item, str) and not isinstance(item, URIRef) and self.case:
            item = self.case(item)
        out = [item]
        if self.map:
            key = str(item).strip().casefold()
            if key not in self.map:
                return self._miss(item, "value outside vocabulary")
            mapped = self.map[key]
            out = [] if mapped is None else mapped if isinstance(mapped, list) else [mapped]
        elif self.patterns:
            hits = []
            for pattern, value, group in self.patterns:
                match = pattern.search(str(item))
                if match is not None:
                    hits.append(
                        match.group(group)
                        if group is not None
                        else item
                        if value is None
                        else value
                    )
            if not hits:
                return self._miss(item, "value outside vocabulary")
            out = hits if self.spec.all_patterns else hits[:1]
        if self.function is not None:
            results = []
            for value in out:
                result = self.function(value)
                if result is None:
                    results.extend(self._miss(value, f"not resolved by {self.spec.function}"))
                elif isinstance(result, list):
                    results.extend(result)
                else:
                    results.append(result)
            out = results
        if self.spec.parse:
            try:
                out = [_parse(self.spec.parse, v, self.spec.date_formats) for v in out]
            except ValueError as exc:
                category = "unparseable date" if self.spec.parse == "date" else "unparseable value"
                raise RowRejected(self.spec.reason or category, f"{self.where}: {exc}") from None
        return out

    def compute(self, row: Row, fields: Fields, lookup: Callable[[str], Any]) -> Any:
        """The field's value (``None`` when absent); raises ``RowRejected``/``RowSkipped``.

        A field's value depends only on its source value (and ``differs_from``), so results are
        cached: 870k votes share a few thousand dates, codes and symbols. A field gated by
        ``when``/``unless`` is simply absent (never required, never a miss) where the gate is shut.
        """
        spec = self.spec
        if any(fields.get(f) in (None, []) for f in spec.when) or any(
            fields.get(f) not in (None, []) for f in spec.unless
        ):
            return None
        source = self._source(row, fields, lookup)
        other = fields.get(self.spec.differs_from) if self.spec.differs_from else None
        key = (tuple(source) if isinstance(source, list) else source, other)
        hit = self._cache.get(key)
        if hit is None:
            dropped = self.dropped
            value: Any = None
            error: RowRejected | None = None
            try:
                value = self._compute(source, other)
            except RowRejected as exc:
                error = exc
            hit = (value, error, self.dropped - dropped)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key] = hit
        else:
            self.dropped += hit[2]
        if hit[1] is not None:
            raise type(hit[1])(hit[1].category, hit[1].detail)
        return hit[0]

    def _compute(self, source: Any, other: Any) -> Any:
        raw = self._clean(source)
        many = isinstance(raw, list)
        if isinstance(raw, str) and self.split is not None:
            raw, many = self.split.split(raw), True
        if many:
            items = [c for c in (self._clean(v) for v in raw) if c is not None]
        else:
            items = [] if raw is None else [raw]
        values: list[Any] = []
        for item in items:
            for value in self._item(item):
                if value not in values:
                    values.append(value)
        if other is not None:
            values = [v for v in values if str(v).casefold() != str(other).casefold()]
        if not values:
            if self.spec.required:
                error = RowSkipped if self.spec.on_missing == "skip" else RowRejected
                reason = self.spec.missing_reason or self.spec.reason or "missing value"
                shown = str(source).strip() if isinstance(source, str) else ""
                detail = (
                    f"{self.where}={shown!r}, read as absent" if shown else f"{self.where} is empty"
                )
                raise error(reason, detail)
            return None
        return values if many or len(values) > 1 else values[0]


def lookup_key(value: Any, spec: LookupSpec) -> Any:
    """Keys of a lookup and of a row meet in one form (``"3.0"`` and ``"3"`` are both 3)."""
    if spec.key_parse == "integer":
        try:
            return _parse("integer", value, [])
        except ValueError:
            return None
    return str(value).strip()
