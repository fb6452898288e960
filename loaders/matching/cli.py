"""``civicgraph matches LOAD_IRI [--json]``: what a table load matched, and what it could not.

Reads the ``csg:Match`` records of one load (docs/PROVENANCE.md): for each row the node it was
written onto, the rule, the score and the fields compared, then the ambiguous rows with their
candidates, so a researcher can audit a merge of two sources without reading Cypher.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from civicgraph.errors import CivicGraphError


class UnknownLoad(CivicGraphError):
    """The IRI names no Load in the store."""


def register(subparsers: Any) -> None:
    matches = subparsers.add_parser(
        "matches",
        help="List the rows a table load matched to existing nodes, and the ambiguous ones.",
        description="For the load LOAD_IRI (printed by `civicgraph load` as 'written as ...'): "
        "each matched row with the node it was written onto, the rule, the score and the fields "
        "compared; then each ambiguous row (not written) with its candidates.",
    )
    matches.add_argument("load", metavar="LOAD_IRI", help="The IRI of the Load node.")
    matches.add_argument("--json", action="store_true", help="Print the matches as JSON.")
    matches.set_defaults(func=_matches)


def read_matches(driver: Any, database: str, load: str) -> list[dict[str, Any]]:
    """The match records of ``load``; raises ``UnknownLoad`` when there is no such Load."""
    from loaders.matching import cypher as mc
    from loaders.writer import read

    found = read(driver, database, mc.load_exists(load))
    if not found or found[0]["iri"] is None:
        raise UnknownLoad(
            f"no load {load} in the store: give the IRI a table load printed ('written as "
            "https://w3id.org/civic-space-graph/id/load/...')"
        )
    return [dict(r) for r in read(driver, database, mc.matches_of(load))]


def _matches(args: argparse.Namespace) -> int:
    from civicgraph.settings import get_settings
    from civicgraph.store import database, open_driver

    settings = get_settings()
    driver = open_driver(settings)
    try:
        rows = read_matches(driver, database(settings), args.load)
    finally:
        driver.close()
    matched = [r for r in rows if r["outcome"] == "matched"]
    ambiguous = [r for r in rows if r["outcome"] == "ambiguous"]
    if args.json:
        print(json.dumps({"load": args.load, "matched": matched, "ambiguous": ambiguous}))
        return 0
    print(f"{args.load}: {len(matched):,} rows matched, {len(ambiguous):,} ambiguous")
    for r in matched:
        print(f"  row {r['row']} of {r['file']} -> <{r['node']}> ({r['nodeLabel']})")
        print(f"    rule {r['rule']}, score {r['score']}: " + "; ".join(r["compared"] or []))
    for r in ambiguous:
        print(f"  row {r['row']} of {r['file']}: ambiguous, not written; candidates:")
        print("\n".join(f"    <{c}>" for c in r["candidates"]))
    return 0
