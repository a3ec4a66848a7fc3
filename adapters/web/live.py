"""Live updates for the web workspace: the web sender and server-sent events.

The web workspace is a Sender like Slack or Teams: the outbox dispatcher hands
it each notice in order. It keeps nothing itself (channels are read from the
outbox history and cards are rendered from the case's current state); it
tells every open browser which channel changed, over server-sent events.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from storage.base import MessageRef, Notice


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


class WebSender:
    """Delivers notices to the web workspace by telling browsers what changed."""

    name = "web"

    def __init__(self, broadcaster: Broadcaster) -> None:
        self.broadcaster = broadcaster

    async def send(self, notice: Notice, ref: MessageRef | None) -> MessageRef | None:
        """Announce the notice; a first post of a card gets a message reference."""
        self.broadcaster.publish({"target": notice.target, "kind": notice.kind,
                                  "case_id": notice.case_id, "id": notice.id})
        if notice.ref_key and notice.case_id and ref is None:
            return MessageRef(self.name, notice.case_id, notice.ref_key, notice.target,
                              f"notice-{notice.id}")
        return None

    async def reconcile(self, notice: Notice) -> MessageRef | bool:
        """Announcing twice does no harm, so a notice in doubt is simply sent again."""
        return False
