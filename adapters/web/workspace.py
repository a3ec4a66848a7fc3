"""The web adapter's state, shared by its pages, actions and middlewares."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from adapters.ports import AdapterContext
from adapters.web.identity import Persona, Visitor
from adapters.web.live import Broadcaster
from adapters.web.session import Signer
from adapters.web.settings import WebSettings


@dataclass
class Workspace:
    """Shared services, settings, the signer, personas and the live channel."""

    svc: AdapterContext
    settings: WebSettings
    signer: Signer
    broadcaster: Broadcaster
    people: list[Persona] = field(default_factory=list)
    formats: tuple[str, ...] = ("md", "html")

    @property
    def departments(self) -> dict[str, str]:
        """Every department any checklist names, id -> label."""
        out: dict[str, str] = {}
        for checklist in self.svc.checklists.values():
            for dept, label in checklist.departments.items():
                out.setdefault(dept, label)
        return out


WORKSPACE: web.AppKey[Workspace] = web.AppKey("workspace")
VISITOR: web.RequestKey[Visitor] = web.RequestKey("visitor", Visitor)  # who sent the request
CSRF: web.RequestKey[str] = web.RequestKey("csrf", str)  # the CSRF token the request's pages carry
