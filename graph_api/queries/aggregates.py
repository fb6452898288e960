"""Counts for charts and overviews: incidents by threat type, year or country; resolutions by
adopting body, year or session. They accept the same filters as the lists, so a chart and the
list behind it agree.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.types import Info

from graph_api.queries.connection import Node
from graph_api.queries.datasets import dataset_group
from graph_api.queries.db import NodeRecord
from graph_api.queries.filters import IncidentFilter, ResolutionFilter
from graph_api.queries.listing import ListQuery


@strawberry.enum(description="What to count incidents by.")
class IncidentDimension(enum.Enum):
    THREAT_TYPE = "THREAT_TYPE"
    YEAR = "YEAR"
    COUNTRY = "COUNTRY"
    DATASET = "DATASET"


@strawberry.enum(description="What to count resolutions by.")
class ResolutionDimension(enum.Enum):
    ADOPTING_BODY = "ADOPTING_BODY"
    YEAR = "YEAR"
    SESSION = "SESSION"
    DATASET = "DATASET"


# For each dimension: the grouping node (or none) and the key; texts from this table only.
_GROUPS = {
    IncidentDimension.THREAT_TYPE: ("OPTIONAL MATCH (n)-[:THREAT_TYPE]->(g)", "g.iri"),
    IncidentDimension.YEAR: ("WITH n, null AS g", "toString(n.startDate.year)"),
    IncidentDimension.COUNTRY: ("OPTIONAL MATCH (n)-[:COUNTRY]->(g)", "g.iri"),
    ResolutionDimension.ADOPTING_BODY: ("OPTIONAL MATCH (n)-[:ADOPTED_BY]->(g)", "g.iri"),
    ResolutionDimension.YEAR: (
        "WITH n, null AS g",
        "toString(coalesce(n.adoptionDate.year, n.year))",
    ),
    ResolutionDimension.SESSION: ("WITH n, null AS g", "toString(n.session)"),
    IncidentDimension.DATASET: (dataset_group(), "g.iri"),
    ResolutionDimension.DATASET: (dataset_group(), "g.iri"),
}


@strawberry.type(description="How many nodes share one value of a dimension.")
class CountBucket:
    key: str | None = strawberry.field(description="The IRI, year or session; null for 'none'.")
    count: int
    record: strawberry.Private[NodeRecord | None]

    @strawberry.field(description="The grouping node (threat type, country, body), if any.")
    def node(self) -> Node | None:
        from graph_api.schema.entities import wrap

        return wrap(self.record) if self.record is not None else None


def counts_cypher(q: ListQuery, dimension: Any) -> str:
    where = " AND ".join(f"({w})" for w in q.where) or "true"
    group, key = _GROUPS[dimension]
    return f"""MATCH (n:{q.label}) WHERE {where}
{group}
WITH {key} AS key, g, count(DISTINCT n) AS count
RETURN key, g AS node, count
ORDER BY count DESC, key"""


async def _counts(info: Info, label: str, flt: Any, dimension: Any) -> list[CountBucket]:
    q = ListQuery(label, "counts", "n.iri")
    if flt is not None:
        flt.apply(q)
        await flt.check_provenance(info.context.db)
    rows = await info.context.db.read(counts_cypher(q, dimension), q.params)
    return [
        CountBucket(
            key=r["key"],
            count=int(r["count"]),
            record=NodeRecord.from_node(r["node"]) if r["node"] is not None else None,
        )
        for r in rows
    ]


@strawberry.type
class AggregateFields:
    @strawberry.field(
        description="Incident counts by threat type, start year, country or dataset. These "
        "count incidents, not dataset rows: a dataset that lists an ongoing incident again in "
        "later years' sheets gives one incident for those rows (see Incident.builtFrom). By "
        "DATASET, an incident two datasets record counts once in each (see Node.datasets); "
        "filter.dataset restricts every dimension to the incidents given datasets assert."
    )
    async def incident_counts(
        self, info: Info, by: IncidentDimension, filter: IncidentFilter | None = None
    ) -> list[CountBucket]:
        return await _counts(info, "Incident", filter, by)

    @strawberry.field(description="Resolution counts by adopting body, year, session or dataset.")
    async def resolution_counts(
        self, info: Info, by: ResolutionDimension, filter: ResolutionFilter | None = None
    ) -> list[CountBucket]:
        return await _counts(info, "Resolution", filter, by)
