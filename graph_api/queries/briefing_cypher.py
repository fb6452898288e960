"""The four queries behind ``briefing``: country, incidents, threats, rights.

Each returns relationships as :data:`graph_api.queries.links.REL_WITH_NODES` rows so every link
in the briefing can show its sources. Relationship types are the ontology's (checked by the tests
that compare every type named in ``graph_api`` with the ontology).
"""

from __future__ import annotations

from graph_api.queries.links import REL_WITH_NODES as ROW

COUNTRY = f"""
MATCH (c:Country) WHERE c.iri = $country OR c.isoAlpha2 = toUpper($country)
WITH c ORDER BY c.iri LIMIT 1
CALL (c) {{
  MATCH (s:State)-[r:COUNTRY]->(c) RETURN collect({ROW}) AS states
}}
CALL (c) {{
  MATCH (m:Membership)-[:MEMBER]->(:State)-[:COUNTRY]->(c)
  MATCH (m)-[r:MEMBER|ORGANISATION]->()
  RETURN collect(DISTINCT {ROW}) AS memberships
}}
RETURN c, states, memberships
"""

INCIDENTS = f"""
MATCH (i:Incident)-[:COUNTRY]->(:Country {{iri: $country}})
WHERE ($from IS NULL OR coalesce(i.endDate, i.startDate) >= $from)
  AND ($to IS NULL OR i.startDate <= $to)
WITH i ORDER BY i.startDate, i.iri
WITH collect(i) AS found
UNWIND found[..$limit] AS i
CALL (i) {{
  MATCH (i)-[r:INVOKED_LAW|THREAT_TYPE|RESTRICTS_RIGHT]->()
  RETURN collect({ROW}) AS links
}}
RETURN i, links, size(found) AS total
"""

THREATS = f"""
UNWIND $threats AS tid
MATCH (t:Resource {{iri: tid}})
CALL (t) {{
  MATCH (t)-[:BROADER*0..6]->(b) RETURN collect(DISTINCT b) AS chain
}}
CALL (chain) {{
  UNWIND chain AS b MATCH (b)-[r:BROADER]->(x) WHERE x IN chain RETURN collect({ROW}) AS broader
}}
CALL (chain) {{
  UNWIND chain AS b MATCH (b)-[r:THREATENS]->() RETURN collect({ROW}) AS threatens
}}
CALL (chain) {{
  UNWIND chain AS b MATCH ()-[r:ADDRESSES_THREAT]->(b) RETURN collect({ROW}) AS addressed
}}
RETURN t, broader, threatens, addressed
"""

RIGHTS = f"""
UNWIND $rights AS rid
MATCH (x:Resource {{iri: rid}})
CALL (x) {{
  MATCH ()-[r:PROTECTS_RIGHT]->(x) RETURN collect({ROW}) AS protectedBy
}}
CALL (x) {{
  MATCH (x)-[r:RESTS_ON]->() RETURN collect({ROW}) AS restsOn
}}
CALL (x) {{
  MATCH ()-[r:CONCERNS_RIGHT]->(x) RETURN collect({ROW}) AS concernedBy
}}
RETURN x, protectedBy, restsOn, concernedBy
"""
