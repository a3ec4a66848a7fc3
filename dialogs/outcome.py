"""What a command did: the Outcome every engine command returns, in words for the person who acted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from dialogs.actor import SYSTEM
from dialogs.reasons import STATE_PHRASES, lower_first
from storage.base import CaseRecord, ItemRecord


@dataclass(frozen=True)
class Outcome:
    """What a command did, in words for the person who acted.

    status: ``changed``; ``stale`` (the item changed since it was shown, or the
    click was repeated: nothing changed); ``duplicate`` (this request id was
    already processed: nothing changed).
    """

    status: str
    message: str
    case_id: str | None = None
    item_id: str | None = None
    version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the command changed anything."""
        return self.status == "changed"

    def to_json(self) -> dict[str, Any]:
        """What the processed-requests table keeps."""
        return {"status": self.status, "message": self.message, "case_id": self.case_id,
                "item_id": self.item_id, "version": self.version}


def duplicate(done: dict[str, Any]) -> Outcome:
    """A request id that was processed before: what it did then."""
    return Outcome("duplicate", f"Already done: {done.get('message', '')}".strip(),
                   done.get("case_id"), done.get("item_id"), done.get("version"))


def stale_item(rec: ItemRecord, tz: tzinfo, why: str | None = None) -> Outcome:
    """A click rendered from an older version of the item: who changed it since, and when.

    ``why``: the item's reason in words when a rule (not a person) moved it.
    """
    who = (rec.updated_by or {}).get("name", "someone")
    when = f"{rec.updated_at.astimezone(tz):%Y-%m-%d %H:%M}" if rec.updated_at else "earlier"
    by_rule = (rec.updated_by or {}).get("platform") == SYSTEM.platform
    if by_rule and rec.status in ("skipped", "locked", "open"):
        now = {"skipped": "no longer applies", "locked": "is locked", "open": "is open again"}[rec.status]
        because = f" ({lower_first(why)})" if why else ""
        return Outcome("stale", f"Nothing changed: since this card was shown, the item {now}{because} "
                                f"(at {when}). Look at the updated card.",
                       rec.case_id, rec.item_id, rec.version, extra={"by": None, "at": when})
    what = {"done": "answered", "na": "marked not applicable", "open": "reopened"}.get(
        rec.status, f"changed (it {STATE_PHRASES.get(rec.status, 'changed')} now)")
    return Outcome("stale", f"Nothing changed: this item was already {what} by {who} at {when}.",
                   rec.case_id, rec.item_id, rec.version, extra={"by": who, "at": when})


def stale_claim(rec: ItemRecord, tz: tzinfo) -> Outcome:
    """A claim that lost to another: who holds the item now, and since when."""
    holder = rec.assignee or {}
    if not holder:
        return Outcome("stale", "Nothing changed: nobody holds this item any more; look at the updated card.",
                       rec.case_id, rec.item_id, rec.holder_version)
    at = holder.get("at")
    when = f" at {datetime.fromisoformat(at).astimezone(tz):%Y-%m-%d %H:%M}" if at else ""
    return Outcome("stale", f"Nothing changed: {holder.get('name', 'someone')} claimed this item{when}.",
                   rec.case_id, rec.item_id, rec.holder_version,
                   extra={"by": holder.get("name"), "at": at})


def stale_case(case: CaseRecord) -> Outcome:
    """A case command that is already done (cancel a cancelled case...)."""
    return Outcome("stale", f"Nothing changed: the case for {case.client} is already {case.status}.",
                   case.id, version=case.version)
