"""What people type before a case exists: every header error at once, and the /offboard command words."""

from __future__ import annotations

import pytest

from dialogs.commands import Command, parse_command, parse_message
from dialogs.engine import Engine
from dialogs.errors import InvalidInput
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER


async def test_every_bad_field_is_reported_at_once_on_its_field(engine: Engine, store: SQLiteStore) -> None:
    raw = {**HEADER, "stop_date": "2026-11-01", "contact_email": "pat@@x", "contact_name": " "}
    with pytest.raises(InvalidInput) as refused:
        await engine.open_case("  ", raw, ALICE)
    errors = refused.value.errors
    assert list(errors) == ["client", "stop_date", "contact_name", "contact_email"]
    assert errors["client"] == "Client name is required"
    assert "in the past" in errors["stop_date"] and errors["contact_name"].endswith("is required")
    assert (refused.value.field, refused.value.message) == ("client", "Client name is required"), \
        ".field and .message are the first error"
    assert await store.list_cases() == []


def test_one_error_keeps_its_field() -> None:
    one = InvalidInput("Dollars is required", field="dollars")
    assert one.errors == {"dollars": "Dollars is required"} and one.field == "dollars"
    assert InvalidInput("The card is out of date").errors == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("AcmeCo", Command("open", "AcmeCo")),
    ("/offboard AcmeCo", Command("open", "AcmeCo")),
    ("open Acme Co", Command("open", "Acme Co")),
    ("/offboard list", Command("list")),
    ("LIST", Command("list")),
    ("status AcmeCo", Command("status", "AcmeCo")),
    ("", Command("help")),
    ("help", Command("help")),
])
def test_the_words_after_offboard(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(("text", "suggestion"), [
    ("lst", "/offboard list"),
    ("stauts AcmeCo", "/offboard status AcmeCo"),
    ("cancle AcmeCo", "/offboard cancel AcmeCo"),
    ("exprot AcmeCo", "/offboard export AcmeCo"),
    ("hlep", "/offboard help"),
])
def test_a_mistyped_verb_gets_help_with_did_you_mean(text: str, suggestion: str) -> None:
    cmd = parse_command(text)
    assert cmd.verb == "unknown"
    assert f"Did you mean {suggestion}?" in cmd.arg
    assert f"/offboard open {text}" in cmd.arg, "and how to open a case for a client named so"


def test_a_client_named_like_a_verb_can_still_be_opened() -> None:
    assert parse_command("open List") == Command("open", "List")
    assert parse_command("Lisbon Ltd") == Command("open", "Lisbon Ltd"), "not close enough to a verb"


@pytest.mark.parametrize(("text", "words"), [
    ("hello", "Commands start with /offboard"),
    ("/offbord AcmeCo", "Did you mean /offboard AcmeCo?"),
    ("offboard AcmeCo", "Did you mean /offboard AcmeCo?"),
    ("/offboard lst", "Did you mean /offboard list?"),
    ("/status AcmeCo", "Did you mean /offboard status AcmeCo?"),
])
def test_the_composer_opens_a_case_only_for_offboard_client(text: str, words: str) -> None:
    cmd = parse_message(text)
    assert cmd.verb == "unknown" and words in cmd.arg


def test_the_composer_passes_offboard_commands_on() -> None:
    assert parse_message("/offboard AcmeCo") == Command("open", "AcmeCo")
    assert parse_message("  /OFFBOARD list ") == Command("list")
    assert parse_message("/offboard") == Command("help")
