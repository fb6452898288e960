"""Filter inputs for the top-level lists, each turned into fixed Cypher clauses with parameters.

A country can be given as an ISO 3166-1 alpha-2 code (``"NL"``) or as a country IRI; other
references (threat type, right, body) are IRIs. Threat-type filters include narrower threats
(``misuse-of-laws`` finds incidents typed ``misuse-of-cybercrime-law``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from graph_api.queries.connection import NodeType
from graph_api.queries.datasets import ProvenanceFilter
from graph_api.queries.listing import ListQuery
from graph_api.queries.search import spend_text

TEXT_CLAUSE = (
    "any(v IN [n.label, n.title, n.symbol, n.description] + coalesce(n.altLabel, []) "
    "WHERE v IS NOT NULL AND toLower(v) CONTAINS toLower($text))"
)
COUNTRY_CLAUSE = (
    "EXISTS {{ MATCH (n)-[:{rel}]->(c:Country) WHERE c.iri = ${p} OR c.isoAlpha2 = toUpper(${p}) }}"
)
# The country node such a clause asks for, to start the list from (ListQuery.anchor_at).
COUNTRY_ANCHOR = (
    "MATCH (anchor:Country) WHERE anchor.iri = ${p} OR anchor.isoAlpha2 = toUpper(${p})"
)
NARROWER_THREAT = (
    "EXISTS {{ MATCH (n)-[:{rel}]->(:ThreatType)-[:BROADER*0..6]->(t) WHERE t.iri = ${p} }}"
)
LINKED = "EXISTS {{ MATCH (n)-[:{rel}]->(x) WHERE x.iri = ${p} }}"
# Going on at some time on or after $startFrom: it ended then or later, or started then or later,
# or has no end date (absent while it goes on, says the ontology) unless its source reports it
# ended: then only its start date is known to be in it.
GOING_ON_FROM = (
    "n.endDate >= $startFrom OR n.startDate >= $startFrom "
    "OR (n.endDate IS NULL AND coalesce(toLower(n.status), '') <> 'ended')"
)


def text_filter(q: ListQuery, text: str | None, argument: str = "filter.text") -> None:
    if text:
        spend_text(argument, text)
        q.add(TEXT_CLAUSE, text=text)


def types_filter(q: ListQuery, types: list[Any] | None) -> None:
    if types:
        q.add("any(l IN labels(n) WHERE l IN $types)", types=[t.value for t in types])


def date_range(q: ListQuery, key: str, start: dt.date | None, end: dt.date | None) -> None:
    """``key`` between two dates (inclusive); ``key`` is an allowlisted property name."""
    if start is not None:
        q.add(f"n.{key} >= $from_{key}", **{f"from_{key}": start})
    if end is not None:
        q.add(f"n.{key} <= $to_{key}", **{f"to_{key}": end})


@strawberry.input(description="Incidents by place, time, type of threat and right restricted.")
class IncidentFilter(ProvenanceFilter):
    country: str | None = strawberry.field(
        default=None, description="ISO alpha-2 code (e.g. 'IN') or country IRI."
    )
    threat_type: strawberry.ID | None = strawberry.field(
        default=None, description="Threat type IRI; narrower threat types match too."
    )
    right: strawberry.ID | None = strawberry.field(
        default=None,
        description="Right IRI, restricted directly or through the incident's threat type.",
    )
    invoked_law: strawberry.ID | None = None
    ordered_by: strawberry.ID | None = None
    status: str | None = None
    start_from: dt.date | None = strawberry.field(
        default=None,
        description="Incidents going on at some time on or after this date: ended on or after "
        "it, started on or after it, or ongoing (no end date, not reported ended).",
    )
    start_to: dt.date | None = strawberry.field(
        default=None, description="Incidents that started on or before this date."
    )
    text: str | None = strawberry.field(default=None, description="Words in label or description.")

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        if self.country:
            clause = COUNTRY_CLAUSE.format(rel="COUNTRY", p="country")
            q.add(clause, country=self.country)
            q.anchor_at(COUNTRY_ANCHOR.format(p="country"), "COUNTRY", clause)
        if self.threat_type:
            q.add(NARROWER_THREAT.format(rel="THREAT_TYPE", p="threat"), threat=self.threat_type)
        if self.right:
            q.add(
                LINKED.format(rel="RESTRICTS_RIGHT", p="right")
                + " OR EXISTS { MATCH (n)-[:THREAT_TYPE]->()-[:THREATENS]->(x) "
                "WHERE x.iri = $right }",
                right=self.right,
            )
        if self.invoked_law:
            q.add(LINKED.format(rel="INVOKED_LAW", p="law"), law=self.invoked_law)
        if self.ordered_by:
            q.add(LINKED.format(rel="ORDERED_BY", p="orderedBy"), orderedBy=self.ordered_by)
        if self.status:
            q.add("toLower(n.status) = toLower($status)", status=self.status)
        if self.start_from is not None:
            q.add(GOING_ON_FROM, startFrom=self.start_from)
        if self.start_to is not None:
            q.add("n.startDate <= $startTo", startTo=self.start_to)
        text_filter(q, self.text)


@strawberry.input(description="Laws and orders by jurisdiction, category and kind.")
class LawFilter(ProvenanceFilter):
    jurisdiction: str | None = strawberry.field(
        default=None, description="ISO alpha-2 code or country IRI."
    )
    law_category: strawberry.ID | None = None
    types: list[NodeType] | None = None
    adopted_from: dt.date | None = None
    adopted_to: dt.date | None = None
    text: str | None = None

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        if self.jurisdiction:
            q.add(COUNTRY_CLAUSE.format(rel="JURISDICTION", p="jur"), jur=self.jurisdiction)
        if self.law_category:
            q.add(LINKED.format(rel="LAW_CATEGORY", p="cat"), cat=self.law_category)
        types_filter(q, self.types)
        date_range(q, "adoptionDate", self.adopted_from, self.adopted_to)
        text_filter(q, self.text)


@strawberry.input(description="UN resolutions by adopting body, session, right and threat.")
class ResolutionFilter(ProvenanceFilter):
    adopted_by: strawberry.ID | None = strawberry.field(
        default=None, description="IRI of the adopting body, e.g. the Human Rights Council."
    )
    session: int | None = None
    symbol: str | None = None
    right: strawberry.ID | None = strawberry.field(
        default=None, description="A right the resolution protects (protectsRight)."
    )
    threat_type: strawberry.ID | None = strawberry.field(
        default=None, description="A threat type it addresses, or a narrower one."
    )
    adopted_from: dt.date | None = None
    adopted_to: dt.date | None = None
    text: str | None = None

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        if self.adopted_by:
            q.add(LINKED.format(rel="ADOPTED_BY", p="body"), body=self.adopted_by)
        if self.session is not None:
            q.add("n.session = $session", session=self.session)
        if self.symbol:
            q.add("toUpper(n.symbol) = toUpper($symbol)", symbol=self.symbol)
        if self.right:
            q.add(LINKED.format(rel="PROTECTS_RIGHT", p="right"), right=self.right)
        if self.threat_type:
            q.add(
                "EXISTS { MATCH (n)-[:ADDRESSES_THREAT]->(t) WHERE t.iri = $threat "
                "OR EXISTS { MATCH (:Resource {iri: $threat})-[:BROADER*1..6]->(t) } }",
                threat=self.threat_type,
            )
        date_range(q, "adoptionDate", self.adopted_from, self.adopted_to)
        text_filter(q, self.text)


@strawberry.input(description="Actors by kind, country and membership.")
class ActorFilter(ProvenanceFilter):
    types: list[NodeType] | None = None
    country: str | None = strawberry.field(default=None, description="ISO alpha-2 code or IRI.")
    member_of: strawberry.ID | None = strawberry.field(
        default=None, description="IRI of an organisation the actor has a membership in."
    )
    text: str | None = None

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        types_filter(q, self.types)
        if self.country:
            clause = COUNTRY_CLAUSE.format(rel="COUNTRY", p="country")
            q.add(clause, country=self.country)
            q.anchor_at(COUNTRY_ANCHOR.format(p="country"), "COUNTRY", clause)
        if self.member_of:
            q.add(
                "EXISTS { MATCH (n)<-[:MEMBER]-(:Membership)-[:ORGANISATION]->(o) "
                "WHERE o.iri = $org }",
                org=self.member_of,
            )
        text_filter(q, self.text)


@strawberry.input(description="Documents by kind, issuer, subject and date.")
class DocumentFilter(ProvenanceFilter):
    types: list[NodeType] | None = None
    issued_by: strawberry.ID | None = None
    protects_right: strawberry.ID | None = None
    addresses_threat: strawberry.ID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str | None = None

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        types_filter(q, self.types)
        if self.issued_by:
            q.add(LINKED.format(rel="ISSUED_BY", p="issuer"), issuer=self.issued_by)
        if self.protects_right:
            q.add(LINKED.format(rel="PROTECTS_RIGHT", p="right"), right=self.protects_right)
        if self.addresses_threat:
            q.add(LINKED.format(rel="ADDRESSES_THREAT", p="threat"), threat=self.addresses_threat)
        date_range(q, "date", self.date_from, self.date_to)
        text_filter(q, self.text)


@strawberry.input(description="Vocabulary terms and countries by words or a broader term.")
class TermFilter(ProvenanceFilter):
    text: str | None = None
    broader: strawberry.ID | None = strawberry.field(
        default=None, description="Only terms narrower than this one (transitively)."
    )
    in_scheme: strawberry.ID | None = None

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        if self.text:
            spend_text("filter.text", self.text)
            q.add(
                f"({TEXT_CLAUSE}) OR toUpper($text) IN [n.isoAlpha2, n.isoAlpha3]", text=self.text
            )
        if self.broader:
            q.add(
                "EXISTS { MATCH (n)-[:BROADER*1..6]->(b) WHERE b.iri = $broader }",
                broader=self.broader,
            )
        if self.in_scheme:
            q.add(LINKED.format(rel="IN_SCHEME", p="scheme"), scheme=self.in_scheme)
