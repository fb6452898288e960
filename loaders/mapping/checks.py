"""Validating one batch: its facts with the compiled shapes, violations turned into row rejections.

The facts validated keep every shared node (resolutions, states, laws...) and one representative
of each group of main-entity nodes that the shapes cannot tell apart (``compress``). A violation
on a representative rejects the rows of every member of its group; one on a shared node rejects
every row that refers to it; the records of rejected rows are dropped before anything is
written. ``loaders.mapping.reference`` does the same with rdflib and pyshacl, and
``tests/test_mapping_fastpath.py`` holds the two to the same rejections and records.
"""

from __future__ import annotations

from functools import cache

import neo4j
from rdflib import RDF, URIRef

from civicgraph.model import Ontology
from loaders.engine.fastvalidate import validate_facts
from loaders.engine.terms import Blank
from loaders.mapping.compress import FactsProfile, ShapeProfile, group_facts
from loaders.mapping.engine import Batch
from loaders.mapping.report import MapReport, RowIssue
from loaders.records import Records
from loaders.shapes_graph import shapes_graph
from loaders.validate import ValidationReport, show

SUBJECT = str(RDF.subject)
Members = dict[str, list[str]]  # representative -> the main nodes it stands for


@cache
def profile() -> ShapeProfile:
    return ShapeProfile(shapes_graph(), Ontology.get().graph)


@cache
def facts_profile() -> FactsProfile:
    return FactsProfile(profile())


def left_out(members: Members) -> set[str]:
    return {node for rep, nodes in members.items() for node in nodes if node != rep}


def compact(batch: Batch, full: bool = False) -> Members:
    """Leave only one main node per group in ``batch.facts`` (with the reifications about the
    others gone too); returns, per representative, the main nodes it stands for."""
    members: Members = {}
    if full:
        members = {iri: [iri] for iri in batch.rows}
    else:
        for node, rep in group_facts(batch.facts, batch.rows, facts_profile()).items():
            members.setdefault(rep, []).append(node)
    dropped = left_out(members)
    subjects = batch.facts.subjects
    statements = [
        s
        for s, preds in subjects.items()
        if isinstance(s, Blank) and any(o in dropped for o in preds.get(SUBJECT, ()))
    ]
    for node in [*dropped, *statements]:
        preds = subjects.pop(node, None)
        if preds is not None:
            batch.facts.triples -= sum(len(values) for values in preds.values())
    return members


def check_batch(
    batch: Batch,
    records: Records,
    report: MapReport,
    driver: neo4j.Driver,
    database: str,
    full: bool = False,
) -> ValidationReport | None:
    """Validate ``batch`` (its facts are consumed); returns the report when a violation concerns
    no row (the load must stop), ``None`` when the batch is fine or its failing rows were
    rejected and dropped."""
    members = compact(batch, full)
    vreport = validate_facts(batch.facts, driver=driver, database=database)
    return reject_rows(batch, records, report, vreport, members)


def reject_rows(
    batch: Batch, records: Records, report: MapReport, vreport: ValidationReport, members: Members
) -> ValidationReport | None:
    """The rows behind each violation go to ``report.rejected`` and their records are dropped;
    the report itself is returned when a violation is about no node of a row."""
    if vreport.conforms:
        return None
    stands_for = {show(URIRef(iri)): nodes for iri, nodes in members.items()}
    stands_for.update(
        {show(URIRef(iri)): [iri] for iri in batch.node_rows if iri not in batch.rows}
    )
    failing: dict[str, str] = {}
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
    dropped = set(failing)
    dropped.update(iri for iri, row in batch.rows.items() if row in rows)
    dropped.update(iri for iri, row in batch.records.items() if row in rows)
    report.rejected.extend(
        RowIssue(row, "fails the shapes", why) for row, why in sorted(rows.items())
    )
    report.rows_mapped -= len(rows)
    for node_rows in records.nodes.values():
        node_rows[:] = [r for r in node_rows if r["iri"] not in dropped]
    for rels in records.relationships.values():
        rels[:] = [r for r in rels if r["start"] not in dropped and r["end"] not in dropped]
    return None
