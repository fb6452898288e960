"""Cypher projections for a selection, and the shapers that turn their rows into the answer.

Every node becomes a map literal ``{l: labels(v), i: v.iri, f0: ..., f1: ...}`` holding exactly
the requested properties; relationship fields become ``COLLECT`` subqueries (ordered, paged and
filtered as the per-field resolvers do) and ``totalCount`` a ``COUNT`` subquery, nested as deep
as the selection goes, so one root field is one query. Property keys and relationship types come
from the ontology (``graph_api.schema.shape``); every value, language key and page bound is a
parameter. The shapers build :class:`~graph_api.cypher.prepared.Prepared` maps that are the
answer itself: leaves serialised by their GraphQL type, ``__typename`` filled in, and on a node
only the fields whose type condition its type meets.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from graph_api.cypher import scalars
from graph_api.cypher.prepared import Prepared
from graph_api.cypher.selection import Sel, Unsupported
from graph_api.queries import cursors
from graph_api.queries.connection import NodeType
from graph_api.queries.datasets import datasets_of
from graph_api.queries.statements import STATEMENT, checked_property, subject_spec
from graph_api.schema.shape import (
    NODE,
    UNTYPED,
    RelField,
    ScalarField,
    class_names,
    type_for_labels,
    type_shapes,
)

Shaper = Callable[[Any], Any]
NEIGHBOUR_KEY = "toLower(coalesce({m}.label, ''))"
NEIGHBOURS = "neighbours:toLower(coalesce(m.label, ''))"  # the ordering name cursors carry


@cache
def scalar_fields() -> dict[str, ScalarField]:
    found: dict[str, ScalarField] = {}
    for shape in type_shapes():
        for f in shape.scalars:
            found.setdefault(f.name, f)
    return found


@cache
def relation_fields() -> dict[tuple[str, str], RelField]:
    return {(s.name, r.name): r for s in type_shapes() for r in s.relations}


@cache
def typename(labels: tuple[str, ...]) -> str:
    return type_for_labels(frozenset(labels))


@cache
def node_types(labels: tuple[str, ...]) -> list[Any]:
    return [getattr(NodeType, n) for n in class_names() if n in labels]


@cache
def applicable() -> dict[str, frozenset[str]]:
    """Each node type's name with its interfaces: the type conditions its fields answer to."""
    found = {s.name: frozenset({s.name, *s.interfaces}) for s in type_shapes()}
    found[UNTYPED] = frozenset({UNTYPED, NODE})
    return found


