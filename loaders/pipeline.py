"""Parse -> convert -> validate -> write, for one graph or for many files in one transaction.

Conversion runs before validation so that validation may work in place on a graph nobody reads
afterwards (copying a 100k-triple rdflib graph costs as much as parsing it). Nothing is written
unless the data conforms, its targets exist, and the storage model can hold every value.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from rdflib import Graph
from rdflib.term import Node

from civicgraph.errors import CivicGraphError
from civicgraph.paths import ROOT
from civicgraph.store import database as default_database
from loaders import cypher
from loaders.progress import Phases
from loaders.rdf_input import parse, rdf_files, sha256_of
from loaders.records import Records, to_records
from loaders.validate import Origin, ValidationFailed, ValidationReport, validate
from loaders.writer import LoadCounts, LoadInfo, read, write

__all__ = [
    "Checked",
    "LoadSummary",
    "NothingToLoad",
    "ParsedInput",
    "ValidationFailed",
    "check_paths",
    "check_targets",
    "load_graph",
    "load_paths",
    "read_paths",
]


@dataclass
class ParsedInput:
    """The merged graph of some files, with what identifies them as one load."""

    graph: Graph
    files: list[Path]
    sha256: str
    source: str
    subjects_by_file: dict[str, set[Node]] = field(default_factory=dict)

    def origin(self, node: Node) -> str | None:
        """The first file that says something about ``node`` (for violation reports)."""
        if len(self.files) == 1:
            return self.source
        return next((f for f, subjects in self.subjects_by_file.items() if node in subjects), None)


@dataclass
class LoadSummary:
    load: LoadInfo
    counts: LoadCounts
    report: ValidationReport
    skipped: Counter[str]
    timings: dict[str, float]
    seconds: float  # wall clock of the whole load, phases and the checks between them

    def as_dict(self) -> dict[str, Any]:
        return {
            "load": self.load.iri,
            "source": self.load.source,
            "sha256": self.load.sha256,
            "alreadyLoaded": self.counts.already_loaded,
            "counts": self.counts.as_properties(),
            "skipped": dict(self.skipped),
            "warnings": len(self.report.violations),
            "seconds": round(self.seconds, 3),
            "phases": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def format(self) -> str:
        c = self.counts
        rate = c.triples / self.seconds if self.seconds else 0.0
        lines = [
            f"Loaded {c.triples:,} triples from {self.load.source} in {self.seconds:.1f} s "
            f"({rate:,.0f} triples/s).",
            f"  nodes: {c.nodes_created:,} created, {c.nodes_updated:,} updated, "
            f"{c.nodes_unchanged:,} unchanged",
            f"  relationships: {c.relationships_created:,} created, "
            f"{c.relationships_updated:,} updated, {c.relationships_unchanged:,} unchanged",
        ]
        if c.already_loaded:
            lines.append(
                f"  load: {self.load.iri} (this content was loaded before; re-asserted, "
                "the first Load record is kept)"
            )
        else:
            lines.append(f"  load: {self.load.iri}")
        if self.skipped:
            lines.append(f"  not stored: {sum(self.skipped.values()):,} triples")
            lines.extend(f"    {n:,} {reason}" for reason, n in sorted(self.skipped.items()))
        if self.report.violations:
            lines.append(f"  {len(self.report.violations)} warning(s):")
            lines.extend(
                "    " + line for line in self.report.format(self.load.source).splitlines()
            )
        phases = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        lines.append(f"  phases: {phases}")
        return "\n".join(lines)


def display_path(path: Path) -> str:
    """Paths inside the checkout are recorded relative to it, so Load records do not depend on
    where the project lives."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(ROOT))
    except ValueError:
        return str(resolved)


def read_paths(
    paths: Iterable[Path | str], *, format: str | None = None, phases: Phases | None = None
) -> ParsedInput:
    """Parse files (directories expand to their RDF files) into one graph; ``format`` overrides
    the extensions for every file."""
    phases = phases or Phases()
    files = rdf_files(paths)
    if not files:
        raise CivicGraphError("no input files given")
    graphs: list[Graph] = []
    with phases.phase("parse", total=len(files)) as advance:
        for path in files:
            graphs.append(parse(path, format))
            advance(1)
    names = [display_path(p) for p in files]
    shas = [sha256_of(p) for p in files]
    merged = graphs[0]
    subjects = {}
    if len(graphs) > 1:
        subjects = {n: set(g.subjects(unique=True)) for n, g in zip(names, graphs, strict=True)}
        for g in graphs[1:]:
            merged.addN((s, p, o, merged) for s, p, o in g)
    combined = (
        shas[0] if len(shas) == 1 else hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest()
    )
    return ParsedInput(merged, files, combined, ", ".join(names), subjects)


class NothingToLoad(CivicGraphError):
    """The input holds no triples: a load of it would record a ``Load`` of nothing."""

    def __init__(self, source: str) -> None:
        super().__init__(
            f"{source}: nothing to load (no triples in the input). Nothing was written; "
            "check that the file is the one you meant and is not truncated."
        )


