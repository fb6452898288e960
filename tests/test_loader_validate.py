"""Validation without a store: vocabulary checks, the report for people, the parallel runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDFS, BNode, Graph, Literal, Namespace, URIRef

from civicgraph.vocab import CSG
from loaders import validate as validation
from loaders.progress import Phases
from loaders.rdf_input import parse, show, show_path
from loaders.validate import ValidationReport, Violation, validate

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
EX = "https://w3id.org/civic-space-graph/id/example/"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


def test_vocabulary_typos_are_reported_without_running_shacl() -> None:
    report = validate(parse(FIXTURES / "vocabulary-typo.ttl"))
    assert not report.conforms
    assert [(v.focus, v.path, v.value) for v in report.violations] == [
        ("csgid:example/incident/typo", "csg:restrictRight", None),
        ("csgid:example/incident/typo", "rdf:type", "csg:Incidnt"),
        ("csgid:example/incident/typo2", "rdf:type", "csg:country"),
    ]


def test_report_is_readable_and_names_file_node_path_and_value() -> None:
    graph = parse(FIXTURES / "invalid.ttl")
    report = validate(graph, origin=lambda _: "invalid.ttl")
    text = report.format()
    assert text.splitlines()[1] == "invalid.ttl:"
    assert "  csgid:example/incident/invalid" in text
    assert '    - csg:startDate = "2019-02-31"^^xsd:date: ' in text
    assert "(shape csgsh:" in text and "Traceback" not in text
    date = next(v for v in report.violations if v.path == "csg:startDate")
    assert date.source == "invalid.ttl" and date.severity == "Violation"
    assert len(graph) == len(parse(FIXTURES / "invalid.ttl"))  # not changed without inplace


def test_warnings_do_not_block_but_are_shown() -> None:
    report = ValidationReport(
        [Violation("csgid:example/x", "csg:status", None, "odd status", severity="Warning")]
    )
    assert report.conforms
    assert "[Warning] csg:status: odd status" in report.format("f.ttl")
    assert ValidationReport().format("f.ttl") == "f.ttl: conforms to the shapes."


def test_parallel_validation_finds_exactly_what_one_process_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> Graph:
        graph = parse(FIXTURES / "example.ttl")
        for name in ("incident/one", "incident/two"):
            node = URIRef(EX + name)
            graph.remove((node, RDFS.label, None))  # a qualified-count shape must still fire
            graph.add((node, CSG.endDate, Literal("2001-01-01", datatype=XSD.date)))
        graph.add((URIRef(EX + "country/xb"), CSG.isoAlpha2, Literal("XA")))
        return graph

    monkeypatch.setattr(validation, "PARALLEL_MIN_TRIPLES", 10**9)
    alone = validate(broken())
    monkeypatch.setattr(validation, "PARALLEL_MIN_TRIPLES", 0)
    assert validation._split(broken(), validation.shapes_graph()) is not None
    together = validate(broken())
    assert len(alone.violations) >= 8
    assert together.violations == alone.violations


def test_terms_and_paths_are_shown_as_people_write_them() -> None:
    assert show(CSG.startDate) == "csg:startDate"
    assert show(URIRef(EX + "country/xa")) == "csgid:example/country/xa"
    assert show(Literal("2011", datatype=XSD.gYear)) == '"2011"^^xsd:gYear'
    assert show(URIRef("https://example.org/x")) == "<https://example.org/x>"
    graph = Graph()
    inverse = BNode()
    graph.add((inverse, URIRef("http://www.w3.org/ns/shacl#inversePath"), CSG.isoAlpha2))
    assert show_path(graph, inverse) == "^csg:isoAlpha2"


def test_phases_are_timed_and_quiet_off_a_terminal() -> None:
    with Phases(show=True) as phases:  # pytest captures output: not a terminal
        assert not phases.show
        with phases.phase("parse", total=2) as advance:
            advance(1)
        with phases.phase("parse"):
            pass
    assert set(phases.timings) == {"parse"} and phases.timings["parse"] >= 0
