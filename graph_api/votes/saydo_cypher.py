"""Cypher behind the say-do record: what a state's country records, and how the state voted.

Pure functions returning ``(query, params)``; each answer is bounded (grouped counts, at most
``limit`` incidents, one row per civic-space resolution). A *derived* link is a relationship
whose every source is a ``DerivationRule`` (see ``loaders/derive``); ``sourced_only`` drops them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

Query = tuple[str, dict[str, Any]]

_IN_PERIOD = """MATCH (i:Incident)-[:COUNTRY]->(:Country {iri: $country})
WHERE ($from IS NULL OR coalesce(i.endDate, i.startDate) >= $from)
  AND ($to IS NULL OR i.startDate <= $to)"""

# True when a relationship ``r`` rests only on derivation rules.
DERIVED = (
    "(size(coalesce(r.sources, [])) > 0 AND all(s IN r.sources WHERE "
    "EXISTS { MATCH (:DerivationRule {iri: s}) }))"
)


def _period(country: str, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    return {"country": country, "from": start, "to": end}


def incidents_by_threat_and_year(country: str, start: dt.date | None, end: dt.date | None) -> Query:
    return (
        f"""{_IN_PERIOD}
OPTIONAL MATCH (i)-[:THREAT_TYPE]->(t:ThreatType)
WITH t, i.startDate.year AS year, count(DISTINCT i) AS n, collect(DISTINCT i) AS found
CALL (found) {{
  UNWIND found AS i MATCH (i)-[:SOURCE]->(d:Dataset) RETURN collect(DISTINCT d) AS datasets
}}
RETURN t, year, n, datasets ORDER BY year, n DESC, t.iri""",
        _period(country, start, end),
    )


def incidents_by_year(country: str, start: dt.date | None, end: dt.date | None) -> Query:
    """Distinct incidents per year of start (an incident of two threat types counts once)."""
    return (
        f"""{_IN_PERIOD}
RETURN i.startDate.year AS year, count(DISTINCT i) AS n ORDER BY year""",
        _period(country, start, end),
    )


def incidents(country: str, start: dt.date | None, end: dt.date | None, limit: int) -> Query:
    """The incidents themselves (earliest first), with the dataset rows they were built from."""
    return (
        f"""{_IN_PERIOD}
WITH i ORDER BY i.startDate, i.iri
WITH collect(i) AS found
UNWIND found[..$limit] AS i
CALL (i) {{ OPTIONAL MATCH (i)-[:THREAT_TYPE]->(t) RETURN collect(DISTINCT t) AS threats }}
CALL (i) {{ OPTIONAL MATCH (i)-[:BUILT_FROM]->(row) RETURN collect(DISTINCT row) AS rows }}
CALL (i) {{ OPTIONAL MATCH (i)-[:SOURCE]->(s) RETURN collect(DISTINCT s) AS sources }}
RETURN i, threats, rows, sources, size(found) AS total""",
        {**_period(country, start, end), "limit": limit},
    )


def rights_restricted(country: str, start: dt.date | None, end: dt.date | None) -> Query:
    """Rights the incidents restricted, how many incidents each, and the links' sources."""
    return (
        f"""{_IN_PERIOD}
MATCH (i)-[r:RESTRICTS_RIGHT]->(x:Right)
WITH x, count(DISTINCT i) AS n, collect(DISTINCT r.sources) AS lists
WITH x, n, reduce(acc = [], l IN lists | acc + coalesce(l, [])) AS iris
CALL (iris) {{
  OPTIONAL MATCH (s:Resource) WHERE s.iri IN iris RETURN collect(DISTINCT s) AS sources
}}
RETURN x, n, sources ORDER BY n DESC, x.iri""",
        _period(country, start, end),
    )


def civic_space_resolutions(state: str | None, sourced_only: bool) -> Query:
    """Every resolution linked to a right (``protectsRight``), the links with their sources and
    whether each is derived, and the state's vote on the roll call on its whole text."""
    return (
        f"""MATCH (res:Resolution)-[r:PROTECTS_RIGHT]->(x:Right)
WITH res, r, x, {DERIVED} AS derived
WHERE NOT ($sourcedOnly AND derived)
CALL (r) {{
  OPTIONAL MATCH (s:Resource) WHERE s.iri IN coalesce(r.sources, [])
  RETURN collect(DISTINCT s) AS linkSources
}}
WITH res, collect({{right: x, derived: derived, sources: linkSources}}) AS protects
CALL (res) {{
  OPTIONAL MATCH (rc:RollCall)-[:ON_RESOLUTION]->(res)
  WHERE NOT coalesce(rc.isAmendmentVote, false) AND NOT coalesce(rc.isParagraphVote, false)
  RETURN rc ORDER BY rc.date, rc.iri LIMIT 1
}}
CALL (rc) {{
  OPTIONAL MATCH (rc)<-[:ROLL_CALL]-(v:Vote)-[:VOTER]->(:State {{iri: $state}})
  RETURN v LIMIT 1
}}
CALL (res) {{ OPTIONAL MATCH (res)-[:SOURCE]->(s) RETURN collect(DISTINCT s) AS sources }}
RETURN res, protects, rc, v, sources
ORDER BY coalesce(res.adoptionDate, date({{year: coalesce(res.year, 1)}})), res.symbol""",
        {"state": state, "sourcedOnly": sourced_only},
    )


def recent_loads(limit: int) -> Query:
    """The latest loads: what the store holds, and as of when."""
    return (
        "MATCH (l:Load) WHERE l.loadedAt IS NOT NULL "
        "RETURN l ORDER BY l.loadedAt DESC, l.iri LIMIT $loads",
        {"loads": limit},
    )


def country_side(
    country: str, start: dt.date | None, end: dt.date | None, limit: int, loads: int
) -> Query:
    """The reads that need only the country and the period (and the latest loads) in one round
    trip: one column per part, its rows as maps in the part's own order."""
    parts: list[tuple[str, Query, tuple[str, ...]]] = [
        (
            "buckets",
            incidents_by_threat_and_year(country, start, end),
            ("t", "year", "n", "datasets"),
        ),
        (
            "found",
            incidents(country, start, end, limit),
            ("i", "threats", "rows", "sources", "total"),
        ),
        ("rights", rights_restricted(country, start, end), ("x", "n", "sources")),
        ("years", incidents_by_year(country, start, end), ("year", "n")),
        ("loads", recent_loads(loads), ("l",)),
    ]
    params: dict[str, Any] = {}
    for _, (_, values), _ in parts:
        params.update(values)
    calls = [_collected(name, text, columns) for name, (text, _), columns in parts]
    return "\n".join(calls) + f"\nRETURN {', '.join(name for name, _, _ in parts)}", params


def _collected(name: str, text: str, columns: tuple[str, ...]) -> str:
    row = ", ".join(f"{c}: {c}" for c in columns)
    return f"CALL () {{\nCALL () {{\n{text}\n}}\nRETURN collect({{{row}}}) AS {name}\n}}"
