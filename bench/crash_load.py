"""Crash proof of the staged load (issue 8): kill -9 mid-write, rerun, exact counts.

    .venv/bin/python bench/crash_load.py [--size 1M] [--crash both|loader|neo4j] [--streamed]

Builds on ``bench/load_rdf.py build`` (``var/bench/load-<size>.nt``). On a throwaway Neo4j with
the settings ``make up`` gives, it loads the file once cleanly and takes the store's fingerprint
(nodes and relationships per label and type, property and list sizes), then wipes it and runs
two crashes, each followed by the same ``civicgraph load`` again, which must roll the killed
attempt back and load: the fingerprint must equal the clean one and no trace of an attempt may
stay (``LoadAttempt``/``LoadUndo`` nodes, ``pendingLoad`` marks, ``undo*`` keys).

1. kill -9 of the loader once a third of the relationships are written (nodes all committed);
2. kill -9 of Neo4j once half of the nodes are written; Neo4j restarts on the same store.

With ``--streamed`` every load (the clean one, the killed ones and the reruns) takes the streamed
path (``loaders.engine.stream``) that inputs over ``STREAM_BYTES`` take, here forced for a file
of any size, in batches of ``--batch-mb`` MB: nodes batch by batch, relationships after all of
them, one staged attempt committed at the end.

Prints each step's seconds, the fingerprints' totals and the load average; exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_rdf import WORK, client_env, wipe  # noqa: E402
from civicgraph import neo4j_local, neo4j_runtime, store  # noqa: E402
from civicgraph.settings import Settings  # noqa: E402
from loaders.writer import open_session  # noqa: E402

FINGERPRINT = (
    "CALL () { MATCH (n) RETURN count(n) AS nodes, sum(size(keys(n))) AS nodeKeys,\n"
    "  sum(size(coalesce(n.loads, []))) AS nodeLoads }\n"
    "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels, sum(size(keys(r))) AS relKeys,\n"
    "  sum(size(coalesce(r.sources, []))) AS relSources }\n"
    "RETURN nodes, rels, nodeKeys, nodeLoads, relKeys, relSources"
)
PER_LABEL = "MATCH (n) UNWIND labels(n) AS l RETURN l AS k, count(*) AS n ORDER BY k"
PER_TYPE = "MATCH ()-[r]->() RETURN type(r) AS k, count(*) AS n ORDER BY k"
TRACES = (
    "CALL () { MATCH (n) WHERE n:LoadAttempt OR n:LoadUndo OR n.pendingLoad IS NOT NULL\n"
    "  OR any(k IN keys(n) WHERE k STARTS WITH 'undo') RETURN count(n) AS nodes }\n"
    "CALL () { MATCH ()-[r]->() WHERE r.pendingLoad IS NOT NULL\n"
    "  OR any(k IN keys(r) WHERE k STARTS WITH 'undo') RETURN count(r) AS rels }\n"
    "RETURN nodes + rels AS traces"
)


def query(settings: Settings, text: str) -> list[dict[str, Any]]:
    driver = store.open_driver(settings)
    try:
        with open_session(driver, store.database(settings)) as session:
            return [r.data() for r in session.run(text)]
    finally:
        driver.close()


def fingerprint(settings: Settings) -> dict[str, Any]:
    return {
        "totals": query(settings, FINGERPRINT)[0],
        "labels": {r["k"]: r["n"] for r in query(settings, PER_LABEL)},
        "types": {r["k"]: r["n"] for r in query(settings, PER_TYPE)},
        "traces": query(settings, TRACES)[0]["traces"],
    }


def counts(settings: Settings) -> tuple[int, int]:
    rows = query(
        settings,
        "CALL () { MATCH (n) RETURN count(n) AS n } CALL () { MATCH ()-[r]->() "
        "RETURN count(r) AS r } RETURN n, r",
    )
    return rows[0]["n"], rows[0]["r"]


# The command every load runs; main() swaps in STREAMED for --streamed.
COMMAND = [sys.executable, "-m", "civicgraph.cli"]
STREAMED = (
    "import sys; from loaders.engine import load; load.STREAM_BYTES = 0; "
    "load.BATCH_BYTES = int(sys.argv.pop(1)) * 1_000_000; "
    "from civicgraph.cli import main; sys.exit(main(sys.argv[1:]))"
)


def start_load(path: Path, settings: Settings) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, "load", "--quiet", str(path)],
        cwd=ROOT,
        env=client_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def load(path: Path, settings: Settings) -> float:
    began = time.perf_counter()
    loader = start_load(path, settings)
    _, err = loader.communicate()
    if loader.returncode != 0:
        raise SystemExit(f"the load failed:\n{err[-3000:]}")
    return time.perf_counter() - began


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


class Server:
    """A throwaway Neo4j this script may kill and restart on the same store and port."""

    def __init__(self, home: Path) -> None:
        self.home = home
        # a store recovering after kill -9 on a busy machine may take minutes to answer
        self.local = Settings(neo4j_uri=None, civicgraph_neo4j_start_timeout=900.0)
        self.port = neo4j_runtime.free_port(self.local.civicgraph_bolt_host)
        self.pid = 0
        self.client = self.start()

    def start(self) -> Settings:
        state = neo4j_local.start(
            self.local,
            home=self.home,
            port=self.port,
            heap=self.local.civicgraph_neo4j_heap,
            pagecache=self.local.civicgraph_neo4j_pagecache,
            exit_with=os.getpid(),
        )
        assert state.pid is not None
        self.pid = state.pid
        self.client = neo4j_local.client_settings(self.local, state)
        return self.client

    def kill_and_restart(self) -> Settings:
        os.kill(self.pid, signal.SIGKILL)
        wait_until(lambda: not neo4j_runtime.pid_alive(self.pid), 60, "Neo4j to die")
        time.sleep(45)  # past the driver's 30 s of retries: the loader fails, the rerun rolls back
        neo4j_local.stop(self.local, home=self.home)
        return self.start()

    def stop(self) -> None:
        neo4j_local.stop(self.local, home=self.home)


def check(label: str, clean: dict[str, Any], got: dict[str, Any]) -> bool:
    same = {k: clean[k] == got[k] for k in ("totals", "labels", "types")}
    ok = all(same.values()) and got["traces"] == 0
    t = got["totals"]
    print(
        f"{label}: {t['nodes']:,} nodes, {t['rels']:,} relationships, traces {got['traces']}; "
        f"equal to the clean load: {same} -> {'OK' if ok else 'MISMATCH'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--crash", choices=("both", "loader", "neo4j"), default="both")
    parser.add_argument("--streamed", action="store_true", help="force the streamed path")
    parser.add_argument("--batch-mb", type=int, default=40, help="streamed batch size (MB)")
    args = parser.parse_args()
    if args.streamed:
        COMMAND[1:] = ["-c", STREAMED, str(args.batch_mb)]
    path = WORK / f"load-{args.size}.nt"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `bench/load_rdf.py build --sizes {args.size}`")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="civicgraph-crash-") as home:
        server = Server(Path(home))
        try:
            wipe(server.client)
            print(f"clean load: {load(path, server.client):.1f} s")
            clean = fingerprint(server.client)
            ok &= check("clean load", clean, clean)
            nodes, rels = clean["totals"]["nodes"], clean["totals"]["rels"]

            if args.crash in ("both", "loader"):
                wipe(server.client)
                began = time.perf_counter()
                loader = start_load(path, server.client)
                wait_until(lambda: counts(server.client)[1] > rels // 3, 900, "a third of the rels")
                loader.send_signal(signal.SIGKILL)
                loader.communicate()
                partial = counts(server.client)
                print(
                    f"loader killed after {time.perf_counter() - began:.1f} s with {partial[0]:,} "
                    f"nodes, {partial[1]:,} relationships in the store"
                )
                print(f"rerun (rolls back, then loads): {load(path, server.client):.1f} s")
                ok &= check("after kill -9 of the loader", clean, fingerprint(server.client))

            if args.crash in ("both", "neo4j"):
                wipe(server.client)
                began = time.perf_counter()
                loader = start_load(path, server.client)
                wait_until(lambda: counts(server.client)[0] > nodes // 2, 900, "half of the nodes")
                server.kill_and_restart()
                _, err = loader.communicate(timeout=300)
                partial = counts(server.client)
                print(
                    f"Neo4j killed after {time.perf_counter() - began:.1f} s; the loader exited "
                    f"{loader.returncode}: {err.strip().splitlines()[-1][:160] if err else ''}"
                )
                print(f"after restart: {partial[0]:,} nodes, {partial[1]:,} relationships")
                print(f"rerun (rolls back, then loads): {load(path, server.client):.1f} s")
                ok &= check("after kill -9 of Neo4j", clean, fingerprint(server.client))
        finally:
            server.stop()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("crash proof:", "PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
