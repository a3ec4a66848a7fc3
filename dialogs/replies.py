"""The words every surface says the same way: help, case lines, status of steps and items.

Plain text only (no mrkdwn, no markdown, no HTML): each adapter escapes or
places these words for its own surface. A surface that types commands
differently (``/offboard list`` in Slack, ``list`` to the bot in Teams) passes
its own prefixes to ``help_text``.
"""

from __future__ import annotations

from dialogs.reminder_views import DigestCase, DigestLine, DigestView, ReminderView
from dialogs.views import CaseSummary, HandoffView, ItemView, StepCard

STEP_STATUS = {"waiting": "waiting for the step before", "active": "in progress", "complete": "complete"}


def step_status(card: StepCard) -> str:
    """Where a step stands, in words (the case's status when it is no longer open)."""
    if card.case_status != "open":
        return f"case {card.case_status}"
    return STEP_STATUS.get(card.status, card.status)


def item_reason(item: ItemView) -> str | None:
    """Why an item cannot be worked now (locked, or does not apply), or None."""
    if item.status == "locked" and item.reason:
        return f"Locked: {item.reason}"
    if item.status == "skipped" and item.reason:
        return f"Does not apply: {item.reason}"
    return None


def answered_line(item: ItemView) -> str | None:
    """An answered item's value, who gave it and when, or None while it has none."""
    if item.status not in ("done", "na") or not item.value_text:
        return None
    when = (item.answered_at or "").replace("T", " ")[:16]
    who = f" — {item.answered_by}" + (f", {when}" if when else "") if item.answered_by else ""
    return f"{item.value_text}{who}"


def changed_since(item: ItemView) -> str:
    """A form opened from an older card: the item moved on meanwhile."""
    done = f" ({item.value_text}, by {item.answered_by})" if item.answered_by else ""
    return (f"Nothing to do: “{item.text}” changed since the card was shown; it is {item.status}{done}. "
            "The card shows it as it is now.")


def case_line(s: CaseSummary) -> str:
    """One case on one line: client, stop date, who holds it, items late, progress per step."""
    stop = f"stops {s.stop_date}" if s.stop_date else "no stop date"
    overdue = " (overdue)" if s.overdue else ""
    holder = f", with {s.holder}" if s.holder else ""
    late = f" · {s.late_items} item{'s' if s.late_items > 1 else ''} late" if s.late_items else ""
    steps = " · ".join(f"{p.number}. {p.department_label} {p.done}/{p.total}" for p in s.steps)
    return f"{s.client} — {stop}{overdue}{holder}{late} — {steps}"


def progress(s: CaseSummary) -> tuple[int, int]:
    """Items done and items that apply, over every step."""
    return sum(p.done for p in s.steps), sum(p.total for p in s.steps)


def handoff_head(h: HandoffView) -> str:
    """What the next department reads first when a step is handed to it."""
    return (f"{h.from_department} finished {h.from_step} for {h.client}. "
            f"Over to {h.to_department_label}: {h.to_step} (the step card follows).")


def export_text(client: str, verb: str = "posted") -> str:
    """The documents are on their way into the case thread."""
    return (f"The documents of {client} produced so far (the “What's Next” memo, the summary report, "
            f"the checklist as it stands) are being {verb} into the case thread.")


def no_case(name: str) -> str:
    """A command named a client with no case."""
    return f"No case for {name!r}."


def no_open_cases(open_command: str) -> str:
    """The case list is empty."""
    return f"No open cases. Type {open_command} CLIENT to open one."


def late_phrase(due_text: str) -> str:
    """"is late" (due today, past the end of work) or "is 2 days late"."""
    return "is late" if due_text.startswith("late") else f"is {due_text}"


def reminder_text(r: ReminderView) -> str:
    """A reminder or an escalation in words (the surface adds whom it mentions before it)."""
    where = f"step {r.step_number}, {r.department_label}"
    held = f" {r.holder.get('name')} holds it." if r.holder and r.holder.get("name") else ""
    if r.level == 0:
        return (f"“{r.item_text}” for {r.client} {late_phrase(r.due_text)}: it was due {r.due_day} "
                f"({where}).{held}")
    head = "Still late" if r.level == 1 else "Escalated to the managers"
    return (f"{head}: “{r.item_text}” for {r.client} {late_phrase(r.due_text)}; it was due {r.due_day} "
            f"({where}).{held or ' Nobody has claimed it.'}")


def digest_head(d: DigestView) -> str:
    """The first line of a department's digest."""
    parts = [f"{d.late} late" if d.late else "", f"{d.due_today} due today" if d.due_today else ""]
    return f"{d.department_label}, {d.day_text}: " + " and ".join(p for p in parts if p)


def digest_case(c: DigestCase) -> str:
    """A case's heading on a digest."""
    return f"{c.client}" + (f" (service stops {c.stop_date})" if c.stop_date else "")


def digest_line(line: DigestLine) -> str:
    """One item on a digest."""
    held = f" · {line.holder}" if line.holder else ""
    return f"“{line.text}” — {line.due_text}{held}"
