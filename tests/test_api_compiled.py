"""One Cypher query per root field: the selection is compiled, not resolved field by field.

The benchmark queries Q1-Q3 of bench/api (lists with nested relationships, a node with its
neighbours and edge sources, a filtered list with totalCount) each cost exactly one query, as
``extensions.cypherQueries`` reports; the answers are the fixture's facts.
"""

from __future__ import annotations

import datetime as dt

import neo4j
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


# The per-field path of each compiled root field, for answers to compare with.
FIELD_BY_FIELD = {
    "node": ("graph_api.cypher.roots.node", False),
    "list": ("graph_api.queries.listing.list_query", None),
    "briefing": ("graph_api.cypher.briefing.briefing", None),
    "paths": ("graph_api.queries.walks.paths_query", None),
}


async def both_paths(api, monkeypatch, path: str, query: str, variables=None):
    """The compiled answer (one query) and the per-field one: they must be the same JSON."""
    compiled = await api.gql(query, variables)
    target, stands_for = FIELD_BY_FIELD[path]

    async def not_compiled(*args, **kwargs):
        return stands_for

    with monkeypatch.context() as patch:
        if path in ("list", "paths"):
            patch.setattr(target, lambda *args, **kwargs: None)
        else:
            patch.setattr(target, not_compiled)
        per_field = await api.gql(query, variables)
    assert compiled["data"] == per_field["data"]
    return compiled, per_field["extensions"]["cypherQueries"]


async def test_type_conditions_and_typenames_match_the_per_field_answer(api, monkeypatch):
    query = """query($id: ID!) { node(id: $id) { __typename id types
      ... on Law { jurisdiction { id } }
      ... on Incident { startDate status country { __typename id ... on Country { isoAlpha2 } }
        invokedLaw { __typename pageInfo { __typename hasNextPage }
          edges { __typename node { __typename id ... on Law { jurisdiction { id } } } } } } } }"""
    compiled, per_field = await both_paths(api, monkeypatch, "node", query, {"id": SHUTDOWN})
    node = compiled["data"]["node"]
    assert "jurisdiction" not in node  # a Law fragment does not apply to an incident
    assert node["invokedLaw"]["__typename"].endswith("Connection")
    assert compiled["extensions"]["cypherQueries"] == 1 < per_field


async def test_a_key_asking_different_fields_on_two_types_is_still_right(api, monkeypatch):
    # One response key, two type conditions, two sub-selections: not compiled, same answer.
    query = """query($id: ID!) { node(id: $id) { sources { id }
      ... on Incident { sources { label } } ... on Law { sources { iri } } } }"""
    compiled, _ = await both_paths(api, monkeypatch, "node", query, {"id": SHUTDOWN})
    sources = compiled["data"]["node"]["sources"]
    assert sources and all(set(s) == {"id", "label"} for s in sources)


async def test_the_briefing_is_one_query_with_the_per_field_answer(api, monkeypatch):
    query = """{ briefing(country: "XA") { __typename incidentCount focMember
      country { id label types ... on Country { isoAlpha2 } }
      states { from { id } relationship property } memberships { to { id } sources { id } }
      incidents { __typename incident { id ... on Incident { startDate } }
        laws { from { id } to { __typename id label } sources { id label } }
        threatTypes { to { id } } restrictedRights { to { id } } }
      threats { threatType { id label } incidentCount broader { from { id } to { id } }
        threatens { to { id } sources { id } } addressedBy { from { __typename id } } }
      rights { right { id label } reachedBy { from { id } relationship to { id } }
        protectedBy { from { id ... on Resolution { symbol } } sources { id } }
        restsOn { to { id } } concernedBy { from { id } } } } }"""
    compiled, per_field = await both_paths(api, monkeypatch, "briefing", query)
    data = compiled["data"]["briefing"]
    assert data["incidentCount"] == 3 and data["threats"] and data["rights"]
    assert compiled["extensions"]["cypherQueries"] == 1 < per_field


async def test_paths_project_their_nodes_with_the_per_field_answer(api, monkeypatch):
    query = """query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxHops: 3) { __typename length
      start { id __typename ... on Incident { startDate } }
      more: steps { __typename node { id label types } relationship property direction } } }"""
    ends = {"a": SHUTDOWN, "b": ID + "resolution/a-hrc-res-20-8"}
    compiled, _ = await both_paths(api, monkeypatch, "paths", query, ends)
    paths = compiled["data"]["paths"]
    assert paths and paths[0]["start"] == {
        "id": SHUTDOWN,
        "__typename": "Incident",
        "startDate": "2019-03-01",
    }
    assert {s["direction"] for p in paths for s in p["more"]} == {"OUTGOING", "INCOMING"}
    assert compiled["extensions"]["cypherQueries"] == 1
    # A step's sources are looked up by IRI: not compiled, the same answer as before.
    sourced, _ = await both_paths(
        api, monkeypatch, "paths", query.replace("direction }", "direction sources { id } }"), ends
    )
    assert all(s["sources"] for p in sourced["data"]["paths"] for s in p["more"])


async def test_the_same_query_text_is_parsed_and_validated_once(api):
    from graph_api.schema import extensions

    text = "{ countries(first: 1) { totalCount } }"
    await api.gql(text)
    cached = [key for key in extensions._documents if key[0] == text]
    assert len(cached) == 1
    document = extensions._documents[cached[0]]
    assert (await api.gql(text))["data"] == (await api.gql(text))["data"]
    assert extensions._documents[cached[0]] is document
    # A text that fails validation is never cached: it fails the same way every time.
    bad = "{ countries(first: 1) { noSuchField } }"
    for _ in range(2):
        assert "noSuchField" in (await api.errors(bad))[0]["message"]
    assert not [key for key in extensions._documents if key[0] == bad]


def _plain(value):
    """Nodes as their IRIs (nodes from two results never compare equal), the rest as it is."""
    if isinstance(value, neo4j.graph.Node):
        return value["iri"]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("period", [(None, None), (dt.date(2019, 1, 1), dt.date(2019, 12, 31))])
def test_say_do_reads_its_country_side_in_one_query_with_each_part_s_rows(store, db, period):
    from graph_api.votes import saydo_cypher as sql

    country, (start, end) = EX + "country/xa", period
    text, params = sql.country_side(country, start, end, 100, 20)
    (row,) = store.execute_query(text, params, database_=db).records
    parts = {
        "buckets": sql.incidents_by_threat_and_year(country, start, end),
        "found": sql.incidents(country, start, end, 100),
        "rights": sql.rights_restricted(country, start, end),
        "years": sql.incidents_by_year(country, start, end),
        "loads": sql.recent_loads(20),
    }
    for name, (part, values) in parts.items():
        alone = store.execute_query(part, values, database_=db).records
        assert _plain(row[name]) == [_plain(dict(r)) for r in alone], name
    assert row["found"] and row["years"] and row["loads"]
