"""Matching a table's rows to nodes already in the store, and keeping every source's values
(``match:`` in a mapping; the model is in docs/PROVENANCE.md)."""
