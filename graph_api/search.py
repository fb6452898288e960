"""Full-text search over names and descriptions, ranked by Lucene's score.

The index covers every ``Resource`` (so all classes) on the text properties people search by. It
is created idempotently at API start-up; :func:`ensure_search_index_sync` lets a loader create it
too. User text is never Lucene syntax: each word is escaped, so ``AND``, quotes, ``*``, ``:`` or
``\\`` are matched as text, not interpreted as operators.
"""

from __future__ import annotations

import re

import neo4j

from civicgraph.model import Ontology
from graph_api.errors import bad_argument

INDEX_NAME = "csg_search"
# Names, alternative names, titles, descriptions, definitions, quoted texts and symbols.
SEARCH_PROPERTIES = (
    "label",
    "altLabel",
    "title",
    "description",
    "comment",
    "definition",
    "text",
    "symbol",
)
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
_OPERATORS = {"AND", "OR", "NOT", "TO"}
MAX_WORDS = 32


def index_cypher() -> str:
    keys = Ontology.get().property_keys()
    unknown = [p for p in SEARCH_PROPERTIES if p not in keys]
    if unknown:
        raise ValueError(f"search properties not in the ontology: {unknown}")
    fields = ", ".join(f"n.{p}" for p in SEARCH_PROPERTIES)
    return f"CREATE FULLTEXT INDEX {INDEX_NAME} IF NOT EXISTS FOR (n:Resource) ON EACH [{fields}]"


AWAIT = f"CALL db.awaitIndex('{INDEX_NAME}', 60)"


async def ensure_search_index(driver: neo4j.AsyncDriver, database: str) -> None:
    """Create the full-text index if missing and wait until it is online."""
    await driver.execute_query(index_cypher(), database_=database)
    await driver.execute_query(AWAIT, database_=database)


def ensure_search_index_sync(driver: neo4j.Driver, database: str) -> None:
    """The same, for synchronous callers such as the loader."""
    driver.execute_query(index_cypher(), database_=database)
    driver.execute_query(AWAIT, database_=database)


def lucene_query(text: str) -> str:
    """A Lucene query matching any of the words of ``text`` (the last also as a prefix).

    Each word is escaped; bare boolean operators are lower-cased so Lucene reads them as words.
    """
    words = text.split()
    if not words or not any(re.search(r"\w", w) for w in words):
        raise bad_argument("text", "give at least one word to search for.", "required")
    if len(words) > MAX_WORDS:
        raise bad_argument("text", f"at most {MAX_WORDS} words, please.", "range")
    terms = []
    for word in words:
        if word in _OPERATORS:
            word = word.lower()
        terms.append(_LUCENE_SPECIAL.sub(r"\\\1", word))
    last = terms[-1]
    if re.fullmatch(r"\w+", last):
        terms[-1] = f"({last} OR {last}*)"
    return " ".join(terms)


SEARCH_CYPHER = f"""
CALL db.index.fulltext.queryNodes('{INDEX_NAME}', $query) YIELD node, score
WHERE $labels IS NULL OR any(l IN labels(node) WHERE l IN $labels)
RETURN node, score ORDER BY score DESC, node.iri LIMIT $limit
"""
