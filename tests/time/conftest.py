"""An engine with reminders on, on a clock that stands still until a test moves it.

The calendar is the default one (UTC, Monday to Friday, 09:00-17:00, the digest at 09:00,
escalation 4 working hours and a working day after the due time) with Christmas off. The
clock starts on Friday 2026-11-27 at 09:00; HEADER's service stop date is Thursday 2026-12-31.
"""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.calendar import WorkCalendar
from dialogs.checklist import Checklist
from dialogs.engine import Engine
from dialogs.timing import Timing
from storage.sqlite import SQLiteStore
from tests.conftest import StillClock

TIMING = Timing(WorkCalendar(holidays=frozenset({date(2026, 12, 25)})))


@pytest.fixture
def still() -> StillClock:
    return StillClock()


@pytest.fixture
def timed(store: SQLiteStore, offboarding: Checklist, still: StillClock) -> Engine:
    """The engine with reminders on."""
    return Engine(store, offboarding, clock=still, timing=TIMING)
