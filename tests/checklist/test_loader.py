"""The checklist loader: the built-in files load, and every kind of bad file is refused
with a ChecklistError naming the file and the exact path to the bad field."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from dialogs.checklist import BUILTIN_DIR, DEFAULT_CHECKLIST, Checklist
from dialogs.checklist_loader import load_checklist
from dialogs.engine import Engine
from dialogs.errors import ChecklistError
from dialogs.views import ItemView
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, TOM, Clock

OFFBOARDING_TEXT = DEFAULT_CHECKLIST.read_text(encoding="utf-8")
BROKEN = "broken.toml"


@functools.cache
def at(item_id: str) -> str:
    """The path of an item in the real offboarding file, e.g. ``steps[0].items[1]``."""
    checklist = load_checklist(DEFAULT_CHECKLIST)
    for i, step in enumerate(checklist.steps):
        for j, item in enumerate(step.items):
            if item.id == item_id:
                return f"steps[{i}].items[{j}]"
    raise AssertionError(f"no item {item_id!r} in offboarding.toml")


def header_at(header_id: str) -> str:
    checklist = load_checklist(DEFAULT_CHECKLIST)
    index = [h.id for h in checklist.header].index(header_id)
    return f"header[{index}]"


def mutate(*edits: tuple[str, str], count: int = 1) -> str:
    """The real offboarding text with each (old, new) edit applied; old must occur."""
    text = OFFBOARDING_TEXT
    for old, new in edits:
        assert old in text, f"the offboarding file no longer contains {old!r}"
        text = text.replace(old, new, count)
    return text


def refused(tmp_path: Path, text: str, name: str = BROKEN) -> ChecklistError:
    """Write text as a checklist file and load it; return the error it must raise."""
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklist(file)
    exc = info.value
    assert exc.file == name
    assert str(exc) == (f"{name}: {exc.path}: {exc.problem}" if exc.path else f"{name}: {exc.problem}")
    return exc


# ---------------------------------------------------------------- the built-in files

def test_builtin_offboarding_loads() -> None:
    checklist = load_checklist(BUILTIN_DIR / "offboarding.toml")
    assert checklist.id == "offboarding"
    assert [s.id for s in checklist.steps] == ["admin_one", "tech_two", "admin_three"]
    assert [s.department for s in checklist.steps] == ["admin", "tech", "admin"]
    assert [s.number for s in checklist.steps] == [1, 2, 3]
    assert len(checklist.items) == sum(len(s.items) for s in checklist.steps)
    assert checklist.items["all_tickets_closed"].kind == "gate"
    assert checklist.items["remove_rmm_agents"].behind == "all_tickets_closed"
    assert checklist.items["removal_ticket"].log_hours is True  # tech step logs hours on text/task
    assert checklist.items["open_tickets"].log_hours is False
    assert checklist.source == str(BUILTIN_DIR / "offboarding.toml")


def test_builtin_onboarding_loads() -> None:
    checklist = load_checklist(BUILTIN_DIR / "onboarding.toml")
    assert checklist.id == "onboarding"
    assert checklist.case_noun == "onboarding"
    assert [s.department for s in checklist.steps] == ["admin", "tech"]
    assert checklist.items["documentation"].choices == ("paper", "electronic", "none")


def test_the_unchanged_copy_loads(tmp_path: Path) -> None:
    """The harness itself: an unmodified copy is accepted, so each refusal below is the edit's doing."""
    file = tmp_path / BROKEN
    file.write_text(OFFBOARDING_TEXT, encoding="utf-8")
    assert load_checklist(file).items.keys() == load_checklist(DEFAULT_CHECKLIST).items.keys()


# ---------------------------------------------------------------- bad files

def test_unknown_item_kind(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('id = "review_account"\nkind = "task"',
                                    'id = "review_account"\nkind = "chore"')))
    assert exc.path == "steps[0].items[1].kind" == f"{at('review_account')}.kind"
    assert "'chore'" in exc.problem


def test_unknown_item_field(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('input_label = "Arrangement"', 'input_lable = "Arrangement"')))
    assert exc.path == f"{at('payment_arrangements')}.input_lable"
    assert exc.problem == "unknown field"


