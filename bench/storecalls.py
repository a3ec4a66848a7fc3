"""Single store and engine calls, timed on the database a click run left behind.

py-spy sees the SQLite thread busy but not which statement keeps it busy (the
caller waits on another thread); so with ``--profile`` the calls a click and a
dispatcher round make are also timed one by one, in-process, on a copy of the
database as the lowest rate left it (backlog and all), after its server stopped.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.app import services
from bot.config import Config

Call = Callable[[], Awaitable[object]]


async def timed(call: Call, times: int = 5, budget: float = 2.0) -> dict[str, Any]:
    """Median and max in ms of up to ``times`` runs (no more once they took ``budget`` s in all)."""
    samples: list[float] = []
    while len(samples) < times and sum(samples) < budget * 1000:
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2),
            "n": len(samples)}


async def store_calls(env: Mapping[str, str], case_id: str) -> dict[str, dict[str, Any]]:
    """What each call costs on this database (one case for the per-case ones)."""
    config = Config.load(env)
    out: dict[str, dict[str, Any]] = {}
    async with services(config) as svc:
        store, engine = svc.store, svc.engine
        view = await engine.view(case_id)
        step = view.checklist.steps[view.case.step_index].id

        async def as_notice_json() -> object:
            return json.dumps(view.card(step).to_json())

        async def claim() -> object:
            # A lease that ends at once: the next timing finds the same heads again.
            now = datetime.now(UTC)
            return await store.claim("slack", "bench", now, now, limit=50)

        calls: dict[str, Call] = {
            "store.load_case(case)": lambda: store.load_case(case_id),
            "engine.view(case)": lambda: engine.view(case_id),
            "view.card(step) + to_json + json.dumps": as_notice_json,
            "store.claim('slack') (a dispatcher round's claim, in a write transaction)": claim,
            "store.next_due_at('slack') (after every round)": lambda: store.next_due_at("slack"),
            "store.notices('dept:admin') (a channel's history)": lambda: store.notices("dept:admin"),
            "store.list_cases('open')": lambda: store.list_cases("open"),
        }
        for name, call in calls.items():
            out[name] = await timed(call)
    return out


def render(calls: Mapping[str, Mapping[str, Any]]) -> str:
    """The timings as lines of text."""
    return "\n".join(f"  {c['median_ms']:9.2f} ms median, {c['max_ms']:9.2f} max (n={c['n']})  {name}"
                     for name, c in calls.items())
