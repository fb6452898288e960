"""A table of several batches written while its later batches are still checked
(``loaders.mapping.writing``), into the real Neo4j on the ILLUSTRATIVE UN votes fixture
(tests/fixtures/tables): the same store as a load of one batch, and a refusal after batches were
written leaves the store as it was."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fixtures.tables.support import TABLES, with_reference

from loaders.mapping.load import Mapping, load_mapping, mapping_for_source
from loaders.mapping.report import MapReport
from loaders.mapping.run import LoadRefused, run_mapping
from loaders.mapping.writing import BatchWriter

pytestmark = pytest.mark.neo4j

_BATCHY = {"loadedAt", "triples", "nodesUnchanged", "relationshipsUnchanged"}
VOTES = TABLES / "unvotes_illustrative" / "votes_illustrative.csv"


def _mapping(batch_rows: int | None = None) -> Mapping:
    mapping = load_mapping(mapping_for_source("unvotes"))
    if batch_rows is None:
        return mapping
    spec = mapping.spec.model_copy(update={"batch_rows": batch_rows})
    return Mapping(spec, mapping.path, mapping.notices)


def _table(tmp_path: Path) -> Path:
    shutil.copytree(VOTES.parent, tmp_path / "unvotes")
    return tmp_path / "unvotes" / VOTES.name


def _graph(driver: neo4j.Driver, db: str) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with its properties, aside from a Load's time and the counts
    that grow with the batches (shared nodes are written again, unchanged, by each batch)."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN n.iri AS iri, labels(n) AS labels, properties(n) AS props ORDER BY iri",
        database_=db,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.iri AS a, type(r) AS t, b.iri AS b, properties(r) AS p "
        "ORDER BY a, t, b",
        database_=db,
    )
    shown = [
        (r["iri"], sorted(r["labels"]), {k: v for k, v in r["props"].items() if k not in _BATCHY})
        if "Load" in r["labels"]
        else (r["iri"], sorted(r["labels"]), r["props"])
        for r in nodes
    ]
    return shown, [(r["a"], r["t"], r["b"], r["p"]) for r in rels]


def _load(driver: neo4j.Driver, db: str, path: Path, rows: int | None, **kw: Any) -> MapReport:
    return run_mapping(_mapping(rows), path, driver=driver, database=db, worker=False, **kw)


def test_several_batches_give_the_store_of_one(ref: neo4j.Driver, db: str, tmp_path: Path) -> None:
    path = _table(tmp_path)
    several = _load(ref, db, path, 3)
    assert several.batches == 3 and "write (beside)" in several.timings
    assert several.timings["other"] >= 0
    got = _graph(ref, db)
    assert not [n for n in got[0] if {"LoadAttempt", "LoadUndo"} & set(n[1])]
    ref.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    with_reference(ref, db)
    one = _load(ref, db, path, None)
    assert one.batches == 1 and "write (beside)" not in one.timings
    # Shared nodes come again in later batches: unchanged there, so only these counts agree.
    kept = ("nodesCreated", "nodesUpdated", "relationshipsCreated", "relationshipsUpdated")
    assert [several.written[k] for k in kept] == [one.written[k] for k in kept]
    assert several.written["nodesCreated"] > 0
    assert (several.rows_mapped, several.rejected) == (one.rows_mapped, one.rejected)
    assert got == _graph(ref, db)


def test_a_refusal_after_batches_were_written_rolls_them_back(
    ref: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _table(tmp_path)
    before = _graph(ref, db)
    written: list[int] = []
    abandon = BatchWriter.abandon

    def counted(self: BatchWriter) -> None:
        written.append(self.batches)
        abandon(self)

    monkeypatch.setattr(BatchWriter, "abandon", counted)
    with pytest.raises(LoadRefused) as err:
        _load(ref, db, path, 3, strict=True)
    assert {issue.row for issue in err.value.report.rejected} == {7, 12}
    assert written == [3]  # every batch went to the write before the refusal
    assert _graph(ref, db) == before
