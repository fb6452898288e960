"""The reference path for table loads (``civicgraph load --reference``): rdflib and pyshacl.

Each batch's facts become an rdflib graph, look-alike votes are grouped on that graph
(``compress.group``), pyshacl validates it (``loaders.validate``) and ``loaders.records`` converts
it: the path the table loads took before the fast path, kept so that anyone can check a load
against the reference implementation, and so that ``tests/test_mapping_fastpath.py`` can hold
the fast path to the same rejections and the same records.
"""

from __future__ import annotations

import neo4j
from rdflib import RDF, Graph, URIRef

from loaders.engine.terms import to_rdflib
from loaders.mapping.checks import Members, profile, reject_rows
from loaders.mapping.compress import group
from loaders.mapping.engine import Batch
from loaders.mapping.prepared import PreparedQueryGraph
from loaders.mapping.report import MapReport
from loaders.records import Records, to_records
from loaders.validate import ValidationReport, validate


def graph_of(batch: Batch) -> Graph:
    graph = Graph(store="SimpleMemory")
    graph.addN(
        (to_rdflib(s), URIRef(p), to_rdflib(o), graph) for s, p, o in batch.facts.triples_iter()
    )
    return graph


def records_of(batch: Batch) -> Records:
    return to_records(graph_of(batch))


def compact(batch: Batch, full: bool = False) -> tuple[Graph, Members]:
    """The graph pyshacl validates (one main node per group) and who each one stands for."""
    source = graph_of(batch)
    members: Members = {}
    if full:
        members = {iri: [iri] for iri in batch.rows}
    else:
        for node, rep in group(source, [URIRef(i) for i in batch.rows], profile()).items():
            members.setdefault(str(rep), []).append(str(node))
    left_out = {URIRef(n) for rep, nodes in members.items() for n in nodes if n != rep}
    statements = {st for st, subject in source.subject_objects(RDF.subject) if subject in left_out}
    graph = PreparedQueryGraph()  # pyshacl needs a context-aware store here
    graph.addN((s, p, o, graph) for s, p, o in source if s not in left_out and s not in statements)
    return graph, members


def check_batch(
    batch: Batch,
    records: Records,
    report: MapReport,
    driver: neo4j.Driver,
    database: str,
    full: bool = False,
) -> ValidationReport | None:
    """``checks.check_batch`` with pyshacl on the rdflib graph."""
    graph, members = compact(batch, full)
    vreport = validate(graph, driver=driver, database=database, inplace=True)
    return reject_rows(batch, records, report, vreport, members)
