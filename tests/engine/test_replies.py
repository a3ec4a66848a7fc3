"""dialogs/replies.py: the words every surface shares say the same thing everywhere."""

from __future__ import annotations

from dataclasses import replace

from dialogs.commands import HELP, help_lines, help_text
from dialogs.replies import answered_line, case_line, changed_since, handoff_head, item_reason
from dialogs.views import CaseSummary, HandoffView, ItemView, StepProgress


def item(**kw: object) -> ItemView:
    base: dict[str, object] = {"id": "x", "kind": "task", "text": "Review AcmeCo", "status": "open",
                               "version": 1}
    return ItemView(**{**base, **kw})  # type: ignore[arg-type]


def test_the_help_lists_every_command_once_for_each_surface() -> None:
    assert help_text() == HELP and HELP.splitlines()[0].startswith("/offboard CLIENT ")
    assert [typed for typed, _ in help_lines()] == [
        "/offboard CLIENT", "/offboard list", "/offboard status CLIENT", "/offboard cancel CLIENT",
        "/offboard reopen CLIENT", "/offboard export CLIENT", "/offboard date CLIENT",
        "/offboard open CLIENT", "/offboard help"]


def test_teams_types_commands_to_the_bot_without_a_slash() -> None:
    lines = dict(help_lines("", "offboard "))
    assert "offboard CLIENT" in lines and "list" in lines and "status CLIENT" in lines
    assert not any(typed.startswith("/") for typed in lines)


def test_item_words() -> None:
    assert item_reason(item(status="locked", reason="waits for the gate")) == "Locked: waits for the gate"
    assert item_reason(item(status="skipped", reason="no newsletter")) == "Does not apply: no newsletter"
    assert item_reason(item()) is None
    done = item(status="done", value_text="Done", answered_by="Alice", answered_at="2026-11-27T09:00:01")
    assert answered_line(done) == "Done — Alice, 2026-11-27 09:00"
    assert answered_line(item()) is None
    assert "changed since the card was shown; it is done (Done, by Alice)" in changed_since(done)


def test_case_line_and_handoff_are_plain_words() -> None:
    s = CaseSummary("c1", "Acme <at>Sales</at>", "Remove Acme", "open", "2026-12-31", "2026-11-27", "Alice",
                    "Admin", (StepProgress("a", 1, "One", "Admin", "active", 3, 12),), (), overdue=True)
    assert case_line(s) == "Acme <at>Sales</at> — stops 2026-12-31 (overdue), with Admin — 1. Admin 3/12"
    assert case_line(replace(s, late_items=2)) == (
        "Acme <at>Sales</at> — stops 2026-12-31 (overdue), with Admin · 2 items late — 1. Admin 3/12")
    h = HandoffView("c1", "AcmeCo", "Step one", "Admin", "Step two", "tech", "Tech", ())
    assert handoff_head(h) == ("Admin finished Step one for AcmeCo. "
                               "Over to Tech: Step two (the step card follows).")
