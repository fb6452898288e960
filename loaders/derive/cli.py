"""``civicgraph derive``: add the links declared rules derive (see ``loaders/derive``)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "derive",
        help="Derive resolution -> right/threat links by the declared rule (after loading votes).",
        description="Link General Assembly resolutions of the UN vote data to the rights and "
        "threat types their titles name (loaders/derive/civic_space_resolutions.yaml); each "
        "link cites the rule and its version as its only source.",
    )
    p.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from civicgraph.store import database, open_driver
    from loaders.derive.resolutions import derive

    with open_driver() as driver:
        summary = derive(driver, database())
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"derived {summary['links']} links for {summary['resolutions']} of "
            f"{summary['candidates']} candidate resolutions (rule {summary['rule']})"
        )
    return 0
