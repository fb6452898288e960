"""Every GraphQL example in docs/API.md runs without errors (with the JSON block after it as
variables), so the documentation cannot drift from the API."""

from __future__ import annotations

import json
import re

import pytest

from civicgraph.paths import ROOT
from graph_api.testing import ID, TOKEN, api_settings, ensure_loaded, running_api

pytestmark = pytest.mark.neo4j

BLOCK = re.compile(r"```(graphql|json)\n(.*?)```", re.S)


def examples() -> list[tuple[str, dict | None]]:
    blocks = BLOCK.findall((ROOT / "docs" / "API.md").read_text())
    found = []
    for i, (kind, text) in enumerate(blocks):
        if kind != "graphql":
            continue
        follows = blocks[i + 1] if i + 1 < len(blocks) else None
        variables = json.loads(follows[1]) if follows and follows[0] == "json" else None
        found.append((text, variables))
    return found


def test_the_docs_have_the_promised_examples():
    texts = [t for t, _ in examples()]
    assert len(texts) >= 6
    for needle in ("paths(", "briefing(", "after:", "search(", "mutation"):
        assert any(needle in t for t in texts), needle


@pytest.fixture(scope="module")
def store(neo4j_driver):
    """The API test data, plus the #KeepItOn dataset's description (the dataset examples name
    it), retracted again afterwards with ``civicgraph unload``'s function."""
    from civicgraph.store import database
    from loaders.pipeline import load_paths
    from loaders.unload import unload

    ensure_loaded(neo4j_driver)
    neo4j_driver.execute_query(
        "MATCH (n:Resource) WHERE n.iri STARTS WITH $p DETACH DELETE n", {"p": ID + "incident/xb/"}
    )
    summary = load_paths([ROOT / "loaders" / "mappings" / "keepiton.ttl"], driver=neo4j_driver)
    yield neo4j_driver
    if not summary.counts.already_loaded:
        unload(neo4j_driver, database(), summary.load.iri)


@pytest.fixture(scope="module")
async def api(store, neo4j_uri):
    async with running_api(api_settings(neo4j_uri)) as client:
        yield client


@pytest.mark.parametrize("index", range(len(examples())))
async def test_example_runs(api, index):
    query, variables = examples()[index]
    payload = await api.gql(query, variables, token=TOKEN)
    data = payload["data"]
    assert data and all(value is not None for value in data.values())
    if "createIncident" in data:
        assert data["createIncident"]["ok"], data
    if "paths" in data:
        assert data["paths"], "the trace example should find a path"
