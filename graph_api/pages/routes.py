"""``GET /briefing/`` and ``GET /briefing/{country}``: the diplomats' pages.

A thin view: the arguments are checked, then the page's GraphQL document runs in process on the
API's own schema and context (same resolvers, limits and error masking as ``/graphql``), and the
answer is rendered as HTML or, with ``?format=md``, Markdown. Bad input is a page saying what was
wrong, with a 4xx status; a store outage is a 503.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from graph_api.pages import html, markdown, query, view
from graph_api.web.context import Context

CODE = re.compile(r"^[A-Za-z]{2}$")
FORMATS = ("html", "md")
STATUS_BY_CODE = {"NOT_FOUND": 404, "STORE_UNAVAILABLE": 503, "QUERY_TIMEOUT": 503}
MAX_SEARCH = 100


class PageError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _date(name: str, value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PageError(400, f"`{name}` must be a date as YYYY-MM-DD, not {value!r}.") from None


def _arguments(country: str, params: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    if not CODE.match(country):
        raise PageError(
            404, f"{country!r} is not an ISO 3166-1 alpha-2 code (two letters, e.g. PK)."
        )
    start, end = _date("from", params.get("from")), _date("to", params.get("to"))
    if start and end and start > end:
        raise PageError(400, f"`from` ({start}) is after `to` ({end}).")
    if params.get("format", "html") not in FORMATS:
        raise PageError(400, f"`format` is html (the default) or md, not {params['format']!r}.")
    return start, end


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


async def _run(request: Request, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    from graph_api.schema.build import build_schema

    state = request.app.state
    context = Context(
        settings=state.settings,
        driver=state.driver,
        database=state.database,
        request_id=getattr(request.state, "request_id", None),
    )
    result = await build_schema().execute(
        document, variable_values=variables, context_value=context
    )
    if result.errors:
        first = result.errors[0]
        ext = first.extensions or {}
        code = str(ext.get("code", ""))
        if code == "BAD_USER_INPUT" and ext.get("argument") == "country":
            raise PageError(404, str(first.message).removeprefix("Argument `country`: "))
        if code == "BAD_USER_INPUT":
            raise PageError(400, str(first.message))
        raise PageError(STATUS_BY_CODE.get(code, 500), str(first.message))
    return dict(result.data or {})


def _fail(exc: PageError, fmt: str) -> Response:
    if fmt == "md":
        return PlainTextResponse(f"Error: {exc}\n", status_code=exc.status)
    return HTMLResponse(html.error(exc.status, str(exc)), status_code=exc.status)


def router() -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/briefing/{country}")
    async def briefing(request: Request, country: str) -> Response:
        params = dict(request.query_params)
        fmt = params.get("format", "html")
        try:
            start, end = _arguments(country, params)
            data = await _run(
                request,
                query.BRIEFING,
                {"country": country.upper(), "from": _iso(start), "to": _iso(end)},
            )
        except PageError as exc:
            return _fail(exc, "md" if fmt == "md" else "html")
        page = view.build(data, start, end)
        raw = params.get("from", ""), params.get("to", "")
        if fmt == "md":
            return PlainTextResponse(markdown.briefing(page), media_type="text/markdown")
        return HTMLResponse(html.briefing(page, *raw))

    @pages.get("/briefing/")
    async def index(request: Request, q: str = "") -> Response:
        text = q.strip()[:MAX_SEARCH]
        try:
            data = await _run(request, query.INDEX, {"text": text or None, "searching": bool(text)})
        except PageError as exc:
            return _fail(exc, "html")
        rows = [
            (b["node"]["label"], b["node"].get("isoAlpha2") or "", int(b["count"]))
            for b in data["incidentCounts"]
            if b["node"] is not None
        ]
        if text:
            needle = text.lower()
            rows = [r for r in rows if needle in r[0].lower() or needle == r[1].lower()]
        matches = [
            (n["label"], n.get("isoAlpha2") or "")
            for n in (data.get("countries") or {}).get("nodes", [])
            if n.get("isoAlpha2")
        ]
        return HTMLResponse(html.index(rows, text, matches))

    return pages
