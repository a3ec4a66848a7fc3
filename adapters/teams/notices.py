"""Which card(s) a notice becomes, and where in Teams it goes.

One small table from notice kind to card: a kind the engine adds later
(e.g. a note for managers) needs one line here; until then it is skipped with
a log line. Where is read from the notice's target: ``dept:X`` is that
department's channel, ``managers`` the managers' channel, ``case:ID`` the
cases channel (the summary as a post, everything else in its thread).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.teams.cards import Element, card, para, run
from adapters.teams.config import TeamsSettings
from adapters.teams.ids import SENDER
from adapters.teams.links import document_url
from adapters.teams.messages import (
    document_card,
    handoff_card,
    line_card,
    managers_card,
    mention_entities,
    summary_card,
)
from adapters.teams.reminders import digest_card, holder_mention, reminder_card
from adapters.teams.settings_parts import Mention
from adapters.teams.stepcard import manager_item_card, step_parts
from dialogs.reminder_views import DigestView, ReminderView
from dialogs.views import CaseSummary, HandoffView, StepCard
from storage.base import Notice, Store

FORMAT_LABELS = {"pdf": "PDF", "html": "HTML", "md": "Markdown"}


@dataclass(frozen=True)
class Where:
    """A channel, and the thread in it when the message is a reply."""

    channel: str
    thread: str | None = None  # the thread's conversation id: "<channel>;messageid=<post>"


class Renderer:
    """Notices as cards, with signed document links that expire ``link_ttl`` after they are made."""

    def __init__(self, settings: TeamsSettings, formats: tuple[str, ...],
                 clock: Callable[[], float] = time.time) -> None:
        self.settings, self.formats, self.clock = settings, formats, clock
        self.kinds: dict[str, Callable[[dict[str, Any]], list[Element]]] = {
            "summary": lambda p: [summary_card(CaseSummary.from_json(p["summary"]), settings.public_url)],
            "card": lambda p: step_parts(StepCard.from_json(p["card"]), settings.public_url),
            "thread": lambda p: [line_card(str(p.get("text", "")))],
            "handoff": self._handoff,
            "managers": lambda p: [managers_card(str(p.get("text", "")), settings.manager_mentions)],
            "document": lambda p: [self.document(p)],
            "manager_item": self._manager_item,
            "reminder": self._reminder,
            "escalation": self._reminder,
            "digest": lambda p: [digest_card(DigestView.from_json(p["digest"]), settings.public_url)],
        }

    def cards(self, notice: Notice) -> list[Element] | None:
        """The card(s) for a notice; None for a kind Teams has no form for."""
        make = self.kinds.get(notice.kind)
        return None if make is None else make(notice.payload)

    def _handoff(self, payload: dict[str, Any]) -> list[Element]:
        h = HandoffView.from_json(payload["handoff"])
        dept = self.settings.departments.get(h.to_department)
        return [handoff_card(h, dept.mentions if dept else (), self.settings.public_url)]

    def _reminder(self, payload: dict[str, Any]) -> list[Element]:
        r = ReminderView.from_json(payload["reminder"])
        return [reminder_card(r, self.reminder_mentions(r), self.settings.public_url)]

    def reminder_mentions(self, r: ReminderView) -> tuple[Mention, ...]:
        """Who a reminder calls: whoever holds the item, else its department (the managers for a
        manager's item); an escalation calls the managers too."""
        holder = holder_mention(r)
        if r.level == 0:
            if holder:
                return (holder,)
            dept = self.settings.departments.get(r.department)
            return self.settings.manager_mentions if r.manager_only else (dept.mentions if dept else ())
        return (*self.settings.manager_mentions, *((holder,) if holder else ()))

    def _manager_item(self, payload: dict[str, Any]) -> list[Element]:
        line, entities = mention_entities(self.settings.manager_mentions)
        step = StepCard.from_json(payload["card"])
        return [manager_item_card(step, line, entities, self.settings.public_url)]

    def document(self, payload: dict[str, Any]) -> Element:
        """A document card: a signed download link per format."""
        expires = int(self.clock() + self.settings.link_ttl)
        case_id, doc = str(payload.get("case_id")), str(payload.get("document"))
        secret, public = str(self.settings.link_secret), self.settings.public_url
        links = [(FORMAT_LABELS.get(fmt, fmt), document_url(public, secret, case_id, doc, fmt, expires))
                 for fmt in self.formats]
        until = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return document_card(str(payload.get("title") or doc), links, until)

    @staticmethod
    def retired() -> Element:
        """What an extra part of a step card says once the step fits in fewer parts."""
        return card([para(run("(The rest of this step now fits in the messages above.)", isSubtle=True))],
                    fallback="(continued above)")


async def where(notice: Notice, settings: TeamsSettings, store: Store) -> Where:
    """The channel (and thread) a notice goes to."""
    target = notice.target
    if target.startswith("dept:"):
        return Where(settings.channel_of(target.removeprefix("dept:")))
    if target == "managers":
        return Where(settings.managers_channel)
    if notice.kind == "summary" or notice.case_id is None:
        return Where(settings.cases_channel)
    parent = await store.get_message_ref(SENDER, notice.case_id, "summary")
    if parent is None:  # the summary never made it: the line stands on its own
        return Where(settings.cases_channel)
    channel = parent.channel.split(";", 1)[0]
    return Where(channel, f"{channel};messageid={parent.message_id}")
