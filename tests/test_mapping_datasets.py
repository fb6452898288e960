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
from fixtures.tables.support import ID, SHARED, count, load, node, targets

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not (SHARED / "keepiton").is_dir(),
        reason=f"the real datasets are not at {SHARED} (they are never copied into the repo)",
    ),
]

# A/RES/70/161 (human rights defenders, 2015-12-17); an amendment vote of the first session;
# a roll call without a resolution symbol; 2200A (XXI), which the file gives no title for; a
# paragraph vote (874) in which Zanzibar and the Yemen Arab Republic vote with no country code;
# a roll call (1412) in which the Federal Republic of Germany votes with no country code.
RCIDS = {"5455", "3", "855", "946", "874", "1412"}


def test_keepiton_full_file(ref: neo4j.Driver, db: str) -> None:
    report = load(ref, db, "keepiton", SHARED / "keepiton" / "stop_2016_2025.csv")
    assert report.rows_read == 2102
    by_reason: dict[str, set[int]] = {}
    for issue in report.rejected:
        by_reason.setdefault(issue.category, set()).add(issue.row)
    assert by_reason["unknown country"] == {175, 1147, 1233, 1641, 1671, 2062}
    assert by_reason["duplicate key"] == {223, 302, 608, 793, 1478}
    # end dates before start dates (rows 485-487, shutdown_type "Unknown", load: issue 7 #14)
    assert by_reason["fails the shapes"] == {658, 693, 712}
    assert len(report.superseded) == 210
    assert count(ref, db, "Incident") == report.rows_mapped == 2102 - 14 - 210
    unknown, _, _ = ref.execute_query(
        "MATCH (i:Incident {reportedType: 'Unknown'})-[:THREAT_TYPE]->(t) RETURN t.iri AS t",
        database_=db,
    )
    assert [r["t"] for r in unknown] == [ID + "threat/internet-shutdown"] * 3
    # Every row mapped or folded into an incident is one of its records (issue 7 #15).
    assert count(ref, db, "SourceRecord") == report.rows_mapped + len(report.superseded)
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
    # Every vote of these roll calls loads: amendment, paragraph, motion, no country code.
    assert not report.rejected and not report.skipped
    assert report.rows_mapped == len(kept) == count(ref, db, "Vote")
    assert count(ref, db, "RollCall") == len(RCIDS)
    resolution = node(ref, db, ID + "resolution/a-res-70-161")
    assert resolution["title"].startswith(
        "Human rights defenders in the context of the Declaration"
    )
    assert str(resolution["adoptionDate"]) == "2015-12-17"
    whole = ID + "roll-call/unga/5455"
    assert set(targets(ref, db, whole, "ON_RESOLUTION")) == {resolution["iri"]}
    on_161 = [row for row in kept if row[0] == "5455.0"]
    votes_on_161 = ref.execute_query(
        "MATCH (v:Vote)-[:ON_RESOLUTION]->(:Resource {iri: $iri}) RETURN count(v) AS n",
        iri=resolution["iri"],
        database_=db,
    ).records[0]["n"]
    assert votes_on_161 == len(on_161)
    assert node(ref, db, ID + "state/cz")["label"] == "Czech Republic"  # the reference's label
    # The amendment of the first session: a roll call, its votes name no resolution (the file
    # has no roll call on the whole text of A/RES/66(I) to date it by).
    amendment = node(ref, db, ID + "roll-call/unga/3")
    assert amendment["isAmendmentVote"] is True and amendment["session"] == 1
    assert not targets(ref, db, amendment["iri"], "ON_RESOLUTION")
    assert not targets(ref, db, ID + "vote/un-ga/3/us", "ON_RESOLUTION")
    assert set(targets(ref, db, ID + "vote/un-ga/3/us", "ROLL_CALL")) == {amendment["iri"]}
    assert not targets(ref, db, ID + "roll-call/unga/855", "ON_RESOLUTION")  # no symbol
    # 2200A (XXI): loaded without a title, which the file does not give.
    covenant = node(ref, db, ID + "resolution/a-res-2200a-xxi")
    assert covenant and "title" not in covenant
    assert set(targets(ref, db, ID + "vote/un-ga/946/us", "ON_RESOLUTION")) == {covenant["iri"]}
    # Votes without a country code: a name the country data resolves (the Federal Republic of
    # Germany -> DE), otherwise a state named from the file with no country.
    assert node(ref, db, ID + "roll-call/unga/874")["isParagraphVote"] is True
    assert set(targets(ref, db, ID + "vote/un-ga/1412/de", "VOTER")) == {ID + "state/de"}
    for name in ("zanzibar", "yemen-arab-republic"):
        state = ID + f"state/name/{name}"
        assert set(targets(ref, db, ID + f"vote/un-ga/874/{name}", "VOTER")) == {state}
        assert node(ref, db, state) and not targets(ref, db, state, "COUNTRY")
    assert node(ref, db, ID + "state/name/zanzibar")["label"] == "Zanzibar"
