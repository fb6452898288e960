"""Match rules and the value rule as pure functions (no Neo4j), and the ``match:`` spec's errors.
All values are ILLUSTRATIVE (example IRIs, invented dates and titles)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from loaders.mapping.load import MappingError, load_mapping
from loaders.matching.rules import Candidate, RowKeys, decide, normal_text
from loaders.matching.spec import MatchSpec
from loaders.matching.values import LoadRef, Stored, reconcile

EX = "https://w3id.org/civic-space-graph/id/example/"
RULE = MatchSpec(rule="same", kind="incident", tolerance_days=3, narrow=["place", "source_url"])


def _row(**kw: object) -> RowKeys:
    base: dict[str, object] = {"row": 7, "node": EX + "row", "country": EX + "xx"}
    return RowKeys(**{**base, **kw})  # type: ignore[arg-type]


def test_one_candidate_within_tolerance_matches_with_score_and_fields():
    verdict = decide(RULE, _row(start=date(2020, 1, 2)), [Candidate(EX + "a", date(2020, 1, 1))])
    assert verdict.outcome == "matched" and verdict.node == EX + "a"
    assert verdict.score == pytest.approx((1 + 0.75 + 1 + 0) / 4)  # country, 1 day, both
    assert "startDate: 2020-01-02 ~ 2020-01-01 (1 day, tolerance 3)" in verdict.compared


def test_outside_tolerance_is_no_match():
    verdict = decide(RULE, _row(start=date(2020, 1, 9)), [Candidate(EX + "a", date(2020, 1, 1))])
    assert verdict.outcome == "none"


def test_place_or_url_decides_between_candidates_and_a_tie_is_not_guessed():
    cands = [
        Candidate(EX + "a", date(2020, 1, 1), place="District A"),
        Candidate(EX + "b", date(2020, 1, 2), place="District B", urls=frozenset({"x.org/1"})),
    ]
    by_place = decide(RULE, _row(start=date(2020, 1, 1), place="district a"), cands)
    assert (by_place.outcome, by_place.node) == ("matched", EX + "a")
    by_url = decide(RULE, _row(start=date(2020, 1, 1), urls=frozenset({"x.org/1"})), cands)
    assert (by_url.outcome, by_url.node) == ("matched", EX + "b")
    tie = decide(RULE, _row(start=date(2020, 1, 1), place="District C"), cands)
    assert tie.outcome == "ambiguous" and tie.candidates == [EX + "a", EX + "b"]


def test_laws_match_on_a_normalised_title():
    rule = MatchSpec(rule="same-law", kind="law")
    cand = Candidate(EX + "law", titles=("Law No. 5651", "Law no 5651 (illustrative)"))
    assert decide(rule, _row(titles=("The law no 5651",)), [cand]).node == EX + "law"
    assert decide(rule, _row(titles=("Law No. 5652",)), [cand]).outcome == "none"
    assert normal_text("Séction 144, CrPC") == "section 144 crpc"


LOAD = LoadRef(EX + "load/2", EX + "dataset/second", "second")


def _stored(dataset: str, source: str = "first: a.csv", last: str = "first: a.csv") -> Stored:
    return Stored({"endDate": date(2020, 1, 3)}, EX + "load/1", source, dataset, last)


def test_another_dataset_adds_an_alternative_and_keeps_the_stored_value():
    out = reconcile(
        EX + "n", {"endDate": date(2020, 1, 4)}, _stored(EX + "dataset/first"), LOAD, matched=True
    )
    assert "endDate" not in out.props
    assert [(s["value"], s["current"], s["load"]) for s in out.statements] == [
        ("2020-01-03", True, EX + "load/1"),
        ("2020-01-04", False, LOAD.iri),
    ]


def test_a_newer_snapshot_of_the_same_dataset_wins_and_a_curated_value_wins_over_it():
    same = reconcile(
        EX + "n", {"endDate": date(2020, 1, 4)}, _stored(LOAD.dataset), LOAD, matched=False
    )
    assert same.props["endDate"] == date(2020, 1, 4)
    assert [s["current"] for s in same.statements] == [False, True]
    curated = _stored(LOAD.dataset, last="graphql:update <x>")
    kept = reconcile(EX + "n", {"endDate": date(2020, 1, 4)}, curated, LOAD, matched=False)
    assert "endDate" not in kept.props


def test_a_bad_match_section_is_an_error_naming_the_key(tmp_path: Path):
    source = Path(__file__).parent / "fixtures" / "matching" / "research_illustrative.yaml"
    text = source.read_text(encoding="utf-8")
    (tmp_path / "research_illustrative.ttl").write_text(
        (source.parent / "research_illustrative.ttl").read_text(encoding="utf-8")
    )
    for old, new, message in (
        ("kind: incident", "kind: incidnt", "match.kind"),
        ("tolerance_days: 45", "tolerance_days: -1", "match.tolerance_days"),
        ("narrow: [place, source_url]", "narrow: [place, colour]", "match.narrow"),
        ("kind: incident", "kind: law", "a law rule needs a main entity of class 'Law'"),
    ):
        path = tmp_path / "research_illustrative.yaml"
        path.write_text(text.replace(old, new), encoding="utf-8")
        with pytest.raises(MappingError) as err:
            load_mapping(path)
        assert message in str(err.value) and "research_illustrative.yaml" in str(err.value)
