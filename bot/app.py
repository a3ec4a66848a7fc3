"""The composition root: store, engine, dispatcher, scheduler and the aiohttp server, wired once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from aiohttp import web

from adapters import slack as slack_adapter
from adapters import teams as teams_adapter
from adapters import web as web_workspace
from adapters.ports import AdapterContext
from bot.access_log import AccessLogger
from bot.config import Config, ConfigError, secret_key
from bot.documents import Documents
from bot.inbox import Worker
from bot.outbox import Dispatcher
from bot.scheduler import Scheduler
from bot.workers import (
    STANDALONE_WORKER_POLL,
    WORKER_DELIVERY_POLL,
    WORKER_POLL,
    WorkerProcesses,
)
from bot.workers import wake_on_stdin as wake_on_stdin_pipe
from dialogs.checklist import Checklist
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.reminders import Reminders
from storage.base import Store
from storage.locations import describe
from storage.registry import store_for

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the composition root wires once: the store, the engine, delivery and documents."""

    config: Config
    store: Store
    engine: Engine
    dispatcher: Dispatcher
    checklists: dict[str, Checklist]
    documents: Documents
    inbox: Worker
    scheduler: Scheduler | None = None  # None: reminders are off ([reminders] enabled = false)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def adapter_context(self, serving: bool = True) -> AdapterContext:
        """The seam every adapter is given (adapters never see Services itself)."""
        return AdapterContext(engine=self.engine, store=self.store, documents=self.documents,
                              settings=self.config, secret=secret_key(self.config),
                              wake=self.dispatcher.wake, register=self.dispatcher.add,
                              receive=self.inbox.receive, handle=self.inbox.on, stop=self.stop,
                              serving=serving)


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
    store = store_for(config.database)  # a path is SQLite; postgresql://... is PostgreSQL
    await store.open()
    try:
        engine = Engine(store, checklists, tz=config.tz, phone_region=config.phone_region,
                        viewers=config.viewers, timing=config.timing)
        if backfilled := await engine.backfill_summaries():  # cases kept before summary rows were
            log.info("kept a summary row for %d case(s) that had none", backfilled)
        dispatcher = Dispatcher(store, lease=config.outbox_lease,
                                retention=timedelta(days=config.retention_days))
        scheduler = None
        if config.timing is not None:
            scheduler = Scheduler(store, Reminders(engine, config.timing), lease=config.outbox_lease,
                                  owner=dispatcher.owner, wake=dispatcher.wake)
        documents = Documents(engine, company=config.company, templates=config.templates,
                              render_timeout=config.render_timeout)
        inbox = Worker(store, owner=dispatcher.owner, lease=config.outbox_lease)
        yield Services(config, store, engine, dispatcher, checklists, documents, inbox, scheduler)
    finally:
        await store.close()


async def healthz(request: web.Request) -> web.Response:
    """Liveness and a quick look at the store."""
    svc = request.app[SERVICES]
    return web.json_response({"status": "ok", "open_cases": await svc.store.count_cases("open"),
                              "checklists": sorted(svc.checklists)})


class Role(StrEnum):
    """What a process of the bot does."""

    ALL = "all"  # answers the platforms and does the work behind them (the default: one process)
    SERVER = "server"  # only answers: what it keeps in the inbox and its notices are left to workers
    WORKER = "worker"  # only works: applies kept requests, delivers notices, sends reminders


