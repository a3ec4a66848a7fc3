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
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from adapters.ports import ConfigError, CoreSettings

ROUTE = "/teams/documents"


def public_url(config: CoreSettings, table: Mapping[str, Any], *, local: bool) -> str:
    """Where documents are downloaded from: OFFBOARD_PUBLIC_URL, else ``[teams] public_url``.

    The links are signed with the deployment's secret key (AdapterContext.secret,
    OFFBOARD_SECRET_KEY or the key file beside an SQLite database), given at mount.
    """
    public = config.public_url or table.get("public_url")
    if not isinstance(public, str) or not public.strip().startswith(("https://", "http://")):
        raise ConfigError("OFFBOARD_PUBLIC_URL (or [teams] public_url) is required with Teams: the https "
                          "address people reach this server at (document links and the app package use it)")
    public = public.strip().rstrip("/")
    if not local and not public.startswith("https://"):
        raise ConfigError(f"public URL {public!r} must be https (Teams only opens https links)")
    return public


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
