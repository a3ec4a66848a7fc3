"""The load process: uniquely signed block_actions, open loop at a fixed rate or closed loop.

    python -m bench.load --plan FILE --url URL [--url URL2 ...] --count N --out FILE
                         (--rate R | --concurrency C --duration D) [--timeout S]

Open loop (``--rate``): click i is due at t0 + i/R whether or not earlier clicks
were answered, and its latency is timed from that *scheduled* time, so a server
that falls behind is charged for the queue it builds (no coordinated omission).
Closed loop (``--concurrency``): C clients click back to back for D seconds;
what they complete is the throughput. Clicks go to the URLs in turn.

The output is JSON: per click [scheduled offset s, latency s or null, HTTP
status or 0, error or null], t0 as wall-clock time, and how late sends started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import aiohttp

from bench.payloads import ACTION_TS, click_body, sign

Result = list[Any]  # [offset, latency | None, status, error | None]


class Load:
    """Bodies ready to sign, the HTTP session, and what came back."""

    def __init__(self, bodies: list[bytes], urls: list[str], timeout: float) -> None:
        self.bodies, self.urls, self.timeout = bodies, urls, timeout
        self.results: list[Result | None] = [None] * len(bodies)
        self.lags: list[float] = []
        self.loop = asyncio.get_running_loop()
        self.t0 = 0.0
        self.session: aiohttp.ClientSession | None = None

    async def send(self, i: int, due: float) -> None:
        """Sign click i now, post it, and record the latency from ``due``."""
        assert self.session is not None
        self.lags.append(self.loop.time() - due)
        now = int(time.time())
        body = self.bodies[i].replace(ACTION_TS.encode(), f"{now}.{i:06d}".encode())
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": sign(body, str(now))}
        status, error = 0, None
        try:
            async with self.session.post(self.urls[i % len(self.urls)], data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        except TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as exc:
            error = type(exc).__name__
        latency = self.loop.time() - due
        ok = error is None and status == 200
        error = error or (None if ok else "status")
        self.results[i] = [due - self.t0, latency if ok else None, status, error]

    async def open_loop(self, rate: float) -> None:
        """Click i at t0 + i/rate, never waiting for answers."""
        self.t0 = self.loop.time() + 0.1
        tasks = []
        for i in range(len(self.bodies)):
            due = self.t0 + i / rate
            delay = due - self.loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.send(i, due)))
        await asyncio.gather(*tasks)

    async def closed_loop(self, concurrency: int, duration: float) -> None:
        """``concurrency`` clients clicking back to back until ``duration`` is up or the plan runs out."""
        self.t0 = self.loop.time()
        deadline = self.t0 + duration
        counter = iter(range(len(self.bodies)))

        async def client() -> None:
            for i in counter:
                if self.loop.time() >= deadline:
                    return
                await self.send(i, self.loop.time())

        await asyncio.gather(*(client() for _ in range(concurrency)))


def bodies_of(plan: dict[str, Any], start: int, count: int) -> list[bytes]:
    """The form bodies of clicks start..start+count of the plan."""
    clicks = plan["clicks"][start:start + count]
    return [click_body(c, plan["messages"][c["message"]]) for c in clicks]


def read_plan(path: str) -> dict[str, Any]:
    """The click plan the orchestrator wrote."""
    with open(path, encoding="utf-8") as f:
        plan: dict[str, Any] = json.load(f)
        return plan


async def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run the load and return what the output file holds."""
    plan = read_plan(options.plan)
    load = Load(bodies_of(plan, options.start, options.count), options.url, options.timeout)
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=options.timeout)) as session:
        load.session = session
        wall_offset = time.time() - load.loop.time()
        if options.concurrency:
            await load.closed_loop(options.concurrency, options.duration)
        else:
            await load.open_loop(options.rate)
    lags = sorted(load.lags) or [0.0]
    return {"t0_wall": load.t0 + wall_offset, "rate": options.rate, "concurrency": options.concurrency,
            "elapsed": load.loop.time() - load.t0, "results": [r for r in load.results if r is not None],
            "lag_p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))], "lag_max": lags[-1]}


if __name__ == "__main__":
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=0)
    parser.add_argument("--duration", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--out", required=True)
    opts = parser.parse_args()
    if not opts.rate and not opts.concurrency:
        parser.error("give --rate (open loop) or --concurrency (closed loop)")
    output = asyncio.run(run(opts))
    with open(opts.out, "w", encoding="utf-8") as out:
        json.dump(output, out)