class Compiler:
    """Builds one query's projections; collects its parameters."""

    def __init__(self, max_page: int):
        self.max_page = max_page
        self.params: dict[str, Any] = {}
        self._vars = 0

    def param(self, value: Any) -> str:
        name = f"sel{len(self.params)}"
        self.params[name] = value
        return "$" + name

    def var(self, prefix: str) -> str:
        self._vars += 1
        return f"{prefix}{self._vars}"

    # -- nodes ---------------------------------------------------------------------------------

    def node(self, v: str, fields: dict[str, Sel]) -> tuple[str, Shaper]:
        """A map expression for node ``v`` and the shaper of its value."""
        parts = [f"l: labels({v})", f"i: {v}.iri"]
        steps: list[tuple[str, Shaper, frozenset[str]]] = []
        for sel in fields.values():
            slot = f"f{len(parts)}"
            expr, read = self._field(v, sel, slot)
            if expr is not None:
                parts.append(f"{slot}: {expr}")
            steps.append((sel.key, read, frozenset(sel.owners)))
        plans: dict[str, list[tuple[str, Shaper]]] = {}

        def shape(row: Any) -> Prepared:
            name = typename(tuple(row["l"]))
            plan = plans.get(name)
            if plan is None:
                meets = applicable().get(name, frozenset({name}))
                plan = plans[name] = [(k, read) for k, read, owners in steps if owners & meets]
            out = Prepared(name)
            for key, read in plan:
                out[key] = read(row)
            return out

        return "{" + ", ".join(parts) + "}", shape

    def _field(self, v: str, sel: Sel, slot: str) -> tuple[str | None, Shaper]:
        name = sel.name
        if name in ("id", "iri"):
            return None, lambda row: row["i"]
        if name == "__typename":
            return None, lambda row: typename(tuple(row["l"]))
        if name == "types":
            enum = sel.target
            names: dict[tuple[str, ...], list[str]] = {}

            def types(row: Any) -> list[str]:
                labels = tuple(row["l"])
                found = names.get(labels)
                if found is None:
                    found = names[labels] = [enum.serialize(t) for t in node_types(labels)]  # type: ignore[attr-defined]
                return found

            return None, types
        if name == "sources":
            return self._sources(v, sel, slot)
        if name in ("datasets", "datasetCount"):
            return self._datasets(v, sel, slot)
        if name == "valueStatements":
            return self._statements(v, sel, slot)
        spec = scalar_fields().get(name)
        if spec is not None:
            return self._scalar(v, spec, sel, slot)
        rels = {relation_fields().get((owner, name)) for owner in sel.owners}
        if len(rels) != 1 or None in rels:
            raise Unsupported(f"field {name} on {sorted(sel.owners)}")
        rel = rels.pop()
        assert rel is not None
        if rel.many:
            return self._connection(v, rel, sel, slot)
        return self._single(v, rel, sel, slot)

    def _scalar(self, v: str, spec: ScalarField, sel: Sel, slot: str) -> tuple[str, Shaper]:
        return scalars.projection(v, spec, sel, slot, self.param)

    def _sources(self, v: str, sel: Sel, slot: str) -> tuple[str, Shaper]:
        x = self.var("s")
        expr, shape = self.node(x, sel.fields)
        order = NEIGHBOUR_KEY.format(m=x)
        query = (
            f"COLLECT {{ MATCH ({v})-[:SOURCE]->({x}) WITH {x} ORDER BY {order}, {x}.iri "
            f"RETURN {expr} }}"
        )
        return query, lambda row: [shape(s) for s in row[slot]]

    def _datasets(self, v: str, sel: Sel, slot: str) -> tuple[str, Shaper]:
        d = self.var("d")
        if sel.name == "datasetCount":
            return f"COUNT {{ {datasets_of(v, d)} RETURN {d} }}", lambda row: int(row[slot])
        expr, shape = self.node(d, sel.fields)
        query = (
            f"COLLECT {{ {datasets_of(v, d)} WITH {d} ORDER BY {NEIGHBOUR_KEY.format(m=d)}, "
            f"{d}.iri RETURN {expr} }}"
        )
        return query, lambda row: [shape(x) for x in row[slot]]

    def _statements(self, v: str, sel: Sel, slot: str) -> tuple[str, Shaper]:
        """``Node.valueStatements`` (graph_api.queries.statements), in the same order."""
        wanted = checked_property(sel.args.get("property"))
        s = self.var("vs")
        expr, shape = self.node(s, sel.fields)
        rel = subject_spec().rel_types[0]
        where = f" WHERE {s}.statementProperty = {self.param(wanted)}" if wanted else ""
        query = (
            f"COLLECT {{ MATCH ({v})<-[:{rel}]-({s}:{STATEMENT}){where} WITH {s} "
            f"ORDER BY {s}.statementProperty, coalesce({s}.isCurrent, false) DESC, {s}.iri "
            f"RETURN {expr} }}"
        )
        return query, lambda row: [shape(x) for x in row[slot]]

    @staticmethod
    def _pattern(v: str, rel: RelField, r: str, m: str) -> str:
        types = "|".join(rel.rel_types)
        if rel.direction == "out":
            return f"({v})-[{r}:{types}]->({m})"
        return f"({v})<-[{r}:{types}]-({m})"

    def _single(self, v: str, rel: RelField, sel: Sel, slot: str) -> tuple[str, Shaper]:
        m = self.var("m")
        expr, shape = self.node(m, sel.fields)
        order = NEIGHBOUR_KEY.format(m=m)
        query = (
            f"head(COLLECT {{ MATCH {self._pattern(v, rel, '', m)} WITH {m} "
            f"ORDER BY {order}, {m}.iri LIMIT 1 RETURN {expr} }})"
        )
        return query, lambda row: None if row[slot] is None else shape(row[slot])

    def _connection(self, v: str, rel: RelField, sel: Sel, slot: str) -> tuple[str, Shaper]:
        size = cursors.page_size(sel.args.get("first"), self.max_page)
        after = cursors.decode(sel.args.get("after"), NEIGHBOURS)
        types = sel.args.get("types")
        labels = sorted(getattr(t, "value", t) for t in types) if types else None
        r, m, sn, k = self.var("r"), self.var("m"), self.var("sn"), self.var("k")
        pattern = self._pattern(v, rel, r, m)
        where = ""
        if labels:
            where = f" WHERE any(l IN labels({m}) WHERE l IN {self.param(labels)})"
        key_filter = ""
        if after is not None:
            ak, ai = self.param(after[0]), self.param(after[1])
            key_filter = f" WHERE {k} > {ak} OR ({k} = {ak} AND {m}.iri > {ai})"
        item, build = self.items(m, sel, edge=(r, sn), k=k)
        total = ""
        if any(s.name == "totalCount" for s in sel.fields.values()):
            c = self.var("c")
            count_pattern = self._pattern(v, rel, "", c)
            total = f"COUNT {{ MATCH {count_pattern}{where.replace(m, c)} }}"
        query = (
            f"{{items: COLLECT {{ MATCH {pattern}{where} "
            f"WITH {r}, {m}, {NEIGHBOUR_KEY.format(m=m)} AS {k}{key_filter} "
            f"WITH {r}, {m}, {k} ORDER BY {k}, {m}.iri LIMIT {self.param(size + 1)} "
            f"WITH {r}, {m}, {k}, startNode({r}) AS {sn} RETURN {item} }}"
            + (f", total: {total}" if total else "")
            + "}"
        )

        def shape(row: Any) -> Prepared:
            value = row[slot]
            return build(value["items"], size, after is not None, NEIGHBOURS, value.get("total"))

        return query, shape

    # -- connections ---------------------------------------------------------------------------

    def items(
        self, m: str, conn: Sel, edge: tuple[str, str] | None, k: str = "k"
    ) -> tuple[str, Callable[..., Prepared]]:
        """The map of one connection item (``k`` and ``i`` for cursors, then the requested node
        and edge projections) and a builder of the connection from the items."""
        parts = [f"k: {k}", f"i: {m}.iri"]
        plan: list[tuple[str, str, Any]] = []
        for sel in conn.fields.values():
            if sel.name == "edges":
                edge_type = sel.target.name
                edge_steps: list[tuple[str, str, Any]] = []
                for sub in sel.fields.values():
                    slot = f"e{len(parts)}"
                    if sub.name == "node":
                        expr, shape = self.node(m, sub.fields)
                        parts.append(f"{slot}: {expr}")
                        edge_steps.append((sub.key, "node", (slot, shape)))
                    elif sub.name == "sources":
                        if edge is None:
                            edge_steps.append((sub.key, "none", None))
                            continue
                        expr, shape = self._edge_sources(edge, sub)
                        parts.append(f"{slot}: {expr}")
                        edge_steps.append((sub.key, "sources", (slot, shape)))
                    elif sub.name == "cursor":
                        edge_steps.append((sub.key, "cursor", None))
                    elif sub.name == "__typename":
                        edge_steps.append((sub.key, "const", edge_type))
                    else:
                        raise Unsupported(f"edge field {sub.name}")
                plan.append((sel.key, "edges", (edge_type, edge_steps)))
            elif sel.name == "nodes":
                slot = f"e{len(parts)}"
                expr, shape = self.node(m, sel.fields)
                parts.append(f"{slot}: {expr}")
                plan.append((sel.key, "nodes", (slot, shape)))
            elif sel.name == "pageInfo":
                unknown = {f.name for f in sel.fields.values()} - set(PAGE_INFO)
                if unknown:
                    raise Unsupported(f"pageInfo fields {sorted(unknown)}")
                plan.append((sel.key, "pageInfo", sel.fields))
            elif sel.name == "totalCount":
                plan.append((sel.key, "totalCount", None))
            elif sel.name == "__typename":
                plan.append((sel.key, "const", conn.target.name))
            else:
                raise Unsupported(f"connection field {sel.name}")
        conn_type = conn.target.name

        def build(
            items: list[Any], size: int, has_previous: bool, ordering: str, total: Any
        ) -> Prepared:
            shown = items[:size]
            has_next = len(items) > size
            out = Prepared(conn_type)
            marks: list[str] | None = None

            def cursor_list() -> list[str]:
                nonlocal marks
                if marks is None:
                    marks = [cursors.encode(ordering, str(it["k"]), it["i"]) for it in shown]
                return marks

            for key, kind, arg in plan:
                if kind == "edges":
                    edge_type, steps = arg
                    edges = []
                    for n, it in enumerate(shown):
                        e = Prepared(edge_type)
                        for ekey, ekind, earg in steps:
                            if ekind == "cursor":
                                e[ekey] = cursor_list()[n]
                            elif ekind == "none":
                                e[ekey] = []
                            elif ekind == "const":
                                e[ekey] = earg
                            elif ekind == "node":
                                e[ekey] = earg[1](it[earg[0]])
                            else:
                                e[ekey] = [earg[1](s) for s in it[earg[0]]]
                        edges.append(e)
                    out[key] = edges
                elif kind == "nodes":
                    out[key] = [arg[1](it[arg[0]]) for it in shown]
                elif kind == "totalCount":
                    out[key] = int(total or 0)
                elif kind == "const":
                    out[key] = arg
                else:
                    out[key] = _page_info(arg, has_next, has_previous, cursor_list)
            return out

        return "{" + ", ".join(parts) + "}", build

    def _edge_sources(self, edge: tuple[str, str], sel: Sel) -> tuple[str, Shaper]:
        """The relationship's own ``sources``, else its subject's (the storage model's rule).

        One ``UNWIND`` over the chosen IRIs: subqueries inside ``CASE`` are planned as nested
        expressions that cannot use the IRI index."""
        r, sn = edge
        x, y, sid = self.var("s"), self.var("s"), self.var("sid")
        node, shape = self.node(x, sel.fields)
        query = (
            f"COLLECT {{ UNWIND CASE WHEN size(coalesce({r}.sources, [])) > 0 THEN {r}.sources "
            f"ELSE [({sn})-[:SOURCE]->({y}) | {y}.iri] END AS {sid} "
            f"MATCH ({x}:Resource {{iri: {sid}}}) RETURN {node} }}"
        )
        return query, shape


PAGE_INFO: dict[str, Callable[[bool, bool, Callable[[], list[str]]], Any]] = {
    "hasNextPage": lambda nxt, prev, marks: nxt,
    "hasPreviousPage": lambda nxt, prev, marks: prev,
    "startCursor": lambda nxt, prev, marks: marks()[0] if marks() else None,
    "endCursor": lambda nxt, prev, marks: marks()[-1] if marks() else None,
    "__typename": lambda nxt, prev, marks: "PageInfo",
}


def _page_info(
    fields: dict[str, Sel], has_next: bool, has_previous: bool, marks: Callable[[], list[str]]
) -> Prepared:
    info = Prepared("PageInfo")
    for sel in fields.values():
        info[sel.key] = PAGE_INFO[sel.name](has_next, has_previous, marks)
    return info