def test_unknown_top_level_step_and_header_fields(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('case_noun = "offboarding"', 'case_nuon = "offboarding"')))
    assert exc.path == "case_nuon"
    exc = refused(tmp_path, mutate(("log_hours = true", "log_hour = true")))
    assert exc.path == "steps[1].log_hour"
    exc = refused(tmp_path, mutate(('not_past = true', 'not_passed = true')))
    assert exc.path == f"{header_at('stop_date')}.not_passed"


def test_condition_naming_a_missing_item(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('when = { item = "newsletter", is = false }',
                                    'when = { item = "newsleter", is = false }')))
    assert exc.path == f"{at('remove_from_newsletter')}.when"
    assert "'newsleter'" in exc.problem


def test_gate_condition_naming_a_missing_item(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('{ tickets_closed = "open_tickets" }',
                                    '{ tickets_closed = "open_tix" }')))
    assert exc.path == f"{at('all_tickets_closed')}.open_when"


def test_gate_with_no_items_behind_it(tmp_path: Path) -> None:
    text = mutate(('behind = "invoices_settled"\n', ""), count=-1)
    assert 'behind = "invoices_settled"' not in text
    exc = refused(tmp_path, text)
    assert exc.path == at("invoices_settled")
    assert "no items behind it" in exc.problem


def test_duplicate_item_id_in_the_same_step(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('id = "keep_other_contracts"', 'id = "keep_tm_contract"')))
    assert exc.path == f"{at('keep_other_contracts')}.id", "the second one is the duplicate"
    assert f"first at {at('keep_tm_contract')}" in exc.problem


def test_duplicate_item_id_across_steps(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('id = "file_paperwork"', 'id = "update_dns"')))
    assert exc.path == f"{at('file_paperwork')}.id"
    assert f"first at {at('update_dns')}" in exc.problem


def test_duplicate_step_id(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('id = "admin_three"', 'id = "admin_one"')))
    assert exc.path == "steps[2].id"
    assert "'admin_one'" in exc.problem


def test_after_cycle(tmp_path: Path) -> None:
    # test_mail_flow is already after update_dns; now update_dns is after test_mail_flow too.
    exc = refused(tmp_path, mutate(('text = "Update MX records and other DNS as needed"\n',
                                    'text = "Update MX records and other DNS as needed"\n'
                                    'after = ["test_mail_flow"]\n')))
    assert exc.path == at("update_dns")  # the first item of the loop, in file order
    assert exc.problem == "dependency cycle: update_dns -> test_mail_flow -> update_dns"


def test_after_naming_itself(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('text = "Update the Managed Services Grid"\n',
                                    'text = "Update the Managed Services Grid"\nafter = ["update_grid"]\n')))
    assert exc.path == at("update_grid")
    assert "cycle" in exc.problem


def test_when_cycle(tmp_path: Path) -> None:
    # remove_from_newsletter applies when newsletter is "no"; now newsletter waits for it.
    exc = refused(tmp_path, mutate(('text = "Will {{ client }} still receive our newsletter?"\n',
                                    'text = "Will {{ client }} still receive our newsletter?"\n'
                                    'when = { item = "remove_from_newsletter", answered = true }\n')))
    assert exc.path == at("newsletter")
    assert exc.problem == "dependency cycle: newsletter -> remove_from_newsletter -> newsletter"


# ---------------------------------------------------------------- references to later steps deadlock
REVIEW = 'id = "review_account"\nkind = "task"\n'


@pytest.mark.parametrize(("added", "field"), [
    ('after = ["file_paperwork"]\n', "after[0]"),
    ('when = { item = "client_gone", is = true }\n', "when.item"),
    ('when = { all = [{ item = "newsletter", is = true }, '
     '{ not = { item = "client_gone", answered = true } }] }\n',
     "when.all[1].not.item"),
    ('behind = "invoices_settled"\n', "behind"),
], ids=["after", "when", "nested-when", "behind"])
def test_a_reference_to_a_later_step_is_refused(tmp_path: Path, added: str, field: str) -> None:
    exc = refused(tmp_path, mutate((REVIEW, REVIEW + added)))
    assert exc.path == f"{at('review_account')}.{field}"
    assert "is an item of step 3; an item of step 1 cannot wait for a later step" in exc.problem


