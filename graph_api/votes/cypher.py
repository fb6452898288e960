"""Cypher for votes: tallies, a state's votes, its voting record against the FOC majority.

Every function is pure and returns ``(query, params)``; values are parameters and each query
returns a bounded answer (counts, or at most ``limit`` rows), so no client ever pages through
votes to count them. Relationship types and labels are the ontology's (``VOTER``, ``ROLL_CALL``,
``ON_RESOLUTION``, ``MEMBER``, ``ORGANISATION``; checked by the schema tests).

FOC membership as of a date follows the reference data: a membership with a ``startDate`` counts
from that day; one known only by its ``year`` (the source gives years only) counts from 1 January
of the next year, since the day it began in that year is unknown; an ``endDate`` ends it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from civicgraph.iris import mint

Query = tuple[str, dict[str, Any]]
FOC = str(mint("actor", "freedom-online-coalition"))
CHOICES = ("yes", "no", "abstain")

# A map per roll call: counts of each choice, the states absent, and the roll call's own facts.
_TALLY = """
CALL (rc) {
  MATCH (rc)<-[:ROLL_CALL]-(v:Vote)
  RETURN count(CASE v.voteChoice WHEN 'yes' THEN 1 END) AS yes,
         count(CASE v.voteChoice WHEN 'no' THEN 1 END) AS no,
         count(CASE v.voteChoice WHEN 'abstain' THEN 1 END) AS abstain,
         count(v) AS recorded
}
CALL (rc) {
  OPTIONAL MATCH (rc)<-[:ROLL_CALL]-(:Vote)-[:VOTER]->(s:State)
  WITH rc, collect(DISTINCT s) AS here
  OPTIONAL MATCH (other:RollCall {session: rc.session})<-[:ROLL_CALL]-(:Vote)-[:VOTER]->(s:State)
  WHERE other <> rc AND NOT s IN here
  RETURN count(DISTINCT s) AS absent
}
CALL (rc) {
  OPTIONAL MATCH (rc)-[:ON_RESOLUTION]->(res:Resolution) RETURN res LIMIT 1
}
CALL (rc) {
  OPTIONAL MATCH (rc)-[:SOURCE]->(src) RETURN collect(DISTINCT src) AS sources
}
"""

_TALLY_RETURN = "rc, res, yes, no, abstain, recorded, absent, sources"

# FOC members (other than the state asked about) as of the roll call's date.
_FOC_AS_OF = """[x IN members WHERE x.state <> $state
   AND (x.start IS NOT NULL AND x.start <= rc.date
        OR x.start IS NULL AND x.year IS NOT NULL AND x.year < rc.date.year)
   AND (x.end IS NULL OR x.end >= rc.date) | x.state]"""

_MEMBERS = """CALL () {
  MATCH (m:Membership)-[:ORGANISATION]->(:Resource {iri: $foc})
  MATCH (m)-[:MEMBER]->(fs:State)
  RETURN collect({state: fs.iri, start: m.startDate, year: m.year, end: m.endDate}) AS members
}"""

_PERIOD = """($from IS NULL OR rc.date >= $from) AND ($to IS NULL OR rc.date <= $to)
  AND ($topic IS NULL OR $topic IN coalesce(rc.topic, []))"""


def find_state(state: str) -> Query:
    """A state by IRI, or by the ISO code of its country."""
    return (
        """MATCH (s:State)
WHERE s.iri = $state OR EXISTS {
  MATCH (s)-[:COUNTRY]->(c:Country) WHERE c.isoAlpha2 = toUpper($state)
}
RETURN s ORDER BY s.iri LIMIT 1""",
        {"state": state},
    )


def find_roll_call(ref: str) -> Query:
    """A roll call by IRI or by its dataset id (rcid)."""
    return (
        "MATCH (rc:RollCall) WHERE rc.iri = $ref OR rc.rollCallId = $ref "
        "RETURN rc ORDER BY rc.iri LIMIT 1",
        {"ref": ref},
    )


def find_resolution(ref: str) -> Query:
    """A resolution by IRI or document symbol (case-insensitive)."""
    return (
        "MATCH (res:Resolution) WHERE res.iri = $ref OR toUpper(res.symbol) = toUpper($ref) "
        "RETURN res ORDER BY res.iri LIMIT 1",
        {"ref": ref},
    )


def roll_call_tally(roll_call: str) -> Query:
    return (
        f"MATCH (rc:RollCall {{iri: $rc}})\n{_TALLY}\nRETURN {_TALLY_RETURN}",
        {"rc": roll_call},
    )


def roll_call_tallies(roll_calls: list[str]) -> Query:
    """The tallies of several roll calls in one query (one row each)."""
    return (
        f"UNWIND $rcs AS id MATCH (rc:RollCall {{iri: id}})\n{_TALLY}\nRETURN {_TALLY_RETURN}",
        {"rcs": roll_calls},
    )


def resolution_tallies(resolution: str, limit: int) -> Query:
    """Every roll call on a resolution (whole text first, then by date), each with its tally."""
    return (
        f"""MATCH (rc:RollCall)-[:ON_RESOLUTION]->(:Resolution {{iri: $res}})
