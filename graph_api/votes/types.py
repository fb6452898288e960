"""GraphQL types of vote answers: tallies, a state's votes, its voting record.

They hold plain values computed by :mod:`graph_api.votes.cypher`; nodes are served through the
generated entity types (``wrap``), so a tally's roll call or resolution can be asked for any of
its fields.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry

from graph_api.queries.connection import Node
from graph_api.queries.db import NodeRecord


def wrap(record: NodeRecord | None) -> Any:
    from graph_api.schema.entities import wrap as wrap_record

    return wrap_record(record) if record is not None else None


@strawberry.enum(description="How a state voted in a roll call.")
class VoteChoice(enum.Enum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


@strawberry.type(description="The count of a roll call's recorded votes, per choice.")
class VoteTally:
    roll_call_record: strawberry.Private[NodeRecord]
    resolution_record: strawberry.Private[NodeRecord | None]
    source_records: strawberry.Private[list[NodeRecord]]
    date: dt.date | None
    yes: int
    no: int
    abstain: int
    recorded: int = strawberry.field(description="yes + no + abstain: the recorded votes.")
    absent: int = strawberry.field(
        description="States absent or not voting, derived: those with a recorded vote in another "
        "roll call of the same session and none in this one. The UN vote data records no "
        "absences, so this is a lower bound (a member that cast no recorded vote in the whole "
        "session is not counted), not a sourced figure."
    )
    whole_text: bool = strawberry.field(
        description="True when the roll call was on the whole text (not an amendment or a "
        "paragraph)."
    )

    @strawberry.field(description="The roll call counted.")
    def roll_call(self) -> Node:
        return wrap(self.roll_call_record)

    @strawberry.field(description="The resolution the roll call was on, if the data says.")
    def resolution(self) -> Node | None:
        return wrap(self.resolution_record)

    @strawberry.field(description="Where the votes come from (the UN vote dataset).")
    def sources(self) -> list[Node]:
        return [wrap(s) for s in self.source_records]


@strawberry.type(description="The recorded votes on one resolution.")
class ResolutionVotes:
    resolution_record: strawberry.Private[NodeRecord]
    adopted_without_vote: bool | None = strawberry.field(
        description="True when a source says it was adopted without a vote; null when no "
        "source says how it was adopted."
    )
    tally: VoteTally | None = strawberry.field(
        description="The roll call on the whole text (the adopting vote); null if none is recorded."
    )
    roll_calls: list[VoteTally] = strawberry.field(
        description="Every recorded roll call on it: the whole text first, then amendments and "
        "paragraphs by date."
    )

    @strawberry.field
    def resolution(self) -> Node:
        return wrap(self.resolution_record)


@strawberry.type(description="One vote a state cast.")
class StateVote:
    vote_record: strawberry.Private[NodeRecord]
    roll_call_record: strawberry.Private[NodeRecord]
    resolution_record: strawberry.Private[NodeRecord | None]
    choice: VoteChoice
    date: dt.date | None

    @strawberry.field
    def vote(self) -> Node:
        return wrap(self.vote_record)

    @strawberry.field
    def roll_call(self) -> Node:
        return wrap(self.roll_call_record)

    @strawberry.field(description="The resolution voted on, when the vote was on a whole text.")
    def resolution(self) -> Node | None:
        return wrap(self.resolution_record)


@strawberry.type(description="A state's votes that match the filters, newest first.")
class StateVotes:
    total_count: int
    votes: list[StateVote]


@strawberry.type(description="How often a state voted with the majority of the FOC members.")
class FocAgreement:
    compared: int = strawberry.field(
        description="Roll calls in which more than half of the FOC members present (as of the "
        "roll call's date, the state itself left out) made the same choice."
    )
    agreed: int = strawberry.field(description="Of those, the roll calls the state voted alike.")
    rate: float | None = strawberry.field(description="agreed / compared; null if none compared.")
    without_majority: int = strawberry.field(
        description="Roll calls where FOC members voted but no choice had more than half."
    )
    without_foc: int = strawberry.field(description="Roll calls no FOC member voted in.")


@strawberry.type(description="A state's recorded votes over a period, counted.")
class VotingRecord:
    state_record: strawberry.Private[NodeRecord]
    start: dt.date | None = strawberry.field(name="from")
    end: dt.date | None = strawberry.field(name="to")
    topic: str | None
    roll_calls: int = strawberry.field(description="Roll calls the state cast a vote in.")
    yes: int
    no: int
    abstain: int
    first_vote: dt.date | None
    last_vote: dt.date | None
    foc_agreement: FocAgreement

    @strawberry.field
    def state(self) -> Node:
        return wrap(self.state_record)
