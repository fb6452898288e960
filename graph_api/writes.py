"""The synchronous driver curators' writes go through, opened on first use.

The loader's validation and Cypher are synchronous, so mutations run them in a worker thread with
this driver; opening it lazily keeps a read-only deployment (no tokens) from holding a second pool.
"""

from __future__ import annotations

import threading

import neo4j

from civicgraph import store
from civicgraph.settings import Settings


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
                self._driver = store.open_driver(self.settings)
            return self._driver

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
