"""The project's own Neo4j: fetch the jars, start, stop and report it truthfully.

Neo4j runs embedded through ``neo4j/Launcher.java`` because Maven Central is reachable from our
machines and Neo4j's download site is not. Bolt listens on loopback with authentication on: the
password is generated at first start into ``<data>/civicgraph-password`` (0600) and every client
of the project reads it from there. Every answer about "running" comes from the live pid *and* an
authenticated Bolt handshake, never from a file alone.
"""

from __future__ import annotations

import json
import signal
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from civicgraph import neo4j_build as build
from civicgraph import neo4j_runtime as rt
from civicgraph.errors import CivicGraphError, ConfigurationError
from civicgraph.settings import Settings


@dataclass(frozen=True)
class Status:
    """One truthful observation of a Neo4j server; ``detail`` is a one-line message for people."""

    running: bool
    uri: str
    detail: str
    managed: bool = True
    pid: int | None = None
    stale_pid: bool = False
    rss_bytes: int | None = None
    seconds: float | None = None
    home: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fetch(settings: Settings) -> str:
    """Jars into ``<home>/neo4j/lib``, the compiled launcher, a class archive; each only once."""
    layout = rt.Layout.build(settings)
    build.check_java()
    with rt.locked(layout.lib.parent / ".fetch.lock"):
        fetched = build.fetch_jars(layout) or f"Neo4j jars already in {layout.lib} (pom unchanged)."
        build.compile_launcher(layout)
        trained = build.train_class_archive(layout)
    return f"{fetched} {trained}"


