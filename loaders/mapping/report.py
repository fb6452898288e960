"""What a table load did, for people: rows read, loaded, rejected (with row and reason) and why
others were skipped or superseded. Nothing a mapping leaves out goes unreported."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RowIssue:
    row: int
    category: str
    detail: str

    def line(self) -> str:
        return f"row {self.row}: {self.category} ({self.detail})"


@dataclass
class MapReport:
    """Counts and issues of one mapping run; the writer's counts are added when it writes."""

    source: str
    path: str
    rows_read: int = 0
    rows_mapped: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_rows: dict[str, list[int]] = field(default_factory=dict)
    superseded: list[RowIssue] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    entities: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    written: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    outcome: str = "mapped"
    matching: dict[str, Any] | None = None  # loaders.matching.resolve.Summary.as_json()

    def skip(self, row: int, reason: str) -> None:
        self.skipped[reason] += 1
        examples = self.skipped_rows.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(row)

    def matching_counts(self) -> dict[str, int]:
        """The Load node's match counts (none without ``match:``)."""
        if self.matching is None:
            return {}
        return {
            "rowsMatched": self.matching["matched"],
            "rowsAmbiguous": len(self.matching["ambiguous"]),
        }

    def matching_lines(self, limit: int) -> list[str]:
        m = self.matching
        if m is None:
            return []
        created = self.rows_mapped - m["matched"] - m["existing"]
        lines = [
            f"  matching ({m['rule']}): matched {m['matched']:,}; created {max(created, 0):,}; "
            f"already in the store {m['existing']:,}; ambiguous (not written) "
            f"{len(m['ambiguous']):,}; value statements {m['value_statements']:,}"
        ]
        for amb in m["ambiguous"][:limit]:
            shown = ", ".join(f"<{c}>" for c in amb["candidates"])
            lines.append(f"    row {amb['row']}: {amb['reason']}: {shown}")
        if len(m["ambiguous"]) > limit:
            lines.append(f"    ... and {len(m['ambiguous']) - limit:,} more (see --report)")
        return lines

    def rejected_by_category(self) -> Counter[str]:
        return Counter(issue.category for issue in self.rejected)

    def format(self, limit: int = 25) -> str:
        """A summary for the terminal: totals first, then every kind of issue with examples."""
        lines = [
            f"{self.source}: {self.path}",
            f"  outcome: {self.outcome}",
            f"  rows read: {self.rows_read:,}; mapped: {self.rows_mapped:,}; "
            f"rejected: {len(self.rejected):,}; skipped: {sum(self.skipped.values()):,}; "
            f"superseded: {len(self.superseded):,}",
        ]
        if self.entities:
            shown = ", ".join(f"{name} {n:,}" for name, n in sorted(self.entities.items()))
            lines.append(f"  entities: {shown}")
        if self.written:
            shown = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in self.written.items())
            lines.append(f"  store: {shown}")
        lines.extend(self.matching_lines(limit))
        if self.timings:
            shown = ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items())
            lines.append(f"  time: {shown}")
        if self.rejected:
            stats = ", ".join(f"{c} {n:,}" for c, n in self.rejected_by_category().most_common())
            lines.append(f"  rejected rows by reason: {stats}")
            ordered = sorted(self.rejected, key=lambda issue: issue.row)
            lines.extend("    " + issue.line() for issue in ordered[:limit])
            if len(self.rejected) > limit:
                lines.append(f"    ... and {len(self.rejected) - limit:,} more (see --report)")
        for reason, count in self.skipped.most_common():
            rows = ", ".join(map(str, self.skipped_rows.get(reason, [])))
            lines.append(f"  skipped {count:,} rows: {reason} (e.g. rows {rows})")
        if self.superseded:
            count = len(self.superseded)
            lines.append(f"  superseded rows (a later row describes the same entity): {count:,}")
            lines.extend("    " + issue.line() for issue in self.superseded[:limit])
        if self.conflicts:
            lines.append(
                f"  conflicting values (the first row's value was kept): {len(self.conflicts):,}"
            )
            lines.extend("    " + c for c in self.conflicts[:limit])
        lines.extend(f"  note: {n}" for n in self.notices)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": self.path,
            "outcome": self.outcome,
            "rows_read": self.rows_read,
            "rows_mapped": self.rows_mapped,
            "rejected": [_issue(i) for i in sorted(self.rejected, key=lambda i: i.row)],
            "skipped": dict(self.skipped),
            "superseded": [_issue(i) for i in self.superseded],
            "conflicts": self.conflicts,
            "notices": self.notices,
            "entities": dict(self.entities),
            "written": self.written,
            "timings": self.timings,
            "matching": self.matching,
        }


def _issue(issue: RowIssue) -> dict[str, Any]:
    return {"row": issue.row, "category": issue.category, "detail": issue.detail}
