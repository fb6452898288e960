"""The write runs while the shapes are checked, and commits only on a conforming verdict.

ILLUSTRATIVE data (tests/fixtures/loader/make_bulk.py). Each test lets the write reach its gate
(every batch sent) before the verdict is given, so what is checked is the rollback of a write
that really happened: invisible in one transaction, visible but undone when staged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import neo4j
import pytest
from fixtures.loader.support import counts, dump
from test_loader_crash import bulk_file, stand_ins
from test_loader_staged import leftovers

from loaders.engine import load as engine_load
from loaders.engine.convert import to_records
from loaders.engine.facts import read_files
from loaders.engine.overlap import Beside
from loaders.engine.staged import staged_write
from loaders.pipeline import load_paths
from loaders.progress import Phases
from loaders.records import Records
from loaders.validate import ValidationFailed
from loaders.writer import LoadCounts, LoadInfo, write

pytestmark = pytest.mark.neo4j


def records_of(path: Path) -> Records:
    return to_records(read_files([path], [path.name], None))


def at_the_gate(
    run: Callable[[Callable[[], None]], LoadCounts],
) -> tuple[Beside[LoadCounts], threading.Event]:
    """Start ``run`` beside the test; the event is set once the write waits for its verdict."""
    arrived = threading.Event()

    def gated(gate: Callable[[], None]) -> LoadCounts:
        def signal_then_wait() -> None:
            arrived.set()
            gate()

        return run(signal_then_wait)

    beside = Beside(gated)
    assert arrived.wait(120), "the write never reached its gate"
    return beside, arrived


def test_one_transaction_waits_unseen_and_a_refusal_leaves_nothing(
    empty_store: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    stand_ins(empty_store, db)
    before, before_counts = dump(empty_store), counts(empty_store)
    records = records_of(bulk_file(tmp_path, 50))
    load = LoadInfo.for_content("overlap.ttl", "1" * 64)
    beside, _ = at_the_gate(lambda gate: write(empty_store, records, load, database=db, gate=gate))
    assert counts(empty_store) == before_counts  # written, not committed: nobody sees it
    beside.refuse()
    assert dump(empty_store) == before

    beside, _ = at_the_gate(lambda gate: write(empty_store, records, load, database=db, gate=gate))
    done = beside.accept()
    assert done.nodes_created > 0
    assert counts(empty_store)[0] == before_counts[0] + done.nodes_created + 1  # and the Load


def test_a_staged_write_refused_at_its_gate_is_rolled_back(
    empty_store: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    stand_ins(empty_store, db)
    before, before_counts = dump(empty_store), counts(empty_store)
    records = records_of(bulk_file(tmp_path, 100))
    load = LoadInfo.for_content("overlap.ttl", "2" * 64)

    def staged(gate: Callable[[], None]) -> LoadCounts:
        return staged_write(
            empty_store, iter([records]), load, database=db, batch_size=50, phases=Phases(),
            gate=gate,
        )  # fmt: skip

    beside, _ = at_the_gate(staged)
    assert counts(empty_store)[0] > before_counts[0]  # the batches are in, pending
    beside.refuse()
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0


def test_a_load_failing_its_shapes_while_it_writes_changes_nothing(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end through ``load_paths``, staged: the shapes are judged only once the write is
    at its gate, so the refusal undoes batches that were written."""
    stand_ins(empty_store, db)
    before = dump(empty_store)
    bad = tmp_path / "bad.ttl"
    bad.write_text(bulk_file(tmp_path, 200).read_text().replace('"QM"', '"qm"'))
    monkeypatch.setattr(engine_load, "SINGLE_TRANSACTION_ROWS", 0)
    monkeypatch.setattr(engine_load, "FORK_BYTES", 0)  # the late check waits on this process
    reached = threading.Event()
    real_write, real_check = engine_load.write_records, engine_load.check_shapes

    def watched_write(*args: object, gate: Callable[[], None], **kwargs: object) -> LoadCounts:
        def signal_then_wait() -> None:
            reached.set()
            gate()

        return real_write(*args, gate=signal_then_wait, **kwargs)  # type: ignore[arg-type]

    def late_check(*args: object, **kwargs: object) -> object:
        assert reached.wait(120), "the write never reached its gate"
        return real_check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_load, "write_records", watched_write)
    monkeypatch.setattr(engine_load, "check_shapes", late_check)
    with pytest.raises(ValidationFailed) as failed:
        load_paths([bad], driver=empty_store, database=db)
    assert any(v.value and "qm" in v.value for v in failed.value.report.violations)
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0
