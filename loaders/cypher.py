"""Cypher for the loader: pure functions returning ``(query, params)``.

Values only ever travel as parameters. Labels and relationship types must go into the query text
(dynamic labels make MERGE scan in Neo4j 5.26), so they are checked against the ontology's
allowlist here, the one place that writes them, and rejected otherwise.
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


def merge_nodes(labels: Sequence[str], rows: Sequence[Mapping[str, Any]], load: str) -> Query:
    """MERGE one batch of nodes sharing a label set; returns how many rows changed a node."""
    clause = label_clause([RESOURCE, *labels])
    query = (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{RESOURCE} {{iri: row.iri}})\n"
        "WITH n, row, properties(n) AS before, size(labels(n)) AS labelsBefore\n"
        f"SET n{clause}, n += row.props, n.lastLoad = $load, n.loads = {_ADD_LOAD.format(v='n')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(n) AND labelsBefore = size(labels(n))\n"
        "           THEN 0 ELSE 1 END) AS changed"
    )
    return query, {"rows": list(rows), "load": load}


def merge_relationships(rel_type: str, rows: Sequence[Mapping[str, Any]], load: str) -> Query:
    """MERGE one batch of relationships of one type between existing nodes.

    ``rows`` in the result is smaller than the batch when an end node is missing; the writer
    treats that as a failure so the transaction rolls back.
    """
    clause = rel_type_clause(rel_type)
    query = (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{RESOURCE} {{iri: row.start}})\n"
        f"MATCH (b:{RESOURCE} {{iri: row.end}})\n"
        f"MERGE (a)-[r:{clause}]->(b)\n"
        "WITH r, row, properties(r) AS before\n"
        "SET r.sources = coalesce(r.sources, [])\n"
        "      + [s IN row.sources WHERE NOT s IN coalesce(r.sources, [])],\n"
        f"    r.loads = {_ADD_LOAD.format(v='r')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(r) THEN 0 ELSE 1 END) AS changed"
    )
    return query, {"rows": list(rows), "load": load}


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
