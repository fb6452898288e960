"""Pass one of a streamed load: the input split by subject into batch files, and an index.

Shapes need every triple of a focus node together, so the files are re-written, hashed on the
subject, into as many batch files as the load has batches: a batch then holds all of its
subjects' triples wherever they were in the input. What a batch cannot see of the others is kept
in memory, compact: each subject's ``rdf:type`` values (for ``sh:class`` on objects and
relationship ends), the entity IRIs used as objects (for the store look-up), the reification
statements, the data's own ``rdfs:subClassOf`` triples and the triples of the few predicates that
shapes read backwards (``sh:targetObjectsOf``, inverse paths: the uniqueness of codes and
symbols). Its size grows with the number of subjects, not of triples.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import URIRef

from civicgraph.errors import CivicGraphError
from civicgraph.model import CSG_NS, ID_NS, Ontology
from civicgraph.neo4j_runtime import pid_alive
from loaders.engine.facts import Facts, absorb, quads_of, require_file
from loaders.engine.terms import Term, from_ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE, RDF_SUBJECT, STATEMENT = RDF + "type", RDF + "subject", RDF + "Statement"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
FLUSH = 20_000  # triples buffered per batch file before pyoxigraph writes them out


@dataclass
class Spill:
    """The batch files (per batch, one part per input file, in input order) and the index."""

    directory: tempfile.TemporaryDirectory[str]
    batches: list[list[Path]]
    subjects: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # types, first seen
    references: set[str] = field(default_factory=set)
    statements: set[Term] = field(default_factory=set)
    schema: Facts = field(default_factory=Facts)
    values: Facts = field(default_factory=Facts)
    vocabulary_suspect: bool = False
    read: int = 0

    def batch_of(self, subject: Term) -> int:
        return hash(subject) % len(self.batches)

    def close(self) -> None:
        self.directory.cleanup()


class _Splitter:
    def __init__(self, spill: Spill, value_predicates: frozenset[str]) -> None:
        self.spill = spill
        self.value_predicates = value_predicates
        ontology = Ontology.get()
        self.classes = {str(c.iri) for c in ontology.classes.values()}
        self.ontology = ontology
        self.unknown: dict[str, bool] = {}
        self.types: dict[tuple[Term, ...], tuple[Term, ...]] = {}

    def bad_predicate(self, p: str) -> bool:
        bad = self.unknown.get(p)
        if bad is None:
            bad = self.unknown[p] = p.startswith(CSG_NS) and self.ontology.by_iri(URIRef(p)) is None
        return bad

    def split(self, path: Path, index: int, format: str | None) -> None:
        spill, n = self.spill, len(self.spill.batches)
        parts: list[Path] = [spill.batches[k][index] for k in range(n)]
        outs: dict[int, IO[bytes]] = {}
        buffers: list[list[ox.Quad]] = [[] for _ in range(n)]
        subjects, references, values = spill.subjects, spill.references, self.value_predicates
        cache: dict[object, tuple[Term, int]] = {}

        def flush(k: int) -> None:
            out = outs.get(k)
            if out is None:
                out = outs[k] = parts[k].open("wb")
            ox.serialize(buffers[k], out, ox.RdfFormat.N_QUADS)
            buffers[k].clear()

        try:
            for q in quads_of(path, format):
                s, o = q.subject, q.object
                hit = cache.get(s)
                if hit is None:
                    ts = from_ox(s)
                    subjects.setdefault(ts, ())
                    hit = cache[s] = (ts, hash(ts) % n)
                    if len(cache) > 400_000:
                        cache.clear()
                ts, k = hit
                buffer = buffers[k]
                buffer.append(q)
                if len(buffer) >= FLUSH:
                    flush(k)
                spill.read += 1
                p = q.predicate.value
                if p == RDF_TYPE:
                    self.typed(ts, from_ox(o))
                elif type(o) is ox.NamedNode:
                    if o.value.startswith(ID_NS):
                        references.add(o.value)
                    if p == SUBCLASS:
                        spill.schema.add(ts, p, o.value)
                if p in values:
                    spill.values.add(ts, p, from_ox(o))
                if p == RDF_SUBJECT:
                    spill.statements.add(ts)
                if p.startswith(CSG_NS) and self.bad_predicate(p):
                    spill.vocabulary_suspect = True
            for k in range(n):
                if buffers[k]:
                    flush(k)
        except OSError as exc:  # the batch files (reading errors come as CivicGraphError)
            raise CivicGraphError(f"cannot write the batch files of {path} ({exc})") from None
        finally:
            for out in outs.values():
                out.close()

    def typed(self, s: Term, t: Term) -> None:
        spill = self.spill
        known = spill.subjects[s]
        if t in known:
            return
        types = (*known, t)
        spill.subjects[s] = self.types.setdefault(types, types)
        if t == STATEMENT:
            spill.statements.add(s)
        if type(t) is str and t.startswith(CSG_NS) and t not in self.classes:
            spill.vocabulary_suspect = True


PREFIX = "civicgraph-load-"


def sweep_orphans(where: Path | None = None) -> list[Path]:
    """Remove the batch files of streamed loads whose loader is gone (kill -9 skips the clean-up
    of its temporary directory); returns what was removed. A directory whose process lives, or
    whose name does not say which process made it, is left alone."""
    removed: list[Path] = []
    for path in Path(where or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = path.name.removeprefix(PREFIX).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or pid_alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def split(
    files: Iterable[Path],
    batches: int,
    *,
    format: str | None = None,
    value_predicates: frozenset[str] = frozenset(),
) -> Spill:
    """Split ``files`` into ``batches`` batch files by subject and index them (see module doc)."""
    files = list(files)
    for path in files:
        require_file(path)
    sweep_orphans()
    directory = tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")
    root = Path(directory.name)
    parts = [[root / f"b{k}-{i}.nq" for i in range(len(files))] for k in range(batches)]
    spill = Spill(directory, parts)
    splitter = _Splitter(spill, value_predicates)
    try:
        for i, path in enumerate(files):
            splitter.split(path, i, format)
    except BaseException:
        spill.close()
        raise
    return spill


def read_batch(parts: list[Path], names: list[str]) -> Facts:
    """One batch's triples (every triple of its subjects), each subject's origin the first input
    file that names it."""
    facts = Facts()
    for path, name in zip(parts, names, strict=True):
        if path.exists():
            quads = ox.parse(path=path, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=False)
            absorb(facts, quads, name, cache_size=200_000)
    return facts
