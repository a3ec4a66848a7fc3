"""The case header: validated before a case opens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dialogs.checklist import Checklist
from dialogs.errors import InvalidInput
from dialogs.values import DEFAULT_PHONE_REGION, clean_text, parse_date, parse_email, parse_phone


def parse_header(checklist: Checklist, raw: Mapping[str, str], today: date, *,
                 phone_region: str = DEFAULT_PHONE_REGION) -> dict[str, str]:
    """Every header field checked per its kind; InvalidInput names the first bad field."""
    known = {h.id for h in checklist.header}
    unknown = sorted(set(raw) - known - {"client"})
    if unknown:
        raise InvalidInput(f"Unknown header field(s): {', '.join(unknown)}", field=unknown[0])
    out: dict[str, str] = {}
    for h in checklist.header:
        text = str(raw.get(h.id) or "").strip()
        if not text:
            if h.default == "today":
                out[h.id] = today.isoformat()
            elif h.required:
                raise InvalidInput(f"{h.label} is required", field=h.id)
            continue
        try:
            if h.kind == "date":
                when = parse_date(text, label=h.label)
                if h.not_past and when < today:
                    raise InvalidInput(
                        f"{h.label} {when.isoformat()} is in the past (today is {today.isoformat()})")
                out[h.id] = when.isoformat()
            elif h.kind == "email":
                out[h.id] = parse_email(text, label=h.label)
            elif h.kind == "phone":
                out[h.id] = parse_phone(text, label=h.label, region=phone_region)
            else:
                out[h.id] = clean_text(text, label=h.label)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=h.id) from None
    return out
