"""GraphQL over HTTP details strawberry leaves to the application.

- ``application/graphql-response+json`` is served when the client accepts it (and prefers it to
  ``application/json``); then a request error (the document does not parse or validate, so there
  is no ``data``) is a 400, as the GraphQL-over-HTTP spec asks.
- Mutations over GET are refused with 405 and ``Allow: POST`` (strawberry says 400).
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from fastapi import Request, Response
from fastapi.responses import PlainTextResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


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


class CivicGraphRouter(GraphQLRouter[Any, None]):
    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = process_result(result)
        request_error = (
            result.data is None
            and bool(result.errors)
            and all(not e.path for e in result.errors or [])
        )
        if request_error:
            request.state.graphql_request_error = True
            processed.pop("data", None)
        return processed

    async def run(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            response = await super().run(request, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request.method == "GET":
                return PlainTextResponse(
                    f"{exc.reason}; send it with POST.", status_code=405, headers={"Allow": "POST"}
                )
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
