"""Build vote answers from the store: one small lookup and one bounded query each.

Shared by the GraphQL fields (:mod:`graph_api.votes.fields`), the say-do record and through them
the briefing page, so every view counts votes the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph_api.errors import bad_argument
from graph_api.queries.db import Db, NodeRecord
from graph_api.votes import cypher
from graph_api.votes.types import (
    FocAgreement,
    ResolutionVotes,
    StateVote,
    StateVotes,
    VoteChoice,
    VoteTally,
    VotingRecord,
)

MAX_VOTES = 500
MAX_ROLL_CALLS = 50


def _node(value: Any) -> NodeRecord | None:
    return NodeRecord.from_node(value) if value is not None else None


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise bad_argument("to", "`to` is before `from`.", "order")


async def _one(db: Db, query: cypher.Query, key: str, argument: str, what: str) -> NodeRecord:
    rows = await db.read(*query)
    if not rows:
        raise bad_argument(argument, what, "not_found")
    return NodeRecord.from_node(rows[0][key])


async def state(db: Db, ref: str) -> NodeRecord:
    return await _one(
        db, cypher.find_state(ref), "s", "state", f"no state has the code or IRI {ref!r}."
    )


def tally_from_row(row: Any) -> VoteTally:
    rc = NodeRecord.from_node(row["rc"])
    partial = rc.props.get("isAmendmentVote") or rc.props.get("isParagraphVote")
    return VoteTally(
        roll_call_record=rc,
        resolution_record=_node(row["res"]),
        source_records=[NodeRecord.from_node(s) for s in row["sources"]],
        date=rc.props.get("date"),
        yes=int(row["yes"]),
        no=int(row["no"]),
        abstain=int(row["abstain"]),
        recorded=int(row["recorded"]),
        absent=int(row["absent"]),
        whole_text=not partial,
    )


async def roll_call_tally(db: Db, ref: str) -> VoteTally:
    rc = await _one(
        db, cypher.find_roll_call(ref), "rc", "rollCall", f"no roll call has the id {ref!r}."
    )
    rows = await db.read(*cypher.roll_call_tally(rc.iri))
    return tally_from_row(rows[0])


async def resolution_votes(db: Db, ref: str) -> ResolutionVotes:
    res = await _one(
        db,
        cypher.find_resolution(ref),
        "res",
        "resolution",
        f"no resolution has the symbol or IRI {ref!r}.",
    )
    rows = await db.read(*cypher.resolution_tallies(res.iri, MAX_ROLL_CALLS))
    tallies = [tally_from_row(r) for r in rows]
    whole = [t for t in tallies if t.whole_text]
    return ResolutionVotes(
        resolution_record=res,
        adopted_without_vote=res.props.get("adoptedWithoutVote"),
        tally=whole[0] if whole else None,
        roll_calls=tallies,
    )


async def state_votes(
    db: Db,
    ref: str,
    *,
    resolution: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    choice: VoteChoice | None = None,
    topic: str | None = None,
    first: int = 100,
) -> StateVotes:
    if not 1 <= first <= MAX_VOTES:
        raise bad_argument("first", f"must be between 1 and {MAX_VOTES}.", "range")
    check_period(start, end)
    who = await state(db, ref)
    res_iri = None
    if resolution is not None:
        res_iri = (
            await _one(
                db,
                cypher.find_resolution(resolution),
                "res",
                "resolution",
                f"no resolution has the symbol or IRI {resolution!r}.",
            )
        ).iri
    query = cypher.state_votes(
        who.iri,
        resolution=res_iri,
        start=start,
        end=end,
        choice=choice.value if choice else None,
        topic=topic,
        limit=first,
    )
    rows = await db.read(*query)
    votes = [
        StateVote(
            vote_record=NodeRecord.from_node(r["v"]),
            roll_call_record=NodeRecord.from_node(r["rc"]),
            resolution_record=_node(r["res"]),
            choice=VoteChoice(r["v"]["voteChoice"]),
            date=NodeRecord.from_node(r["rc"]).props.get("date"),
        )
        for r in rows
    ]
    return StateVotes(total_count=int(rows[0]["total"]) if rows else 0, votes=votes)


async def voting_record(
    db: Db,
    who: NodeRecord,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    topic: str | None = None,
) -> VotingRecord:
    check_period(start, end)
    row = (await db.read(*cypher.voting_record(who.iri, start=start, end=end, topic=topic)))[0]
    compared, agreed = int(row["compared"]), int(row["agreed"])
    first, last = _node_date(row["first"]), _node_date(row["last"])
    return VotingRecord(
        state_record=who,
        start=start,
        end=end,
        topic=topic,
        roll_calls=int(row["rollCalls"]),
        yes=int(row["yes"]),
        no=int(row["no"]),
        abstain=int(row["abstain"]),
        first_vote=first,
        last_vote=last,
        foc_agreement=FocAgreement(
            compared=compared,
            agreed=agreed,
            rate=round(agreed / compared, 4) if compared else None,
            without_majority=int(row["withoutMajority"]),
            without_foc=int(row["withoutFoc"]),
        ),
    )


def _node_date(value: Any) -> dt.date | None:
    return value.to_native() if value is not None else None
