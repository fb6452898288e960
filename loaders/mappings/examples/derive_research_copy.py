"""Write a "cleaned research copy" of the real #KeepItOn STOP file, for the worked example of
matching (loaders/mapping/README.md) and bench/match_load.py.

    .venv/bin/python loaders/mappings/examples/derive_research_copy.py \
        ../shared/data/keepiton/stop_2016_2025.csv /tmp/second.csv [--rows N]

DERIVED DATA: every row and value comes from the input file (the first N rows, all by default);
only the column names change and most columns are left out, as a researcher's working copy of
the same shutdowns would. Nothing is invented, so the copy must match the loaded #KeepItOn
incidents; it is not a second, independent source and must not be cited as one.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

# The copy's column <- the #KeepItOn column it is taken from, unchanged.
COLUMNS = {
    "nation": "country",
    "began": "start_date",
    "ended": "end_date",
    "location": "area_name",
    "kind": "shutdown_type",
    "links": "info_source_link",
    "list_year": "count_year",
}


def derive(source: Path, target: Path, rows: int | None = None) -> int:
    """Write the copy; returns the number of rows written."""
    with (
        source.open(encoding="utf-8", newline="") as fh,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
        writer.writeheader()
        written = 0
        for row in reader:
            if rows is not None and written >= rows:
                break
            writer.writerow({new: row[old] for new, old in COLUMNS.items()})
            written += 1
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the real stop_2016_2025.csv")
    parser.add_argument("target", type=Path, help="where to write the copy")
    parser.add_argument("--rows", type=int, default=None, help="only the first N rows")
    args = parser.parse_args()
    if not args.source.is_file():
        print(f"{args.source}: no such file (the #KeepItOn STOP CSV)", file=sys.stderr)
        return 2
    count = derive(args.source, args.target, args.rows)
    print(f"wrote {count:,} rows to {args.target} (derived from {args.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
