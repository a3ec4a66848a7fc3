"""A due rule as the checklist file writes it: ``due = { before = "stop_date", business_days = 5 }``.

Parsed here with the loader's helpers (each problem names the path to the field); whether its
anchor exists and is a date the step can know is checked with the whole checklist
(dialogs.checklist_rules.check_due); what it gives a case is dialogs.due's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.errors import ChecklistError

Fail = Callable[[str, str], ChecklistError]
Get = Callable[..., Any]
Table = Callable[[Mapping[str, Any], str, set[str]], None]


@dataclass(frozen=True)
class DueRule:
    """``due = { before = "stop_date", business_days = 5 }``: when an item is due (see dialogs.due).

    ``anchor``: ``opened``, a date field of the header, or a date item; ``relation``: after, before
    or on; ``days`` counted as working days when ``business``.
    """

    anchor: str
    relation: str
    days: int = 0
    business: bool = False

    def describe(self) -> str:
        """The rule in words: "5 business days before stop_date"."""
        if self.relation == "on":
            return f"on {self.anchor}"
        unit = "business day" if self.business else "day"
        count = f"{self.days} {unit}{'s' if self.days != 1 else ''} " if self.days else ""
        return f"{count}{self.relation} {self.anchor}"


def parse_rule(raw: Any, path: str, fail: Fail, get: Get, table: Table) -> DueRule | None:
    """``{ after|before|on = ANCHOR, days|business_days = N }``, or None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail(path, 'expected a table such as { before = "stop_date", business_days = 5 }')
    table(raw, path, {"after", "before", "on", "days", "business_days"})
    relations = [r for r in ("after", "before", "on") if r in raw]
    if len(relations) != 1:
        raise fail(path, "say when with exactly one of after, before or on")
    relation = relations[0]
    anchor = get(raw, relation, str, path, required=True)
    if "days" in raw and "business_days" in raw:
        raise fail(f"{path}.business_days", "use either days or business_days, not both")
    unit = "business_days" if "business_days" in raw else "days"
    days = get(raw, unit, int, path, default=0)
    if relation == "on" and unit in raw:
        raise fail(f"{path}.{unit}", "on takes no days: use after or before")
    if days < 0:
        raise fail(f"{path}.{unit}", "must be 0 or more (use before instead of after)")
    return DueRule(anchor, relation, days, unit == "business_days")
