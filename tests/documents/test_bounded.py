"""A render that runs too long is stopped and reported; cancelling the caller stops it too."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from bot.documents import DocumentError, Documents, worker
from dialogs.engine import Engine
from tests.cli.test_cli import open_case as open_case_on
from tests.cli.test_cli import run
from tests.conftest import StillClock
from tests.documents.conftest import COMPANY
from tests.documents.walk import open_case

# The sandbox caps range() at 100,000; two of them nested are ten billion rounds: "forever".
FOREVER = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n"


def slow_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "memo.md.j2").write_text(FOREVER, encoding="utf-8")
    return folder


async def test_a_render_past_its_limit_is_stopped_and_reported(doc_engine: Engine, still_clock: StillClock,
                                                              tmp_path: Path) -> None:
    walk = await open_case(doc_engine, still_clock, "AcmeCo")
    docs = Documents(doc_engine, company=COMPANY, templates=slow_templates(tmp_path), render_timeout=0.5)
    with pytest.raises(DocumentError, match=r"Rendering the memo \(md\) took longer than 0.5 s and was "
                                            r"stopped \(the limit is OFFBOARD_RENDER_TIMEOUT\)"):
        await docs.render(walk.case_id, "memo", "md")
    assert worker.running() == [], "the worker was killed"
    fast = await docs.render(walk.case_id, "summary", "md")  # other templates still render
    assert "AcmeCo" in fast.text


async def test_cancelling_a_render_kills_its_worker(doc_engine: Engine, still_clock: StillClock,
                                                    tmp_path: Path) -> None:
    walk = await open_case(doc_engine, still_clock, "AcmeCo")
    docs = Documents(doc_engine, company=COMPANY, templates=slow_templates(tmp_path), render_timeout=600)
    task = asyncio.create_task(docs.render(walk.case_id, "memo", "md"))
    for _ in itertools.count():  # until the worker is up: we wait for the fact, not for a time
        if worker.running():
            break
        assert not task.done(), task.exception()
        await asyncio.sleep(0.01)
    (proc,) = worker.running()
    task.cancel()  # what shutdown does to a request in flight
    with pytest.raises(asyncio.CancelledError):
        await task
    assert worker.running() == [] and not proc.is_alive()


def test_the_command_line_reports_a_render_past_its_limit(tmp_path: Path) -> None:
    db = tmp_path / "offboard.db"
    open_case_on(db)
    result = run(db, "export", "AcmeCo", "--doc", "memo", OFFBOARD_TEMPLATES=str(slow_templates(tmp_path)),
                 OFFBOARD_RENDER_TIMEOUT="0.5")
    assert result.returncode == 2
    assert "error: Rendering the memo (md) took longer than 0.5 s and was stopped" in result.stderr
    assert "Traceback" not in result.stderr
