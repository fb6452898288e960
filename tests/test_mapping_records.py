"""Issue 7, items 14 and 15, against the real Neo4j and over the API, on ILLUSTRATIVE rows
(tests/fixtures/tables/keepiton_illustrative.csv plus one row written here):

- a #KeepItOn row whose shutdown type is "Unknown" is a shutdown: it loads under the broad
  threat type and keeps the value as written (``reportedType``);
- an incident the dataset lists again in a later year's sheet is one incident, and it says which
  rows it was built from (``builtFrom``: file, row number, year), so rows and incidents reconcile.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fixtures.tables.support import ID, TABLES, load, with_reference

from civicgraph.settings import Settings
from civicgraph.store import database
from loaders.mapping.report import MapReport

pytestmark = pytest.mark.neo4j

SHUTDOWN = ID + "threat/internet-shutdown"


def _table(folder: Path) -> Path:
    """The illustrative fixture plus a copy of its first row (India, illustrative district A)
    moved to another illustrative district, with the shutdown type "Unknown"."""
    with (TABLES / "keepiton_illustrative.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    extra = dict(zip(header, rows[1], strict=True))
    extra.update(area_name="Illustrative District E", shutdown_type="Unknown")
    path = folder / "keepiton_records.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([*rows, [extra[c] for c in header]])
    return path


@pytest.fixture(scope="module")
def loaded(
    neo4j_driver: neo4j.Driver, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> MapReport:
    db = database(neo4j_settings)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    with_reference(neo4j_driver, db)
    return load(neo4j_driver, db, "keepiton", _table(tmp_path_factory.mktemp("records")))


@pytest.fixture(scope="module")
def store(neo4j_driver: neo4j.Driver, loaded: MapReport) -> Iterator[neo4j.Driver]:
    """This module's store: the reference data and the table above (not the API fixtures)."""
    yield neo4j_driver


def test_a_row_of_unknown_type_loads_as_a_shutdown_and_keeps_its_value(loaded: MapReport) -> None:
    reasons = {issue.row: issue.category for issue in loaded.rejected}
    assert 13 not in reasons  # the "Unknown" row written above
    assert reasons[9] == "value outside vocabulary"  # "Blackout" is no value of the dataset's


async def test_the_unknown_row_over_the_api(api, loaded: MapReport) -> None:
    data = await api.gql(
        '{ incidents(filter: {country: "IN"}, first: 20) { nodes { label reportedType '
        "threatType { nodes { id } } } } }"
    )
    by_type = {n["reportedType"]: n for n in data["data"]["incidents"]["nodes"]}
    unknown = by_type["Unknown"]
    assert [t["id"] for t in unknown["threatType"]["nodes"]] == [SHUTDOWN]
    assert unknown["label"].startswith("Network disruption in India")
    assert by_type["Shutdown"]["threatType"]["nodes"] == [{"id": SHUTDOWN}]


async def test_an_incident_lists_every_row_it_was_built_from(api, loaded: MapReport) -> None:
    assert [(i.row, i.category) for i in loaded.superseded] == [(4, "superseded key")]
    data = await api.gql(
        '{ incidents(filter: {country: "IR"}) { totalCount nodes { builtFrom { totalCount '
        "nodes { label fileName rowNumber sheetYear sources { id } } } } } }"
    )
    incidents = data["data"]["incidents"]
    assert incidents["totalCount"] == 1  # rows 4 (2019 list) and 5 (2020 list): one incident
    records = incidents["nodes"][0]["builtFrom"]
    assert records["totalCount"] == 2
    assert sorted((r["fileName"], r["rowNumber"], r["sheetYear"]) for r in records["nodes"]) == [
        ("keepiton_records.csv", 4, 2019),
        ("keepiton_records.csv", 5, 2020),
    ]
    assert all(
        r["sources"] == [{"id": ID + "dataset/access-now-keepiton-stop"}] for r in records["nodes"]
    )


async def test_rows_and_incidents_reconcile(api, loaded: MapReport) -> None:
    data = await api.gql(
        "{ incidents(first: 100) { totalCount nodes { builtFrom { totalCount } } } }"
    )
    incidents = data["data"]["incidents"]
    assert incidents["totalCount"] == loaded.rows_mapped
    rows = sum(n["builtFrom"]["totalCount"] for n in incidents["nodes"])
    assert rows == loaded.rows_mapped + len(loaded.superseded)


async def test_incident_counts_say_they_count_incidents(api) -> None:
    data = await api.gql("{ __schema { queryType { fields { name description } } } }")
    fields = {f["name"]: f["description"] for f in data["data"]["__schema"]["queryType"]["fields"]}
    assert "not dataset rows" in fields["incidentCounts"]
