"""Where each case stands, kept as a row beside it, and the paged lists read from those rows.

The Settler writes a case's row in the same transaction as every change (with
the summary notice); lists read a page of rows in one indexed query instead of
deriving every case (docs/BENCHMARKS.md). ``overdue`` depends on the day, so it
is worked out when a row is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from dialogs.views import CaseSummary
from storage.base import CaseRecord, SummaryRecord


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


def summary_record(case: CaseRecord, summary: CaseSummary, now: datetime) -> SummaryRecord:
    """The row a case's summary is kept in (``now`` starts the step if the step changed)."""
    return SummaryRecord(case.id, str(case.status), case.client, case.client_key, summary.stop_date,
                         summary.holder, case.step_index, case.opened_at, case.closed_at, now,
                         summary.to_json())


def read_summary(row: SummaryRecord, today: date | None) -> CaseSummary:
    """A kept summary as of ``today`` (whether it is overdue)."""
    summary = CaseSummary.from_json(row.summary)
    overdue = bool(today and summary.stop_date and summary.status == "open"
                   and summary.stop_date < today.isoformat())
    return summary if summary.overdue == overdue else replace(summary, overdue=overdue)


def page(rows: Sequence[SummaryRecord], total: int, offset: int, limit: int, today: date | None) -> CasePage:
    """A page of rows as the views lists show."""
    return CasePage(tuple(read_summary(r, today) for r in rows), total, offset, limit,
                    tuple(r.step_index for r in rows), tuple(r.step_started_at for r in rows),
                    tuple(r.closed_at for r in rows))
