"""The case summaries' half of the Store contract: one row per case, pages in SQL, every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from storage.base import ItemRecord, ItemStatus, Store, SummaryRecord
from tests.contract.records import T0, add_case, case


def row(case_id: str, status: str = "open", *, stop: str | None = None, step: int = 0, hours: int = 0,
        started_hours: int = 0) -> SummaryRecord:
    return SummaryRecord(case_id, status, f"Client {case_id}", f"client {case_id}", stop, "Admin", step,
                         T0 + timedelta(hours=hours), None, T0 + timedelta(hours=started_hours),
                         {"case_id": case_id, "client": f"Client {case_id}", "steps": [{"n": step}]})


async def put(store: Store, *rows: SummaryRecord) -> None:
    for r in rows:
        async with store.write(r.case_id) as tx:
            await tx.put_summary(r)


async def test_a_summary_row_is_kept_per_case_and_its_step_start_while_the_step_stays(store: Store) -> None:
    await add_case(store, case("c1", "acme"))
    await put(store, row("c1", started_hours=0))
    await put(store, row("c1", started_hours=5))  # the same step: it started when it started
    (kept,) = await store.list_summaries("open")
    assert kept.step_started_at == T0 and kept.summary["steps"] == [{"n": 0}]
    await put(store, row("c1", step=1, started_hours=7))  # handed off: the next step starts now
    (kept,) = await store.list_summaries("open")
    assert (kept.step_index, kept.step_started_at) == (1, T0 + timedelta(hours=7))
    await put(store, row("c1", "completed", step=3, started_hours=9))
    assert await store.list_summaries("open") == []
    assert [r.status for r in await store.list_summaries("completed")] == ["completed"]


async def test_summaries_come_a_page_at_a_time_in_the_order_asked(store: Store) -> None:
    stops = {"c1": "2026-03-01", "c2": None, "c3": "2026-01-15", "c4": "2026-02-01", "c5": "2026-01-01"}
    for n, (case_id, stop) in enumerate(stops.items()):
        await add_case(store, case(case_id, f"client {case_id}", "cancelled" if case_id == "c5" else "open"))
        await put(store, row(case_id, "cancelled" if case_id == "c5" else "open", stop=stop, hours=n))
    assert await store.count_cases("open") == 4 and await store.count_cases() == 5
    newest = await store.list_summaries("open", order="newest", limit=2)
    assert [r.case_id for r in newest] == ["c4", "c3"]
    assert [r.case_id for r in await store.list_summaries("open", order="newest", limit=2, offset=2)] == [
        "c2", "c1"]
    assert [r.case_id for r in await store.list_summaries("open", order="oldest")] == ["c1", "c2", "c3", "c4"]
    assert [r.case_id for r in await store.list_summaries("open", order="stop_date")] == [
        "c3", "c4", "c1", "c2"], "soonest stop first, no stop date last"
    assert [r.case_id for r in await store.list_summaries(order="oldest", limit=10)] == [
        "c1", "c2", "c3", "c4", "c5"]
    with pytest.raises(ValueError, match="order must be one of"):
        await store.list_summaries(order="client; DROP TABLE cases")


async def test_cases_without_a_summary_row_are_found(store: Store) -> None:
    await add_case(store, case("c1", "acme"))
    await add_case(store, case("c2", "beta"))
    await put(store, row("c2"))
    assert await store.cases_without_summary() == ["c1"]


async def test_most_urgent_first_is_the_earliest_due_time_and_none_last(store: Store) -> None:
    dues = {"c1": T0 + timedelta(days=3), "c2": None, "c3": T0 - timedelta(days=2), "c4": T0}
    for n, (case_id, due) in enumerate(dues.items()):
        await add_case(store, case(case_id, f"client {case_id}"))
        await put(store, replace(row(case_id, hours=n), next_due_at=due))
    urgent = await store.list_summaries("open", order="urgent")
    assert [r.case_id for r in urgent] == ["c3", "c4", "c1", "c2"], "the longest late first, none last"
    (first,) = await store.list_summaries("open", order="urgent", limit=1)
    assert first.next_due_at == T0 - timedelta(days=2)


async def test_held_items_are_those_of_open_cases(store: Store) -> None:
    tom = {"platform": "slack", "user_id": "U_TOM", "name": "Tom"}
    for case_id, status in (("c1", "open"), ("c2", "cancelled")):
        await add_case(store, case(case_id, f"client {case_id}", status))
        async with store.write(case_id) as tx:
            await tx.put_item(ItemRecord(case_id, "backup", ItemStatus.OPEN, assignee=tom))
            await tx.put_item(ItemRecord(case_id, "licences", ItemStatus.OPEN))
    assert await store.held_items() == [("c1", tom)]
