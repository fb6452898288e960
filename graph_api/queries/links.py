"""Relationships as values: a ``Link`` between two nodes, with the sources that state it.

Used by paths, neighbourhoods and briefings. A relationship's sources are its own ``sources``
property; when that is empty the storage model says it carries its subject's sources, which are
looked up (batched) only when asked for.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

from civicgraph.model import Ontology
from graph_api.errors import bad_argument
from graph_api.queries.connection import SOURCES, Node, RelationshipType
from graph_api.queries.db import NodeRecord

# Relationship types walks skip unless asked: every node has sources and every concept a scheme,
# so following them would connect everything to everything.
HUB_TYPES = ("SOURCE", "IN_SCHEME")


@strawberry.enum(description="Which way a relationship points relative to the walk.")
class Direction(enum.Enum):
    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"


@dataclass(frozen=True)
class LinkData:
    start: NodeRecord
    end: NodeRecord
    rel_type: str
    sources: tuple[str, ...]


async def link_sources(info: Info, data: LinkData) -> list[Any]:
    from graph_api.schema.entities import wrap

    loaders = info.context.loaders
    if data.sources:
        return [wrap(n) for n in await loaders.sources_of(data.sources)]
    page = await loaders.rels(SOURCES).load(data.start.iri)
    return [wrap(item.node) for item in page.items]


def property_name(rel_type: str) -> str:
    prop = Ontology.get().relationship_types().get(rel_type)
    return prop.name if prop is not None else rel_type


@strawberry.type(description="One relationship: subject -> object, with its sources.")
class Link:
    data: strawberry.Private[LinkData]

    @strawberry.field(name="from", description="The subject of the relationship.")
    def from_(self) -> Node:
        from graph_api.schema.entities import wrap

        return wrap(self.data.start)

    @strawberry.field(description="The object of the relationship.")
    def to(self) -> Node:
        from graph_api.schema.entities import wrap

        return wrap(self.data.end)

    @strawberry.field(description="The relationship type.")
    def relationship(self) -> RelationshipType:
        return getattr(RelationshipType, self.data.rel_type)

    @strawberry.field(description="The ontology property behind the relationship type.")
    def property(self) -> str:
        return property_name(self.data.rel_type)

    @strawberry.field(description="Sources stating this relationship.")
    async def sources(self, info: Info) -> list[Node]:
        return await link_sources(info, self.data)


def relationship_types(via: list[Any] | None) -> tuple[str, ...]:
    """The allowlisted types a walk follows: ``via`` or every type but the hub ones."""
    known = Ontology.get().relationship_types()
    chosen = [v.value for v in via] if via else [t for t in sorted(known) if t not in HUB_TYPES]
    if not chosen:
        raise bad_argument("via", "name at least one relationship type.", "required")
    for name in chosen:
        if name not in known:  # the enum already ensures this; checked again before Cypher
            raise bad_argument("via", f"{name!r} is not a relationship type.", "enum")
    return tuple(dict.fromkeys(chosen))


def link_from_row(row: dict[str, Any], nodes: dict[str, NodeRecord]) -> LinkData:
    """A LinkData from ``{start, end, type, sources}`` with IRIs resolved through ``nodes``."""
    return LinkData(
        nodes[row["start"]], nodes[row["end"]], row["type"], tuple(row["sources"] or ())
    )


# A relationship row carrying both end nodes (``r`` bound in the query).
REL_WITH_NODES = "{start: startNode(r), end: endNode(r), type: type(r), sources: r.sources}"


def link_from_nodes(row: dict[str, Any]) -> LinkData:
    """A LinkData from a :data:`REL_WITH_NODES` row."""
    return LinkData(
        NodeRecord.from_node(row["start"]),
        NodeRecord.from_node(row["end"]),
        row["type"],
        tuple(row["sources"] or ()),
    )


def unique_links(rows: list[dict[str, Any]]) -> list[LinkData]:
    """Links from rows, one per (subject, type, object), in a stable order."""
    seen: dict[tuple[str, str, str], LinkData] = {}
    for row in rows:
        data = link_from_nodes(row)
        seen.setdefault((data.start.iri, data.rel_type, data.end.iri), data)
    return [seen[k] for k in sorted(seen)]
