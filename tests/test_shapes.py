"""The SHACL shapes in ``shapes/``: every fixture, every constraint, every class and property.

The checks are derived from the shapes graph itself, so a new constraint is covered the moment it
is written: its bad fixture must break it (and nothing else), its good fixture must use the
property it constrains, and it must carry an English ``sh:message``. Fixtures live in
``tests/fixtures/shapes/{good,bad}/<Shape>.ttl`` and hold illustrative data only.

Validation here runs as the loader runs it: pyshacl with the ontology as ``ont_graph`` and
``inference='none'``. pyshacl copies only the ontology's RDFS/OWL axioms (class and property
definitions, rdfs:subClassOf) into the data graph, not instances such as the SKOS concepts of
the vocabularies, so every fixture types the nodes it refers to itself; ``ontology/core.ttl`` is
all the ontology the fixtures need.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from civicgraph.errors import CivicGraphError
from civicgraph.model import CSG_NS, Ontology, local_name
from civicgraph.paths import ONTOLOGY_DIR
from loaders.shapes_graph import (
    SHAPES_NS,
    authored_shapes_graph,
    flatten_property_shapes,
    load_shapes,
    shapes_graph,
)

SH = Namespace("http://www.w3.org/ns/shacl#")
CSG = Namespace(CSG_NS)
CSGSH = Namespace(SHAPES_NS)
SCHEMA = Namespace("https://schema.org/")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

# Each constraint parameter and the constraint component pyshacl reports it under.
COMPONENT_OF = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
}
# sh: terms that are allowed on shapes but are not constraints of their own.
NON_CONSTRAINT = {
    RDF.type,
    SH.path,
    SH.message,
    SH.property,
    SH.sparql,
    SH.select,
    SH.prefixes,
    SH.declare,
    SH.prefix,
    SH.namespace,
    SH.qualifiedValueShape,
    SH.inversePath,
    SH.flags,
    *TARGETS,
}


@dataclass(frozen=True)
class Result:
    focus: Node
    source_shape: Node
    component: Node
    value: Node | None
    message: str
    source_constraint: Node | None


@dataclass(frozen=True)
class Report:
    conforms: bool
    results: frozenset[Result]
    text: str


@cache
def core_ontology() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "core.ttl", format="turtle")


def validate(data: Graph, shapes: Graph | None = None, *, ontology: bool = True) -> Report:
    """Validate as the loader does: core constraints, no RDFS inference, the ontology mixed in."""
    conforms, results_graph, text = pyshacl.validate(
        data,
        shacl_graph=shapes if shapes is not None else shapes_graph(),
        ont_graph=core_ontology() if ontology else None,
        inference="none",
    )
    results = frozenset(
        Result(
            focus=results_graph.value(r, SH.focusNode),
            source_shape=results_graph.value(r, SH.sourceShape),
            component=results_graph.value(r, SH.sourceConstraintComponent),
            value=results_graph.value(r, SH.value),
            message=str(results_graph.value(r, SH.resultMessage)),
            source_constraint=results_graph.value(r, SH.sourceConstraint),
        )
        # Only the report's own results: pyshacl also types the nested results of sh:node
        # (linked through sh:detail) as sh:ValidationResult.
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for r in results_graph.objects(report, SH.result)
    )
    return Report(bool(conforms), results, str(text))


def targeted_shapes() -> list[URIRef]:
    """Node shapes with targets: the units that get a good and a bad fixture."""
    g = authored_shapes_graph()
    return sorted({s for p in TARGETS for s in g.subjects(p, None) if isinstance(s, URIRef)})


SHAPES = targeted_shapes()


def name(shape: Node) -> str:
    return local_name(shape)


def fixture(kind: str, shape: URIRef) -> Graph:
    return Graph().parse(FIXTURES / kind / f"{name(shape)}.ttl", format="turtle")


def expected_units(shape: URIRef) -> set[tuple[Node, Node]]:
    """(source shape, constraint component) of every constraint the shape owns: its node-level
    constraints, its SPARQL constraints and the constraints of each of its property shapes."""
    g = authored_shapes_graph()
    units = {(shape, c) for p, c in COMPONENT_OF.items() if (shape, p, None) in g}
    units |= {(shape, SH.SPARQLConstraintComponent) for _ in g.objects(shape, SH.sparql)}
    for prop in g.objects(shape, SH.property):
        units |= {(prop, c) for p, c in COMPONENT_OF.items() if (prop, p, None) in g}
    return units


def message_matches(result: Result) -> bool:
    """The result carries the sh:message of the constraint that produced it; in SPARQL messages
    the {?var} placeholders are filled in."""
    g = authored_shapes_graph()
    holder = (
        result.source_constraint if result.source_constraint is not None else result.source_shape
    )
    templates = [str(m) for m in g.objects(holder, SH.message)]
    for template in templates:
        parts = re.split(r"\{[?$]\w+\}", template)
        if re.fullmatch(".+?".join(re.escape(p) for p in parts), result.message, re.DOTALL):
            return True
    return False


def focus_nodes(shape: URIRef, data: Graph) -> set[Node]:
    """The focus nodes a shape selects in data merged with the ontology (as pyshacl merges it)."""
    g = authored_shapes_graph()
    merged = data + core_ontology()
    nodes: set[Node] = set()
    for cls in g.objects(shape, SH.targetClass):
        for sub in merged.transitive_subjects(RDFS.subClassOf, cls):
            nodes.update(merged.subjects(RDF.type, sub))
    for prop in g.objects(shape, SH.targetObjectsOf):
        nodes.update(merged.objects(None, prop))
    for prop in g.objects(shape, SH.targetSubjectsOf):
        nodes.update(merged.subjects(prop, None))
    nodes.update(g.objects(shape, SH.targetNode))
    return nodes


def path_values(data: Graph, focus: Node, path: Node) -> list[Node]:
    g = authored_shapes_graph()
    if isinstance(path, URIRef):
        return list(data.objects(focus, path))
    inverse = g.value(path, SH.inversePath)
    assert isinstance(inverse, URIRef), f"path {path} is neither an IRI nor an inverse path"
    return list(data.subjects(inverse, focus))


# Fixtures ---------------------------------------------------------------------------------------


def test_every_targeted_shape_has_a_good_and_a_bad_fixture_and_no_fixture_is_stray():
    wanted = {f"{name(s)}.ttl" for s in SHAPES}
    for kind in ("good", "bad"):
        present = {p.name for p in (FIXTURES / kind).glob("*.ttl")}
        assert present == wanted, (
            f"{kind}: missing {sorted(wanted - present)}, stray {sorted(present - wanted)}"
        )


@pytest.mark.parametrize("shape", SHAPES, ids=name)
def test_good_fixture_conforms_and_uses_every_constrained_property(shape: URIRef):
    data = fixture("good", shape)
    report = validate(data)
    assert report.conforms, report.text
    focus = focus_nodes(shape, data)
    assert focus, f"the good fixture has no focus node of {name(shape)}"
    # Every property the shape constrains appears on one of its focus nodes, so a constraint that
    # turns too strict fails here rather than in production.
    g = authored_shapes_graph()
    merged = data + core_ontology()
    for prop in g.objects(shape, SH.property):
        path = g.value(prop, SH.path)
        assert any(path_values(merged, f, path) for f in focus), (
            f"the good fixture of {name(shape)} never uses the path of {name(prop)}"
        )


@pytest.mark.parametrize("shape", SHAPES, ids=name)
def test_bad_fixture_breaks_every_constraint_of_its_shape_and_nothing_else(shape: URIRef):
    report = validate(fixture("bad", shape))
    assert not report.conforms
    observed = {(r.source_shape, r.component) for r in report.results}
    expected = expected_units(shape)

    def show(units: set[tuple[Node, Node]]) -> list[str]:
        return sorted(f"{name(s)}: {name(c)}" for s, c in units)

    assert not observed - expected, f"results from other constraints: {show(observed - expected)}"
    assert not expected - observed, f"constraints never broken: {show(expected - observed)}"
    wrong = [r for r in report.results if not message_matches(r)]
    assert not wrong, f"results without their shape's sh:message: {wrong}"


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.ttl"))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_flattened_shapes_report_exactly_what_the_authored_shapes_report(path: Path):
    # shapes_graph() hands pyshacl property shapes that carry their node shape's targets (much
    # faster in pyshacl); SHACL semantics say the results are the same, and this checks it.
    data = Graph().parse(path, format="turtle")
    authored = validate(data, authored_shapes_graph())
    flattened = validate(data, shapes_graph())
    assert authored.conforms == flattened.conforms
    assert authored.results == flattened.results


# The shapes graph -------------------------------------------------------------------------------


def test_shapes_are_valid_shacl():
    # meta_shacl validates the shapes against the W3C SHACL-for-SHACL shapes first and raises
    # when they do not conform.
    conforms, _, text = pyshacl.validate(
        Graph(), shacl_graph=authored_shapes_graph(), meta_shacl=True, inference="none"
    )
    assert conforms, text


def test_shapes_use_only_sh_terms_the_tests_understand():
    g = authored_shapes_graph()
    unknown = (
        {p for _, p, _ in g if str(p).startswith(str(SH))} - NON_CONSTRAINT - set(COMPONENT_OF)
    )
    assert not unknown, f"extend COMPONENT_OF or NON_CONSTRAINT for {sorted(unknown)}"


def operand_shapes(g: Graph) -> set[Node]:
    """Shapes used inside other constraints; pyshacl reports their failures through the
    constraint that uses them, with that constraint's message."""
    operands: set[Node] = set()
    for p in (SH["or"], SH["and"], SH.xone):
        for lst in g.objects(None, p):
            operands.update(Collection(g, lst))
    for p in (SH["not"], SH.node, SH.qualifiedValueShape):
        operands.update(g.objects(None, p))
    return operands


