"""Helpers shared by the engine tests: walking whole steps, and snapshots of what the store holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dialogs.actor import Actor
from dialogs.engine import Engine
from storage.base import Delivery
from storage.sqlite import SQLiteStore
from tests.conftest import ALICE, HEADER, MARY, TOM
from tests.engine.test_scenario import Walk

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)

# More people, for races and "someone else did it" stories.
ANNE = Actor("test", "U_ANNE", "Anne Admin", frozenset({"admin"}))
ADAM = Actor("test", "U_ADAM", "Adam Admin", frozenset({"admin"}))
TINA = Actor("test", "U_TINA", "Tina Tech", frozenset({"tech"}))


async def open_case(engine: Engine, client: str = "AcmeCo", who: Actor = ALICE,
                    header: dict[str, str] | None = None) -> Walk:
    """Open a case the way Admin would and return a Walk over it."""
    out = await engine.open_case(client, header or HEADER, who)
    assert out.changed and out.case_id, out.message
    return Walk(engine, out.case_id)


async def finish_admin_one(walk: Walk, who: Actor = ALICE) -> None:
    """Routing step one, the short way: no A/R, nothing un-bundled, still on the newsletter.

    Items already answered are left as they are.
    """
    answers: list[tuple[str, dict[str, Any]]] = [
        ("review_account", {}),
        ("accounts_receivable", {"answer": "no"}),
        ("contact_client", {}),
        ("prepayment", {"dollars": "1500", "hours": "10"}),
        ("cancel_recurring_billing", {}),
        ("managed_contract_expiration", {"date": "2026-12-31"}),
        ("keep_tm_contract", {}),
        ("keep_other_contracts", {}),
        ("unbundled_services", {"answer": "no"}),
        ("quickbooks_terms", {}),
        ("newsletter", {"answer": "yes"}),
    ]
    for item_id, raw in answers:
        if await walk.status(item_id) not in ("done", "na"):
            await walk.answer(item_id, who, **raw)


TWO_TICKETS = [
    {"number": "T-100", "title": "Printer jams", "decision": "billable"},
    {"number": "T-101", "title": "Old VPN request", "decision": "close"},
]


async def tech_up_to_the_gate(walk: Walk, who: Actor = TOM) -> None:
    """Routing step two up to the tickets gate, with two tickets still open."""
    await walk.answer("removal_ticket", who, text="T-4711", hours="1")
    await walk.no("email_filtering", who)
    await walk.done("verify_documentation", who)
    await walk.answer("deliver_documentation", who, choice="paper")
    await walk.done("backup_narrative", who)
    await walk.answer("open_tickets", who, tickets=TWO_TICKETS)
    await walk.done("email_summary_report", MARY)
    await walk.done("close_unworked_tickets", who)


async def finish_tech_two(walk: Walk, who: Actor = TOM) -> None:
    """Routing step two, all of it."""
    await tech_up_to_the_gate(walk, who)
    # T-101 ("close") was closed by "Close all open tickets that will not be worked".
    for row in TWO_TICKETS[:1]:
        version = await walk.version("open_tickets")
        out = await walk.engine.close_ticket(walk.case_id, "open_tickets", row["number"], who, version)
        assert out.changed, out.message
    for item in ("remove_rmm_agents", "update_monitoring_docs", "update_grid"):
        await walk.done(item, who)


@dataclass(frozen=True)
class Snapshot:
    """Everything a command could change, as read back from the store."""

    case: tuple[Any, ...]
    items: dict[str, tuple[Any, ...]]
    events: int


async def snapshot(store: SQLiteStore, case_id: str) -> Snapshot:
    case = await store.get_case(case_id)
    assert case is not None
    items = await store.get_items(case_id)
    return Snapshot(
        (case.status, case.step_index, case.version, case.closed_at),
        {iid: (r.status, r.version, r.value, r.reason, r.assignee, r.updated_by, r.updated_at)
         for iid, r in items.items()},
        len(await store.get_events(case_id)),
    )


class OutboxWatch:
    """A sender registered now: it sees exactly the notices written from here on."""

    def __init__(self, store: SQLiteStore, name: str = "watch") -> None:
        self.store, self.name = store, name

    async def start(self) -> OutboxWatch:
        await self.store.register_sender(self.name, datetime.now(UTC))
        return self

    async def notices(self) -> list[Delivery]:
        return await self.store.deliveries(self.name)
