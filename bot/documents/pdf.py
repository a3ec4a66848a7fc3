"""PDF from a document's HTML through WeasyPrint (the optional ``pdf`` extra).

WeasyPrint is imported only when a PDF is asked for. The HTML may load
nothing from the network or the disk except files inside the template
folders (a letterhead logo next to an override template) and ``data:`` URIs.
"""

from __future__ import annotations

import ctypes.util
import importlib.metadata
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from dialogs.errors import OffboardError

PANGO_LIBRARIES = ("pango-1.0", "pangoft2-1.0", "harfbuzz-subset")  # what WeasyPrint loads on Linux


class PdfUnavailable(OffboardError):
    """WeasyPrint (or the system libraries it needs) is not installed."""


def weasyprint_module() -> Any:
    """Import WeasyPrint, or raise PdfUnavailable saying how to install it."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the pango/harfbuzz libraries are missing
        raise PdfUnavailable(
            "PDF export needs WeasyPrint: pip install 'offboard[pdf]' (and, on Debian, "
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) — {exc}") from None
    if not hasattr(weasyprint, "URLFetcher"):
        raise PdfUnavailable(f"PDF export needs WeasyPrint 68 or newer (found {weasyprint.__version__})")
    return weasyprint


def pdf_available() -> bool:
    """Whether PDFs can be made here, without importing WeasyPrint (loading pango takes seconds)."""
    try:
        major = int(importlib.metadata.version("weasyprint").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 68 and all(ctypes.util.find_library(lib) for lib in PANGO_LIBRARIES)


def html_to_pdf(html: str, folders: Sequence[Path]) -> bytes:
    """Render standalone HTML to PDF bytes; relative URLs resolve in the first folder."""
    weasyprint = weasyprint_module()
    roots = [folder.resolve() for folder in folders]

    class _Fetcher(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not _allowed(url, roots):
                raise ValueError(f"documents load nothing from {url[:80]!r}")
            return super().fetch(url, headers)

    document = weasyprint.HTML(string=html, base_url=str(roots[0]) + "/",
                               url_fetcher=_Fetcher(allow_redirects=False))
    return bytes(document.write_pdf())


def _allowed(url: str, roots: Sequence[Path]) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme != "file":
        return False
    path = Path(unquote(parts.path)).resolve()
    return any(path.is_relative_to(root) for root in roots)
