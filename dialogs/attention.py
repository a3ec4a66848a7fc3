"""What needs someone's attention now: a person's own open items and what is late where they work.

Small pure functions over one case's view, for the surfaces that list many cases (the Slack
App Home's "needs you", ``python -m bot cases --overdue``): each surface loops over the cases it
lists and asks these about each.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.actor import Actor
from dialogs.present import CaseView


@dataclass(frozen=True)
class Attention:
    """One item of one case that wants doing."""

    case_id: str
    client: str
    item_id: str
    text: str
    why: str  # "1 day late", "due today", "you hold it", "waits for a manager"
    department_label: str
    late: bool = False
    holder: str | None = None
    due_on: str | None = None

    @property
    def line(self) -> str:
        """The item in one line: “Collect prepayment…” — 1 day late · Tom Tech."""
        held = f" · {self.holder}" if self.holder else ""
        return f"“{self.text}” — {self.why}{held}"


def _attention(view: CaseView, item_id: str, why: str) -> Attention:
    item = view.checklist.items[item_id]
    card = view.item_view(item)
    return Attention(view.case.id, view.case.client, item_id, card.text, why,
                     view.checklist.department_label(item.department), card.late, card.assignee, card.due_on)


def late_items(view: CaseView) -> list[Attention]:
    """Every item of an open case past its due time, open or still locked, most overdue first."""
    out = []
    for item in view.checklist.items.values():
        due = view.pending_due(item.id)
        if due is not None and view.now is not None and view.now >= due.at:
            out.append(_attention(view, item.id, view.due_words(item.id) or "late"))
    return sorted(out, key=lambda a: a.due_on or "")


def needs_you(view: CaseView, actor: Actor) -> list[Attention]:
    """What a person can do now in a case: items they hold, open items of their departments that are
    due today or late (unless someone else holds them), and open manager items for a manager."""
    if view.case.status != "open":
        return []
    out = []
    for item in view.checklist.items.values():
        if view.derived[item.id].status != "open":
            continue
        holder = view.records[item.id].assignee
        words = view.due_words(item.id)
        urgent = view.may_snooze(item)  # open and due today or late
        if holder and actor.same_person(holder):
            out.append(_attention(view, item.id, f"you hold it; {words}" if words else "you hold it"))
        elif item.manager and actor.manager:
            out.append(_attention(view, item.id, f"waits for a manager; {words}" if words else
                                  "waits for a manager"))
        elif urgent and not holder and not item.manager and item.department in actor.departments and words:
            out.append(_attention(view, item.id, words))
    return sorted(out, key=lambda a: (not a.late, a.due_on or "9999"))
