"""PostgreSQL for the multi-process runs: is there a backend, and a throwaway server if none is given.

The runs with 1, 2 and 3 server processes on one PostgreSQL start once ``storage``
has a PostgreSQL store (issue 10: ``OFFBOARD_DATABASE=postgresql://…``). With
``--database URL`` they use that server (each run creates a fresh database on it,
so the role needs CREATEDB); without it, a temporary cluster is made with Debian's
``initdb``/``pg_ctl`` in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import pkgutil
import pwd
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import storage
from bench.procs import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def backend_available() -> bool:
    """Whether ``storage`` has a PostgreSQL store (a module named postgres… or pg…)."""
    return any(m.name.startswith(("postgres", "pg")) for m in pkgutil.iter_modules(storage.__path__))


def tool(name: str) -> str:
    """A PostgreSQL program: Debian's versioned folder first, else PATH."""
    found = PG_BIN / name if (PG_BIN / name).exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return str(found)


async def _run(*args: str, user: str | None = None) -> None:
    command = ["runuser", "-u", user, "--", *args] if user else list(args)
    proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed: {out.decode(errors='replace')[-800:]}")


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def create_database(url: str, name: str, template: str | None = None) -> str:
    """A fresh database ``name`` on the server ``url`` points at (empty, or a copy of ``template``)."""
    copy = f' TEMPLATE "{template}"' if template else ""
    await _run(tool("psql"), "-v", "ON_ERROR_STOP=1", "-d", url, "-c", f'DROP DATABASE IF EXISTS "{name}"',
               "-c", f'CREATE DATABASE "{name}"{copy}')
    return with_database(url, name)


class TempCluster:
    """A PostgreSQL server of our own on 127.0.0.1, in a temporary folder removed by stop()."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="offboard-bench-pg-"))
        self.folder.chmod(0o755)  # the postgres user must reach it
        self.port = free_port()
        # initdb refuses to run as root: as root, the cluster belongs to Debian's postgres user.
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        """The maintenance database's URL."""
        return f"postgresql://bench@127.0.0.1:{self.port}/postgres"

    async def start(self) -> str:
        """initdb and pg_ctl start; the URL."""
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        await _run(tool("initdb"), "-D", str(self.folder / "data"), "-U", "bench", "--auth=trust",
                   "--no-sync", user=self.user)
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        await _run(tool("pg_ctl"), "-D", str(self.folder / "data"), "-o", options, "-l",
                   str(self.folder / "server.log"), "-w", "start", user=self.user)
        return self.url

    async def stop(self) -> None:
        """pg_ctl stop, and the folder goes."""
        try:
            await _run(tool("pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop",
                       user=self.user)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
