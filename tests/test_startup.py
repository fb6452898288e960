"""What a load pays before and after its work: one ontology read per process, a frozen exit."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading

import pytest

from civicgraph import cli, model
from civicgraph.model import Ontology


def test_ontology_is_read_once_when_two_threads_ask_together(monkeypatch):
    reads: list[int] = []
    original = Ontology.from_files.__func__  # type: ignore[attr-defined]
    gate = threading.Barrier(2)

    def slow_read(cls, files):
        reads.append(1)
        return original(cls, files)

    monkeypatch.setattr(model, "_READ", {})
    monkeypatch.setattr(Ontology, "from_files", classmethod(slow_read))
    got: list[Ontology] = []

    def ask() -> None:
        gate.wait()
        got.append(Ontology.get())

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reads) == 1
    assert got[0] is got[1]
    assert "Incident" in got[0].classes


def test_run_exits_with_the_commands_code_and_a_frozen_heap(monkeypatch):
    monkeypatch.setattr(cli, "main", lambda argv=None: 3)
    try:
        with pytest.raises(SystemExit) as ended:
            cli.run([])
        assert ended.value.code == 3
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_load_path_does_not_import_pyshacl():
    code = (
        "import sys, civicgraph.cli, loaders.pipeline, loaders.engine.load;"
        "print('pyshacl' in sys.modules, 'rdflib.plugins.sparql' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
