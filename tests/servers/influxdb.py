"""Session fixtures for real InfluxDB 1.6 servers (Debian's ``influxdb``).

``influxdb``: auth off. ``influxdb_auth``: ``auth-enabled = true`` with an admin user, for the
credentials tests. Each binds both its HTTP port and its RPC ``bind-address`` to free loopback
ports (the defaults are :8086 on all interfaces and 127.0.0.1:8088), keeps meta, data and WAL in
a temp directory, and is killed at the end of the session. ``stop()``/``start()`` keep the ports
and the data.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port

BINARY = "/usr/bin/influxd"


class InfluxDBServer:
    """One ``influxd`` process on 127.0.0.1 and InfluxQL helpers to read what it holds."""

    def __init__(self, *, auth: bool = False) -> None:
        binary = shutil.which("influxd") or BINARY
        if not Path(binary).exists():
            raise RuntimeError(
                "influxd not found: run scripts/install-system-deps.sh (apt-get install influxdb)"
            )
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="med-influx-"))
        self.port = free_port()
        self.rpc_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.auth = auth
        self.admin = ("admin", os.urandom(6).hex()) if auth else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = self.dir / "influxd.log"
        self._config = self.dir / "influxdb.conf"
        self._config.write_text(
            "reporting-enabled = false\n"
            f'bind-address = "127.0.0.1:{self.rpc_port}"\n'
            "[meta]\n"
            f'  dir = "{self.dir / "meta"}"\n'
            "[data]\n"
            f'  dir = "{self.dir / "data"}"\n'
            f'  wal-dir = "{self.dir / "wal"}"\n'
            "  query-log-enabled = false\n"
            "[http]\n"
            f'  bind-address = "127.0.0.1:{self.port}"\n'
            f"  auth-enabled = {'true' if auth else 'false'}\n"
            "  log-enabled = false\n"
            "[monitor]\n"
            "  store-enabled = false\n"
        )
        self._admin_created = False

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start (again, same ports and data) and wait until /ping answers 204."""
        if self.running:
            return
        with self._log.open("ab") as log:
            self._proc = subprocess.Popen(
                [self.binary, "run", "-config", str(self._config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"influxd exited: {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 204:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        else:
            raise RuntimeError(f"influxd not ready in 15 s: {self.log_tail()}")
        if self.admin is not None and not self._admin_created:
            # With auth on and no user yet, InfluxDB accepts this one statement unauthenticated.
            user, password = self.admin
            self._query(f"CREATE USER {user} WITH PASSWORD '{password}' WITH ALL PRIVILEGES")
            self._admin_created = True

    def stop(self) -> None:
        """Stop gracefully (SIGTERM) and wait for the exit."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def close(self) -> None:
        """Stop and delete the data."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server log."""
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- InfluxQL helpers ----------------------------------------------------------------------

    def _query(self, statement: str, database: str | None = None) -> dict[str, Any]:
        params = {"q": statement, "epoch": "s"}
        if database:
            params["db"] = database
        response = httpx.post(f"{self.url}/query", data=params, auth=self.admin, timeout=30)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        error = body.get("error") or body["results"][0].get("error")
        if error:
            raise RuntimeError(f"InfluxQL {statement!r}: {error}")
        return body

    def execute(self, statement: str, database: str | None = None) -> None:
        """Run a statement (CREATE DATABASE, CREATE USER, GRANT, DROP ...) as admin."""
        self._query(statement, database)

    def create_database(self, name: str) -> None:
        """Create a database (no-op when it exists)."""
        self._query(f'CREATE DATABASE "{name}"')

    def select(self, database: str, statement: str) -> list[dict[str, Any]]:
        """Rows of a SELECT as dicts (``time`` in epoch seconds), tags included, all series."""
        body = self._query(statement, database)
        rows: list[dict[str, Any]] = []
        for series in body["results"][0].get("series", []):
            tags = series.get("tags", {})
            for values in series["values"]:
                rows.append({**tags, **dict(zip(series["columns"], values, strict=True))})
        return rows

    def series(self, database: str, statement: str) -> list[dict[str, Any]]:
        """Raw series of a SELECT: ``name``, ``columns``, ``values`` (``tags`` with GROUP BY)."""
        series: list[dict[str, Any]] = self._query(statement, database)["results"][0].get(
            "series", []
        )
        return series

    def count(self, database: str, measurement: str, field: str) -> int:
        """Points of a measurement holding ``field``."""
        rows = self.select(database, f'SELECT COUNT("{field}") FROM "{measurement}"')
        return int(rows[0]["count"]) if rows else 0


def _start(server: InfluxDBServer) -> Iterator[InfluxDBServer]:
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def influxdb() -> Iterator[InfluxDBServer]:
    """InfluxDB 1.6, auth off."""
    yield from _start(InfluxDBServer())


@pytest.fixture(scope="session")
def influxdb_auth() -> Iterator[InfluxDBServer]:
    """InfluxDB 1.6 with auth on; ``server.admin`` is (user, password) of an admin."""
    yield from _start(InfluxDBServer(auth=True))
