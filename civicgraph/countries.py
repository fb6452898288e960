"""ISO 3166-1 countries, from the ``pycountry`` package, and a resolver of country names.

``render_countries_ttl()`` renders ``reference/countries.ttl`` (every ISO 3166-1 country as a
``csg:Country``); the file is committed and registered in ``civicgraph.codegen.artifacts()``, so a
test fails when it is stale and ``civicgraph generate`` rewrites it.

``resolve_country(name_or_code)`` maps an ISO code or an English country name, in pycountry's
spelling or in the UN style used by many datasets ("Iran (Islamic Republic of)", "Palestine, State
of", "Congo, Democratic Republic of the"), to an ISO 3166-1 alpha-2 code, or ``None`` when it cannot
say which country is meant. It never guesses: names that are not ISO 3166-1 countries (such as
"Somaliland") and names that match more than one country give ``None``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

import pycountry
from rdflib import Literal

from civicgraph.iris import mint
from civicgraph.paths import REFERENCE_DIR

COUNTRIES_TTL = REFERENCE_DIR / "countries.ttl"
ISO_DATASET = mint("dataset", "iso-3166-1")

# Names no longer in pycountry that datasets still use, each an earlier English short name of
# the same ISO 3166-1 entry. Keep this list short and say why each entry is true.
FORMER_NAMES: dict[str, str] = {
    # "Turkey" was the English short name of TR in ISO 3166-1 (and pycountry) before the entry
    # was renamed "Türkiye"; Access Now's #KeepItOn data still uses it.
    "Turkey": "TR",
}

_LIST_SEPARATOR = re.compile(r"\s*;\s*")


# --------------------------------------------------------------------------------------------
# The resolver
# --------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Case, accents, punctuation and the article "the" do not matter."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    words = re.findall(r"[a-z0-9]+", ascii_text.replace("&", " and "))
    return " ".join(w for w in words if w != "the")


def _variants(name: str) -> Iterator[str]:
    """The spellings of one name: as written; "X (Y)" also as "X, Y" and "Y X"; "X, Y" also as
    "Y X" (so "Congo, The Democratic Republic of the" meets "Democratic Republic of the Congo")."""
    name = name.strip()
    yield name
    bracketed = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    if bracketed:
        base, qualifier = bracketed.groups()
        yield f"{base}, {qualifier}"
        yield f"{qualifier} {base}"
    elif name.count(",") == 1:
        base, qualifier = (part.strip() for part in name.split(","))
        yield f"{qualifier} {base}"


def _names(country: object) -> list[str]:
    return [
        value
        for attr in ("name", "official_name", "common_name")
        if (value := getattr(country, attr, None))
    ]


@cache
def _name_index() -> dict[str, str | None]:
    """Normalised spelling -> alpha-2, or ``None`` where two countries share the spelling."""
    index: dict[str, str | None] = {}

    def add(key: str, code: str) -> None:
        if key in index and index[key] != code:
            index[key] = None
        else:
            index[key] = code

    for country in pycountry.countries:
        for name in _names(country):
            for variant in _variants(name):
                add(_norm(variant), country.alpha_2)
    for name, code in FORMER_NAMES.items():
        add(_norm(name), code)
    return index


def resolve_country(name_or_code: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of one country given by code (alpha-2, alpha-3 or numeric,
    any case) or by English name; ``None`` when the value is empty, not a country in ISO 3166-1,
    ambiguous, or a list of several countries (see ``resolve_countries``)."""
    if name_or_code is None:
        return None
    value = name_or_code.strip()
    if not value or _LIST_SEPARATOR.search(value):
        return None
    found = None
    if re.fullmatch(r"[A-Za-z]{2}", value):
        found = pycountry.countries.get(alpha_2=value.upper())
    elif re.fullmatch(r"[A-Za-z]{3}", value):
        found = pycountry.countries.get(alpha_3=value.upper())
    elif re.fullmatch(r"\d{3}", value):
        found = pycountry.countries.get(numeric=value)
    if found is not None:
        return str(found.alpha_2)
    index = _name_index()
    codes = {index.get(_norm(variant)) for variant in _variants(value)} - {None}
    if len(codes) == 1:
        return codes.pop()
    return None


def resolve_countries(value: str | None) -> list[str | None]:
    """Each country of a cell that may list several, separated by semicolons
    ("Cameroon; Central African Republic" -> ["CM", "CF"]); unresolved parts give ``None``."""
    if value is None or not value.strip():
        return []
    return [resolve_country(part) for part in _LIST_SEPARATOR.split(value.strip()) if part]


# --------------------------------------------------------------------------------------------
# reference/countries.ttl
# --------------------------------------------------------------------------------------------

_HEAD = """\
# Every ISO 3166-1 country as a csg:Country, with its English short name, alpha-2 and alpha-3
# codes and, as alternative labels, the official and common names the same data gives.
# GENERATED by civicgraph/countries.py from the pycountry package (which ships the Debian
# iso-codes data); do not edit by hand: run `civicgraph generate`.
# Source of every fact here: csgid:dataset/iso-3166-1 (described in reference/sources.ttl).

@prefix csg:     <https://w3id.org/civic-space-graph/ontology#> .
@prefix csgid:   <https://w3id.org/civic-space-graph/id/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""


def _qname(iri: str) -> str:
    local = iri.removeprefix("https://w3id.org/civic-space-graph/id/")
    return "csgid:" + local.replace("/", "\\/")


def render_countries_ttl() -> str:
    blocks = [_HEAD]
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        name = country.name
        alt = []
        for other in (
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            if other and other != name and other not in alt:
                alt.append(other)
        lines = [
            f"{_qname(mint('country', country.alpha_2))} a csg:Country",
            f"rdfs:label {Literal(name, lang='en').n3()}",
        ]
        lines += [f"skos:altLabel {Literal(a, lang='en').n3()}" for a in alt]
        lines += [
            f"csg:isoAlpha2 {Literal(country.alpha_2).n3()}",
            f"csg:isoAlpha3 {Literal(country.alpha_3).n3()}",
            f"dcterms:source {_qname(ISO_DATASET)}",
        ]
        blocks.append("\n" + " ;\n    ".join(lines) + " .\n")
    return "".join(blocks)
