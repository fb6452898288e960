"""``civicgraph serve`` as a real process on a free port, queried over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graph_api.testing import ensure_loaded

pytestmark = pytest.mark.neo4j


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_workers(log: Path, count: int) -> None:
    """uvicorn logs one "Started server process [pid]" per worker."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pids = {line for line in log.read_text().splitlines() if "Started server process" in line}
        if len(pids) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} workers started:\n{log.read_text()}")


@pytest.mark.parametrize(
    ("configured", "cores", "expected"), [(None, 1, 1), (None, 2, 2), (None, 16, 4), (3, 2, 3)]
)
def test_worker_count(monkeypatch, configured, cores, expected):
    from civicgraph.settings import Settings
    from graph_api import server

    monkeypatch.setattr(server, "cores", lambda: cores)
    settings = Settings(neo4j_uri="bolt://127.0.0.1:1", civicgraph_api_workers=configured)
    assert server.worker_count(settings) == expected


def test_serve_answers_over_http(neo4j_driver, neo4j_uri, tmp_path: Path):
    ensure_loaded(neo4j_driver)
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "CIVICGRAPH_API_TOKENS": "[]",
        "CIVICGRAPH_API_WORKERS": "2",
    }
    cli = [sys.executable, "-m", "civicgraph.cli", "serve", "--port", str(port)]
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(cli, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve did not start within 120 s"
            time.sleep(0.3)
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        response = httpx.post(
            f"{base}/graphql",
            json={"query": "{ countries(first: 1) { totalCount } }"},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["data"]["countries"]["totalCount"] > 0
        wait_for_workers(tmp_path / "serve.log", 2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
