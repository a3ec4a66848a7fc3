"""One environment for every document: sandboxed, autoescaped for HTML, strict, overridable per template."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from bot.documents import DocumentError, Documents
from bot.documents.environment import BUILTIN_TEMPLATES, environment, md_escape
from dialogs.engine import Engine
from tests.documents.conftest import COMPANY


def test_the_environment_is_sandboxed_strict_and_escapes_html_only() -> None:
    env = environment()
    assert isinstance(env, SandboxedEnvironment)
    assert env.undefined is StrictUndefined
    assert callable(env.autoescape)
    assert env.autoescape("memo.html.j2") is True
    assert env.autoescape("memo.md.j2") is False
    assert {p.name for p in BUILTIN_TEMPLATES.iterdir()} >= {
        f"{d}.{f}.j2" for d in ("memo", "summary", "checklist") for f in ("md", "html")} | {"base.html.j2"}


def test_markdown_escaping_keeps_text_literal_and_on_one_line() -> None:
    assert md_escape("<b>*bold*</b> & _it_ [x](y) | `c` ~s~ \\") == (
        "\\<b>\\*bold\\*\\</b> & \\_it\\_ \\[x\\](y) \\| \\`c\\` \\~s\\~ \\\\")
    assert md_escape("Acme & Sons <ops@acme.example>") == "Acme & Sons \\<ops@acme.example>"
    assert md_escape("a < b > c, 3 > 2") == "a < b > c, 3 > 2", "plain text stays plain"
    assert md_escape("&amp; &#38; &copy;") == "\\&amp; \\&#38; \\&copy;", "no entity is decoded"
    assert md_escape("> quoted") == "\\> quoted"
    assert md_escape("# Title") == "\\# Title"
    assert md_escape("1. first") == "1\\. first"
    assert md_escape("- item") == "\\- item"
    assert md_escape("10.50") == "10.50" and md_escape("2026-12-31") == "2026-12-31"
    assert md_escape("#T-100") == "#T-100"
    assert md_escape("line one\n\n- line two") == "line one - line two", "joined: no longer a list item"


async def test_an_override_folder_replaces_one_template_and_keeps_the_rest(
        doc_engine: Engine, walked: str, tmp_path: Path) -> None:
    (tmp_path / "memo.md.j2").write_text(
        "Custom memo for {{ client }} from {{ company.name }}: "
        "{{ money.prepaid_dollars }} for {{ money.prepaid_hours }} hours.\n", encoding="utf-8")
    docs = Documents(doc_engine, company=COMPANY, templates=tmp_path)
    memo = (await docs.render(walked, "memo", "md")).text
    assert memo == "Custom memo for AcmeCo from Northwind IT Services: $1,500.00 for 10.00 hours.\n"
    html = (await docs.render(walked, "memo", "html")).text
    assert "What’s Next: ending managed services for AcmeCo" in html, "the built-in HTML still serves"


async def test_an_override_base_template_restyles_every_html_document(
        doc_engine: Engine, walked: str, tmp_path: Path) -> None:
    base = (BUILTIN_TEMPLATES / "base.html.j2").read_text(encoding="utf-8")
    (tmp_path / "base.html.j2").write_text(base.replace("<body>", '<body class="acme-letterhead">'),
                                           encoding="utf-8")
    docs = Documents(doc_engine, company=COMPANY, templates=tmp_path)
    for document in ("memo", "summary", "checklist"):
        assert '<body class="acme-letterhead">' in (await docs.render(walked, document, "html")).text


async def test_template_mistakes_are_reported_not_printed(doc_engine: Engine, walked: str,
                                                          tmp_path: Path) -> None:
    (tmp_path / "memo.md.j2").write_text("Dear {{ fields.contact_nmae }}\n", encoding="utf-8")
    (tmp_path / "summary.md.j2").write_text("{% if %}\n", encoding="utf-8")
    (tmp_path / "checklist.md.j2").write_text("{{ client.__class__.__mro__ }}\n", encoding="utf-8")
    docs = Documents(doc_engine, company=COMPANY, templates=tmp_path)
    with pytest.raises(DocumentError, match=r"memo\.md\.j2 line 1: .*contact_nmae"):
        await docs.render(walked, "memo", "md")
    with pytest.raises(DocumentError, match=r"summary\.md\.j2 line 1"):
        await docs.render(walked, "summary", "md")
    with pytest.raises(DocumentError, match=r"checklist\.md\.j2"):
        await docs.render(walked, "checklist", "md")  # the sandbox refuses dunder attributes


async def test_unknown_documents_formats_and_folders_are_refused(doc_engine: Engine, walked: str,
                                                                 tmp_path: Path) -> None:
    docs = Documents(doc_engine, company=COMPANY)
    with pytest.raises(DocumentError, match="Unknown document 'invoice'"):
        await docs.render(walked, "invoice", "md")
    with pytest.raises(DocumentError, match="Unknown format 'docx'"):
        await docs.render(walked, "memo", "docx")
    missing = Documents(doc_engine, company=COMPANY, templates=tmp_path / "nowhere")
    with pytest.raises(DocumentError, match="nowhere does not exist"):
        await missing.render(walked, "memo", "md")
