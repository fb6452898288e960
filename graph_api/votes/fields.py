"""Query fields for votes: tallies of a roll call or a resolution, a state's votes and record.

Each answers in one request with bounded Cypher: counting happens in the store, never by paging
through ``onResolutionInverse``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph_api.votes import resolve
from graph_api.votes.saydo import SayDoRecord, build_say_do
from graph_api.votes.types import ResolutionVotes, StateVotes, VoteChoice, VoteTally, VotingRecord

From = Annotated[
    dt.date | None, strawberry.argument(name="from", description="Roll calls on or after.")
]
To = Annotated[dt.date | None, strawberry.argument(description="Roll calls on or before.")]
Topic = Annotated[
    str | None,
    strawberry.argument(
        description='Only roll calls the vote data files under this issue, such as "Human rights".'
    ),
]


@strawberry.type
class VoteFields:
    @strawberry.field(
        description='The tally of one roll call (its IRI or the dataset\'s rcid, e.g. "5455").'
    )
    async def roll_call_tally(self, info: Info, roll_call: str) -> VoteTally:
        return await resolve.roll_call_tally(info.context.db, roll_call)

    @strawberry.field(
        description='The recorded votes on one resolution (its symbol, e.g. "A/RES/70/161", '
        "or IRI): the tally of the adopting roll call and of every other roll call on it, and "
        "whether a source says it was adopted without a vote."
    )
    async def resolution_votes(self, info: Info, resolution: str) -> ResolutionVotes:
        return await resolve.resolution_votes(info.context.db, resolution)

    @strawberry.field(
        description="A state's votes (state: ISO code or IRI), newest first, filtered by "
        "resolution, period, choice and topic; `first` at most 500, `totalCount` counts all."
    )
    async def state_votes(
        self,
        info: Info,
        state: str,
        resolution: str | None = None,
        from_: From = None,
        to: To = None,
        choice: VoteChoice | None = None,
        topic: Topic = None,
        first: int = 100,
    ) -> StateVotes:
        return await resolve.state_votes(
            info.context.db,
            state,
            resolution=resolution,
            start=from_,
            end=to,
            choice=choice,
            topic=topic,
            first=first,
        )

    @strawberry.field(
        description="A state's voting record over a period: roll calls, counts per choice and "
        "its agreement with the majority of the Freedom Online Coalition members present in "
        "each roll call (membership as of the roll call's date)."
    )
    async def voting_record(
        self, info: Info, state: str, from_: From = None, to: To = None, topic: Topic = None
    ) -> VotingRecord:
        db = info.context.db
        resolve.check_period(from_, to)
        who = await resolve.state(db, state)
        return await resolve.voting_record(db, who, start=from_, end=to, topic=topic)

    @strawberry.field(
        description="The say-do record of a country's state (country: ISO code or IRI) for a "
        "period: incidents by threat type and year, the rights they restrict, the resolutions "
        "protecting rights with the state's vote or 'adopted without a vote', its agreement "
        "with the FOC majority on human-rights roll calls, its FOC membership; every item with "
        "its sources. `sourcedOnly` leaves out links derived by a rule."
    )
    async def say_do(
        self,
        info: Info,
        country: str,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = None,
        to: dt.date | None = None,
        first: int = 100,
        sourced_only: bool = False,
    ) -> SayDoRecord:
        return await build_say_do(
            info.context.db, country, from_, to, first=first, sourced_only=sourced_only
        )
