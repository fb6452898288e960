"""Running the API with uvicorn: what ``civicgraph serve`` and ``civicgraph up`` call."""

from __future__ import annotations

import uvicorn

from civicgraph.settings import Settings, get_settings
from graph_api.app import create_app


def serve(
    settings: Settings | None = None, *, host: str | None = None, port: int | None = None
) -> None:
    """Serve until interrupted. Host and port default to CIVICGRAPH_API_HOST/PORT.

    Blocks; Neo4j should already be running (``/readyz`` says 503 until it answers).
    """
    settings = settings or get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.civicgraph_api_host,
        port=port or settings.civicgraph_api_port,
        log_level="info",
        proxy_headers=False,
    )
