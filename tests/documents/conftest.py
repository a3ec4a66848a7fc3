"""Fixtures for the documents: a still clock, a company, an engine and a fully walked case."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.documents import Company, Documents
from dialogs.checklist import Checklist
from dialogs.engine import Engine
from storage.sqlite import SQLiteStore
from tests.documents.walk import StillClock, walk_all
from tests.web.conftest import browser  # noqa: F401 - Chromium, for the layout tests

GOLDEN = Path(__file__).parent / "golden"
CASE_ID_PLACEHOLDER = "c0000000000"

COMPANY = Company(
    name="Northwind IT Services",
    address=("100 Main Street, Suite 4", "Springfield, IL 62701"),
    signature=("Karla Palmer", "Service Manager, Northwind IT Services"),
    phone="+1 555 010 0100",
    email="help@northwind.example",
    configured=True,
)


@pytest.fixture
def still_clock() -> StillClock:
    return StillClock()


@pytest.fixture
def doc_engine(store: SQLiteStore, offboarding: Checklist, still_clock: StillClock) -> Engine:
    return Engine(store, offboarding, clock=still_clock)


@pytest.fixture
def documents(doc_engine: Engine) -> Documents:
    return Documents(doc_engine, company=COMPANY)


@pytest.fixture
async def walked(doc_engine: Engine, still_clock: StillClock) -> str:
    """The id of AcmeCo's case, walked through every step to completion."""
    case_id = await walk_all(doc_engine, still_clock)
    still_clock.advance(hours=1)
    return case_id


def pdf_ready() -> None:
    """Skip a PDF test where WeasyPrint is missing, except under CI, where it must be there."""
    from bot.documents.pdf import PdfUnavailable, weasyprint_module

    try:
        weasyprint_module()
    except PdfUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PDF tests, but WeasyPrint cannot load: {exc}")
        pytest.skip(str(exc))


def check_golden(name: str, text: str) -> None:
    """Compare with tests/documents/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}; run UPDATE_GOLDEN=1 pytest tests/documents"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)"
