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
from rdflib import RDFS, URIRef

from civicgraph.vocab import CSG, ID
from loaders.engine.fastvalidate import validate_facts
from loaders.engine.terms import LANG_STRING, Lit, Term
from loaders.mapping import checks, reference
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
    report: ValidationReport, members: dict[str, list[str]] | None = None
) -> set[tuple[str | None, str | None, str]]:
    stands_for = {show(URIRef(k)): [show(URIRef(n)) for n in v] for k, v in (members or {}).items()}
    return {
        (node, v.path, v.message)
        for v in report.violations
        for node in stands_for.get(v.focus, [v.focus])
    }


def broken_batch(tmp_path: Path) -> tuple[Batch, list[str]]:
    batch = batch_of_votes(tmp_path)
    votes = sorted(batch.rows)
    facts = batch.facts

    def set_one(node: str, predicate: str, value: Term) -> None:
        facts.subjects[node].pop(predicate, None)
        facts.add(node, predicate, value)

    set_one(votes[10], str(CSG.voteChoice), Lit("maybe"))
    facts.subjects[votes[20]].pop(str(CSG.date))
    facts.add(votes[30], str(CSG.date), Lit("2001-01-01", str(rdflib.XSD.date)))
    set_one(votes[40], str(CSG.voter), str(ID["country/us"]))
    set_one(votes[50], str(RDFS.label), Lit("illustrative", LANG_STRING, "fr"))
    set_one(votes[60], str(CSG.date), Lit("not a date"))
    return batch, votes


def test_grouped_validation_equals_full_validation(tmp_path: Path) -> None:
    batch, votes = broken_batch(tmp_path)
    grouped, members = reference.compact(batch)
    assert len(members) < 20  # 240 votes, a handful of kinds
    full, everyone = reference.compact(batch, full=True)
    assert len(everyone) == len(votes)

    expected = findings(validate(full))
    assert {f[0] for f in expected} >= {show(URIRef(votes[i])) for i in (10, 20, 30, 40, 50, 60)}
    assert findings(validate(grouped), members) == expected


def test_fast_grouping_equals_the_reference_grouping(tmp_path: Path) -> None:
    """The fast path groups ``Facts`` into the same groups, and the compiled shapes find on the
    representatives what pyshacl finds on every vote."""
    batch = broken_batch(tmp_path)[0]
    _, expected_members = reference.compact(batch)
    full, _ = reference.compact(batch, full=True)
    expected = findings(validate(full))
    members = checks.compact(batch)
    assert members == expected_members
    assert findings(validate_facts(batch.facts), members) == expected
