"""The bolt AsyncApp, every route wired in one ``configure()``, and mounting it on the server.

HTTP mode: POST /slack/events on the bot's aiohttp server, behind SlackEndpoint's
checks. Socket Mode (SLACK_APP_TOKEN set): the same bolt app, connected out
over a WebSocket when the server starts.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ports import AdapterContext
from adapters.slack.config import SlackSettings
from adapters.slack.handlers import CaseListeners
from adapters.slack.http import SlackEndpoint
from adapters.slack.ids import COMMAND, ITEM_ACTS, ROUTE, Modal
from adapters.slack.items import CLICK, ItemListeners
from adapters.slack.members import Membership
from adapters.slack.payloads import dumps
from adapters.slack.sender import SlackSender

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://slack.com/api/"
SLACK_TIMEOUT = 30  # seconds for one Web API call (slack_sdk's own default)


@dataclass
class SlackAdapter:
    """What mount() built, kept on the aiohttp app for the server's lifetime (and for tests)."""

    settings: SlackSettings
    bolt: AsyncApp
    members: Membership
    sender: SlackSender


SLACK: web.AppKey[SlackAdapter] = web.AppKey("slack")


def web_client(settings: SlackSettings, *, retries: bool, token: str | None = "") -> AsyncWebClient:
    """A Web API client for SLACK_API_URL (normalized with its trailing '/').

    retries=True (listeners): retry a 429 or a failed connect once, inside the call.
    retries=False (the outbox sender): no retry inside the call; the dispatcher's
    durable retry decides, so a post in doubt is looked up before it is repeated.
    """
    handlers = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    return AsyncWebClient(token=settings.bot_token if token == "" else token,
                          base_url=settings.api_url or DEFAULT_API_URL,
                          retry_handlers=handlers if retries else [])


class BotIdentity:
    """Who the bot is (auth.test), asked once: at startup when Slack answers, else on first use.

    bolt's default asks on the first request, in front of the first listener and its
    3-second trigger_id; asking at startup keeps that round trip out of people's way.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.result: AuthorizeResult | None = None

        async def authorize() -> AuthorizeResult:  # a plain function: bolt injects by parameter name
            if self.result is None:
                resp = await self.client.auth_test()
                self.result = AuthorizeResult.from_auth_test_response(
                    auth_test_response=resp, bot_token=self.client.token)
            return self.result

        self.authorize = authorize

    async def warm(self, app: web.Application) -> AsyncIterator[None]:
        """An aiohttp cleanup context: ask at startup, but do not refuse to start over it."""
        try:
            await self.authorize()
        except Exception as exc:  # Slack down at startup: the first request asks again
            log.warning("Slack auth.test failed at startup (%s); will retry on the first request", exc)
        yield


def configure(app: AsyncApp, cases: CaseListeners, items: ItemListeners) -> None:
    """Every Slack route, in one place."""
    app.command(COMMAND)(cases.command)
    app.view(Modal.OPEN_CASE.value)(cases.open_submitted)
    app.view(Modal.CANCEL_CASE.value)(cases.cancel_submitted)
    app.view(Modal.REOPEN_CASE.value)(cases.reopen_submitted)
    app.view(Modal.CHANGE_DATE.value)(cases.date_submitted)
    app.event("app_home_opened")(cases.home_opened)
    for act in ITEM_ACTS:
        app.action(act.pattern())(items.item_action)
    app.view(Modal.ITEM.value)(items.item_submitted)
    app.view(Modal.CONFIRM_SAVE.value)(items.confirm_submitted)


def mount(app: web.Application, ctx: AdapterContext, settings: SlackSettings) -> SlackAdapter:
    """Build the Slack adapter, register its sender, and route Slack's requests to it."""
    settings.check_departments(d for c in ctx.checklists.values() for d in c.departments)
    client = web_client(settings, retries=True)
    members = Membership(client, settings)
    identity = BotIdentity(client)
    # bolt's own client carries no token: each request's copy gets the one authorize() returns.
    bolt = AsyncApp(client=web_client(settings, retries=True, token=None), authorize=identity.authorize,
                    signing_secret=settings.signing_secret, process_before_response=True, name="offboard")
    items = ItemListeners(ctx, settings, members)
    configure(bolt, CaseListeners(ctx, settings, members), items)
    ctx.handle(CLICK, items.apply_click)
    sender = SlackSender(web_client(settings, retries=False), settings, ctx.store, ctx.documents)
    ctx.register(sender)
    adapter = SlackAdapter(settings, bolt, members, sender)
    app[SLACK] = adapter
    app.cleanup_ctx.append(_shared_session(client, bolt.client, sender.client))
    app.cleanup_ctx.append(identity.warm)
    if settings.socket_mode:
        if ctx.serving:  # a worker process applies and sends; only the server connects
            app.cleanup_ctx.append(_socket_mode(adapter))
    else:
        app.router.add_post(ROUTE, SlackEndpoint(bolt, settings.signing_secret, keep=items.keep).handle)
    return adapter


def _shared_session(*clients: AsyncWebClient) -> Callable[[web.Application], AsyncIterator[None]]:
    """One aiohttp session for every Web API client while the server runs (an aiohttp cleanup context).

    Without one, slack_sdk opens a session, and a connection (TLS to slack.com), per call: the
    outbox's sends and every listener's views.open paid a connect each (docs/BENCHMARKS.md).
    bolt's per-request clients take the session of its client. JSON bodies (chat.postMessage,
    chat.update: a card's blocks) are written with orjson."""
    async def share(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT),
                                        json_serialize=dumps)
        for client in clients:
            client.session = session
        try:
            yield
        finally:
            for client in clients:
                client.session = None
            await session.close()

    return share


def _socket_mode(adapter: SlackAdapter) -> Callable[[web.Application], AsyncIterator[None]]:
    async def connect(app: web.Application) -> AsyncIterator[None]:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(adapter.bolt, str(adapter.settings.app_token),
                                         web_client=web_client(adapter.settings, retries=True))
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack: connected through Socket Mode")
        try:
            yield
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]

    return connect
