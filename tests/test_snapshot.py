"""Following a newer snapshot (``snapshots: {missing: retract|mark}``) on snapshots MADE FROM THE
REAL #KeepItOn file (skipped when ../shared/data is absent).

The "older snapshot" is the real file's first rows; the "newer" one is the same rows with three
removed and one end date moved a day later. Both are test copies written to a temporary folder:
the moved date is a modification made here, not Access Now's data, and nothing is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fixtures.tables.support import ID, SHARED, count, load, node

from graph_api.testing import api_settings, running_api
from loaders.mapping.snapshots import MARK

REAL = SHARED / "keepiton" / "stop_2016_2025.csv"
MAPPINGS = Path(__file__).resolve().parents[1] / "loaders" / "mappings"
DATASET = ID + "dataset/access-now-keepiton-stop"
ROWS = 300

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        not REAL.is_file(),
        reason=f"the real #KeepItOn file is not at {REAL} (it is never copied into the repo)",
    ),
]


def mapping(folder: Path, mode: str) -> str:
    """The shipped KeepItOn mapping (same name and dataset) with ``snapshots: {missing: mode}``."""
    folder.mkdir()
    shutil.copy(MAPPINGS / "keepiton.ttl", folder)
    text = (MAPPINGS / "keepiton.yaml").read_text(encoding="utf-8")
    (folder / "keepiton.yaml").write_text(f"{text}\nsnapshots: {{missing: {mode}}}\n")
    return str(folder / "keepiton.yaml")


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def single_row_incidents(driver: neo4j.Driver, db: str) -> list[dict[str, Any]]:
    """Incidents built from one row, with that row's number and their dates, in IRI order."""
    records, _, _ = driver.execute_query(
        "MATCH (n:Incident)-[:BUILT_FROM]->(r:SourceRecord) WITH n, collect(r) AS rs "
        "WHERE size(rs) = 1 RETURN n.iri AS iri, rs[0].rowNumber AS row, "
        "toString(n.startDate) AS start, toString(n.endDate) AS end ORDER BY iri",
        database_=db,
    )
    return [dict(r) for r in records]


@pytest.fixture
def snapshots(tmp_path: Path) -> dict[str, Any]:
    with REAL.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [row for _, row in zip(range(ROWS), reader, strict=False)]
    older = write(tmp_path / "older" / REAL.name, header, rows)
    return {"tmp": tmp_path, "header": header, "rows": rows, "older": older}


def newer_snapshot(
    driver: neo4j.Driver, db: str, snap: dict[str, Any]
) -> tuple[Path, list[str], dict[str, Any]]:
    """The newer file: three single-row incidents' rows removed, one end date a day later. Only
    rows no other row shares a country and start date with (a duplicate the older snapshot
    rejected would stand in for a removed row)."""
    rows: list[dict[str, str]] = snap["rows"]
    keys = Counter((r["country"], r["start_date"]) for r in rows)
    singles = []
    for s in single_row_incidents(driver, db):  # a record's row number: its line (header = 1)
        row = rows[s["row"] - 2]
        assert row["start_date"] == s["start"], s
        if keys[(row["country"], row["start_date"])] == 1:
            singles.append(s)
    removed = singles[:3]
    changed = next(s for s in singles[3:] if s["end"] not in (None, "None"))
    later = dt.date.fromisoformat(changed["end"]) + dt.timedelta(days=1)
    gone = {s["row"] - 2 for s in removed}
    kept = []
    for i, row in enumerate(rows):
        if i == changed["row"] - 2:
            row = {**row, "end_date": later.isoformat()}
        if i not in gone:
            kept.append(row)
    path = write(snap["tmp"] / "newer" / REAL.name, snap["header"], kept)
    return path, [s["iri"] for s in removed], {**changed, "later": later.isoformat()}


def load_iri(outcome: str) -> str:
    return outcome.removeprefix("written as ").split(" ")[0]


