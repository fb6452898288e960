"""Writing records to Neo4j: one transaction per load, batched ``UNWIND`` per label set and type.

All or nothing: the whole load runs in one write transaction, so any failure (a relationship whose
end node is missing, a constraint violation, a dropped connection) leaves the graph as it was.
Idempotent: nodes and relationships are found on ``iri`` / (start, type, end) (created when absent,
see ``loaders.fresh``) and set to the same values, and the ``Load`` node is keyed by the content's
sha256, so loading the same content twice changes no count and no value. A reload re-asserts the
content (repairing anything changed since) but keeps the first ``Load`` node, its ``loadedAt`` and
its counts; ``LoadCounts.already_loaded`` tells the caller it was a repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import neo4j

from civicgraph.errors import CivicGraphError
from civicgraph.iris import mint
from civicgraph.settings import get_settings
from civicgraph.store import database as default_database
from civicgraph.store import one_line
from loaders import cypher
from loaders.fresh import Fresh, batch_iris, split_nodes
from loaders.progress import Advance, Phases
from loaders.records import Records


class WriteFailed(CivicGraphError):
    """The store refused part of a load; the transaction was rolled back."""


# Called after a write's last batch and before its commit; raises to roll the write back.
Gate = Callable[[], None]


@dataclass(frozen=True)
class LoadInfo:
    """Identity of one load: its IRI is minted from the sha256 of the content."""

    iri: str
    source: str
    sha256: str
    loaded_at: datetime

    @classmethod
    def for_content(cls, source: str, sha256: str, loaded_at: datetime | None = None) -> LoadInfo:
        return cls(str(mint("load", sha256)), source, sha256, loaded_at or datetime.now(UTC))

    def properties(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "loadedAt": neo4j.time.DateTime.from_native(self.loaded_at),
            "label": f"Load of {self.source}",
        }


@dataclass
class LoadCounts:
    """What a load did to the store; stored on the ``Load`` node in camelCase."""

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0
    relationships_unchanged: int = 0
    triples: int = 0
    triples_skipped: int = 0
    already_loaded: bool = field(default=False, compare=False)

    def as_properties(self) -> dict[str, int]:
        def camel(name: str) -> str:
            head, *rest = name.split("_")
            return head + "".join(part.title() for part in rest)

        return {camel(k): v for k, v in asdict(self).items() if k != "already_loaded"}


K = TypeVar("K")
R = TypeVar("R")


def grouped_batches(
    groups: Mapping[K, Sequence[R]], size: int
) -> Iterator[list[tuple[K, Sequence[R]]]]:
    """Batches of at most ``size`` rows across groups (in key order), each as (key, rows) parts:
    a load of many small label sets or types writes a few full batches, not one per group."""
    batch: list[tuple[K, Sequence[R]]] = []
    room = size
    for key in sorted(groups):  # type: ignore[type-var]
        rows = groups[key]
        start = 0
        while start < len(rows):
            part = rows[start : start + room]
            batch.append((key, part))
            start += len(part)
            room -= len(part)
            if room == 0:
                yield batch
                batch, room = [], size
    if batch:
        yield batch


def batch_rows(batch: Sequence[tuple[Any, Sequence[Any]]]) -> int:
    return sum(len(rows) for _, rows in batch)


def open_session(driver: neo4j.Driver, database: str) -> neo4j.Session:
    """A session without server notifications: the loader's queries name labels and keys that an
    empty store does not know yet, and the driver would log a warning for each."""
    return driver.session(database=database, notifications_min_severity="OFF")


# Transaction metadata, shown by SHOW TRANSACTIONS: what each transaction of a load is doing.
WRITE_METADATA = {"civicgraph": "load-write"}
WARMUP_METADATA = {"civicgraph": "load-warm-up"}


def read(
    driver: neo4j.Driver, database: str, query: tuple[str, Mapping[str, Any]]
) -> list[neo4j.Record]:
    """Run one read query to completion and return its records. The store going away (during
    validation's look-ups, say) is one paragraph for the user, not a driver traceback."""
    try:
        with open_session(driver, database) as session:
            return list(session.run(query[0], dict(query[1])))
    except (neo4j.exceptions.DriverError, neo4j.exceptions.Neo4jError) as exc:
        raise StoreLost(
            f"lost Neo4j while checking the data against the store ({one_line(exc)}). Nothing was "
            "written; run the command again once Neo4j answers."
        ) from exc


class StoreLost(CivicGraphError):
    """The store stopped answering a read the loader needed; nothing was written."""


def ensure_schema(session: neo4j.Session, extra: Iterable[cypher.Query] = ()) -> None:
    """The uniqueness constraint (and ``extra`` indexes) online before any MERGE is planned.

    Schema changes cannot share a transaction with writes, so each runs on its own. A MERGE
    planned while the constraint's index still populates is planned as a label scan, and the
    plan is cached: on a fresh store every batch would then scan every node. So wait for it.
    """
    for query, params in (cypher.constraint(), *extra):
        session.run(query, params).consume()
    session.run("CALL db.awaitIndexes(300)").consume()


def _run(tx: neo4j.ManagedTransaction, query: tuple[str, Mapping[str, Any]]) -> neo4j.Record:
    result = tx.run(query[0], dict(query[1]))
    record = result.single()
    if record is None:  # every loader query returns one summary row
        raise WriteFailed("the store returned no summary for a write")
    return record


class _Transaction:
    """The body of the single write transaction (re-run as a whole if the driver retries)."""

    metadata = WRITE_METADATA  # read by the driver's execute_write

    def __init__(
        self,
        records: Records,
        load: LoadInfo,
        batch_size: int,
        phases: Phases,
        after: Sequence[cypher.Query] = (),
        gate: Gate | None = None,
    ) -> None:
        self.records = records
        self.load = load
        self.batch_size = batch_size
        self.phases = phases
        self.after = after
        self.gate = gate

    def __call__(self, tx: neo4j.ManagedTransaction) -> LoadCounts:
        counts = LoadCounts(
            triples=self.records.triples, triples_skipped=sum(self.records.skipped.values())
        )
        load_result = tx.run(*cypher.merge_load(self.load.iri, self.load.properties()))
        counts.already_loaded = load_result.consume().counters.nodes_created == 0
        total = self.records.node_count + self.records.relationship_count
        fresh = Fresh(self.records.relationship_count)  # this run's: the driver may rerun it
        with self.phases.phase("write", total=total) as advance:
            self._nodes(tx, counts, advance, fresh)
            self._relationships(tx, counts, advance, fresh)
        for query in self.after:  # provenance of table loads (loaders/matching): same transaction
            tx.run(*query).consume()
        if self.gate is not None:
            self.gate()  # raises, and so rolls the transaction back, unless the data conforms
        if not counts.already_loaded:
            tx.run(*cypher.set_load_counts(self.load.iri, counts.as_properties())).consume()
        return counts

    def _nodes(
        self, tx: neo4j.ManagedTransaction, counts: LoadCounts, advance: Advance, fresh: Fresh
    ) -> None:
        for batch in grouped_batches(self.records.nodes, self.batch_size):
            found = set(_run(tx, cypher.existing_nodes(batch_iris(batch)))["found"])
            new, old = split_nodes(batch, found)
            if new:
                tx.run(*cypher.create_nodes(new, self.load.iri)).consume()
                fresh.created(batch_iris(new))
            changed = _run(tx, cypher.merge_nodes(old, self.load.iri))["changed"] if old else 0
            size, created = batch_rows(batch), batch_rows(new)
            counts.nodes_created += created
            counts.nodes_updated += changed
            counts.nodes_unchanged += size - created - changed
            advance(size)

    def _relationships(
        self, tx: neo4j.ManagedTransaction, counts: LoadCounts, advance: Advance, fresh: Fresh
    ) -> None:
        for batch in grouped_batches(self.records.relationships, self.batch_size):
            create, merge = fresh.split_relationships(batch)
            created = matched = changed = merged_new = 0
            if create:
                created = _run(tx, cypher.create_relationships(create, self.load.iri))["rows"]
            if merge:
                result = tx.run(*cypher.merge_relationships(merge, self.load.iri))
                record = result.single()
                merged_new = result.consume().counters.relationships_created
                matched, changed = (record["rows"], record["changed"]) if record else (0, 0)
            size = batch_rows(batch)
            if created + matched != size:
                missing = _run(tx, cypher.missing_nodes(relationship_ends(batch)))["missing"]
                raise missing_ends(
                    batch, missing, "Nothing was written (the load was rolled back)."
                )
            counts.relationships_created += created + merged_new
            counts.relationships_updated += changed - merged_new
            counts.relationships_unchanged += matched - changed
            advance(size)


def relationship_ends(batch: Sequence[tuple[str, Sequence[Any]]]) -> set[str]:
    return {row[k] for _, rows in batch for row in rows for k in ("start", "end")}


def missing_ends(
    batch: Sequence[tuple[str, Sequence[Any]]], missing: Sequence[str], outcome: str
) -> WriteFailed:
    """The error for relationships of ``batch`` whose end nodes are ``missing`` from the store."""
    gone = set(missing)
    types = sorted(
        {t for t, rows in batch for row in rows if row["start"] in gone or row["end"] in gone}
    )
    shown = "\n  ".join(f"<{iri}>" for iri in sorted(gone)[:20])
    more = f"\n  ... and {len(gone) - 20} more" if len(gone) > 20 else ""
    return WriteFailed(
        f"{', '.join(types)} relationships point at nodes that are neither in the data nor in "
        f"the store:\n  {shown}{more}\n{outcome}"
    )


def write(
    driver: neo4j.Driver,
    records: Records,
    load: LoadInfo,
    *,
    database: str | None = None,
    batch_size: int | None = None,
    phases: Phases | None = None,
    after: Sequence[cypher.Query] = (),
    gate: Gate | None = None,
) -> LoadCounts:
    """Write ``records`` as the load ``load`` in one transaction; see the module doc. The
    ``after`` queries run last in the same transaction (a table load's match records and value
    statements, which point at the nodes just written). ``gate`` is called after them, before
    the commit: a load that writes while its shapes are still being checked passes the verdict
    there (it raises to roll back)."""
    size = batch_size or get_settings().civicgraph_batch_size
    with open_session(driver, database or default_database()) as session:
        ensure_schema(session)
        body = _Transaction(records, load, size, phases or Phases(), after, gate)
        try:
            return session.execute_write(body)
        except neo4j.exceptions.Neo4jError as exc:
            raise WriteFailed(
                f"the store refused the load ({exc.code}): {exc.message}\n"
                "Nothing was written (the load was rolled back)."
            ) from exc
        except neo4j.exceptions.DriverError as exc:
            raise WriteFailed(
                f"lost the connection to Neo4j during the load ({exc}). Neo4j rolls back a "
                "transaction that was not committed; loads are idempotent, so load again."
            ) from exc
