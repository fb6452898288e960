"""The query compiler: a root field's whole selection becomes one Cypher query and its answer.

``selection`` reads the requested fields off the GraphQL document (fragments merged with their
type conditions, arguments coerced, ``@skip``/``@include`` applied); ``project`` turns them into
Cypher projections (map literals, ``COLLECT``/``COUNT`` subqueries) with values as parameters,
plus a shaper that turns each returned row into the finished answer (:class:`Prepared` maps,
leaves serialised); ``prepared`` has the executor hand that answer out without walking it field
by field; ``roots`` runs the compiled root fields and ``briefing`` the briefing. Whatever the
compiler does not handle raises :class:`~graph_api.cypher.selection.Unsupported`, and the root
field falls back to the per-field loaders, so every query still has an answer.
"""