async def test_a_newer_snapshot_retracts_what_it_no_longer_lists(
    ref: neo4j.Driver, db: str, neo4j_uri: str, snapshots: dict[str, Any]
) -> None:
    retracting = mapping(snapshots["tmp"] / "mapping", "retract")
    first = load(ref, db, retracting, snapshots["older"])
    before = count(ref, db, "Incident")
    assert before > 200  # about one incident per row
    path, removed, changed = newer_snapshot(ref, db, snapshots)

    second = load(ref, db, retracting, path)
    older, newer = load_iri(first.outcome), load_iri(second.outcome)
    assert count(ref, db, "Incident") == before - 3
    for iri in removed:
        assert node(ref, db, iri) == {}
    said = [n for n in second.notices if n.startswith("snapshot:")]
    assert said[0].startswith("snapshot: 3 Incident nodes"), said
    assert "retracted" in said[0]
    # Every incident left is asserted by the newer snapshot; the older one's rows that went are
    # gone with them (their SourceRecords).
    records, _, _ = ref.execute_query(
        "MATCH (n:Incident) RETURN count(n) AS n, "
        "sum(CASE WHEN $newer IN n.loads AND n.lastLoad = $newer THEN 1 ELSE 0 END) AS listed",
        newer=newer,
        database_=db,
    )
    assert records[0]["n"] == records[0]["listed"]
    # The changed end date: the newer value is current, the older one a statement with its load
    # and the dataset as its source.
    incident = node(ref, db, changed["iri"])
    assert str(incident["endDate"]) == changed["later"]
    records, _, _ = ref.execute_query(
        "MATCH (s:ValueStatement)-[:STATEMENT_SUBJECT]->(:Resource {iri: $iri}) "
        "WHERE s.statementProperty = 'endDate' "
        "MATCH (s)-[:IN_LOAD]->(l) OPTIONAL MATCH (s)-[:SOURCE]->(d) "
        "RETURN s.statementValue AS value, s.isCurrent AS current, l.iri AS load, d.iri AS source "
        "ORDER BY value",
        iri=changed["iri"],
        database_=db,
    )
    assert [dict(r) for r in records] == [
        {"value": changed["end"], "current": False, "load": older, "source": DATASET},
        {"value": changed["later"], "current": True, "load": newer, "source": DATASET},
    ]
    # The API answers both, the current value first, each with its load, dataset and source.
    query = """query($id: ID!, $p: String) { node(id: $id) { ... on Incident { endDate
      valueStatements(property: $p) { statementValue isCurrent
        inLoad { iri ... on Load { dataset { iri } } } sources { iri } } } } }"""
    async with running_api(api_settings(neo4j_uri)) as api:
        data = (await api.gql(query, {"id": changed["iri"], "p": "endDate"}))["data"]["node"]
        everything = (await api.gql(query, {"id": changed["iri"], "p": None}))["data"]["node"]
        errors = await api.errors(query, {"id": changed["iri"], "p": "endDay"})
    assert data["endDate"] == changed["later"]
    assert [
        (s["statementValue"], s["isCurrent"], s["inLoad"]["iri"]) for s in data["valueStatements"]
    ] == [(changed["later"], True, newer), (changed["end"], False, older)]
    for s in data["valueStatements"]:
        assert s["inLoad"]["dataset"] == {"iri": DATASET} and s["sources"] == [{"iri": DATASET}]
    assert everything["valueStatements"] == data["valueStatements"]  # no other disagreement
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["argument"] == "property"


def test_a_newer_snapshot_marks_what_it_no_longer_lists(
    ref: neo4j.Driver, db: str, snapshots: dict[str, Any]
) -> None:
    marking = mapping(snapshots["tmp"] / "mapping", "mark")
    first = load(ref, db, marking, snapshots["older"])
    before = count(ref, db, "Incident")
    path, removed, _ = newer_snapshot(ref, db, snapshots)
    second = load(ref, db, marking, path)
    newer = load_iri(second.outcome)
    assert count(ref, db, "Incident") == before  # nothing retracted
    rel = "NO_LONGER_LISTED_IN"
    records, _, _ = ref.execute_query(
        f"MATCH (n:Incident)-[:{rel}]->(l) RETURN n.iri AS iri, l.iri AS load ORDER BY iri",
        database_=db,
    )
    assert [(r["iri"], r["load"]) for r in records] == [(iri, newer) for iri in sorted(removed)]
    assert any(f"marked csg:{MARK}" in n for n in second.notices), second.notices
    # The older snapshot loaded again lists them again: the marks go.
    again = load(ref, db, marking, snapshots["older"])
    assert "loaded before" in again.outcome
    records, _, _ = ref.execute_query(f"MATCH ()-[m:{rel}]->() RETURN count(m) AS n", database_=db)
    assert records[0]["n"] == 0
    assert load_iri(first.outcome) == load_iri(again.outcome)
