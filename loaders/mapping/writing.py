"""Writing a table of several batches while its next batches are still mapped and checked.

Phase 1 (map, convert, validate, match) is Python on the loader's two processes; the write is
mostly Neo4j. Run one after the other, a big table costs their sum. Here each checked batch is
handed to a thread that writes it at once, as one batch of a staged attempt
(``loaders.engine.staged``), while the loader checks the next. The attempt commits only when the
loader's verdict comes (``loaders.engine.overlap.Beside``): every batch conformed, the rejected
rows are acceptable (``--strict``) and no row matched several nodes; otherwise, or if anything
fails, it is rolled back. The provenance a batch plans (``Planned``: the dataset link, match
records, value statements) points at the ``Load`` node, which the attempt only creates at its
commit, so it is written in that same commit transaction, with the load's row counts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import suppress
from queue import Empty, Full, Queue
from typing import Any

import neo4j

from loaders import cypher
from loaders.engine import staged_cypher as sc
from loaders.engine.overlap import Beside
from loaders.engine.staged import Attempt, finish, prepare
from loaders.matching.resolve import Planned
from loaders.pipeline import check_targets
from loaders.progress import Phases
from loaders.records import Records
from loaders.writer import LoadCounts, LoadInfo, WriteFailed, open_session

# Batches checked but not yet written; the loader waits when the writer is this far behind.
BACKLOG = 2


class TableAttempt(Attempt):
    """A staged attempt whose commit also writes the load's provenance and row counts."""

    def commit_with(self, after: list[cypher.Query], extra: Mapping[str, Any]) -> LoadCounts:
        counts, load, attempt = self.counts, self.load, self.iri

        def body(tx: neo4j.ManagedTransaction) -> bool:
            created = tx.run(*cypher.merge_load(load.iri, load.properties())).consume()
            fresh = created.counters.nodes_created > 0
            for query in after:
                tx.run(query[0], dict(query[1])).consume()
            if fresh:
                props = {**counts.as_properties(), **extra}
                tx.run(*cypher.set_load_counts(load.iri, props)).consume()
            tx.run(*sc.mark_committed(attempt)).consume()
            return fresh

        counts.already_loaded = not self.session.execute_write(body)
        finish(self.session, attempt)
        return counts


class BatchWriter:
    """The write thread of one table load: ``put`` each checked batch, then ``commit`` with the
    load's row counts, or ``abandon`` (rolled back). A failure of the write is raised by the
    next ``put`` or by ``commit``."""

    def __init__(
        self,
        driver: neo4j.Driver,
        load: LoadInfo,
        database: str,
        phases: Phases,
        batch_size: int,
    ) -> None:
        self.driver, self.load, self.database = driver, load, database
        self.phases, self.batch_size = phases, batch_size
        self.queue: Queue[tuple[Records, Planned]] = Queue(maxsize=BACKLOG)
        self.closed = threading.Event()  # no more batches
        self.failed = threading.Event()  # the write stopped with an error
        self.extra: dict[str, Any] = {}
        self.batches = 0
        self.beside: Beside[LoadCounts] = Beside(self._write)

    def put(self, records: Records, planned: Planned) -> None:
        while not self.failed.is_set():
            try:
                self.queue.put((records, planned), timeout=0.1)
                self.batches += 1
                return
            except Full:
                continue
        self.commit({})  # raises the write's own error (it has rolled back)

    def commit(self, extra: Mapping[str, Any]) -> LoadCounts:
        """Let the attempt commit once every batch is written; returns the load's counts."""
        self.extra = dict(extra)
        self.closed.set()
        with self.phases.phase("wait for write"):
            return self.beside.accept()

    def abandon(self) -> None:
        """Roll back whatever was written and stop the thread (the load was refused)."""
        self.closed.set()
        self.failed.set()  # the writer stops taking batches
        with self.phases.phase("roll back"):
            self.beside.refuse()

    def _items(self) -> Iterator[tuple[Records, Planned]]:
        while not self.failed.is_set():
            try:
                yield self.queue.get(timeout=0.1)
            except Empty:
                if self.closed.is_set() and self.queue.empty():
                    return

    def _write(self, gate: Any) -> LoadCounts:
        try:
            return self._attempt(gate)
        except BaseException:
            self.failed.set()
            raise

    def _attempt(self, gate: Any) -> LoadCounts:
        after: list[cypher.Query] = []
        with open_session(self.driver, self.database) as session:
            prepare(session)
            attempt = TableAttempt(session, self.load, self.batch_size)
            try:
                with self.phases.phase("write") as advance:
                    for records, planned in self._items():
                        check_targets(records, self.driver, self.database)
                        attempt.write(records, advance)
                        after.extend(planned.queries(self.load.iri))
                gate()  # the loader's verdict: raises (and so rolls back) unless accepted
                with self.phases.phase("commit"):
                    return attempt.commit_with(_fold(after), self.extra)
            except neo4j.exceptions.DriverError as exc:
                _try_abort(attempt)
                raise WriteFailed(
                    f"lost the connection to Neo4j during the load ({_first_line(exc)}). The "
                    "batches already written are rolled back by the next `civicgraph load` (the "
                    "attempt is recorded in the store); load again once Neo4j answers."
                ) from exc
            except neo4j.exceptions.Neo4jError as exc:
                _try_abort(attempt)
                raise WriteFailed(
                    f"the store refused the load ({exc.code}): {exc.message}\n"
                    "Nothing was written (the load was rolled back)."
                ) from exc
            except BaseException:
                _try_abort(attempt)
                raise


def _fold(queries: list[cypher.Query]) -> list[cypher.Query]:
    """Every batch links the load to its dataset: the same query, run once."""
    seen: set[str] = set()
    out: list[cypher.Query] = []
    for query, params in queries:
        key = f"{query}\x00{sorted(params.items())!r}" if "rows" not in params else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append((query, params))
    return out


def _try_abort(attempt: Attempt) -> None:
    with suppress(neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError):
        attempt.abort()  # if the store is gone, the next load rolls the attempt back


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
