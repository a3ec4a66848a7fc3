"""Waiting for the first of several events, or a timeout: the rhythm of the background loops.

The outbox dispatcher, the inbox worker and the scheduler each run a round, then
wait until they are stopped, woken, or their next due time comes. ``asyncio.wait``
on one task per event, with the losers cancelled and awaited, so no wait is
left behind (and a cancel of the caller is never swallowed, as 3.11's wait_for can).
"""

from __future__ import annotations

import asyncio
import contextlib


async def first_of(*events: asyncio.Event, within: float) -> None:
    """Return once any of ``events`` is set, or after ``within`` seconds (no error: the wait just ends)."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiters:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
