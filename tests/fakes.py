"""Test doubles for the platform side only (never for our own engine or store)."""

from __future__ import annotations

from storage.base import MessageRef, Notice


class RecordingSender:
    """A sender that records every notice it is given, like a chat platform would show them."""

    def __init__(self, name: str = "recorder") -> None:
        self.name = name
        self.sent: list[Notice] = []
        self.posts = 0

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        self.sent.append(notice)
        if notice.ref_key and ref is None and notice.case_id:
            self.posts += 1
            return MessageRef(self.name, notice.case_id, notice.ref_key, notice.target, f"m{self.posts}")
        return None

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        return any(n.id == notice.id for n in self.sent)

    def kinds(self, target: str | None = None) -> list[str]:
        return [n.kind for n in self.sent if target is None or n.target == target]

    def of(self, kind: str) -> list[Notice]:
        return [n for n in self.sent if n.kind == kind]
