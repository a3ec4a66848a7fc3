"""Which case a client name (or a case id) means: the open case, else the latest completed, else the
latest cancelled; and, when the client has several cases, which were not shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from storage.base import CaseRecord

CASE_ID = re.compile(r"c[0-9a-f]{10}")
PREFERENCE = ("open", "completed", "cancelled")


def is_case_id(text: str) -> bool:
    """Whether what was typed is a case id (c + 10 hex digits) rather than a client name."""
    return CASE_ID.fullmatch(text.strip()) is not None


@dataclass(frozen=True)
class Lookup:
    """The case a name or id stands for, and the client's other cases."""

    query: str
    case: CaseRecord | None
    others: tuple[CaseRecord, ...] = ()

    def note(self, tz: tzinfo) -> str | None:
        """"AcmeCo has 3 cases; this is the open one. Not shown: …" (None when there is one)."""
        if self.case is None or not self.others:
            return None
        rest = "; ".join(f"{c.id} ({c.status}, opened {c.opened_at.astimezone(tz):%Y-%m-%d})"
                         for c in self.others)
        return (f"{self.case.client} has {len(self.others) + 1} cases; this is the {self.case.status} one "
                f"({self.case.id}). Not shown: {rest}. Give a case id to see another.")


def choose(query: str, cases: list[CaseRecord]) -> Lookup:
    """The case to show among a client's cases (newest first): open, else completed, else cancelled."""
    if not cases:
        return Lookup(query, None)
    ranked = sorted(cases, key=lambda c: (PREFERENCE.index(c.status) if c.status in PREFERENCE else 9,
                                          -c.opened_at.timestamp()))
    return Lookup(query, ranked[0], tuple(c for c in cases if c.id != ranked[0].id))
