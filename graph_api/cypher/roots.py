"""Compiled root fields: ``node(id:)`` and the top-level lists, one Cypher query each.

Each function returns ``None`` when the selection cannot be compiled (:class:`Unsupported`, or an
argument error that the per-field resolver reports at its own path); the caller then resolves as
before. Arguments of the root field itself are checked by the caller, so their errors are the same
on both paths.
"""

from __future__ import annotations

from typing import Any

from graphql import get_named_type
from strawberry.types import Info

from graph_api.cypher.prepared import Prepared, PreparedList
from graph_api.cypher.project import Compiler
from graph_api.cypher.selection import Collector, Sel, Unsupported
from graph_api.errors import UserError

_PLANNED: set[str] = set()


async def run(info: Info, text: str, params: dict[str, Any]) -> list[Any]:
    """Run a compiled query; its first run in this process may take longer (it is planned)."""
    rows = await info.context.db.read(text, params, first_plan=text not in _PLANNED)
    _PLANNED.add(text)
    return list(rows)


def root_selection(info: Info) -> Sel:
    """The root field's merged selection (as a :class:`Sel` with the field's own definition)."""
    raw = info._raw_info
    definition = raw.parent_type.fields[raw.field_name]
    fields = Collector(raw).fields(
        get_named_type(raw.return_type), [n.selection_set for n in raw.field_nodes]
    )
    return Sel(str(raw.path.key), raw.field_name, {raw.parent_type.name}, definition, {}, fields)


def compiler(info: Info) -> Compiler:
    return Compiler(info.context.settings.civicgraph_max_page_size)


def node_query(info: Info) -> tuple[str, dict[str, Any], Any] | None:
    """``MATCH`` one node by IRI (``$id``) and project the selection on it."""
    try:
        sel = root_selection(info)
        c = compiler(info)
        expr, shape = c.node("n", sel.fields)
    except (Unsupported, UserError):
        return None
    return f"MATCH (n:Resource {{iri: $id}}) RETURN {expr} AS v", c.params, shape


async def node(info: Info, iri: str) -> Any:
    """The compiled ``node(id:)``: a Prepared node, None when absent, False when not compiled."""
    compiled = node_query(info)
    if compiled is None:
        return False
    text, params, shape = compiled
    rows = await run(info, text, {**params, "id": iri})
    return shape(rows[0]["v"]) if rows else None


def list_query(
    info: Info,
    match: str,
    sort_expr: str,
    descending: bool,
    count: bool,
    split: tuple[str, str, str] | None = None,
) -> tuple[str, dict[str, Any], Any] | None:
    """One page of a top-level list (``$nullKey``, ``$afterKey``, ``$afterIri``, ``$limit``
    are the caller's) with ``totalCount`` in the same query when it is asked for.

    ``split``: the matches with and without an indexed date property, and the property. The
    dated nodes are then read in index order and only as many as the page needs; the undated
    ones (their key is ``$nullKey``, last in either direction) only when the page is not full
    (an UNWIND of nothing, since the planner moves a WHERE on ``head`` below their scan)."""
    try:
        sel = root_selection(info)
        c = compiler(info)
        item, build = c.items("n", sel, edge=None)
    except (Unsupported, UserError):
        return None
    op, order = ("<", "DESC") if descending else (">", "ASC")
    wants_total = count and any(s.name == "totalCount" for s in sel.fields.values())
    after = (
        f"WHERE $afterKey IS NULL OR k {op} $afterKey OR (k = $afterKey AND n.iri {op} $afterIri)"
    )
    if split is None:
        page = f"""{match}
WITH n, coalesce({sort_expr}, $nullKey) AS k
{after}
WITH n, k ORDER BY k {order}, n.iri {order} LIMIT $limit"""
    else:
        dated, undated, prop = split
        page = f"""CALL () {{
{dated}
WITH n, toString(n.{prop}) AS k
{after}
WITH n, k ORDER BY n.{prop} {order}, n.iri {order} LIMIT $limit
RETURN collect({{n: n, k: k}}) AS head
}}
CALL (head) {{
UNWIND CASE WHEN size(head) < $limit THEN [true] ELSE [] END AS more
{undated}
WITH n, $nullKey AS k
{after}
WITH n, k ORDER BY n.iri {order} LIMIT $limit
RETURN collect({{n: n, k: k}}) AS tail
}}
UNWIND (head + tail)[..$limit] AS row
WITH row.n AS n, row.k AS k"""
    text = f"""CALL () {{
{page}
RETURN collect({item}) AS items
}}
RETURN items, {f"COUNT {{ {match} }}" if wants_total else "null"} AS total"""
    return text, c.params, build


SEARCH_HIT = "SearchHit"


def hits_query(info: Info, head: str) -> tuple[str, dict[str, Any], Any] | None:
    """Search hits: ``head`` yields ``node`` and ``score`` in order; each requested ``node``
    (aliases included) is projected, so no hit is converted whole."""
    try:
        sel = root_selection(info)
        c = compiler(info)
        slots: list[str] = []
        steps: list[tuple[str, str | None, Any]] = []
        for field in sel.fields.values():
            if field.name == "score":
                steps.append((field.key, None, None))
            elif field.name == "__typename":
                steps.append((field.key, SEARCH_HIT, None))
            elif field.name == "node":
                expr, shape = c.node("node", field.fields)
                slots.append(f"{expr} AS h{len(slots)}")
                steps.append((field.key, f"h{len(slots) - 1}", shape))
            else:
                raise Unsupported(f"search hit field {field.name}")
    except (Unsupported, UserError):
        return None
    text = f"{head}\nRETURN {', '.join(['score', *slots])}"

    def build(rows: list[Any]) -> PreparedList:
        hits = PreparedList()
        for row in rows:
            hit = Prepared(SEARCH_HIT)
            for key, slot, shape in steps:
                if slot is None:
                    hit[key] = float(row["score"])
                elif shape is None:
                    hit[key] = slot
                else:
                    hit[key] = shape(row[slot])
            hits.append(hit)
        return hits

    return text, c.params, build
