"""Deriving each item's state from the checklist and the answers given so far.

Pure functions: no I/O, no clock. The engine stores what these return and
records every change as an event.

States:
  locked   waits for an earlier step, an answer, an item before it, or a gate
  open     can be worked now
  done     answered (or, for a gate, opened)
  na       marked not applicable by a person, with a reason
  skipped  does not apply: its condition is false
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dialogs.checklist import Checklist, ItemDef
from dialogs.conditions import Condition, TicketsClosed
from dialogs.reasons import Reason, ReasonKind
from storage.base import ItemRecord, ItemStatus

RESOLVED = frozenset({"done", "na", "skipped"})
ANSWERED = frozenset({"done", "na"})


@dataclass(frozen=True)
class Derived:
    """An item's state and, when it is locked or skipped, why (as data: see dialogs.reasons)."""

    status: str
    reason: Reason | None = None


# States are immutable values, so the common ones are made once: a derivation (two a click) made one
# per item before, most of them "locked: waits for step N" for every item of every later step.
_OPEN, _DONE = Derived("open"), Derived("done")
_ANSWERED_AS = {ItemStatus.DONE: Derived(ItemStatus.DONE), ItemStatus.NA: Derived(ItemStatus.NA)}


@lru_cache(maxsize=256)
def _waits_for_step(before: int, department: str) -> Derived:
    """Locked until step ``before`` hands off (to ``department``, the waiting step's)."""
    return Derived("locked", Reason(ReasonKind.STEP, step=before, department=department))


def derive(checklist: Checklist, records: Mapping[str, ItemRecord], step_index: int) -> dict[str, Derived]:
    """Every item's state, given the stored answers and how many steps were handed off."""
    out: dict[str, Derived] = {}
    defs, steps, reached = checklist.items, checklist.steps_by_id, step_index + 1

    def answers_for(cond: Condition) -> dict[str, Any]:
        got: dict[str, Any] = {}
        for ref in cond.items():
            if state(ref).status == "done":
                got[ref] = records[ref].value or {}
        return got

    def state(iid: str) -> Derived:
        if iid in out:
            return out[iid]
        out[iid] = result = _state(defs[iid])
        return result

    def _state(item: ItemDef) -> Derived:
        step = steps[item.step]
        if step.number > reached:
            return _waits_for_step(step.number - 1, step.department)
        rec = records[item.id]
        if item.when is not None:
            answers = answers_for(item.when)
            holds = item.when.evaluate(answers)
            if holds is False:
                return Derived("skipped", Reason(ReasonKind.CONDITION, condition=item.when, holds=False))
            if holds is None:
                waiting = tuple(dict.fromkeys(r for r in item.when.items() if r not in answers))
                return Derived("locked", Reason(ReasonKind.ANSWER, items=waiting))
        if rec.status in ANSWERED and item.kind != "gate":
            return _ANSWERED_AS.get(rec.status) or Derived(rec.status)
        if item.behind is not None:
            gate = state(item.behind)
            if gate.status != "done":
                inner = gate.reason
                if inner is None and gate.status == "open":
                    inner = Reason(ReasonKind.CONFIRM)
                return Derived("locked", Reason(ReasonKind.GATE, items=(item.behind,), inner=inner))
        pending = tuple(a for a in item.after if state(a).status not in RESOLVED)
        if pending:
            return Derived("locked", Reason(ReasonKind.AFTER, items=pending))
        if item.kind == "gate":
            return _gate(item, rec)
        return _OPEN

    def _gate(item: ItemDef, rec: ItemRecord) -> Derived:
        if item.open_when is not None:
            answers = answers_for(item.open_when)
            if item.open_when.evaluate(answers) is not True:
                if isinstance(item.open_when, TicketsClosed):
                    counts = item.open_when.counts(answers)
                    return Derived("locked", Reason(
                        ReasonKind.TICKETS, items=(item.open_when.item,),
                        still_open=counts[0] if counts else None, total=counts[1] if counts else None))
                return Derived("locked", Reason(ReasonKind.UNTIL, condition=item.open_when))
        if item.confirm is None or rec.status == "done":
            return _DONE
        return _OPEN

    for iid in defs:
        state(iid)
    return out


def step_complete(checklist: Checklist, derived: Mapping[str, Derived], step_id: str) -> bool:
    """Whether every item of a step that applies is done or not applicable."""
    return all(derived[i.id].status in RESOLVED for i in checklist.steps_by_id[step_id].items)


def progress(checklist: Checklist, derived: Mapping[str, Derived], step_id: str) -> tuple[int, int]:
    """(resolved, applicable) items of a step; skipped items count in neither."""
    items = checklist.steps_by_id[step_id].items
    applicable = [i for i in items if derived[i.id].status != "skipped"]
    return sum(derived[i.id].status in ANSWERED for i in applicable), len(applicable)


def logged_hours(checklist: Checklist, records: Mapping[str, ItemRecord]) -> Decimal:
    """Hours recorded on done items (against the removal ticket)."""
    total = Decimal("0")
    for item in checklist.items.values():
        rec = records.get(item.id)
        if item.log_hours and rec is not None and rec.status == "done" and rec.value:
            hours = rec.value.get("hours")
            if hours:
                total += Decimal(hours)
    return total


def rebate_suggestion(
    checklist: Checklist, records: Mapping[str, ItemRecord], item: ItemDef
) -> dict[str, str] | None:
    """Prepaid hours minus hours logged, and the dollars that leaves unused."""
    if item.rebate_of is None:
        return None
    source = records.get(item.rebate_of)
    if source is None or source.status != "done" or not source.value:
        return None
    prepaid_d = Decimal(source.value.get("dollars") or "0")
    prepaid_h = Decimal(source.value.get("hours") or "0")
    used = logged_hours(checklist, records)
    unused_h = max(prepaid_h - used, Decimal("0"))
    rate = prepaid_d / prepaid_h if prepaid_h else Decimal("0")
    return {
        "hours": f"{unused_h:.2f}",
        "dollars": f"{(rate * unused_h).quantize(Decimal('0.01')):.2f}",
        "prepaid_hours": f"{prepaid_h:.2f}",
        "prepaid_dollars": f"{prepaid_d:.2f}",
        "logged_hours": f"{used:.2f}",
    }
