"""The project's SHACL-SPARQL constraints as Python, each known by the exact text of its query.

pyshacl re-parses a constraint's query for every focus node and needs an rdflib graph of them:
on a load of 100k triples that was most of a second, for one shape. A constraint whose
``sh:select`` text (whitespace aside) has a translation here is checked by that translation with
the compiled shapes; any other query, or this one edited, is left to pyshacl (``compiled``), so a
translation can never drift from the query it stands for. ``tests/test_loader_fastcheck.py``
holds each to pyshacl's findings, edge cases included.

A translation follows SPARQL's rules where they matter: a FILTER keeps a row only when it is
true without error (``&&`` of a false and an error is false, of a true and an error an error);
string functions take plain, ``xsd:string`` or language-tagged literals and fail on others.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import RDF, RDFS, SH, Graph, Literal
from rdflib.term import Node

from civicgraph.model import CSG_NS
from loaders.engine.facts import Facts
from loaders.engine.terms import LANG_STRING, XSD_STRING, Lit, Term

SYMBOL, SESSION = CSG_NS + "symbol", CSG_NS + "session"
Rows = Iterator[tuple[Term, dict[str, Term]]]  # (sh:value, the other bindings a message names)


def _string(term: Term) -> str | None:
    """The text of a string literal, or None where a SPARQL string function raises an error."""
    if isinstance(term, Lit) and term.datatype in (XSD_STRING, LANG_STRING):
        return term.value
    return None


def _str(term: Term) -> str:
    """SPARQL's STR() as rdflib computes it (a blank node gives its label)."""
    return term.value if isinstance(term, Lit) else str(term)


def _before(text: str, mark: str) -> str:
    at = text.find(mark)
    return text[:at] if at >= 0 else ""


def _after(text: str, mark: str) -> str:
    at = text.find(mark)
    return text[at + len(mark) :] if at >= 0 else ""


def _session_matches_symbol(select: str) -> Callable[[Facts, Term], Rows]:
    """csgsh:Resolution-session-matches-symbol; the Roman numeral table is read from the query."""
    found = re.search(r'"(\|1:I\|[^"]*)"', select)
    assert found is not None, "the table of Roman numerals is part of the known query"
    table = found.group(1)

    def rows(facts: Facts, focus: Term) -> Rows:
        for symbol in facts.values(focus, SYMBOL):
            text = _string(symbol)
            if text is None or not text.startswith("A/"):
                continue  # false, or an error: no row either way
            for value in facts.values(focus, SESSION):
                session = _str(value)
                if f"RES/{session}/" in text:
                    continue
                if f"|{session}:{_after(_before(text, ')'), '(')}|" in table:
                    continue
                yield value, {"symbol": symbol}

    return rows


# sha256 of the query text with its whitespace removed -> the translation's maker.
KNOWN: dict[str, Callable[[str], Callable[[Facts, Term], Rows]]] = {
    "ee3649799d32c1f28bf9d2c2609b3e9a261260eda28e6cf7ce35001961397797": _session_matches_symbol,
}


def fingerprint(select: str) -> str:
    return hashlib.sha256("".join(select.split()).encode()).hexdigest()


@dataclass(eq=False)
class SparqlCheck:
    """One translated constraint: its rows, and its messages (``{?var}`` filled in per row)."""

    rows: Callable[[Facts, Term], Rows]
    messages: list[str]

    def message(self, focus: Term, value: Term, bound: dict[str, Term]) -> str:
        """pyshacl's text: each message with the row's bindings, then this and value, put in
        with ``re.sub`` as pyshacl does; distinct messages sorted and joined."""
        texts = set()
        for text in self.messages:
            for var, term in {**bound, "this": focus, "value": value}.items():
                text = re.sub(f"{{[?$]{var}}}", _str(term), text)
            texts.add(text)
        return " / ".join(sorted(texts))


_PLAIN = {SH.select, SH.message, SH.prefixes, RDF.type, RDFS.comment, RDFS.label}


def translate(graph: Graph, shape: Node, constraint: Node) -> SparqlCheck | None:
    """The translation of ``constraint`` (an sh:sparql of ``shape``), or None: pyshacl's job."""
    select = graph.value(constraint, SH.select)
    if select is None or set(graph.predicates(constraint)) - _PLAIN:
        return None  # an ASK, a deactivated constraint, anything else: pyshacl's
    maker = KNOWN.get(fingerprint(str(select)))
    if maker is None:
        return None
    messages = [
        str(m.value) if isinstance(m, Literal) else str(m)
        for node in (shape, constraint)
        for m in graph.objects(node, SH.message)
    ]
    return SparqlCheck(maker(str(select)), messages)
