"""``POST /graphql`` with a JSON body, answered by plain ASGI middleware instead of the router.

Nearly every request the API serves is this one shape, and for a small query most of its Python
CPU went to the layers around GraphQL, not to GraphQL: FastAPI's route matching and dependency
injection (the context getter, background tasks, a sub-response) and strawberry's HTTP view, which
re-check what :mod:`graph_api.web.graphql_http` already checks. Here that shape goes straight from
the body to ``schema.execute`` and back. Everything else (GET and GraphiQL, other paths, other
content types, multipart, an ``Accept`` asking for a streamed answer) passes to the app untouched.

The answers are the router's, byte for byte: the same request checks and 400s, the same context
(:func:`graph_api.web.context.context_for`), the same result shaping and media-type negotiation
(:mod:`graph_api.web.graphql_http`) and strawberry's own JSON encoding; the API tests run through
this path, and ``tests/test_api_post_path.py`` compares it with the router on odd requests.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from graph_api.web.context import context_for
from graph_api.web.graphql_http import (
    GRAPHQL_RESPONSE,
    JSON,
    check_request_object,
    decode_request_json,
    prefers_graphql_response,
    request_error_response,
    shape_result,
)

POST_OPERATIONS = frozenset(OperationType.from_http("POST"))
# Accept values that ask strawberry for a streamed answer (multipart or server-sent events).
STREAMING = ("multipart/mixed", "text/event-stream")


def first_headers(scope: Scope) -> dict[bytes, bytes]:
    """Header name -> its first value, as Starlette's ``request.headers.get`` reads them."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.lower(), value)
    return headers


def media_type(value: bytes | None) -> str:
    return (value or b"").decode("latin-1").partition(";")[0].strip().lower()


def is_plain_post(scope: Scope, path: str, headers: dict[bytes, bytes]) -> bool:
    """A JSON POST to the endpoint that wants one JSON answer: the only shape answered here."""
    accept = headers.get(b"accept", b"").decode("latin-1").lower()
    return (
        scope["method"] == "POST"
        and scope["path"] == path
        and media_type(headers.get(b"content-type")) == JSON
        and not any(kind in accept for kind in STREAMING)
    )


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client went away before sending it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def operation_error(exc: Exception) -> HTTPException:
    """strawberry's refusals before execution, with the router's status and wording."""
    if isinstance(exc, CannotGetOperationTypeError):
        return HTTPException(400, exc.as_http_error_reason())
    if isinstance(exc, InvalidOperationTypeError):
        return HTTPException(400, exc.as_http_error_reason("POST"))
    return HTTPException(400, "No GraphQL query found in the request")


def encode(payload: object) -> bytes:
    """strawberry's encoding of an answer (compact separators, ASCII escapes)."""
    return json.dumps(payload, separators=(",", ":")).encode()


class GraphQLPost:
    """Answers plain JSON POSTs to ``path`` with ``schema``; hands every other request on."""

    def __init__(self, app: ASGIApp, schema: Schema, path: str = "/graphql") -> None:
        self.app = app
        self.schema = schema
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = first_headers(scope)
        if not is_plain_post(scope, self.path, headers):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return
        response = await self.answer(scope, headers, body)
        await response(scope, receive, send)

    async def answer(self, scope: Scope, headers: dict[bytes, bytes], body: bytes) -> Response:
        accept = headers.get(b"accept", b"").decode("latin-1") or None
        graphql_response = prefers_graphql_response(accept)
        try:
            data = decode_request_json(body)
            check_request_object(data)
            result = await self.execute(scope, headers, data)
        except HTTPException as exc:
            return request_error_response(exc.reason, 400, graphql_response)
        payload, request_error = shape_result(result)
        response = Response(encode(payload), media_type=JSON)
        if graphql_response:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            response.status_code = 400 if request_error else 200
        return response

    async def execute(self, scope: Scope, headers: dict[bytes, bytes], data: dict) -> Any:
        authorization = headers.get(b"authorization")
        context = context_for(
            scope["app"].state,
            authorization.decode("latin-1") if authorization is not None else None,
            scope.get("state", {}).get("request_id"),
        )
        try:
            return await self.schema.execute(
                data.get("query"),
                variable_values=data.get("variables"),
                context_value=context,
                operation_name=data.get("operationName"),
                allowed_operation_types=POST_OPERATIONS,
                operation_extensions=data.get("extensions"),
            )
        except (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError) as exc:
            raise operation_error(exc) from exc
