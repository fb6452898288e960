"""Running the API with uvicorn: what ``civicgraph serve`` and ``civicgraph up`` call.

On a machine with more than one core the API runs several worker processes (one per core, at
most :data:`MAX_DEFAULT_WORKERS`, or ``CIVICGRAPH_API_WORKERS``): one Python process is bound to
one core by its interpreter lock, while Neo4j and the clients can use them all. Each worker builds
the app itself (:func:`app_from_environment`), so each has its own lifespan, driver pool, caches
and health checks; uvicorn's supervisor restarts a worker that dies.
"""

from __future__ import annotations

import logging
import os

import uvicorn
from fastapi import FastAPI

from civicgraph.settings import Settings, get_settings
from graph_api.web.app import create_app

MAX_DEFAULT_WORKERS = 4
log = logging.getLogger("graph_api")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(settings: Settings) -> int:
    """``CIVICGRAPH_API_WORKERS`` when set, else one per core up to the default maximum."""
    if settings.civicgraph_api_workers is not None:
        return max(1, settings.civicgraph_api_workers)
    return min(cores(), MAX_DEFAULT_WORKERS)


def app_from_environment() -> FastAPI:
    """The app of one worker process, configured from the environment like its parent."""
    return create_app(get_settings())


def serve(
    settings: Settings | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> None:
    """Serve until interrupted. Host and port default to CIVICGRAPH_API_HOST/PORT.

    Blocks; Neo4j should already be running (``/readyz`` says 503 until it answers). Workers
    read their settings from the environment, so settings built otherwise (tests) are served by
    one process.
    """
    settings = settings or get_settings()
    count = workers or worker_count(settings)
    options = {
        "host": host or settings.civicgraph_api_host,
        "port": port or settings.civicgraph_api_port,
        "log_level": "info",
        "proxy_headers": False,
    }
    if count > 1 and settings != get_settings():
        log.warning("settings differ from the environment: serving with one process")
        count = 1
    if count == 1:
        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    uvicorn.run(
        "graph_api.web.server:app_from_environment",
        factory=True,
        workers=count,
        **options,  # type: ignore[arg-type]
    )
