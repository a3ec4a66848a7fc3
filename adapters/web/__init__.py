"""The local web workspace and the managers' dashboard, served by the bot's aiohttp server.

With no Slack or Teams credentials this is the whole product in a browser;
in production the same pages are the managers' dashboard.
"""

from __future__ import annotations

from aiohttp import web

from adapters.ports import AdapterContext
from adapters.web.identity import personas
from adapters.web.live import Broadcaster, live_feed
from adapters.web.routes import WORKSPACE, Workspace, add_routes, require_token


def mount(app: web.Application, ctx: AdapterContext) -> Workspace:
    """Add the workspace's routes and its live updates to the app."""
    broadcaster = Broadcaster()
    ws = Workspace(ctx, broadcaster, ctx.settings.web_token or None, personas(ctx.checklists),
                   ctx.documents.formats)
    app[WORKSPACE] = ws
    app.middlewares.append(require_token)
    app.cleanup_ctx.append(live_feed(ctx.store, broadcaster))
    add_routes(app)
    return ws
