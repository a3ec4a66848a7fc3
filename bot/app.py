"""The composition root: store, engine, dispatcher and the aiohttp server, wired once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from bot.config import Config, ConfigError
from bot.documents import Documents
from bot.outbox import Dispatcher
from dialogs.checklist import Checklist, load_checklist
from dialogs.engine import Engine
from storage.sqlite import SQLiteStore

log = logging.getLogger(__name__)

@dataclass
class Services:
    """What every adapter shares."""

    config: Config
    store: SQLiteStore
    engine: Engine
    dispatcher: Dispatcher
    checklists: dict[str, Checklist]
    documents: Documents
    stop: asyncio.Event = field(default_factory=asyncio.Event)


SERVICES: web.AppKey[Services] = web.AppKey("services")
SHUTDOWN_GRACE = 5.0
"""Seconds requests in flight get to finish once the server is told to stop."""


def load_checklists(config: Config) -> dict[str, Checklist]:
    """Every configured checklist, validated; the first one is the default."""
    out: dict[str, Checklist] = {}
    for path in config.checklists:
        checklist = load_checklist(path)
        if checklist.id in out:
            raise ConfigError(f"two checklists have the id {checklist.id!r} ({path})")
        out[checklist.id] = checklist
    return out


@contextlib.asynccontextmanager
async def services(config: Config) -> AsyncIterator[Services]:
    """Open the store and build the engine and dispatcher; close them cleanly afterwards."""
    checklists = load_checklists(config)
    store = SQLiteStore(config.database)
    await store.open()
    try:
        engine = Engine(store, checklists, tz=config.tz, phone_region=config.phone_region)
        dispatcher = Dispatcher(store)
        documents = Documents(engine, company=config.company, templates=config.templates,
                              render_timeout=config.render_timeout)
        yield Services(config, store, engine, dispatcher, checklists, documents)
    finally:
        await store.close()


async def healthz(request: web.Request) -> web.Response:
    """Liveness and a quick look at the store."""
    svc = request.app[SERVICES]
    cases = await svc.store.list_cases("open")
    return web.json_response({"status": "ok", "open_cases": len(cases),
                              "checklists": sorted(svc.checklists)})


def build_app(svc: Services) -> web.Application:
    """The aiohttp application every adapter mounts on."""
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = svc
    app.router.add_get("/healthz", healthz)
    # Adapters import bot.app (Services, SERVICES), so they are imported here, not at the top.
    from adapters.slack import mount as mount_slack
    from adapters.slack import slack_settings
    from adapters.web import mount as mount_web

    mount_web(app, svc, svc.config.web_token)
    slack = slack_settings(svc.config)  # None unless SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set
    if slack is not None:
        mount_slack(app, svc, slack)

    async def run_dispatcher(app: web.Application) -> AsyncIterator[None]:
        await svc.dispatcher.start()
        task = asyncio.create_task(svc.dispatcher.run(svc.stop))
        yield
        svc.stop.set()
        await task

    app.cleanup_ctx.append(run_dispatcher)
    return app


async def serve(config: Config) -> None:
    """Run the server until interrupted; the store is closed cleanly on the way out."""
    async with services(config) as svc:
        app = build_app(svc)
        # Our own handlers, not aiohttp's: its handle_signals raises GracefulExit (a SystemExit
        # with code 1) out of the event loop, so Ctrl-C exited 1 and tasks were cancelled mid-write.
        # Here SIGINT/SIGTERM set svc.stop, which long-lived handlers (live streams) and the
        # dispatcher watch, and the server winds down in order; a request still running after
        # SHUTDOWN_GRACE seconds is cancelled (its write transaction rolls back).
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. Windows: KeyboardInterrupt
                loop.add_signal_handler(sig, svc.stop.set)
                installed.append(sig)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE)
        try:
            await runner.setup()
            site = web.TCPSite(runner, config.host, config.port)
            await site.start()
            log.info("offboard listening on http://%s:%d (database %s)", config.host, config.port,
                     config.database)
            print(f"offboard is running on http://{config.host}:{config.port}/ — Ctrl-C stops it.",
                  flush=True)
            await svc.stop.wait()
            log.info("offboard stopping")
        finally:
            await runner.cleanup()
            for sig in installed:
                loop.remove_signal_handler(sig)
