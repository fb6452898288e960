"""Read access to Neo4j for one request: every query has a timeout and is counted.

Resolvers never touch the driver directly; they go through :class:`Db` so that (a) each query runs
as a read transaction bounded by ``civicgraph_query_timeout``, and (b) the number of queries a
request costs is known (it is reported in the response's ``extensions.cypherQueries`` and the
N+1 test asserts on it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import neo4j
import neo4j.graph
import neo4j.time

from graph_api.errors import query_timeout, store_unavailable

PLAN_FACTOR = 6


@dataclass(frozen=True)
class NodeRecord:
    """A node as the API serves it: IRI, Neo4j labels and properties (native Python values)."""

    iri: str
    labels: frozenset[str]
    props: dict[str, Any] = field(hash=False, compare=False)

    @classmethod
    def from_node(cls, node: neo4j.graph.Node) -> NodeRecord:
        props = {k: native(v) for k, v in node.items()}
        return cls(str(props.get("iri", "")), frozenset(node.labels), props)


def native(value: Any) -> Any:
    """Neo4j temporal values become ``datetime`` objects, so strawberry serialises them."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    return value


def to_neo4j(value: Any) -> Any:
    """Python dates to their Neo4j type, so comparisons in Cypher are between dates."""
    if isinstance(value, dt.datetime):
        return neo4j.time.DateTime.from_native(value)
    if isinstance(value, dt.date):
        return neo4j.time.Date.from_native(value)
    return value


class Db:
    """One request's view of the store."""

    def __init__(self, driver: neo4j.AsyncDriver, database: str, timeout: float):
        self.driver = driver
        self.database = database
        self.timeout = timeout
        self.count = 0

    async def read(
        self, text: str, params: dict[str, Any] | None = None, *, first_plan: bool = False
    ) -> list[neo4j.Record]:
        """Run one read query (all values as parameters) and return its records.

        An auto-commit transaction, not ``execute_query``: that retries for up to 30 s when the
        store is down, and a reader should hear about it at once. ``first_plan``: a compiled
        query whose text this process has not run yet gets :data:`PLAN_FACTOR` times the
        timeout, since Neo4j plans a deeply nested query once (seconds on a busy machine) and
        then serves it from its plan cache; a plan cut short by the timeout is never cached.
        """
        self.count += 1
        timeout = self.timeout * (PLAN_FACTOR if first_plan else 1)
        query = neo4j.Query(text, timeout=timeout)
        values = {k: to_neo4j(v) for k, v in (params or {}).items()}
        try:
            async with self.driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS
            ) as session:
                result = await session.run(query, values)
                return [record async for record in result]
        except neo4j.exceptions.ClientError as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                raise query_timeout(timeout) from exc
            raise
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
            raise store_unavailable() from exc
