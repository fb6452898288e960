"""Running a mapping against the store: map and validate every batch, writing as they pass.

All or nothing, at two scales. A table that fits in one batch (``batch_rows``; KeepItOn, CIVICUS)
is written in one transaction, exactly like an RDF load. A larger one (870k UN votes) cannot be
one Neo4j transaction on a small heap, so it is written as a staged attempt
(``loaders.engine.staged``): each batch, once mapped, converted, validated and matched, is
written by a thread (``loaders.mapping.writing``) while the next batch is checked, and the
attempt commits only when every batch has passed (and, with ``strict``, no row was rejected);
otherwise, or if anything fails, it is rolled back and the store is as it was. The ``Load`` node,
with its row counts and the load's provenance, is created by that commit.

Both cores work: a big table is mapped in a child process while the loader converts and
validates the previous batch (``worker``), and Neo4j writes the batch before that. A mapping with
a match rule checks every batch before writing any (rows are matched against the store as it was
before the load), its batches held on disk meanwhile.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import Any

import neo4j
from rdflib import Literal

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology
from civicgraph.settings import get_settings
from loaders import cypher
from loaders.engine.convert import Converter
from loaders.engine.facts import Facts
from loaders.engine.terms import Lit, from_rdflib
from loaders.mapping import checks, reference
from loaders.mapping.ahead import one_ahead
from loaders.mapping.emit import to_term
from loaders.mapping.engine import Batch, Engine
from loaders.mapping.load import Mapping, resolve_table
from loaders.mapping.output import CHILD, Output, account
from loaders.mapping.report import MapReport
from loaders.mapping.snapshots import Snapshots
from loaders.mapping.worker import Mapped, mapped_batches, merge, worker_available
from loaders.mapping.writing import BatchWriter
from loaders.matching.resolve import Planned, Resolver
from loaders.matching.values import LoadRef
from loaders.pipeline import check_targets, display_path
from loaders.progress import Phases
from loaders.records import Records
from loaders.validate import ValidationFailed
from loaders.writer import LoadCounts, LoadInfo, read, write


class LoadRefused(CivicGraphError):
    """The table was mapped but not written (strict mode, or a batch failed); carries the report."""

    def __init__(self, message: str, report: MapReport) -> None:
        super().__init__(message)
        self.report = report


def content_sha256(mapping: Mapping, path: Path) -> str:
    """The identity of a load: the table, its lookups, the mapping and its Turtle files. A
    changed mapping is a different load even when the table is the same."""
    digest = hashlib.sha256()
    files = [mapping.path, *(mapping.folder / t for t in mapping.spec.turtle), path]
    files += [path.parent / lk.path for lk in mapping.spec.lookups.values()]
    if mapping.spec.input.sheet:  # each sheet of a workbook is a load of its own
        digest.update(f"sheet:{mapping.spec.input.sheet}\n".encode())
    for file in files:
        with file.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


# (property, iri) -> the value and language the store held before the load, None for none
Preserved = dict[tuple[str, str], tuple[Any, Any] | None]


def preserve_stored(
    batch: Batch, driver: neo4j.Driver, database: str, seen: Preserved | None = None
) -> set[str]:
    """For ``preserve`` properties, a value already in the store wins over the mapping's: a state
    or resolution of the curated reference data keeps its label when a dataset also names it.

    ``seen`` keeps what the store answered for the whole load: a node is asked about once, by the
    first batch naming it, before that batch is written, so a later batch reads the value the
    store had before the load, not one an earlier batch of the load wrote. Returns the nodes
    changed."""
    ontology = Ontology.get()
    seen = {} if seen is None else seen
    facts = batch.facts
    changed: set[str] = set()
    for name, iris in batch.preserve.items():
        prop = ontology.properties[name]
        predicate = str(prop.iri)
        ask = sorted(iri for iri in iris if (name, iri) not in seen)
        if ask:
            query = (
                f"UNWIND $iris AS iri MATCH (n:{cypher.RESOURCE} {{iri: iri}}) "
                "WHERE n[$key] IS NOT NULL RETURN n.iri AS iri, n[$key] AS value, n[$lang] AS lang"
            )
            params = {"iris": ask, "key": name, "lang": f"{name}__lang"}
            seen.update(((name, iri), None) for iri in ask)
            for record in read(driver, database, (query, params)):
                seen[(name, record["iri"])] = (record["value"], record["lang"])
        for node in sorted(iris):
            stored = seen.get((name, node))
            if stored is None:
                continue
            value, lang = stored
            changed.add(node)
            values = facts.values(node, predicate)
            for old in [o for o in values if isinstance(o, Lit)]:
                if (old.lang or "en") == (lang or "en"):
                    facts.discard(node, predicate, old)
            if lang is not None or prop.kind == "annotation":
                facts.add(node, predicate, from_rdflib(Literal(value, lang=lang)))
            else:
                native = value.to_native() if hasattr(value, "to_native") else value
                facts.add(node, predicate, to_term(prop, native, "en"))
    return changed


def reconvert(records: Records, facts: Facts, nodes: set[str]) -> None:
    """Records converted before ``preserve_stored`` (in the mapping process) brought up to date:
    the changed nodes are converted again, alone (a node's row depends only on its own facts;
    preserved properties hold literals, so no relationship changes)."""
    records.triples = facts.triples
    if not nodes:
        return
    part = Facts(subjects={n: facts.subjects[n] for n in nodes if n in facts.subjects})
    fresh = _converter()(part)
    rows = {row["iri"]: row for found in fresh.nodes.values() for row in found}
    for found in records.nodes.values():
        for row in found:
            if row["iri"] in rows:
                row["props"] = rows[row["iri"]]["props"]
    mine = tuple(f"<{n}>" for n in nodes)
    records.problems[:] = [p for p in records.problems if not p.startswith(mine)]
    records.problems.extend(fresh.problems)


def check_one(
    batch: Batch,
    report: MapReport,
    driver: neo4j.Driver,
    database: str,
    phases: Phases,
    *,
    full_validation: bool = False,
    use_reference: bool = False,
    preserved: Preserved | None = None,
    converted: Records | None = None,
) -> Records:
    """One batch of phase 1: stored values kept, converted to records, validated (failing rows
    rejected and their records dropped). The fast path reads the batch's facts (consumed);
    ``use_reference`` goes through rdflib and pyshacl (``loaders.mapping.reference``).
    Raises ``LoadRefused`` / ``ValidationFailed``."""
    changed = preserve_stored(batch, driver, database, preserved)
    with phases.phase("convert"):
        if use_reference:
            records = reference.records_of(batch)
        elif converted is not None:  # by the mapping process, before the stored values
            records = converted
            reconvert(records, batch.facts, changed)
        else:
            records = _converter()(batch.facts)
    if records.problems:
        listed = "\n  ".join(records.problems[:20])
        raise LoadRefused(f"the store cannot hold this data as mapped:\n  {listed}", report)
    check = reference.check_batch if use_reference else checks.check_batch
    with phases.phase("validate"):
        failed = check(batch, records, report, driver, database, full_validation)
    if failed is not None:
        raise ValidationFailed(failed, report.source)
    return records


@cache
def _converter() -> Converter:
    return Converter(Ontology.get())


def map_and_validate(
    engine: Engine,
    path: Path,
    report: MapReport,
    sink: Callable[[Records, Planned], None],
    driver: neo4j.Driver,
    database: str,
    phases: Phases,
    resolver: Resolver,
    full_validation: bool = False,
    use_reference: bool = False,
    worker: bool | None = None,
) -> None:
    """Every batch mapped, converted, validated (``check_one``) and matched, then handed to
    ``sink`` (which writes it or holds it). Big tables are mapped in a child process
    (``loaders.mapping.worker``) unless ``worker`` is False; the rows rejected are listed in row
    order either way."""
    size = path.stat().st_size
    use_worker = worker_available(path) if worker is None else worker
    mapped: list[Mapped] = []
    preserved: Preserved = {}
    with phases.phase("map", total=size) as advance:
        batches = (
            mapped_batches(engine, path, report, advance, mapped.append)
            if use_worker
            else ((batch, None, 0.0) for batch in engine.batches(path, report, advance))
        )
        with closing(batches):
            for batch, converted, seconds in batches:
                if converted is not None:  # the mapping process's time, beside this one's
                    phases.timings[CHILD] = phases.timings.get(CHILD, 0.0) + seconds
                records = check_one(
                    batch,
                    report,
                    driver,
                    database,
                    phases,
                    full_validation=full_validation,
                    use_reference=use_reference,
                    preserved=preserved,
                    converted=converted,
                )
                # -- hook: matching and value provenance (loaders/matching, PROVENANCE.md) --
                with phases.phase("match"):
                    planned, held_back = resolver.resolve(batch, records)
                report.rows_mapped -= held_back
                # -- end of hook --
                with phases.phase("hand over"):
                    sink(records, planned)
    if mapped:
        merge(report, mapped[0], engine.main.name)
        report.notices.extend(mapped[0].notices)
    else:
        report.notices.extend(engine.drop_notices())
    report.rejected.sort(key=lambda issue: issue.row)


def write_batches(
    batches: Iterable[tuple[Records, Planned]],
    driver: neo4j.Driver,
    load: LoadInfo,
    database: str,
    report: MapReport,
    phases: Phases,
) -> LoadCounts:
    """A table of one batch: one transaction, then the totals on the ``Load`` node."""
    state = read(driver, database, _load_state(load.iri))
    complete = bool(state) and state[0]["complete"]
    total = LoadCounts()
    with closing(one_ahead(iter(batches))) as ahead:
        for records, planned in ahead:
            check_targets(records, driver, database)
            after = planned.queries(load.iri)
            counts = write(driver, records, load, database=database, phases=phases, after=after)
            _add_counts(total, counts)
    total.already_loaded = complete
    if not complete:
        extra = row_counts(report)
        with driver.session(database=database) as session:
            session.run(
                *cypher.set_load_counts(load.iri, {**total.as_properties(), **extra})
            ).consume()
    return total


def row_counts(report: MapReport) -> dict[str, int]:
    """What the ``Load`` node records of the rows, beside the store's counts."""
    return {
        "rowsRead": report.rows_read,
        "rowsLoaded": report.rows_mapped,
        "rowsRejected": len(report.rejected),
        "rowsSkipped": sum(report.skipped.values()),
        "rowsSuperseded": len(report.superseded),
        **report.matching_counts(),
    }


