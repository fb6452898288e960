"""Cypher for the loader: pure functions returning ``(query, params)``.

Values only ever travel as parameters. Labels and relationship types are checked against the
ontology's allowlist here, the one place that writes them, and rejected otherwise. Nodes are
MERGEd on the static ``Resource`` label (a dynamic label in a MERGE pattern cannot use the
uniqueness index in Neo4j 5.26) and get their other labels with ``SET n:$(...)``; relationships
are MERGEd between two bound nodes with a dynamic type (an expand between the two, then a type
filter), so a batch's labels and types are parameters and the query texts stay few.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from civicgraph.model import Ontology

Query = tuple[str, dict[str, Any]]

RESOURCE = "Resource"
LOAD = "Load"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@cache
def allowed_labels() -> frozenset[str]:
    return frozenset(Ontology.get().classes) | {RESOURCE}


@cache
def allowed_types() -> frozenset[str]:
    return frozenset(Ontology.get().relationship_types())


def _checked(name: str, allowed: frozenset[str], what: str) -> str:
    if name not in allowed or not _IDENTIFIER.match(name):
        raise ValueError(f"{what} {name!r} is not declared by the ontology; refusing to write it")
    return f"`{name}`"


def label_clause(labels: Iterable[str]) -> str:
    """``:`Incident`:`Event``` for allow-listed labels, in a stable order."""
    return "".join(
        ":" + _checked(label, allowed_labels(), "label") for label in sorted(set(labels))
    )


def rel_type_clause(rel_type: str) -> str:
    return _checked(rel_type, allowed_types(), "relationship type")


def constraint() -> Query:
    """The uniqueness constraint every MERGE relies on (schema change: its own transaction)."""
    return (
        f"CREATE CONSTRAINT resource_iri IF NOT EXISTS FOR (n:{RESOURCE}) REQUIRE n.iri IS UNIQUE",
        {},
    )


# Appends the load once: a reload of the same content leaves the list as it was.
_ADD_LOAD = (
    "CASE WHEN $load IN coalesce({v}.loads, []) THEN {v}.loads "
    "ELSE coalesce({v}.loads, []) + $load END"
)


NodeGroups = Sequence[tuple[Sequence[str], Sequence[Mapping[str, Any]]]]
RelGroups = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]


def checked_labels(labels: Iterable[str]) -> list[str]:
    """``Resource`` plus ``labels``, each allow-listed, sorted: the value a group's rows get."""
    names = sorted({RESOURCE, *labels})
    for name in names:
        _checked(name, allowed_labels(), "label")
    return names


def node_groups(groups: NodeGroups) -> list[dict[str, Any]]:
    return [{"labels": checked_labels(labels), "rows": list(rows)} for labels, rows in groups]


def rel_groups(groups: RelGroups) -> list[dict[str, Any]]:
    for rel_type, _ in groups:
        rel_type_clause(rel_type)
    return [{"type": rel_type, "rows": list(rows)} for rel_type, rows in groups]


# Labels and types travel as parameters (checked against the ontology above), so every batch of
# every load runs the same few query texts: Neo4j plans each text once, where one text per label
# set or type cost a plan each (a quarter of a second, more on a cold JVM) on every load.
def merge_nodes(groups: NodeGroups, load: str) -> Query:
    """MERGE one batch of nodes, in groups sharing a label set; returns how many rows changed."""
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"MERGE (n:{RESOURCE} {{iri: row.iri}})\n"
        "WITH n, g, row, properties(n) AS before, size(labels(n)) AS labelsBefore\n"
        f"SET n:$(g.labels), n += row.props, n.lastLoad = $load, "
        f"n.loads = {_ADD_LOAD.format(v='n')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(n) AND labelsBefore = size(labels(n))\n"
        "           THEN 0 ELSE 1 END) AS changed"
    )
    return query, {"groups": node_groups(groups), "load": load}


def any_type() -> str:
    """Every allow-listed relationship type as one pattern (``:`A`|`B`|...``), a fixed text.

    A relationship pattern with a dynamic type between two bound nodes is planned as a scan of
    all relationships when the store is small (and the plan is cached): quadratic on a first
    load. With the union of known types the planner expands from the bound nodes instead.
    """
    return "|".join(rel_type_clause(t) for t in sorted(allowed_types()))


