"""Top-level lists: one labelled node set, filtered, sorted and paged with a cursor.

The Cypher is built by pure functions from a :class:`ListQuery` whose label comes from the ontology
allowlist and whose WHERE clauses are fixed texts with ``$parameters``; user values never enter the
query text. ``totalCount`` costs a second query, run only when the client asks for it.

A filter on a linked node (the country) may also name an *anchor*: the list then starts from that
node and walks to its items instead of testing every node of the label (the filter's own clause
stays, so the answer is the same). A sort on a date property with a range index
(:mod:`graph_api.queries.indexes`) reads the first page in index order instead of sorting them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info

from civicgraph.model import Ontology
from graph_api.cypher.roots import list_query, run
from graph_api.queries import cursors
from graph_api.queries.connection import make_connection
from graph_api.queries.db import NodeRecord
from graph_api.queries.indexes import order_indexes
from graph_api.schema.shape import class_names

NULLS_LAST_ASC = "\uffff"


@dataclass
class ListQuery:
    label: str
    sort_name: str
    sort_expr: str
    descending: bool = False
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    sort_property: str | None = None
    anchor: str | None = None
    implied: str | None = None

    def add(self, clause: str, **params: Any) -> None:
        self.where.append(clause)
        self.params.update(params)

    @property
    def ordering(self) -> str:
        return f"{self.label}:{self.sort_name}:{'desc' if self.descending else 'asc'}"

    def anchor_at(self, start: str, rel: str, implied: str) -> None:
        """Start from the nodes ``start`` matches as ``anchor`` (a fixed text with parameters) and
        walk ``rel`` (an ontology relationship type) back to the items; the first anchor wins.
        ``implied`` is the WHERE clause the anchor stands for (left out of the anchored match,
        kept where the list is matched otherwise, as in the counts)."""
        if rel not in Ontology.get().relationship_types():
            raise ValueError(f"{rel!r} is not an ontology relationship type")
        if self.anchor is None:
            self.anchor = f"{start}\nMATCH (n:{self.label})-[:{rel}]->(anchor)"
            self.implied = implied


def _match(q: ListQuery, *extra: str) -> str:
    if q.label != "Resource" and q.label not in class_names():
        raise ValueError(f"{q.label!r} is not an ontology class")
    if q.anchor is not None:
        kept = [w for w in q.where if w != q.implied]
        where = " AND ".join(f"({w})" for w in [*kept, *extra]) or "true"
        return f"{q.anchor} WHERE {where}\nWITH DISTINCT n"
    where = " AND ".join(f"({w})" for w in [*q.where, *extra]) or "true"
    return f"MATCH (n:{q.label}) WHERE {where}"


def indexed_sort(q: ListQuery) -> str | None:
    """The sort property when an index gives its order (``None``: sort every match, as when
    the list starts from an anchor: its matches are few, and the planner would rather scan the
    index than walk from the anchor)."""
    if q.anchor is None and q.sort_property and (q.label, q.sort_property) in order_indexes():
        return q.sort_property
    return None


def page_cypher(q: ListQuery) -> str:
    op, order = ("<", "DESC") if q.descending else (">", "ASC")
    return f"""{_match(q)}
WITH n, coalesce({q.sort_expr}, $nullKey) AS k
WHERE $afterKey IS NULL OR k {op} $afterKey OR (k = $afterKey AND n.iri {op} $afterIri)
RETURN n, k ORDER BY k {order}, n.iri {order} LIMIT $limit"""


def count_cypher(q: ListQuery) -> str:
    return f"{_match(q)} RETURN count(n) AS total"


async def list_page(info: Info, q: ListQuery, first: int | None, after: str | None) -> Any:
    """One page as a compiled query (one Cypher query, count included), else field by field."""
    from graph_api.schema.entities import wrap

    db = info.context.db
    size = cursors.page_size(first, info.context.settings.civicgraph_max_page_size)
    start = cursors.decode(after, q.ordering)
    params = {
        **q.params,
        "nullKey": "" if q.descending else NULLS_LAST_ASC,
        "afterKey": start[0] if start else None,
        "afterIri": start[1] if start else None,
        "limit": size + 1,
    }
    prop = indexed_sort(q)
    matches = (
        (_match(q, f"n.{prop} IS NOT NULL"), _match(q, f"n.{prop} IS NULL"), prop) if prop else None
    )
    compiled = list_query(info, _match(q), q.sort_expr, q.descending, count=True, split=matches)
    if compiled is not None:
        text, extra, build = compiled
        rows = await run(info, text, {**q.params, **params, **extra})
        row = rows[0]
        return build(row["items"], size, start is not None, q.ordering, row["total"])
    records = await db.read(page_cypher(q), params) if size else []
    shown = records[:size]
    items: list[tuple[str, Any, tuple[str, ...]]] = [
        (
            cursors.encode(q.ordering, str(r["k"]), r["n"]["iri"]),
            wrap(NodeRecord.from_node(r["n"])),
            (),
        )
        for r in shown
    ]

    async def count() -> int:
        rows = await db.read(count_cypher(q), q.params)
        return int(rows[0]["total"]) if rows else 0

    return make_connection(
        items, has_next=len(records) > size, has_previous=start is not None, count=count
    )
