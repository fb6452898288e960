"""Reading property values off a stored node, per the storage model's language convention.

The English or untagged value sits in ``key``; another language ``xx`` (or ``xx-YY``) in
``key__xx`` (``key__xx_yy``), as ``loaders.records`` writes them. The GraphQL
scalar of each property comes from ``loaders.datatypes`` (the one table shared with the loader);
:data:`PYTHON_TYPES` only says which Python type strawberry serialises as that scalar.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from graph_api.errors import bad_argument
from graph_api.queries.db import NodeRecord

PYTHON_TYPES: dict[str, type] = {
    "String": str,
    "Int": int,
    "Float": float,
    "Boolean": bool,
    "Date": dt.date,
    "DateTime": dt.datetime,
}
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def python_type(scalar: str) -> type:
    try:
        return PYTHON_TYPES[scalar]
    except KeyError:
        raise ValueError(f"no Python type for the GraphQL scalar {scalar!r}") from None


def _lang_key(record: NodeRecord, key: str, lang: str | None) -> str:
    """The property key that holds ``key`` in ``lang``."""
    if lang is None:
        return key
    if not _LANG.match(lang):
        raise bad_argument("lang", f"{lang!r} is not a language tag such as 'en' or 'fr'.")
    tag = lang.lower()
    stored = record.props.get(f"{key}__lang")
    if tag == "en" or tag.startswith("en-") or (isinstance(stored, str) and stored.lower() == tag):
        return key
    return f"{key}__{tag.replace('-', '_')}"


def read_value(record: NodeRecord, key: str, *, many: bool, lang: str | None = None) -> Any:
    """The value of ``key`` (a list when ``many``), in ``lang`` when asked and present."""
    value = record.props.get(_lang_key(record, key, lang))
    if many:
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]
    if isinstance(value, list):
        return value[0] if value else None
    return value
