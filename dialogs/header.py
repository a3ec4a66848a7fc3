"""The case header (and the client's name): validated before a case opens, every field at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dialogs.checklist import Checklist, HeaderField
from dialogs.errors import InvalidInput
from dialogs.names import clean_client_name
from dialogs.values import DEFAULT_PHONE_REGION, clean_text, parse_date, parse_email, parse_phone


def parse_case_form(checklist: Checklist, client: str, raw: Mapping[str, str], today: date, *,
                    phone_region: str = DEFAULT_PHONE_REGION) -> tuple[str, dict[str, str]]:
    """The client's name and the header, checked; InvalidInput lists every bad field ("client" first)."""
    errors: dict[str, str] = {}
    name = ""
    try:
        name = clean_client_name(client)
    except InvalidInput as exc:
        errors["client"] = exc.message
    try:
        header = parse_header(checklist, raw, today, phone_region=phone_region)
    except InvalidInput as exc:
        errors.update(exc.errors or {"": exc.message})
    if errors:
        raise InvalidInput.of(errors)
    return name, header


def parse_header(checklist: Checklist, raw: Mapping[str, str], today: date, *,
                 phone_region: str = DEFAULT_PHONE_REGION) -> dict[str, str]:
    """Every header field checked per its kind; InvalidInput names every bad field, in the form's order."""
    known = {h.id for h in checklist.header}
    unknown = sorted(set(raw) - known - {"client"})
    if unknown:
        raise InvalidInput(f"Unknown header field(s): {', '.join(unknown)}", field=unknown[0])
    out: dict[str, str] = {}
    errors: dict[str, str] = {}
    for h in checklist.header:
        try:
            value = _field(h, str(raw.get(h.id) or "").strip(), today, phone_region)
        except InvalidInput as exc:
            errors[h.id] = exc.message
            continue
        if value is not None:
            out[h.id] = value
    if errors:
        raise InvalidInput.of(errors)
    return out


def _field(h: HeaderField, text: str, today: date, phone_region: str) -> str | None:
    if not text:
        if h.default == "today":
            return today.isoformat()
        if h.required:
            raise InvalidInput(f"{h.label} is required")
        return None
    if h.kind == "date":
        when = parse_date(text, label=h.label)
        if h.not_past and when < today:
            raise InvalidInput(f"{h.label} {when.isoformat()} is in the past (today is {today.isoformat()})")
        return when.isoformat()
    if h.kind == "email":
        return parse_email(text, label=h.label)
    if h.kind == "phone":
        return parse_phone(text, label=h.label, region=phone_region)
    return clean_text(text, label=h.label)
