"""``python -m bot export``, run as a subprocess against a real database file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dialogs.checklist import DEFAULT_CHECKLIST
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from storage.sqlite import SQLiteStore
from tests.documents.conftest import pdf_ready
from tests.documents.walk import StillClock, walk_all

ROOT = Path(__file__).resolve().parents[2]
CONFIG = '''
[company]
name = "Northwind IT Services"
address = "100 Main Street\\nSpringfield, IL 62701"
signature = "Karla Palmer\\nService Manager"
'''


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    """A database file holding AcmeCo's completed case."""
    db = tmp_path / "offboard.db"
    store = SQLiteStore(db)
    await store.open()
    try:
        clock = StillClock()
        await walk_all(Engine(store, load_checklist(DEFAULT_CHECKLIST), clock=clock), clock)
    finally:
        await store.close()
    return db


def export(db: Path, cwd: Path, *args: str, config: bool = True,
           more_config: str = "") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFBOARD_")}
    env["OFFBOARD_DATABASE"] = str(db)
    if config:
        (cwd / "offboard.toml").write_text(CONFIG + more_config, encoding="utf-8")
        env["OFFBOARD_CONFIG"] = str(cwd / "offboard.toml")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "bot", "export", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=60, check=False)


async def test_markdown_and_html_go_to_standard_output(database: Path, tmp_path: Path) -> None:
    md = export(database, tmp_path, "acme co", "--doc", "checklist", "--format", "md")
    assert md.returncode == 0, md.stderr
    text = md.stdout.decode()
    assert text.startswith("# Completed checklist: Remove AcmeCo from managed services")
    assert "Generated" in text and "for Northwind IT Services." in text
    html = export(database, tmp_path, "AcmeCo", "--doc", "memo", "--format", "html")
    assert html.returncode == 0, html.stderr
    assert html.stdout.decode().startswith("<!DOCTYPE html>")
    assert "Karla Palmer<br>Service Manager" in html.stdout.decode()


async def test_output_file_and_default_format(database: Path, tmp_path: Path) -> None:
    done = export(database, tmp_path, "AcmeCo", "--doc", "summary", "-o", "out/summary.md")
    assert done.returncode != 0 and b"cannot write out/summary.md" in done.stderr
    done = export(database, tmp_path, "AcmeCo", "--doc", "summary", "-o", "summary.md")
    assert done.returncode == 0 and done.stdout == b""
    assert b"to summary.md" in done.stderr
    assert "| T-100 | Printer jams on the second floor | Billable |" in (tmp_path / "summary.md").read_text()


@pytest.mark.slow
async def test_a_pdf_goes_to_a_file(database: Path, tmp_path: Path) -> None:
    pdf_ready()
    from pypdf import PdfReader

    done = export(database, tmp_path, "AcmeCo", "--doc", "checklist", "--format", "pdf")
    assert done.returncode == 0, done.stderr
    written = tmp_path / "acmeco-checklist.pdf"
    assert b"acmeco-checklist.pdf" in done.stderr and done.stdout == b""
    reader = PdfReader(io.BytesIO(written.read_bytes()))
    assert len(reader.pages) >= 1 and "AcmeCo" in reader.pages[0].extract_text()
    done = export(database, tmp_path, "AcmeCo", "--doc", "memo", "--format", "pdf", "-o", "memo.pdf")
    assert done.returncode == 0 and (tmp_path / "memo.pdf").read_bytes().startswith(b"%PDF-")


async def test_unknown_clients_and_options_fail_clearly(database: Path, tmp_path: Path) -> None:
    missing = export(database, tmp_path, "Nobody Inc", "--doc", "memo")
    assert missing.returncode == 1
    assert missing.stderr.decode().strip() == "error: no case for client 'Nobody Inc'"
    bad_doc = export(database, tmp_path, "AcmeCo", "--doc", "invoice")
    assert bad_doc.returncode == 2 and b"invalid choice: 'invoice'" in bad_doc.stderr
    bad_format = export(database, tmp_path, "AcmeCo", "--doc", "memo", "--format", "docx")
    assert bad_format.returncode == 2 and b"invalid choice: 'docx'" in bad_format.stderr
    no_doc = export(database, tmp_path, "AcmeCo")
    assert no_doc.returncode == 2 and b"--doc" in no_doc.stderr


async def test_a_missing_company_name_is_warned_about(database: Path, tmp_path: Path) -> None:
    done = export(database, tmp_path, "AcmeCo", "--doc", "memo", config=False)
    assert done.returncode == 0
    assert b"warning: no company name configured" in done.stderr
    assert "[Company name]" in done.stdout.decode() or "\\[Company name\\]" in done.stdout.decode()


async def test_a_broken_override_template_is_an_error(database: Path, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "memo.md.j2").write_text("{{ nope }}", encoding="utf-8")
    done = export(database, tmp_path, "AcmeCo", "--doc", "memo",
                  more_config=f'\n[offboard]\ntemplates = "{folder}"\n')
    assert done.returncode == 2
    assert b"error: Template memo.md.j2" in done.stderr and b"'nope' is undefined" in done.stderr
