"""Pacing per channel: a sender's messages to one channel go out at its platform's rate, not in a burst
that the platform answers with 429s.

A sender that wants it says how (``pacing``: messages per second and how many
may go at once) and which channel a notice goes to (``pace_key``). Each channel
keeps the time its next message may go (the generic cell rate algorithm): a
claimed delivery whose turn is near waits for it outside the dispatcher's round
and concurrency slots, then sends the newest content of its message (the
store's ``newest``), so ten changes to a card while it waited are one
``chat.update``; one whose turn is far is given back, not counted as an attempt
(``defer``). Per process: several processes share a channel's rate only roughly.
The clock and the sleep are injected, so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from storage.base import Notice

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """The next free moment of each channel, for one sender."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.burst = max(burst, 1)
        self.clock = clock
        self._next: dict[str, float] = {}

    def book(self, key: str) -> float:
        """Take the channel's next turn; seconds to wait for it (0: now)."""
        now = self.clock()
        turn = max(self._next.get(key, now), now)
        wait = max(turn - now - (self.burst - 1) * self.interval, 0.0)
        self._next[key] = turn + self.interval
        if len(self._next) > 10_000:  # forget channels quiet for long
            self._next = {k: t for k, t in self._next.items() if t > now}
        return wait

    def give_back(self, key: str) -> None:
        """A booked turn that was not used (the delivery was given back)."""
        if key in self._next:
            self._next[key] -= self.interval


def pacer_for(sender: Any, clock: Callable[[], float]) -> Pacer | None:
    """The sender's pacing, if it asks for any (``pacing = (rate, burst)`` and ``pace_key``)."""
    pacing = getattr(sender, "pacing", None)
    if not pacing or not callable(getattr(sender, "pace_key", None)) or pacing[0] <= 0:
        return None
    return Pacer(float(pacing[0]), int(pacing[1]), clock)


def pace_key(sender: Any, notice: Notice) -> str | None:
    """The channel a notice goes to, for pacing."""
    key = sender.pace_key(notice)
    return None if key is None else str(key)

