"""The processes a run starts: the fake Web API, bot servers, bare bolt apps, the load, the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp

from bench.workspace import ROOT

PY = sys.executable


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """One child process, its log file, and its peak memory."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name, self.process, self.log = name, process, log

    @classmethod
    async def start(cls, name: str, args: list[str], log: Path, env: Mapping[str, str] | None = None,
                    stdout: int = asyncio.subprocess.DEVNULL) -> Proc:
        """Start ``python ARGS`` from the repository root, stderr to ``log``."""
        with log.open("ab") as err:
            process = await asyncio.create_subprocess_exec(
                PY, *args, cwd=ROOT, env=dict(env) if env is not None else None,
                stdin=asyncio.subprocess.DEVNULL, stdout=stdout, stderr=err)
        return cls(name, process, log)

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    def tree(self) -> list[int]:
        """Its pid and its live descendants' (a server's worker processes)."""
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo += [int(c) for c in task.read_text().split()]
        return found

    def peak_rss_mb(self) -> float | None:
        """The most memory the process and its live children have held (the sum of each one's VmHWM,
        an upper bound of their peak together), in MB; None off Linux."""
        peaks = [_peak_rss_kb(pid) for pid in self.tree()]
        if peaks[0] is None:
            return None
        return sum(p or 0 for p in peaks) / 1024

    def cpu_seconds(self) -> float | None:
        """CPU time the process and its children have used so far (user + system, every thread, and
        children that ended); None off Linux."""
        root = _cpu_ticks(self.pid, reaped=True)
        if root is None:
            return None
        children = sum(_cpu_ticks(pid) or 0 for pid in self.tree()[1:])
        return (root + children) / os.sysconf("SC_CLK_TCK")

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    def tail(self, lines: int = 20) -> str:
        """The end of its log, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _peak_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_ticks(pid: int, reaped: bool = False) -> int | None:
    """utime + stime (+ cutime + cstime, the ended children's, with ``reaped``) in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(f) for f in fields[11:15 if reaped else 13])


async def start_fake(setup: Path, run_dir: Path) -> tuple[Proc, str]:
    """The fake Web API; its base URL (``http://127.0.0.1:PORT``)."""
    proc = await Proc.start("fake", ["-m", "bench.fake", "--setup", str(setup)], run_dir / "fake.log",
                            stdout=asyncio.subprocess.PIPE)
    assert proc.process.stdout is not None
    try:
        line = await asyncio.wait_for(proc.process.stdout.readline(), 30)
        port = int(line)
    except (TimeoutError, ValueError):
        await proc.stop()
        raise RuntimeError(f"the fake Web API did not start:\n{proc.tail()}") from None
    return proc, f"http://127.0.0.1:{port}"


WORKER_READY = "offboard worker running"  # what bot.app.work logs once it works


async def start_bot(name: str, env: Mapping[str, str], run_dir: Path, workers: int = 0,
                    within: float = 60) -> Proc:
    """``python -m bot serve [--workers N]`` on the port ``env`` names, once /healthz answers and every
    worker says it runs (a worker still importing would be timed as the first clicks' latency)."""
    proc = await Proc.start(name, ["-m", "bot", "serve", "--workers", str(workers)], run_dir / f"{name}.log",
                            env)
    await wait_http(proc, f"http://127.0.0.1:{env['OFFBOARD_PORT']}/healthz", within)
    deadline = time.monotonic() + within
    while proc.tail(10_000).count(WORKER_READY) < workers:
        if proc.process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name}: its {workers} worker(s) did not start:\n{proc.tail()}")
        await asyncio.sleep(0.1)
    return proc


async def start_bare(name: str, port: int, api_url: str, secret: str, pbr: bool, run_dir: Path) -> Proc:
    """A bare bolt app that only acks (bench/bare.py)."""
    args = ["-m", "bench.bare", "--port", str(port), "--api-url", api_url, "--signing-secret", secret]
    proc = await Proc.start(name, args + (["--process-before-response"] if pbr else []),
                            run_dir / f"{name}.log")
    await wait_http(proc, f"http://127.0.0.1:{port}/slack/events", 30, any_status=True)
    return proc


async def wait_http(proc: Proc, url: str, within: float, any_status: bool = False) -> None:
    """Poll ``url`` until it answers (200, or anything with ``any_status``)."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.process.returncode is not None:
                break
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                    if any_status or resp.status == 200:
                        return
            await asyncio.sleep(0.1)
    await proc.stop()
    raise RuntimeError(f"{proc.name} did not come up at {url}:\n{proc.tail()}")


async def run_python(args: list[str], log: Path, env: Mapping[str, str] | None = None,
                     limit: float | None = None) -> tuple[int | None, float, bytes]:
    """Run ``python ARGS`` to the end: (exit status, or None past ``limit`` s; wall seconds; stdout)."""
    started = time.perf_counter()
    proc = await Proc.start(log.stem, args, log, env, stdout=asyncio.subprocess.PIPE)
    try:
        out, _ = await asyncio.wait_for(proc.process.communicate(), limit)
    except TimeoutError:
        return None, time.perf_counter() - started, b""
    finally:  # timed out or cancelled: no process is left behind
        if proc.process.returncode is None:
            await proc.stop(grace=2)
    return proc.process.returncode, time.perf_counter() - started, out
