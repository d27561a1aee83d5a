"""Session-wide test servers: a real PostgreSQL started on a loopback port, once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from myelectricaldata.store.repo import Store


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql: "
            "run `make test` (it installs Debian's postgresql) or `apt-get install postgresql`"
        )
    return candidates[0].parent


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (run as the ``postgres`` user under root)."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="med-pg-"))
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self._as_root else list(args)

    def start(self) -> None:
        data = self.dir / "data"
        if self._as_root:
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            self._cmd(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                      "--no-sync", "-E", "UTF8"),
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            self._cmd(
                str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w",
                "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} -F -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"),
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: SQLite file, then a new database on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store on each engine."""
    opened = Store.open(db_url)
    try:
        yield opened
    finally:
        opened.close()


def wait_until(predicate: object, timeout: float = 10.0) -> None:
    """Poll ``predicate()`` until true (tests of background work)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


# Real servers of the exporter tests, each started once per session on a loopback port.
pytest_plugins = [
    "tests.servers.mosquitto",
    "tests.servers.victoriametrics",
    "tests.servers.influxdb",
    "tests.servers.prometheus",
    "tests.servers.homeassistant",
]
