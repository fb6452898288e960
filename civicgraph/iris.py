"""Minting entity IRIs in one place, from a kind and key values, so reloads find the same node.

Keys are often free text (a law's name, a decision maker, a curator's label), so each key becomes
a bounded segment. A key whose slug fits in :data:`MAX_SLUG` characters keeps exactly the slug it
always had, so existing IRIs do not move. A longer one keeps a readable prefix and ends with a
hash of its whole slug: still stable, and keys differing anywhere stay apart. A key with letters or
digits but none in ASCII (Cyrillic, Arabic...) is named by a hash of its words. A key with no
letter or digit at all cannot name anything and raises ``ValueError``.
"""

import hashlib
import re
import unicodedata
from functools import lru_cache

from rdflib import URIRef

from civicgraph.vocab import ID

MAX_SLUG = 120
HASH_CHARS = 16


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def _words(value: object) -> str:
    """Letters and digits of any script, case-folded, accents dropped, one space between words."""
    text = "".join(
        c for c in unicodedata.normalize("NFKD", str(value)) if not unicodedata.combining(c)
    )
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def slug(value: object) -> str:
    """A lower-case, ASCII, hyphenated form of a key value, at most :data:`MAX_SLUG` long; stable
    across spellings of case, accents and punctuation."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    if not text:
        words = _words(value)
        if not words:
            raise ValueError(
                f"cannot make an identifier from {value!r}: it has no letters or digits"
            )
        return f"h-{_digest(words)}"
    if len(text) <= MAX_SLUG:
        return text
    prefix = text[: MAX_SLUG - HASH_CHARS - 1].rstrip("-")
    return f"{prefix}-{_digest(text)}"


_slug_of_text = lru_cache(maxsize=1 << 16)(slug)


def _cached_slug(value: object) -> str:
    """``slug``, remembered for texts and numbers: keys repeat (870k votes, ~200 voters)."""
    return _slug_of_text(value) if type(value) in (str, int) else slug(value)


def mint(kind: str, *keys: object) -> URIRef:
    """``mint("incident", "in", "2019-08-04")`` -> ``<.../id/incident/in/2019-08-04>``."""
    return ID["/".join([_cached_slug(kind), *(_cached_slug(k) for k in keys)])]
