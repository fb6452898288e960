"""Search, paths, neighbourhoods, briefings and counts, against the loaded reference data and the
illustrative Exampleland fixtures."""

from __future__ import annotations

import pytest

from graph_api.errors import UserError
from graph_api.queries.search import lucene_query
from graph_api.testing import EX, ID

pytestmark = pytest.mark.neo4j

SHUTDOWN = EX + "incident/xa/2019-shutdown"
HRC_20_8 = ID + "resolution/a-hrc-res-20-8"
STATEMENT = ID + "document/foc-joint-statement-civic-space-online"


def test_lucene_syntax_in_user_text_is_escaped():
    assert lucene_query("internet shut") == "internet (shut OR shut*)"
    assert lucene_query('A/HRC/RES "20" AND x:y*') == 'A\\/HRC\\/RES \\"20\\" and x\\:y\\*'
    assert lucene_query("a((b") == "a\\(\\(b"
    with pytest.raises(UserError):
        lucene_query("(((")


async def test_search_ranks_matches_and_filters_by_type(api):
    hits = (await api.gql('{ search(text: "internet shutdown") { score node { id } } }'))["data"]
    ids = [h["node"]["id"] for h in hits["search"]]
    assert ids[0] == ID + "threat/internet-shutdown"
    scores = [h["score"] for h in hits["search"]]
    assert scores == sorted(scores, reverse=True)
    typed = await api.gql('{ search(text: "shutdown", types: [Incident]) { node { id } } }')
    assert [h["node"]["id"] for h in typed["data"]["search"]] == [SHUTDOWN]
    # Alternative labels are searched too.
    alt = await api.gql('{ search(text: "Republic of Exampleland") { node { id } } }')
    assert alt["data"]["search"][0]["node"]["id"] == EX + "country/xa"


@pytest.mark.parametrize("text", ['"', "*", "AND OR NOT", ") OR (", "\\", "a:b", "~0.5^2"])
async def test_search_never_fails_on_lucene_syntax(api, text):
    response = await api.post("query($t: String!) { search(text: $t) { score } }", {"t": text})
    assert response.status_code == 200
    for error in response.json().get("errors", []):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_search_rejects_empty_text(api):
    errors = await api.errors('{ search(text: "   ") { score } }')
    assert errors[0]["extensions"]["argument"] == "text"


async def test_paths_from_a_shutdown_to_a_un_resolution(api):
    data = await api.gql(
        """query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxHops: 3) { length start { id }
             steps { node { id } relationship property direction sources { id } } } }""",
        {"a": SHUTDOWN, "b": HRC_20_8},
    )
    paths = data["data"]["paths"]
    assert paths and all(p["length"] == 2 for p in paths)
    via_right = [p for p in paths if p["steps"][0]["relationship"] == "RESTRICTS_RIGHT"]
    step1, step2 = via_right[0]["steps"]
    assert step1["node"]["id"] == ID + "right/freedom-of-peaceful-assembly"
    assert (step1["direction"], step1["property"]) == ("OUTGOING", "restrictsRight")
    assert (step2["relationship"], step2["direction"]) == ("PROTECTS_RIGHT", "INCOMING")
    assert step2["node"]["id"] == HRC_20_8
    assert step1["sources"] and step2["sources"]


PATHS = "query($a: ID!, $b: ID!) {{ paths(from: $a, to: $b, {args}) {{ length }} }}"


async def test_paths_and_their_ends_are_one_query(api):
    payload = await api.gql(PATHS.format(args="maxHops: 3"), {"a": SHUTDOWN, "b": HRC_20_8})
    assert payload["data"]["paths"]
    assert payload["extensions"]["cypherQueries"] == 1
    missing = await api.errors(PATHS.format(args="first: 1"), {"a": "urn:x:no", "b": HRC_20_8})
    assert missing[0]["extensions"] == {"code": "NOT_FOUND", "id": "urn:x:no"}


async def test_paths_respect_via_and_bounds(api):
    ends = {"a": SHUTDOWN, "b": HRC_20_8}
    laws_only = PATHS.format(args="via: [INVOKED_LAW, JURISDICTION]")
    assert (await api.gql(laws_only, ends))["data"]["paths"] == []
    for args in ("maxHops: 0", "maxHops: 7", "first: 0", "first: 51"):
        errors = await api.errors(PATHS.format(args=args), ends)
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    errors = await api.errors(PATHS.format(args="via: [NOT_A_TYPE]"), ends)
    assert "NOT_A_TYPE" in errors[0]["message"]
    missing = await api.errors(PATHS.format(args="first: 1"), {"a": SHUTDOWN, "b": "urn:x:no"})
    assert missing[0]["extensions"]["code"] == "NOT_FOUND"


HOOD = "query($id: ID!) {{ neighborhood(id: $id, {args}) {{ {fields} }} }}"


