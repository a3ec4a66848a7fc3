"""Every document in every format, from one fully walked case, against its golden file."""

from __future__ import annotations

import io

import pytest

from bot.documents import DOCUMENTS, Documents
from tests.documents.conftest import CASE_ID_PLACEHOLDER, check_golden, pdf_ready


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("document", DOCUMENTS)
async def test_each_document_matches_its_golden_file(documents: Documents, walked: str,
                                                      document: str, fmt: str) -> None:
    rendered = await documents.render(walked, document, fmt)
    assert rendered.filename == f"acmeco-{document}.{fmt}"
    assert rendered.media_type.startswith({"md": "text/markdown", "html": "text/html"}[fmt])
    check_golden(f"{document}.{fmt}", rendered.text.replace(walked, CASE_ID_PLACEHOLDER))


KEY_LINES = {
    "memo": ["What’s Next: ending managed services for AcmeCo", "Removal work is billable",
             "critical updates", "without compensating Northwind IT Services",
             "non-disclosure agreement", "new technical support", "summary of all outstanding issues",
             "$1,500.00 for 10.00 hours", "Karla Palmer"],
    "summary": ["Summary of existing issues and tickets: AcmeCo", "T-100", "Printer jams on the second floor",
                "Worked under the ending contract", "Closed without completing", "T-4711"],
    "checklist": ["Completed checklist: Remove AcmeCo from managed services", "Terms are already net 0",
                  "No → Yes", "When all invoices are paid and everything is settled", "$900.00",
                  "Case completed 2026-12-01"],
}


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
async def test_each_document_as_pdf_has_pages_and_the_case_text(documents: Documents, walked: str,
                                                                document: str) -> None:
    pdf_ready()
    from pypdf import PdfReader

    rendered = await documents.render(walked, document, "pdf")
    assert rendered.content.startswith(b"%PDF-")
    assert rendered.filename == f"acmeco-{document}.pdf" and rendered.media_type == "application/pdf"
    reader = PdfReader(io.BytesIO(rendered.content))
    assert len(reader.pages) >= 1
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for line in KEY_LINES[document]:
        assert line in text, f"{line!r} is not in the {document} PDF"
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
