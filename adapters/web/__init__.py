"""The local web workspace and the managers' dashboard, served by the bot's aiohttp server.

With no Slack or Teams credentials this is the whole product in a browser;
served (off the loopback, or behind OFFBOARD_PUBLIC_URL) the same pages are
the managers' dashboard: read-only, or each person signed in as themselves.
"""

from __future__ import annotations

from aiohttp import web

from adapters.web.access import access
from adapters.web.guard import allowed_hosts
from adapters.web.identity import personas
from adapters.web.live import Broadcaster, WebSender
from adapters.web.pages import document_formats
from adapters.web.routes import add_routes
from adapters.web.session import Signer
from adapters.web.settings import web_settings
from adapters.web.workspace import WORKSPACE, Workspace
from bot.app import Services
from bot.config import secret_key


def mount(app: web.Application, svc: Services) -> Workspace:
    """Add the workspace's routes, its guards (for the whole server) and its live sender to the app."""
    settings = web_settings(svc.config)
    broadcaster = Broadcaster(settings.live_total, settings.live_per_client, settings.live_idle)
    ws = Workspace(svc, settings, Signer(secret_key(svc.config)), broadcaster, personas(svc.checklists),
                   document_formats())
    app[WORKSPACE] = ws
    app.middlewares.append(allowed_hosts(settings))  # every path: Slack's and /healthz too
    app.middlewares.append(access)
    svc.dispatcher.senders[WebSender.name] = WebSender(broadcaster)
    add_routes(app)
    return ws
