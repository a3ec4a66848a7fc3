"""The real command line, run as a subprocess: ``python -m bot ...`` from the repository root."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from dialogs.checklist import BUILTIN_DIR, DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30


def environment(db: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without any OFFBOARD_* setting, plus a database in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFBOARD_")}
    env["OFFBOARD_DATABASE"] = str(db)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run(db: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=environment(db, **extra),
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def open_case(db: Path, client: str = "AcmeCo") -> str:
    """Open a case through the engine on the database file, then close the store."""
    stop = (date.today() + timedelta(days=60)).isoformat()

    async def go() -> str:
        store = SQLiteStore(db)
        await store.open()
        try:
            engine = Engine(store, load_checklist(DEFAULT_CHECKLIST))
            out = await engine.open_case(client, {**HEADER, "stop_date": stop}, ALICE)
            assert out.changed, out.message
            return out.case_id or ""
        finally:
            await store.close()

    return asyncio.run(go())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "offboard.db"


# ---------------------------------------------------------------- checklist check

def test_checklist_check_prints_each_step_with_item_counts(db: Path) -> None:
    result = run(db, "checklist", "check", "dialogs/checklists/offboarding.toml")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    checklist = load_checklist(DEFAULT_CHECKLIST)
    assert lines[0].startswith("dialogs/checklists/offboarding.toml: OK")
    assert f"{len(checklist.items)} items" in lines[0]
    steps = [line for line in lines if line.strip().startswith("step ")]
    assert len(steps) == 3
    for line, step in zip(steps, checklist.steps, strict=True):
        assert f"step {step.number} {step.id} ({checklist.department_label(step.department)}): " \
               f"{len(step.items)} items" in line, line
    assert "15 items" in steps[0] and "Admin" in steps[0]
    assert "Tech" in steps[1] and "1 gate" in steps[1] and "1 tickets" in steps[1]
    assert result.stderr == ""
    assert not db.exists(), "checking a file touches no database"


def test_checklist_check_onboarding(db: Path) -> None:
    result = run(db, "checklist", "check", str(BUILTIN_DIR / "onboarding.toml"))
    assert result.returncode == 0, result.stderr
    assert "checklist 'onboarding'" in result.stdout
    assert len([x for x in result.stdout.splitlines() if x.strip().startswith("step ")]) == 2


def test_checklist_check_refuses_a_broken_copy(tmp_path: Path, db: Path) -> None:
    text = DEFAULT_CHECKLIST.read_text(encoding="utf-8")
    old = 'id = "review_account"\nkind = "task"'
    assert old in text
    broken = tmp_path / "broken-offboarding.toml"
    broken.write_text(text.replace(old, 'id = "review_account"\nkind = "chore"'), encoding="utf-8")
    result = run(db, "checklist", "check", str(broken))
    assert result.returncode != 0
    assert "broken-offboarding.toml" in result.stderr
    assert "steps[0].items[1].kind" in result.stderr
    assert "'chore'" in result.stderr
    assert "Traceback" not in result.stderr
    assert "OK" not in result.stdout


def test_checklist_check_refuses_a_reference_to_a_later_step(tmp_path: Path, db: Path) -> None:
    text = DEFAULT_CHECKLIST.read_text(encoding="utf-8")
    old = 'id = "review_account"\nkind = "task"\n'
    broken = tmp_path / "forward.toml"
    broken.write_text(text.replace(old, old + 'after = ["rebate"]\n'), encoding="utf-8")
    result = run(db, "checklist", "check", str(broken))
    assert result.returncode != 0
    assert "forward.toml: steps[0].items[1].after[0]: 'rebate' is an item of step 3" in result.stderr
    assert "OK" not in result.stdout and "Traceback" not in result.stderr


def test_checklist_check_missing_file_and_directory(tmp_path: Path, db: Path) -> None:
    result = run(db, "checklist", "check", str(tmp_path / "nope.toml"))
    assert result.returncode != 0
    assert "nope.toml" in result.stderr and "no such file" in result.stderr
    result = run(db, "checklist", "check", str(tmp_path))
    assert result.returncode != 0
    assert "error:" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- cases and case show

def test_cases_on_an_empty_database(db: Path) -> None:
    result = run(db, "cases")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No open cases."



def test_cases_lists_a_page_of_the_newest_and_says_how_many_more(db: Path) -> None:
    older, newer = open_case(db, "AcmeCo"), open_case(db, "Globex")
    first = run(db, "cases", "--per-page", "1")
    assert first.returncode == 0, first.stderr
    assert [line.split()[0] for line in first.stdout.splitlines()] == [newer]
    assert "1 more open case(s): --page 2, or --all" in first.stderr
    second = run(db, "cases", "--per-page", "1", "--page", "2")
    assert [line.split()[0] for line in second.stdout.splitlines()] == [older] and not second.stderr
    every = run(db, "cases", "--all", "--per-page", "1")
    assert [line.split()[0] for line in every.stdout.splitlines()] == [newer, older]

def test_cases_and_case_show_after_opening_a_case(db: Path) -> None:
    case_id = open_case(db)

    listed = run(db, "cases")
    assert listed.returncode == 0, listed.stderr
    lines = [x for x in listed.stdout.splitlines() if x.strip()]
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith(case_id) and "AcmeCo" in line
    progress = re.findall(r"(\d):(\d+)/(\d+)", line)
    assert [(n, int(total)) for n, _, total in progress] == [("1", 15), ("2", 17), ("3", 7)]
    assert int(progress[0][1]) >= 1, "the memo is generated when the case opens"

    shown = run(db, "case", "show", "  acmeco ")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert out.startswith(f"Remove AcmeCo from managed services — case {case_id}, open")
    assert "Primary contact at the client during transition: Pat Client" in out
    assert "Contact email: pat@acme.example" in out
    assert "Routing step one: Admin [" in out and "Routing step three: Admin [" in out
    assert "[Done] \"What's Next\" memo for AcmeCo" in out, out
    assert "[Open] Review AcmeCo's account" in out, out
    assert "[Locked] Create a billable service request to remove AcmeCo from managed service: " \
           "Waits for step 1 to hand off to Tech" in out, out
    timeline = out.split("\nTimeline:\n", 1)[1]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Alice Admin: case opened", timeline), timeline


def test_case_show_unknown_client(db: Path) -> None:
    open_case(db)
    result = run(db, "case", "show", "Nobody")
    assert result.returncode != 0
    assert "Nobody" in result.stderr and "no case" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- configuration errors

@pytest.mark.parametrize(("setting", "value", "expect"), [
    ("OFFBOARD_PORT", "abc", "OFFBOARD_PORT must be a number"),
    ("OFFBOARD_PORT", "70000", "OFFBOARD_PORT 70000 is not a port number"),
    ("OFFBOARD_TIMEZONE", "Mars/Olympus", "OFFBOARD_TIMEZONE 'Mars/Olympus' is not a known time zone"),
])
def test_bad_setting_is_a_clear_error(db: Path, setting: str, value: str, expect: str) -> None:
    result = run(db, "serve", **{setting: value})
    assert result.returncode != 0
    assert expect in result.stderr
    assert "Traceback" not in result.stderr
    assert "running" not in result.stdout


def test_broken_configured_checklist_is_a_clear_error(tmp_path: Path, db: Path) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text("id = [", encoding="utf-8")
    result = run(db, "cases", OFFBOARD_CHECKLISTS=str(broken))
    assert result.returncode != 0
    assert "mine.toml" in result.stderr and "not valid TOML" in result.stderr


def test_a_non_database_file_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("this is not an SQLite database, not at all\n" * 10, encoding="utf-8")
    result = run(bogus, "cases")
    assert result.returncode != 0
    assert "bogus.db" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- serve

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], seconds: float = 15) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited early with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("application/json")
                body: dict[str, object] = json.loads(response.read())
                return body
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"no answer on {url} within {seconds}s")


def serve(db: Path, tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, stdout=o, stderr=e,
                                env=environment(db, OFFBOARD_PORT=str(port), OFFBOARD_HOST="127.0.0.1"))
    return proc, out, err


def stop(proc: subprocess.Popen[bytes], sig: int) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def assert_intact(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] >= 0
    conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_healthz_and_stops_cleanly(db: Path, tmp_path: Path, sig: int) -> None:
    open_case(db)
    port = free_port()
    proc, out, err = serve(db, tmp_path, port)
    try:
        body = wait_healthy(port, proc)
        assert body["status"] == "ok"
        assert body["open_cases"] == 1
        assert body["checklists"] == ["offboarding", "onboarding"]
    finally:
        code = stop(proc, sig)
    stderr = err.read_text(encoding="utf-8")
    assert code == 0, stderr
    assert f"http://127.0.0.1:{port}/" in out.read_text(encoding="utf-8")
    assert "offboard stopped." in out.read_text(encoding="utf-8")
    assert "Traceback" not in stderr
    assert_intact(db)
    # And the data is still there for the next command.
    listed = run(db, "cases")
    assert "AcmeCo" in listed.stdout


@pytest.mark.slow
def test_serve_on_a_taken_port_is_a_clear_error(db: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(db, "serve", OFFBOARD_PORT=str(port))
    assert result.returncode != 0
    assert "error:" in result.stderr and str(port) in result.stderr
    assert "Traceback" not in result.stderr
    assert_intact(db)


# ---------------------------------------------------------------- which case, reopen, raw control characters
def store_raw(db: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql, params)
    conn.close()


def test_case_show_prefers_the_open_case_then_the_latest_completed_and_says_so(db: Path) -> None:
    first = open_case(db)
    store_raw(db, "UPDATE cases SET status = 'completed' WHERE id = ?", first)
    second = open_case(db, "acme co")
    store_raw(db, "UPDATE cases SET status = 'cancelled' WHERE id = ?", second)
    shown = run(db, "case", "show", "AcmeCo")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Remove AcmeCo from managed services — case {first}, completed")
    assert f"note: AcmeCo has 2 cases; this is the completed one ({first}). Not shown: {second} (cancelled" \
        in shown.stderr
    by_id = run(db, "status", second)
    assert by_id.returncode == 0 and f"case {second}, cancelled" in by_id.stdout and by_id.stderr == ""
    exported = run(db, "export", second, "--doc", "checklist")
    assert exported.returncode == 0 and "Checklist (cancelled)" in exported.stdout


def test_case_reopen_from_the_command_line_records_the_reason(db: Path) -> None:
    case_id = open_case(db)
    store_raw(db, "UPDATE cases SET status = 'cancelled' WHERE id = ?", case_id)
    reopened = run(db, "case", "reopen", "AcmeCo", "--reason", "Client leaves after all")
    assert reopened.returncode == 0, reopened.stderr
    assert reopened.stdout.strip() == "Reopened the case for AcmeCo: Client leaves after all"
    shown = run(db, "case", "show", "AcmeCo").stdout
    assert f"case {case_id}, open" in shown and "case reopened (Client leaves after all)" in shown


def test_stored_control_characters_are_never_printed_raw(db: Path) -> None:
    case_id = open_case(db)  # data from before control characters were refused
    store_raw(db, "UPDATE cases SET client = ? WHERE id = ?", "Acme\x1b[2J\x1b]0;pwned\x07Co", case_id)
    store_raw(db, "UPDATE item_states SET status = 'done', value = ? WHERE case_id = ? AND item_id = ?",
              json.dumps({"text": "wire \x1b[31mred\x1b[0m \u202eevil"}), case_id, "payment_arrangements")
    for args in (("case", "show", case_id), ("export", case_id, "--doc", "checklist", "--format", "md"),
                 ("cases",), ("status", case_id)):
        result = run(db, *args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
        assert "\x1b" not in result.stderr
    shown = run(db, "case", "show", case_id).stdout
    assert "Acme␛[2J␛]0;pwned␇Co" in shown and "wire ␛[31mred␛[0m <U+202E>evil" in shown
