"""The strawberry schema: generated entity types, the query fields, and the safety extensions.

Limits: query depth by our ``DepthLimit`` (fields on the longest chain, leaf included), aliases and
tokens by strawberry's validators; page sizes by ``civicgraph_max_page_size``; text searches by
``civicgraph_max_text_length`` and ``civicgraph_max_text_searches`` (``TextBudget``); each Cypher
query by ``civicgraph_query_timeout``. Internal errors are masked (see ``graph_api.errors``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, Info

from graph_api.cypher.prepared import PreparedExecution
from graph_api.errors import MaskInternalErrors, not_found
from graph_api.queries.list_fields import ListFields
from graph_api.schema import entities
from graph_api.schema.extensions import DepthLimit, DocumentCache, RequestStats, TextBudget

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000


@strawberry.type
class NodeFields:
    @strawberry.field(description="The node with this IRI, as its most specific type.")
    async def node(self, info: Info, id: strawberry.ID) -> entities.Node | None:
        from graph_api.cypher import roots

        compiled = await roots.node(info, str(id))
        if compiled is not False:
            if compiled is None:
                raise not_found(str(id))
            return compiled
        record = await info.context.loaders.nodes.load(str(id))
        if record is None:
            raise not_found(str(id))
        return entities.wrap(record)


def _query_type() -> type:
    from graph_api.queries.analysis import AnalysisFields

    return merge_types("Query", (NodeFields, ListFields, AnalysisFields))


class Schema(strawberry.Schema):
    """Logs only what the masking extension hides (with its request id), not user mistakes."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


@cache
def build_schema() -> Schema:
    from graph_api.writes.mutations import Mutation

    # Factories, so each request gets fresh extension instances.
    extensions: list[Any] = [
        lambda: DepthLimit(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        DocumentCache,
        TextBudget,
        MaskInternalErrors,
        RequestStats,
    ]
    schema = Schema(
        query=_query_type(),
        mutation=Mutation,
        types=entities.concrete_types(),
        extensions=extensions,
        execution_context_class=PreparedExecution,
    )
    return schema
