"""One piece of pure-Python work in a forked child, while the parent goes on with its own.

Validation and the converter are both Python: in threads they share one core (the GIL), so a
load ran them one after the other while the machine's second core idled. A forked child starts
with the parent's parsed facts already in memory (copy-on-write, nothing is sent) and returns
only its result, pickled through a pipe: for the shapes' verdict, a short report.

The child writes nothing, dies with the parent (``loaders.engine.lifeline``), and touches no
connection it inherited (it leaves with ``os._exit``,
so no finaliser closes the parent's sockets or flushes its buffers twice). Whatever goes wrong
in it reaches the parent as an error: its own exception, or a paragraph saying it ended without
an answer (killed, out of memory); the caller then refuses the load.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from civicgraph.errors import CivicGraphError
from loaders.engine.lifeline import bind_to_parent

T = TypeVar("T")


def can_fork() -> bool:
    return hasattr(os, "fork")


class Apart(Generic[T]):
    """``work()`` running in a forked child; ``result()`` waits for its value or error."""

    def __init__(self, work: Callable[[], T], what: str) -> None:
        self.what = what
        read_end, write_end = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            os.close(read_end)
            bind_to_parent(parent)  # a kill -9 of the loader ends the child too
            _run_child(work, write_end)
        os.close(write_end)
        self._pid: int | None = pid
        self._pipe = os.fdopen(read_end, "rb")

    def result(self) -> T:
        try:
            data = self._pipe.read()
        finally:
            self._pipe.close()
            status = self._reap()
        if not data:
            raise CivicGraphError(
                f"the process running {self.what} ended without an answer ({_ended(status)}); "
                "nothing was written"
            )
        try:
            ok, value = pickle.loads(data)
        except Exception as exc:
            raise CivicGraphError(f"{self.what} failed ({exc}); nothing was written") from None
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        """Stop the child (the caller no longer wants its answer) and reap it."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        self._pipe.close()
        self._reap()

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        return os.waitpid(pid, 0)[1] if pid is not None else 0


def _run_child(work: Callable[[], object], write_end: int) -> None:  # pragma: no cover
    code = 0
    try:
        try:
            payload = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # every error goes to the parent
            payload = _pickled_error(exc)
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    except BaseException:  # the parent reports a child without an answer
        code = 1
    finally:
        os._exit(code)


def _pickled_error(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc))
    except Exception:  # an unpicklable error still reaches the parent as text
        return pickle.dumps((False, CivicGraphError(f"{type(exc).__name__}: {exc}")))


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"killed by signal {sig} ({signal.Signals(sig).name})"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
