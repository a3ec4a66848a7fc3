"""Checklist texts: rendered once per set of values they read, always with the values at hand."""

from __future__ import annotations

from typing import Any

from dialogs.text import render

PREPAY = "Collect {{ answer.prepayment.dollars | money }} for {{ answer.prepayment.hours or '___' }} hours"


def values(client: str = "Acme", **answers: Any) -> dict[str, Any]:
    # as dialogs.present.case_values gives them: every item, {} until it is answered
    return {"client": client, "stop_date": "2026-12-31",
            "answer": {"other": {"text": "x"}, "prepayment": {}, **answers}}


def test_a_text_that_reads_an_answer_follows_that_answer() -> None:
    assert render(PREPAY, values()) == "Collect $___ for ___ hours"
    assert render(PREPAY, values(prepayment={"dollars": "1500", "hours": "10"})) == \
        "Collect $1,500.00 for 10 hours"
    assert render(PREPAY, values(prepayment={"dollars": "900", "hours": "10"})) == \
        "Collect $900.00 for 10 hours"
    assert render(PREPAY, values(prepayment={"dollars": "1500", "hours": "10"})) == \
        "Collect $1,500.00 for 10 hours"


def test_answers_that_compare_equal_but_read_differently_render_differently() -> None:
    texts = [render(PREPAY, values(prepayment={"dollars": "5", "hours": h})) for h in (1, True, 1.0, "1")]
    assert texts == ["Collect $5.00 for 1 hours", "Collect $5.00 for True hours",
                     "Collect $5.00 for 1.0 hours", "Collect $5.00 for 1 hours"]


def test_other_answers_and_the_client_count_only_when_the_text_reads_them() -> None:
    text = "{{ client }}: {{ answer.other.text }}"
    assert render(text, values("Acme")) == "Acme: x"
    assert render(text, values("Bolt")) == "Bolt: x"
    assert render(text, {**values("Bolt"), "answer": {"other": {"text": "y"}}}) == "Bolt: y"


def test_a_text_that_reads_answers_as_a_whole_is_rendered_each_time() -> None:
    text = "{{ answer | length }} answers"
    assert render(text, values()) == "2 answers"
    assert render(text, values(more={"dollars": "1"})) == "3 answers"
    assert render("{{ answer['other'].text }}", values()) == "x"
    assert render("{{ answer['other'].text }}", {"answer": {"other": {"text": "z"}}}) == "z"
