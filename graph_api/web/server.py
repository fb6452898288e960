"""Running the API with uvicorn: what ``civicgraph serve`` and ``civicgraph up`` call.

On a machine with more than one core the API runs several worker processes (one per core, at
most :data:`MAX_DEFAULT_WORKERS`, or ``CIVICGRAPH_API_WORKERS``): one Python process is bound to
one core by its interpreter lock, while Neo4j and the clients can use them all. Each worker builds
the app itself (:func:`app_from_environment`), so each has its own lifespan, driver pool, caches
and health checks; uvicorn's supervisor restarts a worker that dies.

Each worker listens on a socket of its own, bound to the same port with ``SO_REUSEPORT``, so the
kernel spreads new connections over the workers. With uvicorn's one shared listening socket the
worker that wakes first accepts every pending connection (asyncio accepts up to 100 per wake-up):
16 keep-alive clients connecting at once all landed on one worker, and the other core idled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from civicgraph.settings import Settings, get_settings
from graph_api.web.app import create_app
from graph_api.web.listen import WorkerListener, reuse_port_socket

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
    return create_app(get_settings(), freeze_heap=True)


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
        uvicorn.run(create_app(settings, freeze_heap=True), **options)  # type: ignore[arg-type]
        return
    target = "graph_api.web.server:app_from_environment"
    if not hasattr(socket, "SO_REUSEPORT"):  # not on Linux: uvicorn's one shared socket
        uvicorn.run(target, factory=True, workers=count, **options)  # type: ignore[arg-type]
        return
    host, port = str(options["host"]), int(options["port"])  # type: ignore[call-overload]
    try:
        reuse_port_socket(host, port).close()  # the port is free (and ours) before workers start
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc)
        sys.exit(1)
    config = uvicorn.Config(target, factory=True, workers=count, **options)  # type: ignore[arg-type]
    log.info("serving on http://%s:%s with %d worker processes", host, port, count)
    with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl+C is a clean stop
        Multiprocess(config, sockets=[WorkerListener(host, port)]).run()  # type: ignore[list-item]
