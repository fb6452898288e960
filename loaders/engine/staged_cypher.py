"""Cypher of the staged writer (pure functions returning ``(query, params)``).

A load too big for one transaction is written in batches, each its own transaction, under an
*attempt*: a ``LoadAttempt`` node records it as pending. Each batch records in the same
transaction what it did, so that a rollback can undo exactly that:

- what it created, in one ``LoadUndo`` node per batch (``undoKind: 'created'``): the IRIs of the
  nodes it created, and (start, type, end) of the relationships it created between nodes that
  were there before. A relationship that starts at a created node needs no record: it goes with
  its start node. A batch of new rows writes one small record, or none;
- what it is about to change, as a copy of the node or relationship in a ``LoadUndo`` node of its
  own (``'node'``/``'rel'``), numbered by batch so a rollback restores the earliest copy last.

Records name nodes by IRI (unique by constraint), never by element id, which Neo4j reuses after a
delete; and a rollback deletes only elements that still carry the attempt's load in ``loads``.
Commit creates the ``Load`` record and marks the attempt committed (one small transaction); the
clean-up then drops the attempt's ``LoadUndo`` nodes through their index: its cost grows with the
batches and the changed elements, not with the graph. Labels and types still come only from the
allow-list. Attempts recorded before format 2 marked created elements with ``pendingLoad``
instead; the ``marked_*`` queries finish or undo those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loaders.cypher import (
    _ADD_LOAD,
    RESOURCE,
    NodeGroups,
    Query,
    RelGroups,
    any_type,
    node_groups,
    rel_groups,
)

ATTEMPT = "LoadAttempt"
UNDO = "LoadUndo"
FORMAT = 2  # per-batch records; attempts without ``format`` used pendingLoad marks
_UNDO_KEYS = "undoAttempt, u.undoIri, u.undoLabels, u.undoKind, u.undoStart, u.undoEnd, u.undoType"
_COPY_KEYS = _UNDO_KEYS + ", u.undoSeq"


def attempt_indexes() -> list[Query]:
    return [
        (f"CREATE INDEX load_undo IF NOT EXISTS FOR (u:{UNDO}) ON (u.undoAttempt)", {}),
        (f"CREATE INDEX load_attempt IF NOT EXISTS FOR (a:{ATTEMPT}) ON (a.iri)", {}),
    ]


def begin(attempt: str, props: Mapping[str, Any]) -> Query:
    return (
        f"CREATE (a:{ATTEMPT} {{iri: $attempt}}) SET a += $props, a.format = $format, "
        "a.heartbeat = datetime()",
        {"attempt": attempt, "props": dict(props), "format": FORMAT},
    )


def pending_attempts() -> Query:
    return (
        f"MATCH (a:{ATTEMPT}) RETURN a.iri AS iri, a.status AS status, a.host AS host, "
        "a.pid AS pid, a.heartbeat AS heartbeat, a.load AS load, "
        "coalesce(a.format, 1) AS format ORDER BY a.iri",
        {},
    )


def merge_nodes(groups: NodeGroups, load: str, attempt: str, seq: int = 0) -> Query:
    """Update nodes a batch found in the store (``loaders.cypher.existing_nodes``), each one
    that will change copied first. ``rows`` below the batch's size: one was deleted meanwhile."""
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"MATCH (n:{RESOURCE} {{iri: row.iri}})\n"
        "WITH g, row, n, properties(n) AS before, size(labels(n)) AS labelsBefore\n"
        "CALL (g, row, n) {\n"
        "  WITH g, row, n WHERE\n"
        "    any(k IN keys(row.props) WHERE n[k] IS NULL OR n[k] <> row.props[k])\n"
        "    OR n.lastLoad IS NULL OR n.lastLoad <> $load\n"
        "    OR NOT $load IN coalesce(n.loads, [])\n"
        "    OR any(l IN g.labels WHERE NOT l IN labels(n))\n"
        f"  CREATE (u:{UNDO}) SET u = properties(n), u.undoAttempt = $attempt, u.undoSeq = $seq,\n"
        "    u.undoIri = row.iri, u.undoLabels = labels(n), u.undoKind = 'node'\n"
        "}\n"
        "SET n:$(g.labels), n += row.props, n.lastLoad = $load, "
        f"n.loads = {_ADD_LOAD.format(v='n')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(n) AND labelsBefore = size(labels(n))\n"
        "           THEN 0 ELSE 1 END) AS changed"
    )
    params = {"groups": node_groups(groups), "load": load, "attempt": attempt, "seq": seq}
    return query, params


