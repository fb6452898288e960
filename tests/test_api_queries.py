"""Node lookup, lists, filters, sorting, paging and relationship fields, over HTTP.

Data: the ontology, the reference dataset and the illustrative fixtures (Exampleland, XA),
loaded through the loader.
"""

from __future__ import annotations

import pytest

from graph_api.testing import EX, ID

pytestmark = pytest.mark.neo4j

SHUTDOWN = EX + "incident/xa/2019-shutdown"


async def test_node_returns_the_most_specific_type_with_fields(api):
    data = (
        await api.gql(
            """query($id: ID!) { node(id: $id) { __typename id iri label types
              ... on Incident { startDate endDate status affectedService
                country { isoAlpha2 label(lang: "fr") }
                threatType { totalCount nodes { id } }
                invokedLaw { edges { node { __typename label } sources { id } } } }
              sources { id } } }""",
            {"id": SHUTDOWN},
        )
    )["data"]["node"]
    assert data["__typename"] == "Incident"
    assert data["id"] == data["iri"] == SHUTDOWN
    assert data["types"] == ["Event", "Incident"]
    assert (data["startDate"], data["endDate"], data["status"]) == (
        "2019-03-01",
        "2019-03-04",
        "ended",
    )
    assert data["affectedService"] == ["mobile data"]
    assert data["country"] == {"isoAlpha2": "XA", "label": "Exemplie (illustratif)"}
    assert data["threatType"]["nodes"] == [{"id": ID + "threat/internet-shutdown"}]
    law = data["invokedLaw"]["edges"][0]
    assert law["node"]["__typename"] == "Order"
    # The reification says only the monitoring report states this link.
    assert law["sources"] == [{"id": EX + "source/api-monitor"}]
    assert {s["id"] for s in data["sources"]} == {
        EX + "source/api-notes",
        EX + "source/api-monitor",
    }


async def test_interfaces_and_other_types(api):
    data = (
        await api.gql(
            """query($law: ID!, $res: ID!) {
                 law: node(id: $law) { __typename ... on Law { jurisdiction { isoAlpha2 }
                   lawCategory { nodes { id } } invokedLawInverse { totalCount } } }
                 res: node(id: $res) { __typename ... on Resolution { symbol session } } }""",
            {"law": EX + "law/xa/networks-act", "res": ID + "resolution/a-hrc-res-20-8"},
        )
    )["data"]
    assert data["law"]["__typename"] == "OtherLaw"
    assert data["law"]["jurisdiction"] == {"isoAlpha2": "XA"}
    assert data["law"]["lawCategory"]["nodes"] == [{"id": ID + "law-category/national-security"}]
    assert data["law"]["invokedLawInverse"]["totalCount"] == 1
    assert data["res"]["__typename"] == "HRCResolution"
    assert data["res"]["symbol"] == "A/HRC/RES/20/8"


async def test_unknown_id_is_a_not_found_error(api):
    errors = await api.errors('{ node(id: "https://example.org/nothing") { id } }')
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_incident_filters(api):
    query = """query($f: IncidentFilter) { incidents(filter: $f) { totalCount nodes { id } } }"""

    async def ids(flt: dict) -> set[str]:
        result = (await api.gql(query, {"f": flt}))["data"]["incidents"]
        assert result["totalCount"] == len(result["nodes"])
        return {n["id"] for n in result["nodes"]}

    xa = {SHUTDOWN, EX + "incident/xa/2020-throttling", EX + "incident/xa/2021-prosecution"}
    assert await ids({"country": "XA"}) >= xa
    assert await ids({"country": EX + "country/xa"}) >= xa
    # Narrower threat types match a broader one: throttling is a kind of internet shutdown.
    shutdowns = await ids({"country": "xa", "threatType": ID + "threat/internet-shutdown"})
    assert shutdowns == {SHUTDOWN, EX + "incident/xa/2020-throttling"}
    assert await ids({"country": "XA", "startFrom": "2020-01-01", "startTo": "2020-12-31"}) == {
        EX + "incident/xa/2020-throttling"
    }
    assert await ids({"country": "XA", "status": "ONGOING"}) == {EX + "incident/xa/2020-throttling"}
    assert await ids({"country": "XA", "text": "blogger"}) == {EX + "incident/xa/2021-prosecution"}
    assert await ids({"country": "XA", "invokedLaw": EX + "law/xa/shutdown-order"}) == {SHUTDOWN}
    # Directly restricted, or threatened by the incident's threat type.
    assembly = await ids({"country": "XA", "right": ID + "right/freedom-of-peaceful-assembly"})
    assert assembly == {SHUTDOWN, EX + "incident/xa/2020-throttling"}


