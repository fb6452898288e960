"""From one raw row to its fields: lookups joined, values cleaned, declared filters applied.

Kept apart from the engine so the per-row work (the part that runs 870k times) reads on its own
and can be tested without building any RDF.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.mapping.functions import FUNCTIONS
from loaders.mapping.readers import Row, TableError, open_table
from loaders.mapping.spec import FilterSpec, MappingSpec
from loaders.mapping.values import CompiledField, Fields, RowRejected, RowSkipped, lookup_key


def column_dependencies(spec: MappingSpec) -> list[frozenset[str]]:
    """For each field, the columns of the main table its value depends on (through other
    fields, templates, gates and lookups joined by a field): equal columns, equal value."""
    from loaders.mapping.load import template_names

    deps: dict[str, frozenset[str]] = {}
    for name, f in spec.fields.items():
        columns: set[str] = set()
        names = [*f.when, *f.unless, *(f.coalesce or [])]
        names += [n for n in (f.field, f.differs_from) if n]
        names += template_names(f.template) if f.template else []
        if f.column is not None:
            table, _, col = f.column.rpartition(".")
            if table:
                names.append(spec.lookups[table].by)
            else:
                columns.add(col)
        for other in names:  # file-name parameters and later fields add no column
            columns |= deps.get(other, frozenset())
        deps[name] = frozenset(columns)
    return [deps[name] for name in spec.fields]


@dataclass
class _Group:
    """Consecutive fields that depend on the same columns, computed once per distinct value of
    those columns: 870k votes share about 6,200 roll calls and 200 voters."""

    fields: list[CompiledField]
    columns: tuple[str, ...]
    cache: dict[tuple[Any, ...], _Outcome] = field(default_factory=dict)


# values assigned, on_miss drops counted per field, and the exception that ended the group
_Outcome = tuple[list[tuple[str, Any]], list[int], RowRejected | None]


class RowMapper:
    """Computes the fields of rows for one mapping (see module doc)."""

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self.fields = [CompiledField(n, f) for n, f in spec.fields.items()]
        self.lookups: dict[str, dict[Any, Any]] = {}
        self.filters: dict[str, list[FilterSpec]] = {}
        for flt in spec.filters:
            self.filters.setdefault(flt.field, []).append(flt)
        self.groups: list[_Group] = []
        for fld, columns in zip(self.fields, column_dependencies(spec), strict=True):
            key = tuple(sorted(columns))
            if self.groups and self.groups[-1].columns == key:
                self.groups[-1].fields.append(fld)
            else:
                self.groups.append(_Group([fld], key))

    def load_lookups(self, main_path: Path) -> None:
        """Read every lookup table (small: roll calls, issues) into memory, keyed for joining:
        only the rows ``where`` keeps, by their key column (normalised by ``key_function``;
        a key the function cannot read joins nothing)."""
        for name, spec in self.spec.lookups.items():
            table: dict[Any, Any] = {}
            normalise = FUNCTIONS[spec.key_function] if spec.key_function else None
            where = {col: {v.strip() for v in values} for col, values in spec.where.items()}
            with open_table(main_path.parent / spec.path, spec.input) as lookup:
                for _, row, _ in lookup.rows:
                    if any(str(row[col]).strip() not in vals for col, vals in where.items()):
                        continue
                    raw: Any = row[spec.key]
                    if normalise is not None:
                        raw = normalise(str(raw)) if str(raw).strip() else None
                        if raw is None:
                            continue
                    key = lookup_key(raw, spec)
                    if spec.many:
                        table.setdefault(key, []).append(row)
                    else:
                        table.setdefault(key, row)
            self.lookups[name] = table

    def _params(self, path: Path) -> Fields:
        pattern = self.spec.input.filename_pattern
        if not pattern:
            return {}
        match = re.search(pattern, path.name)
        if match is None:
            raise TableError(
                f"{path}: the file name does not match the mapping's input.filename_pattern "
                f"{pattern!r}, which tells values the file itself does not hold (such as its date)"
            )
        return match.groupdict()

    def compute(self, row: Row, params: Fields) -> Fields:
        """All fields of a row; raises ``RowRejected`` / ``RowSkipped``."""
        fields: Fields = dict(params)
        cache: dict[str, Any] = {}

        def lookup(table: str) -> Any:
            if table not in cache:
                spec = self.spec.lookups[table]
                key = lookup_key(fields.get(spec.by), spec)
                cache[table] = self.lookups[table].get(key)
                if cache[table] is None and spec.required:
                    detail = f"{spec.by}={fields.get(spec.by)!r}"
                    raise RowRejected(f"no matching {table} row", detail)
            return cache[table]

        for group in self.groups:
            key = tuple(row.get(c) for c in group.columns)
            outcome = group.cache.get(key)
            if outcome is None:
                outcome = self._run(group, row, fields, lookup)
                if len(group.cache) > 200_000:
                    group.cache.clear()
                group.cache[key] = outcome
            else:
                for fld, dropped in zip(group.fields, outcome[1], strict=False):
                    fld.dropped += dropped
            assigned, _, error = outcome
            fields.update(assigned)
            if error is not None:
                raise type(error)(error.category, error.detail)
        return fields

    def _run(
        self, group: _Group, row: Row, fields: Fields, lookup: Callable[[str], Any]
    ) -> _Outcome:
        assigned: list[tuple[str, Any]] = []
        drops: list[int] = []
        for fld in group.fields:
            before = fld.dropped
            try:
                value = fld.compute(row, fields, lookup)
                if value is not None:
                    fields[fld.name] = value
                    assigned.append((fld.name, value))
                for flt in self.filters.get(fld.name, []):
                    if value in flt.values:  # checked at once: earlier fields' reasons first
                        raise RowSkipped(flt.reason, f"{flt.field}={value!r}")
            except RowRejected as exc:
                drops.append(fld.dropped - before)
                return assigned, drops, exc
            drops.append(fld.dropped - before)
        return assigned, drops, None

    def params(self, path: Path) -> Fields:
        """Fields the file name carries (``input.filename_pattern``), such as a snapshot date.
        A new file may carry other values: the per-group results are forgotten."""
        for group in self.groups:
            group.cache.clear()
        return self._params(path)

    def drop_notices(self, passes: int = 1) -> list[str]:
        """How many values each ``on_miss: drop`` field left out, per pass over the table."""
        return [
            f"field {f.name} ({f.where}): {f.dropped // passes:,} values matched nothing and were "
            "left out (on_miss: drop)"
            for f in self.fields
            if f.dropped
        ]
