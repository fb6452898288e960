"""The compiled ``paths`` field: the path nodes projected as the selection asks, in the same query.

The per-field path returns every node of every path whole and converts each one; here the start
node and the nodes reached by the steps get the projections of their own sub-selections (the
compiler's map literals, subqueries included), and the relationships only their ends and type, so
the answer costs what was asked. The order is the per-field one (by each path's relationship
keys). A step's ``sources`` is not compiled (it looks up source nodes by IRI): a selection asking
for it is resolved as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.types import Info

from graph_api.cypher.prepared import Prepared, PreparedList
from graph_api.cypher.roots import compiler, root_selection
from graph_api.cypher.selection import Sel, Unsupported
from graph_api.errors import UserError
from graph_api.queries.connection import RelationshipType
from graph_api.queries.links import Direction, property_name

PATH, STEP = "Path", "PathStep"
KEY_ROW = "{start: startNode(r).iri, end: endNode(r).iri, type: type(r)}"


def _forward(item: dict[str, Any], i: int, rel: dict[str, Any]) -> bool:
    return bool(rel["start"] == item["iris"][i])


# How each asked step field is filled from its shape or enum, the path row, the step's index and
# its relationship row; ``__typename`` (absent here) is the type's name.
STEP_VALUES: dict[str, Callable[[Any, dict[str, Any], int, dict[str, Any]], Any]] = {
    "node": lambda shape, item, i, rel: shape(item["n"][i]),
    "relationship": lambda enum, _, i, rel: enum.serialize(getattr(RelationshipType, rel["type"])),
    "direction": lambda enum, item, i, rel: enum.serialize(
        Direction.OUTGOING if _forward(item, i, rel) else Direction.INCOMING
    ),
    "property": lambda _, item, i, rel: property_name(rel["type"]),
}


def _step_plan(c: Any, step: Sel) -> tuple[str | None, list[tuple[str, str, Any]]]:
    """The reached node's projection (over ``px``) and how to fill each asked step field."""
    node_expr: str | None = None
    plan: list[tuple[str, str, Any]] = []
    for sel in step.fields.values():
        if sel.name == "node":
            node_expr, shape = c.node("px", sel.fields)
            plan.append((sel.key, "node", shape))
        elif sel.name in ("relationship", "direction", "property", "__typename"):
            plan.append((sel.key, sel.name, sel.target))
        else:
            raise Unsupported(f"path step field {sel.name}")
    return node_expr, plan


def paths_query(
    info: Info, match: str, limit: int
) -> tuple[str, dict[str, Any], Callable[[list[Any]], PreparedList]] | None:
    """``match`` binds ``a``, ``b`` and the paths ``p`` (already limited); the query returns
    ``found`` (which ends exist) and ``paths``, and ``build`` their answer, ``limit`` of them."""
    try:
        sel = root_selection(info)
        c = compiler(info)
        start_expr, start_shape = "null", None
        steps_expr, step_plan = "[]", None
        plan: list[tuple[str, str]] = []
        for field in sel.fields.values():
            if field.name == "start":
                expr, start_shape = c.node("ps", field.fields)
                start_expr = f"head(COLLECT {{ WITH head(nodes(p)) AS ps RETURN {expr} }})"
            elif field.name == "steps":
                node_expr, step_plan = _step_plan(c, field)
                if node_expr is not None:
                    steps_expr = f"COLLECT {{ UNWIND tail(nodes(p)) AS px RETURN {node_expr} }}"
            elif field.name not in ("length", "__typename"):
                raise Unsupported(f"path field {field.name}")
            plan.append((field.key, field.name))
    except (Unsupported, UserError):
        return None
    text = f"""{match}
  RETURN collect({{iris: [x IN nodes(p) | x.iri], rels: [r IN relationships(p) | {KEY_ROW}],
    s: {start_expr}, n: {steps_expr}}}) AS paths
}}
RETURN [a IS NOT NULL, b IS NOT NULL] AS found, paths"""

    def steps(item: dict[str, Any]) -> list[Prepared]:
        out = []
        for i, rel in enumerate(item["rels"]):
            step = Prepared(STEP)
            for key, kind, arg in step_plan or ():
                fill = STEP_VALUES.get(kind)
                step[key] = fill(arg, item, i, rel) if fill else STEP
            out.append(step)
        return out

    path_values: dict[str, Callable[[dict[str, Any]], Any]] = {
        "start": lambda item: start_shape(item["s"]) if start_shape else None,
        "steps": steps,
        "length": lambda item: len(item["rels"]),
    }

    def build(paths: list[Any]) -> PreparedList:
        ordered = sorted(
            paths, key=lambda p: tuple(f"{r['type']}:{r['start']}>{r['end']}" for r in p["rels"])
        )
        answer = PreparedList()
        for item in ordered[:limit]:
            path = Prepared(PATH)
            for key, name in plan:
                fill = path_values.get(name)
                path[key] = fill(item) if fill else PATH
            answer.append(path)
        return answer

    return text, c.params, build
