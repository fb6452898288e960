"""Numbered citations: every source a page states something from gets one number.

A source is cited by its IRI, so the same dataset or document keeps one number however often it
is used; a dataset row (``SourceRecord``) is its own citation, naming the file, the row and the
dataset it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Citation:
    number: int
    iri: str
    text: str
    url: str | None


def _first_url(source: dict[str, Any]) -> str | None:
    urls = source.get("url") or []
    return str(urls[0]) if urls else None


def describe(source: dict[str, Any]) -> tuple[str, str | None]:
    """The words and address a reader needs to find a source again."""
    label = str(source.get("label") or source.get("iri"))
    if source.get("__typename") == "SourceRecord":
        datasets = source.get("sources") or []
        dataset = datasets[0] if datasets else {}
        where = f"{source.get('fileName')}, row {source.get('rowNumber')}"
        if source.get("sheetYear"):
            where += f" ({source['sheetYear']} list)"
        name = dataset.get("label") or "dataset"
        return f"{name}: {where}", _first_url(dataset)
    return label, _first_url(source)


class Citations:
    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._numbers: dict[str, int] = {}

    def cite(self, source: dict[str, Any]) -> int:
        iri = str(source.get("iri"))
        if iri not in self._numbers:
            text, url = describe(source)
            self._numbers[iri] = len(self.items) + 1
            self.items.append(Citation(len(self.items) + 1, iri, text, url))
        return self._numbers[iri]

    def cite_all(self, sources: list[dict[str, Any]] | None) -> list[int]:
        return sorted({self.cite(s) for s in sources or []})
