"""Streaming rows out of CSV, XLSX and JSON files, with the header checked against the mapping.

Rows are numbered as a spreadsheet shows them (the header is row 1, the first data row is row
2), so a rejection report can be checked by opening the file. Header names are compared after
trimming (real sheets have ``country `` and ``end_date ``). A header that still differs from the
mapping's ``columns`` refuses the file with the missing and unexpected columns listed, and those
that differ only in case or white space named: a wrong delimiter also looks like this (one long
column), so the message says so.

The reader follows the file's real format (its first bytes, then its extension), not only the
mapping's ``input.format``: the same dataset comes as CSV or as an XLSX workbook, and a workbook
read as CSV text would be reported as a bad encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from civicgraph.errors import CivicGraphError
from loaders.mapping.spec import InputSpec

Row = dict[str, str]
_DELIMITERS = [",", ";", "\t", "|"]


class TableError(CivicGraphError):
    """A table that cannot be read as the mapping describes it; nothing was loaded."""


@dataclass
class Table:
    """An open table: its header, its rows as (row number, values, problem) and progress."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, Row, str | None]]
    size: int
    position: Callable[[], int]


def _loose(name: str) -> str:
    return "".join(name.split()).casefold()


def near_misses(missing: list[str], unexpected: list[str]) -> list[str]:
    """Columns the file names differently from the mapping only by case or white space."""
    wanted = {_loose(c): c for c in missing}
    return [f"{c!r} for {wanted[_loose(c)]!r}" for c in unexpected if _loose(c) in wanted]


def check_header(path: Path, header: list[str], expected: list[str], delimiter: str = "") -> None:
    """``header`` is already trimmed (``country `` is ``country``); see the module doc."""
    missing = [c for c in expected if c not in header]
    unexpected = [c for c in header if c not in expected]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if not (missing or unexpected or repeated):
        return
    parts = []
    if missing:
        parts.append(f"missing columns: {', '.join(missing)}")
    if unexpected:
        shown = [c if len(c) < 60 else c[:57] + "..." for c in unexpected]
        parts.append(f"unexpected columns: {', '.join(shown)}")
    if repeated:
        parts.append(f"repeated columns: {', '.join(repeated)}")
    close = near_misses(missing, unexpected)
    if close:
        parts.append(f"differing only in case or white space: {', '.join(close)}")
    hint = ""
    if len(header) == 1 and len(expected) > 1:
        hint = (
            f" The file has a single column when read with the delimiter {delimiter!r}: it is"
            " probably separated by another character; set input.delimiter in the mapping."
        )
    raise TableError(
        f"{path}: the columns do not match the mapping, so nothing was loaded ({'; '.join(parts)})."
        + hint
    )


