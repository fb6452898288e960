"""The compiled ``briefing``: country, incidents, threats and rights in one Cypher query.

The per-field path (``graph_api.queries.briefing``) runs four queries, passing IRIs from one to
the next in Python, returns whole nodes and has every link's sources looked up apart. Here the
chain is followed inside the store: the incidents chosen (``found[..$limit]``) feed the threat
types they name and the rights they restrict or their threats (or broader ones) threaten; every
node is projected to the fields asked for (``Compiler.node``) and every link's sources come with
it. Python keeps what it did before on the rows: one link per (subject, type, object), ordered by
that triple, threats by incident count then label, rights by label, so both paths agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from strawberry.types import Info

from graph_api.cypher.prepared import Prepared
from graph_api.cypher.project import Compiler
from graph_api.cypher.roots import compiler, root_selection, run
from graph_api.cypher.selection import Sel, Unsupported
from graph_api.errors import UserError, bad_argument
from graph_api.queries.connection import RelationshipType
from graph_api.queries.links import property_name

Shaper = Callable[[Any], Any]
ORGANISATION = "ORGANISATION"

# Each link list: its field, the relationship pattern (subject a, object b) and what it needs.
INCIDENT_LINKS = {
    "laws": "MATCH (i)-[r:INVOKED_LAW]->(b) WITH r, i AS a, b",
    "threatTypes": "MATCH (i)-[r:THREAT_TYPE]->(b) WITH r, i AS a, b",
    "restrictedRights": "MATCH (i)-[r:RESTRICTS_RIGHT]->(b) WITH r, i AS a, b",
}
THREAT_LINKS = {
    "broader": "UNWIND chain AS a MATCH (a)-[r:BROADER]->(b) WHERE b IN chain",
    "threatens": "UNWIND chain AS a MATCH (a)-[r:THREATENS]->(b)",
    "addressedBy": "UNWIND chain AS b MATCH (a)-[r:ADDRESSES_THREAT]->(b)",
}
RIGHT_LINKS = {
    "protectedBy": "MATCH (a)-[r:PROTECTS_RIGHT]->(x) WITH r, a, x AS b",
    "restsOn": "MATCH (x)-[r:RESTS_ON]->(b) WITH r, x AS a, b",
    "concernedBy": "MATCH (a)-[r:CONCERNS_RIGHT]->(x) WITH r, a, x AS b",
    "reachedBy": "UNWIND chosen AS i MATCH (i)-[r:RESTRICTS_RIGHT]->(x) WITH r, i AS a, x AS b "
    "RETURN {row} UNION UNWIND chosen AS i "
    "MATCH (i)-[:THREAT_TYPE]->()-[:BROADER*0..6]->(a)-[r:THREATENS]->(x) WITH r, a, x AS b",
}
TEXT = """MATCH (c:Country) WHERE c.iri = $country OR c.isoAlpha2 = toUpper($country)
WITH c ORDER BY c.iri LIMIT 1
CALL (c) {{ MATCH (i:Incident)-[:COUNTRY]->(c)
  WHERE ($from IS NULL OR coalesce(i.endDate, i.startDate) >= $from)
    AND ($to IS NULL OR i.startDate <= $to)
  WITH i ORDER BY i.startDate, i.iri
  WITH collect(i) AS found RETURN size(found) AS total, found[..$limit] AS chosen }}
CALL (c) {{ MATCH (a:State)-[r:COUNTRY]->(c) WITH a, r, c AS b RETURN collect({states}) AS states }}
CALL (c) {{ MATCH (m:Membership)-[:MEMBER]->(:State)-[:COUNTRY]->(c)
  WITH DISTINCT m AS a MATCH (a)-[r:MEMBER|ORGANISATION]->(b)
  RETURN collect({memberships}) AS memberships }}
CALL (chosen) {{ UNWIND chosen AS i
  RETURN collect({{node: {incident}{incident_links}}}) AS incidents }}