async def test_neighborhood(api):
    at = {"id": SHUTDOWN}
    fields = (
        "center { id } nodes { id } links { from { id } to { id } relationship sources { id } }"
    )
    data = await api.gql(HOOD.format(args="depth: 1", fields=fields), at)
    hood = data["data"]["neighborhood"]
    ids = {n["id"] for n in hood["nodes"]}
    assert {EX + "country/xa", EX + "law/xa/shutdown-order", EX + "actor/xa/ministry"} <= ids
    assert EX + "source/api-notes" not in ids  # SOURCE is not walked unless asked for
    order = [link for link in hood["links"] if link["relationship"] == "INVOKED_LAW"]
    assert order[0]["sources"] == [{"id": EX + "source/api-monitor"}]
    typed = await api.gql(
        HOOD.format(args="depth: 2, types: [Right]", fields="nodes { __typename }"), at
    )
    assert {n["__typename"] for n in typed["data"]["neighborhood"]["nodes"]} == {"Right"}
    errors = await api.errors(HOOD.format(args="depth: 4", fields="center { id }"), at)
    assert errors[0]["extensions"]["argument"] == "depth"


BRIEFING = """query($c: String!, $from: Date, $to: Date) {
 briefing(country: $c, from: $from, to: $to) {
  country { id } focMember incidentCount states { from { id } }
  memberships { from { id } relationship to { id } sources { id } }
  incidents { incident { id } laws { to { id } sources { id } } threatTypes { to { id } }
              restrictedRights { to { id } } }
  threats { threatType { id } incidentCount broader { to { id } } threatens { to { id } }
            addressedBy { from { id __typename } sources { id } } }
  rights { right { id } reachedBy { from { id } relationship }
           protectedBy { from { id } sources { id } } restsOn { to { id } } } } }"""


async def test_briefing_chains_incidents_to_texts(api):
    data = (await api.gql(BRIEFING, {"c": "XA"}))["data"]["briefing"]
    assert data["country"]["id"] == EX + "country/xa"
    assert data["incidentCount"] == 3 and len(data["incidents"]) == 3
    assert data["focMember"] is False
    first = data["incidents"][0]
    assert first["incident"]["id"] == SHUTDOWN
    assert first["laws"][0]["sources"] == [{"id": EX + "source/api-monitor"}]
    threats = {t["threatType"]["id"]: t for t in data["threats"]}
    shutdown = threats[ID + "threat/internet-shutdown"]
    assert {"id": STATEMENT, "__typename": "Statement"} in [
        a["from"] for a in shutdown["addressedBy"]
    ]
    # The cybercrime-law threat is addressed through its broader "misuse of laws".
    cyber = threats[ID + "threat/misuse-of-cybercrime-law"]
    assert cyber["broader"] == [{"to": {"id": ID + "threat/misuse-of-laws"}}]
    assert any(a["from"]["__typename"] == "CallToAction" for a in cyber["addressedBy"])
    rights = {r["right"]["id"]: r for r in data["rights"]}
    assembly = rights[ID + "right/freedom-of-peaceful-assembly"]
    assert {"from": {"id": SHUTDOWN}, "relationship": "RESTRICTS_RIGHT"} in assembly["reachedBy"]
    assert HRC_20_8 in {p["from"]["id"] for p in assembly["protectedBy"]}
    assert all(p["sources"] for p in assembly["protectedBy"])
    assert assembly["restsOn"]
    # Every link in the briefing is unique.
    for right in data["rights"]:
        keys = [(p["from"]["id"]) for p in right["protectedBy"]]
        assert len(keys) == len(set(keys))


async def test_briefing_date_range_and_foc_membership(api):
    in_2020 = await api.gql(BRIEFING, {"c": "xa", "from": "2020-01-01", "to": "2020-12-31"})
    assert [i["incident"]["id"] for i in in_2020["data"]["briefing"]["incidents"]] == [
        EX + "incident/xa/2020-throttling"
    ]
    nl = (await api.gql(BRIEFING, {"c": "NL"}))["data"]["briefing"]
    assert nl["focMember"] is True
    assert {"id": ID + "actor/freedom-online-coalition"} in [m["to"] for m in nl["memberships"]]
    assert all(m["sources"] for m in nl["memberships"])


async def test_briefing_bad_input(api):
    errors = await api.errors(BRIEFING, {"c": "Atlantis"})
    assert errors[0]["extensions"]["argument"] == "country"
    errors = await api.errors(BRIEFING, {"c": "XA", "from": "2021-01-01", "to": "2020-01-01"})
    assert errors[0]["extensions"]["argument"] == "to"
    errors = await api.errors(BRIEFING, {"c": "XA", "from": "not a date"})
    assert "Date" in errors[0]["message"]


async def test_counts(api):
    data = (
        await api.gql(
            """{ byThreat: incidentCounts(by: THREAT_TYPE, filter: {country: "XA"}) {
                   key count node { id } }
                 byYear: incidentCounts(by: YEAR, filter: {country: "XA"}) { key count }
                 byCountry: incidentCounts(by: COUNTRY, filter: {country: "XA"}) { key count }
                 bodies: resolutionCounts(by: ADOPTING_BODY) { key count node { __typename } } }"""
        )
    )["data"]
    assert sum(b["count"] for b in data["byThreat"]) == 3
    assert {b["key"]: b["count"] for b in data["byYear"]} == {"2019": 1, "2020": 1, "2021": 1}
    assert data["byCountry"] == [{"key": EX + "country/xa", "count": 3}]
    assert {b["node"]["__typename"] for b in data["bodies"] if b["node"]} == {"UNBody"}
    assert sum(b["count"] for b in data["bodies"]) >= 7
