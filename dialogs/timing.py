"""When reminders go out: the working calendar and escalation chain, per department.

``Timing`` is built once from configuration (bot.config) and handed to the engine; an
engine without one (reminders off) keeps no timers and shows no due dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dialogs.calendar import Grace, WorkCalendar

DEFAULT_ESCALATION = (Grace(minutes=240), Grace(days=1))
"""Into the case thread 4 working hours after an item is due, to the managers' channel a day after."""
MAX_ESCALATION = 2  # the case thread naming the managers, then the managers' channel


@dataclass(frozen=True)
class Timing:
    """The calendar and escalation grace periods, with per-department overrides."""

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    escalation: tuple[Grace, ...] = DEFAULT_ESCALATION
    calendars: Mapping[str, WorkCalendar] = field(default_factory=dict)
    escalations: Mapping[str, tuple[Grace, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for chain in (self.escalation, *self.escalations.values()):
            check_escalation(chain)

    def calendar_for(self, department: str) -> WorkCalendar:
        """A department's working calendar."""
        return self.calendars.get(department, self.calendar)

    def escalation_for(self, department: str) -> tuple[Grace, ...]:
        """A department's grace periods before each escalation step."""
        return self.escalations.get(department, self.escalation)


def check_escalation(chain: tuple[Grace, ...]) -> None:
    """At most two steps, each later than the one before; ValueError says why not."""
    if len(chain) > MAX_ESCALATION:
        raise ValueError(f"escalation has {len(chain)} steps; at most {MAX_ESCALATION} (the case thread, "
                         "then the managers' channel)")
    keys = [g.key for g in chain]
    if keys != sorted(set(keys)):
        raise ValueError("escalation grace periods must grow: " + ", ".join(str(g) for g in chain))


def calendars_of(timing: Timing, departments: Mapping[str, str]) -> dict[str, WorkCalendar]:
    """The calendar of each department named (for surfaces that list them)."""
    return {d: timing.calendar_for(d) for d in departments}