def merge_relationships(groups: RelGroups, load: str, attempt: str, seq: int = 0) -> Query:
    """Find-or-create relationships whose start node was in the store before the attempt; an
    existing one that will change is copied first, and the created ones are returned as
    (``starts``, ``types``, ``ends``) for the batch's record."""
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"MATCH (a:{RESOURCE} {{iri: row.start}})\n"
        f"MATCH (b:{RESOURCE} {{iri: row.end}})\n"
        f"OPTIONAL MATCH (a)-[old:{any_type()}]->(b) WHERE type(old) = g.type\n"
        "CALL (g, row, old) {\n"
        "  WITH g, row, old WHERE old IS NOT NULL AND (NOT $load IN coalesce(old.loads, [])\n"
        "    OR any(s IN row.sources WHERE NOT s IN coalesce(old.sources, [])))\n"
        f"  CREATE (u:{UNDO}) SET u = properties(old), u.undoAttempt = $attempt,\n"
        "    u.undoSeq = $seq, u.undoStart = row.start, u.undoEnd = row.end, u.undoType = g.type,\n"
        "    u.undoKind = 'rel'\n"
        "}\n"
        "OPTIONAL CALL (a, b, g, old) {\n"
        "  WITH a, b, g WHERE old IS NULL\n"
        "  CREATE (a)-[new:$(g.type)]->(b)\n"
        "  RETURN new\n"
        "}\n"
        "WITH coalesce(old, new) AS r, row, g, old IS NULL AS created\n"
        "WITH r, row, g, created, properties(r) AS before\n"
        "SET r.sources = coalesce(r.sources, [])\n"
        "      + [s IN row.sources WHERE NOT s IN coalesce(r.sources, [])],\n"
        f"    r.loads = {_ADD_LOAD.format(v='r')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(r) THEN 0 ELSE 1 END) AS changed,\n"
        "       collect(CASE WHEN created THEN row.start END) AS starts,\n"
        "       collect(CASE WHEN created THEN g.type END) AS types,\n"
        "       collect(CASE WHEN created THEN row.end END) AS ends"
    )
    params = {"groups": rel_groups(groups), "load": load, "attempt": attempt, "seq": seq}
    return query, params


def record_created(
    attempt: str,
    seq: int,
    nodes: Sequence[str] = (),
    rels: tuple[Sequence[str], Sequence[str], Sequence[str]] = ((), (), ()),
) -> Query:
    """The record of what one batch created (written in the batch's transaction)."""
    starts, types, ends = rels
    query = (
        f"CREATE (u:{UNDO} {{undoAttempt: $attempt, undoKind: 'created', undoSeq: $seq}})\n"
        "SET u.undoNodes = $nodes, u.undoStarts = $starts, u.undoTypes = $types, "
        "u.undoEnds = $ends"
    )
    params = {
        "attempt": attempt,
        "seq": seq,
        "nodes": list(nodes),
        "starts": list(starts),
        "types": list(types),
        "ends": list(ends),
    }
    return query, params


def heartbeat(attempt: str) -> Query:
    return f"MATCH (a:{ATTEMPT} {{iri: $attempt}}) SET a.heartbeat = datetime()", {
        "attempt": attempt
    }


def mark_committed(attempt: str) -> Query:
    return f"MATCH (a:{ATTEMPT} {{iri: $attempt}}) SET a.status = 'committed'", {"attempt": attempt}


# Clean-up and rollback run as auto-commit queries batched by CALL ... IN TRANSACTIONS, so their
# size is bounded too; each is idempotent, so a crash during either is finished by the next run.
def drop_undo(attempt: str) -> Query:
    return (
        f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt\n"
        "CALL (u) { DELETE u } IN TRANSACTIONS OF 1000 ROWS",
        {"attempt": attempt},
    )


