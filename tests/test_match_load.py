"""Matching a second table onto existing incidents (issue 11), on ILLUSTRATIVE data only.

The store holds the reference data and the #KeepItOn illustrative fixture (4 incidents); the
second table, tests/fixtures/matching/research_illustrative.csv, is a hand-built ILLUSTRATIVE
"research copy" with other column names: three rows describe fixture incidents (matched), one
falls between two of them with neither place (ambiguous), one is new (created).
"""

from __future__ import annotations

import json
from pathlib import Path

import neo4j
import pytest
from fixtures.tables.support import ID, TABLES, count, load, node, targets

from civicgraph.cli import main
from civicgraph.settings import get_settings
from loaders.mapping.run import LoadRefused
from loaders.matching.cli import read_matches

pytestmark = pytest.mark.neo4j

FIXTURES = Path(__file__).parent / "fixtures" / "matching"
RESEARCH = FIXTURES / "research_illustrative.csv"
MAPPING = str(FIXTURES / "research_illustrative.yaml")
DATASET = ID + "dataset/illustrative-shutdown-research"
KEEPITON_DATASET = ID + "dataset/access-now-keepiton-stop"


def _incident(driver: neo4j.Driver, db: str, prefix: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (n:Incident) WHERE n.iri STARTS WITH $p RETURN n.iri AS iri", p=prefix, database_=db
    )
    assert len(records) == 1, prefix
    return str(records[0]["iri"])


@pytest.fixture
def keepiton(ref: neo4j.Driver, db: str) -> neo4j.Driver:
    load(ref, db, "keepiton", TABLES / "keepiton_illustrative.csv")
    assert count(ref, db, "Incident") == 4
    return ref


def test_matched_rows_add_sources_and_create_no_incident(keepiton: neo4j.Driver, db: str):
    district_a = _incident(keepiton, db, ID + "incident/keepiton/in/2020-03-01/")
    iran = _incident(keepiton, db, ID + "incident/keepiton/ir/2019-06-01/")
    valley = _incident(keepiton, db, ID + "incident/keepiton/pk/2021-05-05/")
    before_a = node(keepiton, db, district_a)

    report = load(keepiton, db, MAPPING, RESEARCH)

    m = report.matching
    assert m is not None
    assert (m["matched"], len(m["ambiguous"]), m["existing"]) == (3, 1, 0)
    assert (report.rows_read, report.rows_mapped) == (5, 4)  # the ambiguous row is not written
    assert count(keepiton, db, "Incident") == 5  # one created (Kenya), none for matched rows
    ambiguous = m["ambiguous"][0]
    assert ambiguous["row"] == 4
    assert sorted(ambiguous["candidates"]) == sorted(
        [district_a, _incident(keepiton, db, ID + "incident/keepiton/in/2020-04-10/")]
    )
    assert not any("/research/" in i for i in _all_incidents(keepiton, db) if "/ke/" not in i)

    # Both datasets are sources of each matched incident; each keeps its row.
    for iri in (district_a, iran, valley):
        assert {KEEPITON_DATASET, DATASET} <= set(targets(keepiton, db, iri, "SOURCE"))
        rows = targets(keepiton, db, iri, "BUILT_FROM")
        assert any("research-illustrative" in r for r in rows), rows
    assert ID + "source/web/" in " ".join(targets(keepiton, db, district_a, "SOURCE"))

    # Another dataset does not overwrite: district A keeps its end date and label; both end
    # dates are statements, #KeepItOn's current. Iran had none: the research value fills it.
    after_a = node(keepiton, db, district_a)
    assert after_a["endDate"] == before_a["endDate"]
    assert after_a["label"] == before_a["label"]
    assert _statements(keepiton, db, district_a, "endDate") == [
        ("2020-03-03", True, KEEPITON_DATASET),
        ("2020-03-04", False, DATASET),
    ]
    assert str(node(keepiton, db, iran)["endDate"]) == "2019-06-08"
    assert _statements(keepiton, db, iran, "endDate") == [("2019-06-08", True, DATASET)]

    # The match records: rule, score, fields compared, row; the load names its dataset.
    load_iri = report.outcome.split("written as ")[1].split()[0]
    found = read_matches(keepiton, db, load_iri)
    by_row = {r["row"]: r for r in found}
    assert set(by_row) == {2, 3, 4, 6}
    assert by_row[2]["node"] == district_a and by_row[2]["rule"] == "same-shutdown"
    assert 0 < by_row[2]["score"] < 1
    assert any(c.startswith("startDate: 2020-03-02 ~ 2020-03-01") for c in by_row[2]["compared"])
    assert by_row[4]["outcome"] == "ambiguous" and by_row[4]["node"] is None
    assert len(by_row[4]["candidates"]) == 2
    records, _, _ = keepiton.execute_query(
        "MATCH (:Load {iri: $l})-[:DATASET]->(d) RETURN d.iri AS d", l=load_iri, database_=db
    )
    assert [r["d"] for r in records] == [DATASET]

    # Loading the same table again changes nothing.
    counts = _stats(keepiton, db)
    again = load(keepiton, db, MAPPING, RESEARCH)
    assert again.matching is not None and again.matching["matched"] == 3
    assert _stats(keepiton, db) == counts


