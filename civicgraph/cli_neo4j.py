"""``civicgraph neo4j fetch|start|stop|status``: the local Neo4j from the shell.

``status`` exits 0 only when the server really answers, so scripts can gate on it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from civicgraph import neo4j_local
from civicgraph.settings import get_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "neo4j",
        help="Manage the local Neo4j (unless NEO4J_URI points at another server).",
        description="Fetch, start, stop and inspect the project's local Neo4j.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    fetch = actions.add_parser("fetch", help="Download Neo4j's jars from Maven Central (once).")
    fetch.set_defaults(func=_fetch)
    for name, func, text in (
        ("start", _start, "Start the local Neo4j and wait until Bolt answers."),
        ("stop", _stop, "Stop the local Neo4j cleanly."),
        ("status", _status, "Exit 0 when Neo4j answers on Bolt, 1 otherwise."),
    ):
        sub = actions.add_parser(name, help=text, description=text)
        sub.add_argument("--json", action="store_true", help="Print the result as JSON.")
        sub.set_defaults(func=func)


def _fetch(args: argparse.Namespace) -> int:
    print(neo4j_local.fetch(get_settings()))
    return 0


def _start(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.local:
        uri = neo4j_local.ensure_running(settings)
        return _report(args, neo4j_local.Status(True, uri, f"NEO4J_URI is set; using {uri}, "
                                                "nothing started", managed=False))  # fmt: skip
    return _report(args, neo4j_local.start(settings))


def _stop(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.local:
        detail = f"NEO4J_URI is set ({settings.bolt_uri}); no local Neo4j to stop"
        return _report(args, neo4j_local.Status(False, settings.bolt_uri, detail, managed=False))
    return _report(args, neo4j_local.stop(settings))


def _status(args: argparse.Namespace) -> int:
    state = neo4j_local.status(get_settings())
    _report(args, state)
    return 0 if state.running else 1


def _report(args: argparse.Namespace, state: neo4j_local.Status) -> int:
    if args.json:
        print(json.dumps(state.as_dict(), sort_keys=True))
    else:
        print(f"neo4j: {state.detail}")
    return 0
