"""Live updates for the web workspace: the store's change feed, told to browsers over server-sent events.

The workspace is not an outbox sender: it keeps nothing (channels are read
from the outbox history, cards rendered from the case's current state), so
it only needs to hear that a notice was committed. It listens to the store's
change feed, which on PostgreSQL carries every process's notices (LISTEN/
NOTIFY), so a browser on process B sees a click made through process A; on
SQLite it hears this process's own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from storage.base import Change, Store


class Broadcaster:
    """Fans one event out to every connected browser."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    def publish(self, event: dict[str, Any]) -> None:
        """Queue an event for every listener (a slow one drops its oldest)."""
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    async def stream(self, request: web.Request, stop: asyncio.Event) -> web.StreamResponse:
        """An SSE response that lasts until the browser leaves or the server stops."""
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        self._queues.add(queue)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await response.write(b": connected\n\n")
            while not stop.is_set():
                getting = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getting, stopping}, timeout=15,
                                             return_when=asyncio.FIRST_COMPLETED)
                if getting in done:
                    await response.write(f"data: {json.dumps(getting.result())}\n\n".encode())
                    continue
                getting.cancel()
                if not stop.is_set():
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            stopping.cancel()
            self._queues.discard(queue)
        return response


def live_feed(store: Store, broadcaster: Broadcaster) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: tell every browser about each committed notice while the server runs."""

    async def listen(app: web.Application) -> AsyncIterator[None]:
        def publish(change: Change) -> None:
            broadcaster.publish({"target": change.target, "kind": change.kind,
                                 "case_id": change.case_id, "id": change.notice_id})

        stop = await store.listen(publish)
        try:
            yield
        finally:
            stop()

    return listen
