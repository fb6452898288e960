"""A load in bounded memory: split by subject, then convert, check and write batch by batch.

Pass one (``loaders.engine.spill``) re-writes the input into batch files by subject and keeps a
compact index. Pass two reads one batch at a time: its rows, its shapes' findings (the batch's
subjects as focus nodes, with the types of the nodes they point at from the index or the store),
and hands the rows to the writing thread, one staged attempt (``staged_write``) for the whole
load. Nodes are written batch by batch as they pass; relationships wait on disk until every node
is written, since their ends may sit in a later batch. The attempt commits only once every batch
conformed, the indexed shapes (codes, symbols) passed and every relationship end exists: the
findings and the all or nothing of the one-shot path, with memory that grows with the batch and
the number of subjects, not with the file.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import neo4j

from civicgraph.errors import CivicGraphError
from civicgraph.model import ID_NS, Ontology
from civicgraph.settings import get_settings
from loaders.engine.convert import Converter
from loaders.engine.facts import Facts
from loaders.engine.fastvalidate import (
    RDF_TYPE,
    TermOrigin,
    add_store_context,
    findings,
    ontology_subjects,
    term_users,
    violation_order,
    vocabulary_findings,
)
from loaders.engine.feed import Feed
from loaders.engine.overlap import Beside
from loaders.engine.spill import Spill, read_batch
from loaders.engine.staged import staged_write
from loaders.engine.streamplan import StreamPlan
from loaders.engine.terms import Blank, Lit, Term
from loaders.engine.warmup import Warmup
from loaders.progress import Phases
from loaders.records import _SKIP_UNREIFIED, Records, RelRow
from loaders.validate import ValidationFailed, ValidationReport, Violation
from loaders.writer import Gate, LoadCounts, LoadInfo

OriginOf = Callable[[Facts], TermOrigin]


@dataclass
class Context:
    """What every batch is checked against: the store's nodes, the reifications, the ignored."""

    store: Facts
    from_store: set[str]
    ignore: set[Term]
    reified: dict[tuple[Term, Term, Term], set[str]]
    nodes: set[Term]
    store_aware: bool


@dataclass
class Outcome:
    found: list[Violation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)
    used: int = 0
    triples: int = 0
    relationships: list[Path] = field(default_factory=list)

    @property
    def writable(self) -> bool:
        return not self.found and not self.problems


def context(spill: Spill, driver: neo4j.Driver | None, database: str | None) -> Context:
    """The store look-up (once, before anything is written), the ignore set of the one-shot
    path, the file's reifications and which subjects become nodes."""
    subjects = spill.subjects
    wanted = {s for s, types in subjects.items() if not types and not isinstance(s, Blank)}
    wanted |= spill.references
    iris = {i for i in wanted if isinstance(i, str) and i.startswith(ID_NS) and not subjects.get(i)}
    store = Facts()
    from_store: set[str] = set()
    if driver is not None and database is not None:
        from_store = add_store_context(store, iris, driver, database)
    ignore = {n for n in (from_store | ontology_subjects()) if n not in subjects}
    reified: dict[tuple[Term, Term, Term], set[str]] = {}  # filled batch by batch
    classes = {str(c.iri) for c in Ontology.get().classes.values()}
    nodes = {
        s
        for s, types in subjects.items()
        if types
        and not isinstance(s, Blank)
        and s not in spill.statements
        and any(t in classes for t in types)
    }
    return Context(store, from_store, ignore, reified, nodes, driver is not None)


def with_context(facts: Facts, spill: Spill, ctx: Context) -> None:
    """Give the batch what the one-shot path's facts hold of other nodes: their types (from the
    index), what the store says of nodes the data does not type, the data's subclass axioms."""
    store, index = ctx.store.subjects, spill.subjects
    others: set[Term] = set()
    for preds in facts.subjects.values():
        for p, values in preds.items():
            if p != RDF_TYPE:
                others.update(o for o in values if not isinstance(o, Lit))
    owned = list(facts.subjects)
    for o in others:
        if o not in facts.subjects:
            for t in index.get(o, ()):
                facts.add(o, RDF_TYPE, t)
    for node in (*owned, *others):
        for p, values in store.get(node, {}).items():
            for v in values:
                facts.add(node, p, v)
    for s, p, o in spill.schema.triples_iter():
        facts.add(s, p, o)