def test_every_constraint_has_an_english_message():
    g = authored_shapes_graph()
    reported = set(g.objects(None, SH.property))
    reported |= {s for p in TARGETS for s in g.subjects(p, None)}
    operands = operand_shapes(g)
    constrained = {s for s, p, _ in g if p in COMPONENT_OF}
    orphans = constrained - reported - operands
    assert not orphans, f"constraints nothing evaluates: {orphans}"
    holders = (constrained & reported) | set(g.objects(None, SH.sparql))
    missing = []
    for holder in holders:
        messages = [
            m
            for m in g.objects(holder, SH.message)
            if isinstance(m, Literal) and m.language == "en" and len(str(m)) >= 40
        ]
        if len(messages) != 1:
            missing.append(holder)
    assert not missing, f"constraints without exactly one English sh:message: {missing}"


def test_every_targeted_shape_has_an_english_label_and_comment():
    g = authored_shapes_graph()
    for shape in SHAPES:
        for prop in (RDFS.label, RDFS.comment):
            assert any(
                isinstance(v, Literal) and v.language == "en" for v in g.objects(shape, prop)
            ), f"{name(shape)} has no English {name(prop)}"


def test_every_ontology_class_is_targeted():
    # pyshacl merges the ontology (ont_graph) into the data graph, and SHACL selects instances of a
    # target class through rdf:type/rdfs:subClassOf*, so sh:targetClass csg:Actor also checks every
    # csg:Journalist. A class therefore counts as targeted when it or one of its ancestors is;
    # test_subclasses_are_reached_only_through_the_ontology shows that this reach is real.
    g = authored_shapes_graph()
    targeted = {local_name(c) for c in g.objects(None, SH.targetClass) if c.startswith(CSG_NS)}
    untargeted = sorted(
        c.name for c in Ontology.get().classes.values() if not targeted & set(c.ancestors)
    )
    assert not untargeted, f"no shape reaches {untargeted}"


