"""Mounting Teams on the bot's server: /api/messages, the document links, and the outbox's Teams sender."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase

from adapters.ports import AdapterContext, Secret
from adapters.teams.auth import Auth
from adapters.teams.config import TeamsSettings
from adapters.teams.connector import BotConnector, Graph
from adapters.teams.documents import PATH, DocumentRoute
from adapters.teams.endpoint import TeamsEndpoint
from adapters.teams.handler import OffboardAgent
from adapters.teams.ids import ROUTE
from adapters.teams.members import Membership
from adapters.teams.notices import Renderer
from adapters.teams.references import References
from adapters.teams.sender import TeamsSender

log = logging.getLogger(__name__)


@dataclass
class TeamsAdapter:
    """What mount() built, kept on the aiohttp app for the server's lifetime (and for tests)."""

    settings: TeamsSettings
    auth: Auth
    agent: OffboardAgent
    members: Membership
    references: References
    sender: TeamsSender
    documents: DocumentRoute


TEAMS: web.AppKey[TeamsAdapter] = web.AppKey("teams")


async def _turn_error(context: TurnContext, error: Exception) -> None:
    """A turn that failed (say, the database refused the write) is an error to Teams, not a silence."""
    log.error("Teams turn failed: %r", error, exc_info=error)
    raise error


def mount(app: web.Application, ctx: AdapterContext, settings: TeamsSettings, *,
          token_provider: AccessTokenProviderBase | None = None) -> TeamsAdapter:
    """Build the Teams adapter, register its sender, and route Teams' requests to it."""
    settings = replace(settings, link_secret=Secret(ctx.secret.decode()))
    settings.check_departments(d for c in ctx.checklists.values() for d in c.departments)
    for dept in settings.departments.values():
        if not dept.mentions:
            log.warning("Teams: [teams.departments.%s] has no tag or people: its hand-offs mention no one",
                        dept.department)
    auth = Auth(settings, token_provider)
    connector, graph = BotConnector(auth.tokens), Graph(settings.graph_url, auth.tokens)
    references = References(ctx.store, settings)
    members = Membership(settings, connector, graph)
    agent = OffboardAgent(ctx, settings, members, references, connector)
    cloud = CloudAdapter(connection_manager=auth.connections)
    cloud.on_turn_error = _turn_error
    sender = TeamsSender(connector, graph, references, settings, ctx.store,
                         Renderer(settings, ctx.documents.formats))
    ctx.register(sender)
    route = DocumentRoute(ctx.documents, settings)
    adapter = TeamsAdapter(settings, auth, agent, members, references, sender, route)
    app[TEAMS] = adapter
    app.router.add_post(ROUTE, TeamsEndpoint(cloud, agent, auth, settings).handle)
    app.router.add_get(PATH, route.handle)

    async def close(app: web.Application) -> AsyncIterator[None]:
        yield
        await connector.close()
        await graph.close()

    app.cleanup_ctx.append(close)
    return adapter
