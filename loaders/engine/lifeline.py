"""Worker processes that die with their parent.

A validation worker blocked on its result pipe would otherwise outlive a ``kill -9`` of the
loader forever, holding its memory. On Linux the kernel delivers SIGKILL to the worker when the
parent thread dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and for the window before prctl
runs, a daemon thread polls the parent pid and exits the worker when it changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time

_PR_SET_PDEATHSIG = 1


def _set_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int, every: float) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def bind_to_parent(parent: int, every: float = 0.5) -> None:
    """Pool initializer: end this process when ``parent`` ends (pass ``os.getpid()`` of the
    parent when creating the pool)."""
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(1)
    _set_death_signal()
    if os.getppid() != parent:  # died between the check and prctl
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, every), daemon=True).start()