def test_subclasses_are_reached_only_through_the_ontology():
    data = Graph().parse(
        data="""
        @prefix csg: <https://w3id.org/civic-space-graph/ontology#> .
        @prefix ex: <https://w3id.org/civic-space-graph/id/example/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        ex:source a csg:Source ; rdfs:label "Illustrative source"@en ; csg:title "Source"@en .
        ex:blogger a csg:Blogger ; dcterms:source ex:source .
        """,
        format="turtle",
    )
    blogger = URIRef("https://w3id.org/civic-space-graph/id/example/blogger")
    with_ontology = validate(data)
    assert {(r.focus, r.source_shape) for r in with_ontology.results} == {
        (blogger, CSGSH["Entity-label-english"])
    }
    assert validate(data, ontology=False).conforms


def owned_property_shapes(path: URIRef) -> list[tuple[Node, set[str]]]:
    """Property shapes on ``path`` with the local names of the classes their node shapes target."""
    g = authored_shapes_graph()
    found = []
    for prop in g.subjects(SH.path, path):
        owners = list(g.subjects(SH.property, prop))
        if owners:
            classes = {local_name(c) for o in owners for c in g.objects(o, SH.targetClass)}
            found.append((prop, classes))
    return found


def classes_in_or(prop_shape: Node) -> set[Node]:
    """The sh:class of each member of the property shape's sh:or list."""
    g = authored_shapes_graph()
    found: set[Node] = set()
    for lst in g.objects(prop_shape, SH["or"]):
        for member in Collection(g, lst):
            found.update(g.objects(member, SH["class"]))
    return found


