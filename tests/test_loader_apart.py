"""The shapes checked in a forked child: its verdict, its errors and its death gate the write.

ILLUSTRATIVE data (tests/fixtures/loader/make_bulk.py).
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest
from fixtures.loader.support import dump
from test_loader_crash import bulk_file, stand_ins, wait_for
from test_loader_staged import leftovers

from civicgraph import neo4j_runtime
from civicgraph.errors import CivicGraphError
from civicgraph.paths import ROOT
from loaders.engine import load as engine_load
from loaders.engine.apart import Apart
from loaders.pipeline import load_paths
from loaders.validate import ValidationFailed


def test_the_child_answers_with_its_value() -> None:
    parent = os.getpid()
    assert Apart(lambda: ("from", os.getpid() != parent), "a test").result() == ("from", True)


def test_an_error_in_the_child_reaches_the_parent() -> None:
    def fail() -> None:
        raise CivicGraphError("the child could not go on")

    with pytest.raises(CivicGraphError, match="the child could not go on"):
        Apart(fail, "a test").result()


def test_a_child_killed_before_answering_is_a_clear_error() -> None:
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(CivicGraphError, match=r"a test ended without an answer \(killed by signal"):
        Apart(die, "a test").result()


def test_cancel_stops_a_child_that_would_never_answer() -> None:
    apart = Apart(lambda: signal.pause(), "a test")
    apart.cancel()
    apart.cancel()  # a second call has nothing left to do


def test_the_child_dies_with_a_killed_parent() -> None:
    script = (
        "import signal, sys\n"
        "from loaders.engine.apart import Apart\n"
        "apart = Apart(signal.pause, 'a test')\n"
        "print(apart._pid, flush=True)\n"
        "apart.result()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.stdout.close()  # a surviving child would hold the pipe open
    parent.wait()
    wait_for(lambda: not neo4j_runtime.pid_alive(child), 10, "the child to end")


@pytest.mark.neo4j
def test_a_forked_refusal_rolls_the_staged_write_back(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_ins(empty_store, db)
    before = dump(empty_store)
    bad = tmp_path / "bad.ttl"
    bad.write_text(bulk_file(tmp_path, 200).read_text().replace('"QM"', '"qm"'))
    monkeypatch.setattr(engine_load, "SINGLE_TRANSACTION_ROWS", 0)
    with pytest.raises(ValidationFailed) as failed:
        load_paths([bad], driver=empty_store, database=db)
    assert any(v.value and "qm" in v.value for v in failed.value.report.violations)
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0


@pytest.mark.neo4j
def test_a_validating_child_that_dies_writes_nothing(
    empty_store: neo4j.Driver, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_ins(empty_store, db)
    before = dump(empty_store)
    good = bulk_file(tmp_path, 200)

    def killed(*_: object, **__: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(engine_load, "check_shapes", killed)
    with pytest.raises(CivicGraphError, match="SHACL validation ended without an answer"):
        load_paths([good], driver=empty_store, database=db)
    assert dump(empty_store) == before
    assert leftovers(empty_store) == 0


def test_the_collector_is_paused_for_a_one_shot_load_and_back_after(tmp_path: Path) -> None:
    small = tmp_path / "small.nt"
    small.write_text("")
    assert gc.isenabled()
    with pytest.raises(CivicGraphError), engine_load.gc_paused([small]):
        assert not gc.isenabled()
        raise CivicGraphError("the load failed")
    assert gc.isenabled()


def test_a_streamed_load_keeps_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.nt"
    big.write_text("")
    monkeypatch.setattr(engine_load, "batches_for", lambda files: 4)
    with engine_load.gc_paused([big]):
        assert gc.isenabled()
