"""Reading tables: delimiters, encodings, empty files, XLSX and JSON, and the refusal of a file
whose columns do not match (tables written here are illustrative)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.mapping.readers import TableError, open_table
from loaders.mapping.spec import InputSpec

COLUMNS = ["code", "name", "date"]


def rows(path: Path, **spec: object) -> list[tuple[int, dict[str, str], str | None]]:
    with open_table(path, InputSpec(columns=COLUMNS, **spec)) as table:  # type: ignore[arg-type]
        return list(table.rows)


def test_semicolons_are_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code;name;date\nEX;Example;2020-01-01\n", encoding="utf-8")
    assert rows(path) == [(2, {"code": "EX", "name": "Example", "date": "2020-01-01"}, None)]


def test_wrong_delimiter_gives_the_missing_columns_and_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code;name;date\nEX;Example;2020-01-01\n", encoding="utf-8")
    with pytest.raises(TableError) as err:
        rows(path, delimiter=",")
    message = str(err.value)
    assert "missing columns: code, name, date" in message
    assert "unexpected columns: code;name;date" in message
    assert "delimiter" in message


def test_missing_and_unexpected_columns_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code,label,date,extra\n", encoding="utf-8")
    with pytest.raises(TableError, match="missing columns: name; unexpected columns: label, extra"):
        rows(path)


def test_bad_encoding_is_reported_with_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("code,name,date\nEX,Caf\xe9,2020-01-01\n".encode("cp1252"))
    with pytest.raises(TableError, match=r"not valid utf-8 text \(byte 0xe9 at offset 21\)"):
        rows(path)
    assert rows(path, encoding="cp1252")[0][1]["name"] == "Café"


def test_byte_order_mark_and_embedded_newlines(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'\xef\xbb\xbfcode,name,date\nEX,"two\nlines",2020\nEY,x,2021\n')
    found = rows(path)
    assert [r[1]["code"] for r in found] == ["EX", "EY"]
    assert found[0][1]["name"] == "two\nlines"
    assert found[1][0] == 3  # rows are counted as records, the header being row 1


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(TableError, match="empty"):
        rows(path)
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(TableError, match="empty"):
        rows(path)


def test_a_row_with_too_many_fields_carries_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code,name,date\nEX,a,b,c\n", encoding="utf-8")
    assert rows(path)[0][2] == "has 4 fields where the header has 3"


def test_xlsx_is_read_in_streaming_mode(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(COLUMNS)
    sheet.append(["EX", "Example", "2020-01-01"])
    sheet.append([None, None, None])
    sheet.append(["EY", 3.0, None])
    path = tmp_path / "t.xlsx"
    book.save(path)
    found = rows(path, format="xlsx", sheet="Data")
    assert [r[1] for r in found] == [
        {"code": "EX", "name": "Example", "date": "2020-01-01"},
        {"code": "EY", "name": "3", "date": ""},
    ]
    with pytest.raises(TableError, match="no sheet 'Other'"):
        rows(path, format="xlsx", sheet="Other")


def test_json_object_of_objects(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"EX": {"name": "Example", "date": null}}', encoding="utf-8")
    found = rows(path, format="json", json_key_column="code")
    assert found == [(2, {"code": "EX", "name": "Example", "date": ""}, None)]


def test_headers_are_matched_after_trimming(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code , name,date \nEX,Example,2020-01-01\n", encoding="utf-8")
    assert rows(path) == [(2, {"code": "EX", "name": "Example", "date": "2020-01-01"}, None)]


def test_columns_differing_only_in_case_or_spacing_are_named(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Code,na me,date\n", encoding="utf-8")
    with pytest.raises(TableError) as err:
        rows(path)
    assert "differing only in case or white space: 'Code' for 'code', 'na me' for 'name'" in str(
        err.value
    )


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An ILLUSTRATIVE workbook: one sheet per entry."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, content in sheets.items():
        sheet = book.create_sheet(title)
        for line in content:
            sheet.append(line)
    book.save(path)
    return path


def test_a_workbook_is_read_as_one_whatever_the_mapping_declares(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", {"Data": [[" code", "name ", "date"], ["EX", "x", 2]]})
    assert rows(path, format="csv") == [(2, {"code": "EX", "name": "x", "date": "2"}, None)]
    renamed = path.rename(tmp_path / "exported.csv")  # the first bytes say zip, i.e. XLSX
    assert rows(renamed, format="csv")[0][1]["code"] == "EX"


def test_a_workbook_with_several_sheets_needs_a_sheet_name(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx",
        {"2019": [COLUMNS, ["EX", "a", "2019"]], "2020": [COLUMNS, ["EY", "b", "2020"]]},
    )
    with pytest.raises(TableError, match=r"has 2 sheets \(2019, 2020\); choose one with --sheet"):
        rows(path, format="xlsx")
    assert rows(path, format="xlsx", sheet="2020")[0][1]["code"] == "EY"


def test_an_old_binary_workbook_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "t.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    with pytest.raises(TableError, match=r"old binary \.xls workbook"):
        rows(path)
