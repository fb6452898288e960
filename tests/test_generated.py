"""The committed generated files (``civicgraph.codegen.artifacts()``) match what the ontology and
the other inputs generate now. After changing ``ontology/*.ttl`` run ``civicgraph generate``."""

from __future__ import annotations

import difflib

import pytest

from civicgraph.codegen import artifacts
from civicgraph.paths import ROOT

FIX = "run `civicgraph generate` and commit the result"


def _excerpt(path_name: str, expected: str, actual: str, limit: int = 40) -> str:
    diff = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path_name} (committed)",
        tofile=f"{path_name} (generated)",
    )
    lines = list(diff)
    more = f"... {len(lines) - limit} more diff lines\n" if len(lines) > limit else ""
    return "".join(lines[:limit]) + more


def test_generated_files_are_current() -> None:
    rendered = artifacts()
    assert rendered, "civicgraph.codegen.artifacts() lists no generated file"
    problems = []
    for path, expected in sorted(rendered.items()):
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        if not path.exists():
            problems.append(f"{name} is missing: {FIX}")
            continue
        actual = path.read_text()
        if actual != expected:
            problems.append(f"{name} is stale: {FIX}\n{_excerpt(name, expected, actual)}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
