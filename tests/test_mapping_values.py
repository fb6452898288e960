"""Cleaning one value: absent markers, lists, vocabularies, patterns, dates, and the named
functions (UN symbols, URLs, countries). Values here are illustrative."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

from civicgraph.vocab import ID
from loaders.mapping.functions import country, not_a_country, un_ga_session, un_ga_symbol, urls
from loaders.mapping.spec import FieldSpec
from loaders.mapping.values import CompiledField, RowRejected, RowSkipped


def value(cell: str, **spec: Any) -> Any:
    field = CompiledField("f", FieldSpec(column="c", **spec))
    return field.compute({"c": cell}, {}, lambda _: None)


@pytest.mark.parametrize(
    ("unres", "symbol"),
    [
        ("R/70/161", "A/RES/70/161"),
        ("A/RES/74/38", "A/RES/74/38"),
        ("R/41/35B", "A/RES/41/35 B"),
        ("R/21/2200A", "A/RES/2200A(XXI)"),
        ("R/3/217", "A/RES/217(III)"),
        ("ESS/10/14", None),
        ("SS/1/59", None),
        ("R/1/1287/A", None),
        ("", None),
    ],
)
def test_un_ga_symbol(unres: str, symbol: str | None) -> None:
    assert un_ga_symbol(unres) == symbol


def test_un_ga_session_reads_both_symbol_forms() -> None:
    assert un_ga_session("A/RES/70/161") == 70
    assert un_ga_session("A/RES/2200A(XXI)") == 21
    assert un_ga_session("A/RES/217(III)") == 3
    assert un_ga_session("A/RES/3379(XXX)") == 30


def test_urls_split_however_they_are_separated() -> None:
    cell = "https://example.org/a; https://example.org/b,\nhttps://example.org/c.https://x.org/d"
    assert urls(cell) == [
        "https://example.org/a",
        "https://example.org/b",
        "https://example.org/c",
        "https://x.org/d",
    ]
    assert urls("Example transparency report") is None


def test_countries_by_un_style_name_and_former_codes() -> None:
    assert country("Iran (Islamic Republic of)") == "IR"
    assert country("Palestine, State of") == "PS"
    assert country("Laos; Myanmar") is None
    assert not_a_country("YU") == "YU"
    assert not_a_country("NL") is None


def test_absent_markers_and_required() -> None:
    assert value(" Unknown ", absent=["", "Unknown"]) is None
    with pytest.raises(RowRejected) as err:
        value("Unknown", absent=["", "Unknown"], required=True, reason="no start date")
    assert err.value.category == "no start date"
    assert err.value.detail == "c='Unknown', read as absent"


def test_lists_are_split_trimmed_and_mapped() -> None:
    spec = {
        "split": ",",
        "absent": ["", "Unknown"],
        "map": {"Mobile": "Mobile network", "Broadband": "Broadband network"},
    }
    assert value("Broadband, Mobile", **spec) == ["Broadband network", "Mobile network"]
    assert value("Unknown", **spec) is None
    assert value("Mobile", **spec) == ["Mobile network"]


def test_vocabulary_terms_and_misses() -> None:
    spec = {"map": {"Shutdown": "csgid:threat/internet-shutdown"}}
    assert value("shutdown", **spec) == URIRef(ID["threat/internet-shutdown"])
    with pytest.raises(RowRejected, match="value outside vocabulary"):
        value("Blackout", **spec)
    assert value("Blackout", on_miss="drop", **spec) is None
    assert value("Blackout", on_miss="keep", **spec) == "Blackout"
    with pytest.raises(RowSkipped):
        value("Blackout", on_miss="skip", **spec)


def test_yes_no_unknown_to_boolean_or_absent() -> None:
    spec = {"absent": ["", "Unknown"], "map": {"yes": True, "no": False}}
    assert value("Yes", **spec) is True
    assert value("No", **spec) is False
    assert value("Unknown", **spec) is None


def test_patterns_fold_spellings_and_capture_groups() -> None:
    spec = {
        "patterns": [{"match": r"sec(tion)?\.?[\s-]*144(?!\d)", "value": "Section 144 CrPC"}],
        "on_miss": "drop",
    }
    for spelling in (
        "Section 144 CrPC",
        "Section 144 of CrPC",
        "Section-144 of CrPC",
        "Section 144 CrCP",
        "Sec. 144 Cr.P.C.",
    ):
        assert value(spelling, **spec) == "Section 144 CrPC"
    assert value("Section 1440 of an example act", **spec) is None
    title = {"patterns": [{"match": r"^(.+?)\s*:\s*resolution\s*/\s*adopted", "group": 1}]}
    assert value("Example title : resolution / adopted by the General Assembly", **title) == (
        "Example title"
    )


def test_dates_and_their_failures() -> None:
    assert value("2020-03-01", parse="date") == date(2020, 3, 1)
    assert value("01/03/2020", parse="date", date_formats=["%Y-%m-%d", "%d/%m/%Y"]) == date(
        2020, 3, 1
    )
    with pytest.raises(RowRejected) as err:
        value("2021-13-45", parse="date")
    assert err.value.category == "unparseable date"
    assert "2021-13-45" in err.value.detail


def test_differs_from_drops_a_repetition_of_another_field() -> None:
    field = CompiledField("f", FieldSpec(column="c", differs_from="other"))
    assert (
        field.compute({"c": "State government"}, {"other": "state government"}, lambda _: None)
        is None
    )
    assert field.compute(
        {"c": "Home Department"}, {"other": "State government"}, lambda _: None
    ) == ("Home Department")


def test_when_and_unless_gate_a_field_without_rejecting() -> None:
    gated = CompiledField("f", FieldSpec(column="c", when=["a", "b"], required=True))
    assert gated.compute({"c": "x"}, {"a": 1, "b": True}, lambda _: None) == "x"
    assert gated.compute({"c": "x"}, {"a": 1}, lambda _: None) is None  # not required then
    unless = CompiledField("f", FieldSpec(column="c", unless=["code"], function="country"))
    assert unless.compute({"c": "Netherlands"}, {}, lambda _: None) == "NL"
    assert unless.compute({"c": "Netherlands"}, {"code": "XX"}, lambda _: None) is None
    assert unless.compute({"c": "Netherlands"}, {"code": []}, lambda _: None) == "NL"


def test_a_lookup_keeps_the_rows_where_says_keyed_by_its_function(tmp_path) -> None:
    from loaders.mapping.rows import RowMapper
    from loaders.mapping.spec import MappingSpec

    (tmp_path / "main.csv").write_text("id,unres\n1,R/70/999\n", encoding="utf-8")
    (tmp_path / "calls.csv").write_text(
        "rcid,unres,amend,date\n1,R/70/999,1,2015-11-30\n2,R/70/999,0,2015-12-01\n"
        "3,A/RES/70/999,,2015-12-02\n4,ESS/10/1,0,2015-12-03\n",
        encoding="utf-8",
    )
    spec = MappingSpec.model_validate(
        {
            "name": "t",
            "title": "illustrative",
            "dataset": "dataset/example",
            "main": "x",
            "input": {"columns": ["id", "unres"]},
            "lookups": {
                "whole": {
                    "path": "calls.csv",
                    "key": "unres",
                    "key_function": "un_ga_symbol",
                    "where": {"amend": ["", "0"]},
                    "by": "symbol",
                    "many": True,
                    "required": False,
                    "input": {"columns": ["rcid", "unres", "amend", "date"]},
                }
            },
            "fields": {
                "symbol": {"column": "unres", "function": "un_ga_symbol"},
                "dates": {"column": "whole.date"},
            },
            "entities": {},
        }
    )
    mapper = RowMapper(spec)
    mapper.load_lookups(tmp_path / "main.csv")
    assert set(mapper.lookups["whole"]) == {"A/RES/70/999"}  # ESS/10/1 is not read as a symbol
    fields = mapper.compute({"id": "1", "unres": "R/70/999"}, {})
    assert fields["dates"] == ["2015-12-01", "2015-12-02"]


def test_constant_terms_stay_iris() -> None:
    def constant(text: str) -> Any:
        return CompiledField("f", FieldSpec(value=text)).compute({}, {}, lambda _: None)

    assert constant("csgid:scheme/actor-categories") == URIRef(ID["scheme/actor-categories"])
    assert isinstance(constant("csgid:scheme/actor-categories"), URIRef)
    assert constant("skos:Concept") == URIRef("http://www.w3.org/2004/02/skos/core#Concept")
    assert isinstance(constant("https://example.org/illustrative"), URIRef)
    assert type(constant("Illustrative: plain text")) is str
    cased = CompiledField("f", FieldSpec(value="csgid:scheme/actor-categories", case="lower"))
    assert isinstance(cased.compute({}, {}, lambda _: None), URIRef)


def test_a_constant_term_field_feeds_an_object_property(tmp_path: Path) -> None:
    """Before: the field's IRI became a plain string and every row was refused as "not a known
    term". The table and mapping are ILLUSTRATIVE."""
    from rdflib import SKOS

    from loaders.mapping.engine import Engine
    from loaders.mapping.load import load_mapping
    from loaders.mapping.report import MapReport

    (tmp_path / "t.csv").write_text("name\nIllustrative group\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        "name: illustrative\ntitle: Illustrative\ndataset: dataset/illustrative\nmain: group\n"
        "input: {columns: [name]}\n"
        "fields:\n  name: {column: name, required: true}\n"
        "  scheme: {value: 'csgid:scheme/actor-categories'}\n"
        "entities:\n  group:\n    class: ActorCategory\n"
        "    iri: {kind: actor-category, key: [name]}\n    label: ['{name}']\n"
        "    properties: {inScheme: scheme}\n",
        encoding="utf-8",
    )
    report = MapReport("illustrative", "t.csv")
    batches = list(Engine(load_mapping(tmp_path / "m.yaml")).batches(tmp_path / "t.csv", report))
    assert report.rejected == []
    inscheme = [o for _, p, o in batches[0].facts.triples_iter() if p == str(SKOS.inScheme)]
    assert inscheme == [str(ID["scheme/actor-categories"])]
