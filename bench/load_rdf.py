"""Benchmark: RDF loads, ours against rdflib-neo4j and a raw batched-UNWIND writer, side by side.

    .venv/bin/python bench/load_rdf.py build [--data ../shared/data] [--sizes 10k,100k,1M,5M]
    .venv/bin/python bench/load_rdf.py peer                # bench-only venv with rdflib-neo4j
    .venv/bin/python bench/load_rdf.py run [--sizes 10k,100k] [--rounds 3] [--tools ours,peer,raw]

``build`` starts a throwaway Neo4j, loads the ontology's vocabularies, ``reference/*.ttl`` and
the real #KeepItOn table (shipped mapping), exports the store with ``civicgraph export --format
ntriples`` and writes scaled copies to ``var/bench/load-<size>.nt``: the export once, then copies
of every incident (with its reifications) and every source only incidents cite, under new IRIs
(``civicgraph.iris.mint("bench-copy", n, <old path>)``) that still point at the shared countries,
rights, threats and actors, until the size is reached. ``peer`` installs rdflib-neo4j into
``var/bench/peer-venv`` (never a project dependency). ``run`` starts one throwaway Neo4j with the
settings ``make up`` gives (heap 1 GB, page cache 512 MB, tx memory heap/2), warms its JVM with
one untimed raw load, and for each round and size runs the tools in rotating order, each in its
own process, with the store wiped before each run; it prints seconds, triples/s and peak RSS per
tool (medians over rounds), the ratios ours/peer and ours/raw, and the load average before and
after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_workload import build_files  # noqa: E402
from civicgraph import neo4j_local, neo4j_runtime, store  # noqa: E402
from civicgraph.settings import Settings  # noqa: E402

WORK = ROOT / "var" / "bench"
PEER_VENV = WORK / "peer-venv"
TOOLS = {
    "ours": [sys.executable, str(ROOT / "bench" / "load_tools.py"), "ours"],
    "raw": [sys.executable, str(ROOT / "bench" / "load_tools.py"), "raw"],
    "peer": [str(PEER_VENV / "bin" / "python"), str(ROOT / "bench" / "load_peer.py")],
}
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}


@contextmanager
def throwaway_neo4j() -> Iterator[Settings]:
    external = os.environ.get("CIVICGRAPH_BENCH_NEO4J_URI")
    if external:
        yield Settings(neo4j_uri=external)
        return
    settings = Settings(neo4j_uri=None)
    with tempfile.TemporaryDirectory(prefix="civicgraph-bench-") as home:
        state = neo4j_local.start(
            settings,
            home=Path(home),
            port=neo4j_runtime.free_port(settings.civicgraph_bolt_host),
            heap=settings.civicgraph_neo4j_heap,
            pagecache=settings.civicgraph_neo4j_pagecache,
            exit_with=os.getpid(),
        )
        try:
            yield neo4j_local.client_settings(settings, state)
        finally:
            neo4j_local.stop(settings, home=Path(home))


def wipe(settings: Settings) -> None:
    driver = store.open_driver(settings)
    try:
        with driver.session(database=store.database(settings)) as session:
            # Relationships first: DETACH DELETE of a hub (a dataset cited by 100k incidents)
            # holds all its relationships in one inner transaction, past the memory limit.
            for query in (
                "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS",
                "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS",
            ):
                session.run(query).consume()
    finally:
        driver.close()


def client_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "NEO4J_URI": str(settings.neo4j_uri),
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "PYTHONPATH": str(ROOT),
    }


def run_tool(tool: str, path: Path, settings: Settings) -> dict[str, float]:
    env = client_env(settings)
    began = time.perf_counter()
    done = subprocess.run(
        [*TOOLS[tool], str(path)], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed on {path}:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "rss_mb": result["rss_mb"], "triples": result["triples"]}


def cmd_run(args: argparse.Namespace) -> int:
    tools = args.tools.split(",")
    if "peer" in tools and not (PEER_VENV / "bin" / "python").exists():
        raise SystemExit("run `bench/load_rdf.py peer` first (installs rdflib-neo4j)")
    sizes = args.sizes.split(",")
    before = os.getloadavg()
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    with throwaway_neo4j() as server:
        # Untimed: one raw load warms the fresh JVM, so no tool pays for it by going first
        # (the cold start of `make up` is measured on its own, see bench/RESULTS.md).
        wipe(server)
        run_tool("raw", WORK / f"load-{sizes[0]}.nt", server)
        for round_ in range(args.rounds):
            for size in sizes:
                path = WORK / f"load-{size}.nt"
                order = tools[round_ % len(tools) :] + tools[: round_ % len(tools)]
                for tool in order:
                    wipe(server)
                    r = run_tool(tool, path, server)
                    results.setdefault((size, tool), []).append(r)
                    print(
                        f"round {round_ + 1} {size} {tool}: {r['seconds']:.1f} s", file=sys.stderr
                    )
    after = os.getloadavg()
    print(table(results, sizes, tools))
    print(
        f"\nload average before: {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}; "
        f"after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}; rounds: {args.rounds}"
    )
    return 0


def table(
    results: dict[tuple[str, str], list[dict[str, float]]], sizes: list[str], tools: list[str]
) -> str:
    lines = [
        "| size | tool | triples | s (median) | triples/s | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    medians: dict[tuple[str, str], float] = {}
    for size in sizes:
        for tool in tools:
            runs = results[(size, tool)]
            secs = statistics.median(r["seconds"] for r in runs)
            medians[(size, tool)] = secs
            triples = int(runs[0]["triples"])
            rss = max(r["rss_mb"] for r in runs)
            rate = triples / secs
            lines.append(
                f"| {size} | {tool} | {triples:,} | {secs:.2f} | {rate:,.0f} | {rss:,.0f} |"
            )
    lines.append("")
    for size in sizes:
        ours = medians.get((size, "ours"))
        parts = [
            f"ours/{other} throughput = {medians[(size, other)] / ours:.2f}x"
            for other in ("peer", "raw")
            if ours and (size, other) in medians
        ]
        lines.append(f"- {size}: " + ", ".join(parts))
    return "\n".join(lines)


def cmd_build(args: argparse.Namespace) -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    with throwaway_neo4j() as server:
        wipe(server)
        build_files(args.data, server, WORK, {s: SIZES[s] for s in args.sizes.split(",")})
    return 0


def cmd_peer(_: argparse.Namespace) -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = str(PEER_VENV / "bin" / "pip")
    subprocess.run([pip, "install", "--quiet", "rdflib-neo4j==1.1"], check=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    build.add_argument("--sizes", default="10k,100k,1M,5M")
    build.set_defaults(func=cmd_build)
    sub.add_parser("peer").set_defaults(func=cmd_peer)
    run = sub.add_parser("run")
    run.add_argument("--sizes", default="10k,100k")
    run.add_argument("--rounds", type=int, default=3)
    run.add_argument("--tools", default="ours,peer,raw")
    run.set_defaults(func=cmd_run)
    args = parser.parse_args()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
