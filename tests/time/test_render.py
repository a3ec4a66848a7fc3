"""One reminder and one digest rendered through every adapter: the same words, valid for each surface
(Slack blocks per slack_sdk.models, Teams cards per the Adaptive Cards 1.5 schema, escaped web HTML)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from adapters.slack.reminders import digest_message, reminder_message
from adapters.teams.reminders import digest_card, reminder_card
from adapters.teams.settings_parts import Mention
from adapters.web.render import TEMPLATES
from dialogs.reminder_views import DigestCase, DigestLine, DigestView, ReminderView
from dialogs.replies import digest_head, digest_line, reminder_text
from dialogs.views import ActionView, InputField
from storage.base import Notice, NoticeKind
from tests.slack.fake_slack import check_blocks
from tests.slack.test_limits import texts
from tests.teams.card_check import problems, shown

CLIENT = "Acme <!channel> <at>Sales</at> {{7*7}} & *bold*"
PREPAY = "Collect prepayment of $___ for ___ hours labor"
WHY = InputField("reason", "text", "Why snooze?")
SNOOZES = (ActionView("snooze", "Snooze a day", "prepayment", 3, inputs=(WHY,)),
           ActionView("snooze_until", "Snooze until a date", "prepayment", 3,
                      inputs=(InputField("until", "date", "Until"), WHY)))


def reminder(level: int) -> ReminderView:
    return ReminderView("c0123456789", CLIENT, "prepayment", PREPAY, 1,
                        "Routing step one: Admin", "admin", "Admin", "2026-12-01", "Tue 1 Dec", "2 days late",
                        level, {"platform": "slack", "user_id": "U0TOM", "name": "Tom <b>Tech</b>"},
                        stop_date="2026-12-31", actions=SNOOZES)


DIGEST = DigestView("admin", "Admin", "2026-12-03", "Thu 3 Dec", (
    DigestCase("c0123456789", CLIENT, "2026-12-31", (
        DigestLine("prepayment", PREPAY, 1, "Tue 1 Dec", "2 days late", True, "Tom <b>Tech</b>"),
        DigestLine("review_account", f"Review {CLIENT}'s account", 1, "Thu 3 Dec", "due today", False))),))


def web(kind: str, payload: dict[str, object]) -> str:
    from adapters.web.pages import digest_entry

    at = datetime(2026, 12, 3, 9, tzinfo=UTC)
    notice = Notice("c0123456789", NoticeKind(kind), "dept:admin", payload, at, id=7)
    if kind == "digest":
        entry = digest_entry(payload["digest"], notice)  # type: ignore[arg-type]
    else:
        r = ReminderView.from_json(payload["reminder"])  # type: ignore[arg-type]
        entry = {"kind": "reminder", "notice": notice, "reminder": r, "text": reminder_text(r)}
    return TEMPLATES.get_template("_dept_feed.html.j2").render(live=[], history=[entry], may_act=True)


def read(page: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


@pytest.mark.parametrize("level", [0, 1, 2])
def test_one_reminder_through_every_adapter(level: int) -> None:
    r = ReminderView.from_json(reminder(level).to_json())  # as the outbox carries it
    words = reminder_text(r)
    start = {0: "“Collect", 1: "Still late: “Collect", 2: "Escalated to the managers: “Collect"}[level]
    assert words.startswith(start) and "Tom <b>Tech</b> holds it." in words

    slack = reminder_message(r, "<@U0TOM>", "https://offboard.example.com")
    check_blocks(slack.blocks, 50)
    said = "\n".join(texts(slack.blocks))
    assert "Acme &lt;!channel&gt; &lt;at&gt;Sales&lt;/at&gt; {{7*7}} &amp; *bold*" in said, "escaped mrkdwn"
    assert "<!channel>" not in said and said.count("<@U0TOM>") == 1
    buttons = [e for b in slack.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Snooze a day", "Snooze until a date"]

    card = reminder_card(r, [Mention("0d1f2e3c-4b5a-4697-8a9b-0c1d2e3f4a5b", "Tom Tech")], None)
    assert problems(card) == []
    assert words in shown(card) and "[Snooze a day]" in shown(card)

    page = web("reminder" if level == 0 else "escalation", {"reminder": r.to_json()})
    assert words in read(page) and "<at>" not in page and "<!channel>" not in page
    assert read(page).count("Snooze a day…") == 1 and 'name="action" value="snooze_until"' in page


def test_one_digest_through_every_adapter() -> None:
    d = DigestView.from_json(DIGEST.to_json())
    head, lines = digest_head(d), [digest_line(line) for line in d.cases[0].lines]
    assert head == "Admin, Thu 3 Dec: 1 late and 1 due today"
    assert lines[0] == "“Collect prepayment of $___ for ___ hours labor” — 2 days late · Tom <b>Tech</b>"

    slack = digest_message(d, "https://offboard.example.com")
    check_blocks(slack.blocks, 50)
    said = "\n".join(texts(slack.blocks))
    assert "Admin, Thu 3 Dec: 1 late and 1 due today" in said and "&lt;!channel&gt;" in said
    assert f"• “{PREPAY}” — 2 days late · Tom &lt;b&gt;Tech&lt;/b&gt;" in said

    card = digest_card(d, None)
    assert problems(card) == []
    assert all(line in shown(card) for line in [head, *lines])

    page = read(web("digest", {"digest": d.to_json()}))
    assert all(line in page for line in [head, *lines])
