"""``civicgraph unload LOAD_IRI``: retract one load, as if it had never been made.

What only that load asserted goes: nodes and relationships whose ``loads`` are just this load
(its SourceRecords, Match records and value statements among them), and the ``Load`` node. What
other loads assert too stays, with this load taken out of ``loads`` (``lastLoad`` falls back to
the latest other). Values: a (node, property) for which the load asserted a value gets back the
value the remaining value statements make current (the rule of docs/PROVENANCE.md replayed over
them in load order: a curated edit wins, a newer load of the same dataset wins, another dataset
adds an alternative), or loses the property when the load alone asserted it; statements of the
load's values go. Sources that go with the load leave the ``sources`` of relationships that stay.

All or nothing: one write transaction. The reference data (a load of files under ``reference/``
or ``ontology/``) is refused unless forced. What cannot be restored is what the store never
recorded: a value the load overwrote without a statement (shared nodes outside ``match:``), list
values it added, labels it added to nodes others assert; the module's tests load a table and
compare the whole store before and after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

import neo4j
from rdflib import Literal

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology
from loaders import unload_cypher as q
from loaders.datatypes import datatype
from loaders.writer import WRITE_METADATA, open_session, read

REFERENCE_FOLDERS = ("reference/", "ontology/")
CURATED_PREFIX = "graphql:"


class UnloadRefused(CivicGraphError):
    """The load is unknown, or reference data without ``--force``; nothing was changed."""


@dataclass
class Plan:
    """What an unload removes and keeps, per label and type, with a few examples."""

    load: str
    source: str
    dataset: str | None
    nodes_removed: dict[str, int] = field(default_factory=dict)
    nodes_kept: dict[str, int] = field(default_factory=dict)
    relationships_removed: dict[str, int] = field(default_factory=dict)
    relationships_kept: dict[str, int] = field(default_factory=dict)
    collateral: dict[str, int] = field(default_factory=dict)
    values_restored: int = 0
    values_removed: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)
    done: bool = False

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    def format(self) -> str:
        head = "Unloaded" if self.done else "Would unload (dry run; nothing changed)"
        lines = [f"{head} {self.load}", f"  source: {self.source}"]
        if self.dataset:
            lines.append(f"  dataset: {self.dataset}")
        for title, counts in (
            ("nodes removed", self.nodes_removed),
            ("nodes kept (other loads assert them; this load leaves their loads)", self.nodes_kept),
            ("relationships removed", self.relationships_removed),
            ("relationships kept (other loads assert them)", self.relationships_kept),
            ("relationships of other loads removed with their end nodes", self.collateral),
        ):
            if counts:
                # Every node is a Resource: that count is the total, the others are by label.
                total = counts.get("Resource", sum(counts.values()))
                lines.append(f"  {title}: {total:,}")
                lines += [
                    f"    {k:<28} {v:>9,}" for k, v in sorted(counts.items()) if k != "Resource"
                ]
        lines.append(
            f"  values restored from statements: {self.values_restored:,}; "
            f"values only this load asserted, removed: {self.values_removed:,}"
        )
        for name, shown in sorted(self.examples.items()):
            lines.append(f"  e.g. {name}: " + "; ".join(shown))
        return "\n".join(lines)


@dataclass(frozen=True)
class Statement:
    iri: str
    value: str
    loads: tuple[str, ...]
    asserted_by: str
    loaded_at: Any
    source: str
    dataset: str | None

    @property
    def family(self) -> str:
        """What 'the same dataset' means: the Load's dataset, else its mapping name."""
        return self.dataset or self.source.split(":", 1)[0]


def current(statements: list[Statement]) -> Statement | None:
    """The current value among ``statements`` (sorted by load time) per docs/PROVENANCE.md."""
    if not statements:
        return None
    curated = [s for s in statements if s.source.startswith(CURATED_PREFIX)]
    if curated:
        return curated[-1]
    chosen = statements[0]
    for s in statements[1:]:
        if s.family == chosen.family:
            chosen = s
    return chosen


def stored(key: str, lexical: str) -> Any:
    """A statement's lexical value as the node stores it (datatype from the property's range)."""
    prop = Ontology.get().property_keys().get(key)
    if prop is None:
        raise CivicGraphError(f"a value statement names {key!r}, which is no ontology property")
    if prop.kind == "annotation" or prop.range is None:
        value: Any = lexical
    else:
        value = datatype(prop.range).convert(Literal(lexical, datatype=prop.range))
    return value if prop.functional else [value]


