"""Records the contract tests write, and small helpers to write them."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.base import CaseRecord, CaseStatus, Delivery, Notice, NoticeKind, Store

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
ACTOR = {"platform": "slack", "user": "U1", "name": "Ann"}


def case(case_id: str = "c1", client_key: str = "acme", status: str = "open",
         opened_at: datetime = T0) -> CaseRecord:
    return CaseRecord(id=case_id, checklist_id="offboarding-v1", client=client_key.title(),
                      client_key=client_key, header={"client": client_key.title(), "ticket": "T-1"},
                      status=CaseStatus(status), step_index=0, opened_by=ACTOR, opened_at=opened_at)


def notice(target: str = "chan-a", kind: str = "card", at: datetime = T0, coalesce_key: str | None = None,
           ref_key: str | None = None, n: int = 0, case_id: str | None = "c1") -> Notice:
    return Notice(case_id=case_id, kind=NoticeKind(kind), target=target,
                  payload={"n": n, "text": f"notice {n}"}, created_at=at, ref_key=ref_key,
                  coalesce_key=coalesce_key)


async def add_case(store: Store, record: CaseRecord | None = None) -> CaseRecord:
    record = record or case()
    async with store.write(record.id) as tx:
        await tx.insert_case(record)
    return record


async def add_notices(store: Store, *notices: Notice) -> list[int]:
    async with store.write() as tx:
        return [await tx.add_notice(n) for n in notices]


def numbers(deliveries: list[Delivery]) -> list[int]:
    return [int(d.notice.payload["n"]) for d in deliveries]
