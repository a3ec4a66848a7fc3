"""The figures as one table (Markdown, so it pastes into docs/BENCHMARKS.md) and the machine they ran on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from typing import Any

from bench.workspace import ROOT


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, Python, SQLite, the commit, and how busy the machine was."""
    info: dict[str, Any] = {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                            "platform": platform.platform(), "load_average_at_start": os.getloadavg()}
    cpu, memory = _proc_line("/proc/cpuinfo", "model name"), _proc_line("/proc/meminfo", "MemTotal")
    if cpu:
        info["cpu"] = cpu
    if memory:
        info["memory_gb"] = round(int(memory.split()[0]) / 1024 / 1024, 1)
    try:
        git = ["git", "rev-parse", "--short", "HEAD"]
        done = subprocess.run(git, cwd=ROOT, capture_output=True, text=True, check=True)
        info["commit"] = done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = None
    return info


def _proc_line(path: str, name: str) -> str | None:
    """The value of the first ``name: value`` line of a /proc file (None off Linux)."""
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(name):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def ms(value: float | None, unanswered: bool = False, timeout: float | None = None) -> str:
    """A latency for the table: 1.2 / 345 / 6,789; never answered: > the timeout (or "never")."""
    if unanswered:
        return f"> {timeout * 1000:,.0f}" if timeout else "never"
    if value is None:
        return "–"
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def pair(summary: dict[str, Any], timeout: float) -> str:
    """p50 / p99 of a latency summary."""
    return (f"{ms(summary['p50_ms'], summary['p50_unanswered'], timeout)} / "
            f"{ms(summary['p99_ms'], summary['p99_unanswered'], timeout)}")


def click_rows(tiers: list[dict[str, Any]], timeout: float) -> list[list[str]]:
    """One row per figure, one column per rate."""
    def row(name: str, cell: Any, bot: bool = True) -> list[str]:
        return [name, *("not run" if bot and "skipped" in t else cell(t) for t in tiers)]

    def converged(t: dict[str, Any]) -> str:
        c = t["convergence"]
        if c["converged_s"] is not None:
            return f"{c['converged_s']:.2f} s ({c['messages_checked']} messages)"
        waiting = t["clicks"] - c["applied"]
        return (f"not after {c['gave_up_after_s']} s: {c['stale']} of {c['messages_checked']} stale"
                + (f", {waiting:,} clicks not stored yet" if waiting > 0 else ""))

    def ratio(value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:,.1f}×" if value >= 0.95 else f"{value:.2g}×"  # 0.01×, not 0.0×

    return [
        row("clicks sent (open loop)", lambda t: f"{t['clicks']:,}", bot=False),
        row("**bot**: ack p50 / p99 (ms, from the scheduled send)",
            lambda t: t["skipped"].split(" (")[0] if "skipped" in t else pair(t["ack"], timeout), bot=False),
        row("bot: errors / answered after 3 s",
            lambda t: f"{t['ack']['errors']:,} / {t['ack']['over_3s']:,}"),
        row("bare bolt, default: p50 / p99 (ms)", lambda t: pair(t["bare_default"], timeout), bot=False),
        row("bare bolt, process_before_response: p50 / p99 (ms)",
            lambda t: pair(t["bare_process_before_response"], timeout), bot=False),
        row("bare bolt errors / after 3 s (default, pbr)",
            lambda t: f"{t['bare_default']['errors']:,} / {t['bare_default']['over_3s']:,}, "
                      f"{t['bare_process_before_response']['errors']:,} / "
                      f"{t['bare_process_before_response']['over_3s']:,}", bot=False),
        row("bot p99 ÷ bare default p99", lambda t: ratio(t["ratios"]["p99_vs_bare_default"])),
        row("bot p99 ÷ bare process_before_response p99",
            lambda t: ratio(t["ratios"]["p99_vs_bare_process_before_response"])),
        row("click → hand-off post p50 / p99 (ms)",
            lambda t: pair(t["handoff"], 0) + (f" ({t['handoff']['missing']} of {t['handoff']['handoffs']}"
                                               " never posted)" if t["handoff"]["missing"] else "")),
        row("last click → every card at the fake as stored", converged),
        row("clicks applied (stored)", lambda t: f"{t['convergence']['applied']:,} of {t['clicks']:,}"),
        row("bot peak RSS (MB)", lambda t: "–" if t["peak_rss_mb"] is None else f"{t['peak_rss_mb']:,.0f}"),
        row("bot CPU per click, until the cards converged (ms)",
            lambda t: "–" if t.get("cpu_ms_per_click") is None else f"{t['cpu_ms_per_click']:.2f}"),
        row("load process: send lag p99 (ms)",
            lambda t: ms(max(t[k]["send_lag_p99_ms"] or 0 for k in
                             ("ack", "bare_default", "bare_process_before_response") if k in t)), bot=False),
    ]


