"""Benchmark and worked example: a matched load of a research copy derived from the real #KeepItOn
file onto the #KeepItOn incidents (issue 11).

    .venv/bin/python bench/match_load.py [--data ../shared/data] [--rows 2000]

Starts a throwaway Neo4j (temporary directory, free port, 1 GB heap) unless
CIVICGRAPH_BENCH_NEO4J_URI names a server to use (it is wiped first), loads the ontology's
vocabularies, reference/*.ttl and the real #KeepItOn file, writes the first ``--rows`` rows of
the DERIVED copy (loaders/mappings/examples/derive_research_copy.py) to a temporary file, loads
it through loaders/mappings/examples/research_copy.yaml (match: same-shutdown), and prints the
figures (rows matched, created, ambiguous) and the times as Markdown.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "loaders" / "mappings" / "examples"))

from derive_research_copy import derive  # noqa: E402  (beside the example mapping)
from load_rdf import throwaway_neo4j  # noqa: E402  (beside this script)

from civicgraph import store  # noqa: E402
from civicgraph.paths import ontology_files, reference_files  # noqa: E402
from civicgraph.settings import Settings  # noqa: E402
from loaders.mapping.load import load_mapping, mapping_for_source  # noqa: E402
from loaders.mapping.run import run_mapping  # noqa: E402
from loaders.pipeline import load_paths  # noqa: E402

KEEPITON = "keepiton/stop_2016_2025.csv"
EXAMPLE = ROOT / "loaders" / "mappings" / "examples" / "research_copy.yaml"


def _count(driver, db: str, query: str) -> int:  # type: ignore[no-untyped-def]
    records, _, _ = driver.execute_query(query, database_=db)
    return int(records[0][0])


def run(data: Path, rows: int | None, settings: Settings) -> list[str]:
    driver = store.open_driver(settings)
    db = store.database(settings)
    with driver.session(database=db) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
    load_paths([*ontology_files(), *reference_files()], driver=driver, database=db)
    first = run_mapping(
        load_mapping(mapping_for_source("keepiton")), data / KEEPITON, driver=driver, database=db
    )
    incidents = _count(driver, db, "MATCH (n:Incident) RETURN count(n)")
    with tempfile.TemporaryDirectory(prefix="civicgraph-copy-") as folder:
        copy = Path(folder) / "second.csv"
        written = derive(data / KEEPITON, copy, rows)
        start = time.perf_counter()
        report = run_mapping(load_mapping(EXAMPLE), copy, driver=driver, database=db)
        total = time.perf_counter() - start
    after = _count(driver, db, "MATCH (n:Incident) RETURN count(n)")
    both = _count(
        driver,
        db,
        "MATCH (n:Incident)-[:SOURCE]->(:Dataset {iri: "
        "'https://w3id.org/civic-space-graph/id/dataset/keepiton-research-copy'}) "
        "MATCH (n)-[:SOURCE]->(:Dataset {iri: "
        "'https://w3id.org/civic-space-graph/id/dataset/access-now-keepiton-stop'}) "
        "RETURN count(DISTINCT n)",
    )
    driver.close()
    m = report.matching or {}
    t = report.timings
    print(report.format(limit=5), file=sys.stderr)
    return [
        f"#KeepItOn loaded: {first.rows_read:,} rows, {incidents:,} incidents",
        "",
        "| copy rows | read | mapped (written) | rejected | superseded | matched | created "
        "| ambiguous | value statements | incidents before -> after | both datasets "
        "| map s | validate s | match s | write s | total s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
        f"| {written:,} | {report.rows_read:,} | {report.rows_mapped:,} "
        f"| {len(report.rejected):,} | {len(report.superseded):,} | {m.get('matched', 0):,} "
        f"| {after - incidents:,} | {len(m.get('ambiguous', [])):,} "
        f"| {m.get('value_statements', 0):,} | {incidents:,} -> {after:,} | {both:,} "
        f"| {t.get('map', 0):.1f} | {t.get('validate', 0):.1f} | {t.get('match', 0):.1f} "
        f"| {t.get('write', 0):.1f} | {total:.1f} |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=None, help="first N rows of the copy")
    args = parser.parse_args()
    if not (args.data / KEEPITON).is_file():
        print(f"no #KeepItOn file under {args.data}", file=sys.stderr)
        return 2
    with throwaway_neo4j() as client:  # or CIVICGRAPH_BENCH_NEO4J_URI
        print("\n".join(run(args.data, args.rows, client)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
