"""Lists in index order and lists that start from their country give the per-field answers.

A list sorted by an indexed date reads its page in index order, the undated nodes after it; a list
filtered by country starts from the country node. Both are plans, not semantics: every page,
in both directions and across the dated/undated boundary, must equal the answer of the uncompiled
path, and still cost one query.
"""

from __future__ import annotations

import asyncio

import pytest

from civicgraph import store
from civicgraph.model import Ontology
from graph_api.queries.indexes import ensure_order_indexes, index_statements, order_indexes
from graph_api.queries.listing import ListQuery, _match, indexed_sort
from graph_api.schema.shape import class_names
from graph_api.testing import EX, ID

pytestmark = pytest.mark.neo4j

UNDATED = EX + "incident/xa/undated-order-test"
PAGE = """query($after: String, $direction: SortDirection, $filter: IncidentFilter) {
  incidents(first: 2, after: $after, direction: $direction, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id ... on Incident { startDate } } } } }"""
COUNTRY = """query($country: String!) { incidents(first: 100, filter: {country: $country,
  startFrom: "2019-01-01"}) { totalCount nodes { id ... on Incident { startDate } } } }"""


def test_order_indexes_are_the_ontology_date_sort_keys_of_the_lists():
    from rdflib.namespace import XSD

    onto = Ontology.get()
    pairs = order_indexes()
    assert ("Incident", "startDate") in pairs
    for label, name in pairs:
        assert label in class_names()
        assert onto.properties[name].range == XSD.date
    assert len(index_statements()) == len(pairs)
    assert all("IF NOT EXISTS" in s for s in index_statements())


def test_a_country_filter_starts_from_the_country_and_drops_the_clause_it_stands_for():
    q = ListQuery("Incident", "START_DATE", "toString(n.startDate)", sort_property="startDate")
    q.add("n.status = $status", status="ended")
    q.add("EXISTS { country }", country="XA")
    q.anchor_at(
        "MATCH (anchor:Country) WHERE anchor.iri = $country", "COUNTRY", "EXISTS { country }"
    )
    text = _match(q)
    assert text.startswith("MATCH (anchor:Country)")
    assert "EXISTS { country }" not in text and "(n.status = $status)" in text
    assert indexed_sort(q) is None  # an anchored list sorts its few matches
    with pytest.raises(ValueError):
        q.anchor_at("MATCH (anchor)", "NOT_A_TYPE", "")


@pytest.fixture
def undated(store, db):
    """One illustrative incident without a start date (it sorts last in both directions)."""
    store.execute_query(
        "MERGE (n:Resource:Incident {iri: $iri}) SET n.label = 'Undated incident (illustrative)'",
        {"iri": UNDATED},
        database_=db,
    )
    yield UNDATED
    store.execute_query(
        "MATCH (n:Resource {iri: $iri}) DETACH DELETE n", {"iri": UNDATED}, database_=db
    )


async def _pages(api, direction: str, flt=None, *, one_query: bool = True) -> list[dict]:
    pages, after = [], None
    while True:
        payload = await api.gql(PAGE, {"after": after, "direction": direction, "filter": flt})
        assert payload["extensions"]["cypherQueries"] == 1 or not one_query
        page = payload["data"]["incidents"]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_paging_in_index_order_gives_the_per_field_pages(
    api, monkeypatch, undated, direction
):
    compiled = await _pages(api, direction)
    with monkeypatch.context() as patch:
        patch.setattr("graph_api.queries.listing.list_query", lambda *a, **k: None)
        per_field = await _pages(api, direction, one_query=False)
    assert compiled == per_field
    ids = [e["node"]["id"] for p in compiled for e in p["edges"]]
    assert ids[-1] == undated and len(ids) == len(set(ids)) > 2
    dates = [e["node"]["startDate"] for p in compiled for e in p["edges"]][:-1]
    assert dates == sorted(dates, reverse=direction == "DESC")


@pytest.mark.parametrize(
    "flt",
    [
        {"threatType": ID + "threat/internet-shutdown"},
        {"country": "XA", "startFrom": "2019-01-01"},
        {"startTo": "2019-12-31"},
    ],
)
async def test_filtered_pages_give_the_per_field_pages(api, monkeypatch, flt):
    compiled = await _pages(api, "DESC", flt)
    with monkeypatch.context() as patch:
        patch.setattr("graph_api.queries.listing.list_query", lambda *a, **k: None)
        per_field = await _pages(api, "DESC", flt, one_query=False)
    assert compiled == per_field
    assert sum(len(p["edges"]) for p in compiled) >= 1


async def test_actors_of_a_country_give_the_per_field_answer(api, monkeypatch):
    query = """{ actors(first: 100, filter: {country: "XA"}) { totalCount nodes { id } } }"""
    compiled = await api.gql(query)
    with monkeypatch.context() as patch:
        patch.setattr("graph_api.queries.listing.list_query", lambda *a, **k: None)
        per_field = await api.gql(query)
    assert compiled["data"] == per_field["data"]
    assert compiled["extensions"]["cypherQueries"] == 1


@pytest.mark.parametrize("country", ["XA", "xa", EX + "country/xa", "ZZ"])
async def test_a_list_from_its_country_gives_the_per_field_answer(api, monkeypatch, country):
    compiled = await api.gql(COUNTRY, {"country": country})
    assert compiled["extensions"]["cypherQueries"] == 1
    with monkeypatch.context() as patch:
        patch.setattr("graph_api.queries.listing.list_query", lambda *a, **k: None)
        per_field = await api.gql(COUNTRY, {"country": country})
    assert compiled["data"] == per_field["data"]
    found = compiled["data"]["incidents"]
    assert found["totalCount"] == len(found["nodes"])
    assert (found["totalCount"] > 0) == (country != "ZZ")


async def test_workers_starting_together_create_the_order_indexes_once(
    neo4j_settings, neo4j_driver, db
):
    """Every API worker creates the indexes at start-up; on a fresh store they race, and the
    one refused because the other just created the same index must not report an error."""
    names = [statement.split()[3] for statement in index_statements()]
    for name in names:
        neo4j_driver.execute_query(f"DROP INDEX {name} IF EXISTS", database_=db)
    drivers = [store.open_async_driver(neo4j_settings) for _ in range(4)]
    try:
        await asyncio.gather(*(ensure_order_indexes(d, db) for d in drivers))
    finally:
        for d in drivers:
            await d.close()
    records, _, _ = neo4j_driver.execute_query("SHOW INDEXES YIELD name", database_=db)
    assert set(names) <= {r["name"] for r in records}