def check_targets(records: Records, driver: neo4j.Driver, database: str) -> None:
    """Relationship ends that are not in the data must be in the store; say which are not."""
    targets = records.targets()
    if not targets:
        return
    records_ = read(driver, database, cypher.missing_nodes(targets))
    missing = sorted(records_[0]["missing"]) if records_ else []
    if missing:
        shown = "\n  ".join(f"<{iri}>" for iri in missing[:20])
        more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise CivicGraphError(
            "relationships point at nodes that are neither typed in the data nor in the store:\n"
            f"  {shown}{more}\nType them in the data or load the files that define them first. "
            "Nothing was written."
        )


def _load(
    graph: Graph,
    *,
    driver: neo4j.Driver,
    load: LoadInfo,
    database: str | None,
    phases: Phases,
    origin: Origin | None,
    inplace: bool,
    started: float,
) -> LoadSummary:
    db = database or default_database()
    with phases.phase("convert"):
        records = to_records(graph)
    with phases.phase("validate"):
        report = validate(graph, driver=driver, database=db, inplace=inplace, origin=origin)
    if not report.conforms:
        raise ValidationFailed(report, load.source)
    if records.problems:
        raise cannot_hold(records.problems)
    check_targets(records, driver, db)
    counts = write(driver, records, load, database=db, phases=phases)
    seconds = time.perf_counter() - started
    return LoadSummary(load, counts, report, records.skipped, dict(phases.timings), seconds)


def cannot_hold(problems: list[str]) -> CivicGraphError:
    """The error for records the store cannot hold (the first 20 listed); raised before writing."""
    listed = "\n  ".join(problems[:20])
    return CivicGraphError(
        f"the store cannot hold this data as given:\n  {listed}\nNothing was written."
    )


def load_graph(
    graph: Graph,
    *,
    driver: neo4j.Driver,
    source: str,
    sha256: str,
    database: str | None = None,
    phases: Phases | None = None,
) -> LoadSummary:
    """Validate ``graph`` and write it as one load; raises ``ValidationFailed`` with the report
    when it does not conform (nothing is written then). ``graph`` is left unchanged."""
    started = time.perf_counter()
    load = LoadInfo.for_content(source, sha256)
    return _load(
        graph,
        driver=driver,
        load=load,
        database=database,
        phases=phases or Phases(),
        origin=lambda _: source,
        inplace=False,
        started=started,
    )


def load_paths(
    paths: Iterable[Path | str],
    *,
    driver: neo4j.Driver,
    database: str | None = None,
    format: str | None = None,
    phases: Phases | None = None,
) -> LoadSummary:
    """Parse all files, validate them together and write them as one load, all or nothing
    (the fast path of ``loaders.engine``: compiled shapes, staged writes for big loads)."""
    from loaders.engine.load import STAGED_BYTES, gc_paused, run_load
    from loaders.engine.load import read as read_facts
    from loaders.engine.warmup import Warmup

    started = time.perf_counter()
    phases = phases or Phases()
    db = database or default_database()
    files = rdf_files(paths)
    big = sum(p.stat().st_size for p in files if p.is_file()) > STAGED_BYTES
    warmup = Warmup(driver, db, staged=big).start()  # waited for before the write
    try:
        with gc_paused(files):
            parsed = read_facts(files, format=format, phases=phases)
            load, counts, report, records, seconds = run_load(
                parsed, driver=driver, database=db, phases=phases, started=started, warmup=warmup
            )
    finally:
        warmup.stop()
    return LoadSummary(load, counts, report, records.skipped, dict(phases.timings), seconds)


@dataclass
class Checked:
    """What ``civicgraph validate`` finds: the SHACL report and what the store could not hold."""

    source: str
    report: ValidationReport
    problems: list[str]
    triples: int

    @property
    def ok(self) -> bool:
        return self.report.conforms and not self.problems


def check_paths(
    paths: Iterable[Path | str],
    *,
    driver: neo4j.Driver | None = None,
    database: str | None = None,
    format: str | None = None,
    phases: Phases | None = None,
    reference: bool = False,
) -> Checked:
    """Every check a load makes, without writing: SHACL, storage-model problems and, with a
    driver, relationship ends missing from both the data and the store. ``reference`` runs
    pyshacl (the reference implementation) instead of the compiled shapes."""
    phases = phases or Phases()
    db = (database or default_database()) if driver is not None else None
    if not reference:
        from loaders.engine.load import check, read

        fast = read(paths, format=format, phases=phases)
        records, report, problems = check(fast, driver, db, phases)
        return Checked(fast.source, report, problems, records.triples)
    parsed = read_paths(paths, format=format, phases=phases)
    with phases.phase("convert"):
        records = to_records(parsed.graph)
    with phases.phase("validate"):
        report = validate(
            parsed.graph, driver=driver, database=db, inplace=True, origin=parsed.origin
        )
    problems = list(records.problems)
    if driver is not None and db is not None and report.conforms:
        try:
            check_targets(records, driver, db)
        except CivicGraphError as exc:
            problems.append(str(exc).removesuffix(" Nothing was written."))
    return Checked(parsed.source, report, problems, records.triples)
