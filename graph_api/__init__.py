"""The GraphQL API of Civic Space Graph: strawberry on FastAPI, generated from the ontology.

Entry points: ``graph_api.web.server.serve(settings)`` (what ``civicgraph serve`` and ``up`` run),
``graph_api.web.app.create_app(settings)`` (the ASGI app) and ``graph_api.schema.sdl.render_sdl()``.
See docs/API.md.
"""
