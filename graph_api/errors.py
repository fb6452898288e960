"""Errors the client may read, and masking of every other one.

A :class:`UserError` says what was wrong with the request (which argument or field, which rule),
so it is shown as is, with ``extensions.code``. Anything else is a bug or an outage: the client
sees only "Internal error" and a request id, and the log has the traceback under the same id.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("graph_api")


class UserError(Exception):
    """A request the API refuses, with a message meant for the person who wrote it."""

    def __init__(self, message: str, *, code: str = "BAD_USER_INPUT", **details: Any):
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code, **details}


def bad_argument(name: str, message: str, rule: str = "invalid") -> UserError:
    return UserError(f"Argument `{name}`: {message}", argument=name, rule=rule)


def not_found(iri: str) -> UserError:
    return UserError(f"No node has the id {iri!r}.", code="NOT_FOUND", id=iri)


def store_unavailable() -> UserError:
    """Neo4j cannot be reached (down, restarting, refusing us): the same words for every caller."""
    return UserError(
        "The graph store is not available right now; try again shortly.",
        code="STORE_UNAVAILABLE",
    )


def query_timeout(seconds: float) -> UserError:
    return UserError(
        f"The query took longer than {seconds:g} s and was stopped; ask for fewer items, fewer "
        "hops or a narrower filter.",
        code="QUERY_TIMEOUT",
    )


def _original(error: GraphQLError) -> BaseException | None:
    return error.original_error


def is_internal(error: GraphQLError) -> bool:
    """Parse and validation errors have no original error; user errors are ours; the rest is not."""
    original = _original(error)
    if original is None or isinstance(original, UserError):
        return False
    return not isinstance(original, GraphQLError)


class MaskInternalErrors(MaskErrors):
    """MaskErrors that logs what it hides and gives the client the request id to quote."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_internal, error_message="Internal error.")

    def _request_id(self) -> str:
        context = self.execution_context.context
        return str(getattr(context, "request_id", "unknown"))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = self._request_id()
        log.error(
            "internal error in request %s at %s",
            request_id,
            error.path,
            exc_info=_original(error),
        )
        return GraphQLError(
            message=f"Internal error (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
