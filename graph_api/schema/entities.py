"""Strawberry types generated from the ontology at import time (see ``graph_api.schema.shape``).

Nothing here names a class or property: each :class:`~graph_api.schema.shape.TypeShape` becomes a
strawberry interface or object type whose fields read the stored node (scalars) or go through
the batched relationship loaders (relationships). The generated classes are put in this module's
namespace so that strawberry can resolve the forward references between them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph_api.queries import cursors
from graph_api.queries.batch import NEIGHBOUR_KEY, Linked, RelSpec
from graph_api.queries.connection import Connection, Node, NodeType, make_connection
from graph_api.queries.db import NodeRecord
from graph_api.schema.shape import (
    NODE,
    UNTYPED,
    RelField,
    ScalarField,
    TypeShape,
    type_for_labels,
    type_shapes,
)
from graph_api.schema.values import python_type, read_value

TYPES: dict[str, type] = {NODE: Node}
_MODULE = sys.modules[__name__]
LangArg = Annotated[
    str | None, strawberry.argument(description="A language tag; the English value if absent.")
]
TypesArg = Annotated[
    list[NodeType] | None,
    strawberry.argument(description="Only nodes of these classes."),
]


def wrap(record: NodeRecord) -> Any:
    """The GraphQL object for a stored node: an instance of its most specific class's type."""
    return TYPES[type_for_labels(record.labels)](record=record)


def _scalar_field(spec: ScalarField) -> Any:
    base: Any = python_type(spec.scalar)
    gql_type = list[base] if spec.many else base | None

    if spec.tagged:

        def resolve_tagged(root: Any, lang: LangArg = None) -> Any:
            return read_value(root.record, spec.name, many=spec.many, lang=lang)

        resolver: Callable[..., Any] = resolve_tagged
    else:

        def resolve_plain(root: Any) -> Any:
            return read_value(root.record, spec.name, many=spec.many)

        resolver = resolve_plain
    return strawberry.field(resolver=resolver, description=spec.description, graphql_type=gql_type)


def _single_field(spec: RelField) -> Any:
    rel = RelSpec(spec.rel_types, spec.direction)

    async def resolve(root: Any, info: Info) -> Any:
        page = await info.context.loaders.rels(rel).load(root.record.iri)
        return wrap(page.items[0].node) if page.items else None

    return strawberry.field(
        resolver=resolve, description=spec.description, graphql_type=f"{spec.target} | None"
    )


async def relationship_page(
    info: Info,
    iri: str,
    rel_types: tuple[str, ...],
    direction: str,
    first: int | None,
    after: str | None,
    types: list[Any] | None,
) -> Connection[Any]:
    """One page of a node's neighbours over some relationship types, ordered by label."""
    ordering = f"neighbours:{NEIGHBOUR_KEY}"
    size = cursors.page_size(first, info.context.settings.civicgraph_max_page_size)
    labels = tuple(sorted(t.value for t in types)) if types else None
    window = RelSpec(rel_types, direction, labels, size + 1, cursors.decode(after, ordering))
    page = await info.context.loaders.rels(window).load(iri)
    shown: list[Linked] = page.items[:size]
    items = [
        (cursors.encode(ordering, it.key, it.node.iri), wrap(it.node), it.sources) for it in shown
    ]
    total = page.total

    async def count() -> int:
        return total

    return make_connection(
        items, has_next=len(page.items) > size, has_previous=after is not None, count=count
    )


def _many_field(spec: RelField) -> Any:
    async def resolve(
        root: Any,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        types: TypesArg = None,
    ) -> Any:
        return await relationship_page(
            info, root.record.iri, spec.rel_types, spec.direction, first, after, types
        )

    return strawberry.field(
        resolver=resolve,
        description=spec.description,
        graphql_type=f"Connection[{spec.target}]",
        deprecation_reason=spec.deprecation,
    )


def _build(shape: TypeShape) -> type:
    namespace: dict[str, Any] = {"__module__": __name__, "__doc__": shape.description}
    for scalar in shape.scalars:
        namespace[scalar.name] = _scalar_field(scalar)
    for rel in shape.relations:
        namespace[rel.name] = _many_field(rel) if rel.many else _single_field(rel)
    cls = type(shape.name, tuple(TYPES[b] for b in shape.bases), namespace)
    decorate = strawberry.interface if shape.interface else strawberry.type
    return decorate(cls, name=shape.name, description=shape.description)


def _build_all() -> None:
    shapes = {s.name: s for s in type_shapes()}
    pending = sorted(shapes)
    while pending:
        for name in list(pending):
            shape = shapes[name]
            if all(b in TYPES for b in shape.bases):
                TYPES[name] = _build(shape)
                setattr(_MODULE, name, TYPES[name])
                pending.remove(name)


@strawberry.type(name=UNTYPED, description="A node the store knows only by its IRI.")
class Resource(Node):
    pass


TYPES[UNTYPED] = Resource
_build_all()


def concrete_types() -> list[type]:
    """Every object type, so that the schema includes those reachable only through interfaces."""
    return [t for name, t in sorted(TYPES.items()) if name == UNTYPED or not _is_interface(t)]


def _is_interface(t: type) -> bool:
    definition = getattr(t, "__strawberry_definition__", None)
    return bool(definition and definition.is_interface)
