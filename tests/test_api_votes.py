"""Votes as answers over HTTP (issue 10, item 1), on ILLUSTRATIVE votes.

The store holds the ontology, the reference data (FOC members with their years) and the
illustrative UN votes table of ``tests/fixtures/tables/unvotes_illustrative`` loaded through the
shipped mapping. In roll call 9901 (session 70, 2015-12-01, on A/RES/70/999, issue "Human
rights"): US yes, NL no, YU abstain, CZ yes, an unnamed state yes (Canada's "maybe" is
rejected). Roll call 9902 of the same session is an amendment only the US votes in. The figures
below are counted by hand from those rows; they describe no real vote.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import neo4j
import pytest
from fixtures.tables.support import TABLES, load, with_reference

from civicgraph.settings import Settings
from civicgraph.store import database
from graph_api.testing import api_settings, running_api

pytestmark = pytest.mark.neo4j
VOTES = TABLES / "unvotes_illustrative" / "votes_illustrative.csv"


@pytest.fixture(scope="module")
def store(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    db = database(neo4j_settings)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    with_reference(neo4j_driver, db)
    load(neo4j_driver, db, "unvotes", VOTES)
    return neo4j_driver


@pytest.fixture(scope="module")
async def api(store: neo4j.Driver, neo4j_uri: str) -> AsyncIterator[Any]:
    async with running_api(api_settings(neo4j_uri)) as client:
        yield client


async def test_tallies_of_a_resolution_and_a_roll_call(api):
    data = (
        await api.gql(
            """{
      resolutionVotes(resolution: "a/res/70/999") {
        resolution { label } adoptedWithoutVote
        tally { date yes no abstain recorded absent wholeText rollCall { label } sources { iri } }
        rollCalls { wholeText yes }
      }
      rollCallTally(rollCall: "9902") { yes no abstain absent wholeText resolution { label } }
    }"""
        )
    )["data"]
    votes = data["resolutionVotes"]
    assert votes["resolution"]["label"] == "A/RES/70/999"
    assert votes["adoptedWithoutVote"] is None
    tally = votes["tally"]
    assert (tally["yes"], tally["no"], tally["abstain"], tally["recorded"]) == (3, 1, 1, 5)
    assert tally["absent"] == 0 and tally["wholeText"] and tally["date"] == "2015-12-01"
    assert tally["sources"] == [
        {"iri": "https://w3id.org/civic-space-graph/id/dataset/un-general-assembly-voting-data"}
    ]
    assert [rc["wholeText"] for rc in votes["rollCalls"]] == [True, False]
    amendment = data["rollCallTally"]
    assert (amendment["yes"], amendment["no"], amendment["abstain"]) == (1, 0, 0)
    # Four states voted in 9901 of the same session and not in 9902: absent there.
    assert amendment["absent"] == 4 and amendment["wholeText"] is False


async def test_a_state_s_votes_filtered(api):
    query = """query($choice: VoteChoice, $from: Date) {
      stateVotes(state: "US", choice: $choice, from: $from) {
        totalCount votes { choice date rollCall { label } resolution { label } }
      }
    }"""
    every = (await api.gql(query))["data"]["stateVotes"]
    assert every["totalCount"] == 4
    assert [v["date"] for v in every["votes"]] == sorted(
        (v["date"] for v in every["votes"]), reverse=True
    )
    noes = (await api.gql(query, {"choice": "NO"}))["data"]["stateVotes"]
    assert noes["totalCount"] == 1 and noes["votes"][0]["date"] == "1966-12-01"
    recent = (await api.gql(query, {"from": "2015-01-01"}))["data"]["stateVotes"]
    assert recent["totalCount"] == 2


async def test_voting_record_compares_with_the_foc_majority(api):
    data = (
        await api.gql(
            """{
      votingRecord(state: "NL", from: "2015-01-01", topic: "Human rights") {
        state { label } rollCalls yes no abstain
        focAgreement { compared agreed rate withoutMajority withoutFoc }
      }
    }"""
        )
    )["data"]["votingRecord"]
    # NL voted no; the other FOC members present (US, CZ, members since 2011) voted yes.
    assert (data["rollCalls"], data["no"]) == (1, 1)
    assert data["focAgreement"] == {
        "compared": 1,
        "agreed": 0,
        "rate": 0.0,
        "withoutMajority": 0,
        "withoutFoc": 0,
    }


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ('{ rollCallTally(rollCall: "nope") { yes } }', "rollCall"),
        ('{ resolutionVotes(resolution: "A/RES/1/0") { adoptedWithoutVote } }', "resolution"),
        ('{ stateVotes(state: "ZZ") { totalCount } }', "state"),
        ('{ stateVotes(state: "US", first: 0) { totalCount } }', "first"),
        ('{ votingRecord(state: "US", from: "2020-01-01", to: "2019-01-01") { yes } }', "to"),
    ],
)
async def test_bad_input_is_a_user_error(api, query: str, argument: str):
    errors = await api.errors(query)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["argument"] == argument


async def test_say_do_record_lists_resolutions_and_membership(api):
    data = (
        await api.gql(
            """{
      briefing(country: "NL") {
        sayDo {
          state { label } incidentCount
          resolutions { resolution { ... on Resolution { symbol } } adoption vote { choice } }
          humanRightsVotes { rollCalls focAgreement { compared } }
          focMembership { year sources { label } }
        }
      }
    }"""
        )
    )["data"]["briefing"]["sayDo"]
    assert data["state"]["label"] == "Netherlands" and data["incidentCount"] == 0
    adoption = {r["resolution"]["symbol"]: r["adoption"] for r in data["resolutions"]}
    assert adoption["A/HRC/RES/20/8"] == "ADOPTED_WITHOUT_VOTE"
    assert adoption["A/HRC/RES/26/13"] == "NOT_RECORDED"
    assert all(r["vote"] is None for r in data["resolutions"])
    assert data["humanRightsVotes"]["rollCalls"] == 1
    assert [m["year"] for m in data["focMembership"]] == [2011]
    assert data["focMembership"][0]["sources"]
