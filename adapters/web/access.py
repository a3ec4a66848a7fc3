"""Who may see and change what: sign-in by token, the local-only rule, and cross-site requests.

- Local workspace: served only to loopback host names (a tunnel or proxy in
  front of a loopback-bound server would otherwise publish it with "act as").
- A token (?token=, or Authorization: Bearer) is checked once, answered by a
  redirect to the same URL without it and a signed session cookie, so it
  leaves the address bar, the history and the access log.
- Every state-changing request must come from the workspace's own page:
  Sec-Fetch-Site same-origin (when the browser sends it), an Origin of this
  server (when sent), and the CSRF token tied to the visitor cookie.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from aiohttp import web

from adapters.web.guard import Handler, is_https, is_loopback_name, safe_path
from adapters.web.identity import VIEWER, Visitor, local_visitor
from adapters.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    VISITOR_COOKIE,
    Signer,
    new_visitor,
    sha256_hex,
)
from adapters.web.workspace import CSRF, VISITOR, WORKSPACE, Workspace

# Platforms sign their own requests; Teams document links carry their own signature.
PLATFORM_PATHS = ("/healthz", "/slack/", "/api/messages", "/teams/documents/")
PUBLIC_PATHS = ("/static/", "/favicon.ico")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SESSION_DAYS = 30
CROSS_SITE = ("Refused: this request did not come from this workspace's own page, so nothing changed. "
              "Reload the page and try again.")


@web.middleware
async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in, the local-only rule and the CSRF check, before any page or action runs."""
    if request.path.startswith(PLATFORM_PATHS + PUBLIC_PATHS):
        return await handler(request)
    ws = request.app[WORKSPACE]
    if not ws.settings.served and not is_loopback_name(request):
        raise web.HTTPForbidden(text=(
            f"This is the local workspace: open http://127.0.0.1:{ws.settings.port}/ on the machine "
            "that runs offboard. To serve it to others, set OFFBOARD_PUBLIC_URL and tokens (README).\n"))
    visitor_id = request.cookies.get(VISITOR_COOKIE, "")
    fresh = not 16 <= len(visitor_id) <= 64
    if fresh:
        visitor_id = new_visitor()
    request[CSRF] = ws.signer.csrf(visitor_id)
    if "token" in request.query:
        response: web.StreamResponse = _sign_in(request, ws)
    else:
        visitor = _visitor(request, ws)
        if visitor is None:
            raise web.HTTPUnauthorized(text=(
                "This workspace needs its access token: open the link you were given (it ends in "
                "?token=...) once; a cookie keeps you signed in.\n"))
        request[VISITOR] = visitor
        if request.method not in SAFE_METHODS and (refusal := await _cross_site(request, ws)):
            return web.json_response({"ok": False, "error": refusal, "refused": True}, status=403)
        response = await handler(request)
    if fresh:
        _cookie(response, request, ws, VISITOR_COOKIE, visitor_id)
    return response


def _sign_in(request: web.Request, ws: Workspace) -> web.StreamResponse:
    """Check ?token=, set the session cookie, and send the browser to the same URL without the token."""
    found = _by_token(ws, request.query.get("token", ""))
    if found is None:
        raise web.HTTPUnauthorized(text="That access token is not valid here.\n")
    url = request.rel_url
    location = safe_path(str(url.with_query([(k, v) for k, v in url.query.items() if k != "token"])), "/")
    response = web.Response(status=303, headers={"Location": location})
    _cookie(response, request, ws, SESSION_COOKIE, ws.signer.session(*found), max_age=SESSION_DAYS * 86400)
    return response


def _visitor(request: web.Request, ws: Workspace) -> Visitor | None:
    """Who sent the request: the local persona, or whoever the bearer token or session cookie names."""
    if not ws.settings.needs_sign_in:
        return local_visitor(request, ws.people)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        found = _by_token(ws, header[len("Bearer "):].strip())
        return _as_visitor(request, ws, found[0], found[1]) if found else None
    read = Signer.read_session(request.cookies.get(SESSION_COOKIE, ""))
    if read is None:
        return None
    kind, key, signature = read
    credential = _credential(ws, kind, key)
    if credential is None or not ws.signer.valid(signature, "session", kind, key, credential):
        return None
    return _as_visitor(request, ws, kind, key)


def _by_token(ws: Workspace, token: str) -> tuple[str, str, str] | None:
    """(kind, key, credential) of a token: a person's own, or the shared one."""
    if not token:
        return None
    digest = sha256_hex(token)
    for person in ws.settings.people.values():
        if hmac.compare_digest(digest, person.token_sha256):
            return "person", person.key, person.token_sha256
    shared = ws.settings.token
    if shared and hmac.compare_digest(token.encode(), shared.encode()):
        return ("viewer" if ws.settings.served else "local"), "", sha256_hex(shared)
    return None


def _credential(ws: Workspace, kind: str, key: str) -> str | None:
    """What a session of this kind was signed with (None: no such session can exist now)."""
    if kind == "person" and key in ws.settings.people:
        return ws.settings.people[key].token_sha256
    shared = ws.settings.token
    if shared and key == "" and kind == ("viewer" if ws.settings.served else "local"):
        return sha256_hex(shared)
    return None


def _as_visitor(request: web.Request, ws: Workspace, kind: str, key: str) -> Visitor:
    if kind == "person":
        person = ws.settings.people[key]
        return Visitor("person", person.name, person.actor)
    return local_visitor(request, ws.people) if kind == "local" else VIEWER


async def _cross_site(request: web.Request, ws: Workspace) -> str | None:
    """Why a state-changing request is refused, or None when it came from our own page."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return CROSS_SITE
    origin = request.headers.get("Origin")
    if origin is not None:
        own = {(request.headers.get("Host") or "").lower()}
        if ws.settings.public_url:
            own.add(urlsplit(ws.settings.public_url).netloc.lower())
        if origin == "null" or urlsplit(origin).netloc.lower() not in own:
            return CROSS_SITE
    token = request.headers.get(CSRF_HEADER) or str((await request.post()).get(CSRF_FIELD, ""))
    if not hmac.compare_digest(token.encode(), request[CSRF].encode()):
        return CROSS_SITE
    return None


def _cookie(response: web.StreamResponse, request: web.Request, ws: Workspace, name: str, value: str,
            max_age: int | None = None) -> None:
    response.set_cookie(name, value, httponly=True, samesite="Lax", path="/", max_age=max_age,
                        secure=is_https(request, ws.settings))