def checks_range(prop_shape: Node, kind: str, rng: URIRef | None, includes: set[Node]) -> bool:
    """Whether a property shape checks the range the ontology gives: rdfs:range (one class or
    datatype) or schema:rangeIncludes (several classes, checked with sh:or of sh:class)."""
    g = authored_shapes_graph()
    if kind == "object" and rng is not None and rng.startswith(CSG_NS):
        return (prop_shape, SH["class"], rng) in g
    if kind == "object" and includes:
        return classes_in_or(prop_shape) == includes
    if kind == "datatype" and rng is not None:
        return (prop_shape, SH.datatype, rng) in g
    value_checks = (SH["class"], SH["or"], SH["in"], SH.hasValue, SH.node, SH.nodeKind, SH.datatype)
    return any((prop_shape, p, None) in g for p in value_checks)


def single_valued(prop_shape: Node) -> bool:
    """At most one value, or (for rdfs:label and the like) at most one per language."""
    g = authored_shapes_graph()
    if (prop_shape, SH.maxCount, Literal(1)) in g:
        return True
    return (prop_shape, SH.uniqueLang, Literal(True)) in g


def test_every_ontology_property_is_range_checked_on_each_domain_and_functional_ones_single():
    ontology = Ontology.get()
    problems = []
    for prop in ontology.properties.values():
        if prop.iri == CSG.onePerLanguage:
            continue  # annotates properties in the ontology; entities never carry it
        includes = set(ontology.graph.objects(prop.iri, SCHEMA.rangeIncludes))
        shapes = owned_property_shapes(prop.iri)
        ranged = [
            (s, classes)
            for s, classes in shapes
            if checks_range(s, prop.kind, prop.range, includes)
        ]
        if not ranged:
            problems.append(f"{prop.name}: no property shape checks its range {prop.range}")
            continue
        for domain in prop.domains:
            ancestors = set(ontology.classes[domain].ancestors)
            if not any(ancestors & classes for _, classes in ranged):
                problems.append(f"{prop.name}: range not checked on its domain {domain}")
        if prop.functional and not any(single_valued(s) for s, _ in shapes):
            problems.append(f"{prop.name}: functional, but no shape limits it to one value")
    assert not problems, "\n".join(problems)


