"""A lean HTTP/1.1 client for the load process: pre-built requests over keep-alive connections.

aiohttp's client spends about half a millisecond of CPU per request; at 1,000
clicks a second on two cores that made the load process, not the server, the
thing being measured. Here a request is bytes built before the clock starts,
written to an idle connection (or a new one: open loop never waits for a free
connection), and the answer is read just far enough to know its status and
where it ends (Content-Length, or chunked).
"""

from __future__ import annotations

import asyncio
import contextlib


class Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.answer: asyncio.Future[int] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        status = _complete(self.buffer)
        if status is not None and self.answer is not None and not self.answer.done():
            self.buffer.clear()
            self.answer.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionResetError("the server closed the connection"))

    def close(self) -> None:
        """Hang up (an answer still on its way is dropped)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _complete(buffer: bytearray) -> int | None:
    """The status of a whole response in ``buffer``, or None while more is to come."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value:
            return status if buffer.endswith(b"0\r\n\r\n") else None
    return status if len(buffer) >= end + 4 + length else None


class Client:
    """Requests to one host and port, on as many connections as are needed at once."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[Connection] = []
        self.opened = 0

    def request(self, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        """A POST as bytes, ready to write."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        return "\r\n".join(lines).encode() + body

    async def send(self, raw: bytes, deadline: float) -> int:
        """Write one request and wait for its answer's status; TimeoutError at ``deadline`` (loop time)."""
        loop = asyncio.get_running_loop()
        conn = None
        while self.idle and conn is None:
            candidate = self.idle.pop()
            conn = None if candidate.closed else candidate
        try:
            async with asyncio.timeout_at(deadline):
                if conn is None:
                    _, conn = await loop.create_connection(Connection, self.host, self.port)
                    self.opened += 1
                conn.answer = loop.create_future()
                assert conn.transport is not None
                conn.transport.write(raw)
                status = await conn.answer
        except BaseException:
            if conn is not None:
                conn.close()  # an answer may still come: this connection cannot be reused
            raise
        self.idle.append(conn)
        return status

    def close(self) -> None:
        """Close every idle connection."""
        for conn in self.idle:
            with contextlib.suppress(Exception):
                conn.close()
        self.idle.clear()
