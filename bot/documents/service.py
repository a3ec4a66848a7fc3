"""Documents of a case, by case id: what the command line and the adapters call."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.documents.company import Company
from bot.documents.context import build_context
from bot.documents.pdf import pdf_available
from bot.documents.render import DOCUMENTS, FORMATS, DocumentError, RenderedDocument
from bot.documents.worker import render_bounded
from dialogs.engine import Engine

DEFAULT_RENDER_TIMEOUT = 5.0
"""Seconds a render may take once its worker started rendering (OFFBOARD_RENDER_TIMEOUT)."""


class Documents:
    """Renders the memo, the summary report and the checklist of any case, in any format."""

    def __init__(self, engine: Engine, *, company: Company | None = None,
                 templates: Path | None = None, render_timeout: float = DEFAULT_RENDER_TIMEOUT) -> None:
        self.engine = engine
        self.company = company or Company()
        self.templates = templates
        self.render_timeout = render_timeout

    @property
    def company_configured(self) -> bool:
        """Whether the [company] table names the MSP (else documents say "[Company name]")."""
        return self.company.configured

    @property
    def formats(self) -> tuple[str, ...]:
        """md and html always; pdf when WeasyPrint and its system libraries are installed."""
        return ("md", "html", "pdf") if pdf_available() else ("md", "html")

    async def context(self, case_id: str, document: str) -> dict[str, Any]:
        """The template data for one document of a case, as of now."""
        if document not in DOCUMENTS:
            raise DocumentError(f"Unknown document {document!r}; choose one of {', '.join(DOCUMENTS)}")
        view = await self.engine.view(case_id)
        produced = {i.document for i in view.checklist.items.values() if i.kind == "generated"}
        if document != "checklist" and document not in produced:
            raise DocumentError(f"The {view.checklist.id} checklist produces no {document} document")
        events = await self.engine.store.get_events(case_id)
        return build_context(view, events, document=document, company=self.company,
                             tz=self.engine.tz, now=self.engine.clock())

    async def render(self, case_id: str, document: str, fmt: str) -> RenderedDocument:
        """One document of a case in md, html or pdf."""
        if fmt not in FORMATS:
            raise DocumentError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        context = await self.context(case_id, document)
        # Rendering (a PDF above all) is CPU work, and a template could make it slow: it runs in a
        # worker process that is stopped past render_timeout (or when the caller is cancelled).
        return await render_bounded(context, document, fmt, templates=self.templates,
                                    limit=self.render_timeout)

    async def for_notice(self, payload: Mapping[str, Any], fmt: str = "pdf") -> RenderedDocument:
        """The document a "document" outbox notice announces (payload: case_id, document, ...)."""
        try:
            case_id, document = str(payload["case_id"]), str(payload["document"])
        except KeyError as exc:
            raise DocumentError(f"A document notice needs {exc.args[0]!r}") from None
        return await self.render(case_id, document, fmt)