def test_a_gate_opening_on_a_later_step_is_refused(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('open_when = { tickets_closed = "open_tickets" }',
                                    'open_when = { item = "client_gone", is = true }')))
    assert exc.path == f"{at('all_tickets_closed')}.open_when.item"
    assert "'client_gone' is an item of step 3" in exc.problem


# ---------------------------------------------------------------- sanity checks on amounts and dates
@pytest.mark.parametrize(("old", "new", "field", "problem"), [
    ('closes = { tickets = "open_tickets", decision = "close" }',
     'closes = { tickets = "removal_ticket", decision = "close" }', "close_unworked_tickets",
     "closes.tickets: 'removal_ticket' is not a tickets item"),
    ('closes = { tickets = "open_tickets", decision = "close" }',
     'closes = { tickets = "open_tickets", decision = "shred" }', "close_unworked_tickets",
     "closes.decision: unknown decision 'shred'"),
    ('at_most = "prepayment"', 'at_most = "removal_ticket"', "rebate", "at_most: at_most links an amount"),
    ('confirm_unused = true', 'confirm_unused = "yes"', "rebate", "confirm_unused: expected bool"),
    ('not_before = "opened_on"', 'not_before = "contact_name"', "managed_contract_expiration",
     "not_before: 'contact_name' is not a date field of the header"),
    ('confirm_near = { field = "stop_date", days = 62 }', 'confirm_near = { field = "stop_date", days = 0 }',
     "managed_contract_expiration", "confirm_near.days: must be 1 or more"),
], ids=["closes-kind", "closes-decision", "at-most", "confirm-unused", "not-before", "near-days"])
def test_sanity_declarations_are_validated(tmp_path: Path, old: str, new: str, field: str,
                                           problem: str) -> None:
    exc = refused(tmp_path, mutate((old, new)))
    assert f"{exc.path}: {exc.problem}".startswith(f"{at(field)}.{problem}"), str(exc)


def test_condition_reading_its_own_item(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('when = { item = "newsletter", is = false }',
                                    'when = { item = "remove_from_newsletter", answered = true }')))
    assert exc.path == f"{at('remove_from_newsletter')}.when"


GRID = 'text = "Update the Managed Services Grid"\nbehind = '


def test_behind_naming_a_non_gate(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate((GRID + '"all_tickets_closed"', GRID + '"open_tickets"')))
    assert exc.path == f"{at('update_grid')}.behind"
    assert "'open_tickets' is not a gate" in exc.problem


def test_behind_naming_a_missing_item(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate((GRID + '"all_tickets_closed"', GRID + '"no_such_gate"')))
    assert exc.path == f"{at('update_grid')}.behind"


def test_unknown_department_on_a_step(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('department = "tech"', 'department = "engineering"')))
    assert exc.path == "steps[1].department"
    assert "'engineering'" in exc.problem


def test_choice_with_one_choice(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('choices = ["paper", "electronic"]', 'choices = ["paper"]')))
    assert exc.path == f"{at('deliver_documentation')}.choices"


def test_choice_with_an_empty_choice(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('choices = ["paper", "electronic"]', 'choices = ["paper", ""]')))
    assert exc.path == f"{at('deliver_documentation')}.choices"


def test_amount_without_fields(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('fields = ["dollars", "hours"]\n', "")))  # the prepayment's (first)
    assert exc.path == f"{at('prepayment')}.fields"


def test_amount_with_an_unknown_field(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('fields = ["dollars", "hours"]', 'fields = ["dollars", "euros"]')))
    assert exc.path == f"{at('prepayment')}.fields[1]"


def test_template_using_an_unknown_variable(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(("Review {{ client }}'s account", "Review {{ clint }}'s account")))
    assert exc.path == f"{at('review_account')}.text"
    assert "clint" in exc.problem


