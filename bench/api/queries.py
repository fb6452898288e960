"""The benchmark's query pairs: ours and the @neo4j/graphql peer's, and how to compare answers.

Each pair asks both servers for the same facts. ``canon`` turns either answer into the same plain
form: top-level order is kept (both sort by the same key, IRI breaking ties; Q4 by score, IRI
breaking ties since the peer leaves equal scores unordered), and nested lists are compared as
sorted IRI lists (the peer has no default order for relationship fields). The equivalence check
requires equal canonical forms, non-empty, before anything is timed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

YEAR = {"from": "2020-01-01", "to": "2020-12-31"}


@dataclass(frozen=True)
class Pair:
    name: str
    what: str
    ours: str
    peer: str | None
    canon_ours: Callable[[Any], Any]
    canon_peer: Callable[[Any], Any]


def _ids(items: list[dict[str, Any]] | None, key: str = "iri") -> list[str]:
    return sorted(i[key] for i in items or [])


Q1_OURS = """{ incidents(first: 100) { edges { node { id label ... on Incident {
  startDate country { id label } invokedLaw(first: 100) { nodes { id label } }
  restrictsRight(first: 100) { nodes { id label } } } } } } }"""
Q1_PEER = """{ incidents(limit: 100, sort: [{startDate: ASC}, {iri: ASC}]) { iri label startDate
  country { iri label } invokedLaw { iri label } restrictsRight { iri label } } }"""


def q1_ours(d: Any) -> Any:
    return [
        (
            n["id"],
            n["label"],
            n["startDate"],
            n["country"]["id"] if n["country"] else None,
            _ids(n["invokedLaw"]["nodes"], "id"),
            _ids(n["restrictsRight"]["nodes"], "id"),
        )
        for n in (e["node"] for e in d["incidents"]["edges"])
    ]


def q1_peer(d: Any) -> Any:
    return [
        (
            n["iri"],
            n["label"],
            n["startDate"],
            n["country"][0]["iri"] if n["country"] else None,
            _ids(n["invokedLaw"]),
            _ids(n["restrictsRight"]),
        )
        for n in d["incidents"]
    ]


NEIGHBOURS = ("threatType", "invokedLaw", "restrictsRight", "orderedBy", "carriedOutBy")
Q2_OURS = """query($incident: ID!) {{ node(id: $incident) {{ id label sources {{ id label }}
  ... on Incident {{ startDate endDate status country {{ id label }}
  {} }} }} }}""".format(" ".join(f"{f}(first: 100) {{ nodes {{ id label }} }}" for f in NEIGHBOURS))
Q2_PEER = """query($incident: String!) {{ incidents(where: {{iri: {{eq: $incident}}}}) {{ iri label
  sources {{ iri label }} startDate endDate status country {{ iri label }}
  {} }} }}""".format(" ".join(f"{f} {{ iri label }}" for f in NEIGHBOURS))


def q2_ours(d: Any) -> Any:
    n = d["node"]
    return (
        n["id"],
        n["label"],
        n["startDate"],
        n["endDate"],
        n["status"],
        n["country"]["id"],
        _ids(n["sources"], "id"),
        [_ids(n[f]["nodes"], "id") for f in NEIGHBOURS],
    )


def q2_peer(d: Any) -> Any:
    (n,) = d["incidents"]
    return (
        n["iri"],
        n["label"],
        n["startDate"],
        n["endDate"],
        n["status"],
        n["country"][0]["iri"],
        _ids(n["sources"]),
        [_ids(n[f]) for f in NEIGHBOURS],
    )


Q3_OURS = """{{ incidents(first: 100, filter: {{country: "IN", startFrom: "{from}",
  startTo: "{to}"}}) {{ totalCount edges {{ node {{ id label
  ... on Incident {{ startDate }} }} }} }} }}