WITH rc ORDER BY coalesce(rc.isAmendmentVote, false) OR coalesce(rc.isParagraphVote, false),
  rc.date, rc.iri LIMIT $limit
{_TALLY}
RETURN {_TALLY_RETURN}""",
        {"res": resolution, "limit": limit},
    )


def state_votes(
    state: str,
    *,
    resolution: str | None,
    start: dt.date | None,
    end: dt.date | None,
    choice: str | None,
    topic: str | None,
    limit: int,
) -> Query:
    """A state's votes, newest first, with the total that matched."""
    return (
        f"""MATCH (:State {{iri: $state}})<-[:VOTER]-(v:Vote)-[:ROLL_CALL]->(rc:RollCall)
WHERE {_PERIOD}
  AND ($choice IS NULL OR v.voteChoice = $choice)
  AND ($resolution IS NULL OR EXISTS {{ (rc)-[:ON_RESOLUTION]->(:Resource {{iri: $resolution}}) }})
WITH v, rc ORDER BY rc.date DESC, rc.iri
WITH collect({{v: v, rc: rc}}) AS found
UNWIND found[..$limit] AS row
WITH row.v AS v, row.rc AS rc, size(found) AS total
OPTIONAL CALL (rc) {{ MATCH (rc)-[:ON_RESOLUTION]->(res:Resolution) RETURN res LIMIT 1 }}
RETURN v, rc, res, total""",
        {
            "state": state,
            "resolution": resolution,
            "from": start,
            "to": end,
            "choice": choice,
            "topic": topic,
            "limit": limit,
        },
    )


def voting_record(
    state: str, *, start: dt.date | None, end: dt.date | None, topic: str | None
) -> Query:
    """Counts per choice, and per roll call whether the state voted as the FOC majority did.

    The FOC majority of a roll call: the choice of more than half of the FOC members (as of its
    date, the state itself left out) that cast a recorded vote in it; a roll call without one,
    or without FOC members voting, is counted apart and not compared.
    """
    return (
        f"""{_MEMBERS}
MATCH (:State {{iri: $state}})<-[:VOTER]-(v:Vote)-[:ROLL_CALL]->(rc:RollCall)
WHERE {_PERIOD}
WITH members, v.voteChoice AS mine, rc
WITH mine, rc, {_FOC_AS_OF} AS foc
CALL (rc, foc) {{
  MATCH (rc)<-[:ROLL_CALL]-(fv:Vote)-[:VOTER]->(fs:State) WHERE fs.iri IN foc
  WITH fv.voteChoice AS choice, count(*) AS n ORDER BY n DESC, choice
  RETURN collect({{choice: choice, n: n}}) AS split
}}
WITH mine, rc, split, reduce(t = 0, x IN split | t + x.n) AS present
WITH mine, rc, present,
  CASE WHEN present > 0 AND split[0].n * 2 > present THEN split[0].choice END AS majority
RETURN count(rc) AS rollCalls,
  count(CASE mine WHEN 'yes' THEN 1 END) AS yes,
  count(CASE mine WHEN 'no' THEN 1 END) AS no,
  count(CASE mine WHEN 'abstain' THEN 1 END) AS abstain,
  count(CASE WHEN majority IS NOT NULL THEN 1 END) AS compared,
  count(CASE WHEN majority = mine THEN 1 END) AS agreed,
  count(CASE WHEN present = 0 THEN 1 END) AS withoutFoc,
  count(CASE WHEN present > 0 AND majority IS NULL THEN 1 END) AS withoutMajority,
  min(rc.date) AS first, max(rc.date) AS last""",
        {"state": state, "from": start, "to": end, "topic": topic, "foc": FOC},
    )


def foc_membership(state: str) -> Query:
    """The state's memberships of the FOC with their dates and sources."""
    return (
        """MATCH (m:Membership)-[:MEMBER]->(:State {iri: $state})
MATCH (m)-[:ORGANISATION]->(org:Resource {iri: $foc})
OPTIONAL MATCH (m)-[:SOURCE]->(src)
RETURN m, org, collect(DISTINCT src) AS sources ORDER BY m.iri""",
        {"state": state, "foc": FOC},
    )
