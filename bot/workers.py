"""Worker processes: ``python -m bot serve --workers N`` runs the work behind the answers elsewhere.

By default one process does everything on one event loop: it answers Slack,
Teams and the web, and it applies the clicks it kept (bot.inbox), delivers the
notices (bot.outbox) and sends reminders (bot.scheduler). A click's engine
command and its notices cost several times what its acknowledgement does
(docs/BENCHMARKS.md), so under load they delay the next acknowledgements. With
``--workers N`` the server only answers, and N worker processes
(``python -m bot work``), each on a core of its own, do the rest: the server
starts them, starts one again when it dies, and stops them when it stops.
Workers run at a lower CPU priority (WORKER_NICENESS): when the machine is
busy, answering Slack within its 3 seconds comes before applying the clicks.

The processes share the database, and a pipe: the server writes a byte to
each worker's standard input when it keeps a request, so the worker takes it at
once (it cannot hear another process's SQLite commits), and a worker whose
server is gone sees the pipe close and stops. A worker looks at the inbox every
WORKER_POLL seconds anyway (a lease that ran out, a request kept by another
server on the same database), and for notices the server's forms wrote every
WORKER_DELIVERY_POLL seconds; its own commits wake its dispatcher at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)
WORKER_POLL = 0.5  # seconds between a worker's looks at the inbox (the server wakes it through the pipe)
STANDALONE_WORKER_POLL = 0.02  # ... a worker started on its own (python -m bot work), which nobody wakes
WORKER_DELIVERY_POLL = 0.25  # ... and at the outbox, for notices written by another process
WORKER_NICENESS = 5  # a busy machine answers first: a late acknowledgement is an error, late work is not
RESTART_DELAY = 1.0  # seconds before a worker that died is started again
STOP_GRACE = 15.0  # seconds a worker gets to finish what it holds before it is killed
WORK = (sys.executable, "-m", "bot", "work", "--nice", str(WORKER_NICENESS), "--wake-on-stdin")


class WorkerProcesses:
    """``count`` worker processes for as long as the ``async with`` lasts (none when count is 0): they are
    stopped on leaving it, so a server that stops answering first still has what it kept last applied."""

    def __init__(self, count: int, command: tuple[str, ...] = WORK) -> None:
        self.count, self.command = count, command
        self.stop = asyncio.Event()  # set on leaving the ``async with``: after the server stopped answering
        self.procs: list[asyncio.subprocess.Process | None] = [None] * count
        self._keepers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> WorkerProcesses:
        self._keepers = [asyncio.create_task(self._keep(n), name=f"offboard-worker-{n}")
                         for n in range(self.count)]
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.stop.set()
        await asyncio.gather(*self._keepers, return_exceptions=True)

    def wake(self) -> None:
        """Tell every running worker a request was kept (one byte each; one already waiting is enough)."""
        for proc in self.procs:
            if proc is None or proc.returncode is not None or proc.stdin is None:
                continue
            if proc.stdin.transport.get_write_buffer_size() == 0:  # a paused worker's pipe fills no further
                with contextlib.suppress(ConnectionError):
                    proc.stdin.write(b".")

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids."""
        return [p.pid for p in self.procs if p is not None and p.returncode is None]

    async def _keep(self, n: int) -> None:
        """Run worker ``n``, start it again when it dies, and stop it when the server stops."""
        while not self.stop.is_set():
            proc = await asyncio.create_subprocess_exec(*self.command, stdin=asyncio.subprocess.PIPE)
            self.procs[n] = proc
            log.info("worker %d started (pid %d)", n, proc.pid)
            stopping = asyncio.ensure_future(self.stop.wait())
            exited = asyncio.ensure_future(proc.wait())
            await asyncio.wait([stopping, exited], return_when=asyncio.FIRST_COMPLETED)
            if exited.done():
                stopping.cancel()
                log.error("worker %d (pid %d) exited with %s; starting it again in %.0f s",
                          n, proc.pid, proc.returncode, RESTART_DELAY)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), RESTART_DELAY)
                continue
            await self._end(n, proc, exited)

    async def _end(self, n: int, proc: asyncio.subprocess.Process, exited: asyncio.Future[int]) -> None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(exited), STOP_GRACE)
        except TimeoutError:
            log.error("worker %d (pid %d) did not stop within %.0f s; killed", n, proc.pid, STOP_GRACE)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await exited
        log.info("worker %d stopped", n)


async def wake_on_stdin(wake: Callable[[], None], stop: asyncio.Event) -> None:
    """A worker's side of the pipe: each byte from the server wakes the inbox; the pipe's end (the server
    is gone) stops the worker."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        wake()
    log.warning("the server's pipe closed: this worker stops")
    stop.set()
