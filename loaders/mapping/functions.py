"""Named cleaning functions a mapping may call (``function: country``).

Only what a map or a pattern list cannot express lives here, and each function returns ``None``
when it cannot say, so the mapping decides (through ``on_miss``) whether that rejects the row,
drops the value or keeps it: nothing here guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import pycountry

from civicgraph.countries import resolve_country

Value = object


@lru_cache(maxsize=4096)
def country(value: str) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or an English (also UN-style) country name."""
    return resolve_country(value)


@lru_cache(maxsize=1024)
def country_label(alpha2: str) -> str | None:
    """The English short name the reference data gives the country (``reference/countries.ttl``
    is generated from the same pycountry entries)."""
    found = pycountry.countries.get(alpha_2=alpha2.upper())
    return str(found.name) if found is not None else None


def not_a_country(alpha2: str) -> str | None:
    """The code itself when it is *not* a current ISO 3166-1 country (a former code such as YU
    for Yugoslavia, which has no node in the reference data); ``None`` otherwise."""
    return alpha2.upper() if country_label(alpha2) is None else None


_URL_START = re.compile(r"(?=https?://)")
_URL = re.compile(r"https?://[^\s\"<>]+")


def urls(text: str) -> list[str] | None:
    """The web addresses in a cell that lists several, however they are separated (``; ``,
    ``, ``, new lines, nothing at all); ``None`` when there is none."""
    found = []
    for piece in _URL_START.split(text):
        match = _URL.match(piece)
        if match:
            found.append(match.group(0).rstrip(".,;)]'"))
    return found or None


_ROMAN = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def _roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


_RESOLUTION = re.compile(r"(?:R|A/RES)/(\d+)/(\d+)([A-Z]?)")


@lru_cache(maxsize=8192)
def un_ga_symbol(value: str) -> str | None:
    """The official symbol of a General Assembly resolution from the compact ``R/70/161`` form.

    Since the 31st session (1976) symbols read ``A/RES/70/161`` and a lettered part is written
    after a space (``A/RES/69/274 A``); before it, ``A/RES/217A(III)``: number, part, then the
    session in Roman numerals (UN Dag Hammarskjöld Library, "General Assembly resolutions"; the
    library writes a space before the bracket, the shapes' symbol check none - the IRI, minted
    from the slug, is the same either way).
    Special and emergency special sessions and anything else are ``None``: not normalised
    rather than guessed.
    """
    match = _RESOLUTION.fullmatch(value.strip())
    if match is None:
        return None
    session, number, part = int(match[1]), int(match[2]), match[3]
    if session == 0 or number == 0:
        return None
    if session >= 31:
        return f"A/RES/{session}/{number}" + (f" {part}" if part else "")
    return f"A/RES/{number}{part}({_roman(session)})"


_MODERN_SESSION = re.compile(r"A/RES/(\d+)/")
_OLD_SESSION = re.compile(r"\(([IVXL]+)\)$")


def un_ga_session(symbol: str) -> int | None:
    """The session number a resolution symbol (as made by ``un_ga_symbol``) names."""
    modern = _MODERN_SESSION.match(symbol)
    if modern:
        return int(modern[1])
    old = _OLD_SESSION.search(symbol)
    if old is None:
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    letters = old[1]
    for i, letter in enumerate(letters):
        value = values[letter]
        following = values[letters[i + 1]] if i + 1 < len(letters) else 0
        total += -value if value < following else value
    return total


FUNCTIONS: dict[str, Callable[[str], Value | None]] = {
    "country": country,
    "country_label": country_label,
    "not_a_country": not_a_country,
    "urls": urls,
    "un_ga_symbol": un_ga_symbol,
    "un_ga_session": un_ga_session,
}