def _add_counts(total: LoadCounts, counts: LoadCounts) -> None:
    for name in (
        "nodes_created",
        "nodes_updated",
        "nodes_unchanged",
        "relationships_created",
        "relationships_updated",
        "relationships_unchanged",
        "triples",
        "triples_skipped",
    ):
        setattr(total, name, getattr(total, name) + getattr(counts, name))


def _load_state(iri: str) -> tuple[str, dict[str, str]]:
    return (
        f"MATCH (l:{cypher.RESOURCE} {{iri: $iri}}) RETURN l.rowsRead IS NOT NULL AS complete",
        {"iri": iri},
    )


def run_mapping(
    mapping: Mapping,
    path: Path,
    *,
    driver: neo4j.Driver,
    database: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    full_validation: bool = False,
    phases: Phases | None = None,
    use_reference: bool = False,
    worker: bool | None = None,
) -> MapReport:
    """Map, validate and write ``path``; see the module doc. With ``dry_run`` it stops before
    writing (validation still reads the store); ``use_reference`` maps, converts and validates
    through rdflib and pyshacl; ``worker`` forces the mapping process on or off (default: on for
    big tables). Raises ``LoadRefused`` / ``ValidationFailed``."""
    from civicgraph.store import database as default_database

    started = time.perf_counter()
    phases = phases or Phases()
    path = resolve_table(mapping, path)
    db = database or default_database()
    report = MapReport(mapping.spec.name, display_path(path))
    report.notices.extend(mapping.notices)
    engine = Engine(mapping)
    sha256 = content_sha256(mapping, path)
    load = LoadInfo.for_content(f"{mapping.spec.name}: {report.path}", sha256)
    dataset = str(engine.dataset)
    snapshots = Snapshots.for_mapping(mapping)  # snapshots: (loaders/mapping/snapshots.py)
    state = read(driver, db, _load_state(load.iri))
    repeat = bool(state) and bool(state[0]["complete"])
    ref = LoadRef(load.iri, dataset, mapping.spec.name)
    resolver = Resolver(mapping, ref, path, driver, db, repeat=repeat)
    with Output(
        lambda: BatchWriter(driver, load, db, phases, get_settings().civicgraph_batch_size),
        hold_all=mapping.spec.match is not None,
        discard=dry_run,
    ) as out:
        map_and_validate(
            engine, path, report, out.add, driver, db, phases, resolver, full_validation,
            use_reference, worker,
        )  # fmt: skip
        report.matching = resolver.summary.as_json() if mapping.spec.match else None
        if strict and report.rejected:
            report.outcome = "refused (--strict): rows were rejected, nothing was written"
            raise LoadRefused(report.outcome, report)
        if strict and resolver.summary.ambiguous:
            report.outcome = (
                "refused (--strict): rows matched several existing nodes, nothing was written"
            )
            raise LoadRefused(report.outcome, report)
        if dry_run:
            report.outcome = "dry run: mapped and validated, nothing written"
        else:
            counts = out.finish(
                row_counts(report),
                lambda items: write_batches(items, driver, load, db, report, phases),
            )
            report.written = {
                k: v for k, v in counts.as_properties().items() if not k.startswith("triples")
            }
            report.outcome = f"written as {load.iri}" + (
                " (this content was loaded before)" if counts.already_loaded else ""
            )
            report.notices.extend(snapshots.follow(driver, db, load.iri, dataset))
    timings = dict(phases.timings)
    timings["total"] = time.perf_counter() - started
    report.timings = account(timings)
    return report
