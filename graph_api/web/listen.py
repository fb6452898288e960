"""One listening socket per worker process, all on the same port (``SO_REUSEPORT``).

Kept apart from the app: a worker unpickles its :class:`WorkerListener` before it answers the
supervisor's first health check, so this module must import nothing heavy.
"""

from __future__ import annotations

import socket
from typing import Any


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (each worker opens its own)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class WorkerListener:
    """Handed to uvicorn's supervisor in place of a shared socket: pickled into each worker
    process, it unpickles there as that worker's own ``SO_REUSEPORT`` socket."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return reuse_port_socket, (self.host, self.port)
