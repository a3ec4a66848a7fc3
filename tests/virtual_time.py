"""Virtual time for pacing: the dispatcher's pacing waits are never real waits in tests."""

from __future__ import annotations

import asyncio


class VirtualTime:
    """A pacing clock and its sleep: ``sleep`` moves the clock on at once, unless ``held``; then
    sleepers wait until ``release()``."""

    def __init__(self) -> None:
        self.now = 0.0
        self.held = False
        self.sleepers = 0
        self.waits: list[float] = []  # every wait asked for, in order
        self._released = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of virtual time."""
        until = self.now + seconds
        self.waits.append(seconds)
        if self.held:
            self.sleepers += 1
            await self._released.wait()
        self.now = max(self.now, until)
        await asyncio.sleep(0)

    def hold(self) -> None:
        """From now on, pacing waits last until ``release()``."""
        self.held, self.sleepers = True, 0
        self._released = asyncio.Event()

    def release(self) -> None:
        """Let every held sleeper go on."""
        self.held = False
        self._released.set()
