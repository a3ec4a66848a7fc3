"""Ticket rows read from a form's flat fields: the one reading every surface uses."""

from __future__ import annotations

import pytest

from dialogs.tickets import rows_from_fields


@pytest.mark.parametrize("sep", ["_", ":", "-"])  # Slack, Teams, the web workspace
def test_rows_come_in_row_order_with_blank_rows_dropped(sep: str) -> None:
    fields = {f"tickets{sep}10{sep}number": "T-10", f"tickets{sep}10{sep}title": " Printer ",
              f"tickets{sep}2{sep}number": " T-2 ", f"tickets{sep}2{sep}decision": "complete",
              f"tickets{sep}3{sep}number": " ", f"tickets{sep}3{sep}title": "",
              f"tickets{sep}3{sep}decision": "close",  # a decision alone is a blank row
              "tickets": "ignored", f"other{sep}1{sep}number": "X", "case_id": "c0123456789"}
    assert rows_from_fields(fields, sep) == [
        {"number": "T-2", "decision": "complete"},
        {"number": "T-10", "title": "Printer"},
    ]


def test_another_surfaces_names_are_not_read() -> None:
    assert rows_from_fields({"tickets-0-number": "T-1"}, "_") == []
