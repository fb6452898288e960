"""The top-level list fields (``incidents``, ``laws``, ``resolutions``...), one per main class.

Each is a connection over one ontology label with a filter input and a sort order. Sort keys are
Cypher expressions rendered as strings (dates as ISO text, numbers zero-padded) so that one cursor
format serves every ordering; nodes without the key come last.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol

import strawberry
from strawberry.types import Info

from graph_api.queries import filters
from graph_api.queries.connection import Connection, Node, NodeType, connection_type
from graph_api.queries.datasets import ProvenanceFilter
from graph_api.queries.listing import ListQuery, list_page
from graph_api.schema.entities import TYPES


@strawberry.enum(description="Sort direction.")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum(description="How to order a list.")
class SortBy(enum.Enum):
    LABEL = "LABEL"
    START_DATE = "START_DATE"
    ADOPTION_DATE = "ADOPTION_DATE"
    DATE = "DATE"
    SYMBOL = "SYMBOL"
    SESSION = "SESSION"
    IRI = "IRI"


SORT_EXPRESSIONS = {
    SortBy.LABEL: "toLower(n.label)",
    SortBy.START_DATE: "toString(n.startDate)",
    SortBy.ADOPTION_DATE: "toString(n.adoptionDate)",
    SortBy.DATE: "toString(coalesce(n.date, n.adoptionDate))",
    SortBy.SYMBOL: "n.symbol",
    SortBy.SESSION: "right('0000000000' + toString(n.session), 10)",
    SortBy.IRI: "n.iri",
}
# Sort keys that are one ontology property (graph_api.queries.indexes gives dates an index).
SORT_PROPERTIES = {SortBy.START_DATE: "startDate", SortBy.ADOPTION_DATE: "adoptionDate"}
# The labels of the top-level lists, filled in by _list_field.
LIST_LABELS: list[str] = []


class _Filter(Protocol):
    def apply(self, q: ListQuery) -> None: ...


async def _page(
    info: Info,
    label: str,
    flt: _Filter | None,
    sort: SortBy,
    direction: SortDirection,
    first: int | None,
    after: str | None,
) -> Any:
    q = ListQuery(
        label,
        sort.value,
        SORT_EXPRESSIONS[sort],
        direction is SortDirection.DESC,
        sort_property=SORT_PROPERTIES.get(sort),
    )
    if flt is not None:
        flt.apply(q)
        if isinstance(flt, ProvenanceFilter):
            await flt.check_provenance(info.context.db)
    return await list_page(info, q, first, after)


def _list_field(label: str, filter_type: type, default_sort: SortBy, description: str) -> Any:
    """A connection field over ``label`` with ``filter_type`` as its ``filter`` argument."""
    LIST_LABELS.append(label)

    async def resolve(
        info: Info,
        filter: Any = None,
        sort: SortBy = default_sort,
        direction: SortDirection = SortDirection.ASC,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        return await _page(info, label, filter, sort, direction, first, after)

    resolve.__annotations__["filter"] = filter_type | None
    return strawberry.field(
        resolver=resolve,
        description=description,
        graphql_type=connection_type(TYPES[label]),
    )


@strawberry.type
class ListFields:
    incidents = _list_field(
        "Incident",
        filters.IncidentFilter,
        SortBy.START_DATE,
        "Documented incidents that restricted civic space online.",
    )
    laws = _list_field(
        "Law", filters.LawFilter, SortBy.LABEL, "National laws, policies and orders."
    )
    resolutions = _list_field(
        "Resolution", filters.ResolutionFilter, SortBy.ADOPTION_DATE, "UN resolutions."
    )
    actors = _list_field("Actor", filters.ActorFilter, SortBy.LABEL, "States, bodies, defenders...")
    documents = _list_field(
        "Document", filters.DocumentFilter, SortBy.LABEL, "Every document, of any kind."
    )
    statements = _list_field(
        "Statement", filters.DocumentFilter, SortBy.DATE, "Public statements such as the FOC's."
    )
    rights = _list_field("Right", filters.TermFilter, SortBy.LABEL, "Rights (SKOS vocabulary).")
    threats = _list_field(
        "ThreatType", filters.TermFilter, SortBy.LABEL, "Threat types (SKOS vocabulary)."
    )
    law_categories = _list_field(
        "LawCategory", filters.TermFilter, SortBy.LABEL, "Law categories (SKOS vocabulary)."
    )
    countries = _list_field("Country", filters.TermFilter, SortBy.LABEL, "Countries.")
    sources = _list_field("Source", filters.TermFilter, SortBy.LABEL, "Sources and datasets.")

    @strawberry.field(
        description="Nodes of any of the given classes, e.g. votes or memberships.",
        graphql_type=Connection[Node],
    )
    async def nodes(
        self,
        info: Info,
        types: list[NodeType],
        text: str | None = None,
        dataset: list[str] | None = None,
        load: list[strawberry.ID] | None = None,
        sort: SortBy = SortBy.LABEL,
        direction: SortDirection = SortDirection.ASC,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        flt = _TypesAndText(types, text, dataset, load)
        return await _page(info, "Resource", flt, sort, direction, first, after)


class _TypesAndText(ProvenanceFilter):
    def __init__(
        self,
        types: list[Any],
        text: str | None,
        dataset: list[str] | None,
        load: list[strawberry.ID] | None,
    ):
        super().__init__(dataset=dataset, load=load)
        self.types, self.text = types, text

    def apply(self, q: ListQuery) -> None:
        self.apply_provenance(q)
        q.add("any(l IN labels(n) WHERE l IN $types)", types=[t.value for t in self.types])
        filters.text_filter(q, self.text, "text")
