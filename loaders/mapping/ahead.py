"""Producing the next item in a thread while the caller works on the current one.

Phase 2 of a table load spends most of its time waiting for Neo4j; a thread can read and
unpickle the next batch meanwhile (Python runs it while the writer waits on the socket). Checks
that read the store stay with the writer, after the batches before have been written. The
thread stays one item ahead, so memory holds at most two batches.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from queue import Full, Queue
from typing import Any, TypeVar

T = TypeVar("T")


def one_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """``items`` produced one ahead by a thread: batch N+1 is unpickled while batch N is written
    (the thread runs while the writer waits on the store). An error in the thread is raised
    here, in order."""
    queue: Queue[tuple[str, Any]] = Queue(maxsize=1)
    stop = threading.Event()

    def put(entry: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:
            put(("error", exc))

    thread = threading.Thread(target=run, name="civicgraph-write-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()
