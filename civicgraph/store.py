"""Drivers for the graph store, with failures turned into one paragraph a person can act on.

Every package opens Neo4j through here so the URI rules, the credentials policy and the wording of
"Neo4j is down" live in one place. The local server's password is read from the file its first
start generated (``<data>/civicgraph-password``); an external server gets NEO4J_USER/PASSWORD.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import neo4j
from neo4j import exceptions as neo4j_errors

from civicgraph import neo4j_runtime as rt
from civicgraph.errors import StoreUnavailable
from civicgraph.settings import Settings, get_settings

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
CONNECTION_TIMEOUT = 10.0


def database(settings: Settings | None = None) -> str:
    """The database every query targets (Community edition has only ``neo4j``)."""
    return (settings or get_settings()).neo4j_database


def open_driver(settings: Settings | None = None, **config: Any) -> neo4j.Driver:
    """A sync driver whose connectivity and credentials were verified; else StoreUnavailable.

    ``config`` goes to the driver as is (e.g. ``max_transaction_retry_time`` for a writer that
    must give up quickly); without it, writes retry for ``civicgraph_write_retry_seconds``."""
    settings = settings or get_settings()
    uri = _checked_uri(settings)
    config.setdefault("max_transaction_retry_time", settings.civicgraph_write_retry_seconds)
    try:
        driver = neo4j.GraphDatabase.driver(
            uri, auth=_auth(settings), connection_timeout=CONNECTION_TIMEOUT, **config
        )
    except (neo4j_errors.ConfigurationError, ValueError) as exc:
        raise StoreUnavailable(_bad_uri(settings, uri, str(exc))) from exc
    try:
        driver.verify_connectivity()
    except Exception as exc:
        driver.close()
        raise _unavailable(settings, uri, exc) from exc
    return driver


def open_async_driver(settings: Settings | None = None) -> neo4j.AsyncDriver:
    """An async driver (URI checked now; connect lazily, or call ``verify_async`` at start-up)."""
    settings = settings or get_settings()
    uri = _checked_uri(settings)
    try:
        return neo4j.AsyncGraphDatabase.driver(
            uri, auth=_auth(settings), connection_timeout=CONNECTION_TIMEOUT
        )
    except (neo4j_errors.ConfigurationError, ValueError) as exc:
        raise StoreUnavailable(_bad_uri(settings, uri, str(exc))) from exc


async def verify_async(driver: neo4j.AsyncDriver, settings: Settings | None = None) -> None:
    """Connectivity check for an async driver, failing with the same readable StoreUnavailable."""
    settings = settings or get_settings()
    try:
        await driver.verify_connectivity()
    except Exception as exc:
        raise _unavailable(settings, settings.bolt_uri, exc) from exc


# Why a store is not ready, most specific first: (error class, Neo4j status code or None, reason).
_DIAGNOSES: tuple[tuple[type[Exception], str | None, str], ...] = (
    (neo4j_errors.AuthError, None, "authentication-refused"),
    (neo4j_errors.ClientError, "Neo.ClientError.Database.DatabaseNotFound", "database-missing"),
    (neo4j_errors.ServiceUnavailable, None, "neo4j-unreachable"),
    (neo4j_errors.SessionExpired, None, "neo4j-unreachable"),
    (TimeoutError, None, "timeout"),
)


async def probe_async(driver: neo4j.AsyncDriver, settings: Settings) -> None:
    """One trivial read in the configured database, in an auto-commit transaction: it fails at
    once (no retries) with the error that says why the store cannot serve."""
    async with driver.session(database=database(settings)) as session:
        result = await session.run("RETURN 1 AS ok")
        await result.consume()


def diagnose(settings: Settings, exc: Exception) -> tuple[str, str]:
    """``(reason, sentence)`` for a failed probe: a stable code for machines and one paragraph
    for the person reading the health check."""
    code = getattr(exc, "code", None)
    reason = next(
        (why for kind, status, why in _DIAGNOSES
         if isinstance(exc, kind) and status in (None, code)),
        "error",
    )  # fmt: skip
    uri = settings.bolt_uri
    if reason == "database-missing":
        return reason, (
            f"Neo4j at {uri} has no database {database(settings)!r}. Set NEO4J_DATABASE to an "
            "existing one (Community edition has only 'neo4j')."
        )
    if reason == "timeout":
        return reason, f"Neo4j at {uri} did not answer a trivial query in time."
    return reason, str(_unavailable(settings, uri, exc))


def _auth(settings: Settings) -> neo4j.Auth | None:
    if settings.local:
        return rt.local_auth(rt.Layout.build(settings))
    password = settings.neo4j_password.get_secret_value()
    return neo4j.basic_auth(settings.neo4j_user, password) if password else None


def _checked_uri(settings: Settings) -> str:
    uri = settings.bolt_uri
    try:
        parts = urlsplit(uri)
        _ = parts.port  # a non-numeric port raises here, before the driver sees it
    except ValueError as exc:
        raise StoreUnavailable(_bad_uri(settings, uri, str(exc))) from exc
    if parts.scheme not in BOLT_SCHEMES or not parts.hostname:
        raise StoreUnavailable(_bad_uri(settings, uri, f"scheme {parts.scheme!r} or host missing"))
    if parts.username or parts.password:
        raise StoreUnavailable(
            _bad_uri(settings, _redact(uri), "credentials belong in NEO4J_USER/NEO4J_PASSWORD")
        )
    return uri


def _bad_uri(settings: Settings, uri: str, why: str) -> str:
    source = "NEO4J_URI" if not settings.local else "CIVICGRAPH_BOLT_HOST/CIVICGRAPH_BOLT_PORT"
    return (
        f"{uri!r} (from {source}) is not a usable Neo4j Bolt URI: {why}. Use bolt://host:7687, "
        "neo4j://host:7687 or neo4j+s://host for an encrypted server such as Aura."
    )


def _unavailable(settings: Settings, uri: str, exc: Exception) -> StoreUnavailable:
    reason = one_line(exc)
    if isinstance(exc, neo4j_errors.AuthError) and settings.local:
        password_file = rt.Layout.build(settings).password_file
        if not password_file.is_file():
            return StoreUnavailable(
                f"The Neo4j at {uri} wants a password, and this checkout has none "
                f"({password_file} does not exist): that server was not started from here. "
                "Stop it or choose another CIVICGRAPH_BOLT_PORT, then `civicgraph neo4j start`; "
                "or set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD to use it."
            )
        return StoreUnavailable(
            f"The local Neo4j at {uri} refused the password in {password_file} ({reason}). "
            "Restart it with `civicgraph neo4j stop` and `civicgraph neo4j start`: the "
            "password in that file is applied at start."
        )
    if isinstance(exc, neo4j_errors.AuthError):
        return StoreUnavailable(
            f"Neo4j at {uri} refused the credentials of user {settings.neo4j_user!r} ({reason}). "
            "Check NEO4J_USER and NEO4J_PASSWORD."
        )
    if settings.local:
        todo = (
            "Start the local server with `civicgraph neo4j start` (`civicgraph neo4j status` "
            "says why it is down), or set NEO4J_URI to use another server."
        )
    else:
        todo = (
            "Check that the server named by NEO4J_URI is running and reachable from this "
            "machine (and that neo4j+s:// is used for encrypted servers), or unset NEO4J_URI "
            "to use the local server."
        )
    return StoreUnavailable(f"Could not use Neo4j at {uri}: {reason}. {todo}")


def one_line(exc: Exception) -> str:
    """The driver's message on one line (its ServiceUnavailable puts the cause on line two)."""
    text = " ".join(str(exc).split()).rstrip(":. ")
    return (text[:400] if text else "") or type(exc).__name__


def _redact(uri: str) -> str:
    parts = urlsplit(uri)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"***@{netloc}").geturl()
