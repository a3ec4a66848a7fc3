"""The local web workspace and the managers' dashboard, served by the bot's aiohttp server.

With no Slack or Teams credentials this is the whole product in a browser;
in production the same pages are the managers' dashboard.
"""

from __future__ import annotations

from aiohttp import web

from adapters.web.identity import personas
from adapters.web.live import Broadcaster, WebSender
from adapters.web.routes import WORKSPACE, Workspace, add_routes, document_formats, require_token
from bot.app import Services


def mount(app: web.Application, svc: Services, token: str | None) -> Workspace:
    """Add the workspace's routes and its live sender to the app."""
    broadcaster = Broadcaster()
    ws = Workspace(svc, broadcaster, token or None, personas(svc.checklists), document_formats())
    app[WORKSPACE] = ws
    app.middlewares.append(require_token)
    svc.dispatcher.senders[WebSender.name] = WebSender(broadcaster)
    add_routes(app)
    return ws
