"""Writing a load while its shapes are still being checked, without giving up all or nothing.

Validation is Python on one core; the write is mostly Neo4j on the other. Run one after the
other, a load costs their sum; run side by side, about the larger of the two. The write starts
as soon as the records exist, in a thread, and stops before its commit (the single transaction's,
or the staged attempt's) to wait for the verdict: if the data does not conform, the write raises
there and is rolled back like any failed write, so the store never holds a load that did not
pass. Store look-ups that validation depends on are made before the write starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from civicgraph.errors import CivicGraphError

T = TypeVar("T")


class Withdrawn(CivicGraphError):
    """Raised inside the waiting write when validation refused the load (it rolls back)."""


class Verdict:
    """Validation's answer, given once by the checking thread and awaited by the write."""

    def __init__(self) -> None:
        self._given = threading.Event()
        self._accepted = False

    def give(self, accepted: bool) -> None:
        self._accepted = accepted
        self._given.set()

    def wait(self) -> None:
        """The write's gate: returns when the load may commit, raises ``Withdrawn`` otherwise."""
        self._given.wait()
        if not self._accepted:
            raise Withdrawn("validation refused the load; the write was rolled back")


class Beside(Generic[T]):
    """A write run in a thread, gated by a ``Verdict``; ``result`` gives its counts."""

    def __init__(self, write: Callable[[Callable[[], None]], T]) -> None:
        self.verdict = Verdict()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-write")
        self._future: Future[T] = self._pool.submit(write, self.verdict.wait)

    def done(self) -> bool:
        """The write has ended (failed, most likely, if no verdict was given yet)."""
        return self._future.done()

    def accept(self) -> T:
        """Let the write commit; its own errors (store refused, connection lost) surface here."""
        self.verdict.give(True)
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()

    def refuse(self) -> None:
        """Roll the write back and wait until it has (an error of the write itself is moot now:
        the load is refused for the caller's reason)."""
        self.verdict.give(False)
        try:
            self._future.exception()  # Withdrawn, or the write had failed first: rolled back
        finally:
            self._pool.shutdown()
