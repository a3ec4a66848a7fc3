"""The documents' layout holds for any data: long unbroken words wrap and every column stays on the page."""

from __future__ import annotations

import io
from typing import Any

import pytest

from bot.documents import Documents
from dialogs.engine import Engine
from tests.conftest import TOM
from tests.documents.conftest import pdf_ready
from tests.documents.walk import StillClock, open_case, step_one

LONG = "Ticket" + "X" * 188 + "TheEnd"  # 200 characters, no space to break at


class Placed:
    """Every piece of text a PDF page draws, with where it starts (x, in points)."""

    def __init__(self) -> None:
        self.pieces: list[tuple[float, str]] = []

    def __call__(self, text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            # x on the page: the text matrix's origin through the current transformation matrix.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            self.pieces.append((x, text))


async def long_ticket_case(doc_engine: Engine, still_clock: StillClock) -> str:
    w = await open_case(doc_engine, still_clock, "AcmeCo")
    await step_one(w)
    await w.answer("removal_ticket", TOM, text="T-4711", hours="0.5")
    await w.answer("open_tickets", TOM, tickets=[
        {"number": "T-100", "title": LONG, "decision": "billable"},
        {"number": "T-101", "title": "Short one", "decision": "close"},
    ])
    return w.case_id


@pytest.mark.slow
@pytest.mark.parametrize("document", ["summary", "checklist"])
async def test_a_long_unbroken_ticket_title_keeps_every_column_on_the_page(
        documents: Documents, doc_engine: Engine, still_clock: StillClock, document: str) -> None:
    pdf_ready()
    from pypdf import PdfReader

    case_id = await long_ticket_case(doc_engine, still_clock)
    reader = PdfReader(io.BytesIO((await documents.render(case_id, document, "pdf")).content))
    placed = Placed()
    text = ""
    for page in reader.pages:
        text += page.extract_text(visitor_text=placed)
    width = float(reader.pages[0].mediabox.width)
    flat = "".join(text.split())
    assert LONG in flat, "the whole title is printed (wrapped, not cut)"
    for words in ("billable", "without completing", "open"):
        assert "".join(words.split()).lower() in flat.lower(), f"{words!r} is in the {document} PDF"
    off_page = [(round(x), t[:30]) for x, t in placed.pieces if not 0 <= x < width - 20]
    assert off_page == [], f"text starts off the {width:.0f}pt page"
    widest = max(len(t) for _, t in placed.pieces if "XXXX" in t)
    assert widest < 120, "the long title wraps onto several lines"


async def test_the_checklist_status_column_has_cell_borders_and_one_badge(
        documents: Documents, doc_engine: Engine, still_clock: StillClock, browser: Any) -> None:
    case_id = await long_ticket_case(doc_engine, still_clock)
    html = (await documents.render(case_id, "checklist", "html")).text
    page = await browser.new_page()
    await page.set_content(html)
    cells = await page.eval_on_selector_all("table.items tbody tr", """rows => rows.map(row => {
        const cell = row.children[1];
        const style = getComputedStyle(cell);
        const badge = e => parseFloat(getComputedStyle(e).borderTopWidth) > 0
            && getComputedStyle(e).borderRadius !== '0px';
        const framed = [cell, ...cell.querySelectorAll('*')].filter(badge);
        return {display: style.display, border: style.borderLeftStyle, badges: framed.length,
                text: cell.innerText.trim()};
    })""")
    await page.close()
    assert len(cells) > 20
    for cell in cells:
        assert cell["display"] == "table-cell" and cell["border"] == "solid", cell
        assert cell["badges"] == 1, f"one badge per status cell: {cell}"
