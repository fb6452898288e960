"""The query compiler: a root field's whole selection becomes one Cypher query.

``selection`` reads the requested fields off the GraphQL document (fragments merged, arguments
coerced, ``@skip``/``@include`` applied); ``project`` turns them into Cypher projections (map
literals, ``COLLECT``/``COUNT`` subqueries) with values as parameters, plus a shaper that turns
each returned row into :class:`~graph_api.cypher.prepared.Prepared` values; ``prepared`` installs
resolvers that only read those values; ``roots`` runs the compiled root fields. Whatever the
compiler does not handle raises :class:`~graph_api.cypher.selection.Unsupported`, and the root
field falls back to the per-field loaders, so every query still has an answer.
"""
