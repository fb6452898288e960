"""Derive resolution -> right / threat links by a declared rule (``civic_space_resolutions.yaml``).

The rule is data: its name, version, the vote data's issue and the title words naming each right
or threat type. :func:`derive` loads the rule itself as a ``csg:DerivationRule`` through the
ordinary loader (validated by the shapes), reads the candidate resolutions from the store,
matches their titles, and writes each link as a relationship whose only source is the rule
(``sources`` = [rule IRI], ``loads`` = [the rule's load]), the storage model's relationship-level
provenance. The links are written by :func:`link_query` rather than as RDF because a resolution
named as a subject would have to be restated whole to pass the shapes; only the links are new.
Deriving again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import yaml
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from civicgraph.iris import ID, mint
from civicgraph.model import Ontology
from civicgraph.vocab import CSG

RULE_FILE = Path(__file__).with_name("civic_space_resolutions.yaml")
_PROPERTIES = {"rights": CSG.protectsRight, "threats": CSG.addressesThreat}


@dataclass(frozen=True)
class Rule:
    name: str
    version: str
    label: str
    issue: str
    phrases: tuple[tuple[URIRef, URIRef, str], ...]  # (property, target, phrase)
    text: str

    @property
    def iri(self) -> URIRef:
        return mint("rule", self.name, "v" + self.version)


def load_rule(path: Path = RULE_FILE) -> Rule:
    text = path.read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    phrases = tuple(
        (_PROPERTIES[group], ID[target], phrase)
        for group in _PROPERTIES
        for target, words in sorted(spec.get(group, {}).items())
        for phrase in words
    )
    return Rule(spec["name"], str(spec["version"]), spec["label"], spec["issue"], phrases, text)


def candidates(issue: str) -> tuple[str, dict[str, Any]]:
    """Resolutions the vote data files under ``issue``, with the text their title is read from."""
    return (
        "MATCH (res:Resolution) WHERE $issue IN coalesce(res.topic, []) "
        "RETURN res.iri AS iri, coalesce(res.title, res.description, '') AS text ORDER BY iri",
        {"issue": issue},
    )


def matches(rule: Rule, text: str) -> list[tuple[URIRef, URIRef]]:
    found = []
    for prop, target, phrase in rule.phrases:
        pattern = r"\b" + re.escape(phrase).replace(r"\ ", r"\s+") + r"\b"
        if re.search(pattern, text, flags=re.IGNORECASE) and (prop, target) not in found:
            found.append((prop, target))
    return found


def rule_graph(rule: Rule) -> Graph:
    """The rule as a ``csg:DerivationRule``, its own source."""
    g = Graph()
    node = rule.iri
    g.add((node, RDF.type, CSG.DerivationRule))
    g.add((node, RDFS.label, Literal(rule.label, lang="en")))
    g.add((node, CSG.title, Literal(rule.label, lang="en")))
    g.add((node, CSG.ruleVersion, Literal(rule.version)))
    g.add((node, RDFS.comment, Literal(_comment(rule), lang="en")))
    g.add((node, DCTERMS.source, node))
    return g


def link_query(prop: URIRef, rows: list[dict[str, str]], rule: str, load: str) -> Any:
    """MERGE derived links of one property (type from the ontology's allow-list)."""
    rel_type = Ontology.get().by_iri(prop)
    if rel_type is None or not rel_type.is_relationship:
        raise ValueError(f"{prop} is not an object property of the ontology")
    return (
        f"""UNWIND $rows AS row
MATCH (s:Resource {{iri: row.s}}), (o:Resource {{iri: row.o}})
MERGE (s)-[r:{rel_type.rel_type}]->(o)
ON CREATE SET r.sources = [$rule], r.loads = [$load]
RETURN count(r) AS n""",
        {"rows": rows, "rule": rule, "load": load},
    )


def _comment(rule: Rule) -> str:
    words = "; ".join(f"'{p}' -> {t.removeprefix(str(ID))}" for _, t, p in rule.phrases)
    return (
        f"Version {rule.version}, declared in loaders/derive/{RULE_FILE.name}: a resolution the "
        f"UN vote data files under the issue '{rule.issue}' whose title contains, as whole "
        f"words, {words}. The links it derives are a reading of titles, not sourced facts."
    )


def derive(driver: neo4j.Driver, database: str, rule: Rule | None = None) -> dict[str, Any]:
    """Match, then load the rule and its links; returns what was derived."""
    from loaders.pipeline import load_graph

    rule = rule or load_rule()
    query, params = candidates(rule.issue)
    records, _, _ = driver.execute_query(query, params, database_=database)
    links = [
        (URIRef(r["iri"]), prop, target)
        for r in records
        for prop, target in matches(rule, r["text"])
    ]
    digest = hashlib.sha256(rule.text.encode()).hexdigest()
    summary = load_graph(
        rule_graph(rule),
        driver=driver,
        source=f"derive:{rule.name}@{rule.version}",
        sha256=digest,
        database=database,
    )
    for prop in _PROPERTIES.values():
        rows = [{"s": str(s), "o": str(o)} for s, p, o in links if p == prop]
        if rows:
            query, params = link_query(prop, rows, str(rule.iri), summary.load.iri)
            driver.execute_query(query, params, database_=database)
    return {
        "rule": str(rule.iri),
        "candidates": len(records),
        "links": len(links),
        "resolutions": len({s for s, _, _ in links}),
        "load": summary.load.iri,
    }
