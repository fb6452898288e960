"""RDF files -> store on the fast path: parse to facts, convert, validate (compiled shapes), write.

The guarantees of ``loaders.pipeline`` hold: nothing is written unless every file conforms, the
store can hold every value and every relationship end exists; the write is all or nothing (one
transaction for loads that fit one, a staged attempt otherwise: ``loaders.engine.staged``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import neo4j

from civicgraph.errors import CivicGraphError
from civicgraph.settings import get_settings
from loaders.engine.convert import to_records
from loaders.engine.facts import Facts, read_files
from loaders.engine.fastvalidate import TermOrigin, check_shapes, store_context, validate_facts
from loaders.engine.overlap import Beside
from loaders.engine.staged import prepare, staged_write
from loaders.engine.warmup import Warmup
from loaders.progress import Phases
from loaders.rdf_input import rdf_files, sha256_of
from loaders.records import Records
from loaders.validate import ValidationFailed, ValidationReport
from loaders.writer import Gate, LoadCounts, LoadInfo, open_session, write

# Loads with more rows than this are staged (batches in their own transactions): one
# transaction of 200k rows stays well under the local server's tx memory of 512 MB.
SINGLE_TRANSACTION_ROWS = 200_000
# Inputs bigger than this (about 200k rows of N-Triples) also warm the staged writer's plans.
STAGED_BYTES = 40_000_000


@dataclass
class ParsedFacts:
    facts: Facts
    files: list[Path]
    sha256: str
    source: str

    def origin(self) -> TermOrigin:
        if len(self.files) == 1:
            return lambda _: self.source
        return self.facts.origin.get


def read(paths: Iterable[Path | str], *, format: str | None, phases: Phases) -> ParsedFacts:
    from loaders.pipeline import display_path

    files = rdf_files(paths)
    if not files:
        raise CivicGraphError("no input files given")
    names = [display_path(p) for p in files]
    with phases.phase("parse", total=len(files)):
        facts = read_files(files, names, format)
    shas = [sha256_of(p) for p in files]
    combined = (
        shas[0] if len(shas) == 1 else hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest()
    )
    return ParsedFacts(facts, files, combined, ", ".join(names))


def check(
    parsed: ParsedFacts,
    driver: neo4j.Driver | None,
    database: str | None,
    phases: Phases,
    *,
    targets: bool = True,
) -> tuple[Records, ValidationReport, list[str]]:
    """Records, the SHACL report and store problems (with ``targets``, relationship ends missing
    from the data and the store too)."""
    from loaders.pipeline import check_targets

    with phases.phase("convert"):
        records = to_records(parsed.facts)
    with phases.phase("validate"):
        report = validate_facts(
            parsed.facts, driver=driver, database=database, origin=parsed.origin()
        )
    problems = list(records.problems)
    if targets and driver is not None and database is not None and report.conforms:
        try:
            check_targets(records, driver, database)
        except CivicGraphError as exc:
            problems.append(str(exc).removesuffix(" Nothing was written."))
    return records, report, problems


def write_records(
    driver: neo4j.Driver,
    records: Records,
    load: LoadInfo,
    *,
    database: str,
    phases: Phases,
    gate: Gate | None = None,
) -> LoadCounts:
    size = get_settings().civicgraph_batch_size
    rows = records.node_count + records.relationship_count
    if rows <= SINGLE_TRANSACTION_ROWS:
        with open_session(driver, database) as session:
            prepare(session)
        return write(
            driver, records, load, database=database, batch_size=size, phases=phases, gate=gate
        )
    return staged_write(
        driver,
        iter([records]),
        load,
        database=database,
        batch_size=size,
        phases=phases,
        total=rows,
        gate=gate,
    )


def run_load(
    parsed: ParsedFacts,
    *,
    driver: neo4j.Driver,
    database: str,
    phases: Phases,
    started: float,
    warmup: Warmup | None = None,
) -> tuple[LoadInfo, LoadCounts, ValidationReport, Records, float]:
    """Convert, then write in a thread while the shapes are checked (``loaders.engine.overlap``);
    the write commits only once the data conforms and every relationship end exists."""
    from loaders.pipeline import NothingToLoad, cannot_hold, check_targets

    if parsed.facts.triples == 0:
        raise NothingToLoad(parsed.source)
    load = LoadInfo.for_content(parsed.source, parsed.sha256)
    with phases.phase("convert"):
        records = to_records(parsed.facts)
    with phases.phase("validate"):
        context = store_context(parsed.facts, driver=driver, database=database)
    if context.vocabulary:
        raise ValidationFailed(check_shapes(parsed.facts, context), load.source)

    def write_when_ready(gate: Gate) -> LoadCounts:
        if warmup is not None:
            with phases.phase("ready store"):  # schema, index waits, plans: usually done by now
                warmup.wait()
        return write_records(driver, records, load, database=database, phases=phases, gate=gate)

    # Records the store cannot hold are reported after the shapes' findings, and never written.
    beside = None if records.problems else Beside(write_when_ready)
    try:
        with phases.phase("validate"):
            report = check_shapes(parsed.facts, context, origin=parsed.origin())
        if not report.conforms:
            raise ValidationFailed(report, load.source)
        if records.problems:
            raise cannot_hold(records.problems)
        check_targets(records, driver, database)
    except BaseException:
        if beside is not None:
            beside.refuse()
        raise
    assert beside is not None
    parsed.facts.subjects.clear()  # the records hold what is written; free the index
    counts = beside.accept()
    return load, counts, report, records, time.perf_counter() - started
