"""The FastAPI application: GraphQL at /graphql, the SDL, and health/readiness probes.

The async Neo4j driver is opened in the lifespan and shared by all requests (it pools
connections); each request gets its own context (``graph_api.web.context``). The app starts even
when Neo4j is down, so ``/healthz`` answers and ``/readyz`` can say why it is not ready.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from neo4j.exceptions import DriverError, Neo4jError

from civicgraph import store
from civicgraph.errors import StoreUnavailable
from civicgraph.settings import Settings, get_settings
from graph_api.pages.routes import router as pages_router
from graph_api.queries.indexes import ensure_order_indexes
from graph_api.queries.search import ensure_search_index
from graph_api.schema.build import build_schema
from graph_api.schema.sdl import render_sdl
from graph_api.web.context import get_context
from graph_api.web.ide import GraphiQLRouter, assets_router
from graph_api.writes.writer import SyncWriter

log = logging.getLogger("graph_api")
STARTUP_WAIT = 10.0
READY_WAIT = 3.0


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Walks name every relationship type; Neo4j warns about types no data uses yet.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.database = store.database(settings)
        app.state.driver = store.open_async_driver(settings)
        app.state.writer = SyncWriter(settings)
        try:
            await asyncio.wait_for(store.verify_async(app.state.driver, settings), STARTUP_WAIT)
            await ensure_search_index(app.state.driver, app.state.database)
            await ensure_order_indexes(app.state.driver, app.state.database)
        except (StoreUnavailable, TimeoutError, Neo4jError, DriverError) as exc:
            log.warning("serving without a ready store (search index not checked): %s", exc)
        try:
            yield
        finally:
            app.state.writer.close()
            await app.state.driver.close()

    app = FastAPI(
        title="Civic Space Graph",
        summary="GraphQL API over the civic-space knowledge graph.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    router = GraphiQLRouter(build_schema(), context_getter=get_context, graphql_ide="graphiql")
    app.include_router(router, prefix="/graphql")
    app.include_router(assets_router())
    app.include_router(pages_router())

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = uuid.uuid4().hex[:16]
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["X-Request-Id"] = rid
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process is up (says nothing about Neo4j)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        """Neo4j answers a query; else 503 with why: unreachable, credentials, database."""
        state = request.app.state
        try:
            await asyncio.wait_for(store.probe_async(state.driver, state.settings), READY_WAIT)
        except Exception as exc:  # any failure means "not ready"; the reason is shown
            reason, detail = store.diagnose(state.settings, exc)
            log.warning("readiness check failed (%s): %s", reason, detail)
            body = {"status": "unavailable", "reason": reason, "detail": detail}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/schema.graphql", include_in_schema=False)
    async def schema_sdl() -> PlainTextResponse:
        return PlainTextResponse(render_sdl(), media_type="application/graphql; charset=utf-8")

    return app
