"""The fake's card checker refuses what Teams would refuse (so a passing walk means something)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.cards import card, para, run
from adapters.teams.messages import mention_entities
from adapters.teams.settings_parts import Mention
from tests.teams.card_check import problems, shown


def good() -> dict[str, Any]:
    return card([para(run("Hello"))], fallback="Hello")


def test_a_plain_card_passes() -> None:
    assert problems(good()) == []


@pytest.mark.parametrize(("change", "problem"), [
    (lambda c: c.update(version="1.6"), "above Teams' 1.5"),
    (lambda c: c["body"].append({"type": "Carousel", "pages": []}), "unknown type 'Carousel'"),
    (lambda c: c["body"][0]["inlines"][0].update(weight="heavy"), "schema:"),
    (lambda c: c["body"][0]["inlines"].append({"type": "TextRun", "text": "x", "markdown": True}), "schema:"),
    (lambda c: c["body"].append({"type": "Container", "items": [{"type": "TextBlock"}]}), "schema:"),
    (lambda c: c["body"].append({"type": "ActionSet", "actions": [{"type": "Action.Submit", "verb": "x"}]}),
     "schema:"),
    (lambda c: c["body"].extend([{"type": "Input.Text", "id": "a"}, {"type": "Input.Text", "id": "a"}]),
     "duplicate input ids"),
    (lambda c: c["msteams"].update(entities=[{"type": "mention", "text": "<at>Tech</at>",
                                              "mentioned": {"id": "t", "name": "Tech"}}]),
     "does not appear in the card's text"),
    (lambda c: c["msteams"].update(theme="dark"), "unknown msteams keys"),
    (lambda c: c.update(speak=5), "schema:"),
], ids=["version", "unknown-element", "bad-enum", "unknown-run-key", "nested-bad", "submit-with-verb",
        "duplicate-ids", "mention-not-in-text", "msteams-key", "root-type"])
def test_what_teams_refuses_is_refused(change: Any, problem: str) -> None:
    content = good()
    change(content)
    assert any(problem in p for p in problems(content)), problems(content)


def test_text_runs_are_read_literally_and_mentions_by_their_entity() -> None:
    line, entities = mention_entities([Mention("tag-1", "Tech", "tag")])
    assert line is not None
    content = card([line, para(run("Acme <at>Sales</at> **{{7*7}}**"))], fallback="x", entities=entities)
    assert problems(content) == []
    assert shown(content) == "@Tech\nAcme <at>Sales</at> **{{7*7}}**"