def build_app(svc: Services, role: Role = Role.ALL) -> web.Application:
    """The aiohttp application every adapter mounts on, with the background work this role runs."""
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = svc
    app.router.add_get("/healthz", healthz)
    ctx = svc.adapter_context(serving=role != Role.WORKER)
    web_workspace.mount(app, ctx)
    # None unless SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set.
    slack_config = slack_adapter.slack_settings(ctx.settings)
    if slack_config is not None:
        slack_adapter.mount(app, ctx, slack_config)
    # None unless Teams credentials (or OFFBOARD_TEAMS_LOCAL=1) and a [teams] table are set.
    teams_config = teams_adapter.teams_settings(ctx.settings)
    if teams_config is not None:
        teams_adapter.mount(app, ctx, teams_config)
    if role == Role.SERVER:
        async def register_senders(app: web.Application) -> AsyncIterator[None]:
            await svc.dispatcher.start()  # what this process writes gets its deliveries, for the workers
            yield

        app.cleanup_ctx.append(register_senders)
        return app

    async def run_dispatcher(app: web.Application) -> AsyncIterator[None]:
        await svc.dispatcher.start()
        task = asyncio.create_task(svc.dispatcher.run(svc.stop))
        yield
        svc.stop.set()
        await task

    app.cleanup_ctx.append(run_dispatcher)

    async def run_inbox(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(svc.inbox.run(svc.stop))
        yield
        svc.stop.set()
        await task

    app.cleanup_ctx.append(run_inbox)
    if svc.scheduler is not None:
        scheduler = svc.scheduler

        async def run_scheduler(app: web.Application) -> AsyncIterator[None]:
            await scheduler.start()
            task = asyncio.create_task(scheduler.run(svc.stop))
            yield
            svc.stop.set()
            await task

        app.cleanup_ctx.append(run_scheduler)
    return app


@contextlib.contextmanager
def stopped_by_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` while inside.

    Our own handlers, not aiohttp's: its handle_signals raises GracefulExit (a SystemExit
    with code 1) out of the event loop, so Ctrl-C exited 1 and tasks were cancelled mid-write.
    Here they set the event, which long-lived handlers (live streams), the dispatcher and the
    inbox watch, and the process winds down in order."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. Windows: KeyboardInterrupt
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def serve(config: Config, workers: int = 0) -> None:
    """Run the server until interrupted; the store is closed cleanly on the way out.

    ``workers`` > 0: this process only answers, and that many worker processes (bot.workers),
    started and restarted here, apply what it keeps and deliver the notices."""
    async with services(config) as svc:
        app = build_app(svc, Role.SERVER if workers else Role.ALL)
        # A request still running SHUTDOWN_GRACE seconds after the stop is cancelled (its write
        # transaction rolls back).
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE,
                               access_log_class=AccessLogger)  # never logs a ?token=
        # The workers stop after the server has stopped answering: what it kept last is still applied.
        with stopped_by_signals(svc.stop):
            async with WorkerProcesses(workers) as processes:
                svc.inbox.wakes.append(processes.wake)
                try:
                    await runner.setup()
                    site = web.TCPSite(runner, config.host, config.port)
                    await site.start()
                    log.info("offboard listening on http://%s:%d (database %s)", config.host, config.port,
                             describe(config.database))
                    print(f"offboard is running on http://{config.host}:{config.port}/ — Ctrl-C stops it.",
                          flush=True)
                    await svc.stop.wait()
                    log.info("offboard stopping")
                finally:
                    await runner.cleanup()


async def work(config: Config, wake_on_stdin: bool = False) -> None:
    """A worker process: apply kept requests, deliver notices and send reminders until told to stop
    (``wake_on_stdin``: the server that started it wakes it through the pipe, bot.workers)."""
    async with services(config) as svc:
        # The server keeps requests where this process cannot hear it: it is woken through the pipe,
        # else it looks often.
        svc.inbox.poll_interval = WORKER_POLL if wake_on_stdin else STANDALONE_WORKER_POLL
        svc.dispatcher.poll_interval = min(svc.dispatcher.poll_interval, WORKER_DELIVERY_POLL)
        runner = web.AppRunner(build_app(svc, Role.WORKER), handle_signals=False)
        piped: asyncio.Task[None] | None = None
        with stopped_by_signals(svc.stop):
            try:
                await runner.setup()  # starts the work; no site: this process serves nothing
                if wake_on_stdin:
                    piped = asyncio.create_task(wake_on_stdin_pipe(svc.inbox.wake, svc.stop))
                log.info("offboard worker running (database %s)", describe(config.database))
                await svc.stop.wait()
            finally:
                if piped is not None:
                    piped.cancel()
                await runner.cleanup()
