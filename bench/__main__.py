"""``python -m bench`` (``make bench``): the real server under Slack's load, beside a bare bolt app.

Phases: clicks (open loop at each rate: the bot, then bare bolt in both modes),
sustained (closed loop: SQLite, and 1/2/3 processes on PostgreSQL once it
exists), reads (10,000 open and 100,000 closed cases), timers (the scheduler's
pass over due timers with 10,000 open cases). Progress goes to stderr,
the table to stdout, every figure to ``--json FILE``. Seeded databases are
cached (``--cache-dir``); the first full run seeds for several minutes. Nothing
here asserts a speed: see docs/BENCHMARKS.md for the figures and the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.cache import default_cache_dir
from bench.clicks import click_tiers, profiled_runs
from bench.procs import start_fake
from bench.profile import render, summarize
from bench.reads import reads
from bench.report import heading, machine, table
from bench.run import Run
from bench.storecalls import render as render_calls
from bench.sustained import sustained
from bench.timers import timers_phase

PHASES = ("clicks", "sustained", "reads", "timers")


def numbers(kind: type) -> Any:
    """An argparse type for comma-separated numbers."""
    return lambda text: [kind(x) for x in text.split(",") if x.strip()]


def parser() -> argparse.ArgumentParser:
    """Every option, with the defaults of a full run."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    a = p.add_argument
    a("--rates", type=numbers(int), default=[50, 200, 500, 1000], help="clicks/s, open loop (50,…,1000)")
    a("--duration", type=float, default=5.0, help="seconds of clicks per rate (5)")
    a("--handoff-share", type=float, default=0.05, help="share of clicks that complete a step (0.05)")
    a("--all-rates", action="store_true", help="run the bot at every rate, even past one it failed at")
    a("--timeout", type=float, default=5.0, help="seconds before a click counts as an error (5)")
    a("--converge-timeout", type=float, default=15.0,
      help="seconds after the last click to wait for every card to show the stored state (15)")
    a("--open-cases", type=int, default=10_000, help="open cases for the reads (10000)")
    a("--closed-cases", type=int, default=100_000, help="closed cases for the reads (100000)")
    a("--reads-repeat", type=int, default=3, help="times each read is repeated (3)")
    a("--read-budget", type=float, default=10.0, help="no repeat once a read took this long in all (10)")
    a("--read-timeout", type=float, default=30.0, help="seconds before a read counts as timed out (30)")
    a("--sustained-duration", type=float, default=5.0, help="seconds of closed-loop clicks (5)")
    a("--sustained-concurrency", type=int, default=16, help="clients clicking back to back (16)")
    a("--database", help="postgresql://… for the multi-process runs (default: a temporary cluster)")
    a("--processes", type=numbers(int), default=[1, 2, 3], help="server processes on PostgreSQL (1,2,3)")
    a("--workers", type=int, default=1,
      help="worker processes beside each bot server for the clicks and reads (serve --workers N; 1); "
           "0 runs everything in the server's one process")
    a("--only", type=numbers(str), default=list(PHASES), help="phases to run: clicks,sustained,reads,timers")
    a("--profile", type=Path, help="run some rates once more, and the reads, under py-spy; output goes here")
    a("--profile-rates", type=numbers(int), default=[], help="the rates --profile runs again (50,200)")
    a("--cache-dir", type=Path, default=default_cache_dir(), help="where seeded databases are kept")
    a("--keep", action="store_true", help="keep this run's folder (logs, databases, load output)")
    a("--label", default="", help="a word for the heading, e.g. baseline")
    a("--json", type=Path, help="write every figure here")
    return p


async def main(options: argparse.Namespace) -> dict[str, Any]:
    """Run the phases asked for; every figure."""
    unknown = set(options.only) - set(PHASES)
    if unknown:
        raise SystemExit(f"--only: no phase {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    work = Path(tempfile.mkdtemp(prefix="offboard-bench-"))
    run = Run(options, work, options.cache_dir)
    figures: dict[str, Any] = {"machine": machine(), "options": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()}}
    run.say(f"run folder {work}")
    try:
        setup = await run.prepare_clicks()
        run.fake, run.fake_url = await start_fake(setup, work)
        if "clicks" in options.only:
            figures["clicks"] = await click_tiers(run)
            if options.profile:
                figures["profiled_runs"] = await profiled_runs(run)
        if "sustained" in options.only:
            figures["sustained"] = await sustained(run)
        if "reads" in options.only:
            figures["reads"] = await reads(run)
        if "timers" in options.only:
            figures["timers"] = await timers_phase(run.cache, options.open_cases, run.say)
    finally:
        if run.fake is not None:
            await run.fake.stop()
        if options.keep:
            run.say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    rss = [v for v in run.servers.values() if v is not None]
    figures["peak_rss_mb"] = max(rss) if rss else None
    figures["peak_rss_mb_by_server"] = run.servers
    figures["machine"]["load_average_at_end"] = os.getloadavg()
    profiles = [t["profile"] for t in figures.get("profiled_runs", [])]
    profiles += [figures["reads"]["profile"]] if figures.get("reads", {}).get("profile") else []
    figures["profile"] = {Path(p).name: summarize(Path(p)) for p in profiles}
    return figures


def print_profile(figures: dict[str, Any]) -> None:
    """Below the table: py-spy's summaries and the store calls, when --profile was given."""
    runs = {Path(t["profile"]).name: t for t in figures.get("profiled_runs", [])}
    for name, summary in figures.get("profile", {}).items():
        tier = runs.get(name)
        if tier is not None:
            ack = tier["ack"]
            what = (f"a run of its own at {tier['rate']}/s; with py-spy attached the bot's ack p50 / p99 "
                    f"were {ack['p50_ms']} / {ack['p99_ms']} ms, {ack['errors']} errors")
        else:
            what = "the reads, each once more with py-spy attached"
        print(f"\nprofile {name} ({what}):\n{render(summary)}")
    for tier in figures.get("profiled_runs", []):
        if tier.get("store_calls"):
            print(f"\nstore calls on the database the {tier['rate']}/s run left:\n"
                  f"{render_calls(tier['store_calls'])}")


if __name__ == "__main__":
    opts = parser().parse_args()
    result = asyncio.run(main(opts))
    print(heading(result))
    print()
    print(table(result))
    print_profile(result)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
