"""The hand-over between a streamed load's checking thread and its writing thread.

The checker puts each batch's rows here as soon as they are checked; the writer takes them as
the parts of one staged attempt. The queue is short, so at most a couple of batches wait in
memory; a writer that died is noticed instead of blocking the checker forever.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator

from loaders.records import Records


class Feed:
    def __init__(self, alive: Callable[[], bool], size: int = 2) -> None:
        self._queue: queue.Queue[Records | None] = queue.Queue(maxsize=size)
        self._alive = alive
        self.open = True

    def parts(self) -> Iterator[Records]:
        while (part := self._queue.get()) is not None:
            yield part

    def _put(self, item: Records | None) -> bool:
        while True:
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                if not self._alive():
                    return False

    def put(self, part: Records) -> None:
        """Hand a part to the writer (dropped once the feed is closed or the writer is gone)."""
        if self.open and not self._put(part):
            self.open = False

    def close(self) -> None:
        """No more parts: the writer goes on to its gate."""
        if self.open:
            self.open = False
            self._put(None)
