"""``civicgraph serve`` as a real process on a free port, queried over a socket."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from graph_api.testing import ensure_loaded, serving

pytestmark = pytest.mark.neo4j


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
    from graph_api.web import server

    monkeypatch.setattr(server, "cores", lambda: cores)
    settings = Settings(neo4j_uri="bolt://127.0.0.1:1", civicgraph_api_workers=configured)
    assert server.worker_count(settings) == expected


def test_serve_answers_over_http(neo4j_driver, neo4j_uri, tmp_path: Path):
    ensure_loaded(neo4j_driver)
    log = tmp_path / "serve.log"
    with serving(neo4j_uri, log, CIVICGRAPH_API_WORKERS="2") as base:
        response = httpx.post(
            f"{base}/graphql",
            json={"query": "{ countries(first: 1) { totalCount } }"},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["data"]["countries"]["totalCount"] > 0
        # The request id middleware (plain ASGI) names each answer in its header and body.
        request_id = response.headers["x-request-id"]
        assert response.json()["extensions"]["requestId"] == request_id
        again = httpx.get(f"{base}/healthz", timeout=10)
        assert again.headers["x-request-id"] not in ("", request_id)
        wait_for_workers(log, 2)
        port = int(base.rsplit(":", 1)[1])
        # A worker listens once its start-up (indexes, heap freeze) is over, which on a busy
        # machine can be after the first worker has answered.
        deadline = time.monotonic() + 60
        while listening_sockets(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listening_sockets(port) == 2  # one SO_REUSEPORT socket per worker


def listening_sockets(port: int) -> int:
    """TCP sockets in LISTEN state on ``port`` (Linux's /proc/net/tcp and tcp6)."""
    found = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            found += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port
    return found


def test_worker_listeners_share_the_port():
    """Each worker's socket binds the same port; the kernel spreads connections over them."""
    import pickle

    from graph_api.web.listen import WorkerListener, reuse_port_socket

    first = reuse_port_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = pickle.loads(pickle.dumps(WorkerListener("127.0.0.1", port)))
    try:
        first.listen()
        second.listen()
        assert second.getsockname() == ("127.0.0.1", port)
        assert listening_sockets(port) == 2
    finally:
        first.close()
        second.close()
