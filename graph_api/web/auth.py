"""Bearer tokens for curators' mutations.

Tokens come from ``CIVICGRAPH_API_TOKENS``; comparison is constant-time (``hmac.compare_digest``)
against every configured token, so timing tells nothing about which or how much matched. Tokens
are never logged or echoed.
"""

from __future__ import annotations

import hmac

from civicgraph.settings import Settings
from graph_api.errors import UserError


def bearer_ok(header: str | None, settings: Settings) -> bool:
    """Whether an ``Authorization`` header carries one of the configured tokens."""
    if not header:
        return False
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    given = token.strip().encode()
    matched = False
    for secret in settings.civicgraph_api_tokens:
        expected = secret.get_secret_value().encode()
        if expected and hmac.compare_digest(given, expected):
            matched = True
    return matched


def require_curator(authorised: bool) -> None:
    if not authorised:
        raise UserError(
            "This mutation needs a curator token: send `Authorization: Bearer <token>`.",
            code="UNAUTHENTICATED",
        )
