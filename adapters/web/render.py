"""Rendering the workspace's pages: one jinja2 environment, a full page or a fragment for live refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from adapters.web.identity import Visitor
from adapters.web.workspace import CSRF, VISITOR, WORKSPACE
from dialogs.values import CLIENT_NAME_MAX, TEXT_MAX

HERE = Path(__file__).parent
TICKET_NUMBER_MAX = 40  # dialogs/answers.py refuses longer ticket numbers
# What the server accepts, so the browser stops typing where the server would refuse.
LIMITS = {"client": CLIENT_NAME_MAX, "text": TEXT_MAX, "ticket_number": TICKET_NUMBER_MAX,
          "money": 16, "hours": 10, "date": 10, "email": 254, "phone": 40}

TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["when"] = lambda iso: (iso or "").replace("T", " ")[:16]
TEMPLATES.globals["limits"] = LIMITS


def visitor(request: web.Request) -> Visitor:
    """Who sent the request (the access middleware decided)."""
    return request[VISITOR]  # the access middleware runs first


def context(request: web.Request) -> dict[str, Any]:
    """What every template sees: who, what they may do, the CSRF token, first-run notes."""
    ws = request.app[WORKSPACE]
    who = visitor(request)
    return {"who": who, "may_act": who.may_act, "csrf": request.get(CSRF, ""),
            "served": ws.settings.served, "people": ws.people if who.may_switch else [],
            "company_missing": not ws.svc.documents.company_configured}


def page(request: web.Request, template: str, **values: Any) -> web.Response:
    """Render a full page with the sidebar."""
    ws = request.app[WORKSPACE]
    html = TEMPLATES.get_template(template).render(
        departments=ws.departments, path=request.rel_url.raw_path_qs, checklists=ws.svc.checklists,
        **context(request), **values)
    return web.Response(text=html, content_type="text/html", headers=SECURITY_HEADERS)


def fragment(request: web.Request, template: str, **values: Any) -> web.Response:
    """Render a piece of a page (for live refresh)."""
    html = TEMPLATES.get_template(template).render(**context(request), **values)
    return web.Response(text=html, content_type="text/html", headers=SECURITY_HEADERS)


# No framing (clickjacking) and no inline or foreign script: the pages load /static/app.js only.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
