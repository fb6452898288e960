"""Full-text search over names and descriptions, ranked by Lucene's score.

The index covers every ``Resource`` (so all classes) on the text properties people search by. It
is created idempotently at API start-up; :func:`ensure_search_index_sync` lets a loader create it
too. User text is never Lucene syntax: each word is escaped, so ``AND``, quotes, ``*``, ``:`` or
``\\`` are matched as text, not interpreted as operators.

Text searches are bounded, because a single one can be costly: Lucene turns each word-piece of the
text into a clause (one 1 MB "word" with punctuation is thousands, past Lucene's clause limit),
and a ``text`` filter compares the text with every candidate node. So a text is at most
``civicgraph_max_text_length`` characters and one request runs at most
``civicgraph_max_text_searches`` text searches (``search`` or a ``text`` filter; aliases and
fragments count each time they run). The request's budget lives in :data:`text_budget`, set for
each execution by ``graph_api.schema.extensions.TextBudget``.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass

import neo4j

from civicgraph.model import Ontology
from civicgraph.settings import Settings
from graph_api.errors import UserError, bad_argument
from graph_api.queries.indexes import create_index

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
    await create_index(driver, index_cypher(), database)
    await driver.execute_query(AWAIT, database_=database)


def ensure_search_index_sync(driver: neo4j.Driver, database: str) -> None:
    """The same, for synchronous callers such as the loader."""
    driver.execute_query(index_cypher(), database_=database)
    driver.execute_query(AWAIT, database_=database)


@dataclass
class TextBudget:
    """The text limits of one request: characters per text, and text searches left."""

    max_length: int
    max_searches: int | None = None  # None: not counted (outside a request)

    def __post_init__(self) -> None:
        self.searches_left = self.max_searches

    def spend(self, argument: str, text: str) -> None:
        if len(text) > self.max_length:
            raise bad_argument(
                argument,
                f"at most {self.max_length:,} characters, please (this text has "
                f"{len(text):,}); the limit is CIVICGRAPH_MAX_TEXT_LENGTH.",
                "maxLength",
            )
        if self.searches_left is None:
            return
        if self.searches_left <= 0:
            raise UserError(
                f"One request may run at most {self.max_searches} text searches (`search`, or a "
                "`text` filter; each alias counts); split this one into several requests. The "
                "limit is CIVICGRAPH_MAX_TEXT_SEARCHES.",
                argument=argument,
                rule="budget",
            )
        self.searches_left -= 1


text_budget: ContextVar[TextBudget | None] = ContextVar("text_budget", default=None)


def spend_text(argument: str, text: str) -> None:
    """Check ``text`` against the request's limits and count it as one text search."""
    budget = text_budget.get()
    if budget is None:
        budget = TextBudget(Settings.model_fields["civicgraph_max_text_length"].default)
    budget.spend(argument, text)


def lucene_query(text: str) -> str:
    """A Lucene query matching any of the words of ``text`` (the last also as a prefix).

    Each word is escaped; bare boolean operators are lower-cased so Lucene reads them as words.
    """
    spend_text("text", text)
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


SEARCH_HITS = f"""
CALL db.index.fulltext.queryNodes('{INDEX_NAME}', $query) YIELD node, score
WHERE $labels IS NULL OR any(l IN labels(node) WHERE l IN $labels)
WITH node, score ORDER BY score DESC, node.iri LIMIT $limit"""
SEARCH_CYPHER = SEARCH_HITS + "\nRETURN node, score"
