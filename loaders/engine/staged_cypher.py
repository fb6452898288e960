"""Cypher of the staged writer (pure functions returning ``(query, params)``).

A load too big for one transaction is written in batches, each its own transaction, under an
*attempt*: a ``LoadAttempt`` node records it as pending; nodes and relationships the attempt
creates carry ``pendingLoad``; an existing node or relationship it is about to change is first
copied into a ``LoadUndo`` node. Commit creates the ``Load`` record and drops the attempt (one
small transaction); rollback (on failure, or by the next load after a crash) restores the copies
and deletes what the attempt created. Labels and types still come only from the allow-list.
"""

from __future__ import annotations

from collections.abc import Mapping
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
_UNDO_KEYS = "undoAttempt, u.undoIri, u.undoLabels, u.undoKind, u.undoStart, u.undoEnd, u.undoType"


def attempt_indexes() -> list[Query]:
    return [
        (f"CREATE INDEX load_pending IF NOT EXISTS FOR (n:{RESOURCE}) ON (n.pendingLoad)", {}),
        (f"CREATE INDEX load_undo IF NOT EXISTS FOR (u:{UNDO}) ON (u.undoAttempt)", {}),
        (f"CREATE INDEX load_attempt IF NOT EXISTS FOR (a:{ATTEMPT}) ON (a.iri)", {}),
    ]


def begin(attempt: str, props: Mapping[str, Any]) -> Query:
    return (
        f"CREATE (a:{ATTEMPT} {{iri: $attempt}}) SET a += $props, a.heartbeat = datetime()",
        {"attempt": attempt, "props": dict(props)},
    )


def pending_attempts() -> Query:
    return (
        f"MATCH (a:{ATTEMPT}) RETURN a.iri AS iri, a.status AS status, a.host AS host, "
        "a.pid AS pid, a.heartbeat AS heartbeat ORDER BY a.iri",
        {},
    )


def merge_nodes(groups: NodeGroups, load: str, attempt: str) -> Query:
    """Like ``loaders.cypher.merge_nodes``; a node that exists and will change is copied first."""
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"OPTIONAL MATCH (old:{RESOURCE} {{iri: row.iri}})\n"
        "WITH g, row, old, CASE WHEN old IS NULL THEN false ELSE\n"
        "  any(k IN keys(row.props) WHERE old[k] IS NULL OR old[k] <> row.props[k])\n"
        "  OR old.lastLoad IS NULL OR old.lastLoad <> $load\n"
        "  OR NOT $load IN coalesce(old.loads, [])\n"
        "  OR any(l IN g.labels WHERE NOT l IN labels(old)) END AS changes\n"
        "CALL (row, old, changes) {\n"
        "  WITH row, old, changes WHERE changes AND old.pendingLoad IS NULL\n"
        f"    AND NOT EXISTS {{ MATCH (x:{UNDO} {{undoAttempt: $attempt, undoIri: row.iri}}) }}\n"
        f"  CREATE (u:{UNDO}) SET u = properties(old), u.undoAttempt = $attempt,\n"
        "    u.undoIri = row.iri, u.undoLabels = labels(old), u.undoKind = 'node'\n"
        "}\n"
        f"MERGE (n:{RESOURCE} {{iri: row.iri}})\n"
        "ON CREATE SET n.pendingLoad = $attempt\n"
        "WITH n, g, row, properties(n) AS before, size(labels(n)) AS labelsBefore\n"
        f"SET n:$(g.labels), n += row.props, n.lastLoad = $load, "
        f"n.loads = {_ADD_LOAD.format(v='n')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(n) AND labelsBefore = size(labels(n))\n"
        "           THEN 0 ELSE 1 END) AS changed,\n"
        "       sum(CASE WHEN n.pendingLoad = $attempt AND before.lastLoad IS NULL\n"
        "           THEN 1 ELSE 0 END) AS created"
    )
    return query, {"groups": node_groups(groups), "load": load, "attempt": attempt}


