"""Following a newer snapshot of a dataset (the mapping's ``snapshots: {missing: ...}``).

A table load of a dataset that earlier loads (other content, the same ``dataset:``) also read is
a newer snapshot of it. What those older snapshots asserted and the newer one does not is what
the dataset no longer lists; the mapping says what becomes of it:

- ``keep`` (the default): nothing; right for datasets whose snapshots each add dated records
  (CIVICUS ratings as of a date).
- ``retract``: the older snapshots' loads leave the ``loads`` of everything this load did not
  assert; what nothing else asserts then goes (nodes with their value statements, relationships),
  and sources that go leave the ``sources`` of relationships that stay. What another dataset also
  records stays, asserted by that dataset alone.
- ``mark``: main entities this load does not list get ``csg:noLongerListedIn`` this load and
  keep everything else; a later snapshot that lists one again takes the mark away.

It runs after the load is written, in one transaction of its own; running the same load again
repeats it (it is idempotent), so a failure here is completed by loading again. The summary
(notices) says what was retracted or marked, per label, with examples.
"""

from __future__ import annotations

from typing import Any, Literal

import neo4j
from pydantic import BaseModel, ConfigDict

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology
from loaders import cypher
from loaders.export import most_specific
from loaders.writer import open_session

Query = tuple[str, dict[str, Any]]
EXAMPLES = 3
MARK = "noLongerListedIn"
# Provenance records (a load's matches and value statements) are not what a dataset lists: an
# older snapshot's records stay, with their links, as the history of its values.
RECORDS = "NOT {v}:ValueStatement AND NOT {v}:Match"


