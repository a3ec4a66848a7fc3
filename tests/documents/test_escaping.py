"""What people type is data, never markup and never a template, in every format."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from bot.documents import DOCUMENTS, Documents
from dialogs.engine import Engine
from tests.conftest import ALICE
from tests.documents.conftest import pdf_ready
from tests.documents.walk import StillClock, Walk, walk_all

HOSTILE = "<script>alert(1)</script> & {{7*7}}"


class _Page(HTMLParser):
    """The tags and the visible text of an HTML page, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @classmethod
    def of(cls, html: str) -> _Page:
        page = cls()
        page.feed(html)
        return page

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture
async def hostile(doc_engine: Engine, still_clock: StillClock) -> str:
    return await walk_all(doc_engine, still_clock, HOSTILE)


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_hostile_client_name_shows_as_text_in_html(documents: Documents, hostile: str,
                                                            document: str) -> None:
    html = (await documents.render(hostile, document, "html")).text
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{7*7}}" in html
    page = _Page.of(html)
    assert "script" not in page.tags
    assert HOSTILE in page.visible, "the name reads exactly as typed"
    assert " 49 " not in page.visible and ">49<" not in html


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_hostile_client_name_renders_literally_from_markdown(documents: Documents, hostile: str,
                                                                      document: str) -> None:
    md = (await documents.render(hostile, document, "md")).text
    assert "\\<script>" in md and "{{7\\*7}}" in md, "escaped: * would be emphasis, < a tag"
    assert "&lt;" not in md and "&amp;" not in md, "Markdown is plain text, not HTML"
    for renderer in (MarkdownIt("commonmark"), MarkdownIt("gfm-like", {"linkify": False})):
        html = renderer.render(md)
        page = _Page.of(html)
        assert "script" not in page.tags
        assert HOSTILE in page.visible, "a Markdown viewer shows the name exactly as typed"
        assert "em" not in page.tags or "7*7" in page.visible


@pytest.mark.slow
async def test_a_hostile_client_name_shows_as_text_in_pdf(documents: Documents, hostile: str) -> None:
    pdf_ready()
    from pypdf import PdfReader

    for document in DOCUMENTS:
        reader = PdfReader(io.BytesIO((await documents.render(hostile, document, "pdf")).content))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert HOSTILE in text, f"the {document} PDF shows the name as typed"


async def test_typed_text_is_never_compiled_as_a_template(documents: Documents, doc_engine: Engine,
                                                           still_clock: StillClock) -> None:
    opened = await doc_engine.open_case("{{7*7}}", {
        "stop_date": "2026-12-31", "contact_name": "{{ company.name }}",
        "contact_phone": "+1 202 555 0130", "contact_email": "pat@acme.example"}, ALICE)
    walk = Walk(doc_engine, still_clock, opened.case_id or "")
    await walk.done("review_account", ALICE)
    await walk.yes("accounts_receivable", ALICE)
    await walk.answer("payment_arrangements", ALICE, text="{% for x in range(3) %}loop{% endfor %}")
    for fmt in ("md", "html"):
        for document in ("memo", "checklist"):
            text = (await documents.render(walk.case_id, document, fmt)).text.replace(walk.case_id, "ID")
            assert "49" not in text, f"{document}.{fmt} evaluated the client name"
            assert "loop loop" not in text and "looploop" not in text
            if fmt == "html":
                assert "{{7*7}}" in text and "{{ company.name }}" in text
                assert "{% for x in range(3) %}loop{% endfor %}" in text or document == "memo"
            else:
                assert "{{7\\*7}}" in text and "{{ company.name }}" in text


async def test_markdown_reads_as_plain_text(documents: Documents, doc_engine: Engine,
                                            still_clock: StillClock) -> None:
    case_id = await walk_all(doc_engine, still_clock, "Acme & Sons <Ops>")
    for document in DOCUMENTS:
        md = (await documents.render(case_id, document, "md")).text
        assert "Acme & Sons" in md and "&amp;" not in md, f"{document}.md shows the name as typed"
        html = MarkdownIt("commonmark").render(md)
        assert "Acme & Sons <Ops>" in _Page.of(html).visible
