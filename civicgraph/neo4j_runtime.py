"""Process plumbing for the local Neo4j: where files live, sizes, liveness, Bolt probes.

Kept apart from ``neo4j_local`` so the lifecycle there reads as a short list of decisions, and so
every "is it really running?" question is answered in one place from the operating system.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from civicgraph.errors import CivicGraphError, ConfigurationError
from civicgraph.settings import Settings

LOG_MARK = "=== civicgraph start "

_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class Layout:
    """The files of one local Neo4j instance; jars and the compiled launcher are shared."""

    lib: Path
    classes: Path
    home: Path
    data: Path

    @classmethod
    def build(
        cls, settings: Settings, home: Path | None = None, data: Path | None = None
    ) -> Layout:
        shared = settings.civicgraph_home / "neo4j"
        home = (home or shared).resolve()
        return cls(shared / "lib", shared / "classes", home, (data or home / "data").resolve())

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def launcher_log(self) -> Path:
        return self.logs / "launcher.log"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def pid_file(self) -> Path:
        return self.run / "neo4j.pid"

    @property
    def state_file(self) -> Path:
        return self.run / "neo4j.json"

    @property
    def ready_file(self) -> Path:
        return self.run / "ready"

    @property
    def password_file(self) -> Path:
        """The password of user ``neo4j``, owner-only (0600), beside the data it protects."""
        return self.data / "civicgraph-password"

    @property
    def stamp(self) -> Path:
        return self.lib / ".pom-sha256"

    @property
    def launcher_jar(self) -> Path:
        return self.classes / "launcher.jar"

    @property
    def class_archive(self) -> Path:
        return self.classes / "neo4j.jsa"

    def clear(self) -> None:
        """Forget a server that is gone: pid, state and ready files."""
        for path in (self.pid_file, self.state_file, self.ready_file):
            path.unlink(missing_ok=True)


USER = "neo4j"


def ensure_password(layout: Layout) -> str:
    """The local server's password, generated at first start; the file is kept at mode 0600.

    The file is created with 0600 from the start (never world-readable, even for an instant), and
    a file whose mode was widened since is narrowed again rather than trusted as is.
    """
    path = layout.password_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) != 0o600:
            path.chmod(0o600)
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    password = read_text(path) or ""
    if len(password) < 8:
        raise ConfigurationError(
            f"{path} holds no usable password (8 characters or more). Delete it and run "
            "`civicgraph neo4j start` again: a new one is generated and applied."
        )
    return password


def local_auth(layout: Layout) -> neo4j.Auth | None:
    """Credentials for the local server, or None before its first start wrote them."""
    password = read_text(layout.password_file)
    return neo4j.basic_auth(USER, password) if password else None


def parse_size(text: str, what: str) -> int:
    """Bytes from '512m', '1g', '1GiB' or a plain number, as the JVM and neo4j.conf write them."""
    match = _SIZE.match(text)
    if not match:
        raise ConfigurationError(f"{what} = {text!r} is not a size; write e.g. 512m or 2g.")
    factor = 1024 ** " kmgt".index((match.group(2) or " ").lower())
    return int(match.group(1)) * factor


def mebibytes(size: int) -> str:
    return f"{max(1, -(-size // (1 << 20)))}m"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise start/stop/fetch across processes (two shells, or test workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def spawn(cmd: list[str], log: Path) -> int:
    """Start detached: own session, no stdin, output appended to the log. Returns the pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"{LOG_MARK}{' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
    _CHILDREN[proc.pid] = proc
    return proc.pid


def pid_alive(pid: int) -> bool:
    """True for a live process; zombies count as dead (pid 1 here may never reap them)."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def is_our_launcher(pid: int, home: Path) -> bool:
    """Guards against pid reuse: the process must be our Launcher for this very home directory."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid_alive(pid)
    return b"Launcher" in args and str(home).encode() in args


def rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def bolt_error(uri: str, timeout: float = 2.0, auth: neo4j.Auth | None = None) -> str | None:
    """None when a Bolt server answers at ``uri`` and accepts ``auth``; else why not."""
    try:
        # The acquisition timeout bounds the handshake too: a silent listener otherwise costs 60 s.
        with neo4j.GraphDatabase.driver(
            uri, auth=auth, connection_timeout=timeout, connection_acquisition_timeout=timeout + 1
        ) as driver:
            driver.verify_connectivity()
    except Exception as exc:  # any failure means "not answering"; the caller reports why
        return " ".join(str(exc).split())[:300] or type(exc).__name__
    return None


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it; a small race remains)."""
    with socket.socket(socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def log_tail(log: Path, lines: int = 20) -> str:
    """The last lines written by the most recent start, for error messages."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return f"(no log at {log})"
    run = text.rsplit(LOG_MARK, 1)[-1].splitlines()[1:] if LOG_MARK in text else text.splitlines()
    return "\n".join(run[-lines:]) or "(log is empty)"


def signal_pid(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        raise CivicGraphError(f"Not allowed to signal Neo4j process {pid}: {exc}.") from exc


def wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def read_int(path: Path) -> int | None:
    """The first word of a pid or ready file as an int; None when absent or garbled."""
    words = (read_text(path) or "").split()
    return int(words[0]) if words and words[0].isdigit() else None


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
