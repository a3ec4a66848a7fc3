"""``python -m bot cases --overdue``, ``case date``, and due dates in ``case show`` and ``status``."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.timing import Timing
from storage.sqlite import SQLiteStore
from tests.cli.test_cli import run
from tests.conftest import ALICE, HEADER
from tests.engine.support import ANNE
from tests.engine.test_scenario import Walk


def open_cases_two_weeks_ago(db: Path) -> dict[str, str]:
    """AcmeCo (prepayment and more, late) and Globex (all of step one done: nothing late)."""
    opened = datetime.now(UTC) - timedelta(days=14)
    stop = (date.today() + timedelta(days=60)).isoformat()

    async def go() -> dict[str, str]:
        async with SQLiteStore(db) as store:
            engine = Engine(store, load_checklist(DEFAULT_CHECKLIST), clock=lambda: opened, timing=Timing())
            ids = {}
            for client in ("AcmeCo", "Globex"):
                out = await engine.open_case(client, {**HEADER, "stop_date": stop}, ALICE)
                ids[client] = str(out.case_id)
            walk = Walk(engine, ids["AcmeCo"])
            await walk.done("review_account", ALICE)
            out = await engine.claim(ids["AcmeCo"], "contact_client", ANNE, 1)
            assert out.changed
            return ids

    return asyncio.run(go())


def test_cases_overdue_lists_the_late_items(tmp_path: Path) -> None:
    db = tmp_path / "offboard.db"
    ids = open_cases_two_weeks_ago(db)
    done = run(db, "cases", "--overdue")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # Ten open items of step one and two it still locks (their condition waits for an answer) are late.
    assert lines[0].startswith(f"{ids['AcmeCo']}  AcmeCo  stops ") and lines[0].endswith("  12 late")
    assert re.search(r"\n    “Collect prepayment of \$___ for ___ hours labor” — \d+ days late \(Admin\)\n",
                     done.stdout), done.stdout
    assert re.search(r"\n    “Contact AcmeCo: all work .*” — \d+ days late · Anne Admin \(Admin\)\n",
                     done.stdout), "who holds it"
    assert not [line for line in lines if "Review AcmeCo" in line], "done: not late"
    assert any(line.startswith(f"{ids['Globex']}  Globex") for line in lines)
    every = run(db, "cases")
    assert "  12 late" in every.stdout
    (tmp_path / "off.toml").write_text("[reminders]\nenabled = false\n", encoding="utf-8")
    off = run(db, "cases", "--overdue", OFFBOARD_CONFIG=str(tmp_path / "off.toml"))
    assert off.stdout.startswith("Reminders are off")


def test_cases_overdue_says_when_nothing_is_late(tmp_path: Path) -> None:
    db = tmp_path / "offboard.db"
    done = run(db, "cases", "--overdue")
    assert done.returncode == 0 and done.stdout == "No items are late.\n"


def test_moving_the_stop_date_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "offboard.db"
    ids = open_cases_two_weeks_ago(db)
    later = (date.today() + timedelta(days=90)).isoformat()
    moved = run(db, "case", "date", "AcmeCo", later, "--reason", "The client asked for more time")
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout == f"Moved “Date service will stop” for AcmeCo to {later}.\n"
    shown = run(db, "case", "show", ids["AcmeCo"]).stdout
    assert "header changed" in shown and "The client asked for more time" in shown
    assert re.search(r"\[Open\] Collect prepayment of \$___ for ___ hours labor \(\d+ days late, due \w{3} ",
                     shown), shown
    status = run(db, "status", "AcmeCo").stdout
    assert re.search(r"  Most urgent: “Collect prepayment of \$___ for ___ hours labor” \d+ days late "
                     r"\(12 late\)", status), status
    again = run(db, "case", "date", "AcmeCo", later, "--reason", "again")
    assert again.returncode == 1 and "Nothing changed" in again.stdout
    past = run(db, "case", "date", "AcmeCo", "2001-01-01", "--reason", "oops")
    assert past.returncode == 2 and "is in the past" in past.stderr


def test_checklist_check_names_the_due_rules(tmp_path: Path) -> None:
    done = run(tmp_path / "x.db", "checklist", "check", str(DEFAULT_CHECKLIST))
    assert "step 2 tech_two (Tech): 17 items — " in done.stdout
    assert "; due 5 business days before stop_date (3 item(s) with their own)" in done.stdout
    onboarding = run(tmp_path / "x.db", "checklist", "check",
                     str(DEFAULT_CHECKLIST.with_name("onboarding.toml")))
    assert "no due rules: cases of this checklist get no reminders" in onboarding.stdout
