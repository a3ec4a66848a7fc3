"""Rendering one document in one format from a context dict."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from bot.documents.environment import BUILTIN_TEMPLATES, environment
from bot.documents.pdf import html_to_pdf
from dialogs.errors import OffboardError

DOCUMENTS = ("memo", "summary", "checklist")
FORMATS = ("md", "html", "pdf")
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "pdf": "application/pdf"}


class DocumentError(OffboardError):
    """A document cannot be produced: unknown document or format, a bad template, a missing folder."""


@dataclass(frozen=True)
class RenderedDocument:
    """One document in one format, ready to write to a file or upload to a case thread."""

    document: str  # memo | summary | checklist
    format: str  # md | html | pdf
    title: str
    filename: str
    media_type: str
    content: bytes

    @property
    def text(self) -> str:
        """The content as text (Markdown and HTML only)."""
        if self.format == "pdf":
            raise DocumentError("a PDF is not text")
        return self.content.decode("utf-8")


def template_name(document: str, fmt: str) -> str:
    """The template file a document and format render from (a PDF renders from the HTML)."""
    return f"{document}.{'html' if fmt == 'pdf' else fmt}.j2"


def render(context: dict[str, Any], document: str, fmt: str, *,
           templates: Path | None = None) -> RenderedDocument:
    """Render a document from a context built by build_context; DocumentError if it cannot be."""
    if document not in DOCUMENTS:
        raise DocumentError(f"Unknown document {document!r}; choose one of {', '.join(DOCUMENTS)}")
    if fmt not in FORMATS:
        raise DocumentError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    name = template_name(document, fmt)
    try:
        env = environment(templates)
        text = env.get_template(name).render({**context, "output_format": fmt})
    except FileNotFoundError as exc:
        raise DocumentError(str(exc)) from None
    except TemplateError as exc:
        raise DocumentError(f"Template {_where(exc, name)}: {exc.message or type(exc).__name__}") from None
    if fmt == "pdf":
        folders = [templates, BUILTIN_TEMPLATES] if templates else [BUILTIN_TEMPLATES]
        content = html_to_pdf(text, folders)
    else:
        content = text.encode("utf-8")
    return RenderedDocument(document, fmt, f"{context['document_title']}: {context['client']}",
                            f"{slug(context['client'])}-{document}.{fmt}", MEDIA_TYPES[fmt], content)


def _where(exc: TemplateError, name: str) -> str:
    """The template file and line a template error points at, for the MSP who wrote it."""
    lineno = getattr(exc, "lineno", None)  # syntax errors know their line
    if lineno:
        return f"{Path(getattr(exc, 'filename', None) or name).name} line {lineno}"
    tb, where = exc.__traceback__, name
    while tb is not None:  # jinja2 rewrites render errors to point into the template file
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where = f"{Path(tb.tb_frame.f_code.co_filename).name} line {tb.tb_lineno}"
        tb = tb.tb_next
    return where


def slug(name: str) -> str:
    """A file-name-safe form of a client name: acmeco, beta-llc."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "client"