def _check_encoding(path: Path, encoding: str, declared: str) -> None:
    """Decode the whole file once, so a bad byte is reported before any row is processed."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise TableError(
                    f"{path}: not valid {declared} text (byte {chunk[exc.start]:#04x} at offset "
                    f"{offset + exc.start}); set input.encoding in the mapping (for example "
                    "cp1252 or latin-1) to the file's encoding."
                ) from exc
            offset += len(chunk)
        decoder.decode(b"", final=True)


def _sniff(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def _open_csv(path: Path, spec: InputSpec) -> Iterator[Table]:
    encoding = (
        "utf-8-sig"
        if spec.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        else spec.encoding
    )
    _check_encoding(path, encoding, spec.encoding)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        first = text.readline()
        if not first.strip():
            raise TableError(f"{path}: the file is empty (no header row); nothing was loaded.")
        delimiter = spec.delimiter or _sniff(first)
        header = [c.strip() for c in next(csv.reader([first], delimiter=delimiter))]
        check_header(path, header, spec.columns, delimiter)
        reader = csv.reader(text, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, Row, str | None]]:
            for number, values in enumerate(reader, start=2):
                if not values:
                    continue
                problem = None
                if len(values) != len(header):
                    problem = f"has {len(values)} fields where the header has {len(header)}"
                yield number, dict(zip(header, values, strict=False)), problem

        yield Table(path, header, rows(), path.stat().st_size, raw.tell)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextmanager
def _open_xlsx(path: Path, spec: InputSpec) -> Iterator[Table]:
    """openpyxl in read-only mode streams rows instead of loading the whole workbook. It is
    given an open file, since it would refuse a workbook by its name (``export.csv``)."""
    from openpyxl import load_workbook

    handle = path.open("rb")
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        handle.close()
        raise TableError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        names = ", ".join(book.sheetnames)
        if spec.sheet and spec.sheet not in book.sheetnames:
            raise TableError(f"{path}: no sheet {spec.sheet!r} (sheets: {names})")
        if not spec.sheet and len(book.sheetnames) > 1:
            raise TableError(
                f"{path}: the workbook has {len(book.sheetnames)} sheets ({names}); choose one "
                "with --sheet NAME (or input.sheet in the mapping), so no sheet is left out "
                "unnoticed"
            )
        sheet = book[spec.sheet] if spec.sheet else book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        first = next(it, None)
        if first is None or all(v is None for v in first):
            raise TableError(f"{path}: the sheet is empty (no header row); nothing was loaded.")
        header = [_cell(v).strip() for v in first]
        while header and header[-1] == "":
            header.pop()
        check_header(path, header, spec.columns)
        done = [0]

        def rows() -> Iterator[tuple[int, Row, str | None]]:
            for number, values in enumerate(it, start=2):
                done[0] = number
                cells = [_cell(v) for v in values]
                if not any(cells):
                    continue
                extra = [c for c in cells[len(header) :] if c]
                problem = f"has {len(extra)} values beyond the header" if extra else None
                yield number, dict(zip(header, cells, strict=False)), problem

        total = sheet.max_row or 0
        yield Table(path, header, rows(), total, lambda: done[0])
    finally:
        book.close()
        handle.close()


@contextmanager
def _open_json(path: Path, spec: InputSpec) -> Iterator[Table]:
    try:
        data = json.loads(path.read_text(encoding=spec.encoding))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TableError(f"{path}: not readable as JSON in {spec.encoding} ({exc})") from exc
    if isinstance(data, dict) and spec.json_key_column:
        items = [{spec.json_key_column: k, **v} for k, v in data.items() if isinstance(v, dict)]
    elif isinstance(data, list):
        items = [v for v in data if isinstance(v, dict)]
    else:
        raise TableError(f"{path}: expected a JSON list of objects or an object of objects")
    if not items:
        raise TableError(f"{path}: the file has no records; nothing was loaded.")
    items = [{str(k).strip(): v for k, v in item.items()} for item in items]
    header = list(items[0])
    check_header(path, header, spec.columns)
    done = [0]

    def rows() -> Iterator[tuple[int, Row, str | None]]:
        for number, item in enumerate(items, start=2):
            done[0] = number
            keys = set(item)
            problem = None if keys == set(header) else f"has keys {sorted(keys)}"
            yield number, {k: _cell(v) for k, v in item.items()}, problem

    yield Table(path, header, rows(), len(items) + 1, lambda: done[0])


_OPENERS = {"csv": _open_csv, "xlsx": _open_xlsx, "json": _open_json}
_MAGIC = {b"PK\x03\x04": "xlsx", b"\xd0\xcf\x11\xe0": "xls"}
_EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}


def real_format(path: Path, declared: str) -> str:
    """The reader ``path`` needs: a workbook by its first bytes (an XLSX is a zip archive) or its
    extension, else the mapping's ``declared`` text format (CSV or JSON), whose columns it then
    checks."""
    with path.open("rb") as fh:
        head = fh.read(8)
    found = next((f for magic, f in _MAGIC.items() if head.startswith(magic)), None)
    found = found or _EXTENSIONS.get(path.suffix.lower(), declared)
    if found == "xls":
        raise TableError(
            f"{path}: an old binary .xls workbook, which cannot be read; save it as .xlsx or CSV"
        )
    return found


@contextmanager
def open_table(path: Path, spec: InputSpec) -> Iterator[Table]:
    """Open ``path`` with the reader its real format needs (see the module doc), as ``spec``
    says; raises ``TableError`` naming the file and the problem."""
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise TableError(f"{path}: the file is empty (no header row); nothing was loaded.")
    with _OPENERS[real_format(path, spec.format)](path, spec) as table:
        yield table
