"""GET /teams/documents/CASE/DOCUMENT.FORMAT?expires=…&sig=… — a case document through a signed link.

Read-only: the link's signature (adapters.teams.links) must match and must
not have expired; nothing else about the server is reachable this way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from adapters.ports import DocumentService
from adapters.teams.config import TeamsSettings
from adapters.teams.links import ROUTE, valid
from dialogs.errors import NotFound, OffboardError

PATH = ROUTE + "/{case_id}/{name}"


class DocumentRoute:
    """Serves one document per valid link."""

    def __init__(self, documents: DocumentService, settings: TeamsSettings,
                 clock: Callable[[], float] = time.time) -> None:
        self.documents, self.settings, self.clock = documents, settings, clock

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The document, or 403 for a link that is forged, altered or expired."""
        case_id = request.match_info["case_id"]
        document, _, fmt = request.match_info["name"].rpartition(".")
        if not valid(str(self.settings.link_secret), case_id, document, fmt,
                     request.query.get("expires", ""), request.query.get("sig", ""), self.clock()):
            raise web.HTTPForbidden(text="This link is not valid or has expired: ask the bot to "
                                         "export the case's documents again for fresh links.")
        try:
            doc = await self.documents.render(case_id, document, fmt)
        except NotFound as exc:
            raise web.HTTPNotFound(text=exc.message) from None
        except OffboardError as exc:
            raise web.HTTPBadRequest(text=exc.message) from None
        return web.Response(body=doc.content, headers={
            "Content-Type": doc.media_type,
            "Content-Disposition": f'attachment; filename="{doc.filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff"})
