"""The local web workspace and the managers' dashboard, served by the bot's aiohttp server.

With no Slack or Teams credentials this is the whole product in a browser;
served (off the loopback, or behind OFFBOARD_PUBLIC_URL) the same pages are
the managers' dashboard: read-only, or each person signed in as themselves.
"""

from __future__ import annotations

from aiohttp import web

from adapters.ports import AdapterContext
from adapters.web.access import access
from adapters.web.guard import allowed_hosts
from adapters.web.identity import personas
from adapters.web.live import Broadcaster, live_feed
from adapters.web.routes import add_routes
from adapters.web.session import Signer
from adapters.web.settings import web_settings
from adapters.web.workspace import WORKSPACE, Workspace


def mount(app: web.Application, ctx: AdapterContext) -> Workspace:
    """Add the workspace's routes, its guards (for the whole server) and its live updates to the app."""
    settings = web_settings(ctx.settings)
    broadcaster = Broadcaster(settings.live_total, settings.live_per_client, settings.live_idle)
    ws = Workspace(ctx, settings, Signer(ctx.secret), broadcaster, personas(ctx.checklists),
                   ctx.documents.formats)
    app[WORKSPACE] = ws
    app.middlewares.append(allowed_hosts(settings))  # every path: Slack's and /healthz too
    app.middlewares.append(access)
    app.cleanup_ctx.append(live_feed(ctx.store, broadcaster))
    add_routes(app)
    return ws
