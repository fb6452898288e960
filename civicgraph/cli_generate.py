"""``civicgraph generate``: rewrite the committed artifacts derived from the ontology."""

import argparse

from civicgraph.codegen import write_all


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "generate", help="regenerate civicgraph/vocab.py and graph_api/schema.graphql"
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    changed = write_all()
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("generated files are current")
    return 0