class Checker:
    """Pass two's checking side: batch after batch, findings and problems into ``out``."""

    def __init__(
        self,
        spill: Spill,
        names: list[str],
        plan: StreamPlan,
        ctx: Context,
        *,
        origin: OriginOf,
        phases: Phases,
        writing: bool,
    ) -> None:
        self.spill, self.names, self.plan, self.ctx = spill, names, plan, ctx
        self.origin, self.phases, self.writing = origin, phases, writing
        self.converter = Converter(Ontology.get())
        props = self.converter.props.values()
        self.predicate = {str(p.rel_type): str(p.iri) for p in props if p.is_relationship}
        self.out = Outcome()

    def batch(self, k: int) -> Records | None:
        """One batch; its node rows, to write, while the load is still writable (a writing
        load keeps its relationship rows in a file beside the batch's)."""
        out, ctx, phases = self.out, self.ctx, self.phases
        with phases.phase("parse"):
            facts = read_batch(self.spill.batches[k], self.names)
        out.triples += facts.triples
        part = None
        if out.writable or not self.writing:  # ``validate`` lists every problem
            with phases.phase("convert"):
                records = self.convert(facts)
            if self.writing and out.writable:
                part = self.keep(k, records)
        with phases.phase("validate"):
            owned = set(facts.subjects)
            with_context(facts, self.spill, ctx)
            out.found.extend(
                findings(
                    facts,
                    self.plan.local,
                    self.plan.fallback,
                    ctx.ignore,
                    origin=self.origin(facts),
                    owned=owned,
                )
            )
        return part if out.writable else None

    def convert(self, facts: Facts) -> Records:
        out, nodes = self.out, self.ctx.nodes
        statements, reified = Converter._reifications(facts)
        for triple, sources in reified.items():
            self.ctx.reified.setdefault(triple, set()).update(sources)
        # Sources from reifications are set when the relationships are written (``sourced``):
        # a statement may sit in a later batch than the triple it annotates.
        records, _ = self.converter.convert(facts, statements, {})
        out.skipped.update(records.skipped)
        out.problems.extend(records.problems)
        for rows in records.relationships.values():
            for row in rows:
                for end in (row["start"], row["end"]):
                    if end not in nodes:
                        out.targets.add(end)
        return records

    def keep(self, k: int, records: Records) -> Records:
        if records.relationships:
            path = Path(self.spill.directory.name) / f"rels-{k}.pickle"
            with path.open("wb") as f:
                pickle.dump(records.relationships, f, protocol=pickle.HIGHEST_PROTOCOL)
            self.out.relationships.append(path)
        return Records(nodes=records.nodes, triples=records.triples, skipped=records.skipped)

    def sourced(self, path: Path) -> Records:
        """A batch's relationship rows, with the sources of the statements reifying them (as
        ``Converter.convert`` gives them when it sees the whole file's reifications)."""
        with path.open("rb") as f:
            relationships: dict[str, list[RelRow]] = pickle.load(f)
        reified, predicate = self.ctx.reified, self.predicate
        for rel_type, rows in relationships.items():
            p = predicate[rel_type]
            for row in rows:
                sources = reified.get((row["start"], p, row["end"]))
                if sources is not None:
                    self.out.used += 1
                    if sources:
                        row["sources"] = sorted(sources)
        return Records(relationships=relationships)

    def finish(self) -> ValidationReport:
        """The indexed shapes, once; the report of the whole load."""
        out, ctx = self.out, self.ctx
        with self.phases.phase("validate"):
            values = self.spill.values
            out.found.extend(
                findings(values, self.plan.indexed, [], ctx.ignore, origin=self.origin(values))
            )
            out.found.sort(key=violation_order)
        return ValidationReport(
            out.found, store_aware=ctx.store_aware, resolved_from_store=len(ctx.from_store)
        )

    def summary(self) -> Records:
        out = self.out
        return Records(triples=out.triples, skipped=out.skipped, problems=out.problems)


