"""Which value a node keeps when a load disagrees with the store (the rule in docs/PROVENANCE.md).

Pure: given the props a load would write, the node's stored state and who this load is, returns
the props to actually write and the value statements to record. The store is read by the caller
(``matching.cypher.existing``), one query per batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from civicgraph.iris import mint

CURATED_PREFIX = "graphql:"  # the source text of a curated edit's Load (graph_api.writes)


@dataclass(frozen=True)
class LoadRef:
    """This load: its IRI, its dataset and its mapping's name (the prefix of a Load's source)."""

    iri: str
    dataset: str
    name: str


@dataclass
class Stored:
    """A node's stored state, as ``matching.cypher.existing`` returns it."""

    props: dict[str, Any]
    first_load: str | None
    first_source: str | None
    first_dataset: str | None
    last_source: str | None
    statements: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Stored:
        return cls(
            dict(record["props"]),
            record["firstLoad"],
            record["firstSource"],
            record["firstDataset"],
            record["lastSource"],
            [dict(s) for s in record["statements"]],
        )


@dataclass
class Outcome:
    props: dict[str, Any]
    statements: list[dict[str, Any]] = field(default_factory=list)
    settle: list[dict[str, Any]] = field(default_factory=list)


def lexical(value: Any) -> str:
    """The text form a statement keeps: ISO dates, ``true``/``false``, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "iso_format"):  # neo4j.time.Date / DateTime
        return str(value.iso_format())
    return str(value)


def statement_iri(node: str, prop: str, value: str, load: str) -> str:
    text = "\x1f".join((node, prop, value, load))
    return str(mint("value-statement", hashlib.sha256(text.encode()).hexdigest()[:24]))


def _same_dataset(dataset: str | None, source: str | None, load: LoadRef) -> bool:
    if dataset is not None:
        return dataset == load.dataset
    return bool(source) and str(source).startswith(f"{load.name}: ")


def _origin(stored: Stored, prop: str, value: str) -> tuple[str | None, bool, bool]:
    """(load, same-dataset test input, curated) of the stored value of ``prop``."""
    for s in stored.statements:
        if s["property"] == prop and s["value"] == value:
            curated = str(s.get("source") or "").startswith(CURATED_PREFIX)
            return s["load"], curated, True
    return stored.first_load, False, False


def reconcile(
    node: str,
    new: dict[str, Any],
    stored: Stored,
    load: LoadRef,
    matched: bool,
    preserve: frozenset[str] = frozenset(),
) -> Outcome:
    """The props to write onto ``node`` and the statements to record (see module doc)."""
    out = Outcome(props={})
    curated_node = str(stored.last_source or "").startswith(CURATED_PREFIX)
    kept_stored: set[str] = set()
    for key, value in new.items():
        if "__" in key:
            continue  # language variants follow their base key, below
        old = stored.props.get(key)
        if key in preserve and old is not None:
            kept_stored.add(key)
            continue
        if isinstance(value, list):
            before = list(old) if isinstance(old, list) else ([] if old is None else [old])
            out.props[key] = before + [v for v in value if v not in before]
            continue
        new_text = lexical(value)
        if old is None:
            out.props[key] = value
            if matched:
                out.statements.append(_statement(node, key, new_text, load.iri, load.dataset, True))
            continue
        old_text = lexical(old)
        if old_text == new_text:
            out.props[key] = value
            continue
        origin_load, curated, _ = _origin(stored, key, old_text)
        origin_stmt = next(
            (s for s in stored.statements if s["property"] == key and s["value"] == old_text),
            None,
        )
        origin_dataset = origin_stmt["dataset"] if origin_stmt else stored.first_dataset
        origin_source = origin_stmt["source"] if origin_stmt else stored.first_source
        new_wins = not (curated or curated_node) and _same_dataset(
            origin_dataset, origin_source, load
        )
        if new_wins:
            out.props[key] = value
        else:
            kept_stored.add(key)
        old_stmt = _statement(
            node, key, old_text, origin_load or load.iri, origin_dataset, not new_wins
        )
        new_stmt = _statement(node, key, new_text, load.iri, load.dataset, new_wins)
        out.statements += [old_stmt, new_stmt]
        current = new_stmt if new_wins else old_stmt
        out.settle.append({"node": node, "property": key, "current": current["iri"]})
    for key, value in new.items():
        if "__" in key and key.split("__")[0] not in kept_stored:
            out.props[key] = value
    return out


def _statement(
    node: str, prop: str, value: str, load: str, dataset: str | None, current: bool
) -> dict[str, Any]:
    shown = value if len(value) <= 80 else value[:77] + "..."
    return {
        "iri": statement_iri(node, prop, value, load),
        "node": node,
        "property": prop,
        "value": value,
        "load": load,
        "dataset": dataset,
        "current": current,
        "label": f"{prop}: {shown}",
    }
