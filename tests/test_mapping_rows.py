"""Fields computed once per distinct value of the columns they depend on, with the same results.

``RowMapper`` groups consecutive fields by the main-table columns their values depend on and
reuses a group's outcome (values, ``on_miss: drop`` counts, the rejection) for rows that agree on
those columns. These tests pin the dependency analysis and compare every field of every row with
a mapper that shares nothing between rows.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from fixtures.tables.support import SHARED

from loaders.mapping.load import load_mapping, resolve_table, shipped
from loaders.mapping.readers import open_table
from loaders.mapping.rows import RowMapper, _Group, column_dependencies
from loaders.mapping.values import RowRejected

TABLES = Path(__file__).parent / "fixtures" / "tables"


def test_dependencies_follow_fields_templates_gates_and_lookups() -> None:
    spec = load_mapping(shipped("unvotes")).spec
    deps = dict(zip(spec.fields, column_dependencies(spec), strict=True))
    assert deps["rcid"] == {"rcid"}
    assert deps["date"] == {"rcid"}  # roll_call lookup, joined by the rcid field
    assert deps["whole_symbol"] == {"rcid"}  # field + when gates, all roll-call fields
    assert deps["choice"] == {"vote"}
    assert deps["cc"] == {"country", "country_code"}  # coalesce of two, one gated by unless
    assert deps["state_label"] == {"country", "country_code"}


def _uncached(spec: Any) -> RowMapper:
    """The same mapper with one group per field keyed by the whole row: nothing is shared
    between rows that differ in any column."""
    mapper = RowMapper(spec)
    columns = tuple(sorted(spec.input.columns or []))
    mapper.groups = [_Group([f], columns) for f in mapper.fields]
    return mapper


def _outcomes(mapper: RowMapper, path: Path, rows: int) -> list[Any]:
    mapper.load_lookups(path)
    params = mapper.params(path)
    out: list[Any] = []
    with open_table(path, mapper.spec.input) as table:
        for _, row, _ in itertools.islice(table.rows, rows):
            try:
                out.append(sorted(mapper.compute(row, params).items(), key=str))
            except RowRejected as exc:
                out.append((type(exc).__name__, exc.category, exc.detail))
    return out


@pytest.mark.parametrize(
    ("name", "table", "rows"),
    [
        ("unvotes", TABLES / "unvotes_illustrative" / "votes_illustrative.csv", 10_000),
        ("keepiton", TABLES / "keepiton_illustrative.csv", 10_000),
        ("unvotes", SHARED / "unvotes", 30_000),
        ("keepiton", SHARED / "keepiton" / "stop_2016_2025.csv", 10_000),
    ],
)
def test_grouped_fields_give_what_field_by_field_gives(name: str, table: Path, rows: int) -> None:
    if not table.exists():
        pytest.skip(f"{table} is absent (the real datasets are never copied into the repo)")
    mapping = load_mapping(shipped(name))
    path = resolve_table(mapping, table)
    grouped, plain = RowMapper(mapping.spec), _uncached(mapping.spec)
    assert len(grouped.groups) < len(grouped.fields)  # some fields do share their columns
    assert _outcomes(grouped, path, rows) == _outcomes(plain, path, rows)
    assert [f.dropped for f in grouped.fields] == [f.dropped for f in plain.fields]
