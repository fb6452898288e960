"""A/B of the served API's CPU per request: one worker process, real HTTP, variants interleaved.

    .venv/bin/python bench/api/server_cpu.py --neo4j bolt://127.0.0.1:7687 [--password-file F]
        [--variant base=/tmp/base-tree] [--variant new=.] [--rounds 3] [--requests 300]
        [--only Q4,Q5]

Each variant is a source tree (a checkout or ``git archive`` of a commit) served by this venv's
Python with that tree first on ``PYTHONPATH``, so two commits can be compared on one store without
a second install. For each round and each variant in turn (the order flips every round), a
one-worker ``civicgraph serve`` is started, warmed up, and sent ``--requests`` sequential requests
of each chosen query over one keep-alive connection; the server process's CPU time (``utime +
stime`` from ``/proc``) over those requests is divided by their number. CPU per request is what
bounds throughput on a 2-core machine and moves much less with a busy neighbour than latency does;
the one-client p50 is printed beside it. The server is stopped after each variant, whatever
happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from loadgen import run_batch  # noqa: E402
from run import HOST, free_port, pick, selected, start, stop, variables_for, wait_until  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 30


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of one process so far (fields 14 and 15 of ``/proc/PID/stat``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def variant(text: str) -> tuple[str, Path]:
    name, _, tree = text.partition("=")
    path = Path(tree or name).resolve()
    if not (path / "graph_api").is_dir():
        raise argparse.ArgumentTypeError(f"{path} is not a source tree (no graph_api/ in it)")
    return (name if tree else path.name), path


def serve_cmd(port: int) -> list[str]:
    code = "import sys; from civicgraph.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "serve", "--port", str(port), "--workers", "1"]


async def measure(port: int, pid: int, body: bytes, requests: int) -> tuple[float, float]:
    """(server CPU ms per request, p50 ms) over ``requests`` sequential requests."""
    await run_batch(HOST, port, "/graphql", body, WARM_UP, 1, 120)
    before = cpu_seconds(pid)
    batch = await run_batch(HOST, port, "/graphql", body, requests, 1, 600)
    used = cpu_seconds(pid) - before
    if batch.errors:
        raise SystemExit(f"{batch.errors} of {requests} requests failed; see the server log")
    return used * 1000 / len(batch.latencies), statistics.median(batch.latencies) * 1000


async def measure_all(
    port: int, pid: int, bodies: dict[str, bytes], requests: int
) -> dict[str, tuple[float, float]]:
    return {q: await measure(port, pid, body, requests) for q, body in bodies.items()}


def one_variant(args: argparse.Namespace, name: str, tree: Path, bodies: dict[str, bytes]) -> dict:
    port = free_port()
    env = {**os.environ, "NEO4J_URI": args.neo4j, "NEO4J_PASSWORD": args.password}
    env["PYTHONPATH"] = str(tree)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-server-cpu-{name}.log"
    proc = start(serve_cmd(port), env, log, tree)
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"http://{HOST}:{port}/readyz").status == 200,
            f"variant {name}",
            120,
        )
        return asyncio.run(measure_all(port, proc.pid, bodies, args.requests))
    finally:
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neo4j", required=True)
    parser.add_argument("--password-file", type=Path)
    parser.add_argument("--variant", type=variant, action="append", dest="variants")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", default="Q4,Q5")
    args = parser.parse_args()
    args.password = (
        args.password_file.read_text().strip()
        if args.password_file
        else os.environ.get("NEO4J_PASSWORD", "")
    )
    variants = args.variants or [variant(str(ROOT))]
    chosen = pick(args.neo4j, args.password)
    bodies = {
        p.name: json.dumps({"query": p.ours, "variables": variables_for(p.ours, chosen)}).encode()
        for p in selected(args.only)
    }
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores")
    print("| round | variant | query | server CPU ms/request | p50 ms | load (1 min) |")
    print("|---:|---|---|---:|---:|---:|")
    for n in range(args.rounds):
        for name, tree in variants if n % 2 == 0 else variants[::-1]:
            for query, (cpu, p50) in one_variant(args, name, tree, bodies).items():
                load = os.getloadavg()[0]
                print(f"| {n + 1} | {name} | {query} | {cpu:.2f} | {p50:.1f} | {load:.2f} |")
                sys.stdout.flush()
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