def drop_attempt(attempt: str) -> Query:
    return f"MATCH (a:{ATTEMPT} {{iri: $attempt}}) DELETE a", {"attempt": attempt}


def restore_nodes(attempt: str) -> Query:
    return (
        f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt AND u.undoKind = 'node'\n"
        "WITH u ORDER BY u.undoSeq DESC\n"
        "CALL (u) {\n"
        f"  MATCH (n:{RESOURCE} {{iri: u.undoIri}})\n"
        "  REMOVE n:$(labels(n))\n"
        "  SET n = properties(u), n:$(u.undoLabels)\n"
        f"  REMOVE n.{_COPY_KEYS.replace('u.', 'n.')}\n"
        "  DELETE u\n"
        "} IN TRANSACTIONS OF 5000 ROWS",
        {"attempt": attempt},
    )


def restore_relationships(attempt: str) -> Query:
    return (
        f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt AND u.undoKind = 'rel'\n"
        "WITH u ORDER BY u.undoSeq DESC\n"
        "CALL (u) {\n"
        f"  MATCH (:{RESOURCE} {{iri: u.undoStart}})-[r]->(:{RESOURCE} {{iri: u.undoEnd}})\n"
        "  WHERE type(r) = u.undoType\n"
        "  SET r = properties(u)\n"
        f"  REMOVE r.{_COPY_KEYS.replace('u.', 'r.')}\n"
        "  DELETE u\n"
        "} IN TRANSACTIONS OF 5000 ROWS",
        {"attempt": attempt},
    )


_CREATED = f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt AND u.undoKind = 'created'\n"


def delete_recorded_relationships(attempt: str, load: str) -> Query:
    """The relationships the attempt created between nodes that were there before."""
    return (
        _CREATED + "UNWIND range(0, size(u.undoStarts) - 1) AS i\n"
        f"MATCH (:{RESOURCE} {{iri: u.undoStarts[i]}})-[r]->(:{RESOURCE} {{iri: u.undoEnds[i]}})\n"
        "WHERE type(r) = u.undoTypes[i] AND $load IN coalesce(r.loads, [])\n"
        "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
        {"attempt": attempt, "load": load},
    )


def delete_created_outgoing(attempt: str, load: str) -> Query:
    """The relationships starting at created nodes, each once, in bounded transactions (a
    created hub's incoming ones go with their created start nodes, not all at once with it)."""
    return (
        _CREATED + "UNWIND u.undoNodes AS iri\n"
        f"MATCH (n:{RESOURCE} {{iri: iri}})-[r]->() WHERE $load IN coalesce(n.loads, [])\n"
        "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
        {"attempt": attempt, "load": load},
    )


def delete_created_nodes(attempt: str, load: str) -> Query:
    return (
        _CREATED + "UNWIND u.undoNodes AS iri\n"
        f"MATCH (n:{RESOURCE} {{iri: iri}}) WHERE $load IN coalesce(n.loads, [])\n"
        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
        {"attempt": attempt, "load": load},
    )


def clear_marks(attempt: str) -> list[Query]:
    """Format 1: a committed attempt's marks."""
    return [
        (
            f"MATCH (n:{RESOURCE}) WHERE n.pendingLoad = $attempt\n"
            "CALL (n) { REMOVE n.pendingLoad } IN TRANSACTIONS OF 10000 ROWS",
            {"attempt": attempt},
        ),
        (
            "MATCH ()-[r]->() WHERE r.pendingLoad = $attempt\n"
            "CALL (r) { REMOVE r.pendingLoad } IN TRANSACTIONS OF 10000 ROWS",
            {"attempt": attempt},
        ),
    ]


def delete_marked(attempt: str) -> list[Query]:
    """Format 1: what a pending attempt created (it carries ``pendingLoad``)."""
    return [
        (
            "MATCH ()-[r]->() WHERE r.pendingLoad = $attempt\n"
            "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
            {"attempt": attempt},
        ),
        (
            f"MATCH (n:{RESOURCE}) WHERE n.pendingLoad = $attempt\n"
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
            {"attempt": attempt},
        ),
    ]
