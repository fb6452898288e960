"""Differential test: the compiled shapes (the loader's validator) against pyshacl (the reference).

Both run on the same data and must give the same findings, counted with multiplicity: focus
node, path, value, message, severity and shape. Data: every good/bad pair of
``tests/fixtures/shapes``, the loader fixtures, and the real reference dataset with injected
defects (wrong dates, unknown countries, missing sources, bad symbols, bad codes).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import DCTERMS, RDF, SH, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from civicgraph.iris import mint
from civicgraph.paths import ontology_files, reference_files, shape_files
from civicgraph.vocab import CSG
from loaders.engine.compiled import compiled
from loaders.engine.facts import Facts
from loaders.engine.fastvalidate import validate_facts
from loaders.engine.sparql import translate
from loaders.engine.terms import from_rdflib
from loaders.rdf_input import parse
from loaders.validate import validate

FIXTURES = Path(__file__).parent / "fixtures"
CSGSH = Namespace("https://w3id.org/civic-space-graph/shapes#")
SHAPE_FILES = shape_files()
SHAPE_FIXTURES = sorted((FIXTURES / "shapes").glob("*/*.ttl"))
LOADER_FIXTURES = [
    p
    for p in sorted((FIXTURES / "loader").glob("*.ttl"))
    if p.name not in ("malformed.ttl", "missing.ttl")
]


def facts_of(graph: Graph) -> Facts:
    facts = Facts()
    for s, p, o in graph:
        facts.add(from_rdflib(s), str(p), from_rdflib(o))
    return facts


def findings_both(graph: Graph) -> tuple[Counter[str], Counter[str]]:
    reference = Counter(repr(v) for v in validate(graph).violations)
    fast = Counter(repr(v) for v in validate_facts(facts_of(graph)).violations)
    return reference, fast


def test_every_shape_is_compiled_the_sparql_one_by_its_translation() -> None:
    assert compiled().fallback == []


def test_an_edited_sparql_query_is_left_to_pyshacl() -> None:
    graph = Graph()
    for path in SHAPE_FILES:
        parse(path, into=graph)
    constraint = CSGSH["Resolution-session-matches-symbol"]
    query = str(graph.value(constraint, SH.select))
    assert translate(graph, CSGSH.ResolutionShape, constraint) is not None
    graph.set((constraint, SH.select, Literal(query.replace('"A/"', '"A/HRC/"'))))
    assert translate(graph, CSGSH.ResolutionShape, constraint) is None


# (symbol, session) pairs around the query's edges: old and new GA symbols, other bodies, tagged,
# typed and IRI symbols, sessions as strings, with leading zeros, two of each on one node.
SESSION_CASES: list[tuple[list[object], list[object]]] = [
    (["A/HRC/RES/20/8"], [20, 21]),
    (["A/RES/68/167"], [Literal("68"), Literal("068", datatype=XSD.integer)]),
    (["A/RES/2200(XXI)"], [21, 22]),
    (["A/RES/2200 (XXX)"], [30]),
    (["A/RES/9(I)(II)"], [1, 2]),
    (["A/RES/3(XXXI)"], [31]),
    ([Literal("A/RES/70/1", lang="en")], [70, 71]),
    ([Literal("A/RES/70/1", datatype=XSD.token)], [71]),
    ([URIRef("https://example.org/A/RES/70/1")], [71]),
    (["S/RES/2334"], [2334, 71]),
    (["A/HRC/RES/1/1", "A/HRC/RES/2/1"], [1, 3]),
    (["A/RES/4/1"], [Literal("4", lang="en"), Literal("true", datatype=XSD.boolean)]),
]


def session_graph() -> Graph:
    """ILLUSTRATIVE resolutions (invented symbols and sessions, not real records)."""
    graph = Graph()
    body = mint("example", "actor", "body")
    graph.add((body, RDF.type, CSG.UNBody))
    for n, (symbols, sessions) in enumerate(SESSION_CASES):
        node = mint("example", "resolution", str(n))
        graph.add((node, RDF.type, CSG.Resolution))
        graph.add((node, CSG.adoptionDate, Literal("2000-01-01", datatype=XSD.date)))
        graph.add((node, CSG.adoptedBy, body))
        for symbol in symbols:
            graph.add((node, CSG.symbol, symbol if isinstance(symbol, Node) else Literal(symbol)))
        for session in sessions:
            graph.add(
                (node, CSG.session, session if isinstance(session, Node) else Literal(session))
            )
    return graph


def test_session_and_symbol_edge_cases_give_pyshacls_findings() -> None:
    reference, fast = findings_both(session_graph())
    assert fast == reference
    assert sum(n for f, n in reference.items() if "does not match the symbol" in f) >= 8


@pytest.mark.parametrize(
    "path", SHAPE_FIXTURES + LOADER_FIXTURES, ids=lambda p: p.parent.name + "/" + p.name
)
def test_fixture_findings_are_identical(path: Path) -> None:
    reference, fast = findings_both(parse(path))
    assert fast == reference
    if path.parent.name == "bad":
        assert reference, f"{path} should have findings"


def reference_graph() -> Graph:
    graph = Graph()
    for path in [*ontology_files(), *reference_files()]:
        parse(path, into=graph)
    return graph


def inject_defects(graph: Graph) -> Graph:
    """Real reference data with defects a user makes (each kind at least once)."""
    resolutions = sorted(graph.subjects(RDF.type, CSG.HRCResolution))
    countries = sorted(graph.subjects(RDF.type, CSG.Country))
    sourced = sorted(
        s for s in graph.subjects(DCTERMS.source, None) if (s, RDF.type, CSG.Country) in graph
    )
    first, second = resolutions[0], resolutions[1]
    graph.set((first, CSG.adoptionDate, Literal("2019-02-30", datatype=XSD.date)))  # bad date
    graph.set((second, CSG.symbol, graph.value(first, CSG.symbol)))  # duplicate symbol
    graph.set((resolutions[2], CSG.session, Literal(99)))  # session not in the symbol
    graph.add((resolutions[3], CSG.symbol, Literal("A/HRC/RES/1/1")))  # second symbol
    graph.remove((sourced[0], DCTERMS.source, None))  # missing source
    graph.set((countries[1], CSG.isoAlpha2, graph.value(countries[2], CSG.isoAlpha2)))  # dup code
    incident = mint("example", "incident", "defects")
    graph.add((incident, RDF.type, CSG.Incident))
    graph.add((incident, CSG.country, URIRef(str(mint("country", "zz")))))  # unknown country
    graph.add((incident, CSG.startDate, Literal("2020-05-01", datatype=XSD.date)))
    graph.add((incident, CSG.endDate, Literal("2020-04-01", datatype=XSD.date)))  # ends first
    graph.add((incident, CSG.startDate, Literal("May 2020")))  # not a date, and a second one
    return graph


def test_real_reference_data_gives_identical_findings() -> None:
    reference, fast = findings_both(reference_graph())
    assert fast == reference


def test_real_data_with_injected_defects_gives_identical_findings() -> None:
    reference, fast = findings_both(inject_defects(reference_graph()))
    assert fast == reference
    text = "\n".join(reference)
    for expected in (
        "2019-02-30",
        "does not match the symbol",
        "csgsh:Incident-country",
        "csgsh:Event-period",
        "csgsh:SourcedEntity-source",
        "csgsh:CountryCodeUnique",
    ):
        assert expected in text, expected
