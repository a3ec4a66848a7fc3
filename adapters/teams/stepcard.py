"""Step cards as Adaptive Cards: items with their state, who did what, and their buttons.

A step is one message, edited in place, while it fits Teams' 28 KB; a longer
step is split into parts (each its own message, "part 2 of 3"), items in
checklist order. Buttons are drawn from the view's actions (``ActionView``),
never from a list of item ids: a new engine action needs no change here.
"""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import (
    Element,
    actions,
    card,
    clip,
    container,
    fits,
    item_button,
    link_run,
    para,
    run,
    subtle,
)
from adapters.teams.ids import ItemRef
from dialogs.replies import answered_line, item_reason, step_status
from dialogs.views import ItemView, StepCard, TicketView

ICONS = {"open": "⬜", "done": "✅", "na": "➖", "locked": "🔒", "skipped": "⏭️"}
STEP_ICONS = {"complete": "✅", "active": "▶️", "waiting": "⏳"}
MAX_TICKET_LINES = 15




def step_parts(step: StepCard, public_url: str | None) -> list[dict[str, Any]]:
    """The step as one card, or as several when one would pass Teams' size limit."""
    blocks = [item_block(step, item) for item in step.items]
    parts: list[list[Element]] = [[]]
    for block in blocks:
        trial = parts[-1] + [block]
        if parts[-1] and not fits(_part(step, trial, 1, 2, public_url)):
            parts.append([block])
        else:
            parts[-1] = trial
    return [_part(step, body, n, len(parts), public_url) for n, body in enumerate(parts, 1)]


def part_of(step: StepCard, item_id: str, public_url: str | None) -> tuple[int, dict[str, Any]]:
    """The part (1-based) that shows an item, and that part's card."""
    parts = step_parts(step, public_url)
    for n, part in enumerate(parts, 1):
        if any(b.get("id") == f"item-{item_id}" for b in part["body"]):
            return n, part
    return 1, parts[0]


def _part(step: StepCard, body: list[Element], n: int, of: int, public_url: str | None) -> dict[str, Any]:
    title = f"Step {step.number} · {step.title}" + (f" (part {n} of {of})" if of > 1 else "")
    head = [
        para(run(f"{STEP_ICONS.get(step.status, '')} "), run(title, 500, weight="bolder", size="medium")),
        para(run(step.client, 300, weight="bolder"),
             run(f" · {step.department_label} · {step_status(step)} · {step.done}/{step.total} done")),
    ]
    dashboard = f"{public_url}/dashboard/{step.case_id}" if public_url else None
    foot = para(run(f"Case {step.case_id} · ", isSubtle=True),
                link_run("Show all on the dashboard", dashboard), separator=True)
    fallback = f"Step {step.number} for {step.client}: {step.title} ({step.done}/{step.total} done)"
    return card([*head, *body, foot], fallback=fallback)


def item_block(step: StepCard, item: ItemView, ident: str = "item-") -> Element:
    """One item: its state, its answer and who gave it, and its buttons."""
    first = [run(f"{ICONS.get(item.status, '')} " + ("↳ " if item.depth else "")), run(item.text, 600)]
    if item.manager_only:
        waits = item.status == "open" and step.case_status == "open"
        first.append(run(" (waits for a manager)" if waits else " (manager)", italic=True, isSubtle=True))
    lines: list[Element] = [para(*first)]
    answered = answered_line(item)
    if answered:
        lines.append(subtle(answered, 1200))
    reason = item_reason(item)
    if reason:
        lines.append(subtle(reason, 400, italic=True))
    if item.due_text:
        late = {"color": "attention", "weight": "bolder"} if item.late else {"isSubtle": True}
        lines.append(para(run(("⚠️ " if item.late else "⏰ ") + item.due_text, 60, **late),
                          run(f" (due {item.due_day})", 60, isSubtle=True), spacing="none"))
    if item.snoozed:
        lines.append(subtle(f"💤 Reminders snoozed {item.snoozed}", 400, italic=True))
    if item.assignee and item.status not in ("done", "na", "skipped"):
        lines.append(subtle(f"Held by {item.assignee}", 200))
    if item.note and item.status in ("open", "locked"):
        lines.append(subtle(item.note, 600, italic=True))
    if item.copy_text and item.status == "open":
        lines.append(para(run("Copy: ", isSubtle=True), run(item.copy_text, 300, fontType="monospace")))
    lines += ticket_lines(item.tickets)
    if item.actions:
        buttons = [item_button(ItemRef(a.action, step.case_id, a.item_id, a.version, a.arg), a.label, a.style)
                   for a in item.actions]
        lines.append(actions(buttons))
    return container(lines, ident=f"{ident}{item.id}", separator=True)


def manager_item_card(step: StepCard, mentions: Element | None, entities: list[Element],
                      public_url: str | None) -> dict[str, Any]:
    """An item only a manager may do, with its buttons, for the managers' channel (edited as it changes)."""
    item = step.items[0]
    waiting = item.status == "open" and step.case_status == "open"
    where = f"step {step.number} · {step.title} ({step.department_label})"
    state = f" waits for a manager: {where}" if waiting else f": {where} no longer waits for a manager"
    head = para(run(step.client, 300, weight="bolder"), run(state))
    dashboard = f"{public_url}/dashboard/{step.case_id}" if public_url else None
    foot = para(run(f"Case {step.case_id} · ", isSubtle=True), link_run("Show on the dashboard", dashboard),
                separator=True)
    block = item_block(step, item, "managers-item-")
    body = [*([mentions] if mentions and waiting else []), head, block, foot]
    return card(body, fallback=f"{step.client}: “{item.text}” waits for a manager"[:200],
                entities=entities if waiting else [])


def ticket_lines(tickets: tuple[TicketView, ...]) -> list[Element]:
    """The ticket rows recorded on a tickets item."""
    out = []
    for t in tickets[:MAX_TICKET_LINES]:
        words = f"• #{clip(t.number, 40)}" + (f" {clip(t.title, 120)}" if t.title else "") + \
            f": {t.decision_label}" + (" — closed" if t.closed else "")
        out.append(subtle(words, 300))
    if len(tickets) > MAX_TICKET_LINES:
        out.append(subtle(f"…and {len(tickets) - MAX_TICKET_LINES} more ticket(s) on the dashboard"))
    return out
