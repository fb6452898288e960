"""One load of one file, in its own process, for bench/load_rdf.py: ``ours`` or ``raw``.

Prints one JSON line: triples and peak RSS (this process and its workers, MB).

``ours`` is ``civicgraph load`` (parse, validate, write, all or nothing). ``raw`` is the ceiling
a store-side writer reaches with no checks at all: pyoxigraph parse, rows grouped by label set and
relationship type (the same rows as ours: one node per typed subject, literals as properties,
one relationship per object-property triple), ``UNWIND ... MERGE`` in batches of 5,000, one
transaction per batch. It checks nothing and promises nothing about failures.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import resource
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from civicgraph import store
from civicgraph.model import Ontology
from civicgraph.settings import get_settings

BATCH = 5000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def ours(path: Path) -> int:
    from civicgraph.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["load", "--quiet", "--json", str(path)])
    if code != 0:
        raise SystemExit(code)
    gc.freeze()  # and exit as the ``civicgraph`` command does (``civicgraph.cli.run``)
    # The load's own count of the triples it read, not a second parse of the file in the timed
    # process (the peer and raw tools parse once too).
    return int(json.loads(out.getvalue().strip().splitlines()[-1])["counts"]["triples"])


def raw_rows(
    path: Path,
) -> tuple[int, dict[tuple[str, ...], list[dict[str, Any]]], dict[str, list[dict[str, str]]]]:
    ontology = Ontology.get()
    classes = {str(c.iri): name for name, c in ontology.classes.items()}  # str: URIRef hashes apart
    props = {str(p.iri): p for p in ontology.properties.values()}
    types: dict[str, set[str]] = defaultdict(set)
    literals: dict[str, dict[str, Any]] = defaultdict(dict)
    rels: dict[str, list[dict[str, str]]] = defaultdict(list)
    n = 0
    for t in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES):
        n += 1
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == RDF_TYPE:
            if o.value in classes:
                types[s].add(classes[o.value])
        elif (prop := props.get(p)) is not None:
            if prop.is_relationship:
                rels[prop.rel_type].append({"start": s, "end": o.value})
            elif isinstance(o, ox.Literal):
                literals[s][prop.name] = o.value
    nodes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for s, labels in types.items():
        nodes[tuple(sorted(labels))].append({"iri": s, "props": literals.get(s, {})})
    return n, nodes, {k: v for k, v in rels.items()}


def _batches(session: Any, query: str, rows: list[Any]) -> None:
    for i in range(0, len(rows), BATCH):
        batch = rows[i : i + BATCH]
        session.execute_write(lambda tx, b=batch: tx.run(query, rows=b).consume())


def raw(path: Path) -> int:
    n, nodes, rels = raw_rows(path)
    settings = get_settings()
    driver = store.open_driver(settings)
    db = store.database(settings)
    try:
        with driver.session(database=db) as session:
            session.run(
                "CREATE CONSTRAINT resource_iri IF NOT EXISTS "
                "FOR (n:Resource) REQUIRE n.iri IS UNIQUE"
            ).consume()
            for labels, rows in nodes.items():
                text = "".join(f":`{x}`" for x in labels)
                _batches(
                    session,
                    f"UNWIND $rows AS row MERGE (n:Resource {{iri: row.iri}}) "
                    f"SET n{text}, n += row.props",
                    rows,
                )
            for rel_type, rows in rels.items():
                _batches(
                    session,
                    "UNWIND $rows AS row MATCH (a:Resource {iri: row.start}) "
                    f"MATCH (b:Resource {{iri: row.end}}) MERGE (a)-[:`{rel_type}`]->(b)",
                    rows,
                )
    finally:
        driver.close()
    return n


if __name__ == "__main__":
    tool, file = sys.argv[1], Path(sys.argv[2])
    triples = {"ours": ours, "raw": raw}[tool](file)
    print(json.dumps({"triples": triples, "rss_mb": round(peak_rss_mb(), 1)}))
