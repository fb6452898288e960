"""Declarative table mappings: YAML (``loaders/mappings/*.yaml``) in, validated graph data out.

``load.load_mapping`` reads and checks a mapping, ``engine.Engine`` turns a table into batches of
RDF, ``run.run_mapping`` validates and writes them; see README.md here for the format.
"""