def value_changes(load: str, rows: list[Any]) -> tuple[list[dict[str, Any]], int, int]:
    """Restorations for each (node, property) the load asserted a value for."""
    groups: dict[tuple[str, str], list[Statement]] = defaultdict(list)
    goes: dict[str, bool] = {}
    for r in rows:
        goes[r["node"]] = bool(r["goes"])
        groups[(r["node"], r["key"])].append(
            Statement(
                r["statement"],
                r["value"],
                tuple(r["loads"] or ()),
                r["assertedBy"],
                r["loadedAt"],
                r["source"] or "",
                r["dataset"],
            )
        )
    changes: list[dict[str, Any]] = []
    restored = removed = 0
    for (node, key), found in sorted(groups.items()):
        if goes[node]:
            continue
        left = [s for s in found if s.asserted_by != load and s.loads != (load,)]
        winner = current([s for s in found if s.asserted_by != load])
        value = stored(key, winner.value) if winner is not None else None
        restored += winner is not None
        removed += winner is None
        flags = [[s.iri, winner is not None and s.value == winner.value] for s in left]
        changes.append({"node": node, "props": {key: value}, "current": flags})
    return changes, restored, removed


def _counts(rows: list[Any], key: str, only: bool) -> dict[str, int]:
    return {r[key]: int(r["count"]) for r in rows if bool(r["only"]) is only}


def plan(driver: neo4j.Driver, database: str, load: str, *, force: bool = False) -> Plan:
    """What unloading ``load`` would do (reads only); raises ``UnloadRefused``."""
    found = read(driver, database, q.describe_load(load))
    if not found or not found[0]["found"]:
        raise UnloadRefused(
            f"no load {load!r} in the store. Nothing was changed; the Load IRIs are in the load "
            "summaries and on every node's `loads`."
        )
    source = str(found[0]["source"] or "")
    files = [part.strip() for part in source.split(",")]
    if not force and any(f.startswith(REFERENCE_FOLDERS) for f in files):
        raise UnloadRefused(
            f"{load} loaded the reference data ({source[:120]}); the rest of the graph builds on "
            "it, so unloading it is refused. Nothing was changed; add --force if you mean it."
        )
    nodes = read(driver, database, q.node_plan(load))
    rels = read(driver, database, q.relationship_plan(load))
    extra = read(driver, database, q.collateral(load))
    _, restored, removed = value_changes(load, read(driver, database, q.statements(load)))
    out = Plan(load, source, found[0]["dataset"])
    out.nodes_removed, out.nodes_kept = (
        _counts(nodes, "label", True),
        _counts(nodes, "label", False),
    )
    out.relationships_removed = _counts(rels, "type", True)
    out.relationships_kept = _counts(rels, "type", False)
    out.collateral = {r["type"]: int(r["count"]) for r in extra}
    out.values_restored, out.values_removed = restored, removed
    for r in nodes:
        if r["only"] and r["label"] != "Resource":
            out.examples[r["label"]] = list(r["examples"])
    for r in rels:
        if r["only"]:
            out.examples[r["type"]] = list(r["examples"])
    return out


def _unload_tx(tx: neo4j.ManagedTransaction, load: str) -> None:
    changes, _, _ = value_changes(load, list(tx.run(*q.statements(load))))
    gone = tx.run(*q.gone_sources(load)).single()
    tx.run(*q.drop_statements(load)).consume()
    tx.run(*q.delete_relationships(load)).consume()
    tx.run(*q.keep_relationships(load, list(gone["iris"]) if gone else [])).consume()
    tx.run(*q.delete_nodes(load)).consume()
    tx.run(*q.keep_nodes(load)).consume()
    if changes:
        tx.run(*q.set_values(changes)).consume()
    tx.run(*q.delete_load(load)).consume()


def unload(
    driver: neo4j.Driver, database: str, load: str, *, force: bool = False, dry_run: bool = False
) -> Plan:
    """Plan, then (unless ``dry_run``) retract ``load`` in one transaction; see the module doc."""
    result = plan(driver, database, load, force=force)
    if dry_run:
        return result
    body = _Body(load)
    with open_session(driver, database) as session:
        try:
            session.execute_write(body)
        except neo4j.exceptions.Neo4jError as exc:
            raise CivicGraphError(
                f"the store refused the unload ({exc.code}): {exc.message}\nNothing was changed "
                "(the transaction was rolled back)."
            ) from exc
    result.done = True
    return result


class _Body:
    """The transaction function (with the loader's metadata, seen in SHOW TRANSACTIONS)."""

    metadata: ClassVar[dict[str, str]] = {**WRITE_METADATA, "civicgraph": "unload"}

    def __init__(self, load: str) -> None:
        self.load = load

    def __call__(self, tx: neo4j.ManagedTransaction) -> None:
        _unload_tx(tx, self.load)
