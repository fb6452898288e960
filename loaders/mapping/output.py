"""Where a table's checked batches go: held, or written as they come.

A table of one batch is written in one transaction once it is checked, as before. When a second
batch arrives, the table needs a staged attempt: a ``BatchWriter`` starts and takes the first
batch and every later one while the loader checks the next (``loaders.mapping.writing``). A
mapping that matches rows against the store holds every batch (on disk, memory stays bounded)
until all are checked: its rows are matched against the store as it was before the load.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from loaders.mapping.writing import BatchWriter
from loaders.matching.resolve import Planned
from loaders.records import Records
from loaders.writer import LoadCounts

Item = tuple[Records, Planned]

# Phases of the loader's own thread, in the order they run; "map" encloses the first five.
SEQUENTIAL = ("convert", "validate", "match", "hand over", "wait for write", "roll back")
# Phases of the write thread: they run beside the others, so they are not added to them.
BESIDE = ("write", "commit")
# The mapping process's conversion, beside the loader (loaders/mapping/worker.py).
CHILD = "convert (mapping process)"


class Held:
    """Batches pickled to a temporary folder, read back in order."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="civicgraph-map-")
        self.files: list[Path] = []

    def add(self, item: Item) -> None:
        path = Path(self._dir.name) / f"batch-{len(self.files):05d}.pickle"
        with path.open("wb") as fh:
            pickle.dump(item, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.files.append(path)

    def __iter__(self) -> Iterator[Item]:
        for path in self.files:
            with path.open("rb") as fh:
                yield pickle.load(fh)

    def close(self) -> None:
        self._dir.cleanup()


class Output:
    """The sink of ``map_and_validate`` (``add``) and the write at the end (``finish``); leaving
    the ``with`` block on an error rolls back whatever a writer had written."""

    def __init__(
        self, start: Callable[[], BatchWriter], *, hold_all: bool, discard: bool = False
    ) -> None:
        self.start = start
        self.hold_all = hold_all
        self.discard = discard
        self.held = Held()
        self.writer: BatchWriter | None = None

    def add(self, records: Records, planned: Planned) -> None:
        if self.discard:
            return
        if self.writer is None and (self.hold_all or not self.held.files):
            self.held.add((records, planned))
            return
        if self.writer is None:
            self.writer = self.start()
            for item in self.held:
                self.writer.put(*item)
            self.held.close()
            self.held = Held()
        self.writer.put(records, planned)

    def finish(
        self, extra: Mapping[str, Any], one: Callable[[Iterable[Item]], LoadCounts]
    ) -> LoadCounts:
        """Commit the writer's attempt with the load's row counts ``extra``; a table held
        whole is written now, by ``one`` if it is a single batch, else as an attempt."""
        if self.writer is None and len(self.held.files) <= 1:
            return one(self.held)
        if self.writer is None:
            self.writer = self.start()
            for item in self.held:
                self.writer.put(*item)
        writer, self.writer = self.writer, None
        return writer.commit(extra)

    def __enter__(self) -> Output:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.writer is not None:
                self.writer.abandon()
        finally:
            self.held.close()


def account(timings: dict[str, float]) -> dict[str, float]:
    """The load's phases as the summary shows them: ``map`` without the phases it encloses, the
    write thread's phases marked as running beside (and the mapping process's conversion
    apart), and ``other`` for the rest of ``total``
    (reading the store's state, snapshots, the single-batch write's commit), so the loader's own
    phases add up to the total."""
    out = dict(timings)
    if "map" in out:
        out["map"] -= sum(out.get(k, 0.0) for k in SEQUENTIAL[:4])
    own = sum(v for k, v in out.items() if k not in (*BESIDE, CHILD, "total"))
    if "wait for write" not in out:  # a single transaction's write ran in this thread
        own += sum(out.get(k, 0.0) for k in BESIDE)
    else:
        for name in BESIDE:
            if name in out:
                out[f"{name} (beside)"] = out.pop(name)
    total = out.pop("total")
    out["other"] = max(0.0, total - own)
    out["total"] = total
    return out
