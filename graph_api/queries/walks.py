"""Walking the graph: shortest typed paths between two nodes, and a node's neighbourhood.

Hop counts are capped (they go into the query text as validated integers, since Cypher cannot
take a variable-length bound as a parameter); relationship types come from the ``via`` enum,
itself generated from the ontology. Results are sorted in Python so they are stable.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph_api.cypher.roots import run
from graph_api.cypher.walks import paths_query
from graph_api.errors import bad_argument, not_found
from graph_api.queries.connection import Node, NodeType, RelationshipType
from graph_api.queries.db import NodeRecord
from graph_api.queries.links import (
    Direction,
    Link,
    LinkData,
    link_from_row,
    link_sources,
    property_name,
)
from graph_api.queries.links import relationship_types as walk_types

MAX_HOPS = 6
MAX_DEPTH = 3
MAX_PATHS = 50
MAX_NEIGHBOURS = 200

REL_ROW = "{start: startNode(r).iri, end: endNode(r).iri, type: type(r), sources: r.sources}"


def _check_range(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise bad_argument(name, f"must be between {low} and {high}, not {value}.", "range")
    return value


def paths_match(types: tuple[str, ...], hops: int) -> str:
    """Both ends and the paths ``p`` between them, inside a ``CALL (a, b)`` left open for the
    caller's ``RETURN ... }``."""
    return f"""
OPTIONAL MATCH (a:Resource {{iri: $from}})
OPTIONAL MATCH (b:Resource {{iri: $to}})
CALL (a, b) {{
  WITH a, b WHERE a IS NOT NULL AND b IS NOT NULL
  MATCH p = allShortestPaths((a)-[:{"|".join(types)}*..{int(hops)}]-(b))
  WITH p LIMIT $limit"""


def paths_cypher(types: tuple[str, ...], hops: int) -> str:
    """Both ends checked and the paths found in one round trip (``found`` says which ends exist)."""
    return f"""{paths_match(types, hops)}
  RETURN collect({{nodes: nodes(p), rels: [r IN relationships(p) | {REL_ROW}]}}) AS paths
}}
RETURN [a IS NOT NULL, b IS NOT NULL] AS found, paths
"""


def neighbourhood_cypher(types: tuple[str, ...], depth: int) -> str:
    rel = "|".join(types)
    return f"""
MATCH (c:Resource {{iri: $id}})
OPTIONAL MATCH p = (c)-[:{rel}*1..{int(depth)}]-(m)
WHERE m <> c AND ($labels IS NULL OR any(l IN labels(m) WHERE l IN $labels))
WITH c, m, min(length(p)) AS d
ORDER BY d, toLower(coalesce(m.label, '')), m.iri
WITH c, [x IN collect(m) WHERE x IS NOT NULL][..$limit] AS ms
CALL (c, ms) {{
  WITH [c] + ms AS inside
  UNWIND inside AS x
  MATCH (x)-[r:{rel}]->(y) WHERE y IN inside
  RETURN collect({REL_ROW}) AS rels
}}
RETURN c, ms, rels
"""


@strawberry.type(description="One step of a path: the relationship taken and the node reached.")
class PathStep:
    data: strawberry.Private[LinkData]
    walked_forward: strawberry.Private[bool]

    @strawberry.field(description="The node this step arrives at.")
    def node(self) -> Node:
        from graph_api.schema.entities import wrap

        return wrap(self.data.end if self.walked_forward else self.data.start)

    @strawberry.field
    def relationship(self) -> RelationshipType:
        return getattr(RelationshipType, self.data.rel_type)

    @strawberry.field(description="The ontology property behind the relationship type.")
    def property(self) -> str:
        return property_name(self.data.rel_type)

    @strawberry.field(description="OUTGOING when the relationship points along the walk.")
    def direction(self) -> Direction:
        return Direction.OUTGOING if self.walked_forward else Direction.INCOMING

    @strawberry.field(description="Sources stating this relationship.")
    async def sources(self, info: Info) -> list[Node]:
        return await link_sources(info, self.data)


