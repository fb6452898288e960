"""The load benchmark's workload: the project's own data, exported, then scaled (copied incidents).

The copies keep the shape of real data (real #KeepItOn incidents with their sources and
reifications) and point at the same shared countries, rights, threats and actors, as a bigger
dataset would. Only incidents, their reifications and the sources only incidents cite are copied.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from civicgraph import store
from civicgraph.iris import mint
from civicgraph.model import CSG_NS, ID_NS
from civicgraph.paths import ROOT, ontology_files, reference_files
from civicgraph.settings import Settings
from loaders.mapping.load import load_mapping, mapping_for_source
from loaders.mapping.run import run_mapping
from loaders.pipeline import load_paths

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_SUBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"
SOURCE = "http://purl.org/dc/terms/source"
INCIDENT = CSG_NS + "Incident"


def load_base(data: Path, settings: Settings, out: Path) -> None:
    """Reference data and the real #KeepItOn table into the store, then exported as N-Triples."""
    driver = store.open_driver(settings)
    db = store.database(settings)
    try:
        load_paths([*ontology_files(), *reference_files()], driver=driver, database=db)
        mapping = load_mapping(mapping_for_source("keepiton"))
        run_mapping(mapping, data / "keepiton" / "stop_2016_2025.csv", driver=driver, database=db)
    finally:
        driver.close()
    env = {
        **os.environ,
        "NEO4J_URI": str(settings.neo4j_uri),
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "civicgraph.cli",
            "export",
            "--format",
            "ntriples",
            "--output",
            str(out),
        ],
        env=env,
        cwd=ROOT,
        check=True,
    )


def split(
    triples: list[ox.Triple],
) -> tuple[list[ox.Triple], list[list[ox.Triple]], list[ox.Triple], set[ox.Term]]:
    """(shared triples, one group per incident with its reifications, triples of the sources only
    incidents cite, the subjects that copies rename)."""
    incidents = {
        t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object.value == INCIDENT
    }
    reified = {t.subject: t.object for t in triples if t.predicate.value == RDF_SUBJECT}
    owner = {s: o for s, o in reified.items() if o in incidents}
    cited_by_incidents, cited_elsewhere = set(), set()
    for t in triples:
        if t.predicate.value == SOURCE:
            mine = t.subject in incidents or t.subject in owner
            (cited_by_incidents if mine else cited_elsewhere).add(t.object)
    sources = cited_by_incidents - cited_elsewhere
    groups: dict[ox.Term, list[ox.Triple]] = defaultdict(list)
    shared, source_triples = [], []
    for t in triples:
        if t.subject in incidents:
            groups[t.subject].append(t)
        elif t.subject in owner:
            groups[owner[t.subject]].append(t)
        elif t.subject in sources:
            source_triples.append(t)
        else:
            shared.append(t)
    renamed = incidents | set(owner) | sources
    return shared, list(groups.values()), source_triples, renamed


def _renamer(renamed: set[ox.Term], copy: int) -> dict[ox.Term, ox.Term]:
    out: dict[ox.Term, ox.Term] = {}
    for term in renamed:
        if isinstance(term, ox.NamedNode):
            out[term] = ox.NamedNode(
                str(mint("bench-copy", copy, *term.value[len(ID_NS) :].split("/")))
            )
        else:
            out[term] = ox.BlankNode(f"{term.value}c{copy}")
    return out


def _line(t: ox.Triple, names: dict[ox.Term, ox.Term]) -> str:
    s = names.get(t.subject, t.subject)
    o = names.get(t.object, t.object)
    return f"{s} {t.predicate} {o} .\n"


def write_scaled(base: Path, out: Path, target: int) -> int:
    """The export, then renamed copies of the incidents (and their sources) up to ``target``
    triples, cut only between incidents; returns the number of triples written."""
    triples = list(ox.parse(path=base, format=ox.RdfFormat.N_TRIPLES))
    shared, groups, sources, renamed = split(triples)
    written = 0
    with out.open("w", encoding="utf-8") as fh:
        fh.write("".join(_line(t, {}) for t in shared))
        written = len(shared)
        copy = 0
        while written < target:
            names = _renamer(renamed, copy) if copy else {}
            copy += 1
            fh.write("".join(_line(t, names) for t in sources))
            written += len(sources)
            for group in groups:
                if written >= target:
                    break
                fh.write("".join(_line(t, names) for t in group))
                written += len(group)
    return written


def build_files(data: Path, settings: Settings, work: Path, sizes: dict[str, int]) -> None:
    base = work / "base.nt"
    load_base(data, settings, base)
    for name, target in sizes.items():
        n = write_scaled(base, work / f"load-{name}.nt", target)
        print(f"{work / f'load-{name}.nt'}: {n:,} triples", file=sys.stderr)
