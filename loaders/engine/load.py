"""RDF files -> store on the fast path: parse to facts, convert, validate (compiled shapes), write.

The guarantees of ``loaders.pipeline`` hold: nothing is written unless every file conforms, the
store can hold every value and every relationship end exists; the write is all or nothing (one
transaction for loads that fit one, a staged attempt otherwise: ``loaders.engine.staged``).
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import neo4j

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology
from civicgraph.settings import get_settings
from loaders.engine.apart import Apart, can_fork
from loaders.engine.convert import to_records
from loaders.engine.facts import Facts, read_files
from loaders.engine.fastvalidate import (
    Context,
    TermOrigin,
    check_shapes,
    store_context,
    validate_facts,
)
from loaders.engine.overlap import Beside
from loaders.engine.spill import Spill, split
from loaders.engine.staged import prepare, staged_write
from loaders.engine.stream import check_stream, run_stream, vocabulary_of
from loaders.engine.streamplan import stream_plan
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
# Inputs bigger than this are streamed (``loaders.engine.stream``) in batches of about
# BATCH_BYTES of N-Triples (~200k triples); at most MAX_BATCHES batch files.
STREAM_BYTES = 400_000_000
BATCH_BYTES = 40_000_000
MAX_BATCHES = 256
# Inputs up to this size are validated in a forked child beside the converter and the write
# (``loaders.engine.apart``); the child may come to hold a copy of the parsed facts (refcounts
# touch their pages), about 700 MB at this size, so bigger one-shot inputs validate in-process.
FORK_BYTES = 250_000_000


@dataclass
class ParsedFacts:
    """Parsed input: all of it in ``facts``, or, for a big input, split into batch files
    (``spill``, read batch by batch by ``loaders.engine.stream``) with ``facts`` left empty."""

    facts: Facts
    files: list[Path]
    sha256: str
    source: str
    names: list[str] = field(default_factory=list)
    format: str | None = None
    spill: Spill | None = None

    def origin(self) -> TermOrigin:
        return self.origin_of(self.facts)

    def origin_of(self, facts: Facts) -> TermOrigin:
        if len(self.files) == 1:
            return lambda _: self.source
        return facts.origin.get

    def whole(self) -> Facts:
        """All of the facts, read again if the input was split (``civicgraph validate``)."""
        if self.spill is not None:
            self.spill.close()
            self.spill = None
            self.facts = read_files(self.files, self.names, self.format)
        return self.facts


def batches_for(files: list[Path]) -> int:
    """How many batches a streamed load splits ``files`` into (0: load them in one piece)."""
    size = sum(p.stat().st_size for p in files if p.is_file())
    if size <= STREAM_BYTES or stream_plan() is None or not _one_predicate_per_type():
        return 0
    return max(1, min(MAX_BATCHES, -(-size // BATCH_BYTES)))


@contextmanager
def gc_paused(files: list[Path]) -> Iterator[None]:
    """No cyclic garbage collection during a one-shot load: parsing and converting allocate
    hundreds of thousands of dicts and tuples, none of them in cycles, and each full collection
    walked all of them (about a sixth of the CPU time of parse and convert at 100k triples). A
    streamed load, which may run for long, keeps the collector."""
    if batches_for(files) or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _one_predicate_per_type() -> bool:
    """A streamed load finds a relationship's reification by its type (see ``stream``)."""
    props = [p for p in Ontology.get().properties.values() if p.is_relationship]
    return len({p.rel_type for p in props}) == len(props)