def check_stream(
    spill: Spill,
    names: list[str],
    plan: StreamPlan,
    *,
    driver: neo4j.Driver | None,
    database: str | None,
    origin: OriginOf,
    phases: Phases,
    targets: bool = True,
) -> tuple[Records, ValidationReport, list[str]]:
    """``civicgraph validate`` on a split input: the report, the problems, the targets missing
    from the data and the store (as ``loaders.engine.load.check`` gives them)."""
    from loaders.pipeline import check_targets

    with phases.phase("validate"):
        ctx = context(spill, driver, database)
    checker = Checker(spill, names, plan, ctx, origin=origin, phases=phases, writing=False)
    for k in range(len(spill.batches)):
        checker.batch(k)
    report = checker.finish()
    problems = list(checker.out.problems)
    if targets and driver is not None and database is not None and report.conforms:
        try:
            check_targets(ends_only(checker.out.targets), driver, database)
        except CivicGraphError as exc:
            problems.append(str(exc).removesuffix(" Nothing was written."))
    return checker.summary(), report, problems


def vocabulary_of(spill: Spill, names: list[str]) -> list[Violation]:
    """The vocabulary findings of a split input, read one batch at a time (memory bounded by the
    batch): the one-shot check's, since a batch holds all of its subjects' triples (so users
    are counted once) and the index keeps the order the input first names subjects in."""
    ontology = Ontology.get()
    counts: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    firsts: tuple[dict[str, list[Term]], dict[str, list[Term]]] = ({}, {})
    for parts in spill.batches:
        users = term_users(read_batch(parts, names), ontology)
        for count, first, batch in zip(counts, firsts, users, strict=True):
            for term, nodes in batch.items():
                count[term] += len(nodes)
                first.setdefault(term, []).append(nodes[0])
    candidates = {n for first in firsts for nodes in first.values() for n in nodes}
    order = {s: i for i, s in enumerate(spill.subjects) if s in candidates}
    predicates, types = (
        {t: (count[t], min(nodes, key=order.__getitem__)) for t, nodes in first.items()}
        for count, first in zip(counts, firsts, strict=True)
    )
    return vocabulary_findings(predicates, types, ontology)


def ends_only(targets: set[str]) -> Records:
    """Records whose ``targets()`` are ``targets`` (for ``pipeline.check_targets``)."""
    ends: list[RelRow] = [{"start": t, "end": t, "sources": []} for t in sorted(targets)]
    return Records(relationships={"": ends} if ends else {})


def run_stream(
    spill: Spill,
    names: list[str],
    plan: StreamPlan,
    load: LoadInfo,
    *,
    driver: neo4j.Driver,
    database: str,
    phases: Phases,
    origin: OriginOf,
    warmup: Warmup | None = None,
) -> tuple[LoadCounts, ValidationReport, Records]:
    """Pass two (see module doc); raises ``ValidationFailed`` or the one-shot path's errors, after
    the attempt was rolled back."""
    from loaders.pipeline import cannot_hold, check_targets

    with phases.phase("validate"):
        ctx = context(spill, driver, database)
    checker = Checker(spill, names, plan, ctx, origin=origin, phases=phases, writing=True)
    out = checker.out
    beside: Beside[LoadCounts] | None = None
    feed = Feed(lambda: beside is None or not beside.done())

    def write(gate: Gate) -> LoadCounts:
        if warmup is not None:
            with phases.phase("ready store"):
                warmup.wait()
        size = get_settings().civicgraph_batch_size
        return staged_write(
            driver, feed.parts(), load, database=database, batch_size=size, phases=phases, gate=gate
        )

    beside = Beside(write)
    try:
        for k in range(len(spill.batches)):
            part = checker.batch(k)
            if part is not None:
                feed.put(part)
            else:
                feed.close()  # refused: the writer waits at its gate for the verdict
        report = checker.finish()
        if not report.conforms:
            raise ValidationFailed(report, load.source)
        if out.problems:
            raise cannot_hold(out.problems)
        check_targets(ends_only(out.targets), driver, database)
        for path in out.relationships:
            feed.put(checker.sourced(path))
        unreified = len(ctx.reified) - out.used
        if unreified:
            out.skipped[_SKIP_UNREIFIED] += unreified
            feed.put(Records(skipped=Counter({_SKIP_UNREIFIED: unreified})))
        feed.close()
    except BaseException:
        feed.close()
        beside.refuse()
        raise
    counts = beside.accept()
    return counts, report, checker.summary()
