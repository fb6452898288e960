"""Serving details: probes, SDL, GraphQL-over-HTTP conformance, limits and error masking."""

from __future__ import annotations

import pytest

from civicgraph.paths import GRAPHQL_SDL
from graph_api.testing import EX, api_settings, running_api

pytestmark = pytest.mark.neo4j

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_probes_and_sdl(api):
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    sdl = await api.client.get("/schema.graphql")
    assert sdl.status_code == 200 and sdl.text == GRAPHQL_SDL.read_text()
    assert sdl.headers["content-type"].startswith("application/graphql")


async def test_readyz_is_503_when_neo4j_is_down():
    settings = api_settings("bolt://127.0.0.1:9")  # nothing listens on the discard port
    async with running_api(settings) as down:
        assert (await down.client.get("/healthz")).status_code == 200
        ready = await down.client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        assert ready.json()["reason"] == "neo4j-unreachable"
        assert "bolt://127.0.0.1:9" in ready.json()["detail"]
        response = await down.post("{ incidents { totalCount } }")
        assert response.status_code == 200
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "STORE_UNAVAILABLE"


@pytest.mark.parametrize(
    ("overrides", "reason", "words"),
    [
        (
            {"neo4j_password": "not-the-password"},
            "authentication-refused",
            "refused the credentials",
        ),
        ({"neo4j_database": "nosuchdb"}, "database-missing", "no database 'nosuchdb'"),
    ],
)
async def test_readyz_says_why_the_store_is_not_ready(neo4j_uri, overrides, reason, words):
    async with running_api(api_settings(neo4j_uri, **overrides)) as api:
        ready = await api.client.get("/readyz")
    assert ready.status_code == 503, ready.text
    body = ready.json()
    assert body["reason"] == reason and words in body["detail"], body
    assert "not-the-password" not in ready.text


async def test_graphiql_in_a_browser(api):
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_queries_over_get_and_mutations_refused_over_get(api):
    ok = await api.client.get(
        "/graphql", params={"query": "{ countries(first: 1) { totalCount } }"}
    )
    assert ok.status_code == 200 and ok.json()["data"]["countries"]["totalCount"] > 0
    refused = await api.client.get(
        "/graphql", params={"query": 'mutation { updateLaw(id: "x", input: {}) { ok } }'}
    )
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


async def test_media_type_negotiation(api):
    query = {"query": "{ countries(first: 1) { totalCount } }"}
    plain = await api.client.post("/graphql", json=query, headers={"Accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/json")
    modern = await api.client.post(
        "/graphql", json=query, headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
    )
    assert modern.status_code == 200
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    # A document that does not validate: 400 with graphql-response+json, 200 with JSON.
    bad = {"query": "{ nope }"}
    strict = await api.client.post("/graphql", json=bad, headers={"Accept": GRAPHQL_RESPONSE})
    assert strict.status_code == 400 and "data" not in strict.json()
    legacy = await api.client.post("/graphql", json=bad, headers={"Accept": "application/json"})
    assert legacy.status_code == 200 and legacy.json()["errors"]
    # An execution error keeps 200 and data under either media type.
    cursor = {"query": '{ incidents(after: "bad") { totalCount } }'}
    exec_error = await api.client.post(
        "/graphql", json=cursor, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert exec_error.status_code == 200 and "data" in exec_error.json()


async def test_malformed_requests_are_400(api):
    broken = await api.client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    empty = await api.client.post("/graphql", json={})
    assert empty.status_code == 400
    syntax = await api.post("{ incidents { ")
    assert syntax.status_code == 200 and "Syntax Error" in syntax.json()["errors"][0]["message"]


async def test_depth_alias_and_token_limits(api):
    nested = "... on Country { countryInverse { nodes { ... on Incident { country { " * 4
    deep = "query($id: ID!) { node(id: $id) { " + nested + "id" + " } } } } }" * 4 + " } }"
    errors = await api.errors(deep, {"id": EX + "country/xa"})
    assert "deeper than 12 levels" in errors[0]["message"]
    aliases = (
        "{ " + " ".join(f"a{i}: countries(first: 1) {{ totalCount }}" for i in range(40)) + " }"
    )
    errors = await api.errors(aliases)
    assert "aliases" in errors[0]["message"]
    tokens = "{ " + "__typename " * 5000 + "}"
    errors = await api.errors(tokens)
    assert "token" in errors[0]["message"].lower()


async def test_introspection_is_not_limited_by_depth(api):
    from graphql import get_introspection_query

    payload = await api.gql(get_introspection_query())
    assert payload["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_internal_errors_are_masked_with_a_request_id(api, monkeypatch, caplog):
    from graph_api.queries import search

    monkeypatch.setattr(search, "MAX_WORDS", None)  # breaks the word-count comparison
    response = await api.post('{ search(text: "internet") { score } }')
    assert response.status_code == 200
    error = response.json()["errors"][0]
    request_id = response.json()["extensions"]["requestId"]
    assert error["message"] == f"Internal error (request id {request_id})."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert "TypeError" not in response.text
    assert request_id in caplog.text


async def test_every_answer_has_its_own_request_id(api):
    """The id is in the header of every answer (GraphQL, refused bodies, probes) and, for
    GraphQL, the same one in ``extensions.requestId``."""
    first = await api.post("{ __typename }")
    second = await api.post("{ __typename }")
    ids = [r.headers["x-request-id"] for r in (first, second)]
    assert [r.json()["extensions"]["requestId"] for r in (first, second)] == ids
    assert len(set(ids)) == 2 and all(len(i) == 16 for i in ids)
    refused = await api.client.post(
        "/graphql", content=b"[1]", headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 400 and len(refused.headers["x-request-id"]) == 16
    assert len((await api.client.get("/healthz")).headers["x-request-id"]) == 16


async def test_a_served_app_freezes_its_start_up_heap(neo4j_uri):
    """Served workers move the start-up objects out of the collector's reach (a full
    collection of them stalled every request in flight); test apps do not."""
    import gc

    from graph_api.web.app import create_app

    gc.unfreeze()
    plain = create_app(api_settings(neo4j_uri))
    async with plain.router.lifespan_context(plain):
        assert gc.get_freeze_count() == 0
    served = create_app(api_settings(neo4j_uri), freeze_heap=True)
    try:
        async with served.router.lifespan_context(served):
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


async def test_every_query_runs_under_the_transaction_timeout(neo4j_uri):
    """Resolvers read through ``Db``, which gives each query the configured timeout."""
    from civicgraph import store
    from graph_api.errors import UserError
    from graph_api.queries.db import Db

    settings = api_settings(neo4j_uri)
    driver = store.open_async_driver(settings)
    try:
        db = Db(driver, store.database(settings), timeout=0.2)
        with pytest.raises(UserError) as caught:
            await db.read("UNWIND range(1, 500000000) AS x WITH x WHERE x < 0 RETURN count(x)")
        assert caught.value.extensions["code"] == "QUERY_TIMEOUT"
    finally:
        await driver.close()
