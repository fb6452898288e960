"""The generic mapping engine: rows in, self-contained batches of facts out.

Each batch holds every node its rows yield or refer to (a vote batch also describes the
resolutions and states its votes point at), so it can be validated on its own and written in its
own transaction. Shared nodes are emitted once per batch; their single-valued properties keep
the first value seen in the whole file, and a later, different value is reported as a conflict
rather than left to whichever batch happens to be written last.

A batch is the fast path's ``Facts`` (plain terms, no rdflib object per triple); the reference
path (``--reference``) turns it into an rdflib graph for pyshacl (``loaders.mapping.reference``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDFS, Graph, URIRef

from civicgraph.model import Ontology, local_name
from civicgraph.vocab import ID
from loaders.engine.facts import Facts
from loaders.engine.terms import Lit, Term, from_rdflib
from loaders.mapping.emit import CompiledEntity, Provenance, Triple
from loaders.mapping.load import Mapping
from loaders.mapping.readers import open_table
from loaders.mapping.report import MapReport, RowIssue
from loaders.mapping.rows import RowMapper
from loaders.mapping.source_records import Folded, SourceRecords
from loaders.mapping.values import Fields, RowRejected, RowSkipped


@dataclass
class Batch:
    """One self-contained set of facts and where its main entities came from (IRIs as str)."""

    facts: Facts
    rows: dict[str, int] = field(default_factory=dict)  # main entity -> row number
    node_rows: dict[str, list[int]] = field(default_factory=dict)  # every node -> its rows
    preserve: dict[str, set[str]] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)  # source record -> its entity's row


class Engine:
    """Runs one mapping over one table (see module doc)."""

    def __init__(self, mapping: Mapping, ontology: Ontology | None = None) -> None:
        self.mapping = mapping
        self.spec = mapping.spec
        self.ontology = ontology or Ontology.get()
        self.rows = RowMapper(self.spec)
        names, entity_names = set(self.spec.fields), set(self.spec.entities)
        self.entities = [
            CompiledEntity(n, e, names, entity_names, self.ontology)
            for n, e in self.spec.entities.items()
        ]
        self.main = next(e for e in self.entities if e.name == self.spec.main)
        self.dataset = str(ID[self.spec.dataset])
        self.provenance = Provenance(self.ontology)
        self.functional = {str(p.iri) for p in self.ontology.properties.values() if p.functional}
        self.functional.add(str(RDFS.label))
        self.static = self._static_triples()
        self.first_values: dict[tuple[str, str], tuple[Term, int]] = {}
        self.conflicted: set[tuple[str, str]] = set()
        self.distinct: dict[str, set[URIRef]] = {
            e.name: set() for e in self.entities if e is not self.main
        }
        self.records = SourceRecords(self.spec, self.ontology, URIRef(self.dataset))
        self.folded: dict[int, Folded] = {}  # kept row -> every row folded into its entity

    def _static_triples(self) -> list[Triple]:
        graph = Graph()
        for name in self.spec.turtle:
            graph.parse(self.mapping.folder / name, format="turtle")
        return [(from_rdflib(s), str(p), from_rdflib(o)) for s, p, o in graph]  # type: ignore[misc]

    def drop_notices(self) -> list[str]:
        return self.rows.drop_notices(2 if self.spec.duplicates.keep == "latest" else 1)

    def main_iri(self, fields: Fields) -> URIRef:
        iris = self.main.iri(fields)
        if len(iris) != 1:
            raise RowRejected("missing value", f"{self.main.name}: no identifying key")
        return iris[0]

    def winners(self, path: Path, report: MapReport) -> dict[int, tuple[str, int]]:
        """With ``duplicates.keep: latest``: row number -> (verdict, other row) for every row
        that is not the one kept for its entity; the rows folded into each kept row go to
        ``self.folded``. A full extra pass; meant for small tables."""
        order_by = self.spec.duplicates.order_by or ""
        best: dict[URIRef, tuple[Any, int]] = {}
        seen: list[tuple[URIRef, Any, int, Any]] = []
        params = self.rows.params(path)
        with open_table(path, self.spec.input) as table:
            for number, row, _ in table.rows:
                try:
                    fields = self.rows.compute(row, params)
                    iri = self.main_iri(fields)
                except RowRejected:
                    continue
                order = fields.get(order_by)
                seen.append((iri, order, number, self.records.year_of(fields)))
                if iri not in best or (
                    order is not None and best[iri][0] is not None and order > best[iri][0]
                ):
                    best[iri] = (order, number)
        verdicts: dict[int, tuple[str, int]] = {}
        for iri, order, number, year in seen:
            kept_order, kept = best[iri]
            if number != kept:
                verdict = "duplicate" if order == kept_order else "superseded"
                verdicts[number] = (verdict, kept)
                if verdict == "duplicate":
                    continue
            self.folded.setdefault(kept, []).append((number, year))
        return verdicts

    def row_triples(
        self, fields: Fields, memo: set[tuple[Any, ...]], row: int
    ) -> tuple[list[Triple], dict[str, list[URIRef]]]:
        """The new triples of one row and the IRIs of its entities; ``memo`` skips shared nodes
        already in the batch. Raises ``RowRejected``."""
        row_iris: dict[str, list[URIRef]] = {}
        views: dict[str, list[tuple[URIRef, Any]]] = {}
        for entity in self.entities:
            if entity is self.main:
                pairs = [(iri, view) for view in entity.items(fields) for iri in entity.iri(view)]
            else:  # views are made below, for the nodes not yet in the batch
                pairs = entity.iris(fields)
            views[entity.name] = pairs
            row_iris[entity.name] = [iri for iri, _ in pairs]
        main = row_iris[self.main.name]
        if len(main) != 1:
            raise RowRejected("missing value", f"{self.main.name}: no identifying key")
        out: list[Triple] = []
        new_keys = []
        for entity in self.entities:
            if entity.spec.ref:
                continue
            shared = entity is not self.main
            if shared:
                key = entity.memo_key(fields, row_iris)
                if key in memo:
                    continue
                new_keys.append(key)
            for iri, item in views[entity.name]:
                view = entity.view(fields, item) if shared else item
                triples = entity.triples(
                    iri, view, row_iris, self.dataset, self.spec.lang, self.provenance
                )
                out.extend(self._first_values(triples, row) if shared else triples)
        memo.update(new_keys)
        return out, row_iris

    def _first_values(self, triples: list[Triple], row: int) -> list[Triple]:
        """Single-valued properties of shared nodes keep the first value seen in the file."""
        out = []
        for s, p, o in triples:
            if p in self.functional:
                first = self.first_values.setdefault((s, p), (o, row))
                if first[0] != o:
                    if (s, p) not in self.conflicted:
                        self.conflicted.add((s, p))
                        self.conflict_log.append(
                            f"<{s}> {local_name(str(p))}: kept {_show(first[0])} (row {first[1]}), "
                            f"not {_show(o)} (row {row})"
                        )
                    o = first[0]
            out.append((s, p, o))
        return out

    def batches(
        self, path: Path, report: MapReport, advance: Callable[[float], None] | None = None
    ) -> Generator[Batch, None, None]:
        """Map the table at ``path``; rejections, skips and conflicts go into ``report``."""
        self.conflict_log = report.conflicts
        self.rows.load_lookups(path)
        params = self.rows.params(path)
        verdicts = self.winners(path, report) if self.spec.duplicates.keep == "latest" else {}
        seen: dict[int, int] = {}
        file = self.records.file_label(path)
        with open_table(path, self.spec.input) as table:
            batch, done = self._new_batch(), 0
            memo: set[tuple[Any, ...]] = set()
            for number, row, problem in table.rows:
                report.rows_read += 1
                try:
                    if problem:
                        raise RowRejected("malformed row", problem)
                    fields = self.rows.compute(row, params)
                    verdict = verdicts.get(number)
                    if verdict is not None:
                        issue = RowIssue(
                            number,
                            f"{verdict[0]} key",
                            f"same {self.main.name} as row {verdict[1]}",
                        )
                        (
                            report.superseded if verdict[0] == "superseded" else report.rejected
                        ).append(issue)
                        continue
                    triples, row_iris = self.row_triples(fields, memo, number)
                    iri = row_iris[self.main.name][0]
                except RowSkipped as skip:
                    report.skip(number, skip.category)
                    continue
                except RowRejected as rej:
                    report.rejected.append(RowIssue(number, rej.category, rej.detail))
                    continue
                if hash(iri) in seen:
                    detail = f"same {self.main.name} <{iri}> as row {seen[hash(iri)]}"
                    report.rejected.append(RowIssue(number, "duplicate key", detail))
                    continue
                seen[hash(iri)] = number
                if self.records.enabled:
                    rows = self.folded.get(number) or [(number, self.records.year_of(fields))]
                    extra, records = self.records.triples(iri, rows, file)
                    triples += extra
                    batch.records.update(dict.fromkeys(records, number))
                    batch.node_rows.update({r: [number] for r in records})
                self._add(batch, triples, row_iris, number, report)
                if len(batch.rows) >= self.spec.batch_rows:
                    yield self._finish(batch, report)
                    batch, memo = self._new_batch(), set()
                if advance is not None:
                    position = table.position()
                    advance(position - done)
                    done = position
            if batch.rows:
                yield self._finish(batch, report)
        for name, iris in self.distinct.items():
            if iris:
                report.entities[name] = len(iris)
        report.entities[self.main.name] = report.rows_mapped

    def _new_batch(self) -> Batch:
        facts = Facts()
        for s, p, o in self.static:
            facts.add(s, p, o)
        return Batch(facts)

    def _add(
        self,
        batch: Batch,
        triples: list[Triple],
        row_iris: dict[str, list[URIRef]],
        row: int,
        report: MapReport,
    ) -> None:
        add = batch.facts.add
        for s, p, o in triples:
            add(s, p, o)
        batch.rows[str(row_iris[self.main.name][0])] = row
        report.rows_mapped += 1
        node_rows = batch.node_rows
        for entity in self.entities:
            iris = row_iris.get(entity.name, [])
            if not entity.spec.ref:
                for iri in iris:
                    node_rows.setdefault(str(iri), []).append(row)
            if entity is not self.main and not entity.spec.ref:
                self.distinct[entity.name].update(iris)
            for prop in entity.spec.preserve:
                batch.preserve.setdefault(prop, set()).update(map(str, iris))

    def _finish(self, batch: Batch, report: MapReport) -> Batch:
        report.batches += 1
        return batch


def _show(term: Term) -> str:
    if not isinstance(term, Lit):
        return f"<{term}>"
    text = term.value
    return repr(text if len(text) <= 100 else text[:97] + "...")
