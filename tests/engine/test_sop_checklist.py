"""The default checklist carries every line of shared/SOP-CHECKLIST.md, in routing order, of the right kind.

The expected lists below were written by reading the SOP text, not generated from the checklist file.
"""

from __future__ import annotations

from dialogs.checklist import Checklist
from dialogs.conditions import ItemIs, TicketsClosed

ADMIN_ONE = "admin_one"
TECH_TWO = "tech_two"
ADMIN_THREE = "admin_three"

# (item id, kind, step, parent): every line of the SOP, in the order it reads.
SOP = [
    # Before routing: the "What's Next" memo.
    ("whats_next_memo", "generated", ADMIN_ONE, None),
    # Routing step one: Admin.
    ("review_account", "task", ADMIN_ONE, None),
    ("accounts_receivable", "yesno", ADMIN_ONE, "review_account"),
    ("payment_arrangements", "text", ADMIN_ONE, "review_account"),
    ("contact_client", "task", ADMIN_ONE, None),
    ("prepayment", "amount", ADMIN_ONE, None),
    ("cancel_recurring_billing", "task", ADMIN_ONE, None),
    ("managed_contract_expiration", "date", ADMIN_ONE, None),
    ("keep_tm_contract", "task", ADMIN_ONE, "managed_contract_expiration"),
    ("keep_other_contracts", "task", ADMIN_ONE, "managed_contract_expiration"),
    ("unbundled_services", "yesno", ADMIN_ONE, "managed_contract_expiration"),
    ("unbundled_billing", "task", ADMIN_ONE, "managed_contract_expiration"),
    ("quickbooks_terms", "task", ADMIN_ONE, None),
    ("newsletter", "yesno", ADMIN_ONE, None),
    ("remove_from_newsletter", "task", ADMIN_ONE, "newsletter"),
    # Routing step two: Tech.
    ("removal_ticket", "text", TECH_TWO, None),
    ("email_filtering", "yesno", TECH_TWO, None),
    ("spam_filter_ticket", "text", TECH_TWO, "email_filtering"),
    ("email_destination", "text", TECH_TWO, "email_filtering"),
    ("update_dns", "task", TECH_TWO, "email_filtering"),
    ("test_mail_flow", "task", TECH_TWO, "email_filtering"),
    ("summary_report", "generated", TECH_TWO, None),
    ("email_summary_report", "task", TECH_TWO, "summary_report"),
    ("verify_documentation", "task", TECH_TWO, None),
    ("deliver_documentation", "choice", TECH_TWO, "verify_documentation"),
    ("backup_narrative", "task", TECH_TWO, "verify_documentation"),
    ("open_tickets", "tickets", TECH_TWO, None),
    ("close_unworked_tickets", "task", TECH_TWO, None),
    ("all_tickets_closed", "gate", TECH_TWO, None),
    ("remove_rmm_agents", "task", TECH_TWO, None),
    ("update_monitoring_docs", "task", TECH_TWO, None),
    ("update_grid", "task", TECH_TWO, None),
    # Routing step three: Admin.
    ("client_gone", "yesno", ADMIN_THREE, None),
    ("tm_contract_expiration", "date", ADMIN_THREE, "client_gone"),
    ("invoices_settled", "gate", ADMIN_THREE, None),
    ("file_paperwork", "task", ADMIN_THREE, None),
    ("move_paper_contracts", "task", ADMIN_THREE, None),
    ("rebate", "amount", ADMIN_THREE, None),
    ("completed_checklist", "generated", ADMIN_THREE, None),
]


def test_every_sop_line_is_an_item_of_the_right_kind_in_the_right_step(offboarding: Checklist) -> None:
    assert len(SOP) == 39
    actual = [(i.id, i.kind, i.step, i.parent) for i in offboarding.items.values()]
    assert actual == SOP