def read(paths: Iterable[Path | str], *, format: str | None, phases: Phases) -> ParsedFacts:
    from loaders.pipeline import display_path

    files = rdf_files(paths)
    if not files:
        raise CivicGraphError("no input files given")
    names = [display_path(p) for p in files]
    batches = batches_for(files)
    spill, facts = None, Facts()
    with phases.phase("parse", total=len(files)):
        if batches:
            plan = stream_plan()
            assert plan is not None
            spill = split(files, batches, format=format, value_predicates=plan.predicates)
        else:
            facts = read_files(files, names, format)
    shas = [sha256_of(p) for p in files]
    combined = (
        shas[0] if len(shas) == 1 else hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest()
    )
    return ParsedFacts(facts, files, combined, ", ".join(names), names, format, spill)


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

    spill, plan = parsed.spill, stream_plan()
    if spill is not None and plan is not None and not spill.vocabulary_suspect:
        try:
            return check_stream(
                spill,
                parsed.names,
                plan,
                driver=driver,
                database=database,
                origin=parsed.origin_of,
                phases=phases,
                targets=targets,
            )
        finally:
            spill.close()
    facts = parsed.whole()
    with phases.phase("convert"):
        records = to_records(facts)
    with phases.phase("validate"):
        report = validate_facts(facts, driver=driver, database=database, origin=parsed.origin())
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
    """Check the shapes in a forked child while this process converts, then writes in a thread
    (``loaders.engine.overlap``); the write commits only once the child's report says the data
    conforms and every relationship end exists."""
    from loaders.pipeline import NothingToLoad, cannot_hold, check_targets

    if parsed.spill is not None:
        return _run_streamed(
            parsed, driver=driver, database=database, phases=phases, started=started, warmup=warmup
        )
    if parsed.facts.triples == 0:
        raise NothingToLoad(parsed.source)
    load = LoadInfo.for_content(parsed.source, parsed.sha256)
    with phases.phase("validate"):
        context = store_context(parsed.facts, driver=driver, database=database)
    if context.vocabulary:
        raise ValidationFailed(check_shapes(parsed.facts, context), load.source)
    shapes = _check_apart(parsed, context)  # the shapes in a child while this process converts
    try:
        with phases.phase("convert"):
            records = to_records(parsed.facts)
    except BaseException:
        shapes.cancel()
        raise

    def write_when_ready(gate: Gate) -> LoadCounts:
        if warmup is not None:
            with phases.phase("ready store"):  # schema, index waits, plans: usually done by now
                warmup.wait()
        return write_records(driver, records, load, database=database, phases=phases, gate=gate)

    # Records the store cannot hold are reported after the shapes' findings, and never written.
    beside = None if records.problems else Beside(write_when_ready)
    try:
        with phases.phase("validate"):
            report = shapes.result()
        if not report.conforms:
            raise ValidationFailed(report, load.source)
        if records.problems:
            raise cannot_hold(records.problems)
        check_targets(records, driver, database)
    except BaseException:
        shapes.cancel()
        if beside is not None:
            beside.refuse()
        raise
    assert beside is not None
    parsed.facts.subjects.clear()  # the records hold what is written; free the index
    counts = beside.accept()
    return load, counts, report, records, time.perf_counter() - started


class _Here:
    """The shapes checked in this process, when it cannot fork or the input is too big to."""

    def __init__(self, check: Callable[[], ValidationReport]) -> None:
        self.check = check

    def result(self) -> ValidationReport:
        return self.check()

    def cancel(self) -> None:
        pass


def _check_apart(parsed: ParsedFacts, context: Context) -> _Here | Apart[ValidationReport]:
    """The compiled shapes over the facts, forked (``loaders.engine.apart``) for inputs up to
    FORK_BYTES; the facts gain the ontology and the store context in the child only."""

    def check() -> ValidationReport:
        return check_shapes(parsed.facts, context, origin=parsed.origin())

    size = sum(p.stat().st_size for p in parsed.files if p.is_file())
    if not can_fork() or size > FORK_BYTES:
        return _Here(check)
    return Apart(check, "the SHACL validation")


def _run_streamed(
    parsed: ParsedFacts,
    *,
    driver: neo4j.Driver,
    database: str,
    phases: Phases,
    started: float,
    warmup: Warmup | None,
) -> tuple[LoadInfo, LoadCounts, ValidationReport, Records, float]:
    """The streamed load (``loaders.engine.stream``); vocabulary typos are reported as the
    one-shot path reports them, read batch by batch (nothing is written then)."""
    from loaders.pipeline import NothingToLoad

    spill, plan = parsed.spill, stream_plan()
    assert spill is not None and plan is not None
    try:
        if spill.read == 0:
            raise NothingToLoad(parsed.source)
        load = LoadInfo.for_content(parsed.source, parsed.sha256)
        if spill.vocabulary_suspect:
            with phases.phase("validate"):
                found = vocabulary_of(spill, parsed.names)
            if found:
                raise ValidationFailed(ValidationReport(found, store_aware=True), load.source)
        counts, report, summary = run_stream(
            spill,
            parsed.names,
            plan,
            load,
            driver=driver,
            database=database,
            phases=phases,
            origin=parsed.origin_of,
            warmup=warmup,
        )
    finally:
        if parsed.spill is not None:
            parsed.spill.close()
    return load, counts, report, summary, time.perf_counter() - started
