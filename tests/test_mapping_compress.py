"""Grouped validation finds exactly what full validation finds (no store needed).

The table is ILLUSTRATIVE: 240 invented votes on the invented roll call 9901 of
tests/fixtures/tables/unvotes_illustrative, some of them then broken on purpose.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import rdflib
from fixtures.tables.support import TABLES
from rdflib import RDFS, Literal, URIRef

from civicgraph.vocab import CSG, ID
from loaders.mapping.checks import compact
from loaders.mapping.engine import Batch, Engine
from loaders.mapping.load import load_mapping, mapping_for_source
from loaders.mapping.report import MapReport
from loaders.validate import ValidationReport, show, validate

CODES = ["US", "NL", "CZ", "CA", "FR", "DE", "IN", "BR"]


def batch_of_votes(tmp_path: Path) -> Batch:
    folder = tmp_path / "votes"
    shutil.copytree(TABLES / "unvotes_illustrative", folder)
    with (folder / "un_votes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["rcid", "country", "country_code", "vote"])
        for i in range(240):
            code = CODES[i % len(CODES)] if i < 8 else f"{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}"
            writer.writerow(
                ["9901.0", f"Illustrative state {i}", code, ["yes", "no", "abstain"][i % 3]]
            )
    engine = Engine(load_mapping(mapping_for_source("unvotes")))
    batches = list(engine.batches(folder / "un_votes.csv", MapReport("unvotes", "illustrative")))
    assert len(batches) == 1
    return batches[0]


def findings(
    report: ValidationReport, members: dict[URIRef, list[URIRef]] | None = None
) -> set[tuple[str | None, str | None, str]]:
    stands_for = {show(k): [show(n) for n in v] for k, v in (members or {}).items()}
    return {
        (node, v.path, v.message)
        for v in report.violations
        for node in stands_for.get(v.focus, [v.focus])
    }


def test_grouped_validation_equals_full_validation(tmp_path: Path) -> None:
    batch = batch_of_votes(tmp_path)
    votes = sorted(batch.rows)
    graph = batch.graph
    graph.set((votes[10], CSG.voteChoice, Literal("maybe")))
    graph.remove((votes[20], CSG.date, None))
    graph.add((votes[30], CSG.date, Literal("2001-01-01", datatype=rdflib.XSD.date)))
    graph.set((votes[40], CSG.voter, URIRef(ID["country/us"])))
    graph.set((votes[50], RDFS.label, Literal("illustrative", lang="fr")))
    graph.set((votes[60], CSG.date, Literal("not a date")))

    grouped, members = compact(batch)
    assert len(members) < 20  # 240 votes, a handful of kinds
    full, everyone = compact(batch, full=True)
    assert len(everyone) == len(votes)

    expected = findings(validate(full))
    assert {f[0] for f in expected} >= {show(votes[i]) for i in (10, 20, 30, 40, 50, 60)}
    assert findings(validate(grouped), members) == expected
