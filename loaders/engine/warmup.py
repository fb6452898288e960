"""Readying the store while Python parses: schema, index waits and the loader's query plans.

A load spends its first seconds in Python (parse, convert, validate) while Neo4j idles, and its
first write then waits for Neo4j to plan each query text (a cold JVM plans slowly). This runs the
loader's fixed query texts once with no rows, in a thread, during the Python phases, so the
plans are cached by the time they are needed: the second core works instead of waiting.

It is best effort: it writes nothing (each write text runs on an empty list in a transaction
that is rolled back), and any error is left for the load itself to meet and report.
"""

from __future__ import annotations

import threading
from contextlib import suppress

import neo4j

from loaders import cypher
from loaders.engine import staged_cypher as sc
from loaders.writer import WARMUP_METADATA, ensure_schema, open_session

_NOBODY = "urn:civicgraph:warm-up"


def _write_texts(staged: bool) -> list[cypher.Query]:
    texts = [  # in the order a load first needs them
        cypher.existing_nodes([]),
        cypher.create_nodes([], _NOBODY),
        cypher.create_relationships([], _NOBODY),
        cypher.merge_nodes([], _NOBODY),
        cypher.merge_relationships([], _NOBODY),
    ]
    if staged:
        texts += [
            sc.record_created(_NOBODY, 0),
            sc.merge_nodes([], _NOBODY, _NOBODY),
            sc.merge_relationships([], _NOBODY, _NOBODY),
        ]
    return texts


def _read_texts() -> list[cypher.Query]:
    return [cypher.describe_nodes([]), cypher.missing_nodes([])]


def _warm(
    driver: neo4j.Driver,
    database: str,
    staged: bool,
    stop: threading.Event,
    schema: threading.Event,
) -> None:
    # Any error is left for the load to meet; none may escape a thread that can outlive a failed
    # load (the driver closed under it would print a traceback at exit).
    try:
        with suppress(Exception), open_session(driver, database) as session:
            ensure_schema(session)
            schema.set()
            _plan(session, staged, stop)
    finally:
        schema.set()


def _plan(session: neo4j.Session, staged: bool, stop: threading.Event) -> None:
    for query, params in _read_texts():
        if stop.is_set():
            return
        session.run(query, params).consume()
    for query, params in _write_texts(staged):
        if stop.is_set():
            return
        with session.begin_transaction(metadata=WARMUP_METADATA) as tx:
            tx.run(query, params).consume()
            tx.rollback()


class Warmup:
    """``Warmup(driver, db).start()`` before parsing; ``wait()`` before writing; ``stop()`` when
    the load ends either way (a failed load does not wait for plans it will not use).

    The write waits for the schema only: plans still being made go on beside it on the other
    core (on a cold JVM each takes seconds, and a load uses only some of them)."""

    def __init__(self, driver: neo4j.Driver, database: str, *, staged: bool = False) -> None:
        self._stop = threading.Event()
        self._schema = threading.Event()
        self._thread = threading.Thread(
            target=_warm,
            args=(driver, database, staged, self._stop, self._schema),
            name="store-warmup",
            daemon=True,
        )

    def start(self) -> Warmup:
        self._thread.start()
        return self

    def wait(self, timeout: float = 300.0) -> None:
        self._schema.wait(timeout)

    def stop(self) -> None:
        """Skip the queries not yet run and let the one running finish, before the caller closes
        the driver."""
        self._stop.set()
        self._thread.join(60.0)
