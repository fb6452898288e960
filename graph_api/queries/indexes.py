"""Range indexes that give the top-level lists their date order, derived from the ontology.

A list sorted by a date (incidents by ``startDate``, resolutions by ``adoptionDate``) would
otherwise read and sort every node of its label to show the first page. For each list label and
each sort key that is one ontology property with an ``xsd:date`` range applying to that label,
the API creates a range index at start-up (idempotently, like the full-text index); the list then
reads the page in index order. Nothing here names a label or property by hand: the labels are the
list fields', the properties their sort keys', the ranges and domains the ontology's.
"""

from __future__ import annotations

from functools import cache

import neo4j
from rdflib.namespace import XSD

from civicgraph.model import Ontology


@cache
def order_indexes() -> frozenset[tuple[str, str]]:
    """``(label, property)`` pairs whose order an index gives."""
    from graph_api.queries.list_fields import LIST_LABELS, SORT_PROPERTIES

    onto = Ontology.get()
    pairs = set()
    for label in LIST_LABELS:
        for name in SORT_PROPERTIES.values():
            prop = onto.properties[name]
            if prop.range == XSD.date and onto.applies_to(prop, label):
                pairs.add((label, name))
    return frozenset(pairs)


def index_statements() -> list[str]:
    """One ``CREATE RANGE INDEX ... IF NOT EXISTS`` per pair (a no-op when an index on the same
    label and property exists under another name, such as the matcher's)."""
    return [
        f"CREATE RANGE INDEX csg_order_{label.lower()}_{name.lower()} IF NOT EXISTS "
        f"FOR (n:{label}) ON (n.{name})"
        for label, name in sorted(order_indexes())
    ]


# Two API workers starting on a fresh store both create the index: ``IF NOT EXISTS`` is checked
# before either commits, so the slower one is refused with this code although all is well.
RACED = "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"


async def create_index(driver: neo4j.AsyncDriver, statement: str, database: str) -> None:
    """Run one ``CREATE ... INDEX ... IF NOT EXISTS``; another process creating the same index
    at the same moment is success, not an error."""
    try:
        await driver.execute_query(statement, database_=database)
    except neo4j.exceptions.ClientError as exc:
        if exc.code != RACED:
            raise


async def ensure_order_indexes(driver: neo4j.AsyncDriver, database: str) -> None:
    """Create the order indexes if missing (they fill in the background; until they are online
    the lists are still right, only slower)."""
    for statement in index_statements():
        await create_index(driver, statement, database)
