"""The one table from XSD datatypes to stored values and GraphQL scalars.

The loader (literal -> Neo4j value) and the API (property -> GraphQL scalar) both read this table,
so a datatype cannot be stored as one thing and served as another. Adding a datatype means adding
one row here, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import neo4j.time
from rdflib import RDF, XSD, Literal, URIRef

from civicgraph.errors import CivicGraphError

StoredValue = str | int | float | bool | neo4j.time.Date | neo4j.time.DateTime


class IllTypedLiteral(CivicGraphError):
    """A literal whose text does not fit its datatype (``"2019-13-40"^^xsd:date``)."""


@dataclass(frozen=True)
class Datatype:
    """How values of one XSD datatype are stored in Neo4j and served in GraphQL."""

    iri: URIRef
    convert: Callable[[Literal], StoredValue]
    graphql: str


def _native(lit: Literal) -> object:
    """rdflib's Python value, or an error when the lexical form is ill-typed."""
    if lit.ill_typed:
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid {lit.datatype}")
    return lit.toPython()


def _date(lit: Literal) -> neo4j.time.Date:
    value = _native(lit)
    if isinstance(value, datetime):  # xsd:date with a time zone still means a calendar day
        value = value.date()
    if not isinstance(value, date):
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid xsd:date")
    return neo4j.time.Date.from_native(value)


def _datetime(lit: Literal) -> neo4j.time.DateTime:
    """A zoned DateTime; a value without a zone is read as UTC so every stored instant compares."""
    value = _native(lit)
    if not isinstance(value, datetime):
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid xsd:dateTime")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return neo4j.time.DateTime.from_native(value)


_YEAR = re.compile(r"^\s*(-?\d{4,})(?:Z|[+-]\d{2}:\d{2})?\s*$")


def _year(lit: Literal) -> int:
    """``"2019"^^xsd:gYear`` -> 2019 (rdflib would give a date, which invents a day)."""
    match = _YEAR.match(str(lit))
    if match is None:
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid xsd:gYear")
    return int(match.group(1))


def _integer(lit: Literal) -> int:
    value = _native(lit)
    if isinstance(value, bool) or not isinstance(value, int):
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid integer")
    return value


def _float(lit: Literal) -> float:
    value = _native(lit)
    if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid number")
    return float(value)


def _boolean(lit: Literal) -> bool:
    value = _native(lit)
    if not isinstance(value, bool):
        raise IllTypedLiteral(f"{str(lit)!r} is not a valid xsd:boolean")
    return value


def _string(lit: Literal) -> str:
    return str(lit)


def _rows() -> dict[URIRef, Datatype]:
    spec: list[tuple[URIRef, Callable[[Literal], StoredValue], str]] = [
        (XSD.date, _date, "Date"),
        (XSD.dateTime, _datetime, "DateTime"),
        (XSD.dateTimeStamp, _datetime, "DateTime"),
        (XSD.gYear, _year, "Int"),
        (XSD.integer, _integer, "Int"),
        (XSD.int, _integer, "Int"),
        (XSD.long, _integer, "Int"),
        (XSD.short, _integer, "Int"),
        (XSD.nonNegativeInteger, _integer, "Int"),
        (XSD.positiveInteger, _integer, "Int"),
        (XSD.boolean, _boolean, "Boolean"),
        (XSD.decimal, _float, "Float"),
        (XSD.double, _float, "Float"),
        (XSD.float, _float, "Float"),
        (XSD.string, _string, "String"),
        (XSD.anyURI, _string, "String"),
        (RDF.langString, _string, "String"),
    ]
    return {iri: Datatype(iri, convert, graphql) for iri, convert, graphql in spec}


DATATYPES: dict[URIRef, Datatype] = _rows()
STRING = DATATYPES[XSD.string]


def datatype(iri: URIRef | None) -> Datatype:
    """The table row for a datatype IRI; unknown datatypes (and none) are stored as strings."""
    return DATATYPES.get(iri, STRING) if iri is not None else STRING


def to_value(lit: Literal) -> StoredValue:
    """The Neo4j value of a literal: tagged and untyped literals are strings."""
    if lit.language is not None:
        return str(lit)
    return datatype(lit.datatype).convert(lit)


def graphql_scalar(iri: URIRef | None) -> str:
    """The GraphQL scalar for a property whose ``rdfs:range`` is ``iri``."""
    return datatype(iri).graphql
