"""The request id every HTTP answer carries (``X-Request-Id``), as plain ASGI middleware.

It is what a client quotes when reporting an "Internal error", and what the log line of that
error names. Plain ASGI rather than Starlette's ``@app.middleware("http")``: that wraps each
request in an anyio task group with memory streams for the body, and on the benchmark's queries
it was the largest piece of per-request CPU outside GraphQL (bench/RESULTS.md), paid on every
request for a header.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class RequestId:
    """Puts a fresh id in ``request.state.request_id`` and in the response's headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = new_request_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = rid
        header = (HEADER, rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await self.app(scope, receive, send_with_id)