def test_the_steps_route_admin_then_tech_then_admin(offboarding: Checklist) -> None:
    assert offboarding.id == "offboarding"
    assert [(s.id, s.number, s.department) for s in offboarding.steps] == [
        (ADMIN_ONE, 1, "admin"), (TECH_TWO, 2, "tech"), (ADMIN_THREE, 3, "admin")]
    labels = [offboarding.department_label(s.department) for s in offboarding.steps]
    assert labels == ["Admin", "Tech", "Admin"]
    for item in offboarding.items.values():
        assert item.department == offboarding.steps_by_id[item.step].department, item.id
    assert offboarding.steps_by_id[TECH_TWO].log_hours, "removal work is logged against the ticket"


def test_the_header_asks_what_the_sop_asks(offboarding: Checklist) -> None:
    header = {h.id: (h.kind, h.required, h.not_past, h.default) for h in offboarding.header}
    assert header == {
        "opened_on": ("date", False, False, "today"),
        "stop_date": ("date", True, True, None),
        "contact_name": ("text", True, False, None),
        "contact_phone": ("phone", True, False, None),
        "contact_email": ("email", True, False, None),
        "consultant_name": ("text", False, False, None),
        "consultant_phone": ("phone", False, False, None),
        "consultant_email": ("email", False, False, None),
    }


def test_the_yes_no_questions_open_and_close_what_the_sop_says(offboarding: Checklist) -> None:
    items = offboarding.items
    conditions = {i.id: i.when for i in items.values() if i.when is not None}
    assert conditions == {
        "payment_arrangements": ItemIs("accounts_receivable", True),
        "unbundled_billing": ItemIs("unbundled_services", True),
        "remove_from_newsletter": ItemIs("newsletter", False),
        "spam_filter_ticket": ItemIs("email_filtering", True),
        "email_destination": ItemIs("email_filtering", True),
        "update_dns": ItemIs("email_filtering", True),
        "test_mail_flow": ItemIs("email_filtering", True),
        "tm_contract_expiration": ItemIs("client_gone", True),
    }
    assert items["unbundled_services"].detail == "Which services?"
    assert items["client_gone"].suggest == ItemIs("unbundled_services", False)


def test_the_gates_and_the_order_within_steps(offboarding: Checklist) -> None:
    items = offboarding.items
    assert items["all_tickets_closed"].open_when == TicketsClosed("open_tickets")
    assert items["all_tickets_closed"].confirm is None
    assert items["invoices_settled"].confirm == "All invoices are paid and everything is settled"
    behind = {i.id: i.behind for i in items.values() if i.behind}
    assert behind == {
        "remove_rmm_agents": "all_tickets_closed",
        "update_monitoring_docs": "all_tickets_closed",
        "update_grid": "all_tickets_closed",
        "file_paperwork": "invoices_settled",
        "move_paper_contracts": "invoices_settled",
        "rebate": "invoices_settled",
        "completed_checklist": "invoices_settled",
    }
    after = {i.id: i.after for i in items.values() if i.after}
    assert after == {
        "test_mail_flow": ("update_dns",),
        "summary_report": ("open_tickets",),
        "email_summary_report": ("summary_report",),
        "close_unworked_tickets": ("open_tickets",),
        "completed_checklist": ("file_paperwork", "move_paper_contracts", "rebate"),
    }


def test_the_details_of_single_items(offboarding: Checklist) -> None:
    items = offboarding.items
    assert [i.id for i in items.values() if i.manager] == ["email_summary_report"], "the service manager"
    assert {i.id: i.document for i in items.values() if i.kind == "generated"} == {
        "whats_next_memo": "memo", "summary_report": "summary", "completed_checklist": "checklist"}
    assert (items["prepayment"].fields, items["prepayment"].allow_zero) == (("dollars", "hours"), False)
    rebate = items["rebate"]
    assert (rebate.fields, rebate.allow_zero, rebate.rebate_of) == (("dollars", "hours"), True, "prepayment")
    assert items["managed_contract_expiration"].default == "stop_date"
    assert items["tm_contract_expiration"].default == "stop_date"
    assert items["deliver_documentation"].choices == ("paper", "electronic")
    assert items["close_unworked_tickets"].copy_text == \
        "Closed without completing service due to end of contract."
    assert items["removal_ticket"].input_label == "Ticket number"
    assert items["spam_filter_ticket"].input_label == "Ticket number"
    assert items["quickbooks_terms"].na_allowed, "the SOP says 'if necessary'"
