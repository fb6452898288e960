"""``civicgraph export`` and the table half of ``civicgraph load`` (``--source``/``--mapping``).

``civicgraph load`` belongs to ``loaders/cli.py``; it hands tables to ``run_table_load`` (see
``add_load_options`` for the options it adds), so RDF files and tables share one command.
Exit codes: 0 loaded; 1 data problems (columns that do not match, rows rejected under
``--strict``, shape violations; nothing written); 2 a broken mapping; 3 store unavailable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from civicgraph.errors import CivicGraphError
from civicgraph.settings import get_settings
from loaders.progress import BAR_THRESHOLD_BYTES, Phases

SOURCES = ("keepiton", "unvotes", "civicus")


def register(subparsers: Any) -> None:
    export = subparsers.add_parser(
        "export",
        help="Write the graph, or one entity's neighbourhood, as RDF.",
        description="Export the store as RDF that validates against the shapes and loads back "
        "unchanged: the whole graph, or with --from the entities within --depth links of one "
        "entity (plus everything they point at).",
    )
    export.add_argument("--format", choices=["turtle", "jsonld", "ntriples"], default="turtle")
    export.add_argument("--from", dest="root", metavar="IRI", help="Export around this entity.")
    export.add_argument("--depth", type=int, default=1, help="Links to follow from --from (1).")
    export.add_argument("--output", type=Path, help="File to write (default: standard output).")
    export.set_defaults(func=_export)


def add_load_options(load: argparse.ArgumentParser) -> None:
    """The table options of ``civicgraph load`` (called by loaders/cli.py)."""
    group = load.add_argument_group("tables (CSV, XLSX, JSON) through a declarative mapping")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument(
        "--source", choices=SOURCES, help="Use the shipped mapping of this dataset."
    )
    choice.add_argument("--mapping", type=Path, metavar="M.yaml", help="Use this mapping file.")
    group.add_argument(
        "--sheet",
        metavar="NAME",
        help="The sheet of an XLSX workbook to load (required when it has several).",
    )
    group.add_argument(
        "--strict",
        action="store_true",
        help="Any rejected row fails the whole load; nothing is written.",
    )
    group.add_argument(
        "--dry-run",
        action="store_true",
        help="Map and validate (against the store) but write nothing.",
    )
    group.add_argument(
        "--reference",
        action="store_true",
        help="Map, validate and convert through rdflib and pyshacl (the reference "
        "implementation; much slower) instead of the compiled shapes.",
    )
    group.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="Also write the full report (every rejected row) as JSON.",
    )


def wants_table(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "source", None) or getattr(args, "mapping", None))


def run_table_load(args: Any) -> int:
    """Load one table: ``args`` has ``paths`` (one table), ``source`` or ``mapping``, and
    optionally ``strict``, ``dry_run``, ``report``, ``quiet``, ``json``. Returns the exit code."""
    from civicgraph.store import open_driver
    from loaders.mapping.load import load_mapping, mapping_for_source, resolve_table, with_sheet
    from loaders.mapping.run import LoadRefused, run_mapping
    from loaders.validate import ValidationFailed

    paths = [Path(p) for p in args.paths]
    if len(paths) != 1:
        raise CivicGraphError(f"a mapping loads one table at a time; got {len(paths)} paths")
    mapping = load_mapping(mapping_for_source(str(getattr(args, "mapping", None) or args.source)))
    table = resolve_table(mapping, paths[0])
    if getattr(args, "sheet", None):
        mapping = with_sheet(mapping, table, args.sheet)
    quiet = bool(getattr(args, "quiet", False))
    size = table.stat().st_size if table.is_file() else 0
    driver = open_driver(get_settings())
    try:
        with Phases(show=not quiet and size >= BAR_THRESHOLD_BYTES) as phases:
            report = run_mapping(
                mapping,
                table,
                driver=driver,
                strict=bool(getattr(args, "strict", False)),
                dry_run=bool(getattr(args, "dry_run", False)),
                phases=phases,
                use_reference=bool(getattr(args, "reference", False)),
            )
        code = 0
    except LoadRefused as exc:
        report, code = exc.report, 1
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return 1
    finally:
        driver.close()
    if getattr(args, "report", None):
        Path(args.report).write_text(json.dumps(report.to_json(), indent=1, default=str))
    if getattr(args, "json", False):
        print(json.dumps(report.to_json(), default=str))
    else:
        print(report.format(), file=sys.stderr if code else sys.stdout)
    return code


def _export(args: argparse.Namespace) -> int:
    from civicgraph.store import open_driver
    from loaders.export import export_to

    driver = open_driver(get_settings())
    try:
        count = export_to(
            args.output, driver=driver, fmt=args.format, root=args.root, depth=args.depth
        )
    finally:
        driver.close()
    if args.output is not None:
        print(f"wrote {count:,} triples to {args.output}", file=sys.stderr)
    return 0
