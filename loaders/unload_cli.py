"""``civicgraph unload LOAD_IRI [--dry-run] [--force] [--json]``: retract one load.

Exit codes: 0 unloaded (or planned, with ``--dry-run``); 1 refused (no such load, the reference
data without ``--force``, or the store refused the transaction; nothing changed); 3 store
unavailable.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from civicgraph.settings import get_settings


def register(subparsers: Any) -> None:
    unload = subparsers.add_parser(
        "unload",
        help="Retract one load: remove what only it asserted, restore what it overwrote.",
        description="Remove the nodes, relationships, value statements, match and source records "
        "that only this load asserted, take it out of the `loads` of what other loads assert "
        "too, restore values it overwrote from their value statements, and delete the Load node; "
        "in one transaction. The reference data is refused unless --force.",
    )
    unload.add_argument("load", metavar="LOAD_IRI", help="The Load's IRI (see `loads`).")
    unload.add_argument(
        "--dry-run",
        action="store_true",
        help="Print what would go (counts, examples); change nothing.",
    )
    unload.add_argument("--force", action="store_true", help="Allow unloading the reference data.")
    unload.add_argument("--json", action="store_true", help="Print the plan as JSON.")
    unload.set_defaults(func=_unload)


def _unload(args: argparse.Namespace) -> int:
    from civicgraph.store import database, open_driver
    from loaders.unload import unload

    settings = get_settings()
    driver = open_driver(settings)
    try:
        plan = unload(driver, database(settings), args.load, force=args.force, dry_run=args.dry_run)
    finally:
        driver.close()
    print(json.dumps(plan.as_json(), sort_keys=True) if args.json else plan.format())
    return 0
