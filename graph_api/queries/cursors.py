"""Opaque, stable cursors and page-size checks shared by every connection.

A cursor is URL-safe base64 of ``[ordering, sort key, iri]``: the IRI breaks ties so a cursor
still points at the same place after other nodes are added, and the ordering name makes a
cursor from one ordering fail loudly when used with another instead of skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import json

from graph_api.errors import bad_argument

DEFAULT_PAGE = 20


def encode(ordering: str, key: str, iri: str) -> str:
    raw = json.dumps([ordering, key, iri], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str | None, ordering: str) -> tuple[str, str] | None:
    """``(sort key, iri)`` after which a page starts, or None for the first page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
    except (ValueError, UnicodeError, binascii.Error):
        value = None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise bad_argument(
            "after", "this is not a cursor this API gave out; use a pageInfo.endCursor.", "cursor"
        )
    if value[0] != ordering:
        raise bad_argument(
            "after",
            f"this cursor belongs to the ordering {value[0]!r}, not {ordering!r}; "
            "start again without `after`.",
            "cursor",
        )
    return value[1], value[2]


def page_size(first: int | None, maximum: int) -> int:
    """The number of items to return: ``first``, checked against ``1..maximum``."""
    if first is None:
        return min(DEFAULT_PAGE, maximum)
    if first < 0 or first > maximum:
        raise bad_argument("first", f"must be between 0 and {maximum}, not {first}.", "range")
    return first