CALL (chosen) {{ UNWIND chosen AS i MATCH (i)-[:THREAT_TYPE]->(t) WITH DISTINCT t, chosen
  CALL (t) {{ MATCH (t)-[:BROADER*0..6]->(x) RETURN collect(DISTINCT x) AS chain }}
  RETURN collect({{iri: t.iri, lab: t.label, node: {threat},
    n: size([i IN chosen WHERE EXISTS {{ (i)-[:THREAT_TYPE]->(t) }}]){threat_links}}}) AS threats }}
CALL (chosen) {{
  CALL (chosen) {{ UNWIND chosen AS i MATCH (i)-[:RESTRICTS_RIGHT]->(x) RETURN x
    UNION UNWIND chosen AS i
    MATCH (i)-[:THREAT_TYPE]->()-[:BROADER*0..6]->()-[:THREATENS]->(x) RETURN x }}
  WITH DISTINCT x, chosen
  RETURN collect({{iri: x.iri, lab: x.label, node: {right}{right_links}}}) AS rights }}
RETURN {country} AS country, total, states, memberships, incidents, threats, rights"""


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One link per (subject, type, object), in that order (as ``links.unique_links``)."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault((row["s"], row["t"], row["e"]), row)
    return [seen[k] for k in sorted(seen)]


class BriefingCompiler:
    """Builds the one query of a ``briefing`` selection and the shaper of its single row."""

    def __init__(self, c: Compiler):
        self.c = c

    def link(self, sel: Sel | None) -> tuple[str, Callable[[list[Any]], list[Prepared]]]:
        """The map of one link (``r`` from ``a`` to ``b``) and the shaper of a list of them."""
        parts = ["s: a.iri", "t: type(r)", "e: b.iri"]
        steps: list[tuple[str, str, Any]] = []
        for f in sel.fields.values() if sel is not None else ():
            slot = f"x{len(parts)}"
            if f.name in ("from", "to"):
                expr, end = self.c.node("a" if f.name == "from" else "b", f.fields)
                parts.append(f"{slot}: {expr}")
                steps.append((f.key, slot, end))
            elif f.name == "sources":
                expr, source = self.c._edge_sources(("r", "a"), f)
                parts.append(f"{slot}: {expr}")
                steps.append((f.key, slot, lambda v, s=source: [s(x) for x in v]))
            elif f.name == "relationship":
                enum = f.target
                steps.append(
                    (f.key, "t", lambda v, e=enum: e.serialize(getattr(RelationshipType, v)))
                )
            elif f.name == "property":
                steps.append((f.key, "t", property_name))
            elif f.name == "__typename":
                steps.append((f.key, "", lambda v: "Link"))
            else:
                raise Unsupported(f"link field {f.name}")

        def links(rows: list[Any]) -> list[Prepared]:
            out = []
            for row in _unique(rows):
                link = Prepared("Link")
                for key, slot, read in steps:
                    link[key] = read(row[slot] if slot else None)
                out.append(link)
            return out

        return "{" + ", ".join(parts) + "}", links

    def entry(
        self, sel: Sel | None, typename: str, node_field: str, links: dict[str, str], v: str
    ) -> tuple[str, str, Callable[[Any], Prepared]]:
        """An incident, threat or right: its node projection (on ``v``), the link lists asked
        for (as ``COLLECT`` subqueries), and the shaper of one entry."""
        node_expr = "null"
        extra: list[str] = []
        steps: list[tuple[str, Any]] = []
        for f in sel.fields.values() if sel is not None else ():
            if f.name == node_field:
                if node_expr != "null":
                    raise Unsupported(f"{node_field} asked twice")  # one projection per entry
                node_expr, node = self.c.node(v, f.fields)
                steps.append((f.key, lambda row, s=node: s(row["node"])))
            elif f.name in links:
                expr, many = self.link(f)
                slot = f"l{len(extra)}"
                pattern = links[f.name].format(row=expr)
                extra.append(f"{slot}: COLLECT {{ {pattern} RETURN {expr} }}")
                steps.append((f.key, lambda row, s=many, k=slot: s(row[k])))
            elif f.name == "incidentCount" and typename == "BriefingThreat":
                steps.append((f.key, lambda row: int(row["n"])))
            elif f.name == "__typename":
                steps.append((f.key, lambda row: typename))
            else:
                raise Unsupported(f"{typename} field {f.name}")

        def shape(row: Any) -> Prepared:
            out = Prepared(typename)
            for key, read in steps:
                out[key] = read(row)
            return out

        return node_expr, "".join(", " + e for e in extra), shape

    def compile(self, sel: Sel, foc: str) -> tuple[str, Callable[[Any], Prepared]]:
        fields = sel.fields
        byname = {f.name: f for f in fields.values()}
        if len(byname) < len(fields):
            raise Unsupported("a briefing field asked twice")  # one projection per field
        country_expr, country_shape = (
            self.c.node("c", byname["country"].fields) if ("country" in byname) else ("null", None)
        )
        states_expr, states_shape = self.link(byname.get("states"))
        member_expr, member_shape = self.link(byname.get("memberships"))
        inc = self.entry(
            byname.get("incidents"), "BriefingIncident", "incident", INCIDENT_LINKS, "i"
        )
        threat = self.entry(
            byname.get("threats"), "BriefingThreat", "threatType", THREAT_LINKS, "t"
        )
        right = self.entry(byname.get("rights"), "BriefingRight", "right", RIGHT_LINKS, "x")
        text = TEXT.format(
            country=country_expr,
            states=states_expr,
            memberships=member_expr,
            incident=inc[0],
            incident_links=inc[1],
            threat=threat[0],
            threat_links=threat[1],
            right=right[0],
            right_links=right[1],
        )
        reads: dict[str, Callable[[Any], Any]] = {
            "__typename": lambda row: "Briefing",
            "country": lambda row: country_shape(row["country"]) if country_shape else None,
            "states": lambda row: states_shape(row["states"]),
            "memberships": lambda row: member_shape(row["memberships"]),
            "focMember": lambda row: any(
                m["t"] == ORGANISATION and m["e"] == foc for m in row["memberships"]
            ),
            "incidentCount": lambda row: int(row["total"]),
            "incidents": lambda row: [inc[2](i) for i in row["incidents"]],
            "threats": lambda row: [
                threat[2](t)
                for t in sorted(
                    sorted(row["threats"], key=lambda t: t["iri"]),
                    key=lambda t: (-t["n"], str(t["lab"])),
                )
            ],
            "rights": lambda row: [
                right[2](x)
                for x in sorted(
                    sorted(row["rights"], key=lambda x: x["iri"]), key=lambda x: str(x["lab"])
                )
            ],
        }
        steps = []
        for f in fields.values():
            if f.name not in reads:
                raise Unsupported(f"briefing field {f.name}")
            steps.append((f.key, reads[f.name]))

        def shape(row: Any) -> Prepared:
            out = Prepared("Briefing")
            for key, read in steps:
                out[key] = read(row)
            return out

        return text, shape


async def briefing(
    info: Info, country: str, start: dt.date | None, end: dt.date | None, first: int, foc: str
) -> Prepared | None:
    """The compiled ``briefing`` (None when its selection is not compiled). Arguments are
    checked by the caller; an unknown country is the same error on both paths."""
    try:
        c = compiler(info)
        text, shape = BriefingCompiler(c).compile(root_selection(info), foc)
    except (Unsupported, UserError):
        return None
    params = {**c.params, "country": country, "from": start, "to": end, "limit": first}
    rows = await run(info, text, params)
    if not rows:
        raise bad_argument("country", f"no country has the code or IRI {country!r}.", "not_found")
    return shape(rows[0])
