"""The two helpers that let a table load use both cores, without a store: the mapping child
process (``loaders.mapping.worker``) and the write-ahead thread (``loaders.mapping.ahead``).
Tables are ILLUSTRATIVE fixtures (tests/fixtures/tables)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.tables.support import TABLES

from civicgraph.errors import CivicGraphError
from loaders.engine.convert import to_records
from loaders.mapping.ahead import one_ahead
from loaders.mapping.engine import Engine
from loaders.mapping.load import load_mapping, mapping_for_source
from loaders.mapping.report import MapReport
from loaders.mapping.worker import Mapped, mapped_batches, merge


def _votes(tmp_path: Path) -> Path:
    folder = tmp_path / "votes"
    shutil.copytree(TABLES / "unvotes_illustrative", folder)
    return folder / "votes_illustrative.csv"


def test_the_child_maps_and_converts_what_the_loader_would(tmp_path: Path) -> None:
    path = _votes(tmp_path)
    mapping = load_mapping(mapping_for_source("unvotes"))
    here = MapReport("unvotes", "illustrative")
    expected = [
        (b.rows, b.facts.subjects, to_records(b.facts)) for b in Engine(mapping).batches(path, here)
    ]
    there, done, progress = MapReport("unvotes", "illustrative"), [], []
    engine = Engine(mapping)
    got = [
        (b.rows, b.facts.subjects, records)
        for b, records, _ in mapped_batches(engine, path, there, progress.append, done.append)
    ]
    assert got == expected
    assert there.rows_read == 0  # the child's report comes back whole, at the end
    assert len(done) == 1 and isinstance(done[0], Mapped)
    merge(there, done[0], engine.main.name)
    assert there.to_json() == here.to_json()
    assert sum(progress) == path.stat().st_size


def test_an_error_in_the_child_is_raised_in_the_loader(tmp_path: Path) -> None:
    path = _votes(tmp_path)
    path.write_text("rcid,nation,code,vote\n1,Illustrative,US,yes\n", encoding="utf-8")
    engine = Engine(load_mapping(mapping_for_source("unvotes")))
    with pytest.raises(CivicGraphError, match="column"):
        list(mapped_batches(engine, path, MapReport("unvotes", "x"), lambda _: None, print))


def test_one_ahead_keeps_order_and_raises_in_order() -> None:
    assert list(one_ahead(iter(range(5)))) == [0, 1, 2, 3, 4]

    def failing() -> Iterator[int]:
        yield 1
        raise CivicGraphError("illustrative failure while reading batch 2")

    got: list[int] = []
    with pytest.raises(CivicGraphError, match="batch 2"):
        for item in one_ahead(failing()):
            got.append(item)
    assert got == [1]


def test_one_ahead_stops_its_thread_when_the_writer_stops() -> None:
    ahead = one_ahead(iter(range(1000)))
    assert next(ahead) == 0
    ahead.close()  # the writer failed: the thread must not stay blocked on a full queue
