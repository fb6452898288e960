"""Issue 7, the API side: never a 500, never a hang, bounded work, bounded IRIs, one depth rule.

Each test here failed before its fix. Mutations touch only the invented country Otherland (XB);
the ``startFrom`` test reads the invented Farland (XM) incidents of the illustrative fixtures.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import pytest

from civicgraph.iris import MAX_SLUG, mint, slug
from graph_api.testing import EX, ID, TOKEN, api_settings, node_count, running_api

pytestmark = pytest.mark.neo4j

XB = EX + "country/xb"
NOTES = EX + "source/api-notes"
MEGABYTE = 1_000_000


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def _nested_json(depth: int) -> str:
    """JSON of ``_nested(depth)``, written out (``json.dumps`` itself recurses)."""
    return '{"a": ' * depth + '"leaf"' + "}" * depth


def _error_message(response: Any) -> str:
    payload = response.json()
    assert list(payload) == ["errors"], payload
    return str(payload["errors"][0]["message"])


# --- 2: bodies that are not a GraphQL request object --------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'"{ __typename }"', "object"),
        (b"42", "object"),
        (b"null", "object"),
        (b"true", "object"),
        (b"[]", "object"),
        (b'{"query": "{ __typename }", "variables": "x"}', "variables"),
        (b'{"query": "{ __typename }", "variables": [1]}', "variables"),
        (b'{"query": "{ __typename }", "extensions": 3}', "extensions"),
        (b'{"query": 7}', "query"),
        (b'{"query": "{ __typename }", "operationName": 5}', "operationName"),
        (b"{not json", "JSON"),
        (b'{"query": "{ __typename }", "variables": {"x": ' + b"1" * 5000 + b"}}", "JSON"),
    ],
)
async def test_bodies_that_are_not_a_request_object_are_400_with_a_graphql_error(api, body, says):
    for accept in ("application/json", "application/graphql-response+json"):
        response = await api.client.post(
            "/graphql", content=body, headers={"Content-Type": "application/json", "Accept": accept}
        )
        assert response.status_code == 400, response.text
        assert says in _error_message(response)


async def test_deeply_nested_variables_are_400_not_500(api):
    query = "{ __typename }"
    for depth in (1_000, 5_000, 100_000):
        body = '{"query": "' + query + '", "variables": {"v": ' + _nested_json(depth) + "}}"
        response = await api.client.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text[:300]
        assert "nested" in _error_message(response)
    over_get = await api.client.get(
        "/graphql", params={"query": query, "variables": '{"v": ' + _nested_json(2_000) + "}"}
    )
    assert over_get.status_code == 400 and "nested" in _error_message(over_get)


async def test_moderately_nested_variables_still_work(api):
    payload = await api.gql("{ __typename }", {"x": _nested(30)})
    assert payload["data"] == {"__typename": "Query"}


async def test_a_deeply_nested_document_is_refused_not_500(api):
    # Under the token limit (4,000) but deep enough to exhaust a recursive parser.
    deep = "{ " + "a { " * 1_900 + "b" + " }" * 1_901
    response = await api.post(deep)
    assert response.status_code in (200, 400), response.text[:300]
    assert response.json()["errors"]


# --- 3: mutations while the store is down --------------------------------------------------------


class _Proxy:
    """A TCP forwarder to Neo4j that can be cut, so the API sees the store go away."""

    def __init__(self, target: str):
        host, _, port = target.rpartition("/")[2].rpartition(":")
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


UPDATE_MISSING = """mutation { updateIncident(id: "%s", input: {status: "ended"}) {
    ok errors { field rule } } }""" % (EX + "incident/xb/missing")


async def test_a_mutation_while_the_store_is_down_answers_store_unavailable_in_time(
    store, neo4j_uri
):
    timeout = 2.0
    proxy = _Proxy(neo4j_uri)
    settings = api_settings(f"bolt://127.0.0.1:{proxy.port}", civicgraph_query_timeout=timeout)
    async with running_api(settings) as api:
        up = await api.gql(UPDATE_MISSING, token=TOKEN)
        assert up["data"]["updateIncident"]["errors"][0]["field"] == "id"
        proxy.cut()
        began = time.monotonic()
        response = await api.post(UPDATE_MISSING, headers={"Authorization": f"Bearer {TOKEN}"})
        elapsed = time.monotonic() - began
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "STORE_UNAVAILABLE", error
        assert elapsed < timeout, elapsed
        create = await api.post(
            """mutation($i: IncidentInput!) { createIncident(input: $i) { ok } }""",
            {"i": {"label": "Otherland down (illustrative)", "source": [NOTES], "country": XB}},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert create.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"


async def test_a_mutation_when_the_store_never_answered_is_store_unavailable():
    settings = api_settings("bolt://127.0.0.1:9", civicgraph_query_timeout=2.0)  # discard port
    async with running_api(settings) as down:
        began = time.monotonic()
        response = await down.post(UPDATE_MISSING, headers={"Authorization": f"Bearer {TOKEN}"})
        assert time.monotonic() - began < 2.0
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "STORE_UNAVAILABLE", error
        assert "Internal" not in error["message"]


# --- 4: bounded text searches --------------------------------------------------------------------


async def test_one_huge_search_word_is_bad_user_input_naming_the_limit(api):
    limit = api_settings("bolt://x").civicgraph_max_text_length
    huge = "a" * MEGABYTE
    for query in (
        "query($t: String!) { search(text: $t) { score } }",
        "query($t: String!) { incidents(filter: {text: $t}) { totalCount } }",
        "query($t: String!) { countries(filter: {text: $t}) { totalCount } }",
        "query($t: String!) { nodes(types: [Incident], text: $t) { totalCount } }",
        "query($t: String!) { incidentCounts(by: YEAR, filter: {text: $t}) { count } }",
    ):
        errors = await api.errors(query, {"t": huge})
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors[0]
        assert f"{limit:,}" in errors[0]["message"] and "characters" in errors[0]["message"]
    # Punctuation splits one "word" into many Lucene terms; it is bounded by the same limit.
    dotted = ".".join("a" * 3 for _ in range(limit))
    errors = await api.errors("query($t: String!) { search(text: $t) { score } }", {"t": dotted})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    at_limit = "b." * (limit // 2)
    payload = await api.gql("query($t: String!) { search(text: $t) { score } }", {"t": at_limit})
    assert isinstance(payload["data"]["search"], list)


async def test_text_searches_per_request_are_budgeted_across_aliases(api):
    budget = api_settings("bolt://x").civicgraph_max_text_searches
    within = " ".join(f'a{i}: search(text: "shutdown") {{ score }}' for i in range(budget))
    assert len((await api.gql("{ " + within + " }"))["data"]) == budget
    over = " ".join(
        f'a{i}: incidents(filter: {{text: "shutdown"}}) {{ totalCount }}' for i in range(budget)
    )
    response = await api.post('{ s: search(text: "x") { score } ' + over + " }")
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"BAD_USER_INPUT"}
    assert f"{budget}" in response.json()["errors"][0]["message"]


# --- 5: labels that cannot make an IRI ------------------------------------------------------------

CREATE = """mutation($input: IncidentInput!) { createIncident(input: $input) {
  ok errors { field rule message } node { id label } } }"""


def _incident(label: str) -> dict[str, object]:
    return {
        "label": label,
        "startDate": "2023-06-01",
        "country": XB,
        "threatType": [ID + "threat/internet-shutdown"],
        "source": [NOTES],
    }


@pytest.fixture
def clean_xb(store):
    store.execute_query(
        "MATCH (n:Resource) WHERE n.iri STARTS WITH $a DETACH DELETE n",
        {"a": ID + "incident/xb/2023-06-01/"},
    )
    return store


@pytest.mark.parametrize(
    ("label", "rule"),
    [("x" * MEGABYTE, "maxLength"), ("", "minLength"), ("   ", "minLength"), ("?!", "pattern")],
)
async def test_unusable_labels_are_field_errors(api, clean_xb, label, rule):
    before = node_count(clean_xb)
    payload = await api.gql(CREATE, {"input": _incident(label)}, token=TOKEN)
    result = payload["data"]["createIncident"]
    assert not result["ok"] and result["node"] is None
    assert [(e["field"], e["rule"]) for e in result["errors"]] == [("label", rule)]
    assert result["errors"][0]["message"]
    assert node_count(clean_xb) == before


async def test_long_and_non_latin_labels_get_bounded_distinct_iris(api, clean_xb):
    stem = "Otherland outage of every network in every province (illustrative) " * 6
    iris = set()
    for label in (stem + "first", stem + "second", "Отключение связи в Отерланде"):
        result = (await api.gql(CREATE, {"input": _incident(label)}, token=TOKEN))["data"]
        assert result["createIncident"]["ok"], result
        assert result["createIncident"]["node"]["label"] == label
        iris.add(result["createIncident"]["node"]["id"])
    assert len(iris) == 3
    assert all(len(iri) < len(ID) + 3 * MAX_SLUG for iri in iris)


def test_mint_keeps_short_keys_and_bounds_long_ones():
    assert str(mint("incident", "in", "2019-08-04")) == ID + "incident/in/2019-08-04"
    assert slug("Section 144 CrPC") == "section-144-crpc"
    long_key = "Ministry of Posts and Telecommunications " * 1_000
    bounded = slug(long_key)
    assert len(bounded) <= MAX_SLUG and bounded.startswith("ministry-of-posts")
    assert slug(long_key) == bounded == slug(long_key.upper())  # stable, case-insensitive
    assert slug(long_key + "x") != bounded  # a difference past the prefix still counts
    assert slug("x" * MAX_SLUG) == "x" * MAX_SLUG  # keys up to the limit are unchanged
    assert slug("Отключение") != slug("Блокировка")
    assert slug("Отключение") == slug("ОТКЛЮЧЕНИЕ") and len(slug("Отключение")) <= MAX_SLUG
    for empty in ("", "  ", "?!", "—"):
        with pytest.raises(ValueError, match="no letters or digits"):
            slug(empty)


# --- 7: the depth limit, counted as the docs count it -------------------------------------------


def _deep(levels: int) -> str:
    """A query whose longest chain of fields is ``levels`` long (the leaf included)."""
    chain = ["node(id: $id)"]
    cycle = ["... on Country { countryInverse(first: 1)", "nodes", "... on Incident { country"]
    while len(chain) < levels - 1:
        chain.append(cycle[(len(chain) - 1) % 3])
    leaf = "totalCount" if "countryInverse" in chain[-1] else "id"
    opened = " { ".join(chain) + " { " + leaf
    return "query($id: ID!) { " + opened + " }" * (opened.count("{") + 1)


@pytest.mark.parametrize(("levels", "ok"), [(12, True), (13, False)])
async def test_depth_limit_is_twelve_levels(api, levels, ok):
    query = _deep(levels)
    response = await api.post(query, {"id": EX + "country/xa"})
    errors = response.json().get("errors")
    if ok:
        assert not errors, errors
    else:
        assert errors and "deeper than 12" in errors[0]["message"]


# --- 13: ongoing incidents are going on after any date ------------------------------------------

XM = EX + "incident/xm/"


async def test_start_from_keeps_ongoing_incidents(api):
    query = """query($f: IncidentFilter) { incidents(filter: $f) { totalCount nodes { id } } }"""

    async def ids(flt: dict[str, Any]) -> set[str]:
        result = (await api.gql(query, {"f": {"country": "XM", **flt}}))["data"]["incidents"]
        assert result["totalCount"] == len(result["nodes"])
        return {n["id"] for n in result["nodes"]}

    assert await ids({"startFrom": "2022-01-01"}) == {
        XM + "2018-ongoing",
        XM + "2018-no-end-date",
        XM + "2018-to-2023",
        XM + "2022-one-day",
    }
    assert await ids({"startFrom": "2022-01-02"}) == {
        XM + "2018-ongoing",
        XM + "2018-no-end-date",
        XM + "2018-to-2023",
    }
    assert await ids({"startFrom": "2019-01-01", "startTo": "2018-12-31"}) == {
        XM + "2018-ongoing",
        XM + "2018-no-end-date",
        XM + "2018-to-2023",
    }
