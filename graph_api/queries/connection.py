"""Relay-style connections, generic over the node type (``Connection[Incident]`` is
``IncidentConnection`` in the schema), plus the ``Node`` interface every entity implements.

Kept free of the ontology so the generated entity types (``graph_api.schema.entities``) and the
hand-written query fields can share them.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from graph_api.queries.batch import RelSpec
from graph_api.queries.db import NodeRecord
from graph_api.schema.shape import class_names, relationship_names

T = TypeVar("T")


def dynamic_enum(name: str, values: tuple[str, ...] | list[str], description: str) -> Any:
    """A strawberry enum whose members (name = value) come from the ontology."""
    members: Any = enum.Enum(name, {v: v for v in values})  # type: ignore[misc]
    return strawberry.enum(members, description=description)


if TYPE_CHECKING:  # for type checkers, the generated enums are plain enums
    NodeType = enum.Enum
    RelationshipType = enum.Enum
    ValueStatement = Any  # generated from the ontology (graph_api.schema.entities)
else:
    NodeType = dynamic_enum(
        "NodeType",
        class_names(),
        "An ontology class (also a Neo4j label): used to filter by type.",
    )
    RelationshipType = dynamic_enum(
        "RelationshipType",
        relationship_names(),
        "A relationship type: an ontology object property in CONST_CASE.",
    )

SOURCES = RelSpec(("SOURCE",), "out")


@strawberry.interface(description="Anything with an IRI in the graph.")
class Node:
    record: strawberry.Private[NodeRecord]

    @strawberry.field(description="The node's IRI: pass it to `node(id:)`.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.iri)

    @strawberry.field(description="The node's IRI.")
    def iri(self) -> str:
        return self.record.iri

    @strawberry.field(description="The name to show: English (or untagged) unless `lang` is set.")
    def label(self, lang: str | None = None) -> str | None:
        from graph_api.schema.values import read_value

        value = read_value(self.record, "label", many=False, lang=lang)
        return None if value is None else str(value)

    @strawberry.field(description="The node's ontology classes, most general first.")
    def types(self) -> list[NodeType]:
        names = [n for n in class_names() if n in self.record.labels]
        return [getattr(NodeType, n) for n in names]

    @strawberry.field(description="The sources (dcterms:source) that state this node's facts.")
    async def sources(self, info: Info) -> list[Node]:
        from graph_api.schema.entities import wrap

        page = await info.context.loaders.rels(SOURCES).load(self.record.iri)
        return [wrap(item.node) for item in page.items]

    @strawberry.field(
        description="The datasets that record this node: those a load of which asserted it, "
        "and those it cites as its source; by label. Two datasets here means two sources record "
        "it (filter lists with `filter.dataset`)."
    )
    async def datasets(self, info: Info) -> list[Node]:
        from graph_api.schema.entities import wrap

        found = await info.context.loaders.datasets.load(self.record.iri)
        return [wrap(record) for record in found]

    @strawberry.field(description="How many datasets record this node (see `datasets`).")
    async def dataset_count(self, info: Info) -> int:
        return len(await info.context.loaders.datasets.load(self.record.iri))

    @strawberry.field(
        description="Where sources disagree on a value of this node: every value with the load "
        "that asserted it (`inLoad`, and its `dataset`) and its source; `isCurrent` marks the one "
        "the node's property holds (docs/PROVENANCE.md says which wins). By property, the current "
        "value first. Empty when no two sources disagreed."
    )
    async def value_statements(
        self,
        info: Info,
        property: Annotated[
            str | None,
            strawberry.argument(description="Only this property (ontology local name, 'endDate')."),
        ] = None,
    ) -> list[Annotated[ValueStatement, strawberry.lazy("graph_api.schema.entities")]]:
        from graph_api.queries.statements import value_statements
        from graph_api.schema.entities import wrap

        found = await value_statements(info, self.record.iri, property)
        return [wrap(record) for record in found]


@strawberry.type(description="Where a page of a connection starts and ends.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T
    source_iris: strawberry.Private[tuple[str, ...]]

    @strawberry.field(
        description="Sources of the relationship that links this node (list fields of "
        "entities); empty on top-level lists."
    )
    async def sources(self, info: Info) -> list[Node]:
        from graph_api.schema.entities import wrap

        found = await info.context.loaders.sources_of(self.source_iris)
        return [wrap(n) for n in found]


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The nodes of this page (the edges' nodes, for short).")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many nodes match, over all pages.")
    async def total_count(self) -> int:
        return await self.count()


def connection_type(node_type: Any) -> Any:
    """``Connection[node_type]`` for a type only known at run time."""
    return Connection[node_type]


def make_connection(
    items: list[tuple[str, Any, tuple[str, ...]]],
    *,
    has_next: bool,
    has_previous: bool,
    count: Callable[[], Awaitable[int]],
) -> Connection[Any]:
    """A connection from ``(cursor, node, relationship sources)`` triples."""
    edges: list[Edge[Any]] = [Edge(cursor=c, node=n, source_iris=s) for c, n, s in items]
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, count=count)
