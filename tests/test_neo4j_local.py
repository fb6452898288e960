"""The local Neo4j manager against real JVMs: the session server plus one extra instance."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import neo4j
import pytest
from pydantic import SecretStr

from civicgraph import neo4j_local, neo4j_runtime, store
from civicgraph.errors import CivicGraphError, ConfigurationError, StoreUnavailable
from civicgraph.settings import Settings

pytestmark = pytest.mark.neo4j
TEST_URI_ENV = "CIVICGRAPH_TEST_NEO4J_URI"


def local_test_settings() -> Settings:
    return Settings(neo4j_uri=None)


@pytest.fixture
def session_home(neo4j_uri: str, neo4j_test_home: Path) -> Path:
    if os.environ.get(TEST_URI_ENV):
        pytest.skip(f"{TEST_URI_ENV} is set: the session server is not managed by these tests")
    return neo4j_test_home


def launcher_pids() -> set[int]:
    """Every live Launcher JVM on the machine, read from /proc (not from our own records)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"Launcher" in args and neo4j_runtime.pid_alive(int(entry.name)):
                pids.add(int(entry.name))
    return pids


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"} | env
    return subprocess.run(
        [sys.executable, "-m", "civicgraph.cli", "neo4j", *args],
        capture_output=True, text=True, env=full_env, timeout=60,
    )  # fmt: skip


def test_session_server_runs_queries(neo4j_driver: neo4j.Driver) -> None:
    records, _, _ = neo4j_driver.execute_query("RETURN 40 + 2 AS answer", database_="neo4j")
    assert records[0]["answer"] == 42


def test_start_again_is_quick_and_keeps_the_pid(session_home: Path) -> None:
    settings = local_test_settings()
    before = neo4j_local.status(settings, home=session_home)
    began = time.monotonic()
    again = neo4j_local.start(settings, home=session_home)
    assert time.monotonic() - began < 3.0
    assert before.running and again.running
    assert again.pid == before.pid
    assert again.detail.startswith("already running")
    assert before.rss_bytes is not None and before.rss_bytes > 100 * 2**20


def test_empty_store_drops_data_and_schema(
    neo4j_driver: neo4j.Driver, request: pytest.FixtureRequest
) -> None:
    neo4j_driver.execute_query("CREATE (:Probe {iri: 'x'})-[:LINKS]->(:Probe {iri: 'y'})")
    neo4j_driver.execute_query(
        "CREATE CONSTRAINT probe_iri IF NOT EXISTS FOR (p:Probe) REQUIRE p.iri IS UNIQUE"
    )
    neo4j_driver.execute_query("CREATE INDEX probe_name IF NOT EXISTS FOR (p:Probe) ON (p.name)")
    driver: neo4j.Driver = request.getfixturevalue("empty_store")
    count = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    constraints = driver.execute_query("SHOW CONSTRAINTS").records
    indexes = driver.execute_query("SHOW INDEXES YIELD name, type").records
    assert count == 0
    assert constraints == []
    assert {r["type"] for r in indexes} <= {"LOOKUP"}


def test_second_instance_lifecycle(session_home: Path, neo4j_uri: str, tmp_path: Path) -> None:
    settings = local_test_settings()
    home = tmp_path / "var" / "neo4j"
    cli_env = {"CIVICGRAPH_HOME": str(tmp_path / "var")}

    before = neo4j_local.status(settings, home=home)
    assert not before.running and before.pid is None
    assert cli("status", env=cli_env).returncode == 1

    port = neo4j_runtime.free_port()
    first = neo4j_local.start(settings, home=home, port=port, heap="384m", pagecache="64m")
    try:
        assert first.running and first.uri == f"bolt://127.0.0.1:{port}"
        assert first.pid is not None and neo4j_runtime.pid_alive(first.pid)
        again = neo4j_local.start(settings, home=home, port=port)
        assert again.pid == first.pid and again.detail.startswith("already running")

        session = neo4j_local.status(settings, home=session_home)
        assert session.running and session.pid != first.pid and session.uri == neo4j_uri

        layout = neo4j_runtime.Layout.build(settings, home)
        with neo4j.GraphDatabase.driver(first.uri, auth=neo4j_runtime.local_auth(layout)) as second:
            second.execute_query("CREATE (:OnlyInSecond)")
        with store.open_driver(Settings(neo4j_uri=neo4j_uri)) as main:
            seen = main.execute_query("MATCH (n:OnlyInSecond) RETURN count(n) AS n").records
        assert seen[0]["n"] == 0

        shown = cli("status", "--json", env=cli_env)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["pid"] == first.pid
    finally:
        stopped = neo4j_local.stop(settings, home=home)

    assert stopped.detail.startswith("stopped cleanly")
    assert not neo4j_runtime.pid_alive(first.pid)
    assert not (home / "run" / "neo4j.pid").exists()
    assert "STOPPED" in (home / "logs" / "launcher.log").read_text()
    after = neo4j_local.status(settings, home=home)
    assert not after.running and not after.stale_pid
    assert neo4j_local.stop(settings, home=home).detail.startswith("not running")
    result = cli("status", env=cli_env)
    assert result.returncode == 1 and result.stdout.startswith("neo4j: not running")
    assert neo4j_local.status(settings, home=session_home).running


