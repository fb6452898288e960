"""Running a mapping against the store: map and validate every batch first, then write.

All or nothing, at two scales. A table that fits in one batch (``batch_rows``; KeepItOn, CIVICUS)
is written in one transaction, exactly like an RDF load. A larger one (870k UN votes) cannot be
one Neo4j transaction on a small heap, so the load is two-phase: phase 1 maps and validates
*every* batch (records spilled to a temporary directory, memory stays bounded) and writes nothing;
only if no batch failed (and, with ``strict``, no row was rejected) does phase 2 write the batches,
one transaction each. Should phase 2 stop half-way (the store goes down), the ``Load`` node has
no ``rowsRead`` yet, which marks it incomplete, and running the same load again completes it:
every write is an idempotent MERGE.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import neo4j
from rdflib import Literal, URIRef

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology
from loaders import cypher
from loaders.mapping.checks import check_batch
from loaders.mapping.emit import to_literal
from loaders.mapping.engine import Batch, Engine
from loaders.mapping.load import Mapping, resolve_table
from loaders.mapping.report import MapReport
from loaders.mapping.snapshots import Snapshots
from loaders.matching.resolve import Planned, Resolver
from loaders.matching.values import LoadRef
from loaders.pipeline import check_targets, display_path
from loaders.progress import Phases
from loaders.records import Records, to_records
from loaders.validate import ValidationFailed
from loaders.writer import LoadCounts, LoadInfo, read, write


class LoadRefused(CivicGraphError):
    """The table was mapped but not written (strict mode, or a batch failed); carries the report."""

    def __init__(self, message: str, report: MapReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class _Spill:
    folder: Path
    files: list[Path] = field(default_factory=list)

    def add(self, records: tuple[Records, Planned]) -> None:
        path = self.folder / f"batch-{len(self.files):05d}.pickle"
        with path.open("wb") as fh:
            pickle.dump(records, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.files.append(path)

    def __iter__(self) -> Iterator[tuple[Records, Planned]]:
        for path in self.files:
            with path.open("rb") as fh:
                yield pickle.load(fh)


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


def preserve_stored(batch: Batch, driver: neo4j.Driver, database: str) -> None:
    """For ``preserve`` properties, a value already in the store wins over the mapping's: a state
    or resolution of the curated reference data keeps its label when a dataset also names it."""
    ontology = Ontology.get()
    for name, iris in batch.preserve.items():
        prop = ontology.properties[name]
        query = (
            f"UNWIND $iris AS iri MATCH (n:{cypher.RESOURCE} {{iri: iri}}) "
            "WHERE n[$key] IS NOT NULL RETURN n.iri AS iri, n[$key] AS value, n[$lang] AS lang"
        )
        params = {"iris": sorted(map(str, iris)), "key": name, "lang": f"{name}__lang"}
        for record in read(driver, database, (query, params)):
            node = URIRef(record["iri"])
            lang = record["lang"]
            value = record["value"]
            for old in list(batch.graph.objects(node, prop.iri)):
                if isinstance(old, Literal) and (old.language or "en") == (lang or "en"):
                    batch.graph.remove((node, prop.iri, old))
            if lang is not None or prop.kind == "annotation":
                batch.graph.add((node, prop.iri, Literal(value, lang=lang)))
            else:
                native = value.to_native() if hasattr(value, "to_native") else value
                batch.graph.add((node, prop.iri, to_literal(prop, native, "en")))


def map_and_validate(
    engine: Engine,
    path: Path,
    report: MapReport,
    spill: _Spill,
    driver: neo4j.Driver,
    database: str,
    phases: Phases,
    resolver: Resolver,
    full_validation: bool = False,
) -> None:
    """Phase 1: every batch mapped, converted, validated and matched; nothing written."""
    size = path.stat().st_size
    with phases.phase("map", total=size) as advance:
        for batch in engine.batches(path, report, advance):
            preserve_stored(batch, driver, database)
            records = to_records(batch.graph)
            if records.problems:
                listed = "\n  ".join(records.problems[:20])
                raise LoadRefused(f"the store cannot hold this data as mapped:\n  {listed}", report)
            with phases.phase("validate"):
                failed = check_batch(batch, records, report, driver, database, full_validation)
            if failed is not None:
                raise ValidationFailed(failed, report.source)
            # -- hook: matching and value provenance (loaders/matching, docs/PROVENANCE.md) --
            with phases.phase("match"):
                planned, held_back = resolver.resolve(batch, records)
            report.rows_mapped -= held_back
            # -- end of hook --
            spill.add((records, planned))


def write_batches(
    spill: _Spill,
    driver: neo4j.Driver,
    load: LoadInfo,
    database: str,
    report: MapReport,
    phases: Phases,
) -> LoadCounts:
    """Phase 2: one transaction per batch, then the totals on the ``Load`` node."""
    state = read(driver, database, _load_state(load.iri))
    complete = bool(state) and state[0]["complete"]
    total = LoadCounts()
    for records, planned in spill:
        check_targets(records, driver, database)
        after = planned.queries(load.iri)
        counts = write(driver, records, load, database=database, phases=phases, after=after)
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
    total.already_loaded = complete
    if not complete:
        extra = {
            "rowsRead": report.rows_read,
            "rowsLoaded": report.rows_mapped,
            "rowsRejected": len(report.rejected),
            "rowsSkipped": sum(report.skipped.values()),
            "rowsSuperseded": len(report.superseded),
            **report.matching_counts(),
        }
        with driver.session(database=database) as session:
            session.run(
                *cypher.set_load_counts(load.iri, {**total.as_properties(), **extra})
            ).consume()
    return total


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
) -> MapReport:
    """Map, validate and write ``path``; see the module doc. With ``dry_run`` it stops before
    writing (validation still reads the store). Raises ``LoadRefused`` / ``ValidationFailed``."""
    from civicgraph.store import database as default_database

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
    with tempfile.TemporaryDirectory(prefix="civicgraph-map-") as folder:
        spill = _Spill(Path(folder))
        map_and_validate(engine, path, report, spill, driver, db, phases, resolver, full_validation)
        report.notices.extend(engine.drop_notices())
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
            counts = write_batches(spill, driver, load, db, report, phases)
            report.written = {
                k: v for k, v in counts.as_properties().items() if not k.startswith("triples")
            }
            report.outcome = f"written as {load.iri}" + (
                " (this content was loaded before)" if counts.already_loaded else ""
            )
            report.notices.extend(snapshots.follow(driver, db, load.iri, dataset))
    timings = dict(phases.timings)
    if "map" in timings:  # the map phase encloses validation and matching; report them apart
        timings["map"] -= timings.get("validate", 0.0) + timings.get("match", 0.0)
    report.timings = timings
    return report
