"""The plain POST path (``graph_api.web.graphql_post``) answers exactly as the router does.

Every other API test already runs through the plain path; here the same requests, well-formed and
not, go to an app with it and to one without it (``lean_post=False``), and status, headers and
body must match, request ids aside (each answer has its own).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from graph_api.testing import TOKEN, api_settings, running_api

pytestmark = pytest.mark.neo4j

GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERY = "{ countries(first: 2) { totalCount edges { node { id label } } } }"
JSON_HEADERS = {"Content-Type": "application/json"}
# (what, body bytes, extra headers)
REQUESTS: list[tuple[str, bytes, dict[str, str]]] = [
    ("a query", json.dumps({"query": QUERY}).encode(), {}),
    ("graphql-response+json", json.dumps({"query": QUERY}).encode(), {"Accept": GRAPHQL_RESPONSE}),
    ("no Accept preference", json.dumps({"query": QUERY}).encode(), {"Accept": "*/*"}),
    ("charset in content type", json.dumps({"query": QUERY}).encode(),
     {"Content-Type": "application/json; charset=utf-8"}),
    ("variables", json.dumps({"query": "query($n: Int) { countries(first: $n) { totalCount } }",
                              "variables": {"n": 1}}).encode(), {}),
    ("a wrong variable type", json.dumps({"query": "query($n: Int) { countries(first: $n) "
                                          "{ totalCount } }", "variables": {"n": "x"}}).encode(),
     {"Accept": GRAPHQL_RESPONSE}),
    ("not valid", json.dumps({"query": "{ nope }"}).encode(), {}),
    ("not valid, strict", json.dumps({"query": "{ nope }"}).encode(),
     {"Accept": GRAPHQL_RESPONSE}),
    ("syntax error", json.dumps({"query": "{ incidents { "}).encode(), {}),
    ("an execution error", json.dumps({"query": '{ incidents(after: "bad") { totalCount } }'})
     .encode(), {"Accept": GRAPHQL_RESPONSE}),
    ("broken JSON", b"{not json", {}),
    ("broken JSON, strict", b"{not json", {"Accept": GRAPHQL_RESPONSE}),
    ("too deep JSON", b"[" * 100 + b"]" * 100, {}),
    ("an empty body", b"", {}),
    ("a number too long to read", b"1" * 5000, {}),
    ("not UTF-8", b'{"query": "\xff"}', {}),
    ("an array (batch)", b"[]", {}),
    ("a string", b'"query"', {}),
    ("no query", b"{}", {}),
    ("query not a string", json.dumps({"query": 1}).encode(), {}),
    ("variables not an object", json.dumps({"query": QUERY, "variables": [1]}).encode(), {}),
    ("unknown operation", json.dumps({"query": QUERY, "operationName": "Nope"}).encode(), {}),
    ("two operations, none named", json.dumps({"query": "query A { __typename } "
                                               "query B { __typename }"}).encode(), {}),
    ("a mutation without a token", json.dumps({"query": 'mutation { updateLaw(id: "x", '
                                               "input: {}) { ok } }"}).encode(), {}),
    ("a mutation with a wrong token", json.dumps({"query": 'mutation { updateLaw(id: "x", '
                                                  "input: {}) { ok } }"}).encode(),
     {"Authorization": "Bearer wrong"}),
    ("too deep a query", json.dumps({"query": "{ " + "node(id: \"x\") { ... on Country { "
                                     "countryInverse { nodes { " * 4 + "id" + " } } }" * 4
                                     + " }"}).encode(), {}),
    ("introspection", json.dumps({"query": "{ __schema { queryType { name } } }"}).encode(), {}),
]  # fmt: skip
REQUEST_ID = re.compile(rb'"requestId":"[0-9a-f]+"')


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers in order and body; a request id (16 hex digits) stands in as one mark."""
    assert re.fullmatch("[0-9a-f]{16}", response.headers["x-request-id"])
    headers = [(k, v) for k, v in response.headers.items() if k != "x-request-id"]
    return response.status_code, headers, REQUEST_ID.sub(b'"requestId":"-"', response.content)


@pytest.fixture(scope="module")
async def both(store: Any, neo4j_uri: str) -> Any:
    settings = api_settings(neo4j_uri)
    async with running_api(settings) as lean, running_api(settings, lean_post=False) as routed:
        yield lean, routed


@pytest.mark.parametrize(("what", "body", "headers"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_same_answer_as_the_router(both, what, body, headers):
    lean, routed = both
    sent = {**JSON_HEADERS, **headers}
    a = await lean.client.post("/graphql", content=body, headers=sent)
    b = await routed.client.post("/graphql", content=body, headers=sent)
    assert comparable(a) == comparable(b), (what, a.text, b.text)
    assert a.status_code != 500, a.text


async def test_a_curator_mutation_is_authorised_on_the_plain_path(both):
    lean, _ = both
    query = 'mutation { updateLaw(id: "https://example.org/none", input: {}) { ok } }'
    refused = await lean.post(query)
    allowed = await lean.post(query, headers={"Authorization": f"Bearer {TOKEN}"})
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not any(
        e.get("extensions", {}).get("code") == "UNAUTHENTICATED"
        for e in allowed.json().get("errors", [])
    ), allowed.text


async def test_other_requests_still_reach_the_router(both):
    lean, _ = both
    page = await lean.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    form = await lean.client.post(
        "/graphql", content=b"query={__typename}", headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 400 and "Unsupported content type" in form.text