def read_cell(r: dict[str, Any]) -> str:
    """A read's median (n), or its timeout."""
    if r["timed_out"] and not r["samples_ms"]:
        return f"> {r['timeout_s']:,.0f} s (timed out)"
    text = f"{ms(r['median_ms'])} ms (n={len(r['samples_ms'])})"
    if r.get("bytes"):
        text += f", {r['bytes'] / 1e6:,.1f} MB" if r["bytes"] >= 1e5 else f", {r['bytes']:,} bytes"
    return text + (", then timed out" if r["timed_out"] else "")


def table(figures: dict[str, Any]) -> str:
    """Every figure of a run in one Markdown table."""
    o = figures["options"]
    tiers = figures.get("clicks") or []
    head = ["figure", *(f"{t['rate']:,}/s" for t in tiers)] if tiers else ["figure", "value"]
    rows = click_rows(tiers, o["timeout"]) if tiers else []
    width = len(head)

    def single(name: str, value: str) -> list[str]:
        return [name, value, *([""] * (width - 2))]

    if "reads" in figures:
        r = figures["reads"]
        rows.append(single(f"**reads**, {r['open_cases']:,} open + {r['closed_cases']:,} closed cases", ""))
        rows += [single("`/offboard list` (until its ack)", read_cell(r["list"])),
                 single("App Home (until views.publish)", read_cell(r["app_home"])),
                 single("dashboard, first page", read_cell(r["dashboard"])),
                 single("`python -m bot cases` (wall, a new process)", read_cell(r["cases_cli"])),
                 single("`python -m bot cases`, empty database (start-up floor)",
                        read_cell(r["cases_cli_empty"]))]
    if "timers" in figures:
        t = figures["timers"]
        rows.append(single(f"**scheduler**, {t['open_cases']:,} open cases, {t['pending_timers']:,} pending "
                           "timers", ""))
        rows += [single("a pass with nothing due (next fire time, then no claim)", f"{t['idle_pass_ms']} ms"),
                 single("a claim that finds nothing", f"{t['idle_claim_ms']} ms"),
                 single(f"a pass firing {t['fired']} due timers (each checked again, in its own transaction)",
                        f"{t['fire_pass_ms']:,} ms ({t['fire_per_timer_ms']} ms each)"),
                 single("reading every open case instead (estimated from a sample)",
                        f"~{t['scan_estimate_ms']:,} ms")]
    for s in figures.get("sustained") or []:
        name = f"clicks/s sustained, {s['backend']}, {s['processes']} process(es)"
        p99 = ms(s.get("p99_ms"), bool(s.get("p99_unanswered")), o["timeout"])
        value = s.get("skipped") or (f"{s['clicks_per_s']:,.0f} (errors {s['errors']}, after 3 s "
                                     f"{s['over_3s']}, p99 {p99} ms)")
        rows.append(single(name, value))
    if figures.get("peak_rss_mb") is not None:
        rows.append(single("peak RSS of any bot server this run (MB)", f"{figures['peak_rss_mb']:,.0f}"))
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def heading(figures: dict[str, Any]) -> str:
    """The line above the table: what ran where."""
    m, o = figures["machine"], figures["options"]
    label = f" — {o['label']}" if o.get("label") else ""
    return (f"offboard benchmark{label}: {m['cores']} cores, {m['cpu']}, "
            f"Python {m['python']}, SQLite {m['sqlite']}, commit {m['commit']}; load average "
            f"{m['load_average_at_start'][0]:.2f} at the start. {o['duration']:g} s per rate, hand-offs "
            f"{o['handoff_share']:.0%} of clicks, client timeout {o['timeout']:g} s.")
