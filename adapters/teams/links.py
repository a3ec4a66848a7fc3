"""Signed, expiring download links for case documents (Teams bots cannot upload into channels).

A link names the case, the document, the format and when it expires; an
HMAC-SHA256 over those four with the server's secret proves the bot made it.
The server serves such a link read-only (adapters.teams.documents) until it
expires; ``offboard export CLIENT`` posts fresh ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from adapters.ports import ConfigError, CoreSettings, Secret

ROUTE = "/teams/documents"
SECRET_ENV = "OFFBOARD_SECRET_KEY"
MIN_SECRET = 16


def link_settings(config: CoreSettings, table: Mapping[str, Any], *, local: bool) -> tuple[str, Secret]:
    """Where documents are downloaded from, and the key that signs their links.

    The one place to re-point when the core configuration carries them
    (``public_url``, ``secret_key``): until then ``[teams] public_url`` and
    OFFBOARD_SECRET_KEY. The local mode without a key signs with a key made at
    startup (its links stop working when the server restarts).
    """
    public = getattr(config, "public_url", None) or table.get("public_url")
    if not isinstance(public, str) or not public.strip().startswith(("https://", "http://")):
        raise ConfigError("[teams] public_url is required: the https address people reach this server at "
                          "(document links and the app package use it)")
    public = public.strip().rstrip("/")
    if not local and not public.startswith("https://"):
        raise ConfigError(f"[teams] public_url {public!r} must be https (Teams only opens https links)")
    key = getattr(config, "secret_key", None) or config.environ.get(SECRET_ENV, "")
    if not key:
        if not local:
            raise ConfigError(f"{SECRET_ENV} is required with Teams: it signs the document links")
        key = secrets.token_urlsafe(32)
    if len(str(key)) < MIN_SECRET:
        raise ConfigError(f"{SECRET_ENV} must be at least {MIN_SECRET} characters")
    return public, Secret(str(key))


def signature(secret: str, case_id: str, document: str, fmt: str, expires: int) -> str:
    """The HMAC that makes a link valid."""
    message = f"{case_id}\n{document}\n{fmt}\n{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def document_url(public_url: str, secret: str, case_id: str, document: str, fmt: str, expires: int) -> str:
    """A signed link to one document of a case in one format."""
    sig = signature(secret, case_id, document, fmt, expires)
    return (f"{public_url}{ROUTE}/{quote(case_id, safe='')}/{quote(document, safe='')}.{quote(fmt, safe='')}"
            f"?expires={expires}&sig={sig}")


def valid(secret: str, case_id: str, document: str, fmt: str, expires: str, sig: str, now: float) -> bool:
    """Whether a link was signed with this secret and has not expired."""
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12 or int(expires) < now:
        return False
    expected = signature(secret, case_id, document, fmt, int(expires))
    return hmac.compare_digest(expected.encode(), sig.encode())
