"""``civicgraph up`` as ``make up`` runs it: a real process that loads the reference dataset into
the session's Neo4j (as an external server, through NEO4J_URI) and then serves the API over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import neo4j

from civicgraph.neo4j_runtime import free_port

QUERY = """{ resolutions(first: 20) { totalCount edges { node { ... on Resolution {
  symbol adoptionDate adoptedBy { label } } } } } }"""


def _wait_ready(base: str, proc: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert proc.poll() is None, (
            f"civicgraph up exited early:\n{proc.stdout.read() if proc.stdout else ''}"
        )
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("the API did not become ready within the deadline")


def test_up_loads_then_serves_the_reference_dataset(
    empty_store: neo4j.Driver, neo4j_uri: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "CIVICGRAPH_API_PORT": str(port),
        "CIVICGRAPH_API_HOST": "127.0.0.1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicgraph.cli", "up", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, time.monotonic() + 180)
        response = httpx.post(f"{base}/graphql", json={"query": QUERY}, timeout=30)
        assert response.status_code == 200, response.text
        data = response.json()["data"]["resolutions"]
        symbols = {e["node"]["symbol"]: e["node"] for e in data["edges"]}
        assert data["totalCount"] == 7
        assert symbols["A/HRC/RES/20/8"]["adoptionDate"] == "2012-07-05"
        assert symbols["A/RES/68/167"]["adoptedBy"]["label"].endswith("General Assembly")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
