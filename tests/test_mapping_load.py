"""Table loads into the real Neo4j, on ILLUSTRATIVE fixtures (tests/fixtures/tables): reports,
strict mode, idempotent reloads, newer snapshots, provenance and the reference data's values."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import neo4j
import pytest
from fixtures.tables.support import ID, TABLES, count, load, node, targets

from loaders.mapping.run import LoadRefused

pytestmark = pytest.mark.neo4j

KEEPITON = TABLES / "keepiton_illustrative.csv"
VOTES = TABLES / "unvotes_illustrative" / "votes_illustrative.csv"
CIVICUS = TABLES / "civicus_2020-01-01.json"
INCIDENT_A = ID + "incident/keepiton/in/2020-03-01/"


def incident_a(driver: neo4j.Driver, db: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (n:Incident) WHERE n.iri STARTS WITH $p RETURN n.iri AS iri",
        p=INCIDENT_A,
        database_=db,
    )
    assert len(records) == 1
    return str(records[0]["iri"])


def test_keepiton_loads_valid_rows_and_reports_the_others(ref: neo4j.Driver, db: str) -> None:
    report = load(ref, db, "keepiton", KEEPITON)
    reasons = {issue.row: issue.category for issue in report.rejected}
    assert reasons == {
        6: "unknown country",
        7: "no start date",
        8: "duplicate key",
        9: "value outside vocabulary",
        11: "unparseable date",
        12: "fails the shapes",
    }
    assert [(i.row, i.category) for i in report.superseded] == [(4, "superseded key")]
    assert (report.rows_read, report.rows_mapped) == (11, 4)
    assert count(ref, db, "Incident") == 4
    assert "An event cannot end before it starts" in next(
        i.detail for i in report.rejected if i.row == 12
    )

    # The re-counted incident keeps the row of the latest count_year.
    iran = [n for n in _incidents(ref, db) if "/ir/" in n]
    assert len(iran) == 1
    assert "counted again a year later" in node(ref, db, iran[0])["description"]

    # One law for the spellings of one law, the spellings kept; jurisdiction; two incidents.
    law = node(ref, db, ID + "law/in/section-144-crpc")
    assert law["label"] == "Section 144 CrPC"
    assert sorted(law["altLabel"]) == ["Section 144 CrCP", "Section-144 of CrPC"]
    assert targets(ref, db, law["iri"], "JURISDICTION").keys() == {ID + "country/in"}

    # Who ordered it: the body minted from (country, ordered_by), part of the state.
    a = incident_a(ref, db)
    ordered = targets(ref, db, a, "ORDERED_BY")
    assert set(ordered) == {
        ID + "actor/in/state-government",
        ID + "actor/in/illustrative-home-department",
    }
    body = node(ref, db, ID + "actor/in/state-government")
    assert body["label"] == "State government of India" and "GovernmentBody" in body["labels"]
    assert set(targets(ref, db, body["iri"], "PART_OF")) == {ID + "state/in"}

    # Rights come from the threat type's csg:threatens, sourced by the vocabulary, not the row.
    rights = targets(ref, db, a, "RESTRICTS_RIGHT")
    assert rights and all(ID + "dataset/access-now-keepiton-stop" not in s for s in rights.values())
    assert set(targets(ref, db, a, "JUSTIFICATION_CATEGORY")) == {
        ID + "law-category/national-security",
        ID + "law-category/counter-terrorism",
    }
    assert set(targets(ref, db, a, "TARGETED")) == {ID + "actor-category/ethnic-minorities"}
    assert ID + "source/web/" in " ".join(targets(ref, db, a, "SOURCE"))


def _incidents(driver: neo4j.Driver, db: str) -> list[str]:
    records, _, _ = driver.execute_query("MATCH (n:Incident) RETURN n.iri AS iri", database_=db)
    return [str(r["iri"]) for r in records]


def test_strict_writes_nothing(ref: neo4j.Driver, db: str) -> None:
    before = count(ref, db, "Resource")
    with pytest.raises(LoadRefused) as err:
        load(ref, db, "keepiton", KEEPITON, strict=True)
    assert len(err.value.report.rejected) == 6
    assert count(ref, db, "Resource") == before


def test_reload_changes_nothing_and_a_newer_snapshot_updates(
    ref: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    first = load(ref, db, "keepiton", KEEPITON)
    again = load(ref, db, "keepiton", KEEPITON)
    assert again.written["nodesCreated"] == again.written["nodesUpdated"] == 0
    assert again.written["relationshipsCreated"] == again.written["relationshipsUpdated"] == 0
    assert "loaded before" in again.outcome
    a = incident_a(ref, db)
    first_load = node(ref, db, a)["lastLoad"]

    newer = tmp_path / "keepiton_newer.csv"
    with KEEPITON.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["end_date"] = "2020-03-05"
    added = dict(
        rows[0], start_date="2020-05-01", end_date="2020-05-02", area_name="Illustrative District E"
    )
    with newer.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, added])
    second = load(ref, db, "keepiton", newer)
    assert second.written["nodesCreated"] >= 1
    assert count(ref, db, "Incident") == first.rows_mapped + 1
    updated = node(ref, db, a)
    assert str(updated["endDate"]) == "2020-03-05"
    assert updated["lastLoad"] != first_load and len(updated["loads"]) == 2


def test_unvotes_joins_lookups_and_keeps_reference_values(
    ref: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "unvotes"
    shutil.copytree(VOTES.parent, folder)
    report = load(ref, db, "unvotes", folder / VOTES.name)
    # Every vote of a known roll call loads: on amendments, paragraphs and motions too, and the
    # one without a country code (row 6).
    assert {i.row: i.category for i in report.rejected} == {
        7: "value outside vocabulary",
        12: "no matching roll_call row",
    }
    assert dict(report.skipped) == {}
    assert count(ref, db, "Vote") == report.rows_mapped == 9
    assert count(ref, db, "RollCall") == 5
    resolution = node(ref, db, ID + "resolution/a-res-70-999")
    assert resolution["symbol"] == "A/RES/70/999" and resolution["session"] == 70
    assert resolution["title"] == "Illustrative resolution on an example topic"
    assert str(resolution["adoptionDate"]) == "2015-12-01"
    assert set(targets(ref, db, resolution["iri"], "ADOPTED_BY")) == {
        ID + "actor/un-general-assembly"
    }
    vote = node(ref, db, ID + "vote/un-ga/9901/us")
    assert vote["voteChoice"] == "yes" and str(vote["date"]) == "2015-12-01"
    assert set(targets(ref, db, vote["iri"], "VOTER")) == {ID + "state/us"}
    assert set(targets(ref, db, vote["iri"], "ROLL_CALL")) == {ID + "roll-call/unga/9901"}
    assert set(targets(ref, db, vote["iri"], "ON_RESOLUTION")) == {resolution["iri"]}
    whole = node(ref, db, ID + "roll-call/unga/9901")
    assert whole["rollCallId"] == "9901" and whole["session"] == 70
    assert str(whole["date"]) == "2015-12-01" and whole["importantVote"] is False
    assert whole["isAmendmentVote"] is False and whole["isParagraphVote"] is False
    assert set(whole["topic"]) == {"Human rights", "Illustrative issue"}
    assert set(targets(ref, db, whole["iri"], "ON_RESOLUTION")) == {resolution["iri"]}
    # An amendment roll call names its resolution; its votes do not.
    amendment = node(ref, db, ID + "roll-call/unga/9902")
    assert amendment["isAmendmentVote"] is True
    assert amendment["description"] == "TO ADOPT AN ILLUSTRATIVE AMENDMENT"
    assert set(targets(ref, db, amendment["iri"], "ON_RESOLUTION")) == {resolution["iri"]}
    on_amendment = ID + "vote/un-ga/9902/us"
    assert set(targets(ref, db, on_amendment, "ROLL_CALL")) == {amendment["iri"]}
    assert not targets(ref, db, on_amendment, "ON_RESOLUTION")
    assert str(resolution["adoptionDate"]) == "2015-12-01"  # the whole text's, not amended
    # A motion without a symbol, and a paragraph vote on a symbol that no roll call on the whole
    # text dates: roll calls without a resolution (no adoption date is guessed).
    for rcid in ("9904", "9905"):
        assert not targets(ref, db, ID + f"roll-call/unga/{rcid}", "ON_RESOLUTION")
    assert node(ref, db, ID + "roll-call/unga/9905")["isParagraphVote"] is True
    assert "isAmendmentVote" not in node(ref, db, ID + "roll-call/unga/9905")  # empty cell
    # No code, and a name that is no ISO country: a state named from the file, no country.
    named = ID + "state/name/illustrative-republic"
    assert node(ref, db, named)["label"] == "Illustrative Republic"
    assert not targets(ref, db, named, "COUNTRY")
    assert set(targets(ref, db, ID + "vote/un-ga/9901/illustrative-republic", "VOTER")) == {named}
    assert node(ref, db, ID + "state/cz")["label"] == "Czech Republic"  # the reference's, kept
    former = node(ref, db, ID + "country/yu")
    assert former["label"] == "Yugoslavia" and former["isoAlpha2"] == "YU"
    assert set(targets(ref, db, ID + "state/yu", "COUNTRY")) == {ID + "country/yu"}


def test_civicus_dates_from_the_file_name_and_not_rated(
    ref: neo4j.Driver, db: str, tmp_path: Path
) -> None:
    report = load(ref, db, "civicus", CIVICUS)
    assert {i.row: i.category for i in report.rejected} == {
        5: "unknown country",
        6: "value outside vocabulary",
    }
    assert dict(report.skipped) == {"not rated (fillKey None)": 1}
    nl = node(ref, db, ID + "rating-assessment/civicus/nl/2020-01-01")
    assert str(nl["date"]) == "2020-01-01"
    assert set(targets(ref, db, nl["iri"], "RATING")) == {ID + "rating/open"}
    assert set(targets(ref, db, nl["iri"], "RATED_BY")) == {ID + "actor/civicus"}
    assert set(targets(ref, db, nl["iri"], "RATED_COUNTRY")) == {ID + "country/nl"}
    renamed = tmp_path / "ratings.json"
    shutil.copy(CIVICUS, renamed)
    with pytest.raises(Exception, match="filename_pattern"):
        load(ref, db, "civicus", renamed)
