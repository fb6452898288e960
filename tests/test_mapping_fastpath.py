"""Differential test of the table loads: the fast path (facts, compiled shapes, the fast
converter) against the reference path (rdflib graphs, pyshacl, ``loaders.records``).

Each shipped mapping runs over a real sample (the first rows of each real file of
../shared/data; skipped when it is absent) and over the same sample with defects injected into
its batches: a date that is not an xsd:date, an unknown country, missing sources on a row's node
and on a shared node, a bad resolution symbol; and, on a copy, an ill-typed xsd:date, which the
store cannot hold (the load is refused before validation). Per batch both paths must give
identical findings (focus node, path, value, message, severity, shape: pyshacl on every node
against the compiled shapes), the same rejected rows and the same records. Nothing is written;
validation reads the store, which holds the vocabularies and the reference data.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fixtures.tables.support import ID, SHARED, with_reference

from civicgraph.settings import Settings
from civicgraph.store import database
from civicgraph.vocab import CSG
from loaders.engine.facts import Facts
from loaders.engine.fastvalidate import validate_facts
from loaders.engine.terms import Lit
from loaders.mapping import reference
from loaders.mapping.engine import Batch, Engine
from loaders.mapping.load import load_mapping, mapping_for_source, resolve_table
from loaders.mapping.report import MapReport
from loaders.mapping.run import LoadRefused, check_one, run_mapping
from loaders.progress import Phases
from loaders.validate import ValidationFailed, validate

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not (SHARED / "keepiton").is_dir(),
        reason=f"the real datasets are not at {SHARED} (they are never copied into the repo)",
    ),
]

SOURCE = "http://purl.org/dc/terms/source"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
ROWS = {"keepiton": 800, "unvotes": 3000, "civicus": 197}


@pytest.fixture(scope="module")
def store(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> Iterator[str]:
    db = database(neo4j_settings)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    with_reference(neo4j_driver, db)
    yield db


def sample(source: str, folder: Path) -> Path:
    """The first ``ROWS[source]`` rows of the real file (with the lookup tables it joins)."""
    if source == "civicus":
        real = SHARED / "civicus" / "civicus_2021-03-19.json"
        entries = list(json.loads(real.read_text(encoding="utf-8")).items())
        path = folder / real.name
        path.write_text(json.dumps(dict(entries[: ROWS[source]])), encoding="utf-8")
        return path
    real = {
        "keepiton": SHARED / "keepiton" / "stop_2016_2025.csv",
        "unvotes": SHARED / "unvotes" / "un_votes.csv",
    }[source]
    for other in real.parent.iterdir():
        if other != real:
            shutil.copy(other, folder / other.name)
    with real.open(encoding="utf-8", newline="") as fh:
        rows = [row for _, row in zip(range(ROWS[source] + 1), csv.reader(fh), strict=False)]
    path = folder / real.name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _replace(facts: Facts, node: str, predicate: str, value: Any) -> None:
    facts.subjects[node].pop(predicate, None)
    facts.triples = sum(len(v) for p in facts.subjects.values() for v in p.values())
    facts.add(node, predicate, value)


def _first(facts: Facts, nodes: list[str], test: Callable[[str, Any], bool]) -> tuple[str, str]:
    for node in nodes:
        for predicate, values in facts.subjects.get(node, {}).items():
            if any(test(predicate, v) for v in values):
                return node, predicate
    raise LookupError


def _is_date(_: str, value: Any) -> bool:
    return isinstance(value, Lit) and value.datatype == XSD_DATE


def inject(batch: Batch) -> list[str]:
    """Break the batch on purpose (see module doc); returns what was broken."""
    facts, main = batch.facts, list(batch.rows)
    shared = [n for n in batch.node_rows if n not in batch.rows and n in facts.subjects]
    done = []
    try:
        node, pred = _first(facts, main, _is_date)
        _replace(facts, node, pred, Lit("2015-02-30"))  # a date as text: the shapes refuse it
        done.append("bad date")
    except LookupError:
        pass
    countries = (ID + "country/", ID + "state/")
    try:
        node, pred = _first(
            facts, main[3:], lambda p, v: isinstance(v, str) and v.startswith(countries)
        )
        _replace(facts, node, pred, ID + "country/zz")
        done.append("unknown country")
    except LookupError:
        pass
    for node in (main[len(main) // 2], *shared[:1]):
        facts.subjects[node].pop(SOURCE, None)
        done.append("missing source")
    symbols = [n for n in facts.subjects if str(CSG.symbol) in facts.subjects[n]]
    if symbols:
        _replace(facts, symbols[0], str(CSG.symbol), Lit("A/RES/not-a-symbol"))
        done.append("bad symbol")
    facts.triples = sum(len(v) for p in facts.subjects.values() for v in p.values())
    return done


def outcome(
    batch: Batch, driver: neo4j.Driver, db: str, use_reference: bool
) -> tuple[Any, list[Any], int]:
    report = MapReport("differential", "sample")
    try:
        result: Any = check_one(batch, report, driver, db, Phases(), use_reference=use_reference)
    except ValidationFailed as exc:
        result = ("failed", exc.report.violations)
    except LoadRefused as exc:
        result = ("refused", str(exc))
    return result, report.rejected, report.rows_mapped


def findings_both(batch: Batch, driver: neo4j.Driver, db: str) -> tuple[list[Any], list[Any]]:
    """Every node validated, no grouping: pyshacl on the graph, compiled shapes on the facts."""
    graph = reference.graph_of(batch)
    slow = validate(graph, driver=driver, database=db).violations
    fast = validate_facts(copy.deepcopy(batch.facts), driver=driver, database=db).violations
    return slow, fast


@pytest.mark.parametrize("broken", [False, True], ids=["as-is", "defects"])
@pytest.mark.parametrize("source", ["keepiton", "unvotes", "civicus"])
def test_fast_path_equals_reference(
    source: str, broken: bool, store: str, neo4j_driver: neo4j.Driver, tmp_path: Path
) -> None:
    mapping = load_mapping(mapping_for_source(source))
    path = resolve_table(mapping, sample(source, tmp_path))
    engine = Engine(mapping)
    batches = list(engine.batches(path, MapReport(source, "sample")))
    assert batches
    injected: list[str] = []
    rejected = 0
    for batch in batches:
        if broken:
            ill_typed = copy.deepcopy(batch)
            node, pred = _first(ill_typed.facts, list(ill_typed.rows), _is_date)
            _replace(ill_typed.facts, node, pred, Lit("2015-02-30", XSD_DATE))
            refused = outcome(copy.deepcopy(ill_typed), neo4j_driver, store, use_reference=True)
            assert refused[0][0] == "refused"  # the store cannot hold it: nothing is validated
            assert outcome(ill_typed, neo4j_driver, store, use_reference=False) == refused
            injected += inject(batch)
        slow, fast = findings_both(batch, neo4j_driver, store)
        assert fast == slow
        expected = outcome(copy.deepcopy(batch), neo4j_driver, store, use_reference=True)
        assert outcome(batch, neo4j_driver, store, use_reference=False) == expected
        rejected += len(expected[1])
    if broken:
        wanted = {"bad date", "unknown country", "missing source"}
        wanted |= {"bad symbol"} if source == "unvotes" else set()
        assert wanted <= set(injected)
        assert rejected > 0
    elif source == "keepiton":  # rows whose end date is before their start date (real data)
        assert rejected == 3


def test_mapping_in_a_child_process_reports_the_same(
    store: str, neo4j_driver: neo4j.Driver, tmp_path: Path
) -> None:
    """The UN votes sample in batches of 500, mapped in the loader's process and in a child
    process (as big tables are): the same report, row for row. Nothing is written."""
    path = sample("unvotes", tmp_path)
    shipped = load_mapping(mapping_for_source("unvotes"))
    mapping = dataclasses.replace(shipped, spec=shipped.spec.model_copy(update={"batch_rows": 500}))
    reports = [
        run_mapping(
            mapping, path, driver=neo4j_driver, database=store, dry_run=True, worker=worker
        ).to_json()
        for worker in (False, True)
    ]
    for report in reports:
        report.pop("timings")
    assert reports[0]["rows_read"] == ROWS["unvotes"]
    assert reports[1] == reports[0]
