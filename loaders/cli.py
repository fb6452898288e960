"""``civicgraph validate|load|stats|up``: the loader from the shell.

Exit codes: 0 success, 1 data problems (violations, malformed RDF, missing targets; nothing is
written), 2 configuration, 3 store unavailable (from ``civicgraph.store.open_driver``).
The loader (pyshacl, rdflib, the driver) is imported inside the commands: every ``civicgraph``
command builds this parser, and importing the loader up front would add half a second to each.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civicgraph.errors import StoreUnavailable
from civicgraph.paths import ontology_files, reference_files
from civicgraph.settings import Settings, get_settings
from loaders.progress import BAR_THRESHOLD_BYTES
from loaders.table_cli import add_load_options, run_table_load, wants_table

if TYPE_CHECKING:
    import neo4j

    from loaders.pipeline import LoadSummary
    from loaders.progress import Phases


def register(subparsers: Any) -> None:
    validate = subparsers.add_parser(
        "validate",
        help="Check RDF files against the shapes (store-aware when Neo4j answers).",
        description="Parse and validate RDF files without writing. IRIs the files name but do "
        "not type are looked up in the store when it is reachable.",
    )
    _paths(validate)
    validate.add_argument("--no-store", action="store_true", help="Do not consult the store.")
    validate.add_argument(
        "--reference",
        action="store_true",
        help="Validate with pyshacl alone (the reference implementation; slower) instead of the "
        "compiled shapes the loader uses.",
    )
    validate.set_defaults(func=_validate)

    load = subparsers.add_parser(
        "load",
        help="Validate RDF files together and write them in one transaction.",
        description="Validate all files together; write them in one transaction only if they "
        "conform. On violations the report is printed, nothing is written and the exit code is 1.",
    )
    _paths(load)
    load.add_argument("--json", action="store_true", help="Print the load summary as JSON.")
    add_load_options(load)
    load.set_defaults(func=_load)

    stats = subparsers.add_parser("stats", help="Count nodes per label and relationships per type.")
    stats.add_argument("--json", action="store_true", help="Print the counts as JSON.")
    stats.set_defaults(func=_stats)

    up = subparsers.add_parser(
        "up",
        help="Start the store if needed, load the vocabularies and reference data, serve the API.",
        description="Ensure Neo4j runs (local, or NEO4J_URI checked), load the ontology's "
        "individuals and reference/*.ttl in one transaction, then serve the GraphQL API "
        "(CIVICGRAPH_API_HOST:CIVICGRAPH_API_PORT) until interrupted.",
    )
    up.add_argument("--quiet", action="store_true", help="No progress bars; one summary line.")
    up.add_argument(
        "--no-serve", action="store_true", help="Stop after loading instead of serving the API."
    )
    up.set_defaults(func=_up)

    from loaders.matching.cli import register as register_matches

    register_matches(subparsers)


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="RDF files or directories (searched for RDF files).",
    )
    parser.add_argument(
        "--format",
        help="RDF syntax of every file (default: from extension): "
        "turtle, nt, nquads, trig, json-ld, xml.",
    )
    parser.add_argument("--quiet", action="store_true", help="No progress bars.")


def _phases(args: argparse.Namespace, paths: list[Path]) -> Phases:
    from loaders.progress import Phases

    size = sum(p.stat().st_size for p in paths if p.is_file())
    return Phases(show=not args.quiet and size >= BAR_THRESHOLD_BYTES)


def _validate(args: argparse.Namespace) -> int:
    from loaders.pipeline import check_paths
    from loaders.rdf_input import rdf_files

    files = rdf_files(args.paths)
    driver = None if args.no_store else _try_driver()
    try:
        with _phases(args, files) as phases:
            checked = check_paths(
                files, driver=driver, format=args.format, phases=phases, reference=args.reference
            )
    finally:
        if driver is not None:
            driver.close()
    print(checked.report.format(checked.source))
    if checked.report.conforms and checked.problems:
        print("The store cannot hold this data as given:")
        print("\n".join(f"  {p}" for p in checked.problems))
    if not args.quiet:
        mode = "store-aware" if checked.report.store_aware else "without store lookups"
        print(f"({checked.triples:,} triples, validated {mode})", file=sys.stderr)
    return 0 if checked.ok else 1


def _try_driver() -> neo4j.Driver | None:
    from civicgraph.store import open_driver

    try:
        return open_driver(get_settings())
    except StoreUnavailable as exc:
        print(f"note: validating without the store ({exc})", file=sys.stderr)
        return None


def _load(args: argparse.Namespace) -> int:
    if wants_table(args):
        return run_table_load(args)
    from civicgraph.store import open_driver
    from loaders.pipeline import ValidationFailed, load_paths
    from loaders.rdf_input import rdf_files

    files = rdf_files(args.paths)
    driver = open_driver(get_settings())
    try:
        with _phases(args, files) as phases:
            summary = load_paths(files, driver=driver, format=args.format, phases=phases)
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return 1
    finally:
        driver.close()
    _print_summary(summary, as_json=args.json, quiet=args.quiet)
    return 0


def _print_summary(summary: LoadSummary, *, as_json: bool = False, quiet: bool = False) -> None:
    if as_json:
        print(json.dumps(summary.as_dict(), sort_keys=True))
    elif quiet:
        print(summary.format().splitlines()[0])
    else:
        print(summary.format())


def store_stats(driver: neo4j.Driver, database: str) -> dict[str, dict[str, int]]:
    """Nodes per label and relationships per type."""
    from loaders import cypher
    from loaders.writer import read

    labels = read(driver, database, cypher.label_counts())
    types = read(driver, database, cypher.relationship_counts())
    return {
        "labels": {r["label"]: r["count"] for r in labels},
        "relationships": {r["type"]: r["count"] for r in types},
    }


def _stats(args: argparse.Namespace) -> int:
    from civicgraph.store import database, open_driver

    settings = get_settings()
    driver = open_driver(settings)
    try:
        stats = store_stats(driver, database(settings))
    finally:
        driver.close()
    if args.json:
        print(json.dumps(stats, sort_keys=True))
        return 0
    for title, counts in (
        ("Nodes per label", stats["labels"]),
        ("Relationships per type", stats["relationships"]),
    ):
        print(f"{title}:")
        width = max((len(k) for k in counts), default=0)
        print("\n".join(f"  {k:<{width}}  {v:>9,}" for k, v in counts.items()) or "  (none)")
    return 0


def bring_up(settings: Settings, *, quiet: bool = False) -> LoadSummary:
    """Make sure the store runs, then load the ontology's individuals and the reference data
    in one load. This is the data half of ``civicgraph up``; serving comes after it returns."""
    from civicgraph.neo4j_local import ensure_running
    from civicgraph.store import open_driver
    from loaders.pipeline import load_paths
    from loaders.progress import Phases

    ensure_running(settings)
    files = [*ontology_files(), *reference_files()]
    driver = open_driver(settings)
    try:
        with Phases(show=not quiet) as phases:
            return load_paths(files, driver=driver, phases=phases)
    finally:
        driver.close()


def _up(args: argparse.Namespace) -> int:
    from loaders.pipeline import ValidationFailed

    settings = get_settings()
    try:
        summary = bring_up(settings, quiet=args.quiet)
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return 1
    _print_summary(summary, quiet=args.quiet)
    if args.no_serve:
        return 0
    from graph_api.web.server import serve

    print(
        f"Serving the GraphQL API at http://{settings.civicgraph_api_host}:"
        f"{settings.civicgraph_api_port}/graphql (Ctrl-C to stop; Neo4j keeps running).",
        flush=True,
    )
    serve(settings)
    return 0
