"""The GraphQL schema generated from the ontology: type shapes, entity types, scalars and inputs,
the printed SDL, and the limits every request is held to (depth, aliases, tokens, text)."""
