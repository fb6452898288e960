"""The say-do record: what a state's country records next to how the state votes.

For a country (ISO code or IRI) and a period: its incidents by threat type and year, the rights
they restrict, every resolution linked to a right (curated links, and derived ones unless
``sourcedOnly``) with the state's vote on its whole text or the fact that it was adopted without
a vote, the state's agreement with the FOC majority on human-rights roll calls in the period, and
its FOC membership. Every item carries its sources. Resolutions are listed whatever the period:
they are the standing commitments the incidents are measured against; the period narrows the
incidents and the FOC comparison.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry

from graph_api.errors import bad_argument
from graph_api.queries.briefing_cypher import COUNTRY
from graph_api.queries.connection import Node
from graph_api.queries.db import Db, NodeRecord
from graph_api.votes import cypher, resolve
from graph_api.votes import saydo_cypher as sql
from graph_api.votes.types import StateVote, VoteChoice, VoteTally, VotingRecord, wrap

HUMAN_RIGHTS = "Human rights"
MAX_INCIDENTS = 500
MAX_LOADS = 20


def _nodes(values: Any) -> list[NodeRecord]:
    return [NodeRecord.from_node(v) for v in values or [] if v is not None]


def _wrap_all(records: list[NodeRecord]) -> list[Node]:
    return [wrap(r) for r in records]


@strawberry.type(description="Incidents of one threat type that started in one year.")
class IncidentBucket:
    threat_record: strawberry.Private[NodeRecord | None]
    source_records: strawberry.Private[list[NodeRecord]]
    year: int | None
    count: int

    @strawberry.field
    def threat_type(self) -> Node | None:
        return wrap(self.threat_record)

    @strawberry.field(description="The datasets the incidents come from.")
    def sources(self) -> list[Node]:
        return _wrap_all(self.source_records)


@strawberry.type(description="How many incidents started in one year.")
class YearCount:
    year: int | None
    count: int


@strawberry.type(description="One incident, its threat types and the dataset rows behind it.")
class SayDoIncident:
    record: strawberry.Private[NodeRecord]
    threat_records: strawberry.Private[list[NodeRecord]]
    row_records: strawberry.Private[list[NodeRecord]]
    source_records: strawberry.Private[list[NodeRecord]]

    @strawberry.field
    def incident(self) -> Node:
        return wrap(self.record)

    @strawberry.field
    def threat_types(self) -> list[Node]:
        return _wrap_all(self.threat_records)

    @strawberry.field(description="The dataset rows (file, row number) it was built from.")
    def rows(self) -> list[Node]:
        return _wrap_all(self.row_records)

    @strawberry.field
    def sources(self) -> list[Node]:
        return _wrap_all(self.source_records)


@strawberry.type(description="A right the incidents restricted.")
class RestrictedRight:
    record: strawberry.Private[NodeRecord]
    source_records: strawberry.Private[list[NodeRecord]]
    incident_count: int

    @strawberry.field
    def right(self) -> Node:
        return wrap(self.record)

    @strawberry.field(description="Sources of the restrictsRight links.")
    def sources(self) -> list[Node]:
        return _wrap_all(self.source_records)


@strawberry.type(description="A protectsRight link from a resolution, and whether it is derived.")
class ProtectedRight:
    record: strawberry.Private[NodeRecord]
    source_records: strawberry.Private[list[NodeRecord]]
    derived: bool = strawberry.field(
        description="True when the link was derived by a declared rule (its only sources are "
        "derivation rules), not stated by a source."
    )
    restricted: bool = strawberry.field(description="True when the incidents restrict it.")

    @strawberry.field
    def right(self) -> Node:
        return wrap(self.record)

    @strawberry.field(description="The link's sources (documents, or the derivation rule).")
    def sources(self) -> list[Node]:
        return _wrap_all(self.source_records)


@strawberry.enum(description="What the data says about how a resolution was adopted.")
class Adoption(enum.Enum):
    RECORDED_VOTE = "RECORDED_VOTE"
    ADOPTED_WITHOUT_VOTE = "ADOPTED_WITHOUT_VOTE"
    NOT_RECORDED = "NOT_RECORDED"


@strawberry.type(description="A resolution protecting rights, and the state's vote on it.")
class SayDoResolution:
    record: strawberry.Private[NodeRecord]
    source_records: strawberry.Private[list[NodeRecord]]
    protects: list[ProtectedRight]
    protects_restricted_right: bool = strawberry.field(
        description="True when it protects a right the incidents restricted."
    )
    adoption: Adoption = strawberry.field(
        description="RECORDED_VOTE (a roll call on its whole text is in the data), "
        "ADOPTED_WITHOUT_VOTE (a source says so) or NOT_RECORDED (neither)."
    )
    vote: StateVote | None = strawberry.field(
        description="The state's vote in that roll call; null if it cast none there."
    )
    tally: VoteTally | None

    @strawberry.field
    def resolution(self) -> Node:
        return wrap(self.record)

    @strawberry.field
    def sources(self) -> list[Node]:
        return _wrap_all(self.source_records)


@strawberry.type(description="One membership of the state in the Freedom Online Coalition.")
class FocMembership:
    record: strawberry.Private[NodeRecord]
    source_records: strawberry.Private[list[NodeRecord]]
    year: int | None = strawberry.field(description="The year it began, when only that is known.")
    start_date: dt.date | None
    end_date: dt.date | None

    @strawberry.field
    def membership(self) -> Node:
        return wrap(self.record)

    @strawberry.field
    def sources(self) -> list[Node]:
        return _wrap_all(self.source_records)


@strawberry.type(description="A state's recorded conduct next to its votes, every item sourced.")
class SayDoRecord:
    country_record: strawberry.Private[NodeRecord]
    state_record: strawberry.Private[NodeRecord | None]
    start: dt.date | None = strawberry.field(name="from")
    end: dt.date | None = strawberry.field(name="to")
    incident_count: int
    incidents_by_year: list[YearCount] = strawberry.field(
        description="Incidents per year of start, each counted once."
    )
    incidents_by_threat_and_year: list[IncidentBucket] = strawberry.field(
        description="Incidents per threat type and year of start; an incident of two threat "
        "types is in both buckets."
    )
    incidents: list[SayDoIncident] = strawberry.field(
        description="At most `first`, earliest first."
    )
    rights_restricted: list[RestrictedRight]
    resolutions: list[SayDoResolution]
    human_rights_votes: VotingRecord | None = strawberry.field(
        description="The state's record on human-rights roll calls in the period, with its "
        "agreement with the FOC majority."
    )
    foc_membership: list[FocMembership]
    load_records: strawberry.Private[list[NodeRecord]]

    @strawberry.field(description="The latest loads into the store (what was loaded, when).")
    def recent_loads(self) -> list[Node]:
        return _wrap_all(self.load_records)

    @strawberry.field
    def country(self) -> Node:
        return wrap(self.country_record)

    @strawberry.field
    def state(self) -> Node | None:
        return wrap(self.state_record)


async def build_say_do(
    db: Db,
    country: str,
    start: dt.date | None,
    end: dt.date | None,
    *,
    first: int = 100,
    sourced_only: bool = False,
) -> SayDoRecord:
    if not 1 <= first <= MAX_INCIDENTS:
        raise bad_argument("first", f"must be between 1 and {MAX_INCIDENTS}.", "range")
    resolve.check_period(start, end)
    head = await db.read(COUNTRY, {"country": country})
    if not head:
        raise bad_argument("country", f"no country has the code or IRI {country!r}.", "not_found")
    place = NodeRecord.from_node(head[0]["c"])
    states = sorted(
        (s for s in head[0]["states"] if s["type"] == "COUNTRY"), key=lambda s: s["start"]["iri"]
    )
    state = NodeRecord.from_node(states[0]["start"]) if states else None
    (side,) = await db.read(*sql.country_side(place.iri, start, end, first, MAX_LOADS))
    buckets, found = side["buckets"], side["found"]
    rights = [
        RestrictedRight(
            record=NodeRecord.from_node(r["x"]),
            source_records=_nodes(r["sources"]),
            incident_count=int(r["n"]),
        )
        for r in side["rights"]
    ]
    restricted = {r.record.iri for r in rights}
    resolutions = await _resolutions(db, state, restricted, sourced_only)
    record = None
    memberships: list[FocMembership] = []
    if state is not None:
        record = await resolve.voting_record(db, state, start=start, end=end, topic=HUMAN_RIGHTS)
        memberships = [_membership(r) for r in await db.read(*cypher.foc_membership(state.iri))]
    return SayDoRecord(
        country_record=place,
        state_record=state,
        start=start,
        end=end,
        incident_count=int(found[0]["total"]) if found else 0,
        incidents_by_year=[YearCount(year=r["year"], count=int(r["n"])) for r in side["years"]],
        incidents_by_threat_and_year=[
            IncidentBucket(
                threat_record=NodeRecord.from_node(b["t"]) if b["t"] is not None else None,
                source_records=_nodes(b["datasets"]),
                year=b["year"],
                count=int(b["n"]),
            )
            for b in buckets
        ],
        incidents=[
            SayDoIncident(
                record=NodeRecord.from_node(r["i"]),
                threat_records=_nodes(r["threats"]),
                row_records=sorted(_nodes(r["rows"]), key=lambda n: n.iri),
                source_records=_nodes(r["sources"]),
            )
            for r in found
        ],
        rights_restricted=rights,
        resolutions=resolutions,
        human_rights_votes=record,
        foc_membership=memberships,
        load_records=[NodeRecord.from_node(r["l"]) for r in side["loads"]],
    )


def _membership(row: Any) -> FocMembership:
    m = NodeRecord.from_node(row["m"])
    return FocMembership(
        record=m,
        source_records=_nodes(row["sources"]),
        year=m.props.get("year"),
        start_date=m.props.get("startDate"),
        end_date=m.props.get("endDate"),
    )


async def _resolutions(
    db: Db, state: NodeRecord | None, restricted: set[str], sourced_only: bool
) -> list[SayDoResolution]:
    who = state.iri if state is not None else None
    rows = await db.read(*sql.civic_space_resolutions(who, sourced_only))
    roll_calls = [r["rc"]["iri"] for r in rows if r["rc"] is not None]
    tallies = {}
    if roll_calls:
        for t in await db.read(*cypher.roll_call_tallies(roll_calls)):
            tally = resolve.tally_from_row(t)
            tallies[tally.roll_call_record.iri] = tally
    out = []
    for row in rows:
        res = NodeRecord.from_node(row["res"])
        protects = [
            ProtectedRight(
                record=NodeRecord.from_node(p["right"]),
                source_records=_nodes(p["sources"]),
                derived=bool(p["derived"]),
                restricted=p["right"]["iri"] in restricted,
            )
            for p in row["protects"]
        ]
        protects.sort(key=lambda p: p.record.iri)
        rc = NodeRecord.from_node(row["rc"]) if row["rc"] is not None else None
        vote = None
        if rc is not None and row["v"] is not None:
            vote = StateVote(
                vote_record=NodeRecord.from_node(row["v"]),
                roll_call_record=rc,
                resolution_record=res,
                choice=VoteChoice(row["v"]["voteChoice"]),
                date=rc.props.get("date"),
            )
        if rc is not None:
            adoption = Adoption.RECORDED_VOTE
        elif res.props.get("adoptedWithoutVote"):
            adoption = Adoption.ADOPTED_WITHOUT_VOTE
        else:
            adoption = Adoption.NOT_RECORDED
        out.append(
            SayDoResolution(
                record=res,
                source_records=_nodes(row["sources"]),
                protects=protects,
                protects_restricted_right=any(p.restricted for p in protects),
                adoption=adoption,
                vote=vote,
                tally=tallies.get(rc.iri) if rc is not None else None,
            )
        )
    out.sort(key=lambda r: not r.protects_restricted_right)
    return out
