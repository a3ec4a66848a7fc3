"""The case's live summary, thread lines, hand-off pings and the managers' note, as Block Kit."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Block,
    Message,
    context,
    dashboard_link,
    fit,
    md,
    section,
)
from adapters.slack.cards import STEP_ICONS, item_blocks
from dialogs.reasons import STATE_PHRASES
from dialogs.views import CaseSummary, HandoffView, StepCard

CASE_ICONS = {"open": ":large_blue_circle:", "completed": ":white_check_mark:", "cancelled": ":no_entry:"}




def summary_blocks(s: CaseSummary, public_url: str | None) -> list[Block]:
    """Client, stop date, progress per step and who holds the ball."""
    stop = md(s.stop_date or "not set", 40) + (" :warning: overdue" if s.overdue else "")
    fields = [f"*Client*\n{md(s.client, 300)}", f"*Service stops*\n{stop}",
              f"*Status*\n{s.status}", f"*With*\n{md(s.holder, 100) if s.holder else '—'}",
              f"*Opened by*\n{md(s.opened_by, 100)}, {s.opened_at[:10]}"]
    steps = [f"{STEP_ICONS.get(p.status, '')} Step {p.number} · {md(p.title, 200)} "
             f"({md(p.department_label, 60)}): {p.done}/{p.total}" for p in s.steps]
    header = " · ".join(f"{md(label, 80)}: {md(value, 200)}" for label, value in s.header)
    blocks = [section(f"{CASE_ICONS.get(s.status, '')} *{md(s.title, 500)}*", fields=fields,
                      block_id="summary"),
              *packed(steps, "steps")]
    if s.needs_manager:
        waiting = ", ".join(f"“{md(t, 200)}”" for t in s.needs_manager)
        blocks.append(context(f":bust_in_silhouette: Waits for a manager: {waiting}"))
    if s.next_due:
        late = f":warning: *{s.late_items} late* · " if s.late_items else ":alarm_clock: "
        blocks.append(context(f"{late}Most urgent: {md(s.next_due, 600)}"))
    if header:
        blocks.append(context(header))
    blocks.append(context(f"Case `{s.case_id}` · {dashboard_link(public_url, s.case_id)}"))
    return fit(blocks, MAX_MESSAGE_BLOCKS, "More steps than a message can show: see the dashboard")


def summary_message(s: CaseSummary, public_url: str | None) -> Message:
    """The case's parent message in the cases channel."""
    done = sum(p.done for p in s.steps)
    total = sum(p.total for p in s.steps)
    holder = f", with {md(s.holder, 100)}" if s.holder else ""
    text = f"{md(s.title, 500)}: {s.status}{holder} ({done}/{total} done)"
    return Message(text, summary_blocks(s, public_url))


def line_message(text: str) -> Message:
    """One line into a case thread (hand-offs, gates opening, completion...)."""
    return Message(md(text), [section(md(text))])


def handoff_message(h: HandoffView, mention: str, public_url: str | None) -> Message:
    """The ping to the next department, with what the previous step recorded.

    A step that was reopened (an answer undone after its hand-off), or is complete again,
    tells the same department in the same way, in its own words.
    """
    if h.kind != "handoff":
        lines = [f"• {md(r.text, 400)}: *{md(r.value_text, 600)}*" for r in h.changed]
        body = f"{mention} *{md(h.client, 300)}*: {md(h.note or '', 1500)}"
        blocks = [section(body, block_id="handoff"), *packed(lines, "changed", limit=5)]
        return Message(f"{mention} {md(h.client, 300)}: {md(h.note or '', 1500)}", blocks)
    head = (f"{mention} *{md(h.from_department, 100)}* finished *{md(h.from_step, 300)}* for "
            f"*{md(h.client, 300)}*. Over to *{md(h.to_department_label, 100)}*: {md(h.to_step, 300)} "
            "(the step card follows).")
    lines = [f"• {md(r.text, 400)}: *{md(r.value_text, 600)}*" + (f" _({md(r.by, 80)})_" if r.by else "")
             for r in h.recorded]
    blocks = [section(head, block_id="handoff")]
    if lines:
        blocks.append(section(f"*What {md(h.from_department, 100)} recorded:*"))
        blocks += packed(lines, "recorded", limit=10)
    blocks = fit(blocks, MAX_MESSAGE_BLOCKS, "More was recorded than fits: "
                 + dashboard_link(public_url, h.case_id))
    text = (f"{mention} {md(h.client, 300)}: {md(h.from_step, 300)} is complete; "
            f"over to {md(h.to_department_label)}")
    return Message(text, blocks)


def manager_item_message(card: StepCard, mention: str, public_url: str | None) -> Message:
    """An item only a manager may do, with its buttons, in the managers' channel (edited as it changes)."""
    item = card.items[0]
    waiting = item.status == "open" and card.case_status == "open"
    where = f"step {card.number} · {md(card.title, 300)} ({md(card.department_label, 100)})"
    head = (f"{mention} *{md(card.client, 300)}* waits for a manager: {where}" if waiting else
            f"*{md(card.client, 300)}*: {where} no longer waits for a manager")
    blocks = [section(head, block_id="managers-head"), *item_blocks(card, item, prefix="managers-"),
              context(f"Case `{card.case_id}` · {dashboard_link(public_url, card.case_id)}")]
    text = f"{mention} {md(card.client, 300)}: “{md(item.text, 300)}” waits for a manager" if waiting else \
        f"{md(card.client, 300)}: “{md(item.text, 300)}” {STATE_PHRASES.get(item.status, item.status)}"
    return Message(text, blocks)


def managers_message(text: str, mention: str) -> Message:
    """The managers' note that a case is complete."""
    body = f"{mention} {md(text)}".strip()
    return Message(body, [section(body)])


def packed(lines: Sequence[str], block_id: str, limit: int = 20) -> list[Block]:
    """Lines packed into as few sections as their 3000 characters allow (at most ``limit``)."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for n, line in enumerate(lines):
        if chunk and size + len(line) + 1 > MAX_SECTION_TEXT:
            if len(blocks) == limit - 1:
                chunk.append(f"…and {len(lines) - n} more")
                break
            blocks.append(section("\n".join(chunk), block_id=f"{block_id}:{len(blocks)}"))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk), block_id=f"{block_id}:{len(blocks)}"))
    return blocks