def start(
    settings: Settings,
    *,
    home: Path | None = None,
    data_dir: Path | None = None,
    port: int | None = None,
    heap: str | None = None,
    pagecache: str | None = None,
    exit_with: int | None = None,
) -> Status:
    """Start the local Neo4j unless it already runs; returns once Bolt answers.

    ``home``/``data_dir``/``port``/``heap``/``pagecache`` default to the settings; tests pass them
    to run a throwaway instance beside the developer's one without touching the environment.
    ``exit_with`` ties the server's life to that process (the test session), so a killed test
    run cannot leave a server behind.
    """
    _require_local(settings, "start")
    layout = rt.Layout.build(settings, home, data_dir)
    host = settings.civicgraph_bolt_host
    port = port or settings.civicgraph_bolt_port
    heap_bytes = rt.parse_size(heap or settings.civicgraph_neo4j_heap, "CIVICGRAPH_NEO4J_HEAP")
    cache = rt.parse_size(pagecache or settings.civicgraph_neo4j_pagecache, "pagecache")
    timeout = settings.civicgraph_neo4j_start_timeout
    with rt.locked(layout.run / "lock"):
        current = _observe(layout, settings)
        if current.running:
            return replace(current, detail=f"already running at {current.uri} (pid {current.pid})")
        if current.pid is not None and not current.stale_pid:
            return _wait_ready(layout, current.pid, current.uri, time.monotonic(), timeout)
        layout.clear()
        if not layout.stamp.exists():
            raise CivicGraphError(
                f"Neo4j's jars are not in {layout.lib}. Run `civicgraph neo4j fetch` first "
                "(needs Maven and Java 17+), or set NEO4J_URI to use an existing server."
            )
        java = build.require_tool("java")
        with rt.locked(layout.lib.parent / ".fetch.lock"):
            build.compile_launcher(layout)
        uri = f"bolt://{host}:{port}"
        if rt.port_in_use(host, port):
            raise CivicGraphError(_port_taken(uri, layout))
        for path in (layout.data, layout.logs, layout.run):
            path.mkdir(parents=True, exist_ok=True)
        rt.ensure_password(layout)
        cmd = [
            *build.java_command(layout, java, heap_bytes),
            "--home", str(layout.home), "--data", str(layout.data), "--logs", str(layout.logs),
            "--bolt", f"{host}:{port}", "--pagecache", str(cache),
            "--tx-max", str(heap_bytes // 2), "--ready-file", str(layout.ready_file),
            "--password-file", str(layout.password_file),
        ]  # fmt: skip
        if exit_with is not None:
            cmd += ["--exit-with", str(exit_with)]
        began = time.monotonic()
        pid = rt.spawn(cmd, layout.launcher_log)
        layout.pid_file.write_text(f"{pid}\n")
        state = {"pid": pid, "uri": uri, "data": str(layout.data), "started": time.time()}
        layout.state_file.write_text(json.dumps(state))
        return _wait_ready(layout, pid, uri, began, timeout)


def stop(settings: Settings, *, home: Path | None = None, timeout: float = 60.0) -> Status:
    """SIGTERM and wait for Neo4j's clean shutdown; SIGKILL only after ``timeout`` seconds."""
    _require_local(settings, "stop")
    layout = rt.Layout.build(settings, home)
    with rt.locked(layout.run / "lock"):
        current = _observe(layout, settings)
        if current.pid is None:
            return replace(current, detail=f"not running (nothing to stop in {layout.home})")
        if current.stale_pid:
            layout.clear()
            return replace(current, detail=f"not running; removed stale pid file {current.pid}")
        pid, began = current.pid, time.monotonic()
        rt.signal_pid(pid, signal.SIGTERM)
        how = "stopped cleanly"
        if not rt.wait_exit(pid, timeout):
            rt.signal_pid(pid, signal.SIGKILL)
            rt.wait_exit(pid, 10.0)
            how = f"did not stop within {timeout:.0f} s and was killed"
        layout.clear()
        seconds = time.monotonic() - began
        return Status(False, current.uri, f"{how} (pid {pid}, {seconds:.1f} s)", pid=pid,
                      seconds=seconds, home=str(layout.home))  # fmt: skip


def status(settings: Settings, *, home: Path | None = None) -> Status:
    """Running means: the pid is alive, is our launcher for this home, and Bolt answers."""
    if not settings.local:
        uri = settings.bolt_uri
        from civicgraph.store import open_driver

        try:
            open_driver(settings).close()
        except CivicGraphError as exc:
            return Status(False, uri, f"external Neo4j not answering: {exc}", managed=False)
        return Status(True, uri, f"external Neo4j answering at {uri} (NEO4J_URI)", managed=False)
    return _observe(rt.Layout.build(settings, home), settings)


def client_settings(settings: Settings, state: Status) -> Settings:
    """Settings that reach the local instance ``state`` describes as a client would reach any
    server: its URI and the password from its data directory. Tests and benchmarks use this for
    throwaway instances beside the developer's own."""
    home = Path(state.home) if state.home else None
    auth = rt.read_text(rt.Layout.build(settings, home).password_file) or ""
    return settings.model_copy(
        update={"neo4j_uri": state.uri, "neo4j_user": rt.USER, "neo4j_password": SecretStr(auth)}
    )


def ensure_running(settings: Settings) -> str:
    """The Bolt URI to use: the external server when NEO4J_URI is set (checked), else local."""
    if not settings.local:
        from civicgraph.store import open_driver

        open_driver(settings).close()
        return settings.bolt_uri
    return start(settings).uri


def _observe(layout: rt.Layout, settings: Settings) -> Status:
    home = str(layout.home)
    uri = rt.read_json(layout.state_file).get("uri", settings.bolt_uri)
    pid = rt.read_int(layout.pid_file)
    if pid is None:
        return Status(False, uri, f"not running (no pid file in {layout.run})", home=home)
    if not (rt.pid_alive(pid) and rt.is_our_launcher(pid, layout.home)):
        detail = f"not running; stale pid file {layout.pid_file} names pid {pid}, which is gone"
        return Status(False, uri, detail, pid=pid, stale_pid=True, home=home)
    rss = rt.rss_bytes(pid)
    if rt.read_int(layout.ready_file) != pid:
        detail = f"starting: process {pid} is alive but the database is not online yet ({uri})"
        return Status(False, uri, detail, pid=pid, rss_bytes=rss, home=home)
    error = rt.bolt_error(uri, auth=rt.local_auth(layout))
    if error is not None:
        detail = f"process {pid} is alive but Bolt at {uri} does not answer ({error})"
        return Status(False, uri, detail, pid=pid, rss_bytes=rss, home=home)
    mb = f", RSS {rss / 2**20:.0f} MiB" if rss else ""
    return Status(True, uri, f"running at {uri} (pid {pid}{mb})", pid=pid, rss_bytes=rss, home=home)


def _wait_ready(layout: rt.Layout, pid: int, uri: str, began: float, timeout: float) -> Status:
    home = str(layout.home)
    while True:
        if not rt.pid_alive(pid):
            layout.clear()
            raise CivicGraphError(
                f"Neo4j exited during start-up (pid {pid}, {uri}). Last lines of "
                f"{layout.launcher_log} (details in {layout.logs / 'debug.log'}):\n"
                + rt.log_tail(layout.launcher_log)
            )
        ready = rt.read_int(layout.ready_file) == pid
        if ready and rt.bolt_error(uri, timeout=1.0, auth=rt.local_auth(layout)) is None:
            seconds = time.monotonic() - began
            detail = f"started at {uri} (pid {pid}) in {seconds:.1f} s"
            rss = rt.rss_bytes(pid)
            return Status(True, uri, detail, pid=pid, rss_bytes=rss, seconds=seconds, home=home)
        if time.monotonic() - began > timeout:
            rt.signal_pid(pid, signal.SIGKILL)
            rt.wait_exit(pid, 10.0)
            layout.clear()
            raise CivicGraphError(
                f"Neo4j did not answer on {uri} within {timeout:g} s and was killed; raise "
                f"CIVICGRAPH_NEO4J_START_TIMEOUT if the machine is slow. Last lines of "
                f"{layout.launcher_log}:\n" + rt.log_tail(layout.launcher_log)
            )
        time.sleep(0.25)


def _port_taken(uri: str, layout: rt.Layout) -> str:
    if rt.bolt_error(uri, timeout=1.0) is None:
        what = "another Neo4j (not the one this project manages from {home}) already answers there"
    else:
        what = "another program already listens there"
    return (
        f"Cannot start Neo4j on {uri}: {what.format(home=layout.home)}. Stop it, choose another "
        "port with CIVICGRAPH_BOLT_PORT, or set NEO4J_URI to use that server."
    )


def _require_local(settings: Settings, action: str) -> None:
    if not settings.local:
        raise ConfigurationError(
            f"NEO4J_URI is set ({settings.neo4j_uri}), so there is no local Neo4j to {action}; "
            "unset NEO4J_URI to manage the local server."
        )
