"""Ten thousand open cases and a hundred thousand closed ones, for the reads.

Opening 110,000 cases one engine command at a time would take most of an hour,
so the engine works a handful of *template* cases in a scratch database (just
opened, part of step one done, handed off to step two, completed, cancelled)
and each case of the population is a copy of one, written with the store API
(``insert_case``, ``put_item``, ``append_event``, ``put_summary`` in write
transactions of 100 cases): real rows as the engine makes them, under new ids,
client names and dates; each copy's summary row is worked out from its items as
the engine's Settler does. Open cases carry their template's whole audit trail; closed ones their
items' final states and their opening and closing events only (a full trail
for each would triple the seeding time and no read measured here looks at it).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.walk import BENCH_ADMIN, header, walk
from bot.app import load_checklists, services
from bot.config import Config
from dialogs.checklist import Checklist
from dialogs.engine import Engine
from dialogs.present import CaseView
from dialogs.summaries import summary_record
from dialogs.values import client_key
from storage.base import CaseRecord, EventRecord, ItemRecord, Store, WriteTx
from storage.sqlite import SQLiteStore

BATCH = 100
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Template:
    """A case the engine worked, to copy."""

    case: CaseRecord
    items: dict[str, ItemRecord]
    events: list[EventRecord]
    step_started_at: datetime | None = None


async def templates(config: Config) -> dict[str, Template]:
    """The engine's template cases, made in a scratch SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "templates.db")
        async with store:
            engine = Engine(store, load_checklists(config), tz=config.tz)
            made: dict[str, str] = {}
            head = header(engine.default_checklist.header)
            for kind, presses in (("fresh", 0), ("partial", 6), ("step two", None), ("completed", None),
                                  ("cancelled", 4)):
                out = await engine.open_case(f"Template {kind}", head, BENCH_ADMIN)
                case_id = str(out.case_id)
                if kind == "step two":
                    while (await engine.view(case_id)).case.step_index == 0:
                        await walk(engine, case_id, presses=1)
                elif presses != 0:
                    await walk(engine, case_id, presses=presses)
                if kind == "cancelled":
                    await engine.cancel_case(case_id, "The client stayed after all", BENCH_ADMIN)
                made[kind] = case_id
            out_templates = {}
            started = {r.case_id: r.step_started_at for r in await store.list_summaries(limit=100)}
            for kind, case_id in made.items():
                case = await store.get_case(case_id)
                assert case is not None
                out_templates[kind] = Template(case, await store.get_items(case_id),
                                               await store.get_events(case_id), started.get(case_id))
    return out_templates


def copy(t: Template, n: int, opened_at: datetime, closed: bool) -> tuple[CaseRecord, list[ItemRecord],
                                                                          list[EventRecord]]:
    """Template ``t`` as case n, opened at ``opened_at`` (everything else shifted with it)."""
    shift = opened_at - t.case.opened_at
    client = f"Client {n:06d}"
    stop = (opened_at + timedelta(days=45)).date().isoformat()
    case = replace(t.case, id=f"c{n:010x}", client=client, client_key=client_key(client),
                   header={**t.case.header, "stop_date": stop, "opened_on": opened_at.date().isoformat()},
                   opened_at=opened_at, closed_at=t.case.closed_at and t.case.closed_at + shift)
    items = [replace(i, case_id=case.id, updated_at=i.updated_at and i.updated_at + shift)
             for i in t.items.values()]
    events = t.events if not closed else [t.events[0], t.events[-1]]
    copied = [replace(e, id=None, case_id=case.id, at=e.at + shift,
                      new={**e.new, "client": client} if e.kind == "case_opened" else e.new) for e in events]
    return case, items, copied


async def _write(tx: WriteTx, checklist: Checklist, t: Template, copied: tuple[CaseRecord, list[ItemRecord],
                 list[EventRecord]]) -> None:
    case, items, events = copied
    await tx.insert_case(case)
    await asyncio.gather(*(tx.put_item(i) for i in items))
    for event in events:  # in order: the audit trail is read by id
        await tx.append_event(event)
    summary = CaseView(checklist, case, {i.item_id: i for i in items}).summary()
    started = t.step_started_at and t.step_started_at + (case.opened_at - t.case.opened_at)
    await tx.put_summary(summary_record(case, summary, started or case.opened_at))


async def populate(store: Store, checklist: Checklist, found: Mapping[str, Template], open_cases: int,
                   closed_cases: int, progress: Progress = lambda _: None) -> None:
    """Write the closed cases (older) and then the open ones (the last 90 days)."""
    now = datetime.now(UTC).replace(microsecond=0)
    open_kinds = [found["fresh"], found["partial"], found["partial"], found["step two"]]
    closed_kinds = [found["completed"]] * 4 + [found["cancelled"]]
    total, started = open_cases + closed_cases, time.monotonic()
    for start in range(0, total, BATCH):
        async with store.write() as tx:
            for n in range(start, min(start + BATCH, total)):
                if n < closed_cases:
                    opened = now - timedelta(days=90, minutes=(closed_cases - n) * 30)
                    t = closed_kinds[n % len(closed_kinds)]
                    await _write(tx, checklist, t, copy(t, n, opened, True))
                else:
                    opened = now - timedelta(minutes=(total - n) * 90 * 24 * 60 // max(open_cases, 1))
                    t = open_kinds[n % len(open_kinds)]
                    await _write(tx, checklist, t, copy(t, n, opened, False))
        done = min(start + BATCH, total)
        if done % max(total // 20, BATCH) < BATCH:
            left = (time.monotonic() - started) / done * (total - done)
            progress(f"population: {done:,} of {total:,} cases written, about {left:.0f} s to go")


async def seed_population(env: Mapping[str, str], open_cases: int, closed_cases: int,
                          progress: Progress = lambda _: None) -> None:
    """The reads' database: ``open_cases`` open and ``closed_cases`` closed cases where ``env`` says."""
    config = Config.load(env)
    found = await templates(config)
    async with services(config) as svc:
        await populate(svc.store, svc.engine.default_checklist, found, open_cases, closed_cases, progress)
