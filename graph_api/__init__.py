"""The GraphQL API of Civic Space Graph: strawberry on FastAPI, generated from the ontology.

Entry points: ``graph_api.server.serve(settings)`` (what ``civicgraph serve`` and ``up`` run),
``graph_api.app.create_app(settings)`` (the ASGI app) and ``graph_api.sdl.render_sdl()``.
See docs/API.md.
"""
