"""Query fields beyond lists: search, paths, neighbourhoods, briefings and counts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from graph_api.cypher import roots
from graph_api.errors import bad_argument
from graph_api.queries.aggregates import AggregateFields
from graph_api.queries.briefing import MAX_INCIDENTS, Briefing, build_briefing
from graph_api.queries.connection import Node, NodeType
from graph_api.queries.db import NodeRecord
from graph_api.queries.search import SEARCH_CYPHER, SEARCH_HITS, lucene_query
from graph_api.queries.walks import WalkFields
from graph_api.votes.fields import VoteFields

MAX_HITS = 100


@strawberry.type(description="A search result and how well it matched.")
class SearchHit:
    record: strawberry.Private[NodeRecord]
    score: float

    @strawberry.field
    def node(self) -> Node:
        from graph_api.schema.entities import wrap

        return wrap(self.record)


@strawberry.type
class SearchFields:
    @strawberry.field(
        description="Full-text search over labels, alternative labels, titles, descriptions, "
        "definitions and symbols; best matches first. Words are matched as words (no Lucene "
        "syntax); the last word also as a prefix."
    )
    async def search(
        self,
        info: Info,
        text: str,
        types: list[NodeType] | None = None,
        first: int = 20,
    ) -> list[SearchHit]:
        if not 1 <= first <= MAX_HITS:
            raise bad_argument("first", f"must be between 1 and {MAX_HITS}.", "range")
        labels = sorted(t.value for t in types) if types else None
        params = {"query": lucene_query(text), "labels": labels, "limit": first}
        compiled = roots.hits_query(info, SEARCH_HITS)
        if compiled is not None:
            query, extra, build = compiled
            hits: Any = build(await roots.run(info, query, {**params, **extra}))
            return hits
        rows = await info.context.db.read(SEARCH_CYPHER, params)
        return [SearchHit(record=NodeRecord.from_node(r["node"]), score=r["score"]) for r in rows]


@strawberry.type
class BriefingFields:
    @strawberry.field(
        description="What a diplomat needs on one country: its incidents (optionally in a date "
        "range), the laws invoked, threat types, rights restricted, the resolutions and "
        "instruments protecting them, the statement and calls to action addressing the threats, "
        "and the state's memberships (FOC). Every link has its sources."
    )
    async def briefing(
        self,
        info: Info,
        country: str,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
        first: int = 100,
    ) -> Briefing:
        if first > MAX_INCIDENTS:
            raise bad_argument("first", f"must be between 1 and {MAX_INCIDENTS}.", "range")
        return await build_briefing(info, country, from_, to, first)


AnalysisFields = merge_types(
    "AnalysisFields", (SearchFields, WalkFields, BriefingFields, AggregateFields, VoteFields)
)