def merge_relationships(groups: RelGroups, load: str) -> Query:
    """MERGE one batch of relationships between existing nodes, in groups of one type.

    Find-or-create with ``OPTIONAL MATCH`` then ``CREATE`` (the rows of one load are distinct
    (start, type, end) triples, so one batch never creates the same relationship twice).
    ``rows`` in the result is smaller than the batch when an end node is missing; the writer
    treats that as a failure so the transaction rolls back.
    """
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"MATCH (a:{RESOURCE} {{iri: row.start}})\n"
        f"MATCH (b:{RESOURCE} {{iri: row.end}})\n"
        f"OPTIONAL MATCH (a)-[old:{any_type()}]->(b) WHERE type(old) = g.type\n"
        "OPTIONAL CALL (a, b, g, old) {\n"
        "  WITH a, b, g WHERE old IS NULL\n"
        "  CREATE (a)-[new:$(g.type)]->(b)\n"
        "  RETURN new\n"
        "}\n"
        "WITH coalesce(old, new) AS r, row\n"
        "WITH r, row, properties(r) AS before\n"
        "SET r.sources = coalesce(r.sources, [])\n"
        "      + [s IN row.sources WHERE NOT s IN coalesce(r.sources, [])],\n"
        f"    r.loads = {_ADD_LOAD.format(v='r')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(r) THEN 0 ELSE 1 END) AS changed"
    )
    return query, {"groups": rel_groups(groups), "load": load}


# A load knows which of its nodes it creates (``existing_nodes`` first, in the same transaction),
# so those are CREATEd, and so are relationships starting at one of them: no relationship of the
# store can start at a node this load just made. This skips MERGE's lookup and lock, and the
# expand that finds an existing relationship, for nearly every row of a first load.
def existing_nodes(iris: Iterable[str]) -> Query:
    """Which of ``iris`` already have a node."""
    query = f"UNWIND $iris AS iri MATCH (n:{RESOURCE} {{iri: iri}}) RETURN collect(iri) AS found"
    return query, {"iris": list(iris)}


def create_nodes(groups: NodeGroups, load: str) -> Query:
    """CREATE one batch of nodes that ``existing_nodes`` found absent (the uniqueness constraint
    refuses the batch should another transaction have created one since)."""
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"CREATE (n:{RESOURCE} {{iri: row.iri}})\n"
        "SET n:$(g.labels), n += row.props, n.lastLoad = $load, n.loads = [$load]\n"
        "RETURN count(*) AS rows"
    )
    return query, {"groups": node_groups(groups), "load": load}


def create_relationships(groups: RelGroups, load: str) -> Query:
    """CREATE relationships whose start node this load created (so none of them can exist yet).

    Rows come grouped by end node (``rel_groups_by_end``): the end is looked up once per group,
    not once per row. 870k UN votes point at some 6,000 roll calls, 200 states and one dataset,
    so this halves the index seeks of their relationships. ``rows`` is smaller than the batch
    when an end node is missing, as in ``merge_relationships``.
    """
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.ends AS e\n"
        f"MATCH (b:{RESOURCE} {{iri: e.end}})\n"
        "UNWIND e.rows AS row\n"
        f"MATCH (a:{RESOURCE} {{iri: row.start}})\n"
        "CREATE (a)-[r:$(g.type) {sources: row.sources, loads: [$load]}]->(b)\n"
        "RETURN count(*) AS rows"
    )
    return query, {"groups": rel_groups_by_end(groups), "load": load}


def rel_groups_by_end(groups: RelGroups) -> list[dict[str, Any]]:
    """``rel_groups`` with each type's rows gathered under their end node, in first-seen order."""
    out = []
    for rel_type, rows in groups:
        rel_type_clause(rel_type)
        ends: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            part = {"start": row["start"], "sources": row["sources"]}
            ends.setdefault(row["end"], []).append(part)
        out.append({"type": rel_type, "ends": [{"end": e, "rows": r} for e, r in ends.items()]})
    return out


def merge_load(iri: str, props: Mapping[str, Any]) -> Query:
    """The ``Load`` node, created once per content: a reload of the same sha256 finds it."""
    clause = label_clause([RESOURCE, LOAD])
    query = (
        f"MERGE (l:{RESOURCE} {{iri: $iri}})\n"
        f"ON CREATE SET l{clause}, l += $props\n"
        "RETURN l.loadedAt AS loadedAt"
    )
    return query, {"iri": iri, "props": dict(props)}


def set_load_counts(iri: str, counts: Mapping[str, int]) -> Query:
    return (
        f"MATCH (l:{RESOURCE} {{iri: $iri}}) SET l += $counts",
        {"iri": iri, "counts": dict(counts)},
    )


def missing_nodes(iris: Iterable[str]) -> Query:
    """Which of ``iris`` have no node."""
    query = (
        "UNWIND $iris AS iri\n"
        f"OPTIONAL MATCH (n:{RESOURCE} {{iri: iri}})\n"
        "WITH iri, n WHERE n IS NULL\n"
        "RETURN collect(iri) AS missing"
    )
    return query, {"iris": sorted(set(iris))}


def describe_nodes(iris: Iterable[str]) -> Query:
    """Labels and English label of the nodes among ``iris`` (for store-aware validation)."""
    query = (
        "UNWIND $iris AS iri\n"
        f"MATCH (n:{RESOURCE} {{iri: iri}})\n"
        "RETURN n.iri AS iri, labels(n) AS labels, n.label AS label, n.label__lang AS lang"
    )
    return query, {"iris": sorted(set(iris))}


def label_counts() -> Query:
    return (
        "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count ORDER BY label",
        {},
    )


def relationship_counts() -> Query:
    return ("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type", {})
