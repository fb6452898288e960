"""GraphQL over HTTP details strawberry leaves to the application.

- ``application/graphql-response+json`` is served when the client accepts it (and prefers it to
  ``application/json``); then a request error (the document does not parse or validate, so there
  is no ``data``) is a 400, as the GraphQL-over-HTTP spec asks.
- Mutations over GET are refused with 405 and ``Allow: POST`` (strawberry says 400).
- A body or a ``variables``/``extensions`` parameter that is not a GraphQL request (a bare string,
  a number, an array, JSON nested deeper than :data:`MAX_JSON_DEPTH`, a number too long to read)
  is a 400 whose body is a GraphQL error saying what is wrong; strawberry would fail inside with
  ``AttributeError`` or ``RecursionError`` and answer 500.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from fastapi import Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_JSON_DEPTH = 64
# What each member of a request object must be (JSON type names for the message).
REQUEST_MEMBERS: dict[str, tuple[tuple[type, ...], str]] = {
    "query": ((str,), "a string"),
    "operationName": ((str,), "a string"),
    "variables": ((dict,), "an object"),
    "extensions": ((dict,), "an object"),
}


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (iterative: depth must not hurt here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
    return deepest


def decode_request_json(data: str | bytes) -> Any:
    """``json.loads`` with every failure a 400 that says why."""
    too_deep = (
        f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; no GraphQL request needs that."
    )
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise HTTPException(400, too_deep) from exc
    except ValueError as exc:  # JSONDecodeError, or an integer with thousands of digits
        raise HTTPException(400, f"The request is not valid JSON: {exc}.") from exc
    if json_depth(value) > MAX_JSON_DEPTH:
        raise HTTPException(400, too_deep)
    return value


def check_request_object(data: Any) -> None:
    """A POSTed body must be one GraphQL request object with members of the right types."""
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "null"
        raise HTTPException(
            400,
            f'The request body must be a JSON object such as {{"query": "{{ __typename }}"}}, '
            f"not a JSON {kind} (batching is not supported).",
        )
    for name, (types, what) in REQUEST_MEMBERS.items():
        value = data.get(name)
        if value is not None and not isinstance(value, types):
            raise HTTPException(400, f"The request's `{name}` must be {what} or null.")


def prefers_graphql_response(accept: str | None) -> bool:
    """Whether the Accept header ranks graphql-response+json at least as high as JSON."""
    if not accept:
        return False
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranks[media.lower()] = max(q, ranks.get(media.lower(), 0.0))
    ours = ranks.get(GRAPHQL_RESPONSE, 0.0)
    other = max(ranks.get(JSON, 0.0), ranks.get("*/*", 0.0) * 0.5)
    return ours > 0 and ours >= other


def request_error_response(reason: str, status: int, graphql_response: bool) -> Response:
    """A request that never reached GraphQL, answered as a GraphQL error (no ``data``)."""
    media = GRAPHQL_RESPONSE if graphql_response else JSON
    body = {"errors": [{"message": reason, "extensions": {"code": "BAD_REQUEST"}}]}
    return JSONResponse(body, status_code=status, media_type=f"{media}; charset=utf-8")


def shape_result(result: ExecutionResult) -> tuple[GraphQLHTTPResponse, bool]:
    """The answer's JSON object, and whether it is a request error: the document did not parse
    or validate, so nothing ran and the answer has no ``data`` member at all."""
    processed = process_result(result)
    request_error = (
        result.data is None and bool(result.errors) and all(not e.path for e in result.errors or [])
    )
    if request_error:
        processed.pop("data", None)
    return processed, request_error


class CivicGraphRouter(GraphQLRouter[Any, None]):
    def decode_json(self, data: str | bytes) -> object:
        return decode_request_json(data)

    async def parse_http_body(self, request: Any) -> Any:
        if request.method == "POST" and JSON in (request.content_type or "").lower():
            check_request_object(self.parse_json(await request.get_body()))
        return await super().parse_http_body(request)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed, request_error = shape_result(result)
        if request_error:
            request.state.graphql_request_error = True
        return processed

    async def run(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            response = await super().run(request, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request.method == "GET":
                return PlainTextResponse(
                    f"{exc.reason}; send it with POST.", status_code=405, headers={"Allow": "POST"}
                )
            if exc.status_code == 400:
                accept = request.headers.get("accept")
                return request_error_response(exc.reason, 400, prefers_graphql_response(accept))
            raise
        if isinstance(response, Response) and response.media_type == JSON:
            self._negotiate(request, response)
        return response

    def _negotiate(self, request: Request, response: Response) -> None:
        if not prefers_graphql_response(request.headers.get("accept")):
            return
        response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        if getattr(request.state, "graphql_request_error", False):
            response.status_code = 400