def test_template_unknown_variable_in_a_note_and_titles(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('note = "Send the \\"What\'s Next\\" memo with it."',
                                    'note = "Send it to {{ contact }}."')))
    assert exc.path == f"{at('contact_client')}.note"
    exc = refused(tmp_path, mutate(('title = "Routing step two: Tech"', 'title = "Step two: {{ dept }}"')))
    assert exc.path == "steps[1].title"
    exc = refused(tmp_path, mutate(('title = "Remove {{ client }} from managed services"',
                                    'title = "Remove {{ customer }} from managed services"')))
    assert exc.path == "title"


def test_template_may_use_header_fields_and_answers(tmp_path: Path) -> None:
    file = tmp_path / "fine.toml"
    file.write_text(mutate(("Review {{ client }}'s account",
                            "Review {{ client }}'s account by {{ stop_date }} ({{ answer.newsletter }})")),
                    encoding="utf-8")
    assert "stop_date" in load_checklist(file).items["review_account"].text


def test_template_syntax_error(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(("text = \"Review {{ client }}'s account\"",
                                    'text = "Review {{ client "')))
    assert exc.path == f"{at('review_account')}.text"
    assert exc.problem.startswith("bad template: line 1:")


def test_not_toml(tmp_path: Path) -> None:
    exc = refused(tmp_path, "this is = not [toml\n")
    assert exc.path == ""
    assert exc.problem.startswith("not valid TOML")


def test_truncated_toml(tmp_path: Path) -> None:
    exc = refused(tmp_path, OFFBOARDING_TEXT + "\n[[steps.items]\n")
    assert exc.path == "" and "not valid TOML" in exc.problem


def test_not_utf8(tmp_path: Path) -> None:
    file = tmp_path / BROKEN
    file.write_bytes(OFFBOARDING_TEXT.encode("utf-8") + b"\n# caf\xe9\n")
    with pytest.raises(ChecklistError) as info:
        load_checklist(file)
    assert info.value.file == BROKEN and "UTF-8" in info.value.problem


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    with pytest.raises(ChecklistError) as info:
        load_checklist(missing)
    # A missing file is named by the path that was asked for, so the person sees where it looked.
    assert Path(info.value.file).name == "absent.toml"
    assert info.value.file == str(missing)
    assert info.value.path == ""
    assert info.value.problem == "no such file"


def test_a_directory_is_refused_not_crashed_on(tmp_path: Path) -> None:
    folder = tmp_path / "checklists.toml"
    folder.mkdir()
    with pytest.raises(ChecklistError) as info:
        load_checklist(folder)
    assert Path(info.value.file).name == "checklists.toml"
    assert info.value.path == "" and "cannot read" in info.value.problem


SMALL_HEAD = """\
id = "tiny"
title = "Tiny {{ client }}"
header = []

[departments.admin]
label = "Admin"
"""


def test_empty_steps_list(tmp_path: Path) -> None:
    exc = refused(tmp_path, SMALL_HEAD.replace('header = []\n', 'header = []\nsteps = []\n'))
    assert exc.path == "steps"


def test_missing_steps(tmp_path: Path) -> None:
    exc = refused(tmp_path, SMALL_HEAD)
    assert exc.path == "steps" and exc.problem == "required field is missing"


def test_empty_step(tmp_path: Path) -> None:
    text = SMALL_HEAD + '\n[[steps]]\nid = "one"\ntitle = "One"\ndepartment = "admin"\nitems = []\n'
    exc = refused(tmp_path, text)
    assert exc.path == "steps[0].items"


def test_header_with_unknown_kind(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('kind = "email"\nrequired = true', 'kind = "mail"\nrequired = true')))
    assert exc.path == f"{header_at('contact_email')}.kind"
    assert "'mail'" in exc.problem


def test_yesno_condition_on_a_non_yesno_item(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('when = { item = "accounts_receivable", is = true }',
                                    'when = { item = "review_account", is = true }')))
    assert exc.path == f"{at('payment_arrangements')}.when"
    assert "'review_account' is not a yes/no item" in exc.problem


def test_yesno_condition_nested_in_all(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('when = { item = "accounts_receivable", is = true }',
                                    'when = { all = [{ item = "accounts_receivable", is = true }, '
                                    '{ not = { item = "prepayment", is = false } }] }')))
    assert exc.path == f"{at('payment_arrangements')}.when"
    assert "'prepayment' is not a yes/no item" in exc.problem