""".format(**YEAR)
# Our startFrom keeps incidents going on then: ended on or after it, started on or after it, or
# with no end date unless reported ended (graph_api/queries/filters.py); the peer's filter says
# the same.
Q3_PEER = """{{ incidentsConnection(first: 100, sort: [{{startDate: ASC}}, {{iri: ASC}}],
  where: {{country: {{some: {{isoAlpha2: {{eq: "IN"}}}}}}, startDate: {{lte: "{to}"}},
  OR: [{{startDate: {{gte: "{from}"}}}}, {{endDate: {{gte: "{from}"}}}},
    {{AND: [{{endDate: {{eq: null}}}},
      {{OR: [{{status: {{eq: null}}}},
        {{NOT: {{status: {{in: ["ended", "Ended", "ENDED"]}}}}}}]}}]}}]}}) {{
  totalCount edges {{ node {{ iri label startDate }} }} }} }}""".format(**YEAR)


def q3_ours(d: Any) -> Any:
    c = d["incidents"]
    return c["totalCount"], [(e["node"]["id"], e["node"]["startDate"]) for e in c["edges"]]


def q3_peer(d: Any) -> Any:
    c = d["incidentsConnection"]
    return c["totalCount"], [(e["node"]["iri"], e["node"]["startDate"]) for e in c["edges"]]


Q4_OURS = (
    """{ search(text: "privacy", types: [Resolution], first: 100) { score node { id label } } }"""
)
# Our search escapes the words and adds a prefix match for the last one: the same Lucene text.
Q4_PEER = """{ resolutionsSearch(phrase: "(privacy OR privacy*)", first: 100,
  sort: [{score: DESC}]) { edges { score node { iri label } } } }"""


def q4_ours(d: Any) -> Any:
    return sorted((-round(h["score"], 4), h["node"]["id"]) for h in d["search"])


def q4_peer(d: Any) -> Any:
    edges = d["resolutionsSearch"]["edges"]
    return sorted((-round(e["score"], 4), e["node"]["iri"]) for e in edges)


Q5_OURS = """query($incident: ID!, $resolution: ID!) { paths(from: $incident, to: $resolution,
  maxHops: 3, via: [THREAT_TYPE, THREATENS, PROTECTS_RIGHT], first: 50) {
  start { id } steps { node { id } } } }"""
Q5_PEER = """query($incident: String!, $resolution: String!) {
  incidents(where: {iri: {eq: $incident}}) { iri threatType { iri
    threatens(where: {protectsRightInverse: {some: {iri: {eq: $resolution}}}}) { iri
      protectsRightInverse(where: {iri: {eq: $resolution}}) { iri } } } } }"""


def q5_ours(d: Any) -> Any:
    return sorted(
        tuple([p["start"]["id"], *(s["node"]["id"] for s in p["steps"])]) for p in d["paths"]
    )


def q5_peer(d: Any) -> Any:
    return sorted(
        (i["iri"], t["iri"], r["iri"], x["iri"])
        for i in d["incidents"]
        for t in i["threatType"]
        for r in t["threatens"]
        for x in r["protectsRightInverse"]
    )


BRIEFING = """{{ briefing(country: "IN", from: "{from}", to: "{to}") {{ incidentCount
  country {{ id label }} focMember incidents {{ incident {{ id label }}
    laws {{ to {{ id label }} sources {{ id }} }} threatTypes {{ to {{ id }} }}
    restrictedRights {{ to {{ id }} }} }}
  threats {{ incidentCount threatType {{ id label }} addressedBy {{ from {{ id label }} }} }}
  rights {{ right {{ id label }}
    protectedBy {{ from {{ id label }} sources {{ id }} }} }} }} }}""".format(**YEAR)

PAIRS = [
    Pair("Q1", "first 100 incidents, start date, country, laws, rights", Q1_OURS, Q1_PEER,
         q1_ours, q1_peer),
    Pair("Q2", "one incident by IRI with its 1-hop neighbours", Q2_OURS, Q2_PEER, q2_ours,
         q2_peer),
    Pair("Q3", "incidents of India in 2020 with totalCount", Q3_OURS, Q3_PEER, q3_ours, q3_peer),
    Pair("Q4", 'full-text "privacy" on resolutions', Q4_OURS, Q4_PEER, q4_ours, q4_peer),
    Pair("Q5", "3-hop path incident -> threat -> right <- resolution", Q5_OURS, Q5_PEER,
         q5_ours, q5_peer),
    Pair("briefing", 'briefing(country: "IN", 2020), ours only', BRIEFING, None, len, len),
]  # fmt: skip

# The incident and resolution of Q2 and Q5: the first (by IRI) Indian incident of 2020 whose
# threat type threatens a right that a resolution protects.
PICK = """
MATCH (i:Incident)-[:COUNTRY]->(:Country {isoAlpha2: 'IN'})
WHERE i.startDate >= date($from) AND i.startDate <= date($to)
MATCH (i)-[:THREAT_TYPE]->()-[:THREATENS]->()<-[:PROTECTS_RIGHT]-(res:Resolution)
RETURN i.iri AS incident, res.iri AS resolution ORDER BY incident, resolution LIMIT 1
"""
