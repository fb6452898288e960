"""The FastAPI application: GraphQL at /graphql, the SDL, and health/readiness probes.

The async Neo4j driver is opened in the lifespan and shared by all requests (it pools
connections); each request gets its own context (``graph_api.web.context``). The app starts even
when Neo4j is down, so ``/healthz`` answers and ``/readyz`` can say why it is not ready.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
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
from graph_api.web.graphql_post import GraphQLPost
from graph_api.web.ide import GraphiQLRouter, assets_router
from graph_api.web.request_id import RequestId
from graph_api.writes.writer import SyncWriter

log = logging.getLogger("graph_api")
STARTUP_WAIT = 10.0
READY_WAIT = 3.0


def freeze_start_up_heap() -> None:
    """Move everything start-up built (schema, ontology, driver, caches) out of the collector's
    reach. Left in, those ~340,000 objects made each full collection a pause of about half a
    second of CPU on the full graph's benchmark, stalling every request in flight on that worker
    (Q5's p95 at 16 clients); frozen, a full collection takes a few milliseconds. They live as
    long as the process, so nothing is lost by never collecting them."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None, *, freeze_heap: bool = False, lean_post: bool = True
) -> FastAPI:
    """The app; ``freeze_heap`` (what a served process wants, not a test run that builds many
    apps) freezes the start-up heap once the lifespan has started. ``lean_post=False`` sends
    JSON POSTs through the router too (``graph_api.web.graphql_post``), for comparing the two."""
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
        if freeze_heap:
            freeze_start_up_heap()
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
    schema = build_schema()
    router = GraphiQLRouter(schema, context_getter=get_context, graphql_ide="graphiql")
    app.include_router(router, prefix="/graphql")
    app.include_router(assets_router())
    app.include_router(pages_router())

    if lean_post:
        app.add_middleware(GraphQLPost, schema=schema, path="/graphql")
    app.add_middleware(RequestId)  # added last, so outermost: every answer carries the id

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
