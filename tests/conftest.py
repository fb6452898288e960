"""Session fixtures: one real Neo4j for the whole test run, shared by every package's tests.

Tests wipe data, so they never use NEO4J_URI (that may be someone's real server). They start a
throwaway local Neo4j on a free port with its data under pytest's tmp directory, or use the
server named by CIVICGRAPH_TEST_NEO4J_URI when that is set. A missing Java or missing jars fail
the run with the reason instead of skipping: CI must run `civicgraph neo4j fetch` first.

The session's server has authentication on, like every local one: its generated password is put
in this process's NEO4J_USER/NEO4J_PASSWORD for the run, so every ``Settings(neo4j_uri=...)`` and
every CLI subprocess a test starts against it authenticates as a user's would.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from civicgraph import neo4j_local, neo4j_runtime
from civicgraph.errors import CivicGraphError
from civicgraph.settings import Settings
from civicgraph.store import database, open_driver

TEST_URI_ENV = "CIVICGRAPH_TEST_NEO4J_URI"
CREDENTIAL_ENV = ("NEO4J_USER", "NEO4J_PASSWORD")
TEST_HEAP = "512m"
TEST_PAGECACHE = "256m"


def local_test_settings() -> Settings:
    """Settings for managing a local test instance, whatever NEO4J_URI says."""
    return Settings(neo4j_uri=None)


@pytest.fixture(scope="session")
def neo4j_test_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Neo4j home (data, logs, pid file) of the session's server; empty when it is external."""
    return tmp_path_factory.mktemp("neo4j-session")


@pytest.fixture(scope="session")
def neo4j_uri(neo4j_test_home: Path) -> Iterator[str]:
    """Bolt URI of the session's Neo4j, started once and stopped at the end of the run."""
    external = os.environ.get(TEST_URI_ENV)
    if external:
        yield external
        return
    settings = local_test_settings()
    saved = {key: os.environ.get(key) for key in CREDENTIAL_ENV}
    try:
        state = neo4j_local.start(
            settings,
            home=neo4j_test_home,
            port=neo4j_runtime.free_port(settings.civicgraph_bolt_host),
            heap=TEST_HEAP,
            pagecache=TEST_PAGECACHE,
            exit_with=os.getpid(),
        )
    except CivicGraphError as exc:
        pytest.fail(
            f"Could not start the test Neo4j: {exc} (Tests never use NEO4J_URI; to run them "
            f"against a disposable server whose data may be wiped, set {TEST_URI_ENV}.)",
            pytrace=False,
        )
    client = neo4j_local.client_settings(settings, state)
    password = client.neo4j_password.get_secret_value()
    os.environ.update(dict(zip(CREDENTIAL_ENV, (client.neo4j_user, password), strict=True)))
    try:
        yield state.uri
    finally:
        neo4j_local.stop(settings, home=neo4j_test_home)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def neo4j_settings(neo4j_uri: str) -> Settings:
    """Settings that point every ``civicgraph.store`` call at the session's server."""
    return Settings(neo4j_uri=neo4j_uri)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: Settings) -> Iterator[neo4j.Driver]:
    driver = open_driver(neo4j_settings)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def empty_store(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    """The session driver on a store with no nodes, relationships, constraints or indexes.

    Neo4j's built-in token LOOKUP indexes stay: they exist in every new database, and dropping
    them would make label scans slower than in production.
    """
    db = database(neo4j_settings)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    constraints = neo4j_driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=db)
    for record in constraints.records:
        neo4j_driver.execute_query(f"DROP CONSTRAINT {_quote(record['name'])}", database_=db)
    indexes = neo4j_driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name", database_=db
    )
    for record in indexes.records:
        neo4j_driver.execute_query(f"DROP INDEX {_quote(record['name'])}", database_=db)
    return neo4j_driver


def _quote(name: str) -> str:
    """Schema names cannot be parameters in DROP; quote them as Cypher identifiers."""
    return "`" + name.replace("`", "``") + "`"


@pytest.fixture(scope="module")
def store(neo4j_driver: neo4j.Driver) -> neo4j.Driver:
    """The store holding the API test data (ontology, reference dataset, illustrative fixtures);
    loaded once and reused while no other test has wiped it. Modules needing other data override
    this fixture."""
    from graph_api.testing import ensure_loaded

    ensure_loaded(neo4j_driver)
    return neo4j_driver


@pytest.fixture(scope="module")
async def api(store: neo4j.Driver, neo4j_uri: str) -> AsyncIterator[Any]:
    """The API app running in-process over ``store``, with an HTTP client."""
    from graph_api.testing import api_settings, running_api

    async with running_api(api_settings(neo4j_uri)) as client:
        yield client


@pytest.fixture
def db(neo4j_settings: Settings) -> str:
    """The name of the session store's database."""
    return database(neo4j_settings)


@pytest.fixture
def ref(empty_store: neo4j.Driver, db: str) -> neo4j.Driver:
    """An emptied store holding the ontology's vocabularies and the reference dataset."""
    from fixtures.tables.support import with_reference

    return with_reference(empty_store, db)
