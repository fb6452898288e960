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
from queue import Empty, Full, Queue
from typing import Any

import neo4j

from loaders import cypher
from loaders.engine.overlap import Beside
from loaders.engine.staged import attempt_in
from loaders.matching.resolve import Planned
from loaders.pipeline import check_targets
from loaders.progress import Phases
from loaders.records import Records
from loaders.writer import LoadCounts, LoadInfo, open_session

# Batches checked but not yet written; the loader waits when the writer is this far behind.
BACKLOG = 2


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
        with (
            open_session(self.driver, self.database) as session,
            attempt_in(session, self.load, self.batch_size) as attempt,
        ):
            with self.phases.phase("write") as advance:
                for records, planned in self._items():
                    check_targets(records, self.driver, self.database)
                    attempt.write(records, advance)
                    after.extend(planned.queries(self.load.iri))
            gate()  # the loader's verdict: raises (and so rolls back) unless accepted
            with self.phases.phase("commit"):
                return attempt.commit(_fold(after), self.extra)


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
