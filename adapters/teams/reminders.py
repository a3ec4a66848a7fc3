"""Reminders, escalations and digests as Adaptive Cards (the words are dialogs.replies', the same everywhere).

Whom a reminder mentions comes from the configuration or from who claimed the item (their
name and AAD id as Teams reported them); what people typed stays in TextRuns.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.teams.cards import Element, actions, card, item_button, link_run, para, run, subtle
from adapters.teams.ids import PLATFORM, ItemRef
from adapters.teams.messages import mention_entities
from adapters.teams.settings_parts import Mention
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.replies import digest_case, digest_head, digest_line, reminder_text

ICONS = {0: "⏰", 1: "⚠️", 2: "🚨"}
MAX_DIGEST_CASES = 30


def holder_mention(r: ReminderView) -> Mention | None:
    """Whoever claimed the item, when they claimed it in Teams."""
    holder = r.holder or {}
    if holder.get("platform") == PLATFORM and holder.get("user_id") and holder.get("name"):
        return Mention(str(holder["user_id"]), str(holder["name"]))
    return None


def reminder_card(r: ReminderView, mentions: Sequence[Mention], public_url: str | None) -> Element:
    """An overdue reminder or an escalation step, with its snooze buttons."""
    line, entities = mention_entities(mentions)
    body: list[Element] = [line] if line else []
    body.append(para(run(f"{ICONS.get(r.level, '')} "), run(reminder_text(r), 2500)))
    buttons = [item_button(ItemRef(a.action, r.case_id, a.item_id, a.version, a.arg), a.label, a.style)
               for a in r.actions]
    if buttons:
        body.append(actions(buttons))
    dashboard = f"{public_url}/dashboard/{r.case_id}" if public_url else None
    body.append(para(run(f"Case {r.case_id} · ", isSubtle=True), link_run("Open on the dashboard", dashboard),
                     separator=True))
    return card(body, fallback=reminder_text(r)[:500], entities=entities)


def digest_card(d: DigestView, public_url: str | None) -> Element:
    """A department's morning digest: the cases, each with its items due today or late."""
    body: list[Element] = [para(run("📅 "), run(digest_head(d), 300, weight="bolder", size="medium"))]
    for case in d.cases[:MAX_DIGEST_CASES]:
        body.append(para(run(digest_case(case), 400, weight="bolder"), separator=True))
        body += [subtle(f"• {digest_line(line)}", 700) for line in case.lines]
    if len(d.cases) > MAX_DIGEST_CASES:
        dashboard = f"{public_url}/dashboard" if public_url else None
        body.append(para(run(f"…and {len(d.cases) - MAX_DIGEST_CASES} more cases: "),
                         link_run("the dashboard", dashboard)))
    return card(body, fallback=digest_head(d))
