"""Benchmark: load the three real datasets on top of the reference data, timing each step.

    .venv/bin/python bench/load_datasets.py [--data ../shared/data] [--what-if-relaxed-resolutions]

Starts a throwaway Neo4j (temporary directory, free port, 1 GB heap, 512 MB page cache) unless
CIVICGRAPH_BENCH_NEO4J_URI names a server to use (it is wiped first), loads the ontology's
vocabularies and reference/*.ttl, then the #KeepItOn, UN votes and CIVICUS tables through their
shipped mappings, and prints one Markdown table (paste it into bench/RESULTS.md with the command).
Progress bars are drawn when stderr is a terminal.

``--what-if-relaxed-resolutions`` lowers the shapes' requirement of a title and an adoption date
on every resolution to a warning, in this process only, to measure the load the UN votes would be
if that requirement were relaxed (see bench/RESULTS.md); it is not how the project validates.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load_rdf import throwaway_neo4j  # noqa: E402  (beside this script)
from rdflib import SH, URIRef  # noqa: E402

from civicgraph import store  # noqa: E402
from civicgraph.paths import ontology_files, reference_files  # noqa: E402
from civicgraph.settings import Settings  # noqa: E402
from loaders.mapping.load import load_mapping, mapping_for_source  # noqa: E402
from loaders.mapping.run import run_mapping  # noqa: E402
from loaders.pipeline import load_paths  # noqa: E402
from loaders.progress import Phases  # noqa: E402
from loaders.shapes_graph import shapes_graph  # noqa: E402

DATASETS = [
    ("keepiton", "keepiton/stop_2016_2025.csv"),
    ("unvotes", "unvotes/un_votes.csv"),
    ("civicus", "civicus/civicus_2021-03-19.json"),
]
RELAXED = ("Resolution-title", "Resolution-adoptionDate")
# The phases of a table load's summary (loaders/mapping/output.py): the loader's own phases add up
# to the total with "other"; write and commit ran in the write thread, beside the others, for a
# table of several batches ("write (beside)"), in the loader's thread for a table of one.
COLUMNS = (
    "map", "convert", "validate", "match", "hand over", "wait for write", "other", "write",
    "commit",
)  # fmt: skip


def phase(timings: dict[str, float], name: str) -> float:
    return timings.get(name, timings.get(f"{name} (beside)", 0.0))


def relax_resolution_shapes() -> None:
    shapes = shapes_graph()
    for name in RELAXED:
        shape = URIRef("https://w3id.org/civic-space-graph/shapes#" + name)
        shapes.set((shape, SH.severity, SH.Warning))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the mapping process): unlike wall
    time, it hardly changes with what else the machine runs."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(data: Path, settings: Settings, show: bool) -> list[str]:
    driver = store.open_driver(settings)
    db = store.database(settings)
    with driver.session(database=db) as session:  # CALL ... IN TRANSACTIONS needs auto-commit
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
    rows = [
        "| step | rows read | loaded | rejected | skipped | superseded | nodes created "
        "| relationships created | map s | convert s | validate s | match s | hand over s "
        "| wait for write s | other s | write s | commit s | total s | Python CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * 11,
    ]
    before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    began = time.perf_counter()
    summary = load_paths(
        [*ontology_files(), *reference_files()],
        driver=driver,
        database=db,
        phases=Phases(show=show),
    )
    c = summary.counts
    rows.append(
        f"| ontology + reference | | | | | | {c.nodes_created:,} | "
        f"{c.relationships_created:,} |{' |' * len(COLUMNS)} {time.perf_counter() - began:.1f} | |"
    )
    for source, relative in DATASETS:
        path = data / relative
        start, cpu = time.perf_counter(), cpu_seconds()
        report = run_mapping(
            load_mapping(mapping_for_source(source)),
            path,
            driver=driver,
            database=db,
            phases=Phases(show=show),
        )
        total = time.perf_counter() - start
        t, w = report.timings, report.written
        rows.append(
            f"| {source} | {report.rows_read:,} | {report.rows_mapped:,} "
            f"| {len(report.rejected):,} "
            f"| {sum(report.skipped.values()):,} | {len(report.superseded):,} "
            f"| {w.get('nodesCreated', 0):,} | {w.get('relationshipsCreated', 0):,} "
            f"| {' | '.join(f'{phase(t, name):.1f}' for name in COLUMNS)} "
            f"| {total:.1f} | {cpu_seconds() - cpu:.1f} |"
        )
        print(report.format(limit=5), file=sys.stderr)
    rows.append(f"| all |{' |' * (7 + len(COLUMNS))} {time.perf_counter() - began:.1f} | |")
    after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows.append(f"\nload average (1, 5, 15 min) before: {before}; after: {after}")
    rows.append(f"\npeak RSS of the Python process: {peak_rss_mb():,.0f} MB")
    driver.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--what-if-relaxed-resolutions", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="No progress bars.")
    args = parser.parse_args()
    if not (args.data / DATASETS[0][1]).is_file():
        print(f"no datasets under {args.data}", file=sys.stderr)
        return 2
    if args.what_if_relaxed_resolutions:
        relax_resolution_shapes()
    with throwaway_neo4j() as client:  # or CIVICGRAPH_BENCH_NEO4J_URI
        print("\n".join(run(args.data, client, not args.quiet)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
