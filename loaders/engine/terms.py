"""Plain-Python RDF terms for the fast path: IRIs are ``str``, blank nodes are ``Blank`` (a str
subclass), literals are ``Lit`` tuples. They hash and compare as the RDF terms they stand for
(term equality, like rdflib's), cost a fraction of rdflib's objects, and convert to rdflib terms
only where rdflib's own semantics are wanted (datatype checks, messages).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Blank(str):
    """A blank node label (distinct from an IRI of the same text)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Blank) and str.__eq__(self, other)

    def __hash__(self) -> int:
        return hash(("_:", str(self)))


class Lit(NamedTuple):
    """A literal: lexical form, datatype IRI (``xsd:string`` when plain), language or None."""

    value: str
    datatype: str = XSD_STRING
    lang: str | None = None


Term = str | Lit


def from_ox(term: object) -> Term:
    """A pyoxigraph term as a plain term."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        lang = term.language
        return Lit(term.value, LANG_STRING if lang else term.datatype.value, lang)
    if isinstance(term, ox.BlankNode):
        return Blank(term.value)
    raise TypeError(f"unsupported RDF term {term!r} (RDF-star is not supported)")


@lru_cache(maxsize=65536)
def literal(lit: Lit) -> Literal:
    """The rdflib literal (cached: dates, codes and choices repeat across many nodes)."""
    if lit.lang:
        return Literal(lit.value, lang=lit.lang)
    if lit.datatype == XSD_STRING:
        return Literal(lit.value)
    return Literal(lit.value, datatype=URIRef(lit.datatype))


def to_rdflib(term: Term) -> Node:
    if isinstance(term, Lit):
        return literal(term)
    if isinstance(term, Blank):
        return BNode(str(term))
    return URIRef(term)


def from_rdflib(node: Node) -> Term:
    if isinstance(node, Literal):
        if node.language:
            return Lit(str(node), LANG_STRING, node.language)
        return Lit(str(node), str(node.datatype) if node.datatype else XSD_STRING, None)
    if isinstance(node, BNode):
        return Blank(str(node))
    return str(node)
