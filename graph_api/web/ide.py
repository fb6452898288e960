"""GraphiQL at ``GET /graphql`` served from this project, so it works without internet.

Strawberry's own page loads React and GraphiQL from a public CDN and stays on "Loading..."
offline. Ours (``graph_api/graphiql/index.html``) loads the same kind of bundles from
``/graphiql/...``: pinned in ``graph_api/graphiql/package-lock.json`` and put into its git-ignored
``node_modules`` by ``make install`` (``npm ci``). Only the files named in ``ASSETS`` are served,
and the page's Content-Security-Policy lets it load and fetch from its own origin only.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from graph_api.web.graphql_http import CivicGraphRouter

FOLDER = Path(__file__).parent.parent / "graphiql"
PREFIX = "/graphiql"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
ASSETS: dict[str, tuple[str, str]] = {
    "react.js": ("node_modules/react/umd/react.production.min.js", JS),
    "react-dom.js": ("node_modules/react-dom/umd/react-dom.production.min.js", JS),
    "graphiql.js": ("node_modules/graphiql/graphiql.min.js", JS),
    "graphiql.css": ("node_modules/graphiql/graphiql.min.css", CSS),
    "mount.js": ("mount.js", JS),
    "page.css": ("page.css", CSS),
}
POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
MISSING = (
    "<!doctype html><title>GraphiQL not installed</title><h1>GraphiQL is not installed</h1>"
    "<p>Its browser files are missing from <code>{folder}</code>: {missing}. Run "
    "<code>make install</code> (it runs <code>npm ci</code> there), then reload. "
    "POST queries to this URL work without it.</p>"
)


def missing_assets(folder: Path = FOLDER) -> list[str]:
    return [path for path, _ in ASSETS.values() if not (folder / path).is_file()]


def page(request: Request, folder: Path = FOLDER) -> HTMLResponse:
    """Our GraphiQL page, or a 503 that says how to install its files when they are absent."""
    missing = missing_assets(folder)
    if missing:
        text = MISSING.format(
            folder=html.escape(str(folder)), missing=html.escape(", ".join(missing))
        )
        return HTMLResponse(text, status_code=503)
    root = request.scope.get("root_path", "")
    values = {"{assets}": root + PREFIX, "{endpoint}": root + request.url.path}
    text = (folder / "index.html").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, html.escape(value))
    return HTMLResponse(text, headers={"Content-Security-Policy": POLICY})


class GraphiQLRouter(CivicGraphRouter):
    """The GraphQL router, rendering our page where strawberry would render its CDN one."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return page(request)


def assets_router(folder: Path = FOLDER) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/{name}")
    async def asset(name: str) -> Any:
        if name not in ASSETS:
            raise HTTPException(404, f"No GraphiQL asset {name!r}.")
        path, media_type = ASSETS[name]
        if not (folder / path).is_file():
            raise HTTPException(404, f"{path} is not installed; run `make install`.")
        return FileResponse(folder / path, media_type=media_type)

    return router
