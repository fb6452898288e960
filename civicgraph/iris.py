"""Minting entity IRIs in one place, from a kind and key values, so reloads find the same node."""

import re
import unicodedata

from rdflib import URIRef

from civicgraph.vocab import ID


def slug(value: object) -> str:
    """A lower-case, ASCII, hyphenated form of a key value; stable across spellings of case,
    accents and punctuation."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    if not text:
        raise ValueError(f"cannot make an identifier from {value!r}")
    return text


def mint(kind: str, *keys: object) -> URIRef:
    """``mint("incident", "in", "2019-08-04")`` -> ``<.../id/incident/in/2019-08-04>``."""
    return ID["/".join([slug(kind), *(slug(k) for k in keys)])]