async def test_paging_is_stable_and_complete(api):
    query = """query($after: String) { incidents(first: 1, after: $after,
                 filter: {country: "XA"}, sort: START_DATE, direction: DESC) {
                 totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
                 edges { cursor node { id ... on Incident { startDate } } } } }"""
    seen, after, pages = [], None, 0
    while True:
        page = (await api.gql(query, {"after": after}))["data"]["incidents"]
        pages += 1
        seen += [e["node"]["startDate"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == sorted(seen, reverse=True) and len(seen) == 3 and pages == 3


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "", "%%%", "WyJ4Il0", "eyJhIjogMX0", "W10"],
)
async def test_malformed_cursors_are_clear_errors(api, cursor):
    errors = await api.errors(
        "query($c: String) { incidents(after: $c) { totalCount } }", {"c": cursor}
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in errors[0]["message"]


async def test_a_cursor_from_another_ordering_is_refused(api):
    first = await api.gql("{ incidents(first: 1, sort: LABEL) { pageInfo { endCursor } } }")
    cursor = first["data"]["incidents"]["pageInfo"]["endCursor"]
    errors = await api.errors(
        "query($c: String) { incidents(after: $c, sort: START_DATE) { totalCount } }", {"c": cursor}
    )
    assert "ordering" in errors[0]["message"]


@pytest.mark.parametrize("first", [-1, 101, 10_000])
async def test_page_size_is_bounded(api, first):
    errors = await api.errors("query($n: Int) { laws(first: $n) { totalCount } }", {"n": first})
    assert errors[0]["extensions"]["argument"] == "first"


async def test_other_lists_and_their_filters(api):
    data = (
        await api.gql(
            """query($body: ID!, $threat: ID!) {
                 laws(filter: {jurisdiction: "XA", types: [Order]}) { nodes { id } }
                 hrc: resolutions(filter: {adoptedBy: $body}, sort: ADOPTION_DATE) {
                   totalCount nodes { ... on Resolution { symbol adoptionDate } } }
                 rights(filter: {text: "assembly"}) { nodes { id } }
                 narrower: threats(filter: {broader: $threat}) { totalCount }
                 countries(filter: {text: "XA"}) { nodes { label } }
                 statements { nodes { id } }
                 votes: nodes(types: [Membership], first: 2) {
                   totalCount nodes { __typename } } }""",
            {"body": ID + "actor/un-human-rights-council", "threat": ID + "threat/misuse-of-laws"},
        )
    )["data"]
    assert data["laws"]["nodes"] == [{"id": EX + "law/xa/shutdown-order"}]
    symbols = [r["symbol"] for r in data["hrc"]["nodes"]]
    assert "A/HRC/RES/20/8" in symbols
    dates = [r["adoptionDate"] for r in data["hrc"]["nodes"] if r["adoptionDate"]]
    assert dates == sorted(dates)
    assert data["rights"]["nodes"] == [{"id": ID + "right/freedom-of-peaceful-assembly"}]
    assert data["narrower"]["totalCount"] >= 6
    assert data["countries"]["nodes"] == [{"label": "Exampleland (illustrative)"}]
    assert {"id": ID + "document/foc-joint-statement-civic-space-online"} in data["statements"][
        "nodes"
    ]
    assert data["votes"]["totalCount"] > 2
    assert {n["__typename"] for n in data["votes"]["nodes"]} == {"Membership"}


async def test_relationship_connections_page_and_filter(api):
    query = """query($after: String) { node(id: "%s") { ... on Country {
        countryInverse(first: 2, after: $after, types: [Incident]) {
          totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }""" % (
        EX + "country/xa"
    )
    first = (await api.gql(query, {"after": None}))["data"]["node"]["countryInverse"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = (await api.gql(query, {"after": first["pageInfo"]["endCursor"]}))["data"]
    ids = [n["id"] for n in first["nodes"] + rest["node"]["countryInverse"]["nodes"]]
    assert len(ids) == len(set(ids)) == 3


async def test_injection_attempts_are_plain_values(api, store):
    before = store.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    attempts = [
        "x' OR 1=1 //",
        'XA"}) MATCH (n) DETACH DELETE n //',
        "') DETACH DELETE n RETURN ('",
        "`Incident`",
    ]
    for text in attempts:
        result = await api.gql(
            """query($t: String!) { incidents(filter: {text: $t, country: $t}) { totalCount }
                 search(text: $t) { score } }""",
            {"t": text},
        )
        assert result["data"]["incidents"]["totalCount"] == 0
    after = store.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    assert after == before


async def test_language_argument(api):
    data = (
        await api.gql(
            """{ node(id: "%s") { en: label fr: label(lang: "fr") de: label(lang: "de") } }"""
            % (EX + "country/xa")
        )
    )["data"]["node"]
    assert data == {"en": "Exampleland (illustrative)", "fr": "Exemplie (illustratif)", "de": None}
    errors = await api.errors('{ node(id: "%s") { label(lang: "f r") } }' % (EX + "country/xa"))
    assert errors[0]["extensions"]["argument"] == "lang"
