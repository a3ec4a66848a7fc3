"""What one benchmark run shares: its options, folders, the fake Web API and the click plan."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.cache import cached, key
from bench.payloads import SIGNING_SECRET, command_body, signed_headers, write_bodies
from bench.procs import Proc, free_port, run_python, start_bot
from bench.seed import seed_clicks
from bench.workspace import ADMIN, ADMINS, bot_env, fake_setup


@dataclass
class Run:
    """One invocation of ``python -m bench``."""

    options: argparse.Namespace
    work: Path
    cache: Path
    started: float = field(default_factory=time.monotonic)
    fake_url: str = ""
    fake: Proc | None = None
    plan_path: Path = Path()
    bodies: Path = Path()
    plan: dict[str, Any] = field(default_factory=dict)
    clicks_db: Path = Path()
    servers: dict[str, float | None] = field(default_factory=dict)  # peak RSS (MB) per bot process

    def say(self, message: str) -> None:
        """Progress on stderr (stdout is the table)."""
        print(f"[{time.monotonic() - self.started:6.1f} s] {message}", file=sys.stderr, flush=True)

    @property
    def plan_size(self) -> int:
        """Clicks the biggest open-loop rate needs (rounded up so nearby settings share a seed)."""
        most = max(self.options.rates) * self.options.duration
        step = 100 if most <= 1000 else 500
        return int(-(-most // step) * step)

    async def prepare_clicks(self) -> Path:
        """The seeded click database and plan (cached); the fake's setup file."""
        share = self.options.handoff_share

        async def build(folder: Path) -> None:
            env = bot_env(folder, str(folder / "offboard.db"))
            plan = await seed_clicks(env, self.plan_size, share, self.say)
            (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")

        self.say(f"click database: {self.plan_size:,} clicks, {share:.0%} of them hand-offs")
        folder = await cached(self.cache, f"clicks-{self.plan_size}-{share:g}",
                              key(["clicks", self.plan_size, share]), build)
        self.plan_path, self.clicks_db = folder / "plan.json", folder / "offboard.db"
        self.plan = json.loads(self.plan_path.read_text(encoding="utf-8"))
        self.bodies = write_bodies(self.plan, self.work / "bodies.txt")
        setup = self.work / "fake-setup.json"
        setup.write_text(json.dumps(fake_setup(list(self.plan["messages"].values()))), encoding="utf-8")
        return setup

    def fresh_clicks_db(self, name: str) -> tuple[Path, str]:
        """A folder for one server run with its own copy of the seeded click database."""
        folder = self.work / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.clicks_db, folder / "offboard.db")
        return folder, str(folder / "offboard.db")

    async def start_bot(self, name: str, folder: Path, database: str, workers: int | None = None,
                        ) -> tuple[Proc, str]:
        """A bot server on a database, talking to the fake (with ``--workers`` worker processes unless
        told otherwise); its base URL, warmed up."""
        port = free_port()
        env = bot_env(folder, database, port=port, api_url=self.fake_url + "/api/")
        proc = await start_bot(name, env, folder, self.options.workers if workers is None else workers)
        url = f"http://127.0.0.1:{port}"
        await warm(url)
        return proc, url

    async def stop_bot(self, proc: Proc) -> float | None:
        """Stop a bot server; its peak RSS in MB (also kept for the run's peak)."""
        rss = proc.peak_rss_mb()
        self.servers[proc.name] = None if rss is None else round(rss, 1)
        await proc.stop()
        return self.servers[proc.name]

    async def load(self, name: str, urls: list[str], count: int, *, rate: float = 0.0, concurrency: int = 0,
                   duration: float = 0.0, bodies: Path | None = None) -> dict[str, Any]:
        """Run the load process to the end (clicks from ``bodies``, the run's plan by default); its output."""
        out = self.work / f"load-{name}.json"
        args = ["-m", "bench.load", "--bodies", str(bodies or self.bodies), "--count", str(count),
                "--timeout", str(self.options.timeout), "--out", str(out)]
        args += [a for url in urls for a in ("--url", url + "/slack/events")]
        if rate:
            args += ["--rate", str(rate)]
        else:
            args += ["--concurrency", str(concurrency), "--duration", str(duration)]
        status, _, _ = await run_python(args, self.work / f"load-{name}.log")
        if status != 0:
            raise RuntimeError(f"the load process failed ({status}); see {self.work / f'load-{name}.log'}")
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


async def warm(url: str) -> None:
    """One signed /offboard help: bolt's authorization and the first request's imports happen now."""
    body = command_body("help", ADMINS[0], ADMIN)
    async with aiohttp.ClientSession() as session, session.post(
            f"{url}/slack/events", data=body,
            headers=signed_headers(body, "application/x-www-form-urlencoded", SIGNING_SECRET)) as resp:
        await resp.read()
