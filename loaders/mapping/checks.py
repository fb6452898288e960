"""Validating one batch: a compact graph for pyshacl, then violations turned into row rejections.

The compact graph keeps every shared node (resolutions, states, laws...) and one representative
of each group of main-entity nodes that the shapes cannot tell apart (``compress``); it is a
``PreparedQueryGraph`` so SPARQL-based shapes parse their query once. A violation on a
representative rejects the rows of every member of its group; one on a shared node rejects every
row that refers to it; the records of rejected rows are dropped before anything is written.
"""

from __future__ import annotations

from functools import cache

import neo4j
from rdflib import RDF, Graph, URIRef

from civicgraph.model import Ontology
from loaders.mapping.compress import ShapeProfile, group
from loaders.mapping.engine import Batch
from loaders.mapping.prepared import PreparedQueryGraph
from loaders.mapping.report import MapReport, RowIssue
from loaders.records import Records
from loaders.shapes_graph import shapes_graph
from loaders.validate import ValidationReport, show, validate


@cache
def profile() -> ShapeProfile:
    return ShapeProfile(shapes_graph(), Ontology.get().graph)


def compact(batch: Batch, full: bool = False) -> tuple[Graph, dict[URIRef, list[URIRef]]]:
    """The graph to validate and, per representative, the main nodes it stands for."""
    source = batch.graph
    if full:
        members = {iri: [iri] for iri in batch.rows}
    else:
        members = {}
        for node, rep in group(source, batch.rows, profile()).items():
            members.setdefault(rep, []).append(node)
    left_out = {node for rep, nodes in members.items() for node in nodes if node != rep}
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
    """Validate ``batch``; returns the report when a violation concerns no row (the load must
    stop), ``None`` when the batch is fine or its failing rows were rejected and dropped."""
    graph, members = compact(batch, full)
    vreport = validate(graph, driver=driver, database=database, inplace=True)
    if vreport.conforms:
        return None
    stands_for = {show(iri): nodes for iri, nodes in members.items()}
    stands_for.update({show(iri): [iri] for iri in batch.node_rows if iri not in batch.rows})
    failing: dict[URIRef, str] = {}
    for v in vreport.violations:
        if v.severity != "Violation":
            continue
        if v.focus not in stands_for:
            return vreport
        for node in stands_for[v.focus]:
            failing.setdefault(node, f"<{node}> {v.path}: {v.message}")
    rows: dict[int, str] = {}
    for iri, reason in failing.items():
        for row in batch.node_rows.get(iri, []):
            rows.setdefault(row, reason)
    dropped = {str(iri) for iri in failing}
    dropped.update(str(iri) for iri, row in batch.rows.items() if row in rows)
    dropped.update(str(iri) for iri, row in batch.records.items() if row in rows)
    report.rejected.extend(
        RowIssue(row, "fails the shapes", why) for row, why in sorted(rows.items())
    )
    report.rows_mapped -= len(rows)
    for node_rows in records.nodes.values():
        node_rows[:] = [r for r in node_rows if r["iri"] not in dropped]
    for rels in records.relationships.values():
        rels[:] = [r for r in rels if r["start"] not in dropped and r["end"] not in dropped]
    return None
