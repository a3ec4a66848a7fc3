"""Teams' rate limits, kept by waiting before a call rather than by being refused with 429.

Per bot and conversation: 7 calls a second and 60 in 30 seconds; per tenant
about 30 a second (Teams' documented limits). A call waits until every window
it belongs to has room, then takes its place. The clock and the sleep are
injected, so tests check the waits without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Window = tuple[int, float]  # at most this many calls per this many seconds

PER_CONVERSATION: tuple[Window, ...] = ((7, 1.0), (60, 30.0))
PER_TENANT: tuple[Window, ...] = ((30, 1.0),)


class Pacer:
    """Sliding windows per conversation and per tenant."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self._calls: dict[str, deque[float]] = {}

    def delay(self, conversation: str, tenant: str | None) -> float:
        """Seconds to wait before a call to this conversation may go (0 when it may go now)."""
        now = self.clock()
        wait = 0.0
        for key, windows in self._keys(conversation, tenant):
            calls = self._calls.get(key, deque())
            for limit, seconds in windows:
                recent = [t for t in calls if t > now - seconds]
                if len(recent) >= limit:
                    wait = max(wait, recent[-limit] + seconds - now)
        return wait

    async def wait(self, conversation: str, tenant: str | None) -> None:
        """Wait for room, then count this call."""
        while (delay := self.delay(conversation, tenant)) > 0:
            await self.sleep(delay)
        now = self.clock()
        for key, windows in self._keys(conversation, tenant):
            calls = self._calls.setdefault(key, deque())
            calls.append(now)
            longest = max(seconds for _, seconds in windows)
            while calls and calls[0] <= now - longest:
                calls.popleft()

    @staticmethod
    def _keys(conversation: str, tenant: str | None) -> list[tuple[str, tuple[Window, ...]]]:
        channel = conversation.split(";", 1)[0]  # a thread counts toward its channel
        return [(f"c:{channel}", PER_CONVERSATION), (f"t:{tenant or '-'}", PER_TENANT)]