# The requirements the shapes were written for, stated independently of the shapes, so that a
# deleted minCount fails here even though the fixture tests derive their expectations from the
# shapes. (shape, path, minimum count, whether at most one value is allowed)
REQUIRED = [
    ("SourcedEntityShape", "http://purl.org/dc/terms/source", 1, False),
    ("ConceptShape", "http://www.w3.org/2004/02/skos/core#inScheme", 1, False),
    ("CountryShape", CSG_NS + "isoAlpha2", 1, True),
    ("MembershipShape", CSG_NS + "member", 1, True),
    ("MembershipShape", CSG_NS + "organisation", 1, True),
    ("LawShape", CSG_NS + "jurisdiction", 1, True),
    ("TreatyArticleShape", CSG_NS + "articleOf", 1, True),
    ("TreatyArticleShape", CSG_NS + "articleNumber", 1, True),
    ("ResolutionShape", CSG_NS + "symbol", 1, True),
    ("ResolutionShape", CSG_NS + "adoptionDate", 1, False),
    ("ResolutionShape", CSG_NS + "adoptedBy", 1, False),
    ("StatementShape", CSG_NS + "title", 1, False),
    ("StatementShape", CSG_NS + "issuedBy", 1, False),
    ("CallToActionShape", CSG_NS + "text", 1, True),
    ("CallToActionShape", CSG_NS + "callsOn", 1, False),
    ("IncidentShape", CSG_NS + "startDate", 1, False),
    ("IncidentShape", CSG_NS + "country", 1, True),
    ("IncidentShape", CSG_NS + "threatType", 1, False),
    ("VoteShape", CSG_NS + "voter", 1, True),
    ("VoteShape", CSG_NS + "rollCall", 1, True),
    ("VoteShape", CSG_NS + "voteChoice", 1, True),
    ("VoteShape", CSG_NS + "date", 1, True),
    ("RollCallShape", CSG_NS + "rollCallId", 1, True),
    ("RollCallShape", CSG_NS + "date", 1, True),
    ("RatingAssessmentShape", CSG_NS + "ratedCountry", 1, True),
    ("RatingAssessmentShape", CSG_NS + "rating", 1, True),
    ("RatingAssessmentShape", CSG_NS + "date", 1, True),
    ("LoadShape", CSG_NS + "sha256", 1, True),
    ("LoadShape", CSG_NS + "loadedAt", 1, True),
    ("SourceRecordShape", CSG_NS + "rowNumber", 1, True),
    ("SourceRecordShape", CSG_NS + "fileName", 1, True),
]


@pytest.mark.parametrize(("shape", "path", "minimum", "single"), REQUIRED)
def test_required_properties_are_required(shape: str, path: str, minimum: int, single: bool):
    g = authored_shapes_graph()
    props = [p for p in g.objects(CSGSH[shape], SH.property) if g.value(p, SH.path) == URIRef(path)]
    assert any(g.value(p, SH.minCount) == Literal(minimum) for p in props), f"{shape}: {path}"
    if single:
        assert any(g.value(p, SH.maxCount) == Literal(1) for p in props), f"{shape}: {path}"


# Properties that are deliberately optional on a class, stated independently of the shapes: a
# minCount on them, on the class or any of its ancestors, would reject real data. (class, path,
# whether at most one value is allowed, the datatype - or, for a link, the class - its values
# must have)
OPTIONAL = [
    # The UN voting data (Voeten) gives an official title for only 907 of 4,862 resolutions, and a
    # title is never guessed; when there is one, it is one language-tagged string.
    ("Resolution", CSG_NS + "title", True, str(RDF.langString)),
    ("GAResolution", CSG_NS + "title", True, str(RDF.langString)),
    ("HRCResolution", CSG_NS + "title", True, str(RDF.langString)),
    # A vote names a resolution only when its roll call was on the whole text of one (not on an
    # amendment, a paragraph or a procedural question); it always names its roll call.
    ("Vote", CSG_NS + "onResolution", True, CSG_NS + "Resolution"),
    ("RollCall", CSG_NS + "onResolution", True, CSG_NS + "Resolution"),
    ("RollCall", CSG_NS + "session", True, XSD_NS + "integer"),
    ("RollCall", CSG_NS + "isAmendmentVote", True, XSD_NS + "boolean"),
    ("RollCall", CSG_NS + "isParagraphVote", True, XSD_NS + "boolean"),
    ("RollCall", CSG_NS + "importantVote", True, XSD_NS + "boolean"),
    # The UN voting data gives no ISO code for some states that no longer exist (the Yemen Arab
    # Republic, Zanzibar); they are named, without a guessed csg:country.
    ("State", CSG_NS + "country", True, CSG_NS + "Country"),
]


