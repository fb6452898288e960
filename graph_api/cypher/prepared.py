"""Values the compiled query has already computed, and resolvers that only read them.

A :class:`Prepared` is a dict keyed by response key (alias or field name) holding the final value
of each requested field; ``typename`` names its GraphQL object type, which is how interfaces are
resolved. :func:`install` wraps the resolvers of every output type once, at schema build: a
``Prepared`` parent is read directly (no argument conversion, no task, no node conversion);
anything else (mutations' results, fallbacks) goes to strawberry's own resolver as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
)


class Prepared(dict[str, Any]):
    __slots__ = ("typename",)

    def __init__(self, typename: str | None = None):
        super().__init__()
        self.typename = typename


def _field(original: Callable[..., Any] | None) -> Callable[..., Any]:
    fallback = original or default_field_resolver

    def resolve(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        if type(root) is Prepared:
            return root[str(info.path.key)]
        return fallback(root, info, **args)

    return resolve


def _is_type_of(name: str, original: Callable[..., Any] | None) -> Callable[..., Any]:
    def is_type_of(root: Any, info: GraphQLResolveInfo) -> Any:
        if type(root) is Prepared:
            return root.typename is None or root.typename == name
        return original(root, info) if original is not None else True

    return is_type_of


def _resolve_type(original: Callable[..., Any] | None) -> Callable[..., Any]:
    def resolve_type(root: Any, info: GraphQLResolveInfo, abstract: Any) -> Any:
        if type(root) is Prepared:
            return root.typename
        return original(root, info, abstract) if original is not None else None

    return resolve_type


def install(schema: GraphQLSchema) -> None:
    """Let every output type read :class:`Prepared` parents directly (idempotent)."""
    roots = {t.name for t in (schema.query_type, schema.mutation_type) if t is not None}
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in roots or getattr(gtype, "_prepared", False):
            continue
        if isinstance(gtype, GraphQLObjectType):
            for f in gtype.fields.values():
                f.resolve = _field(f.resolve)
            gtype.is_type_of = _is_type_of(name, gtype.is_type_of)
        elif isinstance(gtype, GraphQLInterfaceType):
            gtype.resolve_type = _resolve_type(gtype.resolve_type)
        else:
            continue
        setattr(gtype, "_prepared", True)  # noqa: B010
