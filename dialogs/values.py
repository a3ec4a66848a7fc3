"""Parsing and validating what people type: money, hours, dates, contacts, client names.

Every parser takes the raw string a person typed and returns a clean value or
raises InvalidInput with a message written for that person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dialogs.errors import InvalidInput
from dialogs.names import CLIENT_NAME_MAX as CLIENT_NAME_MAX
from dialogs.names import clean_client_name as clean_client_name
from dialogs.names import client_key as client_key
from dialogs.names import describe_character, forbidden_character

MAX_DOLLARS = Decimal("1000000.00")
MAX_HOURS = Decimal("10000.00")
TEXT_MAX = 2000
DEFAULT_PHONE_REGION = "US"

# ASCII digits only, optional "$", optional thousands commas, at most two decimals.
# No sign, no exponent, no NaN/inf: Decimal() would accept all of those.
# No leading zeros ("01,000", "0007"): a typo there is more likely than a meaning.
_MONEY = re.compile(r"\$?(?:[1-9]\d{0,2}(?:,\d{3})+|0|[1-9]\d*)(?:\.\d{1,2})?", re.ASCII)
_HOURS = re.compile(r"(?:0|[1-9]\d*)(?:\.\d{1,2})?", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_PHONE_CHARS = re.compile(r"\+?[0-9 ().\-/]+(?:\s*(?:x|ext\.?)\s*\d{1,6})?", re.ASCII | re.IGNORECASE)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Amount:
    """Money and/or hours, both two-decimal Decimals."""

    dollars: Decimal | None
    hours: Decimal | None

    def to_json(self) -> dict[str, str | None]:
        """Decimals as strings, so nothing is lost to floats."""
        return {
            "dollars": None if self.dollars is None else f"{self.dollars:.2f}",
            "hours": None if self.hours is None else f"{self.hours:.2f}",
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> Amount:
        """Read back what to_json wrote."""
        d, h = data.get("dollars"), data.get("hours")
        return cls(None if d is None else Decimal(d), None if h is None else Decimal(h))


def parse_money(raw: str, *, allow_zero: bool = False, label: str = "Amount") -> Decimal:
    """A dollar amount such as 1500, 1,500.00 or $99.5; positive unless allow_zero."""
    text = raw.strip()
    if not _MONEY.fullmatch(text):
        raise InvalidInput(f"{label} must be a dollar amount like 1500 or 1,500.00 (got {raw!r})")
    value = Decimal(text.lstrip("$").replace(",", ""))
    return _bounded(value, MAX_DOLLARS, allow_zero, label, f"${MAX_DOLLARS:,.2f}")


def parse_hours(raw: str, *, allow_zero: bool = False, label: str = "Hours") -> Decimal:
    """A number of hours such as 10 or 7.5; positive unless allow_zero."""
    text = raw.strip()
    if not _HOURS.fullmatch(text):
        raise InvalidInput(f"{label} must be a number of hours like 10 or 7.5 (got {raw!r})")
    return _bounded(Decimal(text), MAX_HOURS, allow_zero, label, f"{MAX_HOURS:,.2f} hours")


def _bounded(value: Decimal, top: Decimal, allow_zero: bool, label: str, shown: str) -> Decimal:
    # Compared before quantize: quantize needs the digits to fit Decimal's precision (28), so
    # thirty nines raised InvalidOperation instead of saying what is wrong.
    if value > top:
        raise InvalidInput(f"{label} is over the limit of {shown}")
    if value == 0 and not allow_zero:
        raise InvalidInput(f"{label} must be more than zero")
    return value.quantize(_CENT)


def parse_date(raw: str, *, label: str = "Date") -> date:
    """An ISO date, YYYY-MM-DD."""
    m = _DATE.fullmatch(raw.strip())
    if not m:
        raise InvalidInput(f"{label} must be a date like 2026-12-31 (got {raw!r})")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise InvalidInput(f"{label} {raw.strip()!r} is not a real date") from None


def parse_email(raw: str, *, label: str = "Email") -> str:
    """An email address (syntax only: no DNS look-up)."""
    text = raw.strip()
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidInput(f"{label} {text!r} is not a valid address: {exc}") from None


def parse_phone(raw: str, *, label: str = "Phone", region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number that exists in the numbering plan (``region`` for numbers without +country)."""
    text = raw.strip()
    example = "+1 202 555 0123" if region == "US" else "+44 20 7946 0958"
    problem = f"{label} must be a phone number like {example} (got {raw!r})"
    if not _PHONE_CHARS.fullmatch(text):
        raise InvalidInput(problem)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(problem) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{label} {text!r} is not a valid phone number"
                           + ("" if text.startswith("+") else f" in region {region}")
                           + f"; type it like {example}")
    return text


def clean_text(raw: str, *, label: str = "Text", required: bool = True, multiline: bool = False) -> str:
    """Free text, trimmed, at most TEXT_MAX characters; no control characters.

    Newlines and tabs are kept where the field is ``multiline`` (Windows line ends become "\\n").
    """
    text = raw.replace("\r\n", "\n").strip()
    if required and not text:
        raise InvalidInput(f"{label} is required")
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"{label} is {len(text)} characters; the limit is {TEXT_MAX}")
    bad = next((ch for ch in text if forbidden_character(ch, multiline=multiline)), None)
    if bad is not None:
        raise InvalidInput(f"{label} must not contain control characters ({describe_character(bad)})")
    return text
