"""A sender standing in for a chat platform, with scripted faults (the only double in these tests)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime

from adapters.ports import RetryLater
from storage.base import MessageRef, Notice
from tests.conftest import StillClock


class Crash(BaseException):
    """The process dies mid-send (nothing in the dispatcher may catch this)."""


class Platform:
    """Records what it shows; ``failures[n]`` lists what attempts at notice number n raise, in turn.

    A post is "shown" before a scripted ``after_post`` fault is raised (the answer was lost
    on the way back). ``reconcile`` finds a message by its case and ref key, as Slack's
    metadata look-up does, or a plain post by notice id; ``lookup_failures`` make it raise.
    """

    def __init__(self, name: str = "platform", clock: StillClock | None = None) -> None:
        self.name, self.clock = name, clock
        self.failures: dict[int, list[BaseException]] = defaultdict(list)
        self.after_post: dict[int, list[BaseException]] = defaultdict(list)
        self.always_fail: dict[int, BaseException] = {}
        self.lookup_failures = 0
        self.attempts: list[tuple[int, str, datetime | None]] = []
        self.sent: list[Notice] = []
        self.calls: list[tuple[int, MessageRef | None]] = []
        self.posts: list[tuple[Notice, MessageRef | None]] = []  # every post that made a message
        self.lookups: list[int] = []
        self.delivered = asyncio.Event()
        self.hook: Callable[[Notice], Awaitable[None]] | None = None

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        n = int(notice.payload["n"])
        self.attempts.append((n, notice.target, self.clock() if self.clock else None))
        if self.hook is not None:
            await self.hook(notice)
        if n in self.always_fail:
            raise self.always_fail[n]
        if self.failures[n]:
            raise self.failures[n].pop(0)
        self.sent.append(notice)
        self.calls.append((n, ref))
        made = None
        if ref is None:
            if notice.ref_key and notice.case_id:
                made = MessageRef(self.name, notice.case_id, notice.ref_key, notice.target,
                                  f"msg-{len(self.posts) + 1}")
            self.posts.append((notice, made))
        if self.after_post[n]:
            raise self.after_post[n].pop(0)
        self.delivered.set()
        return made

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        self.lookups.append(int(notice.payload["n"]))
        if self.lookup_failures:
            self.lookup_failures -= 1
            raise RetryLater("look-up failed: 502")
        for posted, made in self.posts:
            if notice.ref_key and notice.case_id and made is not None and \
                    (posted.case_id, posted.ref_key) == (notice.case_id, notice.ref_key):
                return made
            if posted.id == notice.id:
                return True
        return False

    def numbers(self, target: str | None = None) -> list[int]:
        return [int(s.payload["n"]) for s in self.sent if target is None or s.target == target]

    def messages(self, case_id: str, ref_key: str) -> int:
        """How many messages were posted for one card or summary."""
        return sum(1 for n, made in self.posts
                   if made is not None and (n.case_id, n.ref_key) == (case_id, ref_key))
