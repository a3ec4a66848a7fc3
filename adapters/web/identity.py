"""Who is looking at the web workspace, and whom they act as.

- Local (the server on the loopback, no public URL): the workspace has no
  accounts; a person picks whom to act as (a member of a department, a
  manager, or an outsider) so permissions can be seen at work.
- Served: the managers' dashboard. The shared OFFBOARD_WEB_TOKEN shows it
  read-only; a person with their own token ([web.people.NAME]) signs in as
  themselves and acts under their own name. Nobody "acts as" anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from dialogs.actor import Actor
from dialogs.checklist import Checklist

COOKIE = "offboard_as"


@dataclass(frozen=True)
class Persona:
    """One choice in the local 'act as' switch."""

    key: str
    label: str
    actor: Actor


@dataclass(frozen=True)
class Visitor:
    """Whoever sent a request: what they may do and whom the audit trail names."""

    kind: str  # local | person | viewer
    label: str
    actor: Actor | None = None  # None: read-only
    persona: str | None = None  # the local persona's key

    @property
    def may_act(self) -> bool:
        """May change anything at all (the engine still decides what)."""
        return self.actor is not None

    @property
    def may_switch(self) -> bool:
        """May pick whom to act as (local workspace only)."""
        return self.kind == "local"


VIEWER = Visitor("viewer", "Dashboard (read-only)")


def personas(checklists: dict[str, Checklist]) -> list[Persona]:
    """A member of each department the checklists name, a manager, and an outsider."""
    departments: dict[str, str] = {}
    for checklist in checklists.values():
        for dept, label in checklist.departments.items():
            departments.setdefault(dept, label)
    out = [
        Persona(f"dept:{dept}", f"{label} member",
                Actor("web", f"web-{dept}", f"{label} member", frozenset({dept})))
        for dept, label in departments.items()
    ]
    out.append(Persona("manager", "Manager", Actor("web", "web-manager", "Manager", manager=True)))
    out.append(Persona("outsider", "Outsider (no department)",
                       Actor("web", "web-outsider", "Outsider")))
    return out


def local_visitor(request: web.Request, choices: list[Persona]) -> Visitor:
    """The persona the cookie names, else the first department's member."""
    key = request.cookies.get(COOKIE, "")
    persona = next((p for p in choices if p.key == key), choices[0])
    return Visitor("local", persona.label, persona.actor, persona.key)
