"""One Cypher query per root field: the selection is compiled, not resolved field by field.

The benchmark queries Q1-Q3 of bench/api (lists with nested relationships, a node with its
neighbours and edge sources, a filtered list with totalCount) each cost exactly one query, as
``extensions.cypherQueries`` reports; the answers are the fixture's facts.
"""

from __future__ import annotations

import pytest

from graph_api.testing import EX, ID

pytestmark = pytest.mark.neo4j

SHUTDOWN = EX + "incident/xa/2019-shutdown"

Q1 = """{ incidents(first: 100) { edges { node { id label ... on Incident {
  startDate country { id label } invokedLaw { nodes { id label } }
  restrictsRight { nodes { id label } } } } } } }"""

Q2 = """query($id: ID!) { node(id: $id) { __typename id label sources { id }
  ... on Incident { startDate endDate status
    country { id isoAlpha2 label(lang: "fr") }
    threatType { totalCount nodes { id label } }
    invokedLaw { edges { cursor sources { id } node { __typename id
      ... on Law { jurisdiction { id } } } } pageInfo { hasNextPage endCursor } }
    restrictsRight(first: 1) { totalCount pageInfo { hasNextPage } nodes { id } } } } }"""

Q3 = """{ incidents(first: 100, filter: {country: "XA", startFrom: "2019-01-01",
  startTo: "2019-12-31"}) { totalCount edges { node { id label
  ... on Incident { startDate } } } } }"""


async def test_a_list_with_nested_relationships_is_one_query(api):
    payload = await api.gql(Q1)
    edges = payload["data"]["incidents"]["edges"]
    shutdown = next(e["node"] for e in edges if e["node"]["id"] == SHUTDOWN)
    assert shutdown["country"]["id"] == EX + "country/xa"
    assert shutdown["startDate"] == "2019-03-01"
    assert shutdown["invokedLaw"]["nodes"]
    assert payload["extensions"]["cypherQueries"] == 1


async def test_a_node_with_its_neighbours_and_edge_sources_is_one_query(api):
    payload = await api.gql(Q2, {"id": SHUTDOWN})
    node = payload["data"]["node"]
    assert node["__typename"] == "Incident"
    assert node["country"] == {
        "id": EX + "country/xa",
        "isoAlpha2": "XA",
        "label": "Exemplie (illustratif)",
    }
    assert node["threatType"]["nodes"][0]["id"] == ID + "threat/internet-shutdown"
    law = node["invokedLaw"]["edges"][0]
    assert law["node"]["__typename"] == "Order"
    # The reification says only the monitoring report states this link.
    assert law["sources"] == [{"id": EX + "source/api-monitor"}]
    assert node["invokedLaw"]["pageInfo"]["endCursor"] == law["cursor"]
    rights = node["restrictsRight"]
    assert len(rights["nodes"]) == 1
    assert rights["pageInfo"]["hasNextPage"] == (rights["totalCount"] > 1)
    assert payload["extensions"]["cypherQueries"] == 1


async def test_a_filtered_list_with_its_count_is_one_query(api):
    payload = await api.gql(Q3)
    incidents = payload["data"]["incidents"]
    assert incidents["totalCount"] == len(incidents["edges"]) >= 1
    assert SHUTDOWN in {e["node"]["id"] for e in incidents["edges"]}
    assert payload["extensions"]["cypherQueries"] == 1


async def test_a_cursor_from_a_compiled_page_continues_it(api):
    first = await api.gql(
        """{ incidents(first: 1) { pageInfo { endCursor hasNextPage } nodes { id } } }"""
    )
    page = first["data"]["incidents"]
    assert page["pageInfo"]["hasNextPage"]
    second = await api.gql(
        """query($a: String) { incidents(first: 1, after: $a) { nodes { id } } }""",
        {"a": page["pageInfo"]["endCursor"]},
    )
    assert second["data"]["incidents"]["nodes"] != page["nodes"]


async def test_search_hits_are_projected_with_aliases_and_fragments(api):
    payload = await api.gql(
        """{ search(text: "privacy", types: [Resolution], first: 3) { score
             node { __typename label ... on Resolution { symbol } } again: node { id } } }"""
    )
    hits = payload["data"]["search"]
    assert hits and all(h["score"] > 0 for h in hits)
    assert all(h["node"]["__typename"].endswith("Resolution") for h in hits)
    assert all(h["node"]["symbol"] and h["again"]["id"].startswith(ID) for h in hits)
    assert payload["extensions"]["cypherQueries"] == 1
