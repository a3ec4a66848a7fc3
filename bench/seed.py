"""Open cases whose items the load will click, and the click plan: which button, on which card, by whom.

Cases are opened through the engine (so their rows, events and notices are the
real thing). Their cards and summaries are then "already posted": rendered by
the Slack adapter's own functions, recorded as the bot's message references
(``Store.put_message_ref``) and handed to the fake Web API as its preloaded
messages, so a click edits a card Slack shows, as in production.

Two kinds of case: *plain* ones, each of whose one-click items (done, yes, no:
no modal) is clicked once, in an order shuffled within blocks of 64 cases; and
*hand-off* ones, walked until one item is left in step one: clicking it
completes the step and hands off to the next department.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from adapters.slack.cards import card_message, needs_modal
from adapters.slack.config import SlackSettings, slack_settings
from adapters.slack.ids import SENDER, Act
from adapters.slack.messages import summary_message
from bench.walk import BENCH_ADMIN, header, walk
from bench.workspace import ADMINS
from bot.app import services
from bot.config import Config
from dialogs.actor import Actor
from dialogs.engine import Engine
from dialogs.present import CaseView
from storage.base import MessageRef, Store

ONE_CLICK = ("done", "yes", "no")
BLOCK = 64  # plain cases whose clicks are shuffled together
OPENER = Actor("slack", "U0ADMIN00", "u0admin00", frozenset({"admin"}))
Progress = Callable[[str], None]


class Seeder:
    """Opens the cases, posts their messages (as references), and writes the plan."""

    def __init__(self, engine: Engine, store: Store, settings: SlackSettings) -> None:
        self.engine, self.store, self.settings = engine, store, settings
        self.messages: dict[str, dict[str, Any]] = {}
        self._ts = 0

    async def open(self, n: int) -> str:
        """Open case n; its id."""
        checklist = self.engine.default_checklist
        out = await self.engine.open_case(f"Bench {n:06d}", header(checklist.header), OPENER)
        return str(out.case_id)

    async def post(self, view: CaseView) -> dict[str, str]:
        """Record the case's summary and reached step cards as posted; message key by ref key."""
        public = self.settings.public_url
        shown = {"summary": (self.settings.cases_channel, summary_message(view.summary(self.engine.today()),
                                                                           public))}
        for step in view.checklist.steps[: view.case.step_index + 1]:
            shown[f"card:{step.id}"] = (self.settings.channel_of(step.department),
                                        card_message(view.card(step.id), public))
        keys = {}
        for ref_key, (channel, message) in shown.items():
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
            await self.store.put_message_ref(MessageRef(SENDER, view.case.id, ref_key, channel, ts))
            keys[ref_key] = f"{channel}/{ts}"
            self.messages[keys[ref_key]] = {"channel": channel, "ts": ts, "text": message.text,
                                            "blocks": message.blocks}
        return keys

    def clicks(self, view: CaseView, message: str, *, only: str | None = None) -> list[dict[str, Any]]:
        """One click per one-click item of the case's current step (or just ``only``)."""
        step = view.checklist.steps[view.case.step_index]
        blocks = self.messages[message]["blocks"]
        out = []
        for n, item in enumerate(view.card(step.id).items):
            if item.status != "open" or (only and item.id != only):
                continue
            offered = [a for a in item.actions if a.action in ONE_CLICK and not needs_modal(a)]
            if not offered:
                continue
            action = offered[n % len(offered)]
            block = next(b for b in blocks if b.get("block_id") == f"act:{item.id}")
            pattern = Act.of(action.action).pattern()
            button = next(e for e in block["elements"] if pattern.match(e["action_id"]))
            out.append({"case_id": view.case.id, "client": view.case.client, "item_id": item.id,
                        "action": action.action, "message": message, "block_id": block["block_id"],
                        "button": button})
        return out


def last_item(view: CaseView) -> str:
    """The item a hand-off click ticks: the first plain task of step one."""
    step = view.checklist.steps[0]
    for item in view.card(step.id).items:
        if item.status == "open" and any(a.action == "done" and not a.inputs for a in item.actions):
            return item.id
    raise RuntimeError(f"step {step.id} has no one-click task to finish it with")


def order(plain: list[list[dict[str, Any]]], handoff: list[dict[str, Any]], share: float,
          seed: int = 11) -> list[dict[str, Any]]:
    """Plain clicks shuffled within blocks of cases; every 1/share-th click a hand-off click."""
    rng = random.Random(seed)
    shuffled: list[dict[str, Any]] = []
    for start in range(0, len(plain), BLOCK):
        chunk = [c for case in plain[start:start + BLOCK] for c in case]
        rng.shuffle(chunk)
        shuffled += chunk
    every = max(1, round(1 / share)) if share > 0 else 0
    out: list[dict[str, Any]] = []
    pending = list(handoff)
    for click in shuffled:
        if every and pending and len(out) % every == every - 1:
            out.append(pending.pop(0))
        out.append(click)
    return out + pending


async def seed_clicks(env: Mapping[str, str], clicks: int, share: float,
                      progress: Progress = lambda _: None) -> dict[str, Any]:
    """Open enough cases for ``clicks`` clicks in the database ``env`` names; the click plan."""
    config = Config.load(env)
    settings = slack_settings(config)
    assert settings is not None, "the bench's environment configures Slack"
    handoffs = math.ceil(clicks * share)
    async with services(config) as svc:
        seeder = Seeder(svc.engine, svc.store, settings)
        plain: list[list[dict[str, Any]]] = []
        n = 0
        while sum(len(c) for c in plain) < clicks - handoffs:
            view = await svc.engine.view(await seeder.open(n))
            plain.append(seeder.clicks(view, await _posted(seeder, view)))
            n += 1
            if n % 100 == 0:
                progress(f"opened {n} cases for clicks")
        handoff = []
        for _ in range(handoffs):
            case_id = await seeder.open(n)
            n += 1
            view = await svc.engine.view(case_id)
            last = last_item(view)
            view = await walk(svc.engine, case_id, skip={last}, actor=BENCH_ADMIN)
            handoff += [{**c, "kind": "handoff"} for c in seeder.clicks(view, await _posted(seeder, view),
                                                                        only=last)]
        plan = order(plain, handoff, share)[:clicks]
    for i, click in enumerate(plan):
        click.update(n=i, user=ADMINS[i % len(ADMINS)])
        click.setdefault("kind", "plain")
    return {"messages": seeder.messages, "clicks": plan, "cases": n}


async def _posted(seeder: Seeder, view: CaseView) -> str:
    """Post the case's messages; the key of its current step's card."""
    keys = await seeder.post(view)
    return keys[f"card:{view.checklist.steps[view.case.step_index].id}"]
