"""The click tiers: the bot at each rate, then the bare bolt apps at the same rate, side by side.

Each bot tier gets a fresh server on its own copy of the seeded database and a
fake reset to the seeded messages, so one tier's backlog never slows the next.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from adapters.slack.config import slack_settings
from bench.converge import Checker, converge, handoff_latency
from bench.payloads import SIGNING_SECRET
from bench.procs import Proc, free_port, start_bare
from bench.profile import Profiler
from bench.run import Run, warm
from bench.stats import load_summary, ratio
from bench.storecalls import store_calls
from bench.workspace import bot_env
from bot.app import services
from bot.config import Config

BARE_MODES = (("default", False), ("process_before_response", True))


async def reset_fake(fake_url: str, messages: list[dict[str, Any]] | None = None) -> None:
    """The fake back to the seeded messages (or these from now on), nothing recorded."""
    body = {"messages": messages} if messages is not None else None
    async with aiohttp.ClientSession() as session, session.post(f"{fake_url}/bench/reset", json=body) as resp:
        await resp.read()


async def bot_tier(run: Run, rate: int, *, profiled: bool = False,
                   time_calls: bool = False) -> dict[str, Any]:
    """The real server at one rate: ack latency, hand-offs, convergence, peak RSS (and py-spy's view)."""
    name = f"bot-{rate}" + ("-profiled" if profiled else "")
    count = int(rate * run.options.duration)
    clicks = run.plan["clicks"][:count]
    folder, database = run.fresh_clicks_db(name)
    await reset_fake(run.fake_url)
    proc, url = await run.start_bot(name, folder, database)
    profiler = None
    try:
        config = Config.load(bot_env(folder, database))
        settings = slack_settings(config)
        assert settings is not None
        async with services(config) as svc:
            checker = Checker(svc.engine, svc.store, settings, clicks)
            if profiled:
                profiler = await Profiler.start(proc.pid, run.options.profile / f"{name}.txt")
            run.say(f"{name}: {count:,} clicks at {rate}/s")
            cpu_before = proc.cpu_seconds()
            out = await run.load(name, [url], count, rate=rate)
            last_click = out["t0_wall"] + (count - 1) / rate
            run.say(f"{name}: answered; waiting for every card at the fake to show the stored state")
            figures, state = await converge(checker, run.fake_url, last_click,
                                            last_click + run.options.converge_timeout)
            cpu_after = proc.cpu_seconds()
            if profiler is not None:
                await profiler.stop()
    finally:
        rss = await run.stop_bot(proc)
    scheduled = {clicks[i]["n"]: out["t0_wall"] + r[0] for i, r in enumerate(out["results"])}
    tier = {"rate": rate, "clicks": count, "ack": load_summary(out),
            "handoff": handoff_latency(clicks, scheduled, state["handoffs"]),
            "convergence": figures, "peak_rss_mb": rss,
            "cpu_ms_per_click": None if cpu_before is None or cpu_after is None
            else round((cpu_after - cpu_before) * 1000 / count, 2)}
    if profiler is not None:
        tier["profile"] = str(profiler.output)
    if time_calls:
        run.say(f"{name}: timing store calls on the database it left")
        tier["store_calls"] = await store_calls(bot_env(folder, database), clicks[0]["case_id"])
    return tier


async def start_bare_apps(run: Run) -> dict[str, tuple[Proc, str]]:
    """Both bare bolt apps, warmed up."""
    apps = {}
    for mode, pbr in BARE_MODES:
        port = free_port()
        proc = await start_bare(f"bare-{mode}", port, run.fake_url + "/api/", SIGNING_SECRET, pbr, run.work)
        url = f"http://127.0.0.1:{port}"
        await warm(url)
        apps[mode] = (proc, url)
    return apps


def skipped_tier(rate: int, count: int, failed: dict[str, Any]) -> dict[str, Any]:
    """A rate the bot is not run at, because it already failed most clicks at a lower one."""
    why = (f"not run: at {failed['rate']:,}/s the bot already failed {failed['ack']['errors']:,} of "
           f"{failed['ack']['sent']:,} clicks (--all-rates runs it anyway)")
    return {"rate": rate, "clicks": count, "skipped": why}


def profile_rates(run: Run) -> list[int]:
    """The rates profiled: ``--profile-rates`` (default 50 and 200), else the lowest one run."""
    wanted = run.options.profile_rates or [r for r in (50, 200) if r in run.options.rates]
    return wanted or [min(run.options.rates)]


async def profiled_runs(run: Run) -> list[dict[str, Any]]:
    """Each profiled rate once more, with py-spy attached (sampling slows the server: the table's runs
    are never the profiled ones); the store calls timed on the database the first one left."""
    out = []
    for n, rate in enumerate(profile_rates(run)):
        out.append(await bot_tier(run, rate, profiled=True, time_calls=n == 0))
    return out


async def click_tiers(run: Run) -> list[dict[str, Any]]:
    """Every rate: the bot, then bare bolt in default mode and with process_before_response."""
    apps = await start_bare_apps(run)
    tiers: list[dict[str, Any]] = []
    failed = None
    try:
        for rate in run.options.rates:
            count = int(rate * run.options.duration)
            if failed is not None and not run.options.all_rates:
                tier = skipped_tier(rate, count, failed)
            else:
                tier = await bot_tier(run, rate)
                if tier["ack"]["errors"] > tier["ack"]["sent"] / 2:
                    failed = tier
            for mode, (_, url) in apps.items():
                run.say(f"bare bolt ({mode}): {count:,} clicks at {rate}/s")
                tier[f"bare_{mode}"] = load_summary(await run.load(f"bare-{mode}-{rate}", [url], count,
                                                                   rate=rate))
            bot_p99 = tier["ack"]["p99_ms"] if "ack" in tier else None
            tier["ratios"] = {f"p99_vs_bare_{mode}": ratio(bot_p99, tier[f"bare_{mode}"]["p99_ms"])
                              for mode, _ in BARE_MODES}
            tiers.append(tier)
    finally:
        for proc, _ in apps.values():
            await proc.stop()
    return tiers
