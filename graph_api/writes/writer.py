"""The synchronous driver curators' writes go through, opened on first use.

The loader's validation and Cypher are synchronous, so mutations run them in a worker thread with
this driver; opening it lazily keeps a read-only deployment (no tokens) from holding a second pool.

A mutation must fail as fast as a query when the store is down: the driver's managed transactions
(``execute_query``, ``execute_write``) otherwise retry for 30 s and the client then sees "Internal
error". So this driver retries transient failures only for a quarter of
``civicgraph_query_timeout``, starting after 50 ms, and :meth:`SyncWriter.call` turns the failures
into the same ``STORE_UNAVAILABLE`` and ``QUERY_TIMEOUT`` errors queries give.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
import neo4j
from neo4j import exceptions as neo4j_errors

from civicgraph import store
from civicgraph.errors import StoreUnavailable
from civicgraph.settings import Settings
from graph_api.errors import query_timeout, store_unavailable

T = TypeVar("T")
FIRST_RETRY_DELAY = 0.05
OUTAGE = (StoreUnavailable, neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired)


class SyncWriter:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.database = store.database(settings)
        self.timeout = settings.civicgraph_query_timeout
        self._driver: neo4j.Driver | None = None
        self._lock = threading.Lock()

    @property
    def driver(self) -> neo4j.Driver:
        with self._lock:
            if self._driver is None:
                # Managed transactions retry for 30 s by default; a writer must give up in time.
                self._driver = store.open_driver(
                    self.settings,
                    max_transaction_retry_time=self.timeout / 4,
                    initial_retry_delay=FIRST_RETRY_DELAY,
                )
            return self._driver

    async def call(self, work: Callable[[neo4j.Driver], T]) -> T:
        """``work(driver)`` in a worker thread (the driver blocks), with store errors mapped."""

        def run() -> T:
            return work(self.driver)

        try:
            return await anyio.to_thread.run_sync(run)
        except OUTAGE as exc:
            raise store_unavailable() from exc
        except neo4j_errors.ClientError as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                raise query_timeout(self.timeout) from exc
            raise

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
