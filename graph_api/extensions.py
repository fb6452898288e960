"""Per-request figures in the response's ``extensions``: the request id and the Cypher count.

The request id is what a client quotes when reporting an "Internal error"; the query count lets a
client (and the N+1 test) see what a query costs the store.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension


class RequestStats(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        db = getattr(context, "db", None)
        return {
            "requestId": getattr(context, "request_id", None),
            "cypherQueries": db.count if db is not None else 0,
        }
