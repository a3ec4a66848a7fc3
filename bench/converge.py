"""Does every card at the fake show what the database holds? And when did each hand-off reach Slack?

For every case the load clicked, the checker renders what its summary and the
cards of its reached steps should show *now*, with the Slack adapter's own
functions over the stored state, and compares that with the last blocks the fake
received for the message the bot recorded. A case is re-rendered only when its
stored items changed since the last look, so polling stays cheap.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from adapters.slack.cards import card_message
from adapters.slack.config import SlackSettings
from adapters.slack.ids import SENDER
from adapters.slack.messages import summary_message
from bench.fake import digest
from bench.stats import latency_summary
from dialogs.engine import Engine
from storage.base import Store

_HANDOFF_CLIENT = re.compile(r"(Bench \d{6}):")


@dataclass
class Look:
    """One comparison of the fake with the database."""

    checked: int = 0
    stale: list[str] = field(default_factory=list)
    latest_change: float = 0.0
    applied: int = 0


class Checker:
    """Compares the fake's messages with the stored state of the clicked cases."""

    def __init__(self, engine: Engine, store: Store, settings: SlackSettings,
                 clicks: list[dict[str, Any]]) -> None:
        self.engine, self.store, self.settings = engine, store, settings
        self.clicked: dict[str, set[str]] = {}
        for click in clicks:
            self.clicked.setdefault(click["case_id"], set()).add(click["item_id"])
        self.clicks = len(clicks)
        self._seen: dict[str, tuple[Any, dict[str, str], int]] = {}

    async def _wanted(self, case_id: str) -> tuple[dict[str, str], int]:
        """Message key (channel/ts, or "missing ...") -> digest of what it should show; clicks applied."""
        items = await self.store.get_items(case_id)
        case = await self.store.get_case(case_id)
        stamp = (case and case.version, tuple((i.item_id, i.version, i.status) for i in items.values()))
        seen = self._seen.get(case_id)
        if seen is not None and seen[0] == stamp and not any(k.startswith("missing") for k in seen[1]):
            return seen[1], seen[2]
        view = await self.engine.view(case_id)
        public = self.settings.public_url
        should = {"summary": summary_message(view.summary(self.engine.today()), public).blocks}
        for step in view.checklist.steps[: view.case.step_index + 1]:
            should[f"card:{step.id}"] = card_message(view.card(step.id), public).blocks
        refs = {r.ref_key: r for r in await self.store.message_refs(case_id) if r.sender == SENDER}
        wanted = {}
        for ref_key, blocks in should.items():
            ref = refs.get(ref_key)
            key = f"{ref.channel}/{ref.message_id}" if ref else f"missing {case_id} {ref_key}"
            wanted[key] = digest(blocks)
        applied = sum(1 for i in self.clicked[case_id] if items[i].status == "done")
        self._seen[case_id] = (stamp, wanted, applied)
        return wanted, applied

    async def look(self, messages: dict[str, list[Any]]) -> Look:
        """Compare once: which messages are stale, when the matching ones last changed."""
        look = Look()
        for case_id in self.clicked:
            wanted, applied = await self._wanted(case_id)
            look.applied += applied
            for key, want in wanted.items():
                look.checked += 1
                have = messages.get(key)
                if have is None or have[0] != want:
                    look.stale.append(key)
                else:
                    look.latest_change = max(look.latest_change, have[1])
        return look


def settled(look: Look, clicks: int) -> bool:
    """Every click stored, and every message as stored (unchanged cards "match" an unchanged database)."""
    return not look.stale and look.applied >= clicks


async def fake_state(session: aiohttp.ClientSession, fake_url: str) -> dict[str, Any]:
    """GET /bench/state."""
    async with session.get(f"{fake_url}/bench/state") as resp:
        state: dict[str, Any] = await resp.json()
        return state


async def converge(checker: Checker, fake_url: str, last_click: float, give_up: float,
                   every: float = 0.5) -> tuple[dict[str, Any], dict[str, Any]]:
    """Poll until every click is stored and every message matches, or ``give_up`` (wall time).

    Both, because a server still working through its queue has stored nothing yet,
    and its cards then "match" the unchanged database. The figures, and the fake's state.
    """
    async with aiohttp.ClientSession() as session:
        while True:
            state = await fake_state(session, fake_url)
            look = await checker.look(state["messages"])
            done = settled(look, checker.clicks)
            if done or time.time() >= give_up:
                break
            await asyncio.sleep(every)
    figures = {"messages_checked": look.checked, "stale": len(look.stale), "applied": look.applied,
               "converged_s": round(max(0.0, look.latest_change - last_click), 2) if done else None,
               "gave_up_after_s": None if done else round(give_up - last_click, 1),
               "calls": state["calls"]}
    return figures, state


def handoff_latency(clicks: list[dict[str, Any]], scheduled: dict[int, float],
                    handoffs: list[list[Any]]) -> dict[str, Any]:
    """Click completing a step -> the hand-off post at the fake, per hand-off click sent."""
    arrived: dict[str, float] = {}
    for at, text in handoffs:
        found = _HANDOFF_CLIENT.search(text)
        if found and found.group(1) not in arrived:
            arrived[found.group(1)] = at
    latencies: list[float | None] = []
    for click in clicks:
        if click["kind"] == "handoff" and click["n"] in scheduled:
            at = arrived.get(click["client"])
            latencies.append(None if at is None else max(0.0, at - scheduled[click["n"]]))
    return {"handoffs": len(latencies), "missing": sum(1 for x in latencies if x is None),
            **latency_summary(latencies)}
