"""Quality checks of the ontology (``ontology/core.ttl``) and its controlled vocabularies.

- Consistency under a real OWL 2 reasoner (HermiT, run by owlready2) and under the OWL 2 RL
  closure (owlrl), of the ontology alone and with the reference data; membership of the OWL 2 DL
  profile (OWL API's checker); each check has a negative control showing that it can fail.
- Coverage: every concept the FOC Joint Statement on Defending Civic Space Online names exists,
  named and explained in English (``REQUIRED``, the one list of them).
- The core terms: documented, uniquely named, OWL 2 DL-shaped; every term the files use is declared.
- The vocabularies: the IRIs of docs/ARCHITECTURE.md, one scheme per kind, SKOS hierarchy,
  labels that resolve free text unambiguously, and a source for every concept and link.

None of these tests needs Neo4j.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import owlready2
import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from civicgraph.model import CSG_NS, ID_NS, Ontology, const_case, local_name
from civicgraph.paths import ONTOLOGY_DIR, ROOT, ontology_files, reference_files

CSG = Namespace(CSG_NS)
ID = Namespace(ID_NS)
SCHEMA = Namespace("https://schema.org/")
# A plain namespace: rdflib's closed XSD warns when pytest probes module attributes.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

CORE = ONTOLOGY_DIR / "core.ttl"
VOCABULARY_FILES = [p for p in ontology_files() if p != CORE]

STATEMENT = ID["document/foc-joint-statement-civic-space-online"]
CIVICUS_MONITOR = ID["dataset/civicus-monitor"]
OHCHR_ICCPR = ID["source/ohchr-iccpr"]
REFERENCE_FACTS = ID["source/civic-space-graph-reference-facts"]

# Each kind of concept: its class, the path its IRIs start with, its scheme, and the sources its
# concepts cite (the statement names them all, except the CIVICUS Monitor's grades).
KINDS: dict[URIRef, tuple[str, URIRef, frozenset[URIRef]]] = {
    CSG.Right: ("right/", ID["scheme/rights"], frozenset({STATEMENT})),
    CSG.ThreatType: ("threat/", ID["scheme/threats"], frozenset({STATEMENT})),
    CSG.LawCategory: ("law-category/", ID["scheme/law-categories"], frozenset({STATEMENT})),
    CSG.ActorCategory: ("actor-category/", ID["scheme/actor-categories"], frozenset({STATEMENT})),
    CSG.CivicSpaceRating: (
        "rating/",
        ID["scheme/civic-space-ratings"],
        frozenset({CIVICUS_MONITOR}),
    ),
}

#################################################################
# What the statement names (the list), once
#################################################################

# Tokens: "right/privacy" is an entity under csgid:; "csg:Law" (or "dcterms:source") a class or
# property of the ontology; "csg:Law csg:jurisdiction" a property that applies to a class.
REQUIRED: dict[str, tuple[str, ...]] = {
    # rights
    "freedom of opinion and expression (incl. seeking, receiving and imparting information)": (
        "right/freedom-of-opinion-and-expression",
    ),
    "freedom of peaceful assembly": ("right/freedom-of-peaceful-assembly",),
    "freedom of association": ("right/freedom-of-association",),
    "privacy": ("right/privacy",),
    "taking part in public affairs": ("right/participation-in-public-affairs",),
    "non-discrimination and equality": ("right/non-discrimination-and-equality",),
    "the right to promote and protect human rights": ("right/defend-human-rights",),
    "rights rest on treaty articles and declarations": ("csg:Right csg:restsOn",),
    # threats
    "internet shutdowns (and throttling)": ("threat/internet-shutdown", "threat/throttling"),
    "account deactivation": ("threat/account-deactivation",),
    "undue restrictions on software and applications": (
        "threat/restrictions-on-software-and-applications",
    ),
    "censorship through filtering and blocking": ("threat/filtering-and-blocking",),
    "misuse of counter-terrorism / anti-corruption / anti-money-laundering / national-security / "
    "cybercrime / cybersecurity laws": (
        "threat/misuse-of-laws",
        "threat/misuse-of-counter-terrorism-law",
        "threat/misuse-of-anti-corruption-law",
        "threat/misuse-of-anti-money-laundering-law",
        "threat/misuse-of-national-security-law",
        "threat/misuse-of-cybercrime-law",
        "threat/misuse-of-cybersecurity-law",
        "law-category/counter-terrorism",
        "law-category/anti-corruption",
        "law-category/anti-money-laundering",
        "law-category/national-security",
        "law-category/cybercrime",
        "law-category/cybersecurity",
        "csg:LawCategory csg:misusedFor",
    ),
    "restrictions on encryption": (
        "threat/restrictions-on-encryption",
        "law-category/encryption-and-anonymity",
    ),
    "restrictions on anonymity": (
        "threat/restrictions-on-anonymity",
        "law-category/encryption-and-anonymity",
    ),
    "unauthorised access to private information": (
        "threat/unauthorised-access-to-private-information",
    ),
    "bots": ("threat/bots",),
    "trolls and troll farms": ("threat/trolls-and-troll-farms",),
    "disinformation": ("threat/disinformation",),
    "micro-targeting": ("threat/micro-targeting",),
    "harassment": ("threat/harassment",),
    "intimidation and threats": ("threat/intimidation-and-threats",),
    "de-platforming": ("threat/de-platforming",),
    "arrests and prosecution": ("threat/arrest-and-prosecution",),
    "extra-judicial killings": ("threat/extra-judicial-killing",),
    "over-reaching regulation and compliance burdens": ("threat/overreaching-regulation",),
    "threat types say which rights they threaten": ("csg:ThreatType csg:threatens",),
    # actors
    "states / governments": ("csg:State", "csg:GovernmentBody", "actor-category/all-governments"),
    "human rights defenders": ("csg:HumanRightsDefender",),
    "women human rights defenders": ("csg:WomanHumanRightsDefender",),
    "journalists": ("csg:Journalist",),
    "bloggers": ("csg:Blogger",),
    "cyber activists": ("csg:CyberActivist",),
    "civil society organisations": ("csg:CivilSocietyOrganisation", "actor-category/civil-society"),
    "ICT companies and the private sector": (
        "csg:Company",
        "actor-category/ict-companies",
        "actor-category/private-sector",
    ),
    "international organisations": (
        "csg:InternationalOrganisation",
        "actor-category/international-organisations",
    ),
    "UN bodies (Human Rights Council, General Assembly)": ("csg:UNBody",),
    "coalitions (Freedom Online Coalition)": ("csg:Coalition",),
    "partnerships (Digital Defenders Partnership)": ("csg:Partnership",),
    "malicious actors": ("csg:MaliciousActor",),
    "all stakeholders": ("actor-category/all-stakeholders",),
    "membership with dates": (
        "csg:Membership",
        "csg:Membership csg:member",
        "csg:Membership csg:organisation",
        "csg:Membership csg:startDate",
        "csg:Membership csg:endDate",
    ),
    # texts
    "national laws, regulations and policies with category and jurisdiction": (
        "csg:Law",
        "csg:Regulation",
        "csg:Policy",
        "csg:Order",
        "csg:Law csg:lawCategory",
        "csg:Law csg:jurisdiction",
    ),
    "treaties and their articles": (
        "csg:Treaty",
        "csg:TreatyArticle",
        "csg:TreatyArticle csg:articleOf",
    ),
    "declarations": ("csg:Declaration",),
    "UN Guiding Principles on Business and Human Rights": ("csg:GuidingPrinciples",),
    "HRC and UNGA resolutions": (
        "csg:HRCResolution",
        "csg:GAResolution",
        "csg:Resolution csg:symbol",
        "csg:Resolution csg:adoptionDate",
        "csg:Resolution csg:adoptedBy",
    ),
    "statements and calls to action": (
        "csg:Statement",
        "csg:CallToAction",
        "csg:Statement csg:hasCallToAction",
        "csg:CallToAction csg:callsOn",
        "csg:CallToAction csg:concernsRight",
        "csg:CallToAction csg:concernsLawCategory",
        "csg:CallToAction csg:text",
    ),
    # incidents, countries, ratings, provenance
    "incidents": (
        "csg:Incident",
        "csg:Incident csg:threatType",
        "csg:Incident csg:country",
        "csg:Incident csg:startDate",
        "csg:Incident csg:orderedBy",
        "csg:Incident csg:targeted",
        "csg:Incident csg:invokedLaw",
        "csg:Incident csg:justificationCategory",
        "csg:Incident csg:restrictsRight",
    ),
    "countries (ISO 3166)": (
        "csg:Country",
        "csg:Country csg:isoAlpha2",
        "csg:Country csg:isoAlpha3",
    ),
    "civic space ratings (CIVICUS Monitor scale)": (
        "rating/closed",
        "rating/repressed",
        "rating/obstructed",
        "rating/narrowed",
        "rating/open",
        "csg:RatingAssessment csg:rating",
    ),
    "provenance": ("csg:Source", "csg:Dataset", "csg:Load", "dcterms:source"),
}

# The article ties of REFERENCE_FACTS.md ("Other instruments and bodies").
RESTS_ON: dict[str, set[str]] = {
    "right/privacy": {"instrument/iccpr/art/17"},
    "right/freedom-of-opinion-and-expression": {"instrument/iccpr/art/19"},
    "right/freedom-of-peaceful-assembly": {"instrument/iccpr/art/21"},
    "right/freedom-of-association": {"instrument/iccpr/art/22"},
    "right/participation-in-public-affairs": {"instrument/iccpr/art/25"},
    "right/non-discrimination-and-equality": {"instrument/iccpr/art/2", "instrument/iccpr/art/26"},
    "right/defend-human-rights": {"instrument/declaration-on-human-rights-defenders"},
}

# Disjointness the reasoner tests add to the ontology, so that a node typed with two kinds (or
# made one by a property's domain or range) is a clash rather than a silent merge. SKOS itself
# makes concepts and concept schemes disjoint; the rest holds for the project's data by design
# (a document may also be a source, so those two are kept apart in two groups).
DISJOINT_GROUPS: tuple[tuple[URIRef, ...], ...] = (
    tuple(KINDS),
    (
        CSG.Concept,
        CSG.ConceptScheme,
        CSG.Actor,
        CSG.Document,
        CSG.Event,
        CSG.Country,
        CSG.Membership,
        CSG.RatingAssessment,
        CSG.Load,
    ),
    (
        CSG.Concept,
        CSG.ConceptScheme,
        CSG.Actor,
        CSG.Source,
        CSG.Event,
        CSG.Country,
        CSG.Membership,
        CSG.RatingAssessment,
        CSG.Load,
    ),
)

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4). Datatypes outside it make
# an ontology OWL 2 Full; the three allowed here are needed by the storage model (xsd:date ->
# Neo4j Date, xsd:gYear -> integer year, rdf:langString for titles) and HermiT runs with
# --ignoreUnsupportedDatatypes because of them.
_OWL2_XSD_NAMES = """decimal integer nonNegativeInteger nonPositiveInteger positiveInteger
    negativeInteger long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double
    float string normalizedString token language Name NCName NMTOKEN boolean hexBinary base64Binary
    anyURI dateTime dateTimeStamp"""
OWL2_DATATYPES = {RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, OWL.real, OWL.rational} | {
    XSD[name] for name in _OWL2_XSD_NAMES.split()
}
OUTSIDE_OWL2_MAP_ALLOWED = {XSD.date, XSD.gYear, RDF.langString}

REIFICATION = {RDF.subject, RDF.predicate, RDF.object}
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


#################################################################
# Graphs
#################################################################


def _parse(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


ALL = _parse(ontology_files())
VOCABULARIES = _parse(VOCABULARY_FILES)


def concepts(graph: Graph = VOCABULARIES) -> list[URIRef]:
    return sorted(
        {s for kind in KINDS for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    )


def english(graph: Graph, subject: Node, predicate: URIRef) -> list[Literal]:
    return [
        o
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and (o.language or "").lower().split("-")[0] == "en"
    ]


def short(iri: Node | None) -> str:
    text = str(iri)
    for prefix, ns in (("csgid:", ID_NS), ("csg:", CSG_NS)):
        if text.startswith(ns):
            return prefix + text[len(ns) :]
    return text


def without_reifications(graph: Graph) -> Graph:
    """The ontology as OWL sees it: ``rdf:Statement`` reifications are data-level provenance
    (reserved vocabulary in OWL 2 DL), so they are left out of what the reasoners get."""
    out = Graph()
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    for triple in graph:
        if triple[0] not in statements:
            out.add(triple)
    return out


# Predicates OWL 2 itself gives a meaning to; every other undeclared predicate is an annotation.
OWL_BUILT_IN_PREDICATES = {
    RDF.type,
    RDF.first,
    RDF.rest,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.inverseOf,
    RDFS.domain,
    RDFS.range,
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.members,
    OWL.versionInfo,
}


def external_declarations(graph: Graph) -> Graph:
    """Declarations of the outside terms the ontology aligns with, by the role it gives them.

    OWL 2 DL wants every class and property used in an axiom declared. PROV-O, ORG, ELI and the
    others declare their own terms, but ontology/*.ttl cannot repeat those declarations:
    ``Ontology`` takes every declared property for one of ours (``dcterms:title`` would clash with
    ``csg:title``). The checks add them here, as an import of the outside vocabularies would.
    """
    entity_kinds = (OWL.Class, RDFS.Datatype, *PROPERTY_KINDS)
    out = Graph()

    def declare(term: Node, kind: URIRef) -> None:
        if not isinstance(term, URIRef) or str(term).startswith(CSG_NS):
            return
        if not any((term, RDF.type, k) in graph for k in entity_kinds):
            out.add((term, RDF.type, kind))

    for parent in graph.objects(None, RDFS.subClassOf):
        declare(parent, OWL.Class)
    for sub, parent in graph.subject_objects(RDFS.subPropertyOf):
        for kind in PROPERTY_KINDS:
            if (sub, RDF.type, kind) in graph:
                declare(parent, kind)
    for predicate in set(graph.predicates()) - OWL_BUILT_IN_PREDICATES:
        declare(predicate, OWL.AnnotationProperty)
    for prop, datatype in graph.subject_objects(RDFS.range):
        if (prop, RDF.type, OWL.DatatypeProperty) in graph and datatype in OUTSIDE_OWL2_MAP_ALLOWED:
            declare(datatype, RDFS.Datatype)
    return out


def dl_view(graph: Graph) -> Graph:
    """What the OWL tools get: no reifications, plus the outside terms' declarations."""
    out = without_reifications(graph)
    for triple in external_declarations(out):
        out.add(triple)
    return out


def with_disjointness(graph: Graph) -> Graph:
    out = Graph()
    for triple in graph:
        out.add(triple)
    for group in DISJOINT_GROUPS:
        node = BNode()
        out.add((node, RDF.type, OWL.AllDisjointClasses))
        head = BNode()
        Collection(out, head, list(group))
        out.add((node, OWL.members, head))
    return out


REASONING_GRAPH = with_disjointness(dl_view(ALL))


#################################################################
# (a) HermiT through owlready2
#################################################################


def run_hermit(graph: Graph, workdir: Path) -> tuple[list[str], float]:
    """Load ``graph`` into a fresh owlready2 world via an N-Triples file and run HermiT.

    Returns the unsatisfiable classes (those HermiT finds equivalent to owl:Nothing) and the
    seconds taken; raises ``OwlReadyInconsistentOntologyError`` when the ontology is inconsistent.
    """
    path = workdir / "ontology.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    started = time.perf_counter()
    world = owlready2.World()
    try:
        world.get_ontology(path.as_uri()).load(format="ntriples")
        owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
        unsatisfiable = sorted(
            c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing)
        )
    finally:
        world.close()
    return unsatisfiable, time.perf_counter() - started


def test_hermit_finds_the_ontology_and_vocabularies_consistent(tmp_path: Path) -> None:
    try:
        unsatisfiable, seconds = run_hermit(REASONING_GRAPH, tmp_path)
    except owlready2.OwlReadyInconsistentOntologyError:
        pytest.fail(
            "HermiT finds ontology/*.ttl inconsistent (with the disjointness of DISJOINT_GROUPS): "
            "a concept is typed with two kinds, or a property's domain or range types a node with "
            f"a class disjoint from its own. The input is kept in {tmp_path / 'ontology.nt'}."
        )
    assert not unsatisfiable, f"classes equivalent to owl:Nothing: {unsatisfiable}"
    assert seconds < 60, f"HermiT took {seconds:.1f} s"


def test_hermit_reports_a_clash_and_an_unsatisfiable_class(tmp_path: Path) -> None:
    """Negative control: the check above can fail."""
    clash = with_disjointness(REASONING_GRAPH)
    clash.add((ID["right/privacy"], CSG.misusedFor, ID["threat/bots"]))  # domain LawCategory
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit(clash, tmp_path)

    unsat = with_disjointness(REASONING_GRAPH)
    bogus = CSG.RightAndThreat
    unsat.add((bogus, RDF.type, OWL.Class))
    unsat.add((bogus, RDFS.subClassOf, CSG.Right))
    unsat.add((bogus, RDFS.subClassOf, CSG.ThreatType))
    unsatisfiable, _ = run_hermit(unsat, tmp_path)
    assert unsatisfiable == [str(bogus)]


#################################################################
# OWL 2 DL profile (the OWL API inside owlready2's HermiT.jar)
#################################################################

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"

PROFILE_CHECK_JAVA = """
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            OWLOntology o = OWLManager.createOWLOntologyManager()
                .loadOntologyFromOntologyDocument(new File(path));
            for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(o).getViolations()) {
                String text = v.toString().replace('\\n', ' ');
                System.out.println(path + "\\t" + v.getClass().getSimpleName() + "\\t" + text);
            }
        }
    }
}
"""

# rdf:langString (RDF 1.1) postdates the OWL API 3 in HermiT.jar and the OWL 2 datatype map; the
# storage model needs it for titles, descriptions and the text of calls to action.
ALLOWED_PROFILE_VIOLATIONS = (("UseOfUnknownDatatype", str(RDF.langString)),)


def owl2_dl_violations(graphs: dict[str, Graph], workdir: Path) -> dict[str, list[str]]:
    """OWL 2 DL profile violations per graph, from OWL API's ``OWL2DLProfile`` (one JVM run)."""
    source = workdir / "ProfileCheck.java"
    source.write_text(PROFILE_CHECK_JAVA)
    paths = {}
    for name, graph in graphs.items():
        paths[name] = workdir / f"{name}.nt"
        graph.serialize(paths[name], format="nt", encoding="utf-8")
    run = subprocess.run(
        ["java", "-cp", str(HERMIT_JAR), str(source), *map(str, paths.values())],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, f"the OWL API profile check did not run:\n{run.stderr[-3000:]}"
    found: dict[str, list[str]] = {name: [] for name in graphs}
    by_path = {str(path): name for name, path in paths.items()}
    for line in run.stdout.splitlines():
        path, kind, text = line.split("\t", 2)
        iri = re.search(r"<([^>]+)>|(rdf:langString)", text)
        subject = (iri.group(1) or str(RDF.langString)) if iri else ""
        if (kind, subject) not in ALLOWED_PROFILE_VIOLATIONS:
            found[by_path[path]].append(f"{kind}: {text[:300]}")
    return found


def test_ontology_is_in_the_owl2_dl_profile(tmp_path: Path) -> None:
    """OWL API's OWL 2 DL profile check of ontology/*.ttl (with the outside declarations), and
    a negative control: declaring csg:title an object property too is illegal punning."""
    punned = dl_view(ALL)
    punned.add((CSG.title, RDF.type, OWL.ObjectProperty))
    found = owl2_dl_violations({"ontology": dl_view(ALL), "punned": punned}, tmp_path)
    assert not found["ontology"], "outside OWL 2 DL:\n" + "\n".join(found["ontology"])
    assert any(v.startswith("IllegalPunning") for v in found["punned"]), found["punned"]


#################################################################
# (b) OWL 2 RL closure (owlrl)
#################################################################


def owl_rl_problems(graph: Graph) -> list[str]:
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    problems = [
        str(m)
        for e in closure.subjects(RDF.type, ERRNS.ErrorMessage)
        for m in closure.objects(e, ERRNS.error)
    ]
    problems += [
        f"{short(s)} is a member of owl:Nothing" for s in closure.subjects(RDF.type, OWL.Nothing)
    ]
    return sorted(problems)


def test_owl_rl_closure_has_no_clash() -> None:
    started = time.perf_counter()
    problems = owl_rl_problems(REASONING_GRAPH)
    seconds = time.perf_counter() - started
    assert not problems, "OWL 2 RL closure of ontology/*.ttl finds clashes:\n" + "\n".join(problems)
    assert seconds < 60, f"the OWL 2 RL closure took {seconds:.1f} s"


def test_owl_rl_closure_reports_a_clash() -> None:
    """Negative control: a right typed as a threat type clashes with the disjointness."""
    clash = with_disjointness(REASONING_GRAPH)
    clash.add((ID["right/privacy"], RDF.type, CSG.ThreatType))
    assert owl_rl_problems(clash)


def test_reference_data_is_consistent_with_the_ontology(tmp_path: Path) -> None:
    """The curated dataset (reference/*.ttl) with the ontology, under both reasoners: its nodes
    respect the domains, ranges and the disjointness of DISJOINT_GROUPS."""
    files = reference_files()
    assert files, "reference/*.ttl is empty"
    graph = with_disjointness(dl_view(_parse([*ontology_files(), *files])))
    try:
        unsatisfiable, _ = run_hermit(graph, tmp_path)
    except owlready2.OwlReadyInconsistentOntologyError:
        pytest.fail(f"HermiT finds reference/*.ttl inconsistent with the ontology: {tmp_path}")
    assert not unsatisfiable
    problems = owl_rl_problems(graph)
    assert not problems, "OWL 2 RL clashes in reference/*.ttl:\n" + "\n".join(problems)


def test_vocabulary_links_resolve_in_the_reference_data() -> None:
    """Every node the vocabularies point at but do not define (the statement, the instruments,
    the sources) is defined, with a class, in reference/*.ttl; sources are sources."""
    reference = _parse(reference_files())
    model = Ontology.get()
    defined = set(VOCABULARIES.subjects(RDF.type, None)) | set(reference.subjects(RDF.type, None))
    problems = []
    for s, p, o in VOCABULARIES:
        if isinstance(o, URIRef) and str(o).startswith(ID_NS) and o not in defined:
            problems.append(f"{short(s)} {short(p)} {short(o)}: no file defines {short(o)}")
        if p == DCTERMS.source:
            types = [URIRef(str(c)) for c in reference.objects(o, RDF.type)]
            if not {"Source", "Document"} & set(model.labels_for(types)):  # with ancestors
                problems.append(f"{short(s)} cites {short(o)}, not a source, dataset or document")
    assert not problems, "\n".join(sorted(set(problems)))


#################################################################
# (c) Coverage of the statement's concepts
#################################################################


def _resolve(token: str) -> URIRef:
    prefix, _, rest = token.partition(":")
    namespaces = {"csg": CSG_NS, "dcterms": str(DCTERMS), "skos": str(SKOS)}
    if rest and prefix in namespaces:
        return URIRef(namespaces[prefix] + rest)
    return ID[token]


def _documented(subject: Node) -> list[str]:
    problems = []
    for predicate, name in ((RDFS.label, "rdfs:label"), (RDFS.comment, "rdfs:comment")):
        values = english(ALL, subject, predicate)
        if len(values) != 1 or not str(values[0]).strip():
            problems.append(
                f"{short(subject)} needs exactly one English {name} (has {len(values)})"
            )
    return problems


@pytest.mark.parametrize("concept", sorted(REQUIRED))
def test_the_statement_s_concepts_are_covered(concept: str) -> None:
    model = Ontology.get()
    problems: list[str] = []
    for token in REQUIRED[concept]:
        first, _, second = token.partition(" ")
        if second:  # "csg:Class csg:property": the property applies to the class
            cls, prop = _resolve(first), _resolve(second)
            found = model.by_iri(prop)
            if local_name(cls) not in model.classes or found is None:
                problems.append(f"{token}: class or property not declared")
            elif not model.applies_to(found, local_name(cls)):
                problems.append(f"{token}: {short(prop)} has no domain covering {short(cls)}")
            continue
        iri = _resolve(first)
        if first.startswith(("csg:", "dcterms:", "skos:")):
            declared = any((iri, RDF.type, t) in ALL for t in (OWL.Class, *PROPERTY_KINDS))
        else:
            declared = any((iri, RDF.type, kind) in ALL for kind in KINDS)
        if not declared:
            problems.append(f"{short(iri)} is not declared in ontology/*.ttl")
            continue
        problems += _documented(iri)
    assert not problems, f"{concept}:\n" + "\n".join(problems)


def test_expression_includes_seeking_receiving_and_imparting_information() -> None:
    right = ID["right/freedom-of-opinion-and-expression"]
    texts = [
        str(v) for p in (SKOS.definition, SKOS.altLabel) for v in english(VOCABULARIES, right, p)
    ]
    assert any("seek, receive and impart information" in t for t in texts), texts


def test_architecture_iris_exist_with_their_kind() -> None:
    """The vocabulary IRIs of docs/ARCHITECTURE.md ("IRIs of shared entities") are the ones the
    files define, both ways."""
    rows = {
        "concept schemes": CSG.ConceptScheme,
        "rights": CSG.Right,
        "threats": CSG.ThreatType,
        "law categories": CSG.LawCategory,
        "actor categories": CSG.ActorCategory,
    }
    documented: dict[URIRef, URIRef] = {}
    for line in (ROOT / "docs" / "ARCHITECTURE.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] in rows:
            for path in re.findall(r"`([^`]+)`", cells[1]):
                documented[ID[path]] = rows[cells[0]]
    assert len(documented) == 5 + 7 + 25 + 7 + 6, f"parsed {len(documented)} IRIs from the doc"
    wrong = [
        f"{short(i)} should be a {short(k)}"
        for i, k in documented.items()
        if (i, RDF.type, k) not in ALL
    ]
    defined = {
        s
        for k in set(rows.values()) - {CSG.ConceptScheme}
        for s in VOCABULARIES.subjects(RDF.type, k)
    }
    undocumented = sorted(short(s) for s in defined - set(documented))
    assert not wrong, "\n".join(wrong)
    assert not undocumented, f"concepts missing from docs/ARCHITECTURE.md: {undocumented}"


#################################################################
# (d) The core terms
#################################################################


def declared(graph: Graph, *kinds: URIRef) -> set[URIRef]:
    return {s for k in kinds for s in graph.subjects(RDF.type, k) if isinstance(s, URIRef)}


CLASSES = declared(ALL, OWL.Class)
PROPERTIES = declared(ALL, *PROPERTY_KINDS)


def test_core_declares_everything_and_the_vocabularies_declare_nothing() -> None:
    assert declared(VOCABULARIES, OWL.Class, *PROPERTY_KINDS, OWL.Ontology) == set()
    assert all(c.startswith(CSG_NS) for c in CLASSES), sorted(
        c for c in CLASSES if not c.startswith(CSG_NS)
    )


def test_every_class_and_property_is_documented_in_english() -> None:
    problems = [p for term in sorted(CLASSES | PROPERTIES) for p in _documented(term)]
    assert not problems, "\n".join(problems)


def test_local_names_are_unique() -> None:
    names = Counter(local_name(t) for t in CLASSES | PROPERTIES)
    assert not [n for n, c in names.items() if c > 1]
    for group in (CLASSES, PROPERTIES):  # labels and keys must not differ by case only
        folded = Counter(local_name(t).lower() for t in group)
        assert not [n for n, c in folded.items() if c > 1]


def test_relationship_types_are_unique() -> None:
    types = Counter(const_case(local_name(p)) for p in declared(ALL, OWL.ObjectProperty))
    assert not [t for t, c in types.items() if c > 1]
    model = Ontology.get()
    # Properties declared owl:inverseOf a stored one name it backwards; they have no type.
    inverses = {p for p in declared(ALL, OWL.ObjectProperty) if (p, OWL.inverseOf, None) in ALL}
    assert {local_name(p) for p in inverses} == set(model.inverses)
    stored = len(declared(ALL, OWL.ObjectProperty)) - len(inverses)
    assert len(model.relationship_types()) == stored
    for inverse in model.inverses.values():
        assert model.properties[inverse.of].is_relationship, inverse.name


def test_every_term_used_is_declared() -> None:
    """Every csg: IRI in any file is a declared class or property; every predicate and type the
    vocabularies use is one the ontology declares (so the loader stores it)."""
    used = {t for triple in ALL for t in triple if isinstance(t, URIRef) and t.startswith(CSG_NS)}
    undeclared = sorted(short(t) for t in used - CLASSES - PROPERTIES)
    assert not undeclared, f"csg terms used but not declared: {undeclared}"

    predicates = {p for p in VOCABULARIES.predicates()} - {RDF.type} - REIFICATION
    assert not sorted(predicates - PROPERTIES, key=str), "predicates the ontology does not declare"
    types = set(VOCABULARIES.objects(None, RDF.type)) - {RDF.Statement}
    assert not sorted(types - CLASSES, key=str), "types the ontology does not declare"


def test_owl2_dl_shape() -> None:
    problems = []
    for term in sorted(CLASSES | PROPERTIES):
        kinds = [short(k) for k in (OWL.Class, *PROPERTY_KINDS) if (term, RDF.type, k) in ALL]
        if len(kinds) > 1:
            problems.append(f"{short(term)} is declared as {kinds}")
    for term in declared(ALL, OWL.FunctionalProperty, OWL.InverseFunctionalProperty):
        if (term, RDF.type, OWL.AnnotationProperty) in ALL or term not in PROPERTIES:
            problems.append(f"{short(term)}: only object and datatype properties can be functional")
    for kind in PROPERTY_KINDS:
        for sub, sup in ALL.subject_objects(RDFS.subPropertyOf):
            if (
                (sub, RDF.type, kind) in ALL
                and sup in PROPERTIES
                and (sup, RDF.type, kind) not in ALL
            ):
                problems.append(f"{short(sub)} is a sub-property of {short(sup)} of another kind")
    for prop in declared(ALL, OWL.ObjectProperty):
        for rng in ALL.objects(prop, RDFS.range):
            if str(rng).startswith(CSG_NS) and rng not in CLASSES:
                problems.append(f"{short(prop)} has range {short(rng)}, not a declared class")
    for prop in declared(ALL, OWL.DatatypeProperty):
        for rng in ALL.objects(prop, RDFS.range):
            if rng not in OWL2_DATATYPES | OUTSIDE_OWL2_MAP_ALLOWED:
                problems.append(f"{short(prop)} has range {rng}, outside the OWL 2 datatype map")
    for prop in PROPERTIES:
        for predicate in (RDFS.domain, SCHEMA.domainIncludes, SCHEMA.rangeIncludes):
            for cls in ALL.objects(prop, predicate):
                if str(cls).startswith(CSG_NS) and cls not in CLASSES:
                    problems.append(
                        f"{short(prop)} {short(predicate)} {short(cls)}: not a declared class"
                    )
    for s, p, o in VOCABULARIES:
        if p in REIFICATION or p == RDF.type:
            continue
        if (p, RDF.type, OWL.ObjectProperty) in ALL and not isinstance(o, URIRef):
            problems.append(f"{short(s)} {short(p)}: object property with a literal or blank node")
        if p in declared(ALL, OWL.DatatypeProperty, OWL.AnnotationProperty) and not isinstance(
            o, Literal
        ):
            problems.append(f"{short(s)} {short(p)}: datatype or annotation property with an IRI")
    assert not problems, "\n".join(problems)


def test_class_hierarchy_is_acyclic_and_the_model_reads_it() -> None:
    model = Ontology.get()
    assert set(model.classes) == {local_name(c) for c in CLASSES}
    for name, cls in model.classes.items():
        assert cls.ancestors[0] == name and name not in cls.ancestors[1:], name


def test_external_alignments_do_not_hide_internal_parents() -> None:
    """``Ontology`` reads one ``rdfs:subPropertyOf``: a property with a csg: parent has no other."""
    for prop in PROPERTIES:
        parents = list(ALL.objects(prop, RDFS.subPropertyOf))
        if any(str(p).startswith(CSG_NS) for p in parents):
            assert len(parents) == 1, short(prop)


#################################################################
# The vocabularies
#################################################################


def test_every_concept_has_one_kind_one_scheme_and_a_matching_iri() -> None:
    problems = []
    for concept in concepts():
        kinds = [k for k in KINDS if (concept, RDF.type, k) in VOCABULARIES]
        if len(kinds) != 1:
            problems.append(f"{short(concept)} has kinds {[short(k) for k in kinds]}")
            continue
        path, scheme, _ = KINDS[kinds[0]]
        if not concept.startswith(ID[path]):
            problems.append(f"{short(concept)} should start with csgid:{path}")
        schemes = set(VOCABULARIES.objects(concept, SKOS.inScheme))
        if schemes != {scheme}:
            problems.append(
                f"{short(concept)} is in {sorted(map(short, schemes))}, not {short(scheme)}"
            )
    for _, scheme, _ in KINDS.values():
        if (scheme, RDF.type, CSG.ConceptScheme) not in VOCABULARIES:
            problems.append(f"{short(scheme)} is not a csg:ConceptScheme")
    assert not problems, "\n".join(problems)


def test_every_concept_and_scheme_is_named_explained_and_sourced() -> None:
    problems = []
    for kind, (_, scheme, sources) in KINDS.items():
        for subject in [scheme, *sorted(VOCABULARIES.subjects(RDF.type, kind), key=str)]:
            problems += _documented(subject)
            for predicate in (SKOS.definition, SKOS.altLabel, RDFS.label, RDFS.comment):
                for value in VOCABULARIES.objects(subject, predicate):
                    if not isinstance(value, Literal) or value.language != "en":
                        problems.append(
                            f"{short(subject)} {short(predicate)} {value!r}: not @en text"
                        )
            if len(english(VOCABULARIES, subject, SKOS.definition)) > 1:
                problems.append(f"{short(subject)} has several English definitions")
            cited = set(VOCABULARIES.objects(subject, DCTERMS.source))
            if cited != sources:
                expected = sorted(map(short, sources))
                problems.append(
                    f"{short(subject)} cites {sorted(map(short, cited))}, not {expected}"
                )
    assert not problems, "\n".join(problems)


def test_hierarchy_and_top_concepts() -> None:
    problems = []
    for concept in concepts():
        (scheme,) = VOCABULARIES.objects(concept, SKOS.inScheme)
        broader = set(VOCABULARIES.objects(concept, SKOS.broader))
        tops = set(VOCABULARIES.objects(concept, SKOS.topConceptOf))
        if bool(broader) == bool(tops):
            problems.append(
                f"{short(concept)}: a concept is a top concept exactly when it has no broader one"
            )
        if tops - {scheme}:
            problems.append(f"{short(concept)} is a top concept of another scheme")
        kind = next(k for k in KINDS if (concept, RDF.type, k) in VOCABULARIES)
        for b in broader:
            same_scheme = (b, SKOS.inScheme, scheme) in VOCABULARIES
            if (b, RDF.type, kind) not in VOCABULARIES or not same_scheme:
                problems.append(
                    f"{short(concept)} has broader {short(b)} of another kind or scheme"
                )
        seen: set[Node] = {concept}
        todo = list(broader)
        while todo:
            b = todo.pop()
            if b in seen:
                problems.append(f"{short(concept)}: skos:broader cycle")
                break
            seen.add(b)
            todo.extend(VOCABULARIES.objects(b, SKOS.broader))
    for _, scheme, _ in KINDS.values():
        if not set(VOCABULARIES.subjects(SKOS.topConceptOf, scheme)):
            problems.append(f"{short(scheme)} has no top concept")
    assert not problems, "\n".join(problems)


def _norm(text: object) -> str:
    return " ".join(str(text).casefold().split())


def test_labels_resolve_free_text_to_one_concept_per_scheme() -> None:
    """Loaders match free text against labels and alternative labels: within a scheme, each
    spelling (ignoring case and runs of white space) names one concept, and no alternative label
    repeats its concept's label."""
    problems = []
    for _, scheme, _ in KINDS.values():
        owners: dict[str, set[Node]] = defaultdict(set)
        for concept in VOCABULARIES.subjects(SKOS.inScheme, scheme):
            (label,) = english(VOCABULARIES, concept, RDFS.label)
            alts = [_norm(a) for a in VOCABULARIES.objects(concept, SKOS.altLabel)]
            if _norm(label) in alts:
                problems.append(f"{short(concept)} repeats its label as an altLabel")
            for spelling in {_norm(label), *alts}:
                owners[spelling].add(concept)
        problems += [
            f"{s!r} names {sorted(map(short, c))}" for s, c in owners.items() if len(c) > 1
        ]
    assert not problems, "\n".join(problems)


def test_threat_types_threaten_rights_and_laws_link_to_their_misuse() -> None:
    problems = []
    threats = set(VOCABULARIES.subjects(RDF.type, CSG.ThreatType))
    rights = set(VOCABULARIES.subjects(RDF.type, CSG.Right))
    for threat in sorted(threats, key=str):
        threatened = set(VOCABULARIES.objects(threat, CSG.threatens))
        if not threatened or threatened - rights:
            problems.append(f"{short(threat)} threatens {sorted(map(short, threatened))}")
    for misuse in VOCABULARIES.subjects(SKOS.broader, ID["threat/misuse-of-laws"]):
        categories = set(VOCABULARIES.subjects(CSG.misusedFor, misuse))
        if len(categories) != 1:
            problems.append(f"{short(misuse)} is the misuse of {len(categories)} law categories")
    for category in VOCABULARIES.subjects(RDF.type, CSG.LawCategory):
        if not set(VOCABULARIES.objects(category, CSG.misusedFor)) & threats:
            problems.append(f"{short(category)} is misused for no threat type")
    # The statement's own words: restrictions on encryption and anonymity undermine privacy and
    # hinder freedom of expression (incl. information) and freedom of association.
    explicit = {
        ID["right/privacy"],
        ID["right/freedom-of-opinion-and-expression"],
        ID["right/freedom-of-association"],
    }
    for threat in (ID["threat/restrictions-on-encryption"], ID["threat/restrictions-on-anonymity"]):
        if not explicit <= set(VOCABULARIES.objects(threat, CSG.threatens)):
            problems.append(f"{short(threat)} must threaten {sorted(map(short, explicit))}")
    assert not problems, "\n".join(problems)


def test_rights_rest_on_the_reference_articles_with_sources() -> None:
    actual = {
        short(r).removeprefix("csgid:"): {
            short(o).removeprefix("csgid:") for o in VOCABULARIES.objects(r, CSG.restsOn)
        }
        for r in VOCABULARIES.subjects(RDF.type, CSG.Right)
    }
    assert actual == RESTS_ON
    reified = {
        (
            VOCABULARIES.value(st, RDF.subject),
            VOCABULARIES.value(st, RDF.predicate),
            VOCABULARIES.value(st, RDF.object),
        ): set(VOCABULARIES.objects(st, DCTERMS.source))
        for st in VOCABULARIES.subjects(RDF.type, RDF.Statement)
    }
    problems = [
        f"{short(s)} {short(p)} {short(o)}: reifies a triple no file asserts"
        for s, p, o in reified
        if (s, p, o) not in VOCABULARIES
    ]
    for right, article in VOCABULARIES.subject_objects(CSG.restsOn):
        cited = reified.get((right, CSG.restsOn, article), set())
        expected = (
            OHCHR_ICCPR if str(article).startswith(ID["instrument/iccpr/art/"]) else REFERENCE_FACTS
        )
        if expected not in cited:
            problems.append(
                f"{short(right)} rests on {short(article)} without citing {short(expected)}"
            )
    assert not problems, "\n".join(problems)


def test_civic_space_ratings_follow_the_civicus_scale() -> None:
    scale = {
        str(n): str(english(VOCABULARIES, r, RDFS.label)[0])
        for r in VOCABULARIES.subjects(RDF.type, CSG.CivicSpaceRating)
        for n in VOCABULARIES.objects(r, SKOS.notation)
    }
    assert scale == {
        "1": "Closed",
        "2": "Repressed",
        "3": "Obstructed",
        "4": "Narrowed",
        "5": "Open",
    }
    for rating in VOCABULARIES.subjects(RDF.type, CSG.CivicSpaceRating):
        label = str(english(VOCABULARIES, rating, RDFS.label)[0])
        assert rating == ID[f"rating/{label.lower()}"]


def test_vocabulary_files_are_tidy() -> None:
    """One vocabulary per file; every file parses on its own and ends with a newline."""
    for path in VOCABULARY_FILES:
        text = path.read_text()
        assert text.endswith("\n") and "\t" not in text, path.name
        graph = _parse([path])
        assert len(set(graph.subjects(RDF.type, CSG.ConceptScheme))) == 1, path.name
