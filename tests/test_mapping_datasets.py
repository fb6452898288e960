"""The shipped mappings on the real datasets of ../shared/data (skipped when it is absent).

Runtime is kept to about two minutes: the full #KeepItOn file and the full CIVICUS file load
here; of the 870,109 UN votes only the real rows of a few roll calls (chosen by rcid) are loaded,
the whole file being the benchmark's job (bench/load_datasets.py, bench/RESULTS.md).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import neo4j
import pytest
from fixtures.tables.support import ID, SHARED, count, load, node, targets, with_reference

from civicgraph import store
from civicgraph.settings import Settings

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not (SHARED / "keepiton").is_dir(),
        reason=f"the real datasets are not at {SHARED} (they are never copied into the repo)",
    ),
]

# A/RES/70/161 (human rights defenders, 2015-12-17); an amendment vote of the first session;
# a roll call without a resolution symbol; 2200A (XXI), which the file gives no title for.
RCIDS = {"5455", "3", "855", "946"}


@pytest.fixture
def db(neo4j_settings: Settings) -> str:
    return store.database(neo4j_settings)


@pytest.fixture
def ref(empty_store: neo4j.Driver, db: str) -> neo4j.Driver:
    return with_reference(empty_store, db)


def test_keepiton_full_file(ref: neo4j.Driver, db: str) -> None:
    report = load(ref, db, "keepiton", SHARED / "keepiton" / "stop_2016_2025.csv")
    assert report.rows_read == 2102
    by_reason: dict[str, set[int]] = {}
    for issue in report.rejected:
        by_reason.setdefault(issue.category, set()).add(issue.row)
    assert by_reason["unknown country"] == {175, 1147, 1233, 1641, 1671, 2062}
    assert by_reason["duplicate key"] == {223, 302, 608, 793, 1478}
    # shutdown_type "Unknown" (no threat type) and end dates before start dates:
    assert by_reason["fails the shapes"] == {485, 486, 487, 658, 693, 712}
    assert len(report.superseded) == 210
    assert count(ref, db, "Incident") == report.rows_mapped == 2102 - 17 - 210
    law = node(ref, db, ID + "law/in/section-144-crpc")
    assert {"Section 144 CrCP", "Section 144 of CrPC", "Section-144 of CrPC"} <= set(
        law["altLabel"]
    )
    assert (
        node(ref, db, ID + "actor/in/executive-government")["label"]
        == "Executive government of India"
    )

    again = load(ref, db, "keepiton", SHARED / "keepiton" / "stop_2016_2025.csv")
    assert again.written["nodesCreated"] == again.written["nodesUpdated"] == 0


def test_civicus_full_file(ref: neo4j.Driver, db: str) -> None:
    report = load(ref, db, "civicus", SHARED / "civicus" / "civicus_2021-03-19.json")
    assert {(i.row, i.detail) for i in report.rejected} == {
        (91, "iso3='kosovo'"),
        (168, "iso3='SVT'"),
    }
    assert dict(report.skipped) == {"not rated (fillKey None)": 1}
    assert count(ref, db, "RatingAssessment") == 194
    india = ID + "rating-assessment/civicus/in/2021-03-19"
    assert str(node(ref, db, india)["date"]) == "2021-03-19"
    assert len(targets(ref, db, india, "RATING")) == 1


def test_unvotes_real_roll_calls(ref: neo4j.Driver, db: str, tmp_path: Path) -> None:
    source = SHARED / "unvotes"
    folder = tmp_path / "unvotes"
    folder.mkdir()
    for name in ("un_roll_calls.csv", "un_roll_call_issues.csv"):
        shutil.copy(source / name, folder / name)
    with (
        (source / "un_votes.csv").open(encoding="utf-8") as fh,
        (folder / "un_votes.csv").open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(fh), csv.writer(out)
        writer.writerow(next(reader))
        kept = [row for row in reader if row[0].removesuffix(".0") in RCIDS]
        writer.writerows(kept)
    report = load(ref, db, "unvotes", folder / "un_votes.csv")
    on_161 = [row for row in kept if row[0] == "5455.0"]
    assert report.rows_mapped == len(on_161) == count(ref, db, "Vote")
    resolution = node(ref, db, ID + "resolution/a-res-70-161")
    assert resolution["title"].startswith(
        "Human rights defenders in the context of the Declaration"
    )
    assert str(resolution["adoptionDate"]) == "2015-12-17"
    assert node(ref, db, ID + "state/cz")["label"] == "Czech Republic"  # the reference's label
    skipped = dict(report.skipped)
    assert skipped["roll call on an amendment, not on a whole resolution"] > 0
    assert skipped["roll call not on a regular-session resolution symbol"] > 0
    untitled = {i.detail for i in report.rejected if i.category == "fails the shapes"}
    assert untitled and all("a-res-2200a-xxi" in d and "csg:title" in d for d in untitled)
