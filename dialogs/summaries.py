"""Where each case stands, kept as a row beside it, and the paged lists read from those rows.

The Settler writes a case's row in the same transaction as every change (with
the summary notice); lists read a page of rows in one indexed query instead of
deriving every case (docs/BENCHMARKS.md). What depends on the time (overdue, days
to the stop date, late items, the most urgent one in words) is worked out again
when a row is read, from the due times the row keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from dialogs.due import urgency
from dialogs.timing import Timing
from dialogs.views import CaseSummary
from storage.base import JSON, CaseRecord, SummaryRecord


@dataclass(frozen=True)
class CasePage:
    """One page of a list of cases, and how many there are in all."""

    summaries: tuple[CaseSummary, ...]
    total: int
    offset: int = 0
    limit: int = 50
    step_index: tuple[int, ...] = ()  # per summary: steps handed off so far
    step_started: tuple[datetime | None, ...] = ()  # per summary: when its current step was reached
    closed_at: tuple[datetime | None, ...] = ()

    @property
    def more(self) -> int:
        """How many come after this page."""
        return max(self.total - self.offset - len(self.summaries), 0)


def summary_record(case: CaseRecord, summary: CaseSummary, now: datetime,
                   plain: JSON | None = None) -> SummaryRecord:
    """The row a case's summary is kept in (``now`` starts the step if the step changed);
    ``plain``: ``summary.to_json()`` when the caller made it already (for the summary notice)."""
    next_due_at = datetime.fromisoformat(summary.urgent[3]) if summary.urgent else None
    return SummaryRecord(case.id, str(case.status), case.client, case.client_key, summary.stop_date,
                         summary.holder, case.step_index, case.opened_at, case.closed_at, now,
                         summary.to_json() if plain is None else plain, next_due_at)


def read_summary(row: SummaryRecord, today: date | None, now: datetime | None = None,
                 timing: Timing | None = None) -> CaseSummary:
    """A kept summary as it reads at ``now``: days to the stop date, whether it is overdue, how many
    items are late and the most urgent one in words, worked out again from what the row keeps."""
    summary = CaseSummary.from_json(row.summary)
    open_ = summary.status == "open"
    overdue = bool(today and summary.stop_date and open_ and summary.stop_date < today.isoformat())
    days_to_stop = summary.days_to_stop
    if today and summary.stop_date and open_:
        try:
            days_to_stop = (date.fromisoformat(summary.stop_date) - today).days
        except ValueError:
            days_to_stop = None
    late, next_due = summary.late_items, summary.next_due
    if now is not None and timing is not None and open_:
        late, next_due = urgency(summary.due_ats, summary.urgent, now, timing.calendar_for)
    if (overdue, days_to_stop, late, next_due) == (summary.overdue, summary.days_to_stop, summary.late_items,
                                                   summary.next_due):
        return summary
    return replace(summary, overdue=overdue, days_to_stop=days_to_stop, late_items=late, next_due=next_due)


def page(rows: Sequence[SummaryRecord], total: int, offset: int, limit: int, today: date | None,
         now: datetime | None = None, timing: Timing | None = None) -> CasePage:
    """A page of rows as the views lists show, as of ``now``."""
    return CasePage(tuple(read_summary(r, today, now, timing) for r in rows), total, offset, limit,
                    tuple(r.step_index for r in rows), tuple(r.step_started_at for r in rows),
                    tuple(r.closed_at for r in rows))
