"""The load process: uniquely signed block_actions, open loop at a fixed rate or closed loop.

    python -m bench.load --bodies FILE --url URL [--url URL2 ...] --count N --out FILE
                         (--rate R | --concurrency C --duration D) [--timeout S]

Every request is built and signed before the clock starts (its own action_ts,
so the bot sees a new click each time; Slack allows 5 minutes of skew). Open
loop (``--rate``): click i is due at t0 + i/R whether or not earlier clicks
were answered, and its latency is timed from that *scheduled* time, so a server
that falls behind is charged for the queue it builds. Closed loop
(``--concurrency``): C clients click back to back for D seconds; what they
complete is the throughput. Clicks go to the URLs in turn.

The output is JSON: per click [scheduled offset s, latency s or null, HTTP
status or 0, error or null], t0 as wall-clock time, and how late sends started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

from bench.http1 import Client
from bench.payloads import ACTION_TS, sign

Result = list[Any]  # [offset, latency | None, status, error | None]


class Load:
    """Requests ready to write, the clients, and what came back."""

    def __init__(self, bodies: list[bytes], urls: list[str], timeout: float) -> None:
        self.timeout = timeout
        self.loop = asyncio.get_running_loop()
        self.clients = []
        self.requests: list[tuple[Client, bytes]] = []
        paths = []
        for url in urls:
            parts = urlsplit(url)
            self.clients.append(Client(parts.hostname or "127.0.0.1", parts.port or 80))
            paths.append(parts.path)
        now = str(int(time.time()))
        for i, template in enumerate(bodies):
            body = template.replace(ACTION_TS.encode(), f"{now}.{i:06d}".encode())
            client = self.clients[i % len(self.clients)]
            headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": now,
                       "X-Slack-Signature": sign(body, now)}
            self.requests.append((client, client.request(paths[i % len(paths)], body, headers)))
        self.results: list[Result | None] = [None] * len(bodies)
        self.lags: list[float] = []
        self.t0 = 0.0

    async def send(self, i: int, due: float) -> None:
        """Write request i and record its latency from ``due``."""
        self.lags.append(self.loop.time() - due)
        client, raw = self.requests[i]
        status, error = 0, None
        try:
            status = await client.send(raw, due + self.timeout)
        except TimeoutError:
            error = "timeout"
        except OSError as exc:
            error = type(exc).__name__
        latency = self.loop.time() - due
        ok = error is None and status == 200
        error = error or (None if ok else "status")
        self.results[i] = [due - self.t0, latency if ok else None, status, error]

    async def open_loop(self, rate: float) -> None:
        """Click i at t0 + i/rate, never waiting for answers."""
        self.t0 = self.loop.time() + 0.1
        tasks = []
        for i in range(len(self.requests)):
            due = self.t0 + i / rate
            delay = due - self.loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.send(i, due)))
        await asyncio.gather(*tasks)

    async def closed_loop(self, concurrency: int, duration: float) -> None:
        """``concurrency`` clients clicking back to back until ``duration`` is up or the clicks run out."""
        self.t0 = self.loop.time()
        deadline = self.t0 + duration
        counter = iter(range(len(self.requests)))

        async def client() -> None:
            for i in counter:
                if self.loop.time() >= deadline:
                    return
                await self.send(i, self.loop.time())

        await asyncio.gather(*(client() for _ in range(concurrency)))


def read_bodies(path: str, start: int, count: int) -> list[bytes]:
    """Form bodies start..start+count, one per line of the file."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    return [line for line in lines[start:start + count] if line]


async def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run the load and return what the output file holds."""
    load = Load(read_bodies(options.bodies, options.start, options.count), options.url, options.timeout)
    wall_offset = time.time() - load.loop.time()
    if options.concurrency:
        await load.closed_loop(options.concurrency, options.duration)
    else:
        await load.open_loop(options.rate)
    for client in load.clients:
        client.close()
    lags = sorted(load.lags) or [0.0]
    return {"t0_wall": load.t0 + wall_offset, "rate": options.rate, "concurrency": options.concurrency,
            "elapsed": load.loop.time() - load.t0, "results": [r for r in load.results if r is not None],
            "lag_p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))], "lag_max": lags[-1],
            "connections": sum(c.opened for c in load.clients)}


if __name__ == "__main__":
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--bodies", required=True, help="one form body per line (bench/payloads.click_body)")
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
