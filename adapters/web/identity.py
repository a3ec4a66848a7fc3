"""Who is clicking in the local web workspace: a persona switch, kept in a cookie.

The workspace has no accounts: a person picks whom to act as (a member of a
department, a manager, or an outsider) so permissions can be seen at work.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from dialogs.actor import Actor
from dialogs.checklist import Checklist

COOKIE = "offboard_as"


@dataclass(frozen=True)
class Persona:
    """One choice in the 'act as' switch."""

    key: str
    label: str
    actor: Actor


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


def current(request: web.Request, choices: list[Persona]) -> Persona:
    """The persona the cookie names, else the first department's member."""
    key = request.cookies.get(COOKIE, "")
    return next((p for p in choices if p.key == key), choices[0])
