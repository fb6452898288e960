"""``civicgraph serve``: the GraphQL API over the running store."""

from __future__ import annotations

import argparse
import sys

from civicgraph.settings import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the GraphQL API (GraphiQL at /graphql, SDL at /schema.graphql)",
        description="Serve the GraphQL API at http://HOST:PORT/graphql over the Neo4j named by "
        "the settings (NEO4J_URI, or the local one started with `civicgraph neo4j start`).",
    )
    settings = get_settings()
    p.add_argument("--host", default=settings.civicgraph_api_host, help="default: %(default)s")
    p.add_argument(
        "--port", type=int, default=settings.civicgraph_api_port, help="default: %(default)s"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: CIVICGRAPH_API_WORKERS, else one per core, at most 4)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from graph_api.web.server import serve

    if args.workers is not None and args.workers < 1:
        print("civicgraph serve: --workers must be 1 or more", file=sys.stderr)
        return 2
    serve(get_settings(), host=args.host, port=args.port, workers=args.workers)
    return 0
