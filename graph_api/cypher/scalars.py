"""One scalar property in a compiled projection: the Cypher that reads it, and the shaper that
serialises it as the executor would.

A language-tagged property asked in another language reads the tagged copy beside the plain one.
A single ``Date`` comes back as the ISO text Neo4j writes, which is the Date scalar's own form, so
the driver hydrates no temporal value and nothing converts it; a single ``String`` is passed
through as it is. Anything else (lists, other scalars, a value of an unexpected type) goes
through the GraphQL scalar's ``serialize``, as on the per-field path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph_api.cypher.selection import Sel, Unsupported
from graph_api.queries.db import native
from graph_api.schema.shape import ScalarField
from graph_api.schema.values import _LANG

Shaper = Callable[[Any], Any]
DATES = ("Date", "DateTime")
AS_TEXT = ("Date", "String")  # single values of these types may arrive as final text


def serialised(value: Any, many: bool, date: bool, text: bool, ser: Shaper) -> Any:
    """A stored property as the GraphQL scalar ``ser`` serialises it (a list when ``many``)."""
    if many:
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [ser(native(x) if date else x) for x in values]
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if date:
        value = native(value)
    return ser(str(value) if text else value)


def projection(
    v: str, spec: ScalarField, sel: Sel, slot: str, param: Callable[[Any], str]
) -> tuple[str, Shaper]:
    """The expression reading ``spec`` on node ``v`` and the shaper of ``row[slot]``;
    ``param`` names a query parameter for a value."""
    many, date = spec.many, spec.scalar in DATES
    as_text = spec.name == "label"
    ser = sel.target.serialize  # type: ignore[attr-defined]
    lang = sel.args.get("lang") if spec.tagged else None
    if lang is not None and not _LANG.match(lang):
        raise Unsupported("language tag")  # the field resolver reports it
    tag = lang.lower() if lang else None
    prop = f"{v}.{spec.name}"
    if tag is None or tag == "en" or tag.startswith("en-"):
        if spec.scalar in AS_TEXT and not many:

            def final(row: Any) -> Any:
                value = row[slot]
                if type(value) is str:
                    return value
                return serialised(value, many, date, as_text, ser)

            if spec.scalar == "Date":
                return f"CASE WHEN {prop} IS :: DATE THEN toString({prop}) ELSE {prop} END", final
            return prop, final

        def plain(row: Any) -> Any:
            return serialised(row[slot], many, date, as_text, ser)

        return prop, plain
    key = param(f"{spec.name}__{tag.replace('-', '_')}")

    def tagged(row: Any) -> Any:
        own, stored, other = row[slot]
        chosen = own if isinstance(stored, str) and stored.lower() == tag else other
        return serialised(chosen, many, date, as_text, ser)

    return f"[{prop}, {prop}__lang, {v}[{key}]]", tagged
