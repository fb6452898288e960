"""RDF files read straight into a subject-centred index, without per-triple rdflib objects.

``Facts`` holds, per subject, its predicates and their values (ordered sets, so duplicate triples
count once, as in an rdflib graph), and per object property the subjects that point at each
object (for inverse paths and targets of objects). It is the one structure the fast validator,
the converter to store rows and the store look-ups read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from civicgraph.errors import CivicGraphError
from loaders.engine.terms import Term, from_ox
from loaders.rdf_input import _syntax_message, syntax_for

Values = dict[Term, None]  # an ordered set


@dataclass
class Facts:
    subjects: dict[Term, dict[str, Values]] = field(default_factory=dict)
    triples: int = 0
    origin: dict[Term, str] = field(default_factory=dict)  # first file naming each subject

    def add(self, s: Term, p: str, o: Term) -> None:
        preds = self.subjects.get(s)
        if preds is None:
            preds = self.subjects[s] = {}
        values = preds.get(p)
        if values is None:
            values = preds[p] = {}
        if o not in values:
            values[o] = None
            self.triples += 1

    def discard(self, s: Term, p: str, o: Term) -> None:
        values = self.subjects.get(s, {}).get(p)
        if values is not None and o in values:
            del values[o]
            self.triples -= 1
            if not values:
                del self.subjects[s][p]

    def values(self, s: Term, p: str) -> Values:
        return self.subjects.get(s, {}).get(p, {})

    def objects_of(self, p: str) -> Iterator[tuple[Term, Term]]:
        for s, preds in self.subjects.items():
            for o in preds.get(p, ()):
                yield s, o

    def triples_iter(self) -> Iterator[tuple[Term, str, Term]]:
        for s, preds in self.subjects.items():
            for p, values in preds.items():
                for o in values:
                    yield s, p, o


def absorb(facts: Facts, quads: Iterable[ox.Quad], origin: str, cache_size: int = 400_000) -> int:
    """Add ``quads`` to ``facts``; each new subject's origin is ``origin``. Terms are converted
    once and cached (IRIs repeat a lot); the cache is dropped when it reaches ``cache_size``, and
    literals are only cached while it is half full, so memory stays bounded."""
    cache: dict[object, Term] = {}
    add, origins = facts.add, facts.origin
    n = 0
    for q in quads:
        s, o = q.subject, q.object
        ts = cache.get(s)
        if ts is None:
            ts = cache[s] = from_ox(s)
            origins.setdefault(ts, origin)
        to = cache.get(o)
        if to is None:
            to = from_ox(o)
            if not isinstance(o, ox.Literal) or len(cache) < cache_size // 2:
                cache[o] = to
        add(ts, q.predicate.value, to)
        n += 1
        if len(cache) > cache_size:
            cache.clear()
    return n


def require_file(path: Path) -> None:
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "no such file"
        raise CivicGraphError(f"{path}: {problem}")


def quads_of(path: Path, format: str | None = None) -> Iterator[ox.Quad]:
    """The quads of one RDF file (blank nodes renamed per file); a syntax or read error becomes
    one ``CivicGraphError`` that names the file and where."""
    syntax = syntax_for(path, format)
    try:
        yield from ox.parse(
            path=path,
            format=syntax.oxigraph,
            base_iri=path.resolve().as_uri(),
            rename_blank_nodes=True,
        )
    except SyntaxError as exc:
        raise CivicGraphError(_syntax_message(path, syntax, exc)) from None
    except OSError as exc:
        raise CivicGraphError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def read_file(path: Path, facts: Facts, format: str | None = None, name: str | None = None) -> int:
    """Add one file's triples (named graphs merged) to ``facts``; returns how many it had."""
    require_file(path)
    return absorb(facts, quads_of(path, format), name or str(path))


def read_files(files: Iterable[Path], names: Iterable[str], format: str | None = None) -> Facts:
    facts = Facts()
    for path, name in zip(files, names, strict=True):
        read_file(path, facts, format, name)
    return facts
