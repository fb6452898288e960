"""A/B of two checkouts' ``civicgraph load --quiet --json FILE`` on one throwaway Neo4j.

    .venv/bin/python bench/load_ab.py --a /work/main/.venv/bin/civicgraph \\
        --b .venv/bin/civicgraph [--sizes 10k,100k] [--pairs 3] [--settle 5]

After one untimed load by each side (so neither pays for a fresh JVM and for planning its
query texts), the store is wiped before every run and left ``--settle`` seconds; the two
commands run interleaved, A first in odd pairs and B first in even ones, on the files
``bench/load_rdf.py build`` wrote. Prints each run's wall and CPU seconds (the loader and its
forked child), then medians and the per-pair ratio B/A, with the load average: on a shared
machine only the ratios of one run compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_rdf import WORK, client_env, throwaway_neo4j, wipe  # noqa: E402
from civicgraph.settings import Settings  # noqa: E402

Run = tuple[float, float]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_load(command: str, path: Path, server: Settings) -> Run:
    env = {k: v for k, v in client_env(server).items() if k != "PYTHONPATH"}
    cpu, began = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [command, "load", "--quiet", "--json", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{command} failed on {path}:\n{done.stderr[-3000:]}")
    json.loads(done.stdout.strip().splitlines()[-1])  # the summary, or the run is void
    return wall, children_cpu() - cpu


def summary(size: str, a: list[Run], b: list[Run]) -> str:
    wall_a, wall_b = (statistics.median(r[0] for r in runs) for runs in (a, b))
    cpu_a, cpu_b = (statistics.median(r[1] for r in runs) for runs in (a, b))
    pairs = ", ".join(f"{y[0] / x[0]:.2f}" for x, y in zip(a, b, strict=True))
    return (
        f"{size}: median wall A {wall_a:.2f} s, B {wall_b:.2f} s (B/A {wall_b / wall_a:.2f}; "
        f"per pair {pairs}); median CPU A {cpu_a:.2f} s, B {cpu_b:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="civicgraph executable of checkout A")
    parser.add_argument("--b", required=True, help="civicgraph executable of checkout B")
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    runs: dict[tuple[str, str], list[Run]] = {}
    print(f"load average before: {os.getloadavg()}", flush=True)
    with throwaway_neo4j() as server:
        # Untimed: one load by each side first, so that neither pays for the fresh JVM and for
        # planning the query texts (the first load on a fresh server took 54 s, the next 10 s).
        for side in ("a", "b"):
            wipe(server)
            one_load(getattr(args, side), WORK / f"load-{sizes[0]}.nt", server)
        for size in sizes:
            path = WORK / f"load-{size}.nt"
            for i in range(args.pairs):
                for side in ("a", "b") if i % 2 == 0 else ("b", "a"):
                    wipe(server)
                    time.sleep(args.settle)
                    wall, cpu = one_load(getattr(args, side), path, server)
                    runs.setdefault((size, side), []).append((wall, cpu))
                    print(f"{size} pair {i + 1} {side.upper()}: wall {wall:.2f} s, CPU {cpu:.2f} s")
    print(f"load average after: {os.getloadavg()}")
    for size in sizes:
        print(summary(size, runs[(size, "a")], runs[(size, "b")]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
