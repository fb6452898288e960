"""``civicgraph export`` and the table half of ``civicgraph load`` (``run_table_load``), against
the session's Neo4j, on ILLUSTRATIVE fixtures."""

from __future__ import annotations

import argparse
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fixtures.tables.support import TABLES, with_reference

from civicgraph import store
from civicgraph.cli import build_parser, main
from civicgraph.settings import Settings, get_settings
from loaders.mapping.readers import TableError
from loaders.table_cli import run_table_load

pytestmark = pytest.mark.neo4j


@pytest.fixture
def cli_store(
    empty_store: neo4j.Driver,
    neo4j_settings: Settings,
    neo4j_uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[neo4j.Driver]:
    """The reference store, with the CLI's own settings pointed at the session's server."""
    with_reference(empty_store, store.database(neo4j_settings))
    monkeypatch.setenv("NEO4J_URI", neo4j_uri)
    get_settings.cache_clear()
    yield empty_store
    get_settings.cache_clear()


def parse(*argv: str) -> argparse.Namespace:
    """The arguments as the real ``civicgraph`` parser reads them."""
    return build_parser().parse_args(argv)


def test_the_civicgraph_command_routes_tables_to_the_mapping_loader(
    cli_store: neo4j.Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    table = str(TABLES / "keepiton_illustrative.csv")
    assert main(["load", "--source", "keepiton", "--strict", table]) == 1
    assert "refused (--strict)" in capsys.readouterr().err
    assert main(["load", "--source", "keepiton", "--quiet", table]) == 0
    assert "rows read: 11; mapped: 4; rejected: 6" in capsys.readouterr().out


def test_load_reports_and_exit_codes(
    cli_store: neo4j.Driver, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    table = str(TABLES / "keepiton_illustrative.csv")
    assert run_table_load(parse("load", "--source", "keepiton", "--strict", table)) == 1
    assert "refused (--strict)" in capsys.readouterr().err
    report = tmp_path / "report.json"
    assert (
        run_table_load(parse("load", "--source", "keepiton", "--report", str(report), table)) == 0
    )
    out = capsys.readouterr().out
    assert "rows read: 11; mapped: 4; rejected: 6" in out
    assert "row 6: unknown country (country='Atlantis')" in out
    assert '"category": "duplicate key"' in report.read_text()


def test_reference_path_gives_the_same_summary_and_every_load_says_its_time(
    cli_store: neo4j.Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--reference`` maps and validates through rdflib and pyshacl: the same rows loaded and
    rejected, for the same reasons; each summary ends with the load's phases and total time."""
    table = str(TABLES / "keepiton_illustrative.csv")
    summaries = []
    for extra in ([], ["--reference"]):
        assert main(["load", "--source", "keepiton", "--dry-run", "--quiet", *extra, table]) == 0
        out = capsys.readouterr().out
        assert re.search(r"time: .*validate [0-9.]+s.*total [0-9.]+s", out)
        summaries.append(re.sub(r"\n  time: [^\n]*", "", out))
    assert "rows read: 11; mapped: 4; rejected: 6" in summaries[0]
    assert summaries[1] == summaries[0]


def test_a_table_that_does_not_fit_the_mapping_is_refused(cli_store: neo4j.Driver) -> None:
    args = parse("load", "--source", "keepiton", str(TABLES / "civicus_2020-01-01.json"))
    with pytest.raises(TableError, match="missing columns: start_date_type"):
        run_table_load(args)


def test_export_command_writes_a_file(
    cli_store: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.nt"
    args = parse("export", "--format", "ntriples", "--output", str(out))
    assert args.func(args) == 0
    assert out.stat().st_size > 0
    assert "triples to" in capsys.readouterr().err


def _unvotes_folder(tmp_path: Path) -> Path:
    """A folder laid out like ../shared/data/unvotes (the three files under their real names),
    holding the ILLUSTRATIVE rows of tests/fixtures/tables/unvotes_illustrative."""
    folder = tmp_path / "unvotes"
    shutil.copytree(TABLES / "unvotes_illustrative", folder)
    (folder / "votes_illustrative.csv").rename(folder / "un_votes.csv")
    return folder


def test_unvotes_loads_from_its_folder_as_make_datasets_passes_it(
    cli_store: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _unvotes_folder(tmp_path)
    assert main(["load", "--source", "unvotes", "--quiet", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "rows read:" in out and "un_votes.csv" in out
    assert main(["load", "--source", "unvotes", "--quiet", str(folder / "un_votes.csv")]) == 0
    assert "this content was loaded before" in capsys.readouterr().out


def test_a_folder_without_the_table_names_what_it_expected(
    cli_store: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _unvotes_folder(tmp_path)
    (folder / "un_votes.csv").unlink()
    assert main(["load", "--source", "unvotes", "--quiet", str(folder)]) == 1
    assert "has no un_votes.csv" in capsys.readouterr().err


@pytest.mark.parametrize("source", ["keepiton", "unvotes", "civicus"])
def test_a_table_that_is_not_there_is_named_not_a_traceback(
    source: str, cli_store: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make datasets` on a machine without ../shared/data: each load says what is missing."""
    missing = tmp_path / "shared" / "data" / source
    assert main(["load", "--source", source, "--quiet", str(missing)]) == 1
    err = capsys.readouterr().err
    assert f"{missing}: no such file or folder" in err and "Traceback" not in err


def test_keepiton_loads_one_sheet_of_a_workbook(
    cli_store: neo4j.Driver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An XLSX workbook of yearly sheets (ILLUSTRATIVE rows of keepiton_illustrative.csv, with
    header cells padded as in real sheets: ``country ``, ``end_date ``), loaded through the
    shipped mapping, which declares CSV."""
    import csv

    from openpyxl import Workbook

    with (TABLES / "keepiton_illustrative.csv").open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    padded = [c + " " if c in ("country", "end_date") else c for c in header]
    book = Workbook()
    book.remove(book.active)
    for year in ("2019", "2020"):
        sheet = book.create_sheet(year)
        sheet.append(padded)
        for row in rows:
            if row[header.index("count_year")] == year:
                sheet.append(row)
    path = tmp_path / "shutdowns.xlsx"
    book.save(path)
    assert main(["load", "--source", "keepiton", "--quiet", str(path)]) == 1
    assert "choose one with --sheet" in capsys.readouterr().err
    assert main(["load", "--source", "keepiton", "--quiet", "--sheet", "2019", str(path)]) == 0
    out = capsys.readouterr().out
    assert "rows read: 1; mapped: 1; rejected: 0" in out
