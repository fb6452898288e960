"""One rdflib-neo4j load of one file, for bench/load_rdf.py (runs in var/bench/peer-venv).

rdflib-neo4j's documented set-up: a ``Neo4jStore`` with batching, vocabulary IRIs ignored (local
names as labels and keys, like ours), its own uniqueness constraint, ``Graph.parse`` then close
with commit. It validates nothing and writes in many transactions. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import sys

from rdflib import Graph
from rdflib_neo4j import HANDLE_VOCAB_URI_STRATEGY, Neo4jStore, Neo4jStoreConfig

path = sys.argv[1]
auth = {
    "uri": os.environ["NEO4J_URI"],
    "database": os.environ.get("NEO4J_DATABASE", "neo4j"),
    "user": os.environ.get("NEO4J_USER", "neo4j"),
    "pwd": os.environ.get("NEO4J_PASSWORD", "unused"),
}
config = Neo4jStoreConfig(
    auth_data=auth,
    handle_vocab_uri_strategy=HANDLE_VOCAB_URI_STRATEGY.IGNORE,
    batching=True,
    batch_size=5000,
)
graph = Graph(store=Neo4jStore(config=config))
graph.parse(path, format="nt")
graph.close(True)
with open(path, encoding="utf-8") as fh:
    triples = sum(1 for line in fh if line.strip())
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"triples": triples, "rss_mb": round(rss, 1)}))
