"""``briefing(country, from, to)``: from a country's incidents to the texts that answer them.

The chain: incident -> law or order invoked -> threat type -> rights restricted (directly, or
threatened by the threat type or a broader one) -> resolutions and instruments protecting those
rights (``protectsRight``) and the articles the rights rest on (``restsOn``) -> the statement and
calls to action addressing the threat (``addressesThreat``, also on broader threats); plus the
memberships of the country's state (e.g. in the Freedom Online Coalition). Every link carries its
sources; lists are deduplicated and ordered. A selection the compiler handles is one Cypher query
(``graph_api.cypher.briefing``); otherwise (``sayDo``) four, whatever the number of incidents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from civicgraph.iris import mint
from graph_api.errors import bad_argument
from graph_api.queries.connection import Node
from graph_api.queries.db import NodeRecord
from graph_api.queries.links import Link, LinkData, unique_links
from graph_api.votes.saydo import SayDoRecord, build_say_do

from . import briefing_cypher as cypher

FOC = str(mint("actor", "freedom-online-coalition"))
MAX_INCIDENTS = 500
INCIDENT_LINKS = ("INVOKED_LAW", "THREAT_TYPE", "RESTRICTS_RIGHT")


def _wrap(record: NodeRecord) -> Any:
    from graph_api.schema.entities import wrap

    return wrap(record)


def _links(data: list[LinkData]) -> list[Link]:
    return [Link(data=d) for d in data]


@strawberry.type(description="One incident with the links that tie it to the rest.")
class BriefingIncident:
    record: strawberry.Private[NodeRecord]
    laws: list[Link] = strawberry.field(description="invokedLaw links.")
    threat_types: list[Link] = strawberry.field(description="threatType links.")
    restricted_rights: list[Link] = strawberry.field(description="restrictsRight links.")

    @strawberry.field
    def incident(self) -> Node:
        return _wrap(self.record)


@strawberry.type(description="A threat type seen in the incidents, and who addresses it.")
class BriefingThreat:
    record: strawberry.Private[NodeRecord]
    incident_count: int
    broader: list[Link] = strawberry.field(description="skos:broader links up to the top.")
    threatens: list[Link] = strawberry.field(
        description="Rights it (or a broader threat) threatens."
    )
    addressed_by: list[Link] = strawberry.field(
        description="Statements, calls to action and texts addressing it or a broader threat."
    )

    @strawberry.field
    def threat_type(self) -> Node:
        return _wrap(self.record)


@strawberry.type(description="A right restricted or threatened, and what protects it.")
class BriefingRight:
    record: strawberry.Private[NodeRecord]
    reached_by: list[Link] = strawberry.field(
        description="The restrictsRight and threatens links that bring it into the briefing."
    )
    protected_by: list[Link] = strawberry.field(description="protectsRight links to it.")
    rests_on: list[Link] = strawberry.field(description="Instrument articles it rests on.")
    concerned_by: list[Link] = strawberry.field(description="Calls to action about it.")

    @strawberry.field
    def right(self) -> Node:
        return _wrap(self.record)


@strawberry.type(description="A country's incidents, threats, rights and the texts answering them.")
class Briefing:
    country_record: strawberry.Private[NodeRecord]
    period: strawberry.Private[tuple[dt.date | None, dt.date | None, int]]
    state_links: list[Link] = strawberry.field(name="states", description="States of the country.")
    memberships: list[Link] = strawberry.field(
        description="member and organisation links of the state's memberships."
    )
    foc_member: bool = strawberry.field(
        description="Whether a membership of the state in the Freedom Online Coalition is recorded."
    )
    incident_count: int
    incidents: list[BriefingIncident]
    threats: list[BriefingThreat]
    rights: list[BriefingRight]

    @strawberry.field
    def country(self) -> Node:
        return _wrap(self.country_record)

    @strawberry.field(
        description="The say-do record for the same country and period: incidents by threat "
        "type and year, rights restricted, the resolutions protecting rights with the state's "
        "vote, its FOC-majority agreement on human-rights roll calls, its FOC membership."
    )
    async def say_do(self, info: Info, sourced_only: bool = False) -> SayDoRecord:
        start, end, first = self.period
        return await build_say_do(
            info.context.db,
            self.country_record.iri,
            start,
            end,
            first=first,
            sourced_only=sourced_only,
        )


def _rows(value: Any) -> list[dict[str, Any]]:
    return list(value or [])


async def build_briefing(
    info: Info, country: str, start: dt.date | None, end: dt.date | None, first: int
) -> Briefing:
    if not 1 <= first <= MAX_INCIDENTS:
        raise bad_argument("first", f"must be between 1 and {MAX_INCIDENTS}.", "range")
    if start and end and start > end:
        raise bad_argument("to", "`to` is before `from`.", "order")
    from graph_api.cypher.briefing import briefing as compiled

    answer = await compiled(info, country, start, end, first, FOC)
    if answer is not None:
        return answer  # type: ignore[return-value]
    db = info.context.db
    head = await db.read(cypher.COUNTRY, {"country": country})
    if not head:
        raise bad_argument("country", f"no country has the code or IRI {country!r}.", "not_found")
    country_rec = NodeRecord.from_node(head[0]["c"])
    memberships = unique_links(_rows(head[0]["memberships"]))
    params = {"country": country_rec.iri, "from": start, "to": end, "limit": first}
    incident_rows = await db.read(cypher.INCIDENTS, params)
    incidents, per_threat, reached = _incidents(incident_rows)
    threats = await _threats(info, per_threat, reached)
    rights = await _rights(info, reached)
    return Briefing(
        country_record=country_rec,
        period=(start, end, first),
        state_links=_links(unique_links(_rows(head[0]["states"]))),
        memberships=_links(memberships),
        foc_member=any(d.rel_type == "ORGANISATION" and d.end.iri == FOC for d in memberships),
        incident_count=int(incident_rows[0]["total"]) if incident_rows else 0,
        incidents=incidents,
        threats=threats,
        rights=rights,
    )


def _incidents(
    rows: list[Any],
) -> tuple[list[BriefingIncident], dict[str, tuple[NodeRecord, int]], dict[str, list[LinkData]]]:
    incidents = []
    per_threat: dict[str, tuple[NodeRecord, int]] = {}
    reached: dict[str, list[LinkData]] = {}
    for row in rows:
        links = unique_links(_rows(row["links"]))
        by_type = {t: [d for d in links if d.rel_type == t] for t in INCIDENT_LINKS}
        for d in by_type["THREAT_TYPE"]:
            rec, n = per_threat.get(d.end.iri, (d.end, 0))
            per_threat[d.end.iri] = (rec, n + 1)
        for d in by_type["RESTRICTS_RIGHT"]:
            reached.setdefault(d.end.iri, []).append(d)
        incidents.append(
            BriefingIncident(
                record=NodeRecord.from_node(row["i"]),
                laws=_links(by_type["INVOKED_LAW"]),
                threat_types=_links(by_type["THREAT_TYPE"]),
                restricted_rights=_links(by_type["RESTRICTS_RIGHT"]),
            )
        )
    return incidents, per_threat, reached


async def _threats(
    info: Info, per_threat: dict[str, tuple[NodeRecord, int]], reached: dict[str, list[LinkData]]
) -> list[BriefingThreat]:
    if not per_threat:
        return []
    rows = await info.context.db.read(cypher.THREATS, {"threats": sorted(per_threat)})
    threats = []
    for row in rows:
        record, count = per_threat[row["t"]["iri"]]
        threatens = unique_links(_rows(row["threatens"]))
        for d in threatens:
            reached.setdefault(d.end.iri, []).append(d)
        threats.append(
            BriefingThreat(
                record=record,
                incident_count=count,
                broader=_links(unique_links(_rows(row["broader"]))),
                threatens=_links(threatens),
                addressed_by=_links(unique_links(_rows(row["addressed"]))),
            )
        )
    return sorted(threats, key=lambda t: (-t.incident_count, str(t.record.props.get("label"))))


async def _rights(info: Info, reached: dict[str, list[LinkData]]) -> list[BriefingRight]:
    if not reached:
        return []
    rows = await info.context.db.read(cypher.RIGHTS, {"rights": sorted(reached)})
    rights = []
    for row in rows:
        record = NodeRecord.from_node(row["x"])
        ways = {(d.start.iri, d.rel_type, d.end.iri): d for d in reached[record.iri]}
        rights.append(
            BriefingRight(
                record=record,
                reached_by=_links([ways[k] for k in sorted(ways)]),
                protected_by=_links(unique_links(_rows(row["protectedBy"]))),
                rests_on=_links(unique_links(_rows(row["restsOn"]))),
                concerned_by=_links(unique_links(_rows(row["concernedBy"]))),
            )
        )
    return sorted(rights, key=lambda r: str(r.record.props.get("label")))
