"""Mapping in a child process, so a load uses both cores: the child maps and converts batch N+1
while the loader validates and matches batch N (and a thread writes batch N-1).

The child (forked: it inherits the mapping, nothing is re-read) runs ``Engine.batches``,
converts each batch to store rows (``loaders.engine.convert``; the loader re-converts only the
few nodes whose values the store keeps, ``preserve``) and sends both down a pipe, then its
report (rows read, mapping-time rejections, skips, conflicts, entity counts) and the
``on_miss: drop`` notices. The pipe holds about one batch, so
the child never runs far ahead and memory stays bounded. Validation and everything that reads
or writes the store stay in the loader; the child opens no connection. A failure on either side
stops the other: the child's error is raised in the loader, and the loader ends the child.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology
from loaders.engine.convert import Converter
from loaders.engine.lifeline import bind_to_parent
from loaders.mapping.engine import Batch, Engine
from loaders.mapping.report import MapReport
from loaders.records import Records

# Tables smaller than this map in well under the cost of a second process.
WORKER_MIN_BYTES = 8_000_000


def worker_available(path: Path) -> bool:
    return (
        (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and path.stat().st_size >= WORKER_MIN_BYTES
    )


@dataclass
class Mapped:
    """What the child reports at the end."""

    report: MapReport
    notices: list[str]


def _child(engine: Engine, path: Path, report: MapReport, conn: Connection, parent: int) -> None:
    bind_to_parent(parent)
    done = [0.0]

    def advance(step: float) -> None:
        done[0] += step

    convert = Converter(Ontology.get())
    try:
        for batch in engine.batches(path, report, advance):
            began = time.perf_counter()
            records = convert(batch.facts)
            conn.send(("batch", (batch, records, time.perf_counter() - began), done[0]))
            done[0] = 0.0
        conn.send(("done", Mapped(report, engine.drop_notices()), done[0]))
    except CivicGraphError as exc:
        conn.send(("error", str(exc), 0.0))
    except BaseException as exc:
        conn.send(("error", f"the mapping process failed: {type(exc).__name__}: {exc}", 0.0))
    finally:
        conn.close()


def mapped_batches(
    engine: Engine,
    path: Path,
    report: MapReport,
    advance: Callable[[float], None],
    on_done: Callable[[Mapped], None],
) -> Generator[tuple[Batch, Records, float], None, None]:
    """The batches of ``engine`` over ``path``, mapped and converted in a child process (see
    module doc), each with its records and the child's seconds converting it; ``on_done`` gets
    the child's report before the iterator ends."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(engine, path, report, theirs, os.getpid()), daemon=True
    )
    child.start()
    theirs.close()
    try:
        while True:
            try:
                kind, payload, progress = ours.recv()
            except EOFError:
                raise CivicGraphError(
                    f"the mapping process ended without a result (exit code {child.exitcode})"
                ) from None
            advance(progress)
            if kind == "batch":
                yield payload
            elif kind == "done":
                on_done(payload)
                return
            else:
                raise CivicGraphError(payload)
    finally:
        ours.close()
        if child.is_alive():
            child.kill()
        child.join()


def merge(report: MapReport, mapped: Mapped, main: str) -> None:
    """Fold the child's report into the loader's, which holds what validation added (rows
    rejected for the shapes, counted off ``rows_mapped``); ``main`` counts the rows loaded, as
    in a run without the child."""
    child = mapped.report
    report.rows_read = child.rows_read
    report.rows_mapped += child.rows_mapped
    report.rejected[:0] = child.rejected
    report.skipped.update(child.skipped)
    report.skipped_rows.update(child.skipped_rows)
    report.superseded.extend(child.superseded)
    report.conflicts.extend(child.conflicts)
    report.entities.update(child.entities)
    report.batches = child.batches
    report.entities[main] = report.rows_mapped
