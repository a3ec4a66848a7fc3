"""Rendering a document in a worker process that can be stopped: a render never runs unbounded.

A template (an MSP's override, or a client name built to be slow) could keep a
render busy for minutes, and a thread cannot be stopped: shutdown would wait on
it. Each render runs in a process forked from a small forkserver (so the
parent's threads are never forked); the worker says when it starts rendering,
and from then it has ``limit`` seconds (OFFBOARD_RENDER_TIMEOUT). Past that,
or when the waiting task is cancelled (shutdown), the process is killed.

The event loop is never blocked while waiting: the pipe is watched with
``add_reader``, no thread is involved.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from bot.documents.pdf import PdfUnavailable
from bot.documents.render import DocumentError, RenderedDocument, render

STARTUP_LIMIT = 60.0
"""Seconds a worker may take to start (a cold machine, WeasyPrint's imports are not counted in the limit)."""

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["bot.documents.render"])
_RUNNING: set[BaseProcess] = set()
_ERRORS: dict[str, type[DocumentError] | type[PdfUnavailable]] = {
    "DocumentError": DocumentError, "PdfUnavailable": PdfUnavailable}


def running() -> list[BaseProcess]:
    """Render workers alive now (for tests and shutdown checks)."""
    return [p for p in _RUNNING if p.is_alive()]


def _child(conn: Connection, context: dict[str, Any], document: str, fmt: str,
           templates: Path | None) -> None:
    """In the worker: say it started, render, send the result (or the error's class and message)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    try:
        conn.send(("started",))
        conn.send(("done", render(context, document, fmt, templates=templates)))
    except (DocumentError, PdfUnavailable) as exc:
        conn.send(("error", type(exc).__name__, exc.message))
    except Exception as exc:  # a PDF engine's own failure: reported, not a crash of the caller
        conn.send(("error", "DocumentError", f"Rendering failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


async def render_bounded(context: dict[str, Any], document: str, fmt: str, *, templates: Path | None,
                         limit: float) -> RenderedDocument:
    """Render in a worker process; DocumentError when it takes longer than ``limit`` seconds."""
    receiving, sending = _CONTEXT.Pipe(duplex=False)
    proc = _CONTEXT.Process(target=_child, args=(sending, context, document, fmt, templates), daemon=True,
                            name=f"render-{document}-{fmt}")
    try:
        proc.start()
        _RUNNING.add(proc)
        sending.close()
        if await _receive(receiving, STARTUP_LIMIT) is None:
            raise DocumentError("The document renderer did not start; try again.")
        message = await _receive(receiving, limit)
        if message is None:
            raise DocumentError(f"Rendering the {document} ({fmt}) took longer than {limit:g} s and was "
                                "stopped (the limit is OFFBOARD_RENDER_TIMEOUT).")
        if message[0] == "done":
            result: RenderedDocument = message[1]
            return result
        raise _ERRORS.get(message[1], DocumentError)(message[2])
    finally:
        if proc.is_alive():
            proc.kill()
        if proc.pid is not None:
            proc.join()
        _RUNNING.discard(proc)
        receiving.close()


async def _receive(conn: Connection, limit: float) -> tuple[Any, ...] | None:
    """The next message from the worker, or None when ``limit`` seconds pass first."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, readable)
    try:
        # asyncio.wait, not wait_for: Python 3.11's wait_for loses a cancel that comes as the worker's
        # message arrives (the render then went on, and shutdown waited for it).
        await asyncio.wait((ready,), timeout=limit)
    finally:
        loop.remove_reader(fd)
    if not ready.done():
        return None
    try:
        message: tuple[Any, ...] = conn.recv()
    except EOFError:
        raise DocumentError("The document renderer stopped before it finished.") from None
    return message
