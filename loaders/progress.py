"""Phase timing and progress bars for loads.

Every phase is timed (the summary and the benchmark report the figures); bars are drawn only
when asked for, on a terminal, so piped output and tests stay clean. Callers decide "more than a
moment" (the CLI shows bars for inputs above a size threshold).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

Advance = Callable[[float], None]


def _ignore(_: float) -> None:
    return None


# Inputs smaller than this finish before a progress bar would be readable.
BAR_THRESHOLD_BYTES = 1 << 20


class Phases:
    """Times named phases; draws a rich bar per phase when ``show`` and stderr is a terminal."""

    def __init__(self, show: bool = False) -> None:
        console = Console(stderr=True)
        self.show = show and console.is_terminal and sys.stderr.isatty()
        self.timings: dict[str, float] = {}
        self._bars: Progress | None = None
        if self.show:
            self._bars = Progress(
                SpinnerColumn(),
                TextColumn("{task.description:<10}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )

    @contextmanager
    def phase(self, name: str, total: float | None = None) -> Iterator[Advance]:
        """Time ``name`` (accumulating if it repeats); yields a callable that advances its bar."""
        start = time.perf_counter()
        bars = self._bars
        try:
            if bars is None:
                yield _ignore
            else:
                if not bars.live.is_started:
                    bars.start()
                task = bars.add_task(name, total=total)

                def advance(step: float) -> None:
                    bars.advance(task, step)

                yield advance
                bars.remove_task(task)
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

    def close(self) -> None:
        if self._bars is not None and self._bars.live.is_started:
            self._bars.stop()

    def __enter__(self) -> Phases:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