def merge_relationships(groups: RelGroups, load: str, attempt: str) -> Query:
    query = (
        "UNWIND $groups AS g\n"
        "UNWIND g.rows AS row\n"
        f"MATCH (a:{RESOURCE} {{iri: row.start}})\n"
        f"MATCH (b:{RESOURCE} {{iri: row.end}})\n"
        f"OPTIONAL MATCH (a)-[old:{any_type()}]->(b) WHERE type(old) = g.type\n"
        "WITH a, b, g, row, old, old IS NOT NULL AND old.pendingLoad IS NULL AND (\n"
        "  NOT $load IN coalesce(old.loads, [])\n"
        "  OR any(s IN row.sources WHERE NOT s IN coalesce(old.sources, []))) AS changes\n"
        "CALL (g, row, old, changes) {\n"
        "  WITH g, row, old, changes WHERE changes AND NOT EXISTS {\n"
        f"    MATCH (x:{UNDO} {{undoAttempt: $attempt, undoStart: row.start}})\n"
        "    WHERE x.undoEnd = row.end AND x.undoType = g.type }\n"
        f"  CREATE (u:{UNDO}) SET u = properties(old), u.undoAttempt = $attempt,\n"
        "    u.undoStart = row.start, u.undoEnd = row.end, u.undoType = g.type,\n"
        "    u.undoKind = 'rel'\n"
        "}\n"
        "OPTIONAL CALL (a, b, g, old) {\n"
        "  WITH a, b, g WHERE old IS NULL\n"
        "  CREATE (a)-[new:$(g.type)]->(b) SET new.pendingLoad = $attempt\n"
        "  RETURN new\n"
        "}\n"
        "WITH coalesce(old, new) AS r, row\n"
        "WITH r, row, properties(r) AS before\n"
        "SET r.sources = coalesce(r.sources, [])\n"
        "      + [s IN row.sources WHERE NOT s IN coalesce(r.sources, [])],\n"
        f"    r.loads = {_ADD_LOAD.format(v='r')}\n"
        "RETURN count(*) AS rows,\n"
        "       sum(CASE WHEN before = properties(r) THEN 0 ELSE 1 END) AS changed,\n"
        "       sum(CASE WHEN r.pendingLoad = $attempt AND before.loads IS NULL\n"
        "           THEN 1 ELSE 0 END) AS created"
    )
    return query, {"groups": rel_groups(groups), "load": load, "attempt": attempt}


def heartbeat(attempt: str) -> Query:
    return f"MATCH (a:{ATTEMPT} {{iri: $attempt}}) SET a.heartbeat = datetime()", {
        "attempt": attempt
    }


def mark_committed(attempt: str) -> Query:
    return f"MATCH (a:{ATTEMPT} {{iri: $attempt}}) SET a.status = 'committed'", {"attempt": attempt}


# Clean-up and rollback run as auto-commit queries batched by CALL ... IN TRANSACTIONS, so their
# size is bounded too; each is idempotent, so a crash during either is finished by the next run.
def clear_node_marks(attempt: str) -> Query:
    return (
        f"MATCH (n:{RESOURCE}) WHERE n.pendingLoad = $attempt\n"
        "CALL (n) { REMOVE n.pendingLoad } IN TRANSACTIONS OF 10000 ROWS",
        {"attempt": attempt},
    )


def clear_rel_marks(attempt: str) -> Query:
    return (
        "MATCH ()-[r]->() WHERE r.pendingLoad = $attempt\n"
        "CALL (r) { REMOVE r.pendingLoad } IN TRANSACTIONS OF 10000 ROWS",
        {"attempt": attempt},
    )


def drop_undo(attempt: str) -> Query:
    return (
        f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt\n"
        "CALL (u) { DELETE u } IN TRANSACTIONS OF 10000 ROWS",
        {"attempt": attempt},
    )


def drop_attempt(attempt: str) -> Query:
    return f"MATCH (a:{ATTEMPT} {{iri: $attempt}}) DELETE a", {"attempt": attempt}


def restore_nodes(attempt: str) -> Query:
    return (
        f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt AND u.undoKind = 'node'\n"
        "CALL (u) {\n"
        f"  MATCH (n:{RESOURCE} {{iri: u.undoIri}})\n"
        "  REMOVE n:$(labels(n))\n"
        "  SET n = properties(u), n:$(u.undoLabels)\n"
        f"  REMOVE n.{_UNDO_KEYS.replace('u.', 'n.')}\n"
        "  DELETE u\n"
        "} IN TRANSACTIONS OF 5000 ROWS",
        {"attempt": attempt},
    )


def restore_relationships(attempt: str) -> Query:
    return (
        f"MATCH (u:{UNDO}) WHERE u.undoAttempt = $attempt AND u.undoKind = 'rel'\n"
        "CALL (u) {\n"
        f"  MATCH (:{RESOURCE} {{iri: u.undoStart}})-[r]->(:{RESOURCE} {{iri: u.undoEnd}})\n"
        "  WHERE type(r) = u.undoType\n"
        "  SET r = properties(u)\n"
        f"  REMOVE r.{_UNDO_KEYS.replace('u.', 'r.')}\n"
        "  DELETE u\n"
        "} IN TRANSACTIONS OF 5000 ROWS",
        {"attempt": attempt},
    )


def delete_created_relationships(attempt: str) -> Query:
    return (
        "MATCH ()-[r]->() WHERE r.pendingLoad = $attempt\n"
        "CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
        {"attempt": attempt},
    )


def delete_created_nodes(attempt: str) -> Query:
    return (
        f"MATCH (n:{RESOURCE}) WHERE n.pendingLoad = $attempt\n"
        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
        {"attempt": attempt},
    )
