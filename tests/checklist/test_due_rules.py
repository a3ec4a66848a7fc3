"""Due rules are checklist data: the built-in offboarding file carries them, and a bad rule is refused
with the path to the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.checklist import BUILTIN_DIR, DEFAULT_CHECKLIST, DueRule
from dialogs.checklist_loader import load_checklist
from dialogs.due import rule_of
from tests.checklist.test_loader import at, mutate, refused

STEP_TWO = 'log_hours = true\ndue = { before = "stop_date", business_days = 5 }'


def test_the_offboarding_checklist_says_when_things_are_due() -> None:
    cl = load_checklist(DEFAULT_CHECKLIST)
    assert cl.has_due_rules
    assert rule_of(cl, cl.items["prepayment"]) == DueRule("opened", "after", 2, True)
    assert rule_of(cl, cl.items["review_account"]) == DueRule("opened", "after", 5, True)  # its step's
    assert rule_of(cl, cl.items["removal_ticket"]) == DueRule("stop_date", "before", 5, True)
    assert rule_of(cl, cl.items["remove_rmm_agents"]) == DueRule("stop_date", "on")  # its own wins
    assert rule_of(cl, cl.items["file_paperwork"]) == DueRule("stop_date", "after", 30)
    assert rule_of(cl, cl.items["unbundled_billing"]) == DueRule("managed_contract_expiration", "before", 2,
                                                                 True)
    # Nobody works these by hand: no due date, whatever the step says.
    assert [i for i in cl.items if rule_of(cl, cl.items[i]) is None] == [
        "whats_next_memo", "summary_report", "all_tickets_closed", "completed_checklist"]


def test_a_checklist_without_rules_has_none() -> None:
    cl = load_checklist(BUILTIN_DIR / "onboarding.toml")
    assert not cl.has_due_rules
    assert all(rule_of(cl, item) is None for item in cl.items.values())


@pytest.mark.parametrize(("rule", "path", "problem"), [
    ('{ before = "stop_dat", business_days = 5 }', "steps[1].due.before",
     "unknown anchor 'stop_dat': opened, opened_on, stop_date, or a date item"),
    ('{ before = "contact_name", business_days = 5 }', "steps[1].due.before",
     "header field 'contact_name' is not a date"),
    ('{ after = "prepayment", days = 1 }', "steps[1].due.after",
     "'prepayment' is not a date item (its kind is amount)"),
    ('{ after = "tm_contract_expiration" }', "steps[1].due.after",
     "'tm_contract_expiration' is answered in step 3; step 2 cannot know it yet"),
    ('{ before = "stop_date", days = 5, business_days = 5 }', "steps[1].due.business_days",
     "use either days or business_days, not both"),
    ('{ before = "stop_date", business_days = -5 }', "steps[1].due.business_days",
     "must be 0 or more (use before instead of after)"),
    ('{ on = "stop_date", days = 1 }', "steps[1].due.days", "on takes no days: use after or before"),
    ('{ before = "stop_date", after = "opened" }', "steps[1].due",
     "say when with exactly one of after, before or on"),
    ('{ until = "stop_date" }', "steps[1].due.until", "unknown field"),
    ('{ before = "stop_date", business_days = "5" }', "steps[1].due.business_days", "expected int, got str"),
    ('"5 days before the stop date"', "steps[1].due",
     'expected a table such as { before = "stop_date", business_days = 5 }'),
])
def test_a_bad_step_rule_is_refused_with_its_path(tmp_path: Path, rule: str, path: str, problem: str) -> None:
    exc = refused(tmp_path, mutate((STEP_TWO, f"log_hours = true\ndue = {rule}")))
    assert (exc.path, exc.problem) == (path, problem)


def test_an_item_rule_is_checked_too(tmp_path: Path) -> None:
    rmm = 'due = { on = "stop_date" }'
    exc = refused(tmp_path, mutate((rmm, 'due = { on = "remove_rmm_agents" }')))
    assert exc.path == f"{at('remove_rmm_agents')}.due.on"
    assert exc.problem == "'remove_rmm_agents' is not a date item (its kind is task)"
    exc = refused(tmp_path, mutate(('default = "stop_date"\nnot_before = "opened_on"',
                                    'default = "stop_date"\nnot_before = "opened_on"\n'
                                    'due = { after = "managed_contract_expiration" }')))
    assert exc.path == f"{at('managed_contract_expiration')}.due.after"
    assert exc.problem == "an item cannot be due relative to its own answer"
    exc = refused(tmp_path, mutate(('document = "memo"', 'document = "memo"\ndue = { after = "opened" }')))
    assert exc.path == f"{at('whats_next_memo')}.due"
    assert exc.problem == "nobody works this item by hand, so it cannot be due"


def test_an_anchor_answered_in_the_same_or_an_earlier_step_is_fine(tmp_path: Path) -> None:
    file = tmp_path / "ok.toml"
    file.write_text(mutate((STEP_TWO, 'log_hours = true\ndue = { after = "managed_contract_expiration" }')),
                    encoding="utf-8")
    cl = load_checklist(file)
    assert cl.steps[1].due == DueRule("managed_contract_expiration", "after")