def test_choice_condition_with_an_unknown_choice(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('text = "Be sure that {{ client }} has a narrative',
                                    'when = { item = "deliver_documentation", is = "fax" }\n'
                                    'text = "Be sure that {{ client }} has a narrative')))
    assert exc.path == f"{at('backup_narrative')}.when"
    assert "'fax'" in exc.problem


def test_tickets_closed_naming_a_non_tickets_item(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('{ tickets_closed = "open_tickets" }',
                                    '{ tickets_closed = "removal_ticket" }')))
    assert exc.path == f"{at('all_tickets_closed')}.open_when"
    assert "'removal_ticket'" in exc.problem and "not a tickets item" in exc.problem


def test_wrong_value_type(tmp_path: Path) -> None:
    exc = refused(tmp_path, mutate(('manager = true', 'manager = "yes"')))
    assert exc.path == f"{at('email_summary_report')}.manager"
    assert exc.problem == "expected bool, got str"


# ---------------------------------------------------------------- a third checklist, no code change

THIRD = """\
id = "hardware"
title = "Ship hardware to {{ client }}"
case_noun = "hardware order"

[departments.admin]
label = "Admin"

[departments.tech]
label = "Tech"

[[header]]
id = "ship_by"
label = "Ship by"
kind = "date"
required = true

[[steps]]
id = "order"
title = "Order for {{ client }}"
department = "admin"

[[steps.items]]
id = "quote_signed"
kind = "task"
text = "File {{ client }}'s signed quote (ship by {{ ship_by }})"

[[steps.items]]
id = "needs_laptop"
kind = "yesno"
text = "Does {{ client }} need a laptop?"

[[steps]]
id = "ship"
title = "Ship it"
department = "tech"

[[steps.items]]
id = "image_laptop"
kind = "task"
text = "Image the laptop for {{ client }}"
when = { item = "needs_laptop", is = true }
"""


def test_a_third_checklist_file_loads(tmp_path: Path) -> None:
    file = tmp_path / "hardware.toml"
    file.write_text(THIRD, encoding="utf-8")
    checklist = load_checklist(file)
    assert checklist.id == "hardware"
    assert list(checklist.departments) == ["admin", "tech"]
    assert list(checklist.items) == ["quote_signed", "needs_laptop", "image_laptop"]


async def test_a_third_checklist_runs_on_the_engine(tmp_path: Path, store: SQLiteStore,
                                                    offboarding: Checklist, clock: Clock) -> None:
    file = tmp_path / "hardware.toml"
    file.write_text(THIRD, encoding="utf-8")
    hardware = load_checklist(file)
    engine = Engine(store, {offboarding.id: offboarding, hardware.id: hardware}, clock=clock)

    opened = await engine.open_case("Globex", {"ship_by": "2026-12-15"}, ALICE, checklist_id="hardware")
    assert opened.changed, opened.message
    assert "hardware order" in opened.message
    case_id = opened.case_id or ""

    async def item(item_id: str) -> ItemView:
        view = await engine.view(case_id)
        return view.item_view(view.checklist.items[item_id])

    view = await engine.view(case_id)
    assert view.checklist is hardware
    assert view.text("quote_signed") == "File Globex's signed quote (ship by 2026-12-15)"
    assert (await item("quote_signed")).status == "open"
    assert (await item("image_laptop")).status == "locked"

    out = await engine.mark_done(case_id, "quote_signed", ALICE, (await item("quote_signed")).version)
    assert out.changed, out.message
    out = await engine.answer(case_id, "needs_laptop", {"answer": "yes"}, ALICE,
                              (await item("needs_laptop")).version)
    assert out.changed, out.message
    assert (await item("image_laptop")).status == "open"
    out = await engine.mark_done(case_id, "image_laptop", TOM, (await item("image_laptop")).version)
    assert out.changed, out.message

    assert (await engine.view(case_id)).case.status == "completed"
    # The offboarding checklist is still the default and still works on the same engine.
    other = await engine.open_case("AcmeCo", HEADER, ALICE)
    assert (await engine.view(other.case_id or "")).checklist is offboarding
