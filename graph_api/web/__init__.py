"""Serving the API over HTTP: the FastAPI app and its lifespan, the GraphQL endpoint with its
request checks, GraphiQL's offline assets, bearer tokens, the request context, uvicorn workers."""
