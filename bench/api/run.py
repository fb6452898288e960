"""Benchmark: our GraphQL API against @neo4j/graphql on the same Neo4j, side by side.

    .venv/bin/python bench/api/run.py --neo4j bolt://127.0.0.1:7687 [--password-file F]
        [--graph "reference + KeepItOn"] [--rounds 3] [--requests 20] [--seconds 30]
        [--only Q4,Q5]

Installs the peer with ``npm ci`` (bench/api/package-lock.json; nothing of the project's),
writes its type definitions from the ontology (peer_typedefs.py), starts it (node) and ours
(``civicgraph serve``, its default workers) on free loopback ports over the given Neo4j, checks
that every query pair gives the same answer (queries.py), then times them: rounds of interleaved
batches (ours, peer; peer, ours; ...) at 1 and at 16 concurrent clients, each batch bounded by a
request count (``--requests`` per client) and ``--seconds``. Prints one Markdown table with the
machine's load average; exits 1 before timing if any answer differs. Both servers are stopped at
the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from loadgen import Batch, run_batch  # noqa: E402
from queries import PAIRS, PICK, YEAR, Pair  # noqa: E402

HOST = "127.0.0.1"
CONCURRENCY = (1, 16)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def post(port: int, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://{HOST}:{port}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return dict(json.load(response))


def wait_until(check: Any, what: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{what} did not answer within {seconds:.0f} s")


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def pick(uri: str, password: str | None) -> dict[str, str]:
    import neo4j

    auth = ("neo4j", password) if password else None
    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
        records = driver.execute_query(PICK, YEAR).records
    if not records:
        raise SystemExit("no Indian incident of 2020 with a threat -> right <- resolution chain")
    return {"incident": records[0]["incident"], "resolution": records[0]["resolution"]}


def variables_for(query: str, chosen: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in chosen.items() if f"${k}" in query}


def check(pairs: list[Pair], ours: int, peer: int, chosen: dict[str, str]) -> dict[str, int]:
    """Same answers from both (or fail); returns our Cypher query count per pair."""
    counts = {}
    for pair in pairs:
        mine = post(ours, pair.ours, variables_for(pair.ours, chosen))
        if mine.get("errors") or not pair.canon_ours(mine["data"]):
            raise SystemExit(f"{pair.name}: our answer is an error or empty: {mine}")
        counts[pair.name] = int(mine.get("extensions", {}).get("cypherQueries", -1))
        if pair.peer is None:
            continue
        theirs = post(peer, pair.peer, variables_for(pair.peer, chosen))
        if theirs.get("errors"):
            raise SystemExit(f"{pair.name}: the peer's answer is an error: {theirs['errors']}")
        a, b = pair.canon_ours(mine["data"]), pair.canon_peer(theirs["data"])
        if a != b:
            raise SystemExit(f"{pair.name}: answers differ\nours: {a}\npeer: {b}"[:3000])
        size = len(a[1]) if pair.name == "Q3" else len(a) if isinstance(a, list) else 1
        print(f"{pair.name}: same answer ({size} items)", file=sys.stderr)
    return counts


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def timed(
    args: argparse.Namespace, pairs: list[Pair], ports: dict[str, int], chosen: dict[str, str]
) -> Any:
    results: dict[tuple[str, str, int], list[Batch]] = {}
    flip = False
    for _ in range(args.rounds):
        for clients in CONCURRENCY:
            for pair in pairs:
                sides = [("ours", pair.ours), ("peer", pair.peer)]
                sides = [s for s in sides if s[1] is not None]
                flip = not flip
                for side, query in reversed(sides) if flip else sides:
                    assert query is not None
                    body = json.dumps(
                        {"query": query, "variables": variables_for(query, chosen)}
                    ).encode()
                    batch = await run_batch(
                        HOST, ports[side], "/graphql", body, args.requests * clients, clients,
                        args.seconds,
                    )  # fmt: skip
                    results.setdefault((pair.name, side, clients), []).append(batch)
    return results


def row(batches: list[Batch]) -> tuple[float, float, float, float, int]:
    lat = [x for b in batches for x in b.latencies]
    done = len(lat)
    wall = sum(b.wall for b in batches)
    errors = sum(b.errors for b in batches)
    return pct(lat, 0.5), pct(lat, 0.95), pct(lat, 0.99), done / wall, errors


def table(results: Any, pairs: list[Pair], counts: dict[str, int]) -> list[str]:
    lines = [
        "| query | clients | ours p50 | p95 | p99 | req/s | err | peer p50 | p95 | p99 | req/s "
        "| err | p50 ours/peer | req/s ours/peer | Cypher per request (ours) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in pairs:
        for clients in CONCURRENCY:
            o = row(results[(pair.name, "ours", clients)])
            cells = f"{o[0]:.1f} | {o[1]:.1f} | {o[2]:.1f} | {o[3]:.1f} | {o[4]}"
            if (pair.name, "peer", clients) in results:
                p = row(results[(pair.name, "peer", clients)])
                cells += f" | {p[0]:.1f} | {p[1]:.1f} | {p[2]:.1f} | {p[3]:.1f} | {p[4]}"
                cells += f" | {o[0] / p[0]:.2f} | {o[3] / p[3]:.2f}"
            else:
                cells += " | | | | | | | "
            lines.append(f"| {pair.name} | {clients} | {cells} | {counts[pair.name]} |")
    return lines


def selected(only: str | None) -> list[Pair]:
    """The pairs ``--only`` names (all when not given); an unknown name stops the run."""
    if not only:
        return PAIRS
    names = [n.strip() for n in only.split(",") if n.strip()]
    known = {p.name: p for p in PAIRS}
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise SystemExit(f"--only: unknown pair(s) {unknown}; choose from {', '.join(known)}")
    return [known[n] for n in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neo4j", required=True, help="Bolt URI of the Neo4j to query")
    parser.add_argument("--password-file", type=Path, help="its password (else NEO4J_PASSWORD)")
    parser.add_argument("--graph", default="", help="what the store holds, for the table")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=10, help="per client per batch")
    parser.add_argument("--seconds", type=float, default=30.0, help="per batch, at most")
    parser.add_argument(
        "--only", help="comma-separated pairs to check and time (Q1..Q5, briefing); default all"
    )
    args = parser.parse_args()
    pairs = selected(args.only)
    password = (
        args.password_file.read_text().strip()
        if args.password_file
        else os.environ.get("NEO4J_PASSWORD", "")
    )
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True)
    typedefs = subprocess.run(
        [sys.executable, str(HERE / "peer_typedefs.py")], check=True, capture_output=True
    ).stdout
    (HERE / "typeDefs.graphql").write_bytes(typedefs)
    env = {**os.environ, "NEO4J_URI": args.neo4j, "NEO4J_PASSWORD": password}
    ports = {"ours": free_port(), "peer": free_port()}
    logs = Path(os.environ.get("TMPDIR", "/tmp"))
    procs = [
        start(["node", "server.mjs"], {**env, "PORT": str(ports["peer"])},
              logs / "bench-api-peer.log", HERE),
        start([str(ROOT / ".venv/bin/civicgraph"), "serve", "--port", str(ports["ours"])],
              env, logs / "bench-api-ours.log", ROOT),
    ]  # fmt: skip
    try:
        wait_until(lambda: "data" in post(ports["peer"], "{ __typename }", {}), "the peer")
        wait_until(
            lambda: urllib.request.urlopen(f"http://{HOST}:{ports['ours']}/readyz").status == 200,
            "our API",
        )
        chosen = pick(args.neo4j, password)
        counts = check(pairs, ports["ours"], ports["peer"], chosen)
        before = os.getloadavg()
        results = asyncio.run(timed(args, pairs, ports, chosen))
        after = os.getloadavg()
    finally:
        for proc in procs:
            stop(proc)
    print(f"Graph: {args.graph or args.neo4j}; {chosen}")
    print(
        f"Load average (1, 5, 15 min) before timing: {before[0]:.2f}, {before[1]:.2f}, "
        f"{before[2]:.2f}; after: {after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f}; "
        f"{os.cpu_count()} cores. {args.rounds} rounds x {args.requests} requests per client."
    )
    print("p50/p95/p99 in ms.\n")
    print("\n".join(table(results, pairs, counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
