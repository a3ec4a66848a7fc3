"""Where the server's time goes: py-spy on the bot process, and a summary of what it recorded.

    python -m bench --profile DIR            (records during the lowest click rate)
    python -m bench.profile DIR/bot-50.txt   (prints the summary again)

py-spy (``pip install py-spy``, the ``bench`` extra) writes collapsed stacks, one
line per distinct stack with its sample count, per process and thread (``--subprocesses
--threads``): the server's and its workers' event loops, and the threads that run SQLite calls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def py_spy() -> str | None:
    """The py-spy executable: beside this Python, else on PATH."""
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


class Profiler:
    """``py-spy record`` attached to a process until stopped."""

    def __init__(self, process: asyncio.subprocess.Process, output: Path) -> None:
        self.process, self.output = process, output

    @classmethod
    async def start(cls, pid: int, output: Path) -> Profiler:
        """Attach to ``pid``; RuntimeError when py-spy is not installed."""
        exe = py_spy()
        if exe is None:
            raise RuntimeError("--profile needs py-spy: pip install py-spy (the 'bench' extra)")
        output.parent.mkdir(parents=True, exist_ok=True)
        log = output.with_suffix(".log").open("wb")
        process = await asyncio.create_subprocess_exec(
            exe, "record", "--pid", str(pid), "--subprocesses", "--rate", "100", "--threads",
            "--format", "raw", "--output", str(output), stdout=log, stderr=log)
        log.close()
        return cls(process, output)

    async def stop(self) -> None:
        """Stop sampling; py-spy writes its file on SIGINT."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


OURS = ("adapters/", "dialogs/", "storage/", "bot/outbox.py", "bot/documents/")
LIBRARIES = ("aiosqlite/", "slack_bolt/", "slack_sdk/", "aiohttp/", "urllib/", "json/", "dataclasses.py",
             "jinja2/")


def function(frame: str) -> str:
    """A frame without its line number: ``handle (adapters/slack/http.py)``."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def _who(processes: list[str]) -> str:
    """The innermost process of a stack as a word ('worker: ', 'server: '), or '' for one process."""
    if not processes:
        return ""
    command = processes[-1]
    return "worker: " if " bot work" in command else "server: " if " bot serve" in command else ""


def summarize(path: Path, top: int = 20) -> dict[str, Any]:
    """Samples per thread; our functions and the libraries' by samples in their stack; the tops of stacks."""
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        raw = stack.split(";")
        # With --subprocesses a stack starts with its processes ('process 12:"python -m bot work"'),
        # then "thread (id): name", then the frames.
        at = next((i for i, f in enumerate(raw) if f.startswith("thread")), 0)
        frames = [function(f) for f in raw[at + 1:]]
        total += n
        threads[_who(raw[:at]) + raw[at].split(": ", 1)[-1]] += n
        for frame in set(frames):
            if any(p in frame for p in OURS):
                inclusive[frame] += n
        for lib in {p for p in LIBRARIES for f in frames if p in f}:
            libraries[lib.rstrip("/")] += n
        own[frames[-1]] += n

    def share(counts: Counter[str]) -> list[list[Any]]:
        return [[name, n, round(100 * n / total, 1)] for name, n in counts.most_common(top)] if total else []

    return {"samples": total, "threads": share(threads), "ours": share(inclusive),
            "libraries": share(libraries), "own": share(own)}


def render(summary: dict[str, Any]) -> str:
    """The summary as text."""
    lines = [f"{summary['samples']:,} busy samples"]
    for title, key in (("per thread", "threads"), ("our functions, samples with them in the stack", "ours"),
                       ("libraries, samples with them in the stack", "libraries"),
                       ("top of the stack (where the CPU was)", "own")):
        lines.append(f"\n{title}:")
        lines += [f"  {pct:5.1f} %  {name}" for name, _, pct in summary[key]]
    return "\n".join(lines)


if __name__ == "__main__":
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(render(summarize(args.file, args.top)))
