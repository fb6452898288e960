"""Where a request's Python CPU goes: the benchmark's queries through the ASGI app, in-process.

    .venv/bin/python bench/api/cpu_profile.py --neo4j bolt://127.0.0.1:7687 [--password-file F]
        [--requests 30] [--only Q1,briefing]

Wall clock on a shared machine says more about the neighbours than about us, so this counts CPU
time of this process (``time.process_time``): per request in total, and split by cProfile (with a
CPU timer, so waiting on Neo4j costs nothing) into the stages of a request. Each stage is the
cumulative CPU of the functions that do it ("field resolution" is graphql-core's executor with our
resolvers, less the compile, driver and conversion stages inside it); "rest" is what no stage
claims: the ASGI and HTTP layers, strawberry's request handling, the event loop, and the in-process
httpx client that sends the requests. The store is only read.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from queries import PAIRS, PICK, YEAR  # noqa: E402

# Stage -> (file fragment, function name) of the functions whose cumulative CPU is the stage's.
# A stage's functions do not call each other's (else the stage would count twice).
STAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "parse+validate": (("graphql/language/parser.py", "parse"), ("graphql/validation", "validate")),
    "compile (ours)": (
        ("graph_api/cypher/roots.py", "root_selection"),
        ("graph_api/cypher/roots.py", "node_query"),
        ("graph_api/cypher/roots.py", "list_query"),
        ("graph_api/cypher/roots.py", "hits_query"),
        ("graph_api/cypher/compiled.py", "compile_root"),
    ),
    "driver round trip": (("graph_api/queries/db.py", "read"),),
    "record conversion": (
        ("graph_api/cypher/project.py", "shape"),
        ("graph_api/cypher/project.py", "build"),
        ("graph_api/cypher/roots.py", "build"),
        ("graph_api/queries/db.py", "from_node"),
    ),
    "JSON encode": (
        ("json/__init__.py", "dumps"),
        ("graph_api/web/graphql_http.py", "encode_json"),
        ("orjson", "dumps"),
    ),
    # Everything under the executor, the three stages above included (subtracted below).
    "field resolution": (("graphql/execution/", ""),),
}
INSIDE_EXECUTION = ("compile (ours)", "driver round trip", "record conversion")


def settings_for(uri: str, password: str | None) -> Any:
    from civicgraph.settings import Settings

    return Settings(neo4j_uri=uri, neo4j_password=password or "")


def pick(uri: str, password: str | None) -> dict[str, str]:
    import neo4j

    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", password or "")) as driver:
        records = driver.execute_query(PICK, YEAR).records
    return {"incident": records[0]["incident"], "resolution": records[0]["resolution"]}


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    """Each stage's CPU: the cumulative time of its functions over calls from outside the stage
    (a stage function called by another one of the same stage is not counted twice)."""
    table: Any = stats.stats  # type: ignore[attr-defined]
    out = dict.fromkeys(STAGES, 0.0)
    for stage, names in STAGES.items():
        members = {
            key
            for key in table
            if any(frag in key[0] and name in ("", key[2]) for frag, name in names)
        }
        for key in members:
            callers = table[key][4]
            out[stage] += sum(v[3] for c, v in callers.items() if c not in members)
    inside = sum(out[s] for s in INSIDE_EXECUTION)
    out["field resolution"] = max(0.0, out["field resolution"] - inside)
    return out


async def measure(args: argparse.Namespace) -> None:
    import httpx

    from graph_api.web.app import create_app

    password = Path(args.password_file).read_text().strip() if args.password_file else None
    chosen = pick(args.neo4j, password)
    app = create_app(settings_for(args.neo4j, password))
    wanted = set(args.only.split(",")) if args.only else None
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            print(f"{args.requests} requests per query after 3 warm-ups; CPU ms per request")
            print("| query | CPU total | wall | " + " | ".join(STAGES) + " | rest | Cypher |")
            print("|---|" + "---:|" * (len(STAGES) + 4))
            for pair in PAIRS:
                if wanted and pair.name not in wanted:
                    continue
                body = {
                    "query": pair.ours,
                    "variables": {k: v for k, v in chosen.items() if f"${k}" in pair.ours},
                }
                for _ in range(3):
                    answer = (await client.post("/graphql", json=body)).json()
                    if answer.get("errors"):
                        raise SystemExit(f"{pair.name}: {answer['errors']}")
                cpu0, wall0 = time.process_time(), time.perf_counter()
                for _ in range(args.requests):
                    response = await client.post("/graphql", json=body)
                cpu = (time.process_time() - cpu0) * 1000 / args.requests
                wall = (time.perf_counter() - wall0) * 1000 / args.requests
                prof = cProfile.Profile(time.process_time)
                prof.enable()
                for _ in range(args.requests):
                    await client.post("/graphql", json=body)
                prof.disable()
                stats = pstats.Stats(prof)
                # The profiler slows everything down; its figures are shares of the plain CPU.
                profiled = sum(tt for _, _, tt, _, _ in stats.stats.values())  # type: ignore[attr-defined]
                stages = {k: v / profiled * cpu for k, v in stage_times(stats).items()}
                rest = cpu - sum(stages.values())
                count = response.json()["extensions"]["cypherQueries"]
                cells = " | ".join(f"{v:.1f}" for v in stages.values())
                print(f"| {pair.name} | {cpu:.1f} | {wall:.1f} | {cells} | {rest:.1f} | {count} |")
                if args.dump:
                    stats.sort_stats("tottime").print_stats(args.dump)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neo4j", required=True)
    parser.add_argument("--password-file")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", help="comma-separated query names (Q1..Q5, briefing)")
    parser.add_argument("--dump", type=int, default=0, help="print the top N functions")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
