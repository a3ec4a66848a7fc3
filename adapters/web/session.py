"""Signed values for the workspace's cookies and forms: who signed in, and the CSRF token.

HMAC-SHA256 from the standard library with the server's secret key. No
aiohttp CSRF library fits: aiohttp-csrf has had no release since 2019, and
aiohttp-session would add a session store for what is two signed strings.

- The session cookie says *who* signed in (a person's key, the shared viewer,
  the local token) and is signed together with the credential it came from,
  so changing a token in the configuration signs everyone out who used it.
  The token itself never goes into a cookie.
- The CSRF token is the visitor cookie (random) signed: a page of another
  site can neither read it nor make it (synchronizer token tied to the cookie).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SESSION_COOKIE = "offboard_session"
VISITOR_COOKIE = "offboard_visitor"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"


def sha256_hex(text: str) -> str:
    """A token's SHA-256, as [web.people.NAME] token_sha256 holds it."""
    return hashlib.sha256(text.encode()).hexdigest()


class Signer:
    """Signs and checks short values with the server's secret key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, *parts: str) -> str:
        """A URL-safe signature of the parts (with a purpose as the first)."""
        mac = hmac.new(self._key, "\0".join(parts).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")

    def valid(self, signature: str, *parts: str) -> bool:
        """Whether `signature` signs exactly these parts."""
        return hmac.compare_digest(signature.encode(), self.sign(*parts).encode())

    # ---------------------------------------------------------------- sessions
    def session(self, kind: str, key: str, credential: str) -> str:
        """The session cookie's value: kind.key.signature."""
        return f"{kind}.{key}.{self.sign('session', kind, key, credential)}"

    @staticmethod
    def read_session(value: str) -> tuple[str, str, str] | None:
        """(kind, key, signature) of a session cookie, or None if it is not one."""
        kind, _, rest = value.partition(".")
        key, _, signature = rest.rpartition(".")
        return (kind, key, signature) if kind and signature else None

    # ---------------------------------------------------------------- CSRF
    def csrf(self, visitor: str) -> str:
        """The CSRF token of a visitor cookie."""
        return self.sign("csrf", visitor)


def new_visitor() -> str:
    """A fresh random visitor id."""
    return secrets.token_urlsafe(18)
