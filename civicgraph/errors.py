"""Errors a user can act on. The CLI prints their message as one paragraph and exits non-zero."""


class CivicGraphError(Exception):
    """A failure with a message meant for a person: what went wrong, where, and what to do."""

    exit_code = 1


class ConfigurationError(CivicGraphError):
    exit_code = 2


class StoreUnavailable(CivicGraphError):
    """Neo4j is not running, not reachable or refuses the credentials."""

    exit_code = 3
