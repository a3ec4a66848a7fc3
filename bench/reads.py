"""The reads with many cases: /offboard list, the App Home, the dashboard's first page, ``bot cases``.

The population (bench/population.py) is seeded once and cached; the server runs
on the cached file itself (reads change nothing in it but the senders' rows).
Each read is repeated up to ``--reads-repeat`` times while it has taken less
than ``--read-budget`` seconds in all; one that takes longer than
``--read-timeout`` is recorded as timed out and not tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.cache import cached, key
from bench.clicks import reset_fake
from bench.payloads import command_body, home_opened_body, signed_headers
from bench.population import seed_population
from bench.procs import run_python
from bench.profile import Profiler
from bench.run import Run
from bench.workspace import ADMIN, ADMINS, bot_env

Attempt = Callable[[], Awaitable[dict[str, Any]]]


async def repeat(run: Run, what: str, attempt: Attempt) -> dict[str, Any]:
    """Time ``attempt`` (it returns {"s": seconds, ...}) until repeat/budget/timeout say stop."""
    samples: list[float] = []
    extra: dict[str, Any] = {}
    spent, timed_out = 0.0, False
    while len(samples) < run.options.reads_repeat and spent < run.options.read_budget:
        try:
            extra = await asyncio.wait_for(attempt(), run.options.read_timeout)
        except TimeoutError:
            timed_out = True
            break
        samples.append(extra.pop("s"))
        spent += samples[-1]
    run.say(f"reads: {what}: " + (", ".join(f"{s * 1000:,.0f} ms" for s in samples) or "-")
            + (f" (timed out after {run.options.read_timeout} s)" if timed_out else ""))
    return {"median_ms": round(statistics.median(samples) * 1000, 1) if samples else None,
            "samples_ms": [round(s * 1000, 1) for s in samples], "timed_out": timed_out,
            "timeout_s": run.options.read_timeout, **extra}


async def _slack(url: str, body: bytes, content_type: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session, session.post(
            f"{url}/slack/events", data=body, headers=signed_headers(body, content_type)) as resp:
        data = await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}: {data[:300]!r}")
    return time.perf_counter() - started, data


async def offboard_list(url: str) -> dict[str, Any]:
    """/offboard list, until its acknowledgement (which carries the list) is in."""
    body = command_body("list", ADMINS[0], ADMIN)
    seconds, data = await _slack(url, body, "application/x-www-form-urlencoded")
    return {"s": seconds, "bytes": len(data)}


async def app_home(url: str, fake_url: str) -> dict[str, Any]:
    """app_home_opened, until views.publish for that person reaches the fake."""
    user = ADMINS[1]
    sent = time.time()
    await _slack(url, home_opened_body(user), "application/json")
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(f"{fake_url}/bench/state", params={"part": "publishes"}) as resp:
                published = [t for t in (await resp.json())["publishes"].get(user, []) if t >= sent]
            if published:
                return {"s": published[0] - sent}
            await asyncio.sleep(0.02)


async def dashboard(url: str) -> dict[str, Any]:
    """GET /dashboard, to its last byte."""
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session, session.get(f"{url}/dashboard") as resp:
        data = await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"dashboard: HTTP {resp.status}")
    return {"s": time.perf_counter() - started, "bytes": len(data)}


def server_read(name: str, url: str, fake_url: str) -> Attempt:
    """One of the reads the server answers, against the server at ``url``."""
    if name == "list":
        return lambda: offboard_list(url)
    if name == "app_home":
        return lambda: app_home(url, fake_url)
    return lambda: dashboard(url)


async def cases_cli(run: Run, folder: Path, database: str) -> dict[str, Any]:
    """``python -m bot cases``, wall time from start to exit (a new process each time)."""
    status, seconds, out = await run_python(["-m", "bot", "cases"], folder / "cases.log",
                                            bot_env(folder, database), run.options.read_timeout)
    if status is None:
        raise TimeoutError
    if status != 0:
        raise RuntimeError(f"python -m bot cases exited {status}; see {folder / 'cases.log'}")
    return {"s": seconds, "lines": out.count(b"\n")}


async def reads(run: Run) -> dict[str, Any]:
    """Every read on the population, and ``bot cases`` on an empty database for the start-up floor."""
    o = run.options

    async def build(folder: Path) -> None:
        await seed_population(bot_env(folder, str(folder / "offboard.db")), o.open_cases, o.closed_cases,
                              run.say)

    run.say(f"reads: population of {o.open_cases:,} open and {o.closed_cases:,} closed cases")
    seeded = await cached(run.cache, f"population-{o.open_cases}-{o.closed_cases}",
                          key(["population", o.open_cases, o.closed_cases]), build)
    folder = run.work / "reads"
    folder.mkdir(parents=True, exist_ok=True)
    empty = str(folder / "empty.db")
    await cases_cli(run, folder, empty)  # creates and migrates it: the timed runs only read
    out: dict[str, Any] = {"open_cases": o.open_cases, "closed_cases": o.closed_cases,
                           "cases_cli_empty": await repeat(run, "bot cases, empty database",
                                                           lambda: cases_cli(run, folder, empty))}
    database = str(seeded / "offboard.db")
    out["cases_cli"] = await repeat(run, "bot cases", lambda: cases_cli(run, folder, database))
    await reset_fake(run.fake_url)
    proc, url = await run.start_bot("reads", folder, database)
    rss: list[float] = []
    try:
        for name, what in (("list", "/offboard list"), ("app_home", "App Home"), ("dashboard", "dashboard")):
            out[name] = await repeat(run, what, server_read(name, url, run.fake_url))
            if out[name]["timed_out"] and name != "dashboard":
                # The abandoned request still runs in the server: the next read gets a fresh one.
                rss.append(await run.stop_bot(proc) or 0.0)
                proc, url = await run.start_bot(f"reads-after-{name}", folder, database)
    finally:
        rss.append(await run.stop_bot(proc) or 0.0)
    out["peak_rss_mb"] = max(rss)
    if o.profile:
        out["profile"] = str(await profiled_reads(run, folder, database))
    return out


async def profiled_reads(run: Run, folder: Path, database: str) -> Path:
    """Each server read once more on a fresh server with py-spy attached (the timed ones ran without)."""
    output: Path = run.options.profile / "reads-profiled.txt"
    proc, url = await run.start_bot("reads-profiled", folder, database)
    profiler = await Profiler.start(proc.pid, output)
    try:
        for name in ("list", "app_home", "dashboard"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server_read(name, url, run.fake_url)(), run.options.read_timeout)
    finally:
        await profiler.stop()
        await run.stop_bot(proc)
    run.say(f"reads: profiled once more under py-spy ({output})")
    return output
