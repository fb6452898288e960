"""DataLoaders that turn "this field on each of N nodes" into one Cypher query.

A loader is keyed by what it fetches (relationship types, direction, label filter, page window);
its keys are node IRIs. All the parents that a GraphQL field is resolved on during one tick of
the event loop share a loader, so a request costs one query per field *level*, not per result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader

from graph_api.queries.datasets import load_datasets
from graph_api.queries.db import Db, NodeRecord

# Relationship provenance: its own ``sources``, else (per the storage model) its subject's.
# ``sn`` must be bound to ``startNode(r)`` (pattern comprehensions need a variable).
REL_SOURCES = (
    "CASE WHEN size(coalesce(r.sources, [])) > 0 THEN r.sources "
    "ELSE [(sn)-[:SOURCE]->(s) | s.iri] END"
)
# The order of relationship lists: by label, then IRI, so cursors are stable.
NEIGHBOUR_KEY = "toLower(coalesce(m.label, ''))"
NO_LIMIT = 1_000_000


@dataclass(frozen=True)
class RelSpec:
    """What a relationship loader fetches; every part is allowlisted or a parameter."""

    rel_types: tuple[str, ...]
    direction: str  # "out" or "in"
    labels: tuple[str, ...] | None = None
    limit: int | None = None
    after: tuple[str, str] | None = None


@dataclass(frozen=True)
class Linked:
    """A neighbour reached over one relationship, with the relationship's provenance."""

    node: NodeRecord
    rel_type: str
    sources: tuple[str, ...]
    key: str
    outgoing: bool


@dataclass(frozen=True)
class RelPage:
    items: list[Linked]
    total: int


def rel_query(spec: RelSpec) -> str:
    """Cypher for one RelSpec; the relationship types come from the ontology allowlist."""
    types = "|".join(spec.rel_types)
    pattern = f"(a)-[r:{types}]->(m)" if spec.direction == "out" else f"(a)<-[r:{types}]-(m)"
    count_pattern = pattern.replace("[r:", "[:")
    label_cond = "($labels IS NULL OR any(l IN labels(m) WHERE l IN $labels))"
    return f"""
UNWIND $ids AS id
MATCH (a:Resource {{iri: id}})
CALL (a) {{
  MATCH {pattern}
  WHERE {label_cond}
  WITH r, m, {NEIGHBOUR_KEY} AS k
  WHERE $afterKey IS NULL OR k > $afterKey OR (k = $afterKey AND m.iri > $afterIri)
  WITH r, m, k ORDER BY k, m.iri LIMIT $limit
  WITH r, m, k, startNode(r) AS sn
  RETURN collect({{node: m, type: type(r), sources: {REL_SOURCES}, key: k,
                  out: sn = a}}) AS items
}}
RETURN id, items, COUNT {{ MATCH {count_pattern} WHERE {label_cond} }} AS total
"""


class Loaders:
    """The per-request loaders, created on first use."""

    def __init__(self, db: Db):
        self.db = db
        self._rels: dict[RelSpec, DataLoader[str, RelPage]] = {}
        self.nodes: DataLoader[str, NodeRecord | None] = DataLoader(load_fn=self._load_nodes)
        self.datasets: DataLoader[str, list[NodeRecord]] = DataLoader(
            load_fn=lambda ids: load_datasets(self.db, list(ids))
        )

    def rels(self, spec: RelSpec) -> DataLoader[str, RelPage]:
        if spec not in self._rels:

            async def load(ids: list[str]) -> list[RelPage]:
                return await self._load_rels(spec, ids)

            self._rels[spec] = DataLoader(load_fn=load)
        return self._rels[spec]

    async def _load_nodes(self, ids: list[str]) -> list[NodeRecord | None]:
        records = await self.db.read(
            "UNWIND $ids AS id MATCH (n:Resource {iri: id}) RETURN id, n", {"ids": list(ids)}
        )
        found = {r["id"]: NodeRecord.from_node(r["n"]) for r in records}
        return [found.get(i) for i in ids]

    async def _load_rels(self, spec: RelSpec, ids: list[str]) -> list[RelPage]:
        params: dict[str, Any] = {
            "ids": list(dict.fromkeys(ids)),
            "labels": list(spec.labels) if spec.labels else None,
            "limit": spec.limit if spec.limit is not None else NO_LIMIT,
            "afterKey": spec.after[0] if spec.after else None,
            "afterIri": spec.after[1] if spec.after else None,
        }
        records = await self.db.read(rel_query(spec), params)
        pages = {
            r["id"]: RelPage(
                [
                    Linked(
                        NodeRecord.from_node(item["node"]),
                        item["type"],
                        tuple(item["sources"] or ()),
                        item["key"],
                        bool(item["out"]),
                    )
                    for item in r["items"]
                ],
                int(r["total"]),
            )
            for r in records
        }
        return [pages.get(i, RelPage([], 0)) for i in ids]

    async def sources_of(self, iris: tuple[str, ...] | list[str]) -> list[NodeRecord]:
        """Source IRIs resolved to nodes (batched with every other lookup in the same tick)."""
        found = await self.nodes.load_many(list(iris))
        return [n for n in found if n is not None]
