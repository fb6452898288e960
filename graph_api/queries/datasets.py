"""Which datasets and loads assert a node: the ``dataset``/``load`` filters, the DATASET facet of
the counts and the ``datasets``/``datasetCount`` fields.

A node is asserted by a dataset when one of its ``loads`` is a load of that dataset (the ontology's
object property from ``csg:Load`` to ``csg:Dataset``, found by its domain and range, not by name)
or when it cites the dataset as its source (``SOURCE``: every node a table mapping writes does, and
so do nodes loaded before loads knew their dataset). Both are expansions from the node (the
``Load`` by its IRI through the uniqueness index), so a filter costs a few look-ups per candidate.
Dataset and load references are IRIs; a dataset may also be given after ``csgid:``
(``dataset/access-now-keepiton-stop``) or by its short name (``access-now-keepiton-stop``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry

from civicgraph.model import Ontology
from civicgraph.vocab import ID
from graph_api.errors import bad_argument
from graph_api.queries.db import Db, NodeRecord

DATASET = "Dataset"
LOAD = "Load"


@cache
def load_dataset_type() -> str | None:
    """The relationship type from a Load to its Dataset, once the ontology declares one."""
    for prop in Ontology.get().relationship_types().values():
        if LOAD in prop.domains and prop.range_class == DATASET:
            return prop.rel_type
    return None


def datasets_of(v: str, d: str) -> str:
    """A ``CALL`` yielding ``d``: each dataset asserting node ``v`` once (texts from here only)."""
    by_source = f"MATCH ({v})-[:SOURCE]->({d}:{DATASET}) RETURN {d}"
    rel = load_dataset_type()
    if rel is None:
        return f"CALL ({v}) {{ {by_source} }}"
    by_load = (
        f"UNWIND coalesce({v}.loads, []) AS {d}_li "
        f"MATCH (:Resource {{iri: {d}_li}})-[:{rel}]->({d}:{DATASET}) RETURN {d}"
    )
    return f"CALL ({v}) {{ {by_load} UNION {by_source} }}"


def dataset_clause(param: str) -> str:
    """WHERE text: ``n`` is asserted by one of the datasets in ``$param``."""
    return f"EXISTS {{ {datasets_of('n', 'ds')} WITH ds WHERE ds.iri IN ${param} RETURN ds }}"


def load_clause(param: str) -> str:
    """WHERE text: one of the loads in ``$param`` asserted ``n``."""
    return f"any(li IN coalesce(n.loads, []) WHERE li IN ${param})"


def dataset_group() -> str:
    """The counts' grouping clause for the DATASET dimension: one row per (node, dataset), or
    (node, null) for a node no dataset asserts."""
    return f"OPTIONAL {datasets_of('n', 'g')}"


def dataset_iri(value: str) -> str:
    """A dataset reference as its IRI (see the module doc)."""
    text = value.strip()
    if text.startswith(("http://", "https://")):
        return text
    if not text.startswith(f"{DATASET.lower()}/"):
        text = f"{DATASET.lower()}/{text}"
    return str(ID[text])


@strawberry.input(description="Nodes asserted by given datasets or loads (a mixin of filters).")
class ProvenanceFilter:
    dataset: list[str] | None = strawberry.field(
        default=None,
        description="Only nodes asserted by one of these datasets: a dataset IRI, or its name "
        "after csgid: ('dataset/access-now-keepiton-stop'). A node is asserted by a dataset when "
        "a load of that dataset asserted it or it cites the dataset as its source.",
    )
    load: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only nodes asserted by one of these loads (Load IRIs)."
    )

    def apply_provenance(self, q: Any) -> None:
        if self.dataset is not None:
            q.add(dataset_clause("provDatasets"), provDatasets=self.dataset_iris())
        if self.load is not None:
            q.add(load_clause("provLoads"), provLoads=[str(x) for x in self.load])

    def dataset_iris(self) -> list[str]:
        return [dataset_iri(d) for d in self.dataset or []]

    async def check_provenance(self, db: Db, argument: str = "filter") -> None:
        """A dataset or load that does not exist is the client's mistake, said as such (an empty
        list would look like 'no incidents')."""
        wanted = [(f"{argument}.dataset", DATASET, i) for i in self.dataset_iris()]
        wanted += [(f"{argument}.load", LOAD, str(i)) for i in self.load or []]
        if not wanted:
            return
        rows = await db.read(
            "UNWIND $refs AS ref OPTIONAL MATCH (x:Resource {iri: ref[1]}) "
            "RETURN ref[0] AS label, ref[1] AS iri, x IS NOT NULL AND ref[0] IN labels(x) AS ok",
            {"refs": [[label, iri] for _, label, iri in wanted]},
        )
        found = {(r["label"], r["iri"]) for r in rows if r["ok"]}
        for name, label, iri in wanted:
            if (label, iri) not in found:
                raise bad_argument(name, f"no {label} has the IRI {iri!r}.", "unknown")


async def load_datasets(db: Db, ids: list[str]) -> list[list[NodeRecord]]:
    """The datasets asserting each node of ``ids`` (one query), ordered by label then IRI."""
    records = await db.read(
        f"UNWIND $ids AS id MATCH (n:Resource {{iri: id}}) "
        f"CALL (n) {{ {datasets_of('n', 'd')} WITH d ORDER BY toLower(coalesce(d.label, '')), "
        "d.iri RETURN collect(d) AS found } RETURN id, found",
        {"ids": list(dict.fromkeys(ids))},
    )
    by_id = {r["id"]: [NodeRecord.from_node(d) for d in r["found"]] for r in records}
    return [by_id.get(i, []) for i in ids]
