"""Cypher of matching and value provenance: pure functions returning ``(query, params)``.

Labels and relationship types come from the ontology (checked by ``loaders.cypher``); values
travel as parameters; every query takes a whole batch (``UNWIND``), never one row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from civicgraph.model import Ontology
from loaders.cypher import RESOURCE, Query, label_clause, rel_type_clause
from loaders.matching.spec import KIND_CLASS, KIND_COUNTRY


@cache
def rel(prop: str) -> str:
    """The checked relationship type of an ontology object property (``inLoad`` -> IN_LOAD)."""
    return rel_type_clause(Ontology.get().properties[prop].rel_type)


def start_index() -> Query:
    """The range index the incident candidates are found by (a schema change: its own
    transaction, before the first look-up)."""
    cls = label_clause(["Incident"])
    return f"CREATE RANGE INDEX incident_start IF NOT EXISTS FOR (n{cls}) ON (n.startDate)", {}


def candidates(kind: str, rows: Sequence[Mapping[str, Any]]) -> Query:
    """Nodes of the rule's class in each row's country (``row.country``, the country node's IRI),
    incidents with a start date in ``[row.from, row.to]``. Incidents are sought through the
    ``startDate`` range index (a few per row, whatever the size of the store or the country),
    laws from the jurisdiction's node. Returns what the rules compare: start date, place,
    source URLs, titles."""
    cls = label_clause([KIND_CLASS[kind]])
    country = rel(KIND_COUNTRY[kind])
    if kind == "incident":
        find = (
            f"MATCH (n{cls}) USING INDEX n{cls}(startDate)\n"
            "WHERE n.startDate >= row.from AND n.startDate <= row.to\n"
            f"MATCH (n)-[:{country}]->(:{RESOURCE} {{iri: row.country}})\n"
        )
    else:
        find = f"MATCH (:{RESOURCE} {{iri: row.country}})<-[:{country}]-(n{cls})\n"
    query = (
        "UNWIND $rows AS row\n"
        f"{find}"
        "RETURN row.key AS key, collect({iri: n.iri, startDate: n.startDate, place: n.placeName,\n"
        "  titles: [n.label] + coalesce(n.altLabel, []),\n"
        f"  urls: COLLECT {{ MATCH (n)-[:{rel('source')}]->(s) WHERE s.url IS NOT NULL\n"
        "                  UNWIND s.url AS u RETURN u }}) AS found"
    )
    return query, {"rows": list(rows)}


def existing(iris: Sequence[str]) -> Query:
    """The stored state of the nodes among ``iris``: properties, the first load (and its dataset
    and source text), the last load's source text, and the value statements already made."""
    stmt = label_clause(["ValueStatement"])
    query = (
        "UNWIND $iris AS iri\n"
        f"MATCH (n:{RESOURCE} {{iri: iri}})\n"
        f"OPTIONAL MATCH (first:{RESOURCE} {{iri: n.loads[0]}})\n"
        f"OPTIONAL MATCH (first)-[:{rel('dataset')}]->(fd)\n"
        f"OPTIONAL MATCH (last:{RESOURCE} {{iri: n.lastLoad}})\n"
        "RETURN n.iri AS iri, properties(n) AS props, first.iri AS firstLoad,\n"
        "  first.source AS firstSource, fd.iri AS firstDataset, last.source AS lastSource,\n"
        f"  COLLECT {{ MATCH (n)<-[:{rel('statementSubject')}]-(s{stmt})-[:{rel('inLoad')}]->(l)\n"
        f"            OPTIONAL MATCH (l)-[:{rel('dataset')}]->(d)\n"
        "            RETURN {iri: s.iri, property: s.statementProperty, value: s.statementValue,\n"
        "                    load: l.iri, source: l.source, dataset: d.iri, current: s.isCurrent}\n"
        "  } AS statements"
    )
    return query, {"iris": sorted(set(iris))}


def _stamp(var: str) -> str:
    return (
        f"{var}.lastLoad = $load, {var}.loads = CASE WHEN $load IN coalesce({var}.loads, []) "
        f"THEN {var}.loads ELSE coalesce({var}.loads, []) + $load END"
    )


def link_dataset(load: str, dataset: str) -> Query:
    """``(Load)-[:DATASET]->(Dataset)``: which dataset a table load read."""
    query = (
        f"MATCH (l:{RESOURCE} {{iri: $load}}), (d:{RESOURCE} {{iri: $dataset}})\n"
        f"MERGE (l)-[r:{rel('dataset')}]->(d)\n"
        "RETURN count(r) AS rows"
    )
    return query, {"load": load, "dataset": dataset}


def merge_statements(load: str, rows: Sequence[Mapping[str, Any]]) -> Query:
    """Value statements (see docs/PROVENANCE.md): ``row.load`` asserted the value, ``$load``
    wrote the statement node (its ``loads``). Existing ones (same IRI) get the current flag."""
    stmt = label_clause([RESOURCE, "ValueStatement"])
    query = (
        "UNWIND $rows AS row\n"
        f"MATCH (n:{RESOURCE} {{iri: row.node}})\n"
        f"MATCH (l:{RESOURCE} {{iri: row.load}})\n"
        f"MERGE (s:{RESOURCE} {{iri: row.iri}})\n"
        f"SET s{stmt}, s.label = row.label, s.label__lang = 'en',\n"
        "    s.statementProperty = row.property, s.statementValue = row.value,\n"
        f"    s.isCurrent = row.current, {_stamp('s')}\n"
        f"MERGE (s)-[a:{rel('statementSubject')}]->(n) SET {_stamp('a')}\n"
        f"MERGE (s)-[b:{rel('inLoad')}]->(l) SET {_stamp('b')}\n"
        "WITH s, row\n"
        f"OPTIONAL MATCH (d:{RESOURCE} {{iri: row.dataset}})\n"
        f"FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END |\n"
        f"  MERGE (s)-[c:{rel('source')}]->(d) SET {_stamp('c')})\n"
        "RETURN count(*) AS rows"
    )
    return query, {"load": load, "rows": list(rows)}


def settle_current(rows: Sequence[Mapping[str, Any]]) -> Query:
    """For each (node, property): only the statement ``row.current`` stays current."""
    stmt = label_clause(["ValueStatement"])
    query = (
        "UNWIND $rows AS row\n"
        f"MATCH (:{RESOURCE} {{iri: row.node}})<-[:{rel('statementSubject')}]-(s{stmt})\n"
        "WHERE s.statementProperty = row.property\n"
        "SET s.isCurrent = (s.iri = row.current)\n"
        "RETURN count(*) AS rows"
    )
    return query, {"rows": list(rows)}


def merge_matches(load: str, dataset: str, rows: Sequence[Mapping[str, Any]]) -> Query:
    """Match records, and the source record of each row (created, citing ``dataset``, when the
    mapping keeps none)."""
    match = label_clause([RESOURCE, "Match"])
    record = label_clause([RESOURCE, "SourceRecord"])
    query = (
        "UNWIND $rows AS row\n"
        f"MATCH (l:{RESOURCE} {{iri: $load}}), (d:{RESOURCE} {{iri: $dataset}})\n"
        f"MERGE (r:{RESOURCE} {{iri: row.record}})\n"
        f"ON CREATE SET r{record}, r.label = row.recordLabel, r.label__lang = 'en',\n"
        f"    r.fileName = row.file, r.rowNumber = row.row, {_stamp('r')}\n"
        f"MERGE (r)-[rs:{rel('source')}]->(d) ON CREATE SET {_stamp('rs')}\n"
        f"MERGE (m:{RESOURCE} {{iri: row.iri}})\n"
        f"SET m{match}, m.label = row.label, m.label__lang = 'en', m.matchRule = row.rule,\n"
        "    m.matchOutcome = row.outcome, m.matchScore = row.score,\n"
        f"    m.comparedField = row.compared, {_stamp('m')}\n"
        f"MERGE (m)-[a:{rel('inLoad')}]->(l) SET {_stamp('a')}\n"
        f"MERGE (m)-[b:{rel('matchedRow')}]->(r) SET {_stamp('b')}\n"
        "WITH m, row\n"
        f"CALL (m, row) {{\n"
        f"  UNWIND row.nodes AS target\n"
        f"  MATCH (t:{RESOURCE} {{iri: target}})\n"
        f"  FOREACH (_ IN CASE WHEN row.outcome = 'matched' THEN [1] ELSE [] END |\n"
        f"    MERGE (m)-[c:{rel('matchedNode')}]->(t) SET {_stamp('c')})\n"
        f"  FOREACH (_ IN CASE WHEN row.outcome = 'ambiguous' THEN [1] ELSE [] END |\n"
        f"    MERGE (m)-[c:{rel('matchCandidate')}]->(t) SET {_stamp('c')})\n"
        "  RETURN count(*) AS linked\n"
        "}\n"
        "RETURN count(*) AS rows"
    )
    return query, {"load": load, "dataset": dataset, "rows": list(rows)}


def matches_of(load: str) -> Query:
    """The match records of a load, for ``civicgraph matches``."""
    match = label_clause(["Match"])
    query = (
        f"MATCH (m{match})-[:{rel('inLoad')}]->(:{RESOURCE} {{iri: $load}})\n"
        f"OPTIONAL MATCH (m)-[:{rel('matchedRow')}]->(r)\n"
        f"OPTIONAL MATCH (m)-[:{rel('matchedNode')}]->(n)\n"
        "RETURN m.iri AS iri, m.matchOutcome AS outcome, m.matchRule AS rule,\n"
        "  m.matchScore AS score, m.comparedField AS compared, r.fileName AS file,\n"
        "  r.rowNumber AS row, n.iri AS node, n.label AS nodeLabel,\n"
        f"  COLLECT {{ MATCH (m)-[:{rel('matchCandidate')}]->(c) RETURN c.iri ORDER BY c.iri }}"
        " AS candidates\n"
        "ORDER BY row, iri"
    )
    return query, {"load": load}


def load_exists(load: str) -> Query:
    return (
        f"OPTIONAL MATCH (l{label_clause([RESOURCE, 'Load'])} {{iri: $load}})\n"
        "RETURN l.iri AS iri, l.source AS source",
        {"load": load},
    )
