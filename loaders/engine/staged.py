"""Writing a load of any size, all or nothing, in batches of their own transactions.

Neo4j caps the memory of one transaction (``tx-max``, heap/2 on the local defaults): a 1M-triple
load does not fit. So a big load runs as an *attempt* (see ``staged_cypher``): every batch
commits on its own, and the attempt stays pending until one small transaction creates the
``Load`` record and marks it committed. If anything fails before that, the attempt is rolled back
(copies restored, created nodes and relationships deleted). If the loader or Neo4j dies, the
attempt is still pending in the store, and the next load rolls it back before it writes (an
attempt whose loader still runs, on this host or with a fresh heartbeat elsewhere, is left
alone). Until then readers can see the partial load: the guarantee is that it never stays.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import neo4j

from civicgraph.iris import mint
from loaders import cypher
from loaders.engine import staged_cypher as sc
from loaders.fresh import Fresh, NodeBatch, RelBatch, batch_iris, split_nodes
from loaders.progress import Advance, Phases
from loaders.records import Records
from loaders.writer import (
    WRITE_METADATA,
    Gate,
    LoadCounts,
    LoadInfo,
    WriteFailed,
    batch_rows,
    ensure_schema,
    grouped_batches,
    missing_ends,
    open_session,
    relationship_ends,
)

STALE_AFTER = timedelta(minutes=10)
HEARTBEAT_EVERY = 20  # batches
T = TypeVar("T")


def _run(session: neo4j.Session, query: tuple[str, Mapping[str, Any]]) -> None:
    session.run(query[0], dict(query[1])).consume()


def _single(tx: neo4j.ManagedTransaction, query: tuple[str, Mapping[str, Any]]) -> neo4j.Record:
    record = tx.run(query[0], dict(query[1])).single()
    if record is None:
        raise WriteFailed("the store returned no summary for a write")
    return record


def _write(session: neo4j.Session, body: Callable[[neo4j.ManagedTransaction], T]) -> T:
    """One batch: its rows and its undo record commit together, or neither does."""
    body.metadata = WRITE_METADATA  # type: ignore[attr-defined]
    return session.execute_write(body)


def _abandoned(record: neo4j.Record) -> bool:
    """A pending attempt whose loader is gone: dead pid on this host, or no heartbeat lately."""
    if record["status"] == "committed":
        return True
    if record["host"] == socket.gethostname() and isinstance(record["pid"], int):
        try:
            os.kill(record["pid"], 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    beat = record["heartbeat"]
    return beat is None or datetime.now(UTC) - beat.to_native() > STALE_AFTER


def finish(session: neo4j.Session, attempt: str, format: int = sc.FORMAT) -> None:
    """Clean-up of a committed attempt: its records and copies, then the attempt node."""
    marks = sc.clear_marks(attempt) if format < 2 else []
    for query in (*marks, sc.drop_undo(attempt), sc.drop_attempt(attempt)):
        _run(session, query)


def roll_back(session: neo4j.Session, attempt: str, load: str, format: int = sc.FORMAT) -> None:
    """Undo a pending attempt: restore the copies, delete what it created (see staged_cypher)."""
    marked = sc.delete_marked(attempt) if format < 2 else []
    for query in (
        sc.restore_nodes(attempt),
        sc.restore_relationships(attempt),
        sc.delete_recorded_relationships(attempt, load),
        sc.delete_created_outgoing(attempt, load),
        sc.delete_created_nodes(attempt, load),
        *marked,
        sc.drop_undo(attempt),
        sc.drop_attempt(attempt),
    ):
        _run(session, query)


def recover(session: neo4j.Session) -> list[str]:
    """Finish committed attempts and roll back abandoned ones; returns what was rolled back."""
    rolled: list[str] = []
    for record in list(session.run(*sc.pending_attempts())):
        if not _abandoned(record):
            continue
        if record["status"] == "committed":
            finish(session, record["iri"], record["format"])
        else:
            roll_back(session, record["iri"], record["load"] or "", record["format"])
            rolled.append(record["iri"])
    return rolled


def prepare(session: neo4j.Session) -> list[str]:
    """Schema the loader relies on (with the attempt's indexes), then recovery."""
    ensure_schema(session, sc.attempt_indexes())
    return recover(session)


class Attempt:
    """One staged load: ``write`` the records batch by batch, then ``commit`` or ``abort``."""

    def __init__(self, session: neo4j.Session, load: LoadInfo, batch_size: int) -> None:
        self.session = session
        self.load = load
        self.batch_size = batch_size
        self.iri = str(mint("load-attempt", uuid.uuid4().hex))
        self.counts = LoadCounts()
        self.batches = 0
        self.fresh = Fresh()
        props = {
            "load": load.iri,
            "status": "pending",
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "source": load.source,
        }
        _run(session, sc.begin(self.iri, props))

    def _beat(self) -> None:
        self.batches += 1
        if self.batches % HEARTBEAT_EVERY == 0:
            _run(self.session, sc.heartbeat(self.iri))

    def write(self, records: Records, advance: Advance) -> None:
        c = self.counts
        c.triples += records.triples
        c.triples_skipped += sum(records.skipped.values())
        for batch in grouped_batches(records.nodes, self.batch_size):
            self._nodes(batch)
            advance(batch_rows(batch))
            self._beat()
        for rels in grouped_batches(records.relationships, self.batch_size):
            self._relationships(rels)
            advance(batch_rows(rels))
            self._beat()

    def _nodes(self, batch: NodeBatch) -> None:
        load, attempt, seq = self.load.iri, self.iri, self.batches

        def body(tx: neo4j.ManagedTransaction) -> tuple[list[str], int]:
            found = set(_single(tx, cypher.existing_nodes(batch_iris(batch)))["found"])
            new, old = split_nodes(batch, found)
            created = batch_iris(new)
            if new:
                tx.run(*cypher.create_nodes(new, load)).consume()
                tx.run(*sc.record_created(attempt, seq, nodes=created)).consume()
            if not old:
                return created, 0
            r = _single(tx, sc.merge_nodes(old, load, attempt, seq))
            if r["rows"] != batch_rows(old):
                raise WriteFailed("nodes of the load were deleted while it wrote them; load again")
            return created, r["changed"]

        created, changed = _write(self.session, body)
        self.fresh.created(created)
        c = self.counts
        c.nodes_created += len(created)
        c.nodes_updated += changed
        c.nodes_unchanged += batch_rows(batch) - len(created) - changed

    def _relationships(self, batch: RelBatch) -> None:
        load, attempt, seq, size = self.load.iri, self.iri, self.batches, batch_rows(batch)
        create, merge = self.fresh.split_relationships(batch)

        def body(tx: neo4j.ManagedTransaction) -> tuple[int, int, int, int]:
            made = _single(tx, cypher.create_relationships(create, load))["rows"] if create else 0
            matched = changed = merged_new = 0
            if merge:
                r = _single(tx, sc.merge_relationships(merge, load, attempt, seq))
                matched, changed, merged_new = r["rows"], r["changed"], len(r["starts"])
                if merged_new:
                    keys = (r["starts"], r["types"], r["ends"])
                    tx.run(*sc.record_created(attempt, seq, rels=keys)).consume()
            if made + matched != size:
                missing = _single(tx, cypher.missing_nodes(relationship_ends(batch)))["missing"]
                raise missing_ends(
                    batch, missing, "Nothing was written (the load was rolled back)."
                )
            return made, matched, changed, merged_new

        made, matched, changed, merged_new = _write(self.session, body)
        c = self.counts
        c.relationships_created += made + merged_new
        c.relationships_updated += changed - merged_new
        c.relationships_unchanged += matched - changed

    def commit(
        self, after: Sequence[cypher.Query] = (), extra: Mapping[str, Any] | None = None
    ) -> LoadCounts:
        """Create the ``Load`` record and mark the attempt committed, in one transaction.

        ``after`` (queries that point at the Load node, such as a table's match records) and
        ``extra`` load properties are written in that same transaction."""
        counts, load, attempt = self.counts, self.load, self.iri

        def body(tx: neo4j.ManagedTransaction) -> bool:
            created = tx.run(*cypher.merge_load(load.iri, load.properties())).consume()
            fresh = created.counters.nodes_created > 0
            for query, params in after:
                tx.run(query, dict(params)).consume()
            if fresh:
                props = {**counts.as_properties(), **(extra or {})}
                tx.run(*cypher.set_load_counts(load.iri, props)).consume()
            tx.run(*sc.mark_committed(attempt)).consume()
            return fresh

        counts.already_loaded = not self.session.execute_write(body)
        finish(self.session, attempt)
        return counts

    def abort(self) -> None:
        roll_back(self.session, self.iri, self.load.iri)


def staged_write(
    driver: neo4j.Driver,
    parts: Iterator[Records],
    load: LoadInfo,
    *,
    database: str,
    batch_size: int,
    phases: Phases,
    total: int | None = None,
    gate: Gate | None = None,
) -> LoadCounts:
    """Write every ``Records`` of ``parts`` as one load (all or nothing; see module doc).

    ``gate`` runs after the last batch, before the attempt commits; it raises to roll back."""
    with open_session(driver, database) as session, attempt_in(session, load, batch_size) as a:
        with phases.phase("write", total=total) as advance:
            for records in parts:
                a.write(records, advance)
        if gate is not None:
            gate()
        return a.commit()


@contextmanager
def attempt_in(session: neo4j.Session, load: LoadInfo, batch_size: int) -> Iterator[Attempt]:
    """A prepared store and a new attempt; any failure inside rolls it back, and a driver or
    store error becomes one paragraph (``WriteFailed``)."""
    prepare(session)
    attempt = Attempt(session, load, batch_size)
    try:
        yield attempt
    except neo4j.exceptions.DriverError as exc:
        _try_abort(attempt)
        raise WriteFailed(
            f"lost the connection to Neo4j during the load ({_first_line(exc)}). The batches "
            "already written are rolled back by the next `civicgraph load` (the attempt is "
            "recorded in the store); load again once Neo4j answers."
        ) from exc
    except neo4j.exceptions.Neo4jError as exc:
        _try_abort(attempt)
        raise WriteFailed(
            f"the store refused the load ({exc.code}): {exc.message}\n"
            "Nothing was written (the load was rolled back)."
        ) from exc
    except BaseException:
        _try_abort(attempt)
        raise


def _try_abort(attempt: Attempt) -> None:
    with suppress(neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError):
        attempt.abort()  # if the store is gone, the next load rolls the attempt back


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