def property_shapes_reaching(cls: str, path: str) -> list[Node]:
    """Property shapes on ``path`` owned by a node shape that targets ``cls`` or an ancestor."""
    g = authored_shapes_graph()
    ancestors = {CSG[a] for a in Ontology.get().classes[cls].ancestors}
    return [
        prop
        for shape in {s for a in ancestors for s in g.subjects(SH.targetClass, a)}
        for prop in g.objects(shape, SH.property)
        if g.value(prop, SH.path) == URIRef(path)
    ]


@pytest.mark.parametrize(("cls", "path", "single", "datatype"), OPTIONAL)
def test_optional_properties_are_optional(cls: str, path: str, single: bool, datatype: str):
    g = authored_shapes_graph()
    props = property_shapes_reaching(cls, path)
    required = [p for p in props if (p, SH.minCount, None) in g]
    assert not required, f"{cls}: {path} is required by {[name(p) for p in required]}"
    if single:
        assert any(g.value(p, SH.maxCount) == Literal(1) for p in props), f"{cls}: {path}"
    assert any(
        URIRef(datatype) in (g.value(p, SH.datatype), g.value(p, SH["class"])) for p in props
    ), f"{cls}: {path}"


def test_the_optional_check_sees_requirements_inherited_or_not():
    # Negative control for test_optional_properties_are_optional: a statement's title is required
    # (on csgsh:StatementShape), and every entity's label (on csgsh:EntityShape, which targets
    # an ancestor of csg:Statement) is too.
    g = authored_shapes_graph()
    for cls, path in (("Statement", CSG_NS + "title"), ("Statement", str(RDFS.label))):
        props = property_shapes_reaching(cls, path)
        assert any(
            (p, SH.minCount, None) in g or (p, SH.qualifiedMinCount, None) in g for p in props
        ), f"{cls}: {path}"


def test_a_resolution_without_a_title_conforms_and_one_with_two_does_not():
    title = 'csg:title "Example resolution (illustrative)"@en ;'
    assert title in RESOLUTION
    untitled = RESOLUTION.replace(title, "") % ("A/RES/68/999", 68)
    report = validate(Graph().parse(data=untitled, format="turtle"))
    assert report.conforms, report.text
    two = title.replace("@en ;", '@en , "Example title"@en ;')
    two_titles = RESOLUTION.replace(title, two) % ("A/RES/68/999", 68)
    report = validate(Graph().parse(data=two_titles, format="turtle"))
    assert {(name(r.source_shape), name(r.component)) for r in report.results} == {
        ("Document-title", "MaxCountConstraintComponent")
    }


def test_every_entity_needs_exactly_one_english_label():
    g = authored_shapes_graph()
    label = CSGSH["Entity-label-english"]
    assert (CSGSH.EntityShape, SH.property, label) in g
    assert g.value(label, SH.path) == RDFS.label
    assert g.value(label, SH.qualifiedMinCount) == Literal(1)
    assert g.value(label, SH.qualifiedMaxCount) == Literal(1)
    top = {
        "Concept",
        "ConceptScheme",
        "Actor",
        "Membership",
        "Country",
        "Document",
        "Event",
        "RatingAssessment",
        "Source",
        "Dataset",
        "SourceRecord",
    }
    assert {local_name(c) for c in g.objects(CSGSH.EntityShape, SH.targetClass)} == top
    assert {local_name(c) for c in g.objects(CSGSH.SourcedEntityShape, SH.targetClass)} == (
        top - {"Source", "Dataset"}
    )


