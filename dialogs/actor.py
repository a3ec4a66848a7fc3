"""Who acts: the adapter resolves the person; the engine decides what they may do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dialogs.checklist import Checklist, ItemDef
from dialogs.errors import NotAllowed


@dataclass(frozen=True)
class Actor:
    """A person (or the bot itself) as an adapter reported them."""

    platform: str
    user_id: str
    name: str
    departments: frozenset[str] = field(default_factory=frozenset)
    manager: bool = False

    def to_json(self) -> dict[str, Any]:
        """What the audit trail keeps of an actor."""
        return {"platform": self.platform, "user_id": self.user_id, "name": self.name}

    def same_person(self, who: dict[str, Any] | None) -> bool:
        """Whether a stored actor is this person."""
        return bool(who) and who.get("platform") == self.platform and who.get("user_id") == self.user_id  # type: ignore[union-attr]


SYSTEM = Actor("system", "offboard", "offboard", manager=True)


def check_item_permission(actor: Actor, checklist: Checklist, item: ItemDef, text: str | None = None) -> None:
    """Raise NotAllowed unless the actor may act on this item (``text``: the item in the case's words)."""
    if actor.manager:
        return
    if item.manager:
        raise NotAllowed(f"Only a manager can do “{text or item.text}”; you are not listed as a manager.")
    if item.department not in actor.departments:
        label = checklist.department_label(item.department)
        raise NotAllowed(
            f"This item belongs to the {label} department and you are not a member of it. "
            f"Ask someone in {label} or a manager."
        )


def check_view_permission(actor: Actor, checklists: Iterable[Checklist], viewers: str) -> None:
    """Listing and viewing cases: everyone, or (viewers = "departments") department members and managers."""
    if viewers == "everyone" or actor.manager:
        return
    if any(actor.departments & set(c.departments) for c in checklists):
        return
    raise NotAllowed("Only members of a department's channel and managers can list and view cases here.")


def check_case_permission(actor: Actor, checklist: Checklist, what: str) -> None:
    """Opening, cancelling and reopening a case: the first step's department or a manager."""
    if actor.manager:
        return
    owner = checklist.steps[0].department
    if owner not in actor.departments:
        label = checklist.department_label(owner)
        raise NotAllowed(f"Only the {label} department or a manager can {what}.")
