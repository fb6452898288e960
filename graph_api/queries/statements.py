"""``Node.valueStatements``: the values sources gave for one node where they disagree.

The loader keeps every disagreeing value of a single-valued property as a ``csg:ValueStatement``
(docs/PROVENANCE.md): the value, the load that asserted it (``inLoad``, whose ``dataset`` says
which dataset) and its source; ``isCurrent`` marks the value the node's property holds. This field
lists them for a node, optionally for one property, current value first, so a client can show the
current value with its source and the alternatives beside it.
"""

from __future__ import annotations

from functools import cache

from strawberry.types import Info

from civicgraph.model import Ontology
from graph_api.errors import bad_argument
from graph_api.queries.batch import RelSpec
from graph_api.queries.db import NodeRecord

STATEMENT = "ValueStatement"


@cache
def subject_spec() -> RelSpec:
    """Statements point at their node: the incoming ``statementSubject`` relationships."""
    return RelSpec((Ontology.get().properties["statementSubject"].rel_type,), "in", (STATEMENT,))


def checked_property(name: str | None) -> str | None:
    """A property name from the client: an ontology local name (``endDate``), or ``None``."""
    if name is not None and name not in Ontology.get().property_keys():
        raise bad_argument(
            "property", f"{name!r} is no property of the ontology (e.g. 'endDate').", "unknown"
        )
    return name


def order(record: NodeRecord) -> tuple[str, bool, str]:
    """By property, the current value first, then by IRI (stable)."""
    props = record.props
    return (str(props.get("statementProperty", "")), not props.get("isCurrent"), record.iri)


async def value_statements(info: Info, iri: str, name: str | None) -> list[NodeRecord]:
    wanted = checked_property(name)
    page = await info.context.loaders.rels(subject_spec()).load(iri)
    found = [it.node for it in page.items]
    if wanted is not None:
        found = [r for r in found if r.props.get("statementProperty") == wanted]
    return sorted(found, key=order)