# Resolution symbols and sessions ----------------------------------------------------------------

SYMBOLS = [
    # symbol, valid for an HRC resolution, valid for a GA resolution
    ("A/HRC/RES/20/8", True, False),
    ("A/HRC/RES/32/13", True, False),
    ("A/RES/68/167", False, True),
    ("A/RES/2200(XXI)", False, True),
    ("A/RES/2200A(XXI)", False, True),
    ("A/RES/217(III)", False, True),
    ("A/RES/1(I)", False, True),
    ("A/RES/3500(XXX)", False, True),
    ("A/RES/41/35 A", False, True),
    ("A/RES/41/35 B", False, True),
    ("A/RES/41/35 Z", False, True),
    ("A/RES/41/35 AB", False, False),
    ("A/RES/41/35 a", False, False),
    ("A/RES/41/35A", False, False),
    ("A/RES/41/35  A", False, False),
    ("A/RES/41/35 A ", False, False),
    ("A/RES/41/35 1", False, False),
    ("A/HRC/RES/20/8 A", False, False),
    ("A/RES/2200 A (XXI)", False, False),
    ("A/RES/1(IIII)", False, False),
    ("A/RES/1(XXXI)", False, False),
    ("A/RES/1()", False, False),
    ("A/HRC/RES/S-1/1", False, False),
    ("A/RES/ES-10/1", False, False),
    ("A/RES/68/167/Rev.1", False, False),
    ("A/HRC/RES/020/8", False, False),
    ("a/res/68/167", False, False),
    (" A/RES/68/167", False, False),
]


@pytest.mark.parametrize(("symbol", "hrc", "ga"), SYMBOLS)
def test_resolution_symbol_patterns(symbol: str, hrc: bool, ga: bool):
    # SHACL's sh:pattern is an unanchored regex search; both patterns are anchored.
    g = authored_shapes_graph()
    hrc_pattern = str(g.value(CSGSH["HRCResolution-symbol"], SH.pattern))
    ga_pattern = str(g.value(CSGSH["GAResolution-symbol"], SH.pattern))
    assert bool(re.search(hrc_pattern, symbol)) is hrc
    assert bool(re.search(ga_pattern, symbol)) is ga


RESOLUTION = """
@prefix csg: <https://w3id.org/civic-space-graph/ontology#> .
@prefix ex: <https://w3id.org/civic-space-graph/id/example/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:source a csg:Source ; rdfs:label "Illustrative source"@en ; csg:title "Source"@en .
ex:body a csg:UNBody ; rdfs:label "Example Assembly (illustrative)"@en ; dcterms:source ex:source .
ex:resolution a csg:Resolution ;
    rdfs:label "Example resolution (illustrative)"@en ;
    csg:title "Example resolution (illustrative)"@en ;
    csg:symbol "%s" ;
    csg:session %d ;
    csg:adoptionDate "2000-01-01"^^xsd:date ;
    csg:adoptedBy ex:body ;
    dcterms:source ex:source .
"""