def test_stale_pid_file_is_reported_then_cleared(tmp_path: Path) -> None:
    settings = local_test_settings()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "neo4j.pid").write_text(f"{gone.pid}\n")

    state = neo4j_local.status(settings, home=tmp_path)
    assert state.stale_pid and not state.running and state.pid == gone.pid
    assert "stale pid file" in state.detail
    assert "removed stale pid file" in neo4j_local.stop(settings, home=tmp_path).detail
    assert not (tmp_path / "run" / "neo4j.pid").exists()


def test_a_jvm_that_dies_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(CivicGraphError, match="exited during start-up") as info:
        neo4j_local.start(local_test_settings(), home=tmp_path, port=neo4j_runtime.free_port(),
                          heap="1k")  # fmt: skip
    assert "heap" in str(info.value).lower()
    assert neo4j_local.status(local_test_settings(), home=tmp_path).pid is None


def test_start_timeout_kills_the_server_and_quotes_the_log(tmp_path: Path) -> None:
    impatient = Settings(neo4j_uri=None, civicgraph_neo4j_start_timeout=0.5)
    before = launcher_pids()
    with pytest.raises(
        CivicGraphError, match=r"did not answer on bolt://\S+ within 0.5 s and was killed"
    ):
        neo4j_local.start(impatient, home=tmp_path, port=neo4j_runtime.free_port(), heap="256m")
    assert launcher_pids() <= before
    assert not (tmp_path / "run" / "neo4j.pid").exists()


def test_port_taken_by_another_program_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(CivicGraphError, match="another program already listens") as info:
            neo4j_local.start(local_test_settings(), home=tmp_path, port=port)
    assert f"bolt://127.0.0.1:{port}" in str(info.value)
    assert "CIVICGRAPH_BOLT_PORT" in str(info.value)
    assert not (tmp_path / "run" / "neo4j.pid").exists()


def test_external_uri_mode_starts_nothing(neo4j_uri: str) -> None:
    settings = Settings(neo4j_uri=neo4j_uri)
    before = launcher_pids()
    assert neo4j_local.ensure_running(settings) == neo4j_uri
    state = neo4j_local.status(settings)
    assert state.running and not state.managed and state.pid is None
    with pytest.raises(ConfigurationError, match="NEO4J_URI is set"):
        neo4j_local.start(settings)
    assert launcher_pids() == before
    result = cli("status", env={"NEO4J_URI": neo4j_uri})
    assert result.returncode == 0 and "external Neo4j answering" in result.stdout


def test_closed_port_gives_a_readable_store_unavailable() -> None:
    uri = f"bolt://127.0.0.1:{neo4j_runtime.free_port()}"
    with pytest.raises(StoreUnavailable) as info:
        store.open_driver(Settings(neo4j_uri=uri))
    message = str(info.value)
    assert uri in message and "NEO4J_URI" in message
    assert "\n" not in message and "Traceback" not in message
    assert info.value.exit_code == 3
    with pytest.raises(StoreUnavailable, match="not a usable Neo4j Bolt URI"):
        store.open_driver(Settings(neo4j_uri="http://127.0.0.1:7474"))
    with pytest.raises(StoreUnavailable, match="not a usable Neo4j Bolt URI"):
        store.open_driver(Settings(neo4j_uri="bolt://127.0.0.1:notaport"))
    with pytest.raises(ConfigurationError, match="NEO4J_URI is set"):
        neo4j_local.start(Settings(neo4j_uri=uri))
    result = cli("status", env={"NEO4J_URI": uri})
    assert result.returncode == 1 and "not answering" in result.stdout


def test_neo4j_scheme_with_credentials_works_and_wrong_ones_are_refused(neo4j_uri: str) -> None:
    routed = neo4j_uri.replace("bolt://", "neo4j://")
    settings = Settings(neo4j_uri=routed)
    with store.open_driver(settings) as driver:
        records = driver.execute_query("RETURN 1 AS one", database_=store.database(settings))
    assert records.records[0]["one"] == 1
    wrong = Settings(neo4j_uri=routed, neo4j_user="neo4j", neo4j_password=SecretStr("not-it-123"))
    with pytest.raises(StoreUnavailable, match="refused the credentials of user 'neo4j'") as info:
        store.open_driver(wrong)
    assert "not-it-123" not in str(info.value)


async def test_async_driver_reaches_the_session_server(neo4j_settings: Settings) -> None:
    driver = store.open_async_driver(neo4j_settings)
    try:
        await store.verify_async(driver, neo4j_settings)
        result = await driver.execute_query(
            "RETURN 7 AS seven", database_=store.database(neo4j_settings)
        )
    finally:
        await driver.close()
    assert result.records[0]["seven"] == 7


async def test_async_driver_on_a_closed_port_is_store_unavailable() -> None:
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{neo4j_runtime.free_port()}")
    driver = store.open_async_driver(settings)
    try:
        with pytest.raises(StoreUnavailable, match="Could not use Neo4j at bolt://"):
            await store.verify_async(driver, settings)
    finally:
        await driver.close()
