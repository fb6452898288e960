"""The hook between validation and writing: match rows, reconcile values, plan the provenance.

``Resolver.resolve`` takes one validated batch (its ``Records``, and the engine's ``Batch`` for
which row yielded which node), and:

1. finds which main entities already exist in the store under their own IRI (same key: a reload
   or a newer snapshot) - one query;
2. with ``match:``, looks up the candidates of every other row - one query - and decides
   (``rules.decide``): a matched row's nodes and relationships are renamed onto the existing
   node; an ambiguous row is taken out of the batch (its source record stays, for its Match);
3. reconciles the values of every main entity that exists (``values.reconcile``) - one query;
4. returns the writes that go into the batch's transaction (``Planned``): the Load's dataset,
   the match records and the value statements.
The mapping engine is not touched: everything here works on the mapped records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import neo4j

from civicgraph.iris import mint
from civicgraph.model import Ontology
from loaders.cypher import Query
from loaders.mapping.engine import Batch
from loaders.mapping.load import Mapping
from loaders.matching import cypher as mc
from loaders.matching.rules import Candidate, RowKeys, Verdict, decide, normal_url
from loaders.matching.spec import KIND_COUNTRY
from loaders.matching.values import LoadRef, Stored, reconcile
from loaders.records import NodeRow, Records
from loaders.writer import ensure_schema, open_session, read


@dataclass
class Planned:
    """The provenance writes of one batch, run in its write transaction (picklable)."""

    dataset: str
    matches: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    settle: list[dict[str, Any]] = field(default_factory=list)

    def queries(self, load: str) -> list[Query]:
        out = [mc.link_dataset(load, self.dataset)]
        if self.matches:
            out.append(mc.merge_matches(load, self.dataset, self.matches))
        if self.statements:
            out.append(mc.merge_statements(load, _unique(self.statements)))
        if self.settle:
            out.append(mc.settle_current(self.settle))
        return out


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({row["iri"]: row for row in rows}.values())


@dataclass
class Summary:
    """What matching did over the whole load (for the report and the Load node)."""

    rule: str | None = None
    matched: list[Verdict] = field(default_factory=list)
    ambiguous: list[Verdict] = field(default_factory=list)
    existing: int = 0  # main entities already in the store under their own IRI
    statements: int = 0
    kept_stored: int = 0  # values the store kept over this load's (alternatives recorded)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "matched": len(self.matched),
            "ambiguous": [
                {"row": v.row, "candidates": v.candidates, "reason": v.reason}
                for v in self.ambiguous
            ],
            "existing": self.existing,
            "value_statements": self.statements,
            "values_kept_from_store": self.kept_stored,
        }


class Resolver:
    """One per load (state: nodes already claimed by a row of this load)."""

    def __init__(
        self,
        mapping: Mapping,
        load: LoadRef,
        path: Path,
        driver: neo4j.Driver,
        database: str,
        repeat: bool = False,
    ) -> None:
        spec = mapping.spec
        self.repeat = repeat  # this content was loaded before: its values are the store's
        self.spec = spec.match
        self.load = load
        self.driver = driver
        self.database = database
        self.sha = load.iri.rsplit("/", 1)[-1][:16]
        self.file = f"{path.name}#{spec.input.sheet}" if spec.input.sheet else path.name
        self.name = spec.name
        self.preserve = frozenset(spec.entities[spec.main].preserve)
        props = Ontology.get().properties
        kind = self.spec.kind if self.spec else "incident"
        self.country_type = props[KIND_COUNTRY[kind]].rel_type
        self.source_type = props["source"].rel_type
        self.claimed: dict[str, int] = {}
        self.indexed = False
        self.summary = Summary(rule=self.spec.rule if self.spec else None)

    def resolve(self, batch: Batch, records: Records) -> tuple[Planned, int]:
        """Rewrite ``records`` in place; returns the planned writes and how many rows were taken
        out (ambiguous)."""
        planned = Planned(self.load.dataset)
        if self.repeat and self.spec is None:
            return planned, 0  # nothing to match, nothing that can differ
        main_rows = {str(iri): row for iri, row in batch.rows.items()}
        nodes = {row["iri"]: row for rows in records.nodes.values() for row in rows}
        main_rows = {iri: row for iri, row in main_rows.items() if iri in nodes}
        found = read(self.driver, self.database, mc.existing(list(main_rows)))
        own = {r["iri"] for r in found}
        self.summary.existing += len(own)
        renamed: dict[str, str] = {}
        dropped_rows: set[int] = set()
        if self.spec is not None:
            todo = {iri: row for iri, row in main_rows.items() if iri not in own}
            for verdict, key in self._verdicts(todo, nodes, records):
                record = str(mint("record", self.name, self.file, verdict.row))
                if verdict.outcome == "matched" and verdict.node is not None:
                    renamed[key] = verdict.node
                    self.summary.matched.append(verdict)
                elif verdict.outcome == "ambiguous":
                    dropped_rows.add(verdict.row)
                    self.summary.ambiguous.append(verdict)
                else:
                    continue
                planned.matches.append(self._match_row(verdict, record))
        if dropped_rows:
            _drop_rows(batch, records, dropped_rows)
        if renamed:
            _rename(records, renamed)
        targets = set(renamed.values())
        if targets:
            found += read(self.driver, self.database, mc.existing(sorted(targets)))
        rows_of: dict[str, list[NodeRow]] = {}
        for rows in records.nodes.values():
            for node_row in rows:
                rows_of.setdefault(node_row["iri"], []).append(node_row)
        for state in found:
            iri = state["iri"]
            if iri not in targets and iri not in own:
                continue
            for row in rows_of.get(iri, []):
                outcome = reconcile(
                    iri,
                    row["props"],
                    Stored.from_record(state),
                    self.load,
                    matched=iri in targets,
                    preserve=self.preserve,
                )
                self.summary.kept_stored += len(
                    [k for k in row["props"] if k not in outcome.props and "__" not in k]
                )
                row["props"] = outcome.props
                planned.statements += outcome.statements
                planned.settle += outcome.settle
        self.summary.statements += len(_unique(planned.statements))
        return planned, len(dropped_rows)

    def _verdicts(
        self, todo: dict[str, int], nodes: dict[str, NodeRow], records: Records
    ) -> list[tuple[Verdict, str]]:
        assert self.spec is not None
        if self.spec.kind == "incident" and not self.indexed:
            with open_session(self.driver, self.database) as session:
                ensure_schema(session, [mc.start_index()])
            self.indexed = True
        keys = self._row_keys(todo, nodes, records)
        tol = timedelta(days=self.spec.tolerance_days)
        rows = [
            {"key": k.node, "country": k.country, "from": k.start - tol, "to": k.start + tol}
            if k.start is not None
            else {"key": k.node, "country": k.country, "from": None, "to": None}
            for k in keys
        ]
        got = {
            r["key"]: r["found"]
            for r in read(self.driver, self.database, mc.candidates(self.spec.kind, rows))
        }
        out = []
        for k in sorted(keys, key=lambda k: k.row):
            cands = [_candidate(c) for c in got.get(k.node, [])]
            verdict = decide(self.spec, k, cands)
            if verdict.outcome == "matched" and verdict.node in self.claimed:
                verdict = Verdict(
                    k.row,
                    "ambiguous",
                    candidates=[verdict.node],
                    reason=f"its only candidate was already matched by row "
                    f"{self.claimed[verdict.node]} of this load",
                )
            elif verdict.outcome == "matched" and verdict.node is not None:
                self.claimed[verdict.node] = k.row
            out.append((verdict, k.node))
        return out

    def _row_keys(
        self, todo: dict[str, int], nodes: dict[str, NodeRow], records: Records
    ) -> list[RowKeys]:
        country = {r["start"]: r["end"] for r in records.relationships.get(self.country_type, [])}
        urls: dict[str, set[str]] = {}
        for r in records.relationships.get(self.source_type, []):
            target = nodes.get(r["end"])
            values = target["props"].get("url") if target else None
            for url in values if isinstance(values, list) else [values] if values else []:
                urls.setdefault(r["start"], set()).add(normal_url(url))
        keys = []
        for iri, row in todo.items():
            props = nodes[iri]["props"]
            if iri not in country:
                continue
            alt = props.get("altLabel") or []
            keys.append(
                RowKeys(
                    row=row,
                    node=iri,
                    country=country[iri],
                    start=_native(props.get("startDate")),
                    place=props.get("placeName"),  # type: ignore[arg-type]
                    urls=frozenset(urls.get(iri, set())),
                    title=str(props.get("label") or ""),
                    titles=(str(props.get("label") or ""), *map(str, _listed(alt))),
                )
            )
        return keys

    def _match_row(self, verdict: Verdict, record: str) -> dict[str, Any]:
        shown = f"row {verdict.row} of {self.file}"
        return {
            "iri": str(mint("match", self.sha, self.file, verdict.row)),
            "label": f"{'Match' if verdict.outcome == 'matched' else 'Ambiguous match'} of {shown}",
            "rule": self.summary.rule,
            "outcome": verdict.outcome,
            "score": verdict.score,
            "compared": verdict.compared or [verdict.reason],
            "record": record,
            "recordLabel": f"Row {verdict.row} of {self.file}",
            "file": self.file,
            "row": verdict.row,
            "nodes": [verdict.node] if verdict.outcome == "matched" else verdict.candidates,
        }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


def _candidate(found: dict[str, Any]) -> Candidate:
    return Candidate(
        iri=found["iri"],
        start=_native(found["startDate"]),
        place=found["place"],
        urls=frozenset(normal_url(u) for u in found["urls"]),
        titles=tuple(str(t) for t in found["titles"] if t),
    )


def _rename(records: Records, renamed: dict[str, str]) -> None:
    for rows in records.nodes.values():
        for row in rows:
            row["iri"] = renamed.get(row["iri"], row["iri"])
    for rels in records.relationships.values():
        for r in rels:
            r["start"] = renamed.get(r["start"], r["start"])
            r["end"] = renamed.get(r["end"], r["end"])


def _drop_rows(batch: Batch, records: Records, rows: set[int]) -> None:
    """Take the nodes only ``rows`` yield out of the batch, except their source records."""
    keep = {str(r) for r in batch.records}
    dropped = {
        str(iri)
        for iri, owners in batch.node_rows.items()
        if owners and set(owners) <= rows and str(iri) not in keep
    }
    for node_rows in records.nodes.values():
        node_rows[:] = [r for r in node_rows if r["iri"] not in dropped]
    for rels in records.relationships.values():
        rels[:] = [r for r in rels if r["start"] not in dropped and r["end"] not in dropped]