@pytest.mark.parametrize(
    ("symbol", "session", "agrees"),
    [
        ("A/HRC/RES/20/999", 20, True),
        ("A/HRC/RES/20/999", 2, False),
        ("A/HRC/RES/20/999", 999, False),
        ("A/RES/68/999", 68, True),
        ("A/RES/68/999", 6, False),
        ("A/RES/41/999 A", 41, True),
        ("A/RES/41/999 B", 4, False),
        ("A/RES/9999(XXI)", 21, True),
        ("A/RES/9999(XXI)", 20, False),
        ("A/RES/9998A(III)", 3, True),
        ("A/RES/9998A(III)", 30, False),
        ("A/RES/9997(X)", 10, True),
        ("A/RES/9997(XXX)", 30, True),
        ("A/RES/9997(XXX)", 10, False),
        ("EXAMPLE/RES/1", 7, True),  # other symbol forms are not checked
    ],
)
def test_session_must_agree_with_the_symbol(symbol: str, session: int, agrees: bool):
    report = validate(Graph().parse(data=RESOLUTION % (symbol, session), format="turtle"))
    sparql = {r for r in report.results if r.component == SH.SPARQLConstraintComponent}
    assert report.conforms is agrees, report.text
    assert bool(sparql) is not agrees
    assert all(str(session) in r.message and symbol in r.message for r in sparql)


# The loader helper and speed --------------------------------------------------------------------


def test_shapes_graph_is_the_cached_flattened_form_of_the_files():
    assert shapes_graph() is shapes_graph()
    flat = shapes_graph()
    assert len(flat) == len(flatten_property_shapes(authored_shapes_graph()))
    # No targeted node shape keeps its property shapes attached; they carry the targets instead.
    for shape in SHAPES:
        assert (shape, SH.property, None) not in flat
    assert (CSGSH["Incident-country"], SH.targetClass, CSG.Incident) in flat


def test_a_broken_shape_file_is_reported_by_name(tmp_path: Path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nthis is not turtle .\n")
    with pytest.raises(CivicGraphError, match=r"broken\.ttl"):
        load_shapes([broken])
    with pytest.raises(CivicGraphError, match="No SHACL shape files"):
        load_shapes([])


def illustrative_incidents(count: int) -> str:
    """Conforming ILLUSTRATIVE data (invented example entities) for the speed check."""
    head = """
    @prefix csg: <https://w3id.org/civic-space-graph/ontology#> .
    @prefix ex: <https://w3id.org/civic-space-graph/id/example/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix dcterms: <http://purl.org/dc/terms/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ex:source a csg:Source ; rdfs:label "Illustrative source"@en ; csg:title "Source"@en .
    <https://w3id.org/civic-space-graph/id/scheme/threats> a csg:ConceptScheme ;
        rdfs:label "Threat types (fixture copy)"@en ; dcterms:source ex:source .
    ex:threat a csg:ThreatType ; rdfs:label "Example threat (illustrative)"@en ;
        skos:inScheme <https://w3id.org/civic-space-graph/id/scheme/threats> ;
        dcterms:source ex:source .
    """
    countries = "".join(
        f'ex:country-{i} a csg:Country ; rdfs:label "Example Country {i} (illustrative)"@en ;'
        f' csg:isoAlpha2 "X{chr(65 + i)}" ; dcterms:source ex:source .\n'
        for i in range(26)
    )
    incidents = "".join(
        f'ex:incident-{i} a csg:Incident ; rdfs:label "Example incident {i} (illustrative)"@en ;'
        f' csg:startDate "2019-01-{1 + i % 28:02d}"^^xsd:date ;'
        f' csg:endDate "2019-02-{1 + i % 28:02d}"^^xsd:date ;'
        f" csg:country ex:country-{i % 26} ; csg:threatType ex:threat ;"
        f' csg:status "ended" ; csg:geographicScope "national" ;'
        f' csg:affectedService "mobile data" ;'
        f" dcterms:source ex:source .\n"
        for i in range(count)
    )
    return head + countries + incidents


def test_validation_is_fast_enough_for_bulk_incidents():
    data = Graph().parse(data=illustrative_incidents(400), format="turtle")
    start = time.process_time()
    report = validate(data)
    elapsed = time.process_time() - start
    assert report.conforms, report.text
    rate = len(data) / elapsed
    print(f"validated {len(data)} triples in {elapsed:.2f} s of CPU: {rate:,.0f} triples/s")
    # About 15k triples/s here; an sh:sparql constraint on incidents would drop it below 1k.
    assert rate > 3000