class SnapshotSpec(BaseModel):
    """``missing``: what becomes of what older snapshots listed and this one lacks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    missing: Literal["keep", "retract", "mark"] = "keep"


def _older(dataset_rel: str) -> str:
    """``older``: the IRIs of the other loads of this load's dataset (by the Load's dataset, or
    its mapping name for Loads written before they named one)."""
    return (
        f"MATCH (older:{cypher.RESOURCE}:Load) WHERE older.iri <> $load AND "
        f"(EXISTS {{ (older)-[:{dataset_rel}]->(:{cypher.RESOURCE} {{iri: $dataset}}) }} OR "
        f"(NOT EXISTS {{ (older)-[:{dataset_rel}]->() }} AND older.source STARTS WITH $prefix))\n"
        "WITH collect(older.iri) AS older\n"
    )


def missing_nodes(dataset_rel: str, params: dict[str, Any], label: str | None) -> Query:
    """Per label set: nodes an older snapshot asserted and this load did not, and how many of
    them nothing else asserts (``label``: only nodes with that label)."""
    where = f" AND n:{cypher.label_clause([label])[1:]}" if label else ""
    return (
        _older(dataset_rel)
        + f"MATCH (n:{cypher.RESOURCE}) WHERE any(x IN n.loads WHERE x IN older) "
        f"AND NOT $load IN n.loads AND {RECORDS.format(v='n')}{where}\n"
        "WITH labels(n) AS labels, count(*) AS count, "
        "sum(CASE WHEN all(x IN n.loads WHERE x IN older) THEN 1 ELSE 0 END) AS alone, "
        "collect(n.iri)[..$examples] AS examples\n"
        "RETURN labels, count, alone, examples",
        {**params, "examples": EXAMPLES},
    )


def retract(dataset_rel: str, subject_rel: str, params: dict[str, Any]) -> list[Query]:
    """The retraction, in order: relationships, statements of nodes that go, sources that go
    leaving the relationships that stay, nodes."""
    older = _older(dataset_rel)
    gone = "AND NOT $load IN n.loads AND all(x IN n.loads WHERE x IN older)"  # nothing else has it
    return [
        (
            older + "MATCH (a)-[r]->() WHERE any(x IN r.loads WHERE x IN older) "
            f"AND NOT $load IN r.loads AND {RECORDS.format(v='a')}\n"
            "WITH r, [x IN r.loads WHERE NOT x IN older] AS rest\n"
            "CALL (r, rest) { WITH r, rest WHERE rest = [] DELETE r }\n"
            "CALL (r, rest) { WITH r, rest WHERE rest <> [] SET r.loads = rest }\n"
            "RETURN count(*) AS count",
            params,
        ),
        (
            older + f"MATCH (n:{cypher.RESOURCE})<-[:{subject_rel}]-(s:ValueStatement) "
            f"WHERE any(x IN n.loads WHERE x IN older) {gone}\n"
            "DETACH DELETE s RETURN count(*) AS count",
            params,
        ),
        (
            older + "MATCH (n:Source) WHERE any(x IN n.loads WHERE x IN older) "
            f"{gone}\nWITH collect(n.iri) AS gone\n"
            "MATCH ()-[r]->() WHERE any(s IN r.sources WHERE s IN gone)\n"
            "SET r.sources = [s IN r.sources WHERE NOT s IN gone]\n"
            "RETURN count(*) AS count",
            params,
        ),
        (
            older + f"MATCH (n:{cypher.RESOURCE}) WHERE any(x IN n.loads WHERE x IN older) "
            f"AND NOT $load IN n.loads AND {RECORDS.format(v='n')}\n"
            "WITH n, [x IN n.loads WHERE NOT x IN older] AS rest\n"
            "CALL (n, rest) { WITH n, rest WHERE rest = [] DETACH DELETE n }\n"
            "CALL (n, rest) { WITH n, rest WHERE rest <> [] "
            "SET n.loads = rest, n.lastLoad = rest[-1] }\n"
            "RETURN count(*) AS count",
            params,
        ),
    ]


def mark(dataset_rel: str, mark_rel: str, label: str, params: dict[str, Any]) -> list[Query]:
    """Mark the main entities this load lacks; unmark those it lists again."""
    labels = cypher.label_clause([label])
    return [
        (
            _older(dataset_rel) + f"MATCH (n{labels}) WHERE any(x IN n.loads WHERE x IN older) "
            "AND NOT $load IN n.loads\n"
            f"MATCH (l:{cypher.RESOURCE} {{iri: $load}})\n"
            f"MERGE (n)-[m:{mark_rel}]->(l)\n"
            "RETURN count(*) AS count",
            params,
        ),
        (
            f"MATCH (n{labels})-[m:{mark_rel}]->(l) WHERE $load IN n.loads AND l.iri <> $load\n"
            "DELETE m RETURN count(*) AS count",
            params,
        ),
    ]


class Snapshots:
    """The ``snapshots:`` step of one table load (see the module doc)."""

    def __init__(self, mode: str, main_class: str, mapping_name: str) -> None:
        onto = Ontology.get()
        self.mode = mode
        if mode == "keep":
            return
        self.label = main_class
        self.prefix = f"{mapping_name}: "
        self.dataset_rel = onto.properties["dataset"].rel_type
        self.subject_rel = onto.properties["statementSubject"].rel_type
        self.mark_rel = onto.properties[MARK].rel_type
        if mode == "mark" and not onto.applies_to(onto.properties[MARK], main_class):
            raise CivicGraphError(
                f"snapshots: missing: mark needs csg:{MARK} to apply to the main entity's class "
                f"{main_class} (the ontology declares it for Incident); use retract or keep"
            )

    @classmethod
    def for_mapping(cls, mapping: Any) -> Snapshots:
        """The step a loaded mapping asks for; checked before anything is written."""
        spec = mapping.spec
        main = spec.entities[spec.main].class_ or ""
        return cls(spec.snapshots.missing, main, spec.name)

    def follow(self, driver: neo4j.Driver, database: str, load: str, dataset: str) -> list[str]:
        """Retract or mark; returns the summary's notices."""
        if self.mode == "keep":
            return []
        params = {"load": load, "dataset": dataset, "prefix": self.prefix}
        label = self.label if self.mode == "mark" else None
        with open_session(driver, database) as session:
            found = list(session.run(*missing_nodes(self.dataset_rel, params, label)))
            if self.mode == "retract":
                steps = retract(self.dataset_rel, self.subject_rel, params)
            else:
                steps = mark(self.dataset_rel, self.mark_rel, self.label, params)
            session.execute_write(lambda tx: [tx.run(*s).consume() for s in steps])
        return self._notices(found)

    def _notices(self, found: list[Any]) -> list[str]:
        onto = Ontology.get()
        counts: dict[str, int] = {}
        alone: dict[str, int] = {}
        examples: list[str] = []
        for r in found:
            name = " ".join(most_specific(r["labels"], onto)) or cypher.RESOURCE
            counts[name] = counts.get(name, 0) + int(r["count"])
            alone[name] = alone.get(name, 0) + int(r["alone"])
            if name == self.label:
                examples += r["examples"]
        if not counts:
            return ["snapshot: this load lists everything the dataset's older snapshots listed"]
        main = counts.pop(self.label, 0)
        done = "retracted" if self.mode == "retract" else f"marked csg:{MARK} this load"
        others = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        notes = [
            f"snapshot: {main:,} {self.label} nodes"
            + (f" (and {sum(counts.values()):,} others: {others})" if counts else "")
            + f" that older snapshots of this dataset listed are not in this one: {done}"
        ]
        stay = main - alone.get(self.label, 0)
        if self.mode == "retract" and stay:
            notes.append(
                f"snapshot: {stay:,} of those {self.label} nodes stay: another dataset records "
                "them too (they lose this dataset's older loads)"
            )
        notes += [f"snapshot: e.g. {iri}" for iri in examples[:EXAMPLES]]
        return notes