def test_strict_refuses_an_ambiguous_load(keepiton: neo4j.Driver, db: str):
    counts = _stats(keepiton, db)
    with pytest.raises(LoadRefused, match="several existing nodes"):
        load(keepiton, db, MAPPING, RESEARCH, strict=True)
    assert _stats(keepiton, db) == counts


def test_matches_command_lists_matches_and_ambiguous_rows(
    keepiton: neo4j.Driver,
    db: str,
    neo4j_uri: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    report = load(keepiton, db, MAPPING, RESEARCH)
    load_iri = report.outcome.split("written as ")[1].split()[0]
    monkeypatch.setenv("NEO4J_URI", neo4j_uri)
    get_settings.cache_clear()
    try:
        assert main(["matches", load_iri, "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [r["row"] for r in listed["matched"]] == [2, 3, 6]
        assert [r["row"] for r in listed["ambiguous"]] == [4]
        assert main(["matches", load_iri]) == 0
        shown = capsys.readouterr().out
        assert "3 rows matched, 1 ambiguous" in shown and "rule same-shutdown" in shown
        assert main(["matches", ID + "load/nothing"]) != 0
        err = capsys.readouterr().err
        assert "no load" in err and "Traceback" not in err
    finally:
        get_settings.cache_clear()


def _all_incidents(driver: neo4j.Driver, db: str) -> list[str]:
    records, _, _ = driver.execute_query("MATCH (n:Incident) RETURN n.iri AS i", database_=db)
    return [r["i"] for r in records]


def _statements(driver: neo4j.Driver, db: str, iri: str, prop: str) -> list[tuple]:
    records, _, _ = driver.execute_query(
        "MATCH (:Resource {iri: $iri})<-[:STATEMENT_SUBJECT]-(s:ValueStatement)-[:SOURCE]->(d) "
        "WHERE s.statementProperty = $p RETURN s.statementValue AS v, s.isCurrent AS c, d.iri AS d "
        "ORDER BY v",
        iri=iri,
        p=prop,
        database_=db,
    )
    return [(r["v"], r["c"], r["d"]) for r in records]


def _stats(driver: neo4j.Driver, db: str) -> dict:
    from loaders.cli import store_stats

    return store_stats(driver, db)


def test_laws_match_on_jurisdiction_and_a_normalised_title(keepiton: neo4j.Driver, db: str):
    section_144 = ID + "law/in/section-144-crpc"
    label = node(keepiton, db, section_144)["label"]
    laws = count(keepiton, db, "Law")
    report = load(
        keepiton, db, str(FIXTURES / "laws_illustrative.yaml"), FIXTURES / "laws_illustrative.csv"
    )
    assert report.matching is not None
    assert (report.matching["matched"], len(report.matching["ambiguous"])) == (1, 0)
    assert count(keepiton, db, "Law") == laws + 1  # the unknown law is new; Section 144 is not
    assert node(keepiton, db, section_144)["label"] == label  # another dataset adds, not overwrites
    assert _statements(keepiton, db, section_144, "label") == [
        (label, True, KEEPITON_DATASET),
        ("section-144 of CrPC", False, ID + "dataset/illustrative-law-list"),
    ]
    load_iri = report.outcome.split("written as ")[1].split()[0]
    (match,) = read_matches(keepiton, db, load_iri)
    assert (match["node"], match["row"], match["rule"]) == (section_144, 2, "same-law")
    records, _, _ = keepiton.execute_query(
        "MATCH (:Match {iri: $m})-[:MATCHED_ROW]->(r:SourceRecord)-[:SOURCE]->(d) "
        "RETURN r.fileName AS f, d.iri AS d",
        m=match["iri"],
        database_=db,
    )
    assert [(r["f"], r["d"]) for r in records] == [
        ("laws_illustrative.csv", ID + "dataset/illustrative-law-list")
    ]
