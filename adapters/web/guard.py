"""Facts about a request the workspace must not take on trust: its host name, its address, its scheme.

- Only configured host names are served (DNS rebinding; a reverse proxy or a
  tunnel in front of a loopback-bound server): the loopback's names, the
  public URL's host, Slack's public URL's host. This holds for every path of
  the server, Slack's and /healthz included.
- X-Forwarded-For / -Proto are believed only from a trusted proxy.
- Redirects follow same-site paths only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from adapters.ports import LOCAL_HOSTS
from adapters.web.settings import WebSettings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def host_name(header: str | None) -> str | None:
    """The host name of a Host header, lower-case, without the port ('[::1]:8080' -> '::1')."""
    if not header:
        return None
    text = header.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        name, rest = text[1:end] if end > 0 else "", text[end + 1:] if end > 0 else "x"
    else:
        name, _, port = text.partition(":")
        rest = f":{port}" if port or text.endswith(":") else ""
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        return None
    return name.rstrip(".") or None


def is_loopback_name(request: web.Request) -> bool:
    """Asked for by a loopback name (127.0.0.1, localhost, [::1])."""
    return host_name(request.headers.get("Host")) in LOCAL_HOSTS


def allowed_hosts(settings: WebSettings) -> Any:
    """Middleware: a request for any other host name is refused before anything runs."""

    @web.middleware
    async def check_host(request: web.Request, handler: Handler) -> web.StreamResponse:
        header = request.headers.get("Host")
        name = host_name(header)
        if name is None:
            raise web.HTTPBadRequest(text="A valid Host header is required.\n")
        if name not in settings.hosts:
            raise web.HTTPMisdirectedRequest(text=(
                f"This offboard server does not answer for the host name {name!r}. Set "
                "OFFBOARD_PUBLIC_URL to the address people use, and it will.\n"))
        return await handler(request)

    return check_host


def client_address(request: web.Request, settings: WebSettings) -> str:
    """The visitor's address: the peer's, or what a trusted proxy says it forwarded."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if peer in settings.trusted_proxies and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return peer


def is_https(request: web.Request, settings: WebSettings) -> bool:
    """Whether the browser reached us over HTTPS (so cookies may be Secure)."""
    if request.secure or (settings.public_url or "").lower().startswith("https://"):
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return (request.remote or "") in settings.trusted_proxies and proto == "https"


def safe_path(raw: str, default: str) -> str:
    """`raw` if it is a path on this site, else `default` (no //host, /\\host, scheme, control character)."""
    if not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x21 or ord(ch) >= 0x7f or ch == "\\" for ch in raw):
        return default  # browsers drop tabs and newlines (/<TAB>/host is //host) and read \ as /
    parts = urlsplit(raw)
    return default if parts.scheme or parts.netloc else raw
