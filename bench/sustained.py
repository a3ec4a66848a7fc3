"""Clicks per second sustained: closed loop, one process on SQLite beside 1, 2 and 3 on one PostgreSQL.

Sustained means answered within Slack's 3 seconds, per second, while
``--sustained-concurrency`` clients click back to back for
``--sustained-duration`` seconds (several processes share the clients in turn).
The PostgreSQL rows wait for a PostgreSQL store (bench/postgres.py says how it
is detected); until then each says why it was skipped.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from bench.clicks import reset_fake
from bench.payloads import write_bodies
from bench.postgres import TempCluster, backend_available, create_database
from bench.procs import Proc
from bench.run import Run
from bench.seed import seed_clicks
from bench.stats import load_summary
from bench.workspace import bot_env

SKIPPED = "skipped: storage has no PostgreSQL backend yet (issue 10); rerun when it has"


async def measure(run: Run, name: str, servers: list[tuple[Proc, str]], bodies: Path | None = None,
                  size: int | None = None) -> dict[str, Any]:
    """The closed-loop load against these servers; the row (servers stopped afterwards)."""
    try:
        out = await run.load(name, [url for _, url in servers], size or len(run.plan["clicks"]),
                             concurrency=run.options.sustained_concurrency,
                             duration=run.options.sustained_duration, bodies=bodies)
    finally:
        rss = [await run.stop_bot(proc) for proc, _ in servers]
    summary = load_summary(out)
    return {"processes": len(servers), "clicks_per_s": summary["answered_in_time_per_s"],
            "sent": summary["sent"], "errors": summary["errors"], "over_3s": summary["over_3s"],
            "p99_ms": summary["p99_ms"], "p99_unanswered": summary["p99_unanswered"],
            "peak_rss_mb": max((r for r in rss if r is not None), default=None)}


async def on_sqlite(run: Run) -> dict[str, Any]:
    """One server on its own copy of the seeded SQLite file."""
    folder, database = run.fresh_clicks_db("sustained-sqlite")
    await reset_fake(run.fake_url)
    run.say(f"sustained: SQLite, 1 process, {run.options.sustained_concurrency} clients")
    server = await run.start_bot("sustained-sqlite-1", folder, database)
    return {"backend": "sqlite", **await measure(run, "sustained-sqlite-1", [server])}


async def on_postgres(run: Run) -> list[dict[str, Any]]:
    """1, 2, 3... servers on one PostgreSQL database, seeded once and copied per run."""
    processes = run.options.processes
    if not backend_available():
        return [{"backend": "postgresql", "processes": n, "skipped": SKIPPED} for n in processes]
    cluster = None if run.options.database else TempCluster()
    try:
        base = run.options.database or await cluster.start()  # type: ignore[union-attr]
    except (OSError, RuntimeError) as exc:
        if cluster is not None:
            with contextlib.suppress(OSError, RuntimeError):
                await cluster.stop()
        why = f"skipped: could not start a temporary PostgreSQL ({exc}); give --database"
        return [{"backend": "postgresql", "processes": n, "skipped": why} for n in processes]
    try:
        seed_url = await create_database(base, "offboard_bench_seed")
        folder = run.work / "sustained-pg"
        folder.mkdir(parents=True, exist_ok=True)
        run.say("sustained: seeding PostgreSQL")
        plan = await seed_clicks(bot_env(folder, seed_url), run.plan_size, run.options.handoff_share, run.say)
        bodies = write_bodies(plan, folder / "bodies.txt")
        rows = []
        for n in processes:
            url = await create_database(base, f"offboard_bench_{n}", template="offboard_bench_seed")
            await reset_fake(run.fake_url, list(plan["messages"].values()))
            run.say(f"sustained: PostgreSQL, {n} process(es)")
            # n servers that each do everything (no worker processes): how far processes alone scale.
            servers = [await run.start_bot(f"sustained-pg{n}-{k}", folder, url, workers=0) for k in range(n)]
            rows.append({"backend": "postgresql", **await measure(run, f"sustained-pg{n}", servers, bodies,
                                                                  len(plan["clicks"]))})
        return rows
    finally:
        if cluster is not None:
            await cluster.stop()


async def sustained(run: Run) -> list[dict[str, Any]]:
    """Every row of the sustained-throughput figure."""
    return [await on_sqlite(run), *await on_postgres(run)]
