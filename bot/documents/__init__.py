"""The SOP's documents: the "What's Next" memo, the client summary report, the completed checklist.

Each renders from a jinja2 template (built-in, or the MSP's override folder)
to Markdown, standalone HTML, or PDF (the optional ``pdf`` extra). See
docs/documents.md.
"""

from bot.documents.company import Company
from bot.documents.render import DOCUMENTS, FORMATS, DocumentError, RenderedDocument, render
from bot.documents.service import Documents

__all__ = ["DOCUMENTS", "FORMATS", "Company", "DocumentError", "Documents", "RenderedDocument", "render"]
