"""The local Neo4j is locked: a password only its owner can read, and LOAD CSV reaches nothing.

Authentication was off once, so any local user could read files as the JVM's user
(``LOAD CSV FROM 'file:///etc/passwd'``) or reach local services through ``LOAD CSV FROM
'http://127.0.0.1:...'``. These tests hold the session's real server to the fix.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import neo4j
import pytest
from neo4j import exceptions as neo4j_errors

from civicgraph import neo4j_local, neo4j_runtime
from civicgraph.settings import Settings

pytestmark = pytest.mark.neo4j
TEST_URI_ENV = "CIVICGRAPH_TEST_NEO4J_URI"


@pytest.fixture
def session_layout(neo4j_uri: str, neo4j_test_home: Path) -> neo4j_runtime.Layout:
    if os.environ.get(TEST_URI_ENV):
        pytest.skip(f"{TEST_URI_ENV} is set: the session server is not managed by these tests")
    return neo4j_runtime.Layout.build(Settings(neo4j_uri=None), neo4j_test_home)


def test_password_file_is_owner_only_and_strong(session_layout: neo4j_runtime.Layout) -> None:
    mode = stat.S_IMODE(session_layout.password_file.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert len(session_layout.password_file.read_text().strip()) >= 32


@pytest.mark.parametrize("auth", [None, ("neo4j", "neo4j"), ("neo4j", "wrong-password")])
def test_sessions_without_the_password_are_refused(
    session_layout: neo4j_runtime.Layout, neo4j_uri: str, auth: tuple[str, str] | None
) -> None:
    with (
        neo4j.GraphDatabase.driver(neo4j_uri, auth=auth) as driver,
        pytest.raises(neo4j_errors.AuthError),
    ):
        driver.execute_query("RETURN 1")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "allow_csv_import_from_file_urls"),
        ("file:///../../etc/passwd", "allow_csv_import_from_file_urls"),
        ("http://127.0.0.1:8000/healthz", "blocked"),
        ("http://[::1]:8000/healthz", "blocked"),
        ("http://localhost:7687/", "blocked"),
    ],
)
def test_load_csv_reaches_no_file_and_no_host_even_with_the_password(
    session_layout: neo4j_runtime.Layout, neo4j_uri: str, url: str, why: str
) -> None:
    auth = neo4j_runtime.local_auth(session_layout)
    with (
        neo4j.GraphDatabase.driver(neo4j_uri, auth=auth) as driver,
        pytest.raises(neo4j_errors.ClientError, match=why) as info,
    ):
        driver.execute_query("LOAD CSV FROM $url AS line RETURN line LIMIT 1", url=url)
    assert info.value.code == "Neo.ClientError.Statement.ExternalResourceFailed"


def test_a_replaced_password_file_is_applied_at_the_next_start(tmp_path: Path) -> None:
    """A new DBMS takes the file's password as its initial one (even one starting with a dash,
    as a generated one may); data that predates the file (or a file a user replaced) gets the
    new password before Bolt listens, and the old password stops working."""
    settings = Settings(neo4j_uri=None)
    home = tmp_path / "neo4j"
    layout = neo4j_runtime.Layout.build(settings, home)
    layout.data.mkdir(parents=True)
    layout.password_file.write_text("-a-generated-password-may-start-with-a-dash\n")
    port = neo4j_runtime.free_port()
    first = neo4j_local.start(settings, home=home, port=port, heap="384m", pagecache="64m")
    try:
        old = neo4j_runtime.local_auth(layout)
        assert old is not None and old.credentials.startswith("-")
        assert neo4j_runtime.bolt_error(first.uri, auth=old) is None
    finally:
        neo4j_local.stop(settings, home=home)
    layout.password_file.unlink()
    layout.password_file.write_text("a-new-password-chosen-by-hand\n")
    layout.password_file.chmod(0o644)
    again = neo4j_local.start(settings, home=home, port=port, heap="384m", pagecache="64m")
    try:
        assert stat.S_IMODE(layout.password_file.stat().st_mode) == 0o600
        new = neo4j.basic_auth("neo4j", "a-new-password-chosen-by-hand")
        assert neo4j_runtime.bolt_error(again.uri, auth=new) is None
        assert "Unauthorized" in (neo4j_runtime.bolt_error(again.uri, auth=old) or "")
    finally:
        neo4j_local.stop(settings, home=home)


def test_the_cli_finds_the_local_password_by_itself(
    session_layout: neo4j_runtime.Layout, neo4j_uri: str, tmp_path: Path
) -> None:
    """No NEO4J_* variable: the CLI reads the credentials file of the local server it talks to
    (a CIVICGRAPH_HOME whose ``neo4j`` is the session server's home)."""
    import subprocess
    import sys
    from urllib.parse import urlsplit

    from civicgraph.paths import ROOT

    home = tmp_path / "civicgraph-home"
    home.mkdir()
    (home / "neo4j").symlink_to(session_layout.home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env |= {"CIVICGRAPH_HOME": str(home), "CIVICGRAPH_BOLT_PORT": str(urlsplit(neo4j_uri).port)}
    command = [sys.executable, "-m", "civicgraph.cli", "stats", "--json"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"labels"' in done.stdout or '"nodes"' in done.stdout
    session_layout.password_file.rename(tmp_path / "saved-password")
    try:
        refused = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        (tmp_path / "saved-password").rename(session_layout.password_file)
    assert refused.returncode != 0


def test_a_server_started_elsewhere_is_named_not_blamed_on_a_missing_file(
    neo4j_uri: str, tmp_path: Path
) -> None:
    """A local server on our port that this checkout did not start (no credentials file)."""
    from urllib.parse import urlsplit

    from civicgraph import store

    settings = Settings(
        neo4j_uri=None,
        civicgraph_home=tmp_path / "elsewhere",
        civicgraph_bolt_port=urlsplit(neo4j_uri).port,
    )
    with pytest.raises(store.StoreUnavailable, match="this checkout has none"):
        store.open_driver(settings).close()
