"""Live updates for the web workspace: the store's change feed, told to browsers over server-sent events.

The workspace is not an outbox sender: it keeps nothing (channels are read
from the outbox history, cards rendered from the case's current state), so
it only needs to hear that a notice was committed. It listens to the store's
change feed, which on PostgreSQL carries every process's notices (LISTEN/
NOTIFY), so a browser on process B sees a click made through process A; on
SQLite it hears this process's own.

Streams are capped per client address and in total, with a clear refusal
(429 / 503 and a Retry-After), and a stream with nothing to say for a while
is closed (the browser's EventSource reconnects if the page is still open).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from storage.base import Change, Store

RETRY_MS = 3000  # how soon a browser reconnects after an idle stream is closed


@dataclass(eq=False)
class _Stream:
    client: str
    request: web.Request
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(maxsize=100))

    @property
    def gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()


class Broadcaster:
    """Fans one event out to every connected browser, within the caps."""

    def __init__(self, total: int = 200, per_client: int = 6, idle: float = 300.0,
                 keepalive: float = 15.0) -> None:
        self.total, self.per_client, self.idle, self.keepalive = total, per_client, idle, keepalive
        self._streams: set[_Stream] = set()

    @property
    def open_streams(self) -> int:
        """How many browsers listen now."""
        return len(self._streams)

    def publish(self, event: dict[str, Any]) -> None:
        """Queue an event for every listener (a slow one drops its oldest)."""
        for stream in self._streams:
            if stream.queue.full():
                stream.queue.get_nowait()
            stream.queue.put_nowait(event)

    def refusal(self, client: str) -> web.Response | None:
        """Why another stream for this client cannot open now, or None."""
        self._streams -= {s for s in self._streams if s.gone}
        if len(self._streams) >= self.total:
            return web.Response(status=503, headers={"Retry-After": "30"}, text=(
                f"Too many live connections to this server ({self.total}); the page works, "
                "but live updates are paused. Reload later.\n"))
        if sum(s.client == client for s in self._streams) >= self.per_client:
            return web.Response(status=429, headers={"Retry-After": "30"}, text=(
                f"Too many live connections from your address ({self.per_client}): close some tabs "
                "of this workspace. This page works, but does not update by itself.\n"))
        return None

    async def stream(self, request: web.Request, stop: asyncio.Event, client: str) -> web.StreamResponse:
        """An SSE response until the browser leaves, the server stops, or nothing happens for `idle`."""
        refused = self.refusal(client)
        if refused is not None:
            return refused
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        await response.prepare(request)
        stream = _Stream(client, request)
        self._streams.add(stream)
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await response.write(f"retry: {RETRY_MS}\n: connected\n\n".encode())
            while not stop.is_set():
                left = self.idle - (loop.time() - quiet_since)
                if left <= 0:
                    break  # idle: close; a page still open reconnects
                getting = asyncio.ensure_future(stream.queue.get())
                done, _ = await asyncio.wait({getting, stopping}, timeout=min(self.keepalive, left),
                                             return_when=asyncio.FIRST_COMPLETED)
                if getting in done:
                    await response.write(f"data: {json.dumps(getting.result())}\n\n".encode())
                    quiet_since = loop.time()
                    continue
                getting.cancel()
                if not stop.is_set() and loop.time() - quiet_since < self.idle:
                    await response.write(b": keep-alive\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            stopping.cancel()
            self._streams.discard(stream)
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