@strawberry.type(description="A path from one node to another.")
class Path:
    start_record: strawberry.Private[NodeRecord]
    steps: list[PathStep]

    @strawberry.field
    def start(self) -> Node:
        from graph_api.schema.entities import wrap

        return wrap(self.start_record)

    @strawberry.field(description="Number of relationships.")
    def length(self) -> int:
        return len(self.steps)


@strawberry.type(description="A node, the nodes around it and the relationships among them.")
class Neighborhood:
    center_record: strawberry.Private[NodeRecord]
    records: strawberry.Private[list[NodeRecord]]
    links: list[Link]

    @strawberry.field
    def center(self) -> Node:
        from graph_api.schema.entities import wrap

        return wrap(self.center_record)

    @strawberry.field(description="Neighbours, nearest first, then by label.")
    def nodes(self) -> list[Node]:
        from graph_api.schema.entities import wrap

        return [wrap(r) for r in self.records]


def _path(row: Any) -> Path:
    records = [NodeRecord.from_node(n) for n in row["nodes"]]
    by_iri = {r.iri: r for r in records}
    steps = []
    for i, rel in enumerate(row["rels"]):
        data = link_from_row(rel, by_iri)
        steps.append(PathStep(data=data, walked_forward=data.start.iri == records[i].iri))
    return Path(start_record=records[0], steps=steps)


async def _require(info: Info, *iris: str) -> None:
    found = await info.context.loaders.nodes.load_many(list(iris))
    for iri, record in zip(iris, found, strict=True):
        if record is None:
            raise not_found(iri)


@strawberry.type
class WalkFields:
    @strawberry.field(description="Shortest paths between two nodes over typed relationships.")
    async def paths(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_hops: int = 4,
        via: list[RelationshipType] | None = None,
        first: int = 10,
    ) -> list[Path]:
        hops = _check_range("maxHops", max_hops, 1, MAX_HOPS)
        limit = _check_range("first", first, 1, MAX_PATHS)
        if str(from_) == str(to):
            raise bad_argument("to", "`from` and `to` are the same node.", "distinct")
        types = walk_types(via)
        params = {"from": str(from_), "to": str(to), "limit": MAX_PATHS}
        compiled = paths_query(info, paths_match(types, hops), limit)
        if compiled is not None:
            text, extra, _ = compiled
            rows = await run(info, text, {**params, **extra})
        else:
            rows = await info.context.db.read(paths_cypher(types, hops), params)
        for iri, exists in zip((str(from_), str(to)), rows[0]["found"], strict=True):
            if not exists:
                raise not_found(iri)
        if compiled is not None:
            answer: Any = compiled[2](rows[0]["paths"])
            return answer
        found = sorted((_path(r) for r in rows[0]["paths"]), key=_path_key)
        return found[:limit]

    @strawberry.field(description="The nodes within `depth` relationships of a node.")
    async def neighborhood(
        self,
        info: Info,
        id: strawberry.ID,
        depth: int = 1,
        types: list[NodeType] | None = None,
        via: list[RelationshipType] | None = None,
        first: int = 50,
    ) -> Neighborhood:
        depth = _check_range("depth", depth, 1, MAX_DEPTH)
        limit = _check_range("first", first, 1, MAX_NEIGHBOURS)
        await _require(info, str(id))
        labels = sorted(t.value for t in types) if types else None
        rows = await info.context.db.read(
            neighbourhood_cypher(walk_types(via), depth),
            {"id": str(id), "labels": labels, "limit": limit},
        )
        row = rows[0]
        center = NodeRecord.from_node(row["c"])
        records = [NodeRecord.from_node(m) for m in row["ms"]]
        by_iri = {r.iri: r for r in [center, *records]}
        links = sorted(
            (link_from_row(r, by_iri) for r in row["rels"]),
            key=lambda d: (d.start.iri, d.rel_type, d.end.iri),
        )
        return Neighborhood(
            center_record=center, records=records, links=[Link(data=d) for d in links]
        )


def _path_key(path: Path) -> tuple[str, ...]:
    return tuple(f"{s.data.rel_type}:{s.data.start.iri}>{s.data.end.iri}" for s in path.steps)
