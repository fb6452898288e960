"""Deciding a row's match from its candidates: pure functions, no store, so they are easy to test.

The store query (``matching.cypher.candidates``) returns every node of the class in the row's
country whose start date is within the tolerance; here the optional comparisons (place, source
URL) narrow them, and the verdict is *matched* only when exactly one remains. Nothing is guessed:
two equally good candidates make the row ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from loaders.matching.spec import MatchSpec

Outcome = Literal["matched", "ambiguous", "none"]


@dataclass(frozen=True)
class Candidate:
    iri: str
    start: date | None = None
    place: str | None = None
    urls: frozenset[str] = frozenset()
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowKeys:
    """What a row offers for matching (the values of the rule's fields)."""

    row: int
    node: str  # the IRI the row's mapping minted for its main entity
    country: str
    start: date | None = None
    place: str | None = None
    urls: frozenset[str] = frozenset()
    title: str | None = None
    titles: tuple[str, ...] = ()  # the row's label and alternative labels (laws)


@dataclass
class Verdict:
    row: int
    outcome: Outcome
    node: str | None = None
    candidates: list[str] = field(default_factory=list)
    score: float | None = None
    compared: list[str] = field(default_factory=list)
    reason: str = ""


def normal_text(value: Any) -> str:
    """Ignores case, accents, punctuation and a leading "the" ("The Law No. 5651")."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)


def normal_url(value: Any) -> str:
    text = str(value).strip().casefold()
    text = re.sub(r"^https?://(www\.)?", "", text)
    return text.rstrip("/")


def _place_agrees(row: RowKeys, cand: Candidate) -> bool:
    if row.place is None or cand.place is None:
        return row.place is None and cand.place is None  # both country-wide
    return normal_text(row.place) == normal_text(cand.place)


def _url_agrees(row: RowKeys, cand: Candidate) -> bool:
    return bool(row.urls & cand.urls)


def _agreements(spec: MatchSpec, row: RowKeys, cand: Candidate) -> int:
    found = 0
    if "place" in spec.narrow:
        found += _place_agrees(row, cand)
    if "source_url" in spec.narrow:
        found += _url_agrees(row, cand)
    return found


def _days(row: RowKeys, cand: Candidate) -> int | None:
    if row.start is None or cand.start is None:
        return None
    return abs((cand.start - row.start).days)


def _eligible(spec: MatchSpec, row: RowKeys, cand: Candidate) -> bool:
    if spec.kind == "law":
        wanted = {normal_text(t) for t in row.titles} - {""}
        return bool(wanted & {normal_text(t) for t in cand.titles})
    days = _days(row, cand)
    return days is not None and days <= spec.tolerance_days


def explain(spec: MatchSpec, row: RowKeys, cand: Candidate) -> tuple[float, list[str]]:
    """The score (mean agreement of the compared fields, 0..1) and one line per comparison."""
    parts: list[float] = [1.0]
    code = row.country.rsplit("/", 1)[-1].upper()  # the country node's IRI ends in its code
    lines = [f"{'jurisdiction' if spec.kind == 'law' else 'country'}: {code} (same)"]
    if spec.kind == "law":
        parts.append(1.0)
        lines.append(f"title: {row.title!r} = a title of the candidate (normalised)")
    else:
        days = _days(row, cand) or 0
        parts.append(1 - days / (spec.tolerance_days + 1))
        lines.append(
            f"startDate: {row.start} ~ {cand.start} ({days} day{'s' if days != 1 else ''}, "
            f"tolerance {spec.tolerance_days})"
        )
    if "place" in spec.narrow:
        agree = _place_agrees(row, cand)
        parts.append(1.0 if agree else 0.0)
        lines.append(f"placeName: {row.place!r} {'=' if agree else '!='} {cand.place!r}")
    if "source_url" in spec.narrow:
        shared = sorted(row.urls & cand.urls)
        parts.append(1.0 if shared else 0.0)
        lines.append(f"source URL: shared {shared[0]}" if shared else "source URL: none shared")
    return round(sum(parts) / len(parts), 4), lines


def decide(spec: MatchSpec, row: RowKeys, candidates: list[Candidate]) -> Verdict:
    """matched (one candidate left after narrowing), ambiguous (several) or none."""
    eligible = [c for c in candidates if _eligible(spec, row, c)]
    if not eligible:
        return Verdict(row.row, "none")
    best = max(_agreements(spec, row, c) for c in eligible)
    kept = sorted((c for c in eligible if _agreements(spec, row, c) == best), key=lambda c: c.iri)
    if len(kept) > 1:
        return Verdict(
            row.row,
            "ambiguous",
            candidates=[c.iri for c in kept],
            reason=f"{len(kept)} candidates agree equally",
        )
    score, lines = explain(spec, row, kept[0])
    return Verdict(row.row, "matched", node=kept[0].iri, score=score, compared=lines)
