"""Curators' mutations: token required, SHACL-validated like the loader, refusals as data.

Edits touch only the invented country Otherland (XB) from the illustrative fixtures.
"""

from __future__ import annotations

import pytest

from graph_api.testing import EX, ID, TOKEN, api_settings, ensure_loaded, node_count, running_api

pytestmark = pytest.mark.neo4j

XB = EX + "country/xb"
NOTES = EX + "source/api-notes"
MONITOR = EX + "source/api-monitor"
CREATE = """mutation($input: IncidentInput!) { createIncident(input: $input) {
  ok load errors { field rule message value }
  node { id label sources { id } ... on Incident { startDate status country { id }
         threatType { nodes { id } } } } } }"""


def incident(label: str, **extra: object) -> dict[str, object]:
    return {
        "label": label,
        "startDate": "2023-04-01",
        "country": XB,
        "threatType": [ID + "threat/internet-shutdown"],
        "source": [NOTES],
        **extra,
    }


@pytest.fixture(scope="module")
def store(neo4j_driver):
    ensure_loaded(neo4j_driver)
    # Nodes an earlier run of these tests created (the store may be reused between runs).
    neo4j_driver.execute_query(
        "MATCH (n:Resource) WHERE n.iri STARTS WITH $a OR n.iri STARTS WITH $b DETACH DELETE n",
        {"a": ID + "incident/xb/", "b": ID + "law/xb/"},
    )
    return neo4j_driver


@pytest.fixture(scope="module")
async def api(store, neo4j_uri):
    async with running_api(api_settings(neo4j_uri)) as client:
        yield client


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer ", f"bearer  {TOKEN}x"]
)
async def test_mutations_need_a_valid_bearer_token(api, store, header):
    before = node_count(store)
    headers = {"Authorization": header} if header else {}
    response = await api.post(
        CREATE, {"input": incident("Otherland refused (illustrative)")}, headers=headers
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert TOKEN not in response.text
    assert node_count(store) == before


async def test_create_an_incident(api, store):
    payload = await api.gql(
        CREATE,
        {"input": incident("Otherland outage (illustrative)", status="ongoing")},
        token=TOKEN,
    )
    result = payload["data"]["createIncident"]
    assert result["ok"] and result["errors"] == []
    node = result["node"]
    assert node["id"].startswith(ID + "incident/xb/2023-04-01/")
    assert node["country"] == {"id": XB} and node["status"] == "ongoing"
    assert node["sources"] == [{"id": NOTES}]
    loads = store.execute_query(
        "MATCH (l:Load {iri: $iri}) RETURN l.source AS source", {"iri": result["load"]}
    ).records
    assert loads and loads[0]["source"].startswith("graphql:createIncident")
    again = await api.gql(
        CREATE, {"input": incident("Otherland outage (illustrative)")}, token=TOKEN
    )
    assert again["data"]["createIncident"]["errors"][0]["rule"] == "unique"


async def test_invalid_input_is_refused_field_by_field_and_writes_nothing(api, store):
    before = node_count(store)
    bad = {
        "label": "Otherland invalid (illustrative)",
        "country": EX + "law/xa/networks-act",
        "source": [NOTES],
    }
    result = (await api.gql(CREATE, {"input": bad}, token=TOKEN))["data"]["createIncident"]
    assert not result["ok"] and result["node"] is None
    fields = {e["field"] for e in result["errors"]}
    assert {"country", "startDate", "threatType"} <= fields
    assert all(e["rule"] and e["message"] for e in result["errors"])
    assert node_count(store) == before


async def test_a_source_is_required(api, store):
    before = node_count(store)
    no_source = incident("Otherland unsourced (illustrative)")
    del no_source["source"]
    errors = await api.errors(CREATE, {"input": no_source}, token=TOKEN)
    assert "source" in errors[0]["message"]
    empty = (
        await api.gql(
            CREATE, {"input": incident("Otherland x (illustrative)", source=[])}, token=TOKEN
        )
    )["data"]["createIncident"]
    assert not empty["ok"] and "sources" in {e["field"] for e in empty["errors"]}
    assert node_count(store) == before


async def test_update_replaces_given_fields_only(api):
    created = await api.gql(
        CREATE, {"input": incident("Otherland update target (illustrative)")}, token=TOKEN
    )
    iri = created["data"]["createIncident"]["node"]["id"]
    update = """mutation($id: ID!, $input: IncidentPatch!) {
        updateIncident(id: $id, input: $input) {
        ok errors { field message } node { label ... on Incident { status endDate
        threatType { nodes { id } } } } } }"""
    patch = {"status": "ended", "endDate": "2023-04-03", "threatType": [ID + "threat/throttling"]}
    result = (await api.gql(update, {"id": iri, "input": patch}, token=TOKEN))["data"]
    node = result["updateIncident"]["node"]
    assert result["updateIncident"]["ok"]
    assert (node["status"], node["endDate"]) == ("ended", "2023-04-03")
    assert node["threatType"]["nodes"] == [{"id": ID + "threat/throttling"}]
    assert node["label"] == "Otherland update target (illustrative)"
    wrong = await api.gql(update, {"id": iri, "input": {"endDate": "2023-03-01"}}, token=TOKEN)
    assert not wrong["data"]["updateIncident"]["ok"]
    missing = await api.gql(update, {"id": EX + "nothing", "input": {}}, token=TOKEN)
    assert missing["data"]["updateIncident"]["errors"][0]["field"] == "id"


async def test_create_a_law_and_link_an_incident_to_it(api):
    order = {
        "label": "Otherland shutdown order (illustrative)",
        "jurisdiction": XB,
        "source": [NOTES],
    }
    law = await api.gql(
        """mutation($input: LawInput!) { createLaw(kind: Order, input: $input) {
             ok errors { message } node { id __typename } } }""",
        {"input": order},
        token=TOKEN,
    )
    assert law["data"]["createLaw"]["ok"], law
    law_iri = law["data"]["createLaw"]["node"]["id"]
    assert law["data"]["createLaw"]["node"]["__typename"] == "Order"
    created = await api.gql(
        CREATE, {"input": incident("Otherland linked outage (illustrative)")}, token=TOKEN
    )
    iri = created["data"]["createIncident"]["node"]["id"]
    link = """mutation($a: ID!, $b: ID!, $r: RelationshipType!, $s: [ID!]!) {
        link(from: $a, relationship: $r, to: $b, sources: $s) {
        ok errors { field message } node { ... on Incident { invokedLaw { edges {
        node { id } sources { id } } } } } } }"""
    ends = {"a": iri, "b": law_iri, "r": "INVOKED_LAW", "s": [MONITOR]}
    result = await api.gql(link, ends, token=TOKEN)
    edges = result["data"]["link"]["node"]["invokedLaw"]["edges"]
    assert edges == [{"node": {"id": law_iri}, "sources": [{"id": MONITOR}]}]
    wrong = await api.gql(link, {**ends, "b": XB, "r": "RESTRICTS_RIGHT"}, token=TOKEN)
    assert not wrong["data"]["link"]["ok"]
    assert wrong["data"]["link"]["errors"][0]["field"] == "restrictsRight"


async def test_text_is_stored_verbatim(api):
    label = "Otherland '); MATCH (n) DETACH DELETE n // {illustrative}"
    result = await api.gql(CREATE, {"input": incident(label)}, token=TOKEN)
    assert result["data"]["createIncident"]["node"]["label"] == label
