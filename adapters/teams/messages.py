"""The case summary, thread lines, hand-off pings, the managers' note and documents, as cards.

A mention lives in one TextBlock whose ``<at>name</at>`` texts come from the
configuration, with the matching ``msteams.entities``; everything people typed
stays in TextRuns, so no client name can mention anyone.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.teams.cards import Element, card, clip, heading, link_run, open_url, para, run, subtle
from adapters.teams.settings_parts import Mention
from adapters.teams.stepcard import STEP_ICONS
from dialogs.commands import help_text
from dialogs.replies import case_line, handoff_head, progress
from dialogs.views import CaseSummary, HandoffView

CASE_ICONS = {"open": "🔵", "completed": "✅", "cancelled": "⛔"}
MAX_LINES = 40




def mention_entities(people: Sequence[Mention]) -> tuple[Element | None, list[Element]]:
    """The mention line and its entities (None and [] when nobody is to be mentioned)."""
    if not people:
        return None, []
    entities: list[Element] = [{"type": "mention", "text": f"<at>{m.name}</at>",
                 "mentioned": {"id": m.id, "name": m.name, **({"type": "tag"} if m.kind == "tag" else {})}}
                for m in people]
    line = {"type": "TextBlock", "wrap": True, "text": " ".join(str(e["text"]) for e in entities)}
    return line, entities


def summary_body(s: CaseSummary, public_url: str | None) -> list[Element]:
    """Client, stop date, status, who holds the ball, progress per step, the header."""
    done, total = progress(s)
    stop = (s.stop_date or "not set") + (" ⚠️ overdue" if s.overdue else "")
    body = [
        para(run(f"{CASE_ICONS.get(s.status, '')} "), run(s.title, 500, weight="bolder", size="medium")),
        para(run("Client: ", isSubtle=True), run(s.client, 300, weight="bolder"),
             run("   Service stops: ", isSubtle=True), run(stop, 60)),
        para(run("Status: ", isSubtle=True), run(f"{s.status} ({done}/{total} done)"),
             run("   With: ", isSubtle=True), run(s.holder or "—", 200),
             run("   Opened by: ", isSubtle=True), run(f"{s.opened_by}, {s.opened_at[:10]}", 200)),
    ]
    for p in s.steps[:MAX_LINES]:
        body.append(para(run(f"{STEP_ICONS.get(p.status, '')} Step {p.number} · "), run(p.title, 200),
                         run(f" ({p.department_label}): {p.done}/{p.total}"), spacing="none"))
    if s.next_due:
        late = f"⚠️ {s.late_items} late · " if s.late_items else "⏰ "
        body.append(para(run(f"{late}Most urgent: ", isSubtle=True), run(s.next_due, 600)))
    if s.header:
        body.append(subtle(" · ".join(f"{label}: {value}" for label, value in s.header), 3000))
    dashboard = f"{public_url}/dashboard/{s.case_id}" if public_url else None
    body.append(para(run(f"Case {s.case_id} · ", isSubtle=True), link_run("Show all", dashboard),
                     separator=True))
    return body


def summary_card(s: CaseSummary, public_url: str | None) -> Element:
    """The case's parent message in the cases channel, edited in place."""
    done, total = progress(s)
    holder = f", with {s.holder}" if s.holder else ""
    return card(summary_body(s, public_url), fallback=f"{s.title}: {s.status}{holder} ({done}/{total} done)")


def line_card(text: str) -> Element:
    """One line into a case thread (hand-offs, gates opening, completion...)."""
    return card([para(run(text, 4000))], fallback=text)


def handoff_card(h: HandoffView, mentions: Sequence[Mention], public_url: str | None) -> Element:
    """The ping to the next department, with what the previous step recorded.

    A step reopened after its hand-off (an answer undone), or complete again, tells the
    same department in its own words, with the answers that changed.
    """
    line, entities = mention_entities(mentions)
    body: list[Element] = [line] if line else []
    if h.kind != "handoff":
        body.append(para(run(h.client, 300, weight="bolder"), run(": "), run(h.note or "", 1500)))
        for r in h.changed[:MAX_LINES]:
            body.append(para(run("• "), run(r.text, 400), run(": "), run(r.value_text, 600, weight="bolder"),
                             spacing="none"))
        return card(body, fallback=f"{h.client}: {h.note or ''}"[:200], entities=entities)
    body.append(para(run(handoff_head(h), 2000)))
    if h.recorded:
        body.append(para(run(f"What {h.from_department} recorded:", 200, weight="bolder")))
    for r in h.recorded[:MAX_LINES]:
        body.append(para(run("• "), run(r.text, 400), run(": "), run(r.value_text, 600, weight="bolder"),
                         run(f" ({r.by})" if r.by else "", 100, isSubtle=True), spacing="none"))
    if len(h.recorded) > MAX_LINES:
        dashboard = f"{public_url}/dashboard/{h.case_id}" if public_url else None
        more = run(f"…and {len(h.recorded) - MAX_LINES} more: ")
        body.append(para(more, link_run("the dashboard", dashboard)))
    fallback = f"{h.client}: {h.from_step} is complete; over to {h.to_department_label}"
    return card(body, fallback=fallback, entities=entities)


def managers_card(text: str, mentions: Sequence[Mention]) -> Element:
    """A note for the managers (a case is complete...), mentioning them."""
    line, entities = mention_entities(mentions)
    return card(([line] if line else []) + [para(run(text, 4000))], fallback=text, entities=entities)


def document_card(title: str, links: Sequence[tuple[str, str]], expires: str) -> Element:
    """A document, downloadable from the bot's own server in each format."""
    body = [para(run("📄 "), run(title, 500, weight="bolder")),
            subtle(f"Download links work until {expires}; the export command posts fresh ones.")]
    buttons = [open_url(label, url) for label, url in links]
    return card(body, fallback=f"{title} is ready", card_actions=buttons)


def help_card(problem: str = "") -> Element:
    """The commands, as you type them to the bot (in a channel, after @offboard)."""
    body = [para(run(problem, 500, color="attention"))] if problem else []
    body += [heading("offboard commands"),
             para(run(help_text("", "offboard "), 3000, fontType="monospace")),
             subtle("In a channel, mention the bot first: @offboard offboard AcmeCo")]
    return card(body, fallback="offboard commands")


def list_card(summaries: Sequence[CaseSummary], total: int | None = None) -> Element:
    """The open cases with their progress (``total``: how many there are, when only a page is given)."""
    total = len(summaries) if total is None else total
    if not total:
        return card([para(run("No open cases. Type offboard CLIENT to open one."))], fallback="No open cases")
    body = [heading(f"{total} open case(s)")]
    body += [para(run(case_line(s), 600), spacing="small") for s in summaries[:MAX_LINES]]
    if total > MAX_LINES:
        body.append(subtle(f"…and {total - MAX_LINES} more on the dashboard"))
    return card(body, fallback=f"{total} open case(s)")


def status_card(s: CaseSummary, public_url: str | None, thread_url: str | None) -> Element:
    """Where a case stands, and a link to its thread."""
    body = summary_body(s, public_url)
    if thread_url:
        body.append(para(link_run("Open the case thread", thread_url)))
    return card(body, fallback=f"{s.client}: {s.status}")


def text_card(text: str) -> Element:
    """A plain reply."""
    return card([para(run(clip(text, 4000)))], fallback=text)
