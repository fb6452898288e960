"""The curated reference dataset (``reference/*.ttl``): its facts match the checked sources, every
entity is sourced, no link dangles, the data passes the shapes, and the country resolver handles
the names the loaders meet.

Facts are compared with ``../shared/sources/REFERENCE_FACTS.md`` and the statement's text, parsed
here; those tests skip with a reason when the shared folder is absent.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pycountry
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS, XSD
from rdflib.term import Node

from civicgraph.countries import (
    COUNTRIES_TTL,
    render_countries_ttl,
    resolve_countries,
    resolve_country,
)
from civicgraph.iris import mint
from civicgraph.model import CSG_NS, ID_NS
from civicgraph.paths import ROOT, ontology_files, reference_files, shape_files

SHARED = ROOT.parent / "shared"
REFERENCE_FACTS = SHARED / "sources" / "REFERENCE_FACTS.md"
STATEMENT_TXT = SHARED / "sources" / "foc-joint-statement-defending-civic-space-online.txt"
KEEPITON_CSV = SHARED / "data" / "keepiton" / "stop_2016_2025.csv"

CSG = lambda name: URIRef(CSG_NS + name)  # noqa: E731
FOC = mint("actor", "freedom-online-coalition")
HRC = mint("actor", "un-human-rights-council")
GA = mint("actor", "un-general-assembly")
STATEMENT = mint("document", "foc-joint-statement-civic-space-online")
LATVIA_MFA = mint("source", "latvia-mfa-foc")

# Values of the #KeepItOn `country` column that name no ISO 3166-1 country; the resolver must
# return None for them rather than guess.
NOT_ISO_COUNTRIES = {
    "Somaliland": "not an ISO 3166-1 country (ISO 3166-1 has no entry for it; it lies within SO)",
}


def _needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared sources/data folder is not available here)")


# --------------------------------------------------------------------------------------------
# Graphs
# --------------------------------------------------------------------------------------------


@cache
def _ontology() -> Graph:
    g = Graph()
    for path in ontology_files():
        g.parse(path, format="turtle")
    return g


@cache
def _reference() -> Graph:
    g = Graph()
    for path in reference_files():
        g.parse(path, format="turtle")
    return g


@cache
def _combined() -> Graph:
    g = Graph()
    for triple in _ontology():
        g.add(triple)
    for triple in _reference():
        g.add(triple)
    return g


@cache
def _subclasses_of(*names: str) -> frozenset[URIRef]:
    """Our classes named and all their subclasses, per the ontology."""
    ont = _ontology()
    found = {CSG(n) for n in names}
    frontier = list(found)
    while frontier:
        cls = frontier.pop()
        for sub in ont.subjects(RDFS.subClassOf, cls):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return frozenset(found)


def _our_classes() -> set[URIRef]:
    return {
        c
        for c in _ontology().subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(CSG_NS)
    }


def _entities() -> set[URIRef]:
    """Every node of the reference data typed with one of our classes."""
    g = _reference()
    ours = _our_classes()
    return {s for s, o in g.subject_objects(RDF.type) if isinstance(s, URIRef) and o in ours}


def _en(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    return [
        str(v)
        for v in graph.objects(subject, predicate)
        if isinstance(v, Literal) and v.language in (None, "en")
    ]


# --------------------------------------------------------------------------------------------
# The sources, parsed
# --------------------------------------------------------------------------------------------

_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th) session")


@cache
def _facts_text() -> str:
    return REFERENCE_FACTS.read_text(encoding="utf-8")


@cache
def _statement_text() -> str:
    """The statement with line breaks after hyphens joined ("micro-\\ntargeting") and all other
    whitespace runs made single spaces."""
    text = STATEMENT_TXT.read_text(encoding="utf-8")
    return " ".join(re.sub(r"-[ \t]*\n\s*", "-", text).split())


def _resolution_table() -> list[dict]:
    """Rows of the table of seven resolutions in REFERENCE_FACTS."""
    rows = []
    for line in _facts_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("A/"):
            continue
        symbol, body, title, adopted = cells
        date = re.match(r"(\d{4}-\d{2}-\d{2})", adopted)
        session = _ORDINAL.search(body)
        assert date and session, f"cannot read the REFERENCE_FACTS row {line!r}"
        if body.startswith("Human Rights Council"):
            actor, cls = HRC, CSG("HRCResolution")
        elif body.startswith("General Assembly"):
            actor, cls = GA, CSG("GAResolution")
        else:
            raise AssertionError(f"unknown body in REFERENCE_FACTS row {line!r}")
        rows.append(
            {
                "symbol": symbol,
                "actor": actor,
                "class": cls,
                "session": int(session.group(1)),
                "title": title,
                "date": date.group(1),
                "without_vote": "without a vote" in adopted,
            }
        )
    return rows


def _member_list() -> dict[str, int]:
    """FOC members named in REFERENCE_FACTS -> year joined."""
    text = " ".join(_facts_text().split())
    block = re.search(r"Members and the year they joined \([^)]*\):(.*?)Later members", text)
    assert block, "REFERENCE_FACTS no longer has the FOC member list in the expected form"
    members: dict[str, int] = {}
    for group in block.group(1).split(";"):
        group = group.strip().rstrip(".")
        if not group:
            continue
        m = re.fullmatch(r"(\d{4})(?:\s*\([^)]*\))?:\s*(.+)", group)
        assert m, f"cannot read the member group {group!r}"
        for name in m.group(2).split(","):
            members[name.strip()] = int(m.group(1))
    return members


# --------------------------------------------------------------------------------------------
# (a) The seven resolutions
# --------------------------------------------------------------------------------------------


def test_resolutions_match_reference_facts() -> None:
    _needs(REFERENCE_FACTS)
    g = _reference()
    table = _resolution_table()
    assert len(table) == 7, f"expected the seven resolutions in REFERENCE_FACTS, read {len(table)}"
    resolutions = {s for s in _entities() if (s, RDF.type, None) in g and _is_a(s, "Resolution")}
    assert {str(g.value(r, CSG("symbol"))) for r in resolutions} == {row["symbol"] for row in table}
    for row in table:
        iri = mint("resolution", row["symbol"])
        where = f"{row['symbol']} ({iri})"
        assert (iri, RDF.type, row["class"]) in g, f"{where} is not a {row['class']}"
        assert str(g.value(iri, CSG("symbol"))) == row["symbol"], where
        assert g.value(iri, CSG("adoptedBy")) == row["actor"], f"{where}: wrong adopting body"
        assert g.value(iri, CSG("session")) == Literal(row["session"], datatype=XSD.integer), where
        assert _en(g, iri, CSG("title")) == [row["title"]], (
            f"{where}: title differs from REFERENCE_FACTS"
        )
        assert list(g.objects(iri, CSG("adoptionDate"))) == [
            Literal(row["date"], datatype=XSD.date)
        ], f"{where}: adoption date must be {row['date']} (the adoption date, not the issue date)"
        voting = list(g.objects(iri, CSG("adoptedWithoutVote")))
        if row["without_vote"]:
            assert voting == [Literal(True)], f"{where}: REFERENCE_FACTS marks it 'without a vote'"
        else:
            assert voting == [], (
                f"{where}: no source gives its voting mode, so none may be recorded"
            )
        assert (STATEMENT, CSG("cites"), iri) in g, f"the statement cites {row['symbol']}"
        assert mint("source", "un", row["symbol"]) in set(g.objects(iri, DCTERMS.source)), (
            f"{where}: its own UN text must be among its sources"
        )


def test_no_voting_mode_is_recorded_as_false() -> None:
    """Absence means "not known"; a false value would claim a vote that no source reports."""
    wrong = [
        s for s, o in _reference().subject_objects(CSG("adoptedWithoutVote")) if o != Literal(True)
    ]
    assert not wrong, f"voting mode recorded as other than true: {wrong}"


def _is_a(node: URIRef, class_name: str) -> bool:
    types = set(_combined().objects(node, RDF.type))
    return bool(types & _subclasses_of(class_name))


# --------------------------------------------------------------------------------------------
# (b) FOC membership
# --------------------------------------------------------------------------------------------


def test_foc_members_match_reference_facts() -> None:
    _needs(REFERENCE_FACTS)
    g = _reference()
    members = _member_list()
    assert len(members) == 29, f"REFERENCE_FACTS lists 29 members; read {len(members)}: {members}"
    expected = {}
    for name, year in members.items():
        code = resolve_country(name)
        assert code, f"cannot resolve the member {name!r} to an ISO 3166-1 country"
        expected[mint("membership", "freedom-online-coalition", code)] = (name, year, code)
    held = {
        m for m in g.subjects(CSG("organisation"), FOC) if (m, RDF.type, CSG("Membership")) in g
    }
    assert held == set(expected), (
        f"memberships not in REFERENCE_FACTS: {sorted(map(str, held - set(expected)))}; "
        f"missing: {sorted(set(expected) - held)}"
    )
    for iri, (name, year, code) in expected.items():
        state = mint("state", code)
        assert g.value(iri, CSG("member")) == state, iri
        assert list(g.objects(iri, CSG("year"))) == [Literal(str(year), datatype=XSD.gYear)], (
            f"{name} joined in {year}"
        )
        assert g.value(iri, CSG("startDate")) is None, f"{name}: the source gives only a year"
        assert g.value(iri, CSG("endDate")) is None, f"{name}: no source gives an end"
        assert LATVIA_MFA in set(g.objects(iri, DCTERMS.source)), (
            f"{name}: source is the Latvian MFA page"
        )
        assert (state, RDF.type, CSG("State")) in g, state
        assert _en(g, state, RDFS.label) == [name], f"{state} should be named as in the source"
        assert g.value(state, CSG("country")) == mint("country", code), state


def test_foc_member_counts_are_dated_and_attributed() -> None:
    """The statement's 30 (2019) and the website's 42 (later) are kept in words, each with its
    source and time; an undated csg:memberCount list of [30, 42] would invite misquotation, and
    the shapes allow per-value sources only for relationships."""
    g = _reference()
    assert list(g.objects(FOC, CSG("memberCount"))) == []
    comment = " ".join(_en(g, FOC, RDFS.comment))
    assert "30 governments at the time of the Joint Statement (2019" in comment
    assert "42 governments according to the FOC website" in comment
    sources = set(g.objects(FOC, DCTERMS.source))
    assert {STATEMENT, mint("source", "foc-website")} <= sources


# --------------------------------------------------------------------------------------------
# (c) Provenance
# --------------------------------------------------------------------------------------------


def _source_classes() -> frozenset[URIRef]:
    return _subclasses_of("Source", "Dataset", "Document")


def test_every_entity_has_a_source_that_resolves() -> None:
    g = _combined()
    allowed = _source_classes()
    problems = []
    for entity in sorted(_entities()):
        sources = list(g.objects(entity, DCTERMS.source))
        if not sources:
            problems.append(f"{entity}: no dcterms:source")
        for source in sources:
            if not set(g.objects(source, RDF.type)) & allowed:
                problems.append(
                    f"{entity}: source {source} is not a Source, Dataset or Document here"
                )
    assert not problems, "\n".join(problems)


def test_reifications_are_sourced_and_asserted() -> None:
    """Each rdf:Statement gives sources for a triple the data really asserts."""
    g = _combined()
    allowed = _source_classes()
    problems = []
    for r in g.subjects(RDF.type, RDF.Statement):
        s, p, o = g.value(r, RDF.subject), g.value(r, RDF.predicate), g.value(r, RDF.object)
        if None in (s, p, o):
            problems.append(f"{r}: incomplete reification")
            continue
        if (s, p, o) not in g:
            problems.append(f"reified triple ({s} {p} {o}) is not asserted")
        sources = list(g.objects(r, DCTERMS.source))
        if not sources or any(not set(g.objects(x, RDF.type)) & allowed for x in sources):
            problems.append(f"reification of ({s} {p} {o}) lacks a resolvable source")
    assert not problems, "\n".join(problems)


def test_sources_have_a_label_and_a_url_or_title() -> None:
    g = _reference()
    problems = []
    for node in sorted(n for n in _entities() if _is_a(n, "Source")):
        if not _en(g, node, RDFS.label):
            problems.append(f"{node}: no English label")
        if g.value(node, CSG("url")) is None and g.value(node, CSG("title")) is None:
            problems.append(f"{node}: neither csg:url nor csg:title")
    # The Latvian MFA page: no source we hold gives its title or address, so it is described in
    # words and by its publisher rather than given an invented title (see the shapes test).
    untitled = {LATVIA_MFA}
    problems = [p for p in problems if not any(p.startswith(f"{u}: neither") for u in untitled)]
    assert not problems, "\n".join(problems)
    for node in untitled:
        assert g.value(node, CSG("description")) is not None, f"{node} should say what it is"
        assert g.value(node, CSG("publishedBy")) is not None, f"{node} should name its publisher"


def test_urls_and_wikidata_ids_come_from_the_sources() -> None:
    """No address or identifier that the sources do not give."""
    _needs(REFERENCE_FACTS)
    _needs(STATEMENT_TXT)
    g = _reference()
    for url in set(g.objects(None, CSG("url"))):
        assert str(url) in _statement_text() or str(url) in _facts_text(), f"unsourced URL {url}"
    for qid in set(g.objects(None, CSG("wikidataId"))):
        assert re.search(rf"\b{qid}\b", _facts_text()), f"unsourced Wikidata id {qid}"


def test_quotations_are_exact() -> None:
    """Calls to action quote the statement word for word, and every passage in double quotes
    inside a description or comment is found in the statement or REFERENCE_FACTS."""
    _needs(REFERENCE_FACTS)
    _needs(STATEMENT_TXT)
    g = _reference()
    statement = _statement_text()
    facts = " ".join(_facts_text().split())
    calls = list(g.objects(STATEMENT, CSG("hasCallToAction")))
    assert len(calls) == 8
    for call in calls:
        text = _en(g, call, CSG("text"))
        assert len(text) == 1, call
        assert " ".join(text[0].split()) in statement, f"{call}: not an exact quotation"
        assert list(g.objects(call, CSG("callsOn"))), f"{call}: says whom it calls on"
    for predicate in (CSG("description"), RDFS.comment):
        for subject, value in g.subject_objects(predicate):
            for quoted in re.findall(r'"([^"]+)"', str(value)):
                quoted = " ".join(quoted.split())
                assert quoted in statement or quoted in facts, (
                    f"{subject}: quotation not in the sources: {quoted!r}"
                )


# --------------------------------------------------------------------------------------------
# (d) No dangling links, no undeclared terms
# --------------------------------------------------------------------------------------------


def _object_properties() -> set[URIRef]:
    ont = _ontology()
    return {p for p in ont.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)}


def test_every_linked_iri_is_defined() -> None:
    """Objects of our relationships (and of dcterms:source) are typed somewhere in ontology/ or
    reference/. The concept IRIs (rights, threats, actor categories) come from the vocabularies in
    ontology/*.ttl, so this fails until those files exist."""
    g = _combined()
    links = _object_properties() | {DCTERMS.source, RDF.subject}
    missing: dict[URIRef, set[str]] = {}
    for s, p, o in _reference():
        if p in links and isinstance(o, URIRef) and (o, RDF.type, None) not in g:
            missing.setdefault(o, set()).add(f"{p.n3(g.namespace_manager)} of {s}")
    assert not missing, "links to IRIs defined nowhere:\n" + "\n".join(
        f"{o} ({'; '.join(sorted(v)[:3])})" for o, v in sorted(missing.items())
    )


def test_only_declared_terms_and_minted_iris() -> None:
    ont = _ontology()
    declared = set(ont.subjects(RDF.type, None))
    problems = set()
    for s, p, o in _reference():
        for term in (p, o if p == RDF.type else None):
            if isinstance(term, URIRef) and str(term).startswith(CSG_NS) and term not in declared:
                problems.add(f"undeclared ontology term {term}")
        if isinstance(s, URIRef) and not str(s).startswith(ID_NS):
            problems.add(f"subject outside {ID_NS}: {s}")
        if isinstance(s, URIRef) and not re.fullmatch(
            r"[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*", str(s)[len(ID_NS) :]
        ):
            problems.add(f"IRI not in the form civicgraph.iris.mint gives: {s}")
    assert not problems, "\n".join(sorted(problems))


def test_shared_iris_are_used_as_documented() -> None:
    g = _reference()
    for iri, cls in (
        (mint("actor", "united-nations"), "InternationalOrganisation"),
        (HRC, "UNBody"),
        (GA, "UNBody"),
        (FOC, "Coalition"),
        (mint("actor", "digital-defenders-partnership"), "Partnership"),
        (STATEMENT, "Statement"),
        (mint("instrument", "iccpr"), "Treaty"),
        (mint("instrument", "iccpr", "art", 19), "TreatyArticle"),
        (mint("instrument", "udhr"), "Declaration"),
        (mint("instrument", "declaration-on-human-rights-defenders"), "Declaration"),
        (mint("instrument", "ungp-business-human-rights"), "GuidingPrinciples"),
        (mint("source", "ohchr-iccpr"), "Source"),
        (mint("dataset", "civicus-monitor"), "Dataset"),
        (mint("dataset", "iso-3166-1"), "Dataset"),
        (mint("country", "nl"), "Country"),
        (mint("state", "nl"), "State"),
    ):
        assert (iri, RDF.type, CSG(cls)) in g, f"{iri} should be a csg:{cls}"


# --------------------------------------------------------------------------------------------
# (e) Shapes
# --------------------------------------------------------------------------------------------


def test_reference_data_conforms_to_the_shapes() -> None:
    """The reference data with the vocabularies it links to (ontology/*.ttl, given as data so that
    concepts are typed: pyshacl's ont_graph brings in only the class and property axioms) passes
    every shape."""
    import pyshacl

    from loaders.shapes_graph import shapes_graph

    assert shape_files(), "shapes/*.ttl are missing"

    conforms, results, text = pyshacl.validate(
        _combined(),
        shacl_graph=shapes_graph(),
        ont_graph=_ontology(),
        inference="none",
        allow_warnings=True,
    )
    assert isinstance(results, Graph), f"pyshacl could not run the shapes: {text}"
    assert conforms, text


# --------------------------------------------------------------------------------------------
# Countries: the generated file and the resolver
# --------------------------------------------------------------------------------------------


def test_countries_file_is_current() -> None:
    assert COUNTRIES_TTL.read_text(encoding="utf-8") == render_countries_ttl(), (
        "reference/countries.ttl is stale: run `civicgraph generate`"
    )


def test_countries_cover_iso_3166_1() -> None:
    g = _reference()
    countries = set(g.subjects(RDF.type, CSG("Country")))
    assert len(countries) == len(pycountry.countries)
    for c in pycountry.countries:
        iri = mint("country", c.alpha_2)
        assert str(g.value(iri, CSG("isoAlpha2"))) == c.alpha_2
        assert str(g.value(iri, CSG("isoAlpha3"))) == c.alpha_3
        assert _en(g, iri, RDFS.label) == [c.name]
        assert mint("dataset", "iso-3166-1") in set(g.objects(iri, DCTERMS.source))
    assert (mint("country", "tr"), SKOS.altLabel, Literal("Republic of Türkiye", lang="en")) in g


def test_every_pycountry_name_resolves_to_its_own_country() -> None:
    for c in pycountry.countries:
        for value in (
            c.alpha_2,
            c.alpha_3,
            c.alpha_2.lower(),
            c.numeric,
            c.name,
            getattr(c, "official_name", None),
            getattr(c, "common_name", None),
        ):
            if value:
                assert resolve_country(value) == c.alpha_2, (value, c.alpha_2)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Iran (Islamic Republic of)", "IR"),
        ("Palestine, State of", "PS"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("Venezuela (Bolivarian Republic of)", "VE"),
        ("Congo, Democratic Republic of the", "CD"),
        ("Congo (Democratic Republic of the)", "CD"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo", "CG"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Tanzania, United Republic of", "TZ"),
        ("Republic of Korea", "KR"),
        ("Korea (Democratic People's Republic of)", "KP"),
        ("Micronesia (Federated States of)", "FM"),
        ("Netherlands (Kingdom of the)", "NL"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Czech Republic", "CZ"),
        ("  viet nam ", "VN"),
        ("nld", "NL"),
        ("528", "NL"),
    ],
)
def test_resolver_handles_iso_and_un_style_names(value: str, code: str) -> None:
    assert resolve_country(value) == code


@pytest.mark.parametrize(
    "value", ["", "  ", None, "Somaliland", "Kosovo", "UK", "Laos; Myanmar", "Atlantis"]
)
def test_resolver_does_not_guess(value: str | None) -> None:
    assert resolve_country(value) is None


def test_resolver_splits_lists() -> None:
    assert resolve_countries("Cameroon; Central African Republic") == ["CM", "CF"]
    assert resolve_countries("Burundi; Kenya; Rwanda; Tanzania, United Republic of; Uganda") == [
        "BI",
        "KE",
        "RW",
        "TZ",
        "UG",
    ]
    assert resolve_countries("") == []


# --------------------------------------------------------------------------------------------
# (f) The #KeepItOn country column
# --------------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_resolver_handles_every_keepiton_country() -> None:
    _needs(KEEPITON_CSV)
    with KEEPITON_CSV.open(encoding="utf-8", newline="") as f:
        values = {row["country"] for row in csv.DictReader(f)}
    assert values, "no country values read"
    unresolved = {}
    for value in sorted(values):
        for part, code in zip(
            re.split(r"\s*;\s*", value.strip()), resolve_countries(value), strict=True
        ):
            if code is None:
                unresolved[part] = value
    assert set(unresolved) <= set(NOT_ISO_COUNTRIES), (
        f"country values the resolver cannot handle: {unresolved}"
    )
    for name in NOT_ISO_COUNTRIES:
        assert resolve_country(name) is None
