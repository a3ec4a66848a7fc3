"""Reminders, escalations and digests as Block Kit (the words are dialogs.replies', the same everywhere)."""

from __future__ import annotations

from adapters.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Block,
    Message,
    actions,
    button,
    context,
    dashboard_link,
    fit,
    md,
    section,
)
from adapters.slack.cards import needs_modal
from adapters.slack.ids import Act, ItemRef
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.replies import digest_case, digest_head, digest_line, reminder_text

ICONS = {0: ":alarm_clock:", 1: ":warning:", 2: ":rotating_light:"}

def actions_block_id(r: ReminderView) -> str:
    """The block id of a reminder's buttons: remind0-act:ITEM (the level keeps each message's own)."""
    return f"remind{r.level}-act:{r.item_id}"


def holder_mention(r: ReminderView) -> str | None:
    """Whoever claimed the item, when they claimed it in Slack."""
    holder = r.holder or {}
    if holder.get("platform") == "slack" and holder.get("user_id"):
        return f"<@{holder['user_id']}>"
    return None


def reminder_message(r: ReminderView, mention: str, public_url: str | None) -> Message:
    """An overdue reminder or an escalation step, with its snooze buttons; ``mention`` leads it."""
    text = f"{mention} {md(reminder_text(r), 2500)}".strip()
    blocks: list[Block] = [section(f"{ICONS.get(r.level, '')} {text}", block_id="reminder")]
    buttons = []
    for n, a in enumerate(r.actions):
        ref = ItemRef(a.action, r.case_id, a.item_id, a.version, a.arg, modal=needs_modal(a))
        buttons.append(button(a.label, Act.of(a.action).numbered(n), ref.encode(), style=a.style))
    if buttons:
        blocks.append(actions(buttons, actions_block_id(r)))
    blocks.append(context(f"Case `{r.case_id}` · {md(r.client, 200)} · "
                          f"{dashboard_link(public_url, r.case_id, 'Open on the dashboard')}"))
    return Message(text, blocks)


def digest_message(d: DigestView, public_url: str | None) -> Message:
    """A department's morning digest: one section per case, its items below (edited in place)."""
    head = digest_head(d)
    blocks: list[Block] = [section(f":calendar: *{md(head, 300)}*", block_id="digest")]
    for case in d.cases:
        lines = [f"*{md(digest_case(case), 400)}*"]
        lines += [f"• {md(digest_line(line), 700)}" for line in case.lines]
        body = "\n".join(lines)
        if len(body) > MAX_SECTION_TEXT:
            body = body[: MAX_SECTION_TEXT - 40].rsplit("\n", 1)[0] + "\n• …more on the dashboard"
        blocks.append(section(body, block_id=f"digest:{case.case_id}"))
    where = f"<{public_url}/dashboard|the dashboard>" if public_url else "the dashboard (`/dashboard`)"
    blocks = fit(blocks, MAX_MESSAGE_BLOCKS, f"More cases than a message can show: see {where}")
    return Message(md(head, 300), blocks)
