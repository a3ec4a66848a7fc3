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

The processes share the database and nothing else: a worker finds the
requests the server kept by looking every WORKER_POLL seconds (a read), and the
notices the server's forms wrote every WORKER_DELIVERY_POLL seconds; its own
commits wake its dispatcher at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from types import TracebackType

log = logging.getLogger(__name__)
WORKER_POLL = 0.02  # seconds between a worker's looks at the inbox
WORKER_DELIVERY_POLL = 0.25  # ... and at the outbox, for notices written by another process
WORKER_NICENESS = 5  # a busy machine answers first: a late acknowledgement is an error, late work is not
RESTART_DELAY = 1.0  # seconds before a worker that died is started again
STOP_GRACE = 15.0  # seconds a worker gets to finish what it holds before it is killed
WORK = (sys.executable, "-m", "bot", "work", "--nice", str(WORKER_NICENESS))


class WorkerProcesses:
    """``count`` worker processes for as long as the ``async with`` lasts (none when count is 0)."""

    def __init__(self, count: int, stop: asyncio.Event, command: tuple[str, ...] = WORK) -> None:
        self.count, self.stop, self.command = count, stop, command
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

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids."""
        return [p.pid for p in self.procs if p is not None and p.returncode is None]

    async def _keep(self, n: int) -> None:
        """Run worker ``n``, start it again when it dies, and stop it when the server stops."""
        while not self.stop.is_set():
            proc = await asyncio.create_subprocess_exec(*self.command, stdin=asyncio.subprocess.DEVNULL)
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
