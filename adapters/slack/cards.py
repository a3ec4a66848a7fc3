"""Step cards as Block Kit: items with their state, who did what, and their buttons.

A card is one message, edited in place. When a step has more items than 50
blocks can show, the card keeps the items people can act on (open items and
tickets to close first, then locked, then answered ones) and says how many
it left out, with a link to the whole step on the dashboard.
"""

from __future__ import annotations

from dataclasses import replace

from adapters.slack.blocks import (
    MAX_BUTTONS,
    MAX_MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    dashboard_link,
    divider,
    md,
    section,
)
from adapters.slack.ids import Act, ItemRef
from adapters.slack.modals import TICKETS_PAGE
from dialogs.reasons import STATUS_WORDS
from dialogs.views import ActionView, ItemView, StepCard, TicketView

ICONS = {"open": ":white_large_square:", "done": ":white_check_mark:", "na": ":heavy_minus_sign:",
         "locked": ":lock:", "skipped": ":fast_forward:"}
STEP_ICONS = {"complete": ":white_check_mark:", "active": ":arrow_forward:", "waiting": ":hourglass:",
              "reopened": ":leftwards_arrow_with_hook:"}
_RANK = {"open": 0, "locked": 1}
_SHOWN_TICKETS = 10




def card_message(card: StepCard, public_url: str | None) -> Message:
    """A step card for its department's channel."""
    status = {"waiting": "waiting for the step before", "active": "in progress", "complete": "complete",
              "reopened": f"reopened: open work again, with {md(card.department_label, 100)}"
              }.get(card.status, card.status)
    if card.case_status != "open":
        status = f"case {card.case_status}"
    head = [
        section(f"{STEP_ICONS.get(card.status, '')} *Step {card.number} · {md(card.title, 500)}*\n"
                f"*{md(card.client, 300)}* · {md(card.department_label, 100)} · {status} · "
                f"{card.done}/{card.total} done", block_id="head"),
        divider(),
    ]
    rendered = [(n, item, item_blocks(card, item)) for n, item in enumerate(card.items)]
    budget = MAX_MESSAGE_BLOCKS - len(head) - 1
    chosen: set[int] = set()
    used = 0
    for n, _item, blocks in sorted(rendered, key=lambda r: (_rank(r[1]), r[0])):
        if used + len(blocks) <= budget:
            chosen.add(n)
            used += len(blocks)
    body = [b for n, _, blocks in rendered if n in chosen for b in blocks]
    hidden = [item for n, item, _ in rendered if n not in chosen]
    foot = f"Case `{card.case_id}` · {dashboard_link(public_url, card.case_id, 'Show all on the dashboard')}"
    if hidden:
        counts: dict[str, int] = {}
        for item in hidden:
            counts[item.status] = counts.get(item.status, 0) + 1
        what = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        foot = f"{len(hidden)} more item(s) not shown here ({what}) · {foot}"
    text = (f"Step {card.number} for {md(card.client, 300)}: {md(card.title, 300)} "
            f"({card.done}/{card.total} done)")
    return Message(text, [*head, *body, context(foot)])


def _rank(item: ItemView) -> int:
    """What a crowded card keeps first: work to do (open items, tickets to close), then locked items."""
    if any(a.action in ("close_ticket", "confirm") for a in item.actions):
        return 0
    return _RANK.get(item.status, 2)


def item_blocks(card: StepCard, item: ItemView, prefix: str = "") -> list[Block]:
    """One item: a section with its state, and its buttons if it has any (block ids after ``prefix``)."""
    lines = [f"{ICONS.get(item.status, '')} {'↳ ' if item.depth else ''}{md(item.text, 600)}"
             + (" _(manager)_" if item.manager_only and item.status != "open" else "")]
    if item.manager_only and item.status == "open":
        lines.append("_:bust_in_silhouette: Waits for a manager_")
    if item.status in ("done", "na"):
        when = (item.answered_at or "").replace("T", " ")[:16]
        who = f" — {md(item.answered_by, 100)}" + (f", {when}" if when else "") if item.answered_by else ""
        lines.append(f"> {md(item.value_text, 1200)}{who}")
    elif item.status in ("locked", "skipped") and item.reason:
        lines.append(f"_{STATUS_WORDS[item.status]}: {md(item.reason, 300)}_")
    if item.due_text:
        icon = ":warning:" if item.late else ":alarm_clock:"
        words = f"*{md(item.due_text, 60)}*" if item.late else md(item.due_text, 60)
        lines.append(f"{icon} {words} (due {md(item.due_day, 40)})")
    if item.snoozed:
        lines.append(f"_:zzz: Reminders snoozed {md(item.snoozed, 400)}_")
    if item.assignee and item.status not in ("done", "na", "skipped"):
        lines.append(f"Held by {md(item.assignee, 100)}")
    if item.note and item.status in ("open", "locked"):
        lines.append(f"_{md(item.note, 500)}_")
    if item.copy_text and item.status == "open":
        lines.append(f"Copy: `{md(item.copy_text, 300)}`")
    lines += _ticket_lines(item.tickets)
    if len(_paged(item)) > MAX_BUTTONS:
        lines.append(f"_{len(_paged(item)) - MAX_BUTTONS + 1} more action(s) on the dashboard_")
    blocks = [section("\n".join(lines), block_id=f"{prefix}item:{item.id}")]
    actions_ = _paged(item)
    if actions_:
        shown = actions_ if len(actions_) <= MAX_BUTTONS else actions_[: MAX_BUTTONS - 1]
        buttons = [item_button(card, a, n) for n, a in enumerate(shown)]
        blocks.append(actions(buttons, f"{prefix}act:{item.id}"))
    return blocks


def _paged(item: ItemView) -> tuple[ActionView, ...]:
    """A tickets item's Edit as one button per page of rows ("Edit tickets 26–40"): a form shows one page."""
    if item.kind != "tickets" or len(item.tickets) <= TICKETS_PAGE:
        return item.actions
    out: list[ActionView] = []
    for a in item.actions:
        if a.action != "answer":
            out.append(a)
            continue
        for page in range(-(-len(item.tickets) // TICKETS_PAGE)):
            last = min((page + 1) * TICKETS_PAGE, len(item.tickets))
            out.append(replace(a, label=f"Edit tickets {page * TICKETS_PAGE + 1}–{last}", arg=str(page)))
    return tuple(out)


def item_button(card: StepCard, action: ActionView, n: int) -> Block:
    """A button that sends one engine action for one item version."""
    ref = ItemRef(action.action, card.case_id, action.item_id, action.version, action.arg,
                  modal=needs_modal(action))
    return button(action.label, Act.of(action.action).numbered(n), ref.encode(), style=action.style)


def needs_modal(action: ActionView) -> bool:
    """Whether a click first asks for input (a reason, an amount, a date...)."""
    return action.action in ("na", "answer") or bool(action.inputs)


def _ticket_lines(tickets: tuple[TicketView, ...]) -> list[str]:
    lines = []
    for t in tickets[:_SHOWN_TICKETS]:
        title = f" {md(t.title, 120)}" if t.title else ""
        closed = " — closed" if t.closed else ""
        lines.append(f"• #{md(t.number, 40)}{title}: {md(t.decision_label, 60)}{closed}")
    if len(tickets) > _SHOWN_TICKETS:
        lines.append(f"• …and {len(tickets) - _SHOWN_TICKETS} more ticket(s)")
    return lines
