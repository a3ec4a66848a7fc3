"""A throwaway PostgreSQL for the tests, started by the tests themselves.

One cluster per test session, from Debian's binaries (``/usr/lib/postgresql/15/bin``,
or OFFBOARD_PG_BIN), in a temporary directory, on a free port on 127.0.0.1 only;
every test that asks gets a fresh database of its own. initdb and pg_ctl refuse
to run as root, so as root (CI) they run as the ``postgres`` user on a directory
it owns. Without the binaries the PostgreSQL tests fail when CI is set (CI runs
everything) and are skipped otherwise, saying what to install.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

PG_BIN = Path(os.environ.get("OFFBOARD_PG_BIN", "/usr/lib/postgresql/15/bin"))
INSTALL = "apt-get install -y --no-install-recommends postgresql"
SETTINGS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300")


class Cluster:
    """A running PostgreSQL cluster that makes a new database on request."""

    def __init__(self, root: Path, port: int, runner: list[str]) -> None:
        self.root, self.port, self.runner = root, port, runner
        self._names = itertools.count(1)

    def url(self, dbname: str) -> str:
        """The URL of one database (trust authentication: the cluster only listens on 127.0.0.1)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"offboard_test_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and remove its files."""
        subprocess.run([*self.runner, str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                        "immediate", "stop"], cwd=self.root, capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_cluster() -> Cluster:
    """initdb and start a cluster; fail (CI) or skip (elsewhere) without the binaries."""
    if not (PG_BIN / "initdb").exists():
        message = f"PostgreSQL binaries not found in {PG_BIN}: {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="offboard-pg-"))
    runner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run as postgres, on a directory it owns
        shutil.chown(root, "postgres", "postgres")
        runner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    try:
        subprocess.run([*runner, str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                       cwd=root, capture_output=True, check=True)
        subprocess.run([*runner, str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-l",
                        str(root / "server.log"), "-w", "-t", "60", "-o",
                        f"-p {port} -k {root} {SETTINGS}", "start"],
                       cwd=root, capture_output=True, check=True)
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}\n{log}")
    return Cluster(root, port, runner)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway cluster for the whole session, started on first use."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """A fresh database of its own for one test."""
    return postgres_cluster.new_database()
