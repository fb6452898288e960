"""Helpers for testing the API over HTTP against a real Neo4j (used by ``tests/test_api_*``).

The store is loaded through the loader (``loaders.pipeline.load_paths``) with the ontology, the
reference dataset and the illustrative fixtures in ``tests/fixtures/api``; the app runs in-process
with its lifespan, and requests go through httpx's ASGI transport, i.e. real HTTP semantics
without a socket.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import neo4j
from pydantic import SecretStr

from civicgraph.neo4j_runtime import free_port
from civicgraph.paths import ROOT, ontology_files, reference_files
from civicgraph.settings import Settings
from graph_api.web.app import create_app

FIXTURES = ROOT / "tests" / "fixtures" / "api"
EX = "https://w3id.org/civic-space-graph/id/example/"
ID = "https://w3id.org/civic-space-graph/id/"
MARKER = EX + "incident/xa/2019-shutdown"
SERVE_WAIT = 180.0  # seconds; a loaded 2-core CI machine is slow to import the app
TOKEN = "curator-test-token-0123456789"


def store_files() -> list[Path]:
    return [*ontology_files(), *reference_files(), *sorted(FIXTURES.glob("*.ttl"))]


def has_marker(driver: neo4j.Driver) -> bool:
    records, _, _ = driver.execute_query(
        "MATCH (n:Resource {iri: $iri}) RETURN count(n) AS n", {"iri": MARKER}
    )
    return bool(records[0]["n"])


def ensure_loaded(driver: neo4j.Driver, *, fresh: bool = False) -> None:
    """Load the API test data unless it is already there (other tests may have wiped it)."""
    from loaders.pipeline import load_paths

    if not fresh and has_marker(driver):
        return
    driver.execute_query("MATCH (n) DETACH DELETE n")
    load_paths(store_files(), driver=driver)


def api_settings(uri: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"neo4j_uri": uri, "civicgraph_api_tokens": [SecretStr(TOKEN)]}
    values.update(overrides)
    return Settings(**values)


@dataclass
class Api:
    """A client that speaks GraphQL over HTTP to the app."""

    client: httpx.AsyncClient

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.client.post("/graphql", json=body, **kwargs)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The JSON response of a query that must succeed (status 200, no errors)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.post(query, variables, headers=headers)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        assert not payload.get("errors"), payload["errors"]
        return payload

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> list[dict[str, Any]]:
        """The errors of a query that must fail as GraphQL (never a 500)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.post(query, variables, headers=headers)
        assert response.status_code in (200, 400), response.text
        payload: dict[str, Any] = response.json()
        assert payload.get("errors"), payload
        return list(payload["errors"])


@asynccontextmanager
async def running_api(settings: Settings, *, lean_post: bool = True) -> AsyncIterator[Api]:
    app = create_app(settings, lean_post=lean_post)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield Api(client)


def node_count(driver: neo4j.Driver) -> tuple[int, int]:
    """(nodes, relationships): to check that refused requests changed nothing."""
    records, _, _ = driver.execute_query(
        "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels"
    )
    return int(records[0]["nodes"]), int(records[0]["rels"])


@contextmanager
def serving(neo4j_uri: str, log_path: Path, **env: str) -> Iterator[str]:
    """A real ``civicgraph serve`` process on a free loopback port, ready (``/readyz`` 200);
    yields its base URL. ``env`` adds environment variables (e.g. CIVICGRAPH_API_WORKERS)."""
    port = free_port()
    full_env = {**os.environ, "NEO4J_URI": neo4j_uri, "CIVICGRAPH_API_TOKENS": "[]", **env}
    cli = [sys.executable, "-m", "civicgraph.cli", "serve", "--port", str(port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(cli, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVE_WAIT
            while not _ready(base):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"serve was not ready within {SERVE_WAIT} s"
                time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
