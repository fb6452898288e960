"""The SDL of the API, as committed in ``graph_api/schema.graphql`` (``civicgraph generate``)."""

from __future__ import annotations

from graph_api.schema.build import build_schema

HEADER = (
    "# The GraphQL schema of Civic Space Graph, generated from ontology/*.ttl by\n"
    "# `civicgraph generate`; do not edit by hand (tests fail when it is stale).\n\n"
)


def render_sdl() -> str:
    return HEADER + build_schema().as_str().rstrip("\n") + "\n"
