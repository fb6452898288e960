"""What a load has created so far, so that its next rows are CREATEd rather than MERGEd.

A first load of new data finds almost nothing in the store: MERGE's index lookup and lock, and
the expand that looks for an existing relationship, buy nothing for those rows. So every node
batch first asks which of its IRIs exist (in the write's own transaction) and CREATEs the rest;
relationships whose start node this load created are CREATEd too, as the store cannot hold one
yet. The one case left is this load writing the same relationship twice (a subject split across
the parts of a streamed load, say): a bit filter of the relationships created so far sends any
row it may have seen to the MERGE path. The filter can be wrong only in that safe direction (a
false "seen" costs a MERGE), and it has a fixed size, so memory does not grow with the load.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from loaders.records import NodeRow, RelRow

NodeBatch = list[tuple[tuple[str, ...], Sequence[NodeRow]]]
RelBatch = list[tuple[str, Sequence[RelRow]]]

_MAX_BITS = 26  # 8 MB; at 1.35M relationships (5M triples) about 0.2% false "seen"


def batch_iris(batch: NodeBatch) -> list[str]:
    return [row["iri"] for _, rows in batch for row in rows]


def split_nodes(batch: NodeBatch, existing: Collection[str]) -> tuple[NodeBatch, NodeBatch]:
    """(rows to create, rows already in the store), each still grouped by label set."""
    new: NodeBatch = []
    old: NodeBatch = []
    for labels, rows in batch:
        absent = [row for row in rows if row["iri"] not in existing]
        present = [row for row in rows if row["iri"] in existing]
        if absent:
            new.append((labels, absent))
        if present:
            old.append((labels, present))
    return new, old


class Fresh:
    """The nodes one load (or attempt) created, and a filter of the relationships it created."""

    def __init__(self, relationships: int | None = None) -> None:
        """``relationships``: how many the load writes, if known (a smaller filter then)."""
        want = (relationships or 1 << _MAX_BITS) * 32
        self._width = min(_MAX_BITS, max(13, want.bit_length()))
        self._mask = (1 << self._width) - 1
        self.nodes: set[str] = set()
        self._seen = bytearray(1 << (self._width - 3))

    def created(self, iris: Sequence[str]) -> None:
        """Record nodes once the transaction that created them has committed (or, in a single
        transaction, once their query ran: the whole write is undone otherwise)."""
        self.nodes.update(iris)

    def _first_time(self, key: tuple[str, str, str]) -> bool:
        """Set the key's two bits; True if either was clear (the key was certainly not seen)."""
        h = hash(key)
        new = False
        for bit in (h & self._mask, (h >> self._width) & self._mask):
            byte, mask = bit >> 3, 1 << (bit & 7)
            if not self._seen[byte] & mask:
                self._seen[byte] |= mask
                new = True
        return new

    def split_relationships(self, batch: RelBatch) -> tuple[RelBatch, RelBatch]:
        """(rows to create, rows to merge). A row goes to create when its start node is this
        load's and the filter has certainly not seen it; it is marked seen at once, so the same
        row in a later batch merges it."""
        create: RelBatch = []
        merge: RelBatch = []
        for rel_type, rows in batch:
            mine: list[RelRow] = []
            other: list[RelRow] = []
            for row in rows:
                fresh = row["start"] in self.nodes
                if fresh and self._first_time((row["start"], rel_type, row["end"])):
                    mine.append(row)
                else:
                    other.append(row)
            if mine:
                create.append((rel_type, mine))
            if other:
                merge.append((rel_type, other))
        return create, merge
