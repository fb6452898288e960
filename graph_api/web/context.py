"""What every resolver gets in ``info.context``: the request's store access, loaders and caller.

Built fresh for each HTTP request by :func:`get_context`, so DataLoader caches and the query
counter never leak between requests.
"""

from __future__ import annotations

import uuid
from typing import Any

import neo4j
from fastapi import Request
from strawberry.fastapi import BaseContext

from civicgraph.settings import Settings
from graph_api.queries.batch import Loaders
from graph_api.queries.db import Db
from graph_api.web.auth import bearer_ok


class Context(BaseContext):
    def __init__(
        self,
        *,
        settings: Settings,
        driver: neo4j.AsyncDriver,
        database: str,
        writer: Any = None,
        authorised: bool = False,
        request_id: str | None = None,
    ):
        super().__init__()
        self.settings = settings
        self.db = Db(driver, database, settings.civicgraph_query_timeout)
        self.loaders = Loaders(self.db)
        self.writer = writer
        self.authorised = authorised
        self.request_id = request_id or uuid.uuid4().hex[:16]


def context_for(state: Any, authorization: str | None, request_id: str | None) -> Context:
    """The context of one GraphQL request, from the app's state (settings, driver, writer), the
    request's ``Authorization`` header and its id. Shared by the router and the plain POST path
    (``graph_api.web.graphql_post``), so both give resolvers the same thing."""
    return Context(
        settings=state.settings,
        driver=state.driver,
        database=state.database,
        writer=getattr(state, "writer", None),
        authorised=bearer_ok(authorization, state.settings),
        request_id=request_id,
    )


async def get_context(request: Request) -> Context:
    """FastAPI dependency: the context for one GraphQL request."""
    return context_for(
        request.app.state,
        request.headers.get("authorization"),
        getattr(request.state, "request_id", None),
    )
