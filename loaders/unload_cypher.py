"""Cypher for ``civicgraph unload``: pure functions returning ``(query, params)``.

The load's IRI is always the parameter ``$load``. Labels and relationship types come from the
ontology (the provenance terms of docs/PROVENANCE.md) through ``loaders.cypher``'s allow-list.
A node or relationship that only the load asserted has ``loads = [$load]``; one that others
assert too has ``$load IN loads``. ``loads`` is a list property, which no index serves, so the
plan and the removal scan nodes and relationships once each: an unload is rare and one scan of
the KeepItOn graph takes well under a second.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from civicgraph.model import Ontology
from loaders import cypher

Query = tuple[str, dict[str, Any]]
EXAMPLES = 3


@cache
def terms() -> dict[str, str]:
    """Labels and relationship types of the provenance model, checked against the ontology."""
    onto = Ontology.get()
    rel = {k: onto.properties[k].rel_type for k in ("dataset", "inLoad", "statementSubject")}
    for name in rel.values():
        cypher.rel_type_clause(name)
    cypher.label_clause(["Load", "ValueStatement", "Source"])
    return {"Load": "Load", "ValueStatement": "ValueStatement", "Source": "Source", **rel}


def describe_load(load: str) -> Query:
    """The Load node, its dataset (if any) and how many loads there are."""
    t = terms()
    return (
        f"OPTIONAL MATCH (l:{cypher.RESOURCE} {{iri: $load}}) WHERE l:{t['Load']}\n"
        f"OPTIONAL MATCH (l)-[:{t['dataset']}]->(d)\n"
        "RETURN l IS NOT NULL AS found, l.source AS source, l.loadedAt AS loadedAt, "
        "d.iri AS dataset",
        {"load": load},
    )


def node_plan(load: str) -> Query:
    """Per label: nodes that go (only this load asserted them) and nodes that stay."""
    return (
        f"MATCH (n:{cypher.RESOURCE}) WHERE $load IN n.loads\n"
        "WITH n, n.loads = [$load] AS only\n"
        "UNWIND labels(n) AS label\n"
        "WITH label, only, count(*) AS count, collect(n.iri)[..$examples] AS examples\n"
        "RETURN label, only, count, examples ORDER BY label, only",
        {"load": load, "examples": EXAMPLES},
    )


def relationship_plan(load: str) -> Query:
    """Per type: relationships that go and those that stay (other loads assert them too)."""
    return (
        "MATCH (a)-[r]->(b) WHERE $load IN r.loads\n"
        "WITH type(r) AS type, r.loads = [$load] AS only, a.iri + ' -> ' + b.iri AS pair\n"
        "WITH type, only, count(*) AS count, collect(pair)[..$examples] AS examples\n"
        "RETURN type, only, count, examples ORDER BY type, only",
        {"load": load, "examples": EXAMPLES},
    )


def collateral(load: str) -> Query:
    """Relationships this load did not assert that end at nodes that go: removed with them
    (the Load's own links, to its dataset for one, go with it and are not counted)."""
    return (
        f"MATCH (n:{cypher.RESOURCE}) WHERE n.loads = [$load]\n"
        "MATCH (n)-[r]-(m) WHERE NOT $load IN coalesce(r.loads, []) AND m.iri <> $load\n"
        "WITH DISTINCT r\n"
        "RETURN type(r) AS type, count(*) AS count ORDER BY type",
        {"load": load},
    )


def statements(load: str) -> Query:
    """Every value statement of each (node, property) the load asserted a value for, with the
    asserting load's time, source text and dataset: what the current-value rule needs."""
    t = terms()
    subject, in_load, dataset = t["statementSubject"], t["inLoad"], t["dataset"]
    return (
        f"MATCH (l:{cypher.RESOURCE} {{iri: $load}})<-[:{in_load}]-(s:{t['ValueStatement']})"
        f"-[:{subject}]->(n)\n"
        "WITH DISTINCT n, s.statementProperty AS key\n"
        f"MATCH (o:{t['ValueStatement']})-[:{subject}]->(n) WHERE o.statementProperty = key\n"
        f"MATCH (o)-[:{in_load}]->(ol:{t['Load']})\n"
        f"OPTIONAL MATCH (ol)-[:{dataset}]->(od)\n"
        "RETURN n.iri AS node, n.loads = [$load] AS goes, key, o.iri AS statement, "
        "o.statementValue AS value, o.loads AS loads, ol.iri AS assertedBy, "
        "ol.loadedAt AS loadedAt, ol.source AS source, od.iri AS dataset\n"
        "ORDER BY node, key, loadedAt",
        {"load": load},
    )


def drop_statements(load: str) -> Query:
    """Statements of values the load asserted: it no longer asserts them, whoever wrote them."""
    t = terms()
    return (
        f"MATCH (:{cypher.RESOURCE} {{iri: $load}})<-[:{t['inLoad']}]-(s:{t['ValueStatement']})\n"
        "DETACH DELETE s RETURN count(*) AS count",
        {"load": load},
    )


def set_values(changes: list[dict[str, Any]]) -> Query:
    """Restore values: ``{node, props}`` rows, a null value removing the property; then the
    surviving statements say which of them is current."""
    return (
        "UNWIND $changes AS c\n"
        f"MATCH (n:{cypher.RESOURCE} {{iri: c.node}})\n"
        "SET n += c.props\n"
        "WITH c UNWIND c.current AS pair\n"
        f"MATCH (s:{cypher.RESOURCE} {{iri: pair[0]}})\n"
        "SET s.isCurrent = pair[1]\n"
        "RETURN count(*) AS count",
        {"changes": changes},
    )


def gone_sources(load: str) -> Query:
    """IRIs of the sources that go with the load (cited in relationships' ``sources``)."""
    return (
        f"MATCH (n:{terms()['Source']}) WHERE n.loads = [$load] RETURN collect(n.iri) AS iris",
        {"load": load},
    )


def delete_relationships(load: str) -> Query:
    return (
        "MATCH ()-[r]->() WHERE r.loads = [$load] DELETE r RETURN count(*) AS count",
        {"load": load},
    )


def keep_relationships(load: str, gone: list[str]) -> Query:
    """Relationships others assert too lose the load and the sources that go with it."""
    return (
        "MATCH ()-[r]->() WHERE $load IN r.loads\n"
        "SET r.loads = [x IN r.loads WHERE x <> $load],\n"
        "    r.sources = CASE WHEN r.sources IS NULL THEN null\n"
        "                ELSE [s IN r.sources WHERE NOT s IN $gone] END\n"
        "RETURN count(*) AS count",
        {"load": load, "gone": gone},
    )


def delete_nodes(load: str) -> Query:
    return (
        f"MATCH (n:{cypher.RESOURCE}) WHERE n.loads = [$load] DETACH DELETE n "
        "RETURN count(*) AS count",
        {"load": load},
    )


def keep_nodes(load: str) -> Query:
    """Nodes others assert too lose the load; ``lastLoad`` falls back to the latest other."""
    return (
        f"MATCH (n:{cypher.RESOURCE}) WHERE $load IN n.loads\n"
        "WITH n, [x IN n.loads WHERE x <> $load] AS rest\n"
        "SET n.loads = rest,\n"
        "    n.lastLoad = CASE WHEN n.lastLoad = $load THEN rest[-1] ELSE n.lastLoad END\n"
        "RETURN count(*) AS count",
        {"load": load},
    )


def delete_load(load: str) -> Query:
    return (
        f"MATCH (l:{cypher.RESOURCE} {{iri: $load}}) WHERE l:{terms()['Load']} "
        "DETACH DELETE l RETURN count(*) AS count",
        {"load": load},
    )
