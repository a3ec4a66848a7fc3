"""What people type: bad amounts, hours, dates, emails and phones are refused; good ones come out clean."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dialogs.errors import InvalidInput
from dialogs.values import (
    CLIENT_NAME_MAX,
    clean_client_name,
    clean_text,
    client_key,
    parse_date,
    parse_email,
    parse_hours,
    parse_money,
    parse_phone,
)

# Strings Decimal() or float() would happily take, and other things that are not an amount.
NOT_NUMBERS = [
    "NaN", "nan", "inf", "-inf", "Infinity", "1e5", "1E999999", "-5", "+5", "0x10", "1_000",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes, the SOP says no
    "１２３",  # fullwidth digits
    "12.345", "", "  ", "1,00", "1.", ".5", "1 000", "five",
    "01,000", "000001", "007",  # leading zeros: more likely a typo than a meaning
]


def _two_decimals(value: Decimal, expected: str) -> None:
    assert isinstance(value, Decimal)
    assert str(value) == expected  # pins the exponent too: Decimal("1500") == Decimal("1500.00")


# ---------------------------------------------------------------- money
@pytest.mark.parametrize("raw", [*NOT_NUMBERS, "$", "$$5", "5$", "1000000.01", "1,000,000.01", "0",
                                 "0.00", "$0"])
def test_a_bad_dollar_amount_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1,500", "1500.00"), ("$99.5", "99.50"), ("1500", "1500.00"), ("1,500.00", "1500.00"),
    ("$999,999.8", "999999.80"), ("0.01", "0.01"),
    ("1000000", "1000000.00"), ("  42 ", "42.00"),
])
def test_a_good_dollar_amount_parses_to_two_decimals(raw: str, expected: str) -> None:
    _two_decimals(parse_money(raw), expected)


@pytest.mark.parametrize("raw", ["0", "0.00", "$0"])
def test_zero_dollars_only_when_allowed(raw: str) -> None:
    with pytest.raises(InvalidInput, match="more than zero"):
        parse_money(raw)
    _two_decimals(parse_money(raw, allow_zero=True), "0.00")


def test_over_the_dollar_limit_says_so() -> None:
    with pytest.raises(InvalidInput, match="limit"):
        parse_money("1000000.01")


@pytest.mark.parametrize("raw", ["NaN", "-5", "1000000.01"])
def test_allow_zero_does_not_let_anything_else_through(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(raw, allow_zero=True)


# ---------------------------------------------------------------- hours
@pytest.mark.parametrize("raw", [*NOT_NUMBERS, "$", "$5", "$10", "1,000", "10000.01", "0", "0.00"])
def test_a_bad_number_of_hours_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_hours(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("10", "10.00"), ("7.5", "7.50"), ("0.25", "0.25"), ("10000", "10000.00"), (" 2 ", "2.00"),
])
def test_a_good_number_of_hours_parses_to_two_decimals(raw: str, expected: str) -> None:
    _two_decimals(parse_hours(raw), expected)


def test_zero_hours_only_when_allowed() -> None:
    with pytest.raises(InvalidInput, match="more than zero"):
        parse_hours("0")
    _two_decimals(parse_hours("0", allow_zero=True), "0.00")


@pytest.mark.parametrize("raw", ["9" * 26, "9" * 27, "9" * 30, "9" * 60 + ".99"])
def test_amounts_with_too_many_digits_are_over_the_limit_not_a_crash(raw: str) -> None:
    with pytest.raises(InvalidInput, match="over the limit"):
        parse_money(raw)
    with pytest.raises(InvalidInput, match="over the limit"):
        parse_hours(raw)


def test_the_label_names_the_field_in_the_message() -> None:
    with pytest.raises(InvalidInput, match=r"^Hours logged"):
        parse_hours("lots", label="Hours logged")


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "31/12/2026", "12/31/2026", "tomorrow",
                                 "2026-1-5", "20261231", "", "２０２６-12-31", "2026-12-31T00:00"])
def test_a_bad_date_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_date(raw)


def test_an_impossible_date_is_called_not_real() -> None:
    with pytest.raises(InvalidInput, match="not a real date"):
        parse_date("2026-02-30")


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-12-31", date(2026, 12, 31)), (" 2028-02-29 ", date(2028, 2, 29)),
])
def test_a_good_date_parses(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


# ---------------------------------------------------------------- email
@pytest.mark.parametrize("raw", ["pat", "pat@", "@x.com", "pat@@x.com", "a b@x.com", "", "pat@x",
                                 "pat.@x.com", "pat@x..com"])
def test_a_bad_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_email(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("pat@x.com", "pat@x.com"), ("  pat@acme.example ", "pat@acme.example"),
    ("Pat.Client+offboard@Acme.Example", "Pat.Client+offboard@acme.example"),
])
def test_a_good_email_is_accepted(raw: str, expected: str) -> None:
    assert parse_email(raw) == expected


# ---------------------------------------------------------------- phone
# "+1 202 555 0130 x" is refused: an extension marker must be followed by its digits.
@pytest.mark.parametrize("raw", ["12", "abc", "555-CALL-NOW", "+1 202 555 0130 x", "", "123456",
                                 "1234567890123456", "١٢٣٤٥٦٧٨", "555 0102; DROP TABLE cases",
                                 "(((((((1234567", "+1 555 010 2030", "555 0102", "+1 202 555 013"])
def test_a_bad_phone_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_phone(raw)


@pytest.mark.parametrize("raw", ["+1 202 555 0130", "(202) 555-0130", "202.555.0130",
                                 "+1 202 555 0130 x 12", "+1 202 555 0130 ext. 12", "+44/20 7946 0000"])
def test_a_good_phone_is_accepted_as_typed(raw: str) -> None:
    assert parse_phone(f"  {raw} ") == raw


def test_a_phone_without_country_code_is_read_in_the_msps_region() -> None:
    assert parse_phone("020 7946 0958", region="GB") == "020 7946 0958"
    with pytest.raises(InvalidInput, match="region US"):
        parse_phone("020 7946 0958")


# ---------------------------------------------------------------- client names
def test_a_client_name_is_trimmed_and_inner_runs_of_space_collapse() -> None:
    assert clean_client_name("  Acme   Co \n") == "Acme Co"


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "a" * (CLIENT_NAME_MAX + 1), "Acme\u200bCo",
                                 "Acme\x00Co", "Acme\u202eCo", "Acme\u2066Co", "\x1b[31mAcme",
                                 "\u3164", "\u2800", "\u3164\u2800 \u3164", "\u00ad\u200d", "\u0301\u0301"])
def test_a_bad_client_name_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        clean_client_name(raw)


def test_combining_marks_do_not_count_against_the_name_limit() -> None:
    name = "e\u0301" * CLIENT_NAME_MAX  # 160 code points, 80 letters a person sees
    assert clean_client_name(name) == name


def test_a_flood_of_combining_marks_is_refused_whatever_it_looks_like() -> None:
    with pytest.raises(InvalidInput, match="too long"):
        clean_client_name("A" * CLIENT_NAME_MAX + "\u0301" * 20_000)


ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize("name", ["👨\u200d👩\u200d👧\u200d👦 Family Dental", f"{ENGLAND} Pubs", "Café Ñandú",
                                  "株式会社アクメ"])
def test_emoji_and_other_scripts_are_accepted(name: str) -> None:
    assert clean_client_name(name) == name


def test_an_emoji_family_counts_as_one_character() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert clean_client_name(family * CLIENT_NAME_MAX) == family * CLIENT_NAME_MAX


@pytest.mark.parametrize("other", ["acme co", "AcmeCo", "  ACMECO ", "Acme\u3000Co", "ＡｃｍｅＣｏ",
                                   "\u0410cmeCo", "Acme\u0421o", "Acme\u200dCo"])
def test_client_names_that_are_the_same_client_share_a_key(other: str) -> None:
    assert client_key(other) == client_key("AcmeCo")


def test_different_clients_have_different_keys() -> None:
    assert client_key("Acme Co") != client_key("Acme Corp")


# ---------------------------------------------------------------- free text
@pytest.mark.parametrize("raw", ["\x1b[2J gone", "nul\x00here", "bell\x07", "del\x7f", "c1\x9b",
                                 "a\u2028b", "over\u202eride", "tab\there", "line\nbreak"])
def test_control_characters_are_refused_in_single_line_text(raw: str) -> None:
    with pytest.raises(InvalidInput, match="Reason must not contain control characters"):
        clean_text(raw, label="Reason")


def test_newlines_and_tabs_stay_where_the_field_is_multi_line() -> None:
    assert clean_text("line one\r\n\tline two", multiline=True) == "line one\n\tline two"
    with pytest.raises(InvalidInput, match="U\\+001B"):
        clean_text("one\n\x1b[31mred", multiline=True)


def test_a_text_reads_the_values_of_each_case_however_often_it_was_rendered_before() -> None:
    from dialogs.text import render

    source = "Review {{ client }}'s account ({{ stop_date }})"
    stop = "2026-12-31"
    assert render(source, {"client": "AcmeCo", "stop_date": stop}) == "Review AcmeCo's account (2026-12-31)"
    assert render(source, {"client": "Beta", "stop_date": stop}) == "Review Beta's account (2026-12-31)"
    assert render(source, {"client": "Beta"}) == "Review Beta's account ()", "a missing value is blank"
    assert render("{{ answer.x.y | money }} for {{ client }}", {"client": "A", "answer": {"x": {"y": "5"}}}) \
        == "$5.00 for A"
