"""The benchmark at tiny scale runs end to end, and every figure is in its output (no speed is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.profile import summarize

ROOT = Path(__file__).resolve().parents[2]
RATES = (10,)


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def latency_figures(summary: dict[str, Any], sent: int) -> None:
    """A load summary: what was sent, what came back, and p50/p99 (a number, or flagged unanswered)."""
    assert summary["sent"] == sent
    assert summary["answered"] + summary["errors"] == sent
    for name in ("p50", "p90", "p99", "max"):
        assert number(summary[f"{name}_ms"]) or summary[f"{name}_unanswered"] is True
    assert isinstance(summary["over_3s"], int)


def read_figures(read: dict[str, Any]) -> None:
    assert read["samples_ms"] or read["timed_out"]
    assert all(number(s) for s in read["samples_ms"])
    assert number(read["median_ms"]) or read["timed_out"]


@pytest.mark.slow
def test_tiny_run_has_every_figure(tmp_path: Path) -> None:
    figures_file = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--rates", ",".join(map(str, RATES)), "--duration", "1",
         "--open-cases", "6", "--closed-cases", "6", "--reads-repeat", "1", "--converge-timeout", "5",
         "--sustained-duration", "1", "--sustained-concurrency", "2", "--processes", "1",
         "--cache-dir", str(tmp_path / "cache"), "--json", str(figures_file), "--label", "smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(figures_file.read_text(encoding="utf-8"))

    machine = figures["machine"]
    assert isinstance(machine["cores"], int) and machine["cpu"] and machine["python"] and machine["sqlite"]

    assert [t["rate"] for t in figures["clicks"]] == list(RATES)
    for tier in figures["clicks"]:
        sent = tier["clicks"]
        assert sent == tier["rate"]  # one second of clicks
        for run in ("ack", "bare_default", "bare_process_before_response"):
            latency_figures(tier[run], sent)
        assert set(tier["ratios"]) == {"p99_vs_bare_default", "p99_vs_bare_process_before_response"}
        conv = tier["convergence"]
        assert conv["messages_checked"] > 0
        # An acknowledged click was committed first: each one is a real state change in the store.
        assert conv["applied"] >= tier["ack"]["answered"]
        assert number(conv["converged_s"]) or number(conv["gave_up_after_s"])
        assert isinstance(tier["handoff"]["handoffs"], int) and isinstance(tier["handoff"]["missing"], int)
        assert number(tier["peak_rss_mb"])

    sqlite, *postgres = figures["sustained"]
    assert sqlite["backend"] == "sqlite" and number(sqlite["clicks_per_s"]) and sqlite["sent"] > 0
    assert [row["processes"] for row in postgres] == [1]
    assert all(row.get("skipped") or number(row.get("clicks_per_s")) for row in postgres)

    reads = figures["reads"]
    assert (reads["open_cases"], reads["closed_cases"]) == (6, 6)
    for name in ("list", "app_home", "dashboard", "cases_cli", "cases_cli_empty"):
        read_figures(reads[name])
    assert number(figures["peak_rss_mb"])
    timers = figures["timers"]
    assert timers["open_cases"] == 6 and timers["pending_timers"] > 6 and timers["fired"] >= 1
    for name in ("idle_pass_ms", "idle_claim_ms", "fire_pass_ms", "scan_estimate_ms"):
        assert number(timers[name])

    table = done.stdout
    assert table.startswith("offboard benchmark — smoke: ")
    assert "| figure | 10/s |" in table
    for row in ("**bot**: ack p50 / p99", "bare bolt, default", "bare bolt, process_before_response",
                "click → hand-off post", "last click → every card at the fake as stored",
                "`/offboard list`", "App Home", "dashboard, first page", "`python -m bot cases`",
                "clicks/s sustained, sqlite, 1 process(es)", "peak RSS of any bot server",
                "**scheduler**, 6 open cases", "a pass with nothing due"):
        assert row in table, row


# ---------------------------------------------------------------- the parts the figures rest on

def test_a_server_that_stored_nothing_has_not_converged() -> None:
    from bench.converge import Look, settled

    assert not settled(Look(checked=10, stale=[], applied=0), clicks=5)  # its cards still "match"
    assert not settled(Look(checked=10, stale=["C0ADMIN/1.000001"], applied=5), clicks=5)
    assert settled(Look(checked=10, stale=[], applied=5), clicks=5)


def test_a_click_never_answered_counts_in_the_percentiles_as_never_answered() -> None:
    from bench.stats import load_summary

    results = [[0.0, 0.010, 200, None]] * 98 + [[0.0, None, 0, "timeout"], [0.0, None, 503, "status"]]
    summary = load_summary({"results": results, "elapsed": 1.0, "lag_p99": 0.001, "lag_max": 0.002})
    assert (summary["sent"], summary["answered"], summary["errors"]) == (100, 98, 2)
    assert summary["error_kinds"] == {"timeout": 1, "HTTP 503": 1}
    assert summary["p50_ms"] == 10.0 and not summary["p50_unanswered"]
    assert summary["p99_ms"] is None and summary["p99_unanswered"]


def test_the_load_process_reads_a_response_to_its_end_however_it_arrives() -> None:
    from bench.http1 import _complete

    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
    assert _complete(bytearray(head[:20])) is None
    assert _complete(bytearray(head + b"abc")) is None
    assert _complete(bytearray(head + b"abcde")) == 200
    chunked = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n"
    assert _complete(bytearray(chunked)) is None
    assert _complete(bytearray(chunked + b"0\r\n\r\n")) == 401


def test_a_profile_of_a_server_and_its_worker_is_summed_up_per_process(tmp_path: Path) -> None:
    raw = tmp_path / "prof.txt"
    raw.write_text(
        'process 1:"python -m bot serve --workers 1";thread (1): MainThread;'
        "main (bot/cli.py:90);SlackEndpoint.handle (adapters/slack/http.py:50) 3\n"
        'process 1:"python -m bot serve --workers 1";process 2:"python -m bot work --nice 5";'
        "thread (2): MainThread;main (bot/cli.py:112);ItemListeners.apply_click (adapters/slack/items.py:70);"
        "loads (orjson.py:1) 7\n", encoding="utf-8")
    summary = summarize(raw)
    assert summary["samples"] == 10
    assert summary["threads"] == [["worker: MainThread", 7, 70.0], ["server: MainThread", 3, 30.0]]
    ours = {name: n for name, n, _ in summary["ours"]}
    assert ours["ItemListeners.apply_click (adapters/slack/items.py)"] == 7
    assert ours["SlackEndpoint.handle (adapters/slack/http.py)"] == 3
    assert not any("process" in name for name in ours)
