"""Session fixtures for real InfluxDB 1.6 servers (Debian's ``influxdb``).

``influxdb``: auth off. ``influxdb_auth``: ``auth-enabled = true`` with an admin user, for the
credentials tests. Each binds both its HTTP port and its RPC ``bind-address`` to free loopback
ports (the defaults are :8086 on all interfaces and 127.0.0.1:8088), keeps meta, data and WAL in
a temp directory, and is killed at the end of the session. ``stop()``/``start()`` keep the ports
and the data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.servers.process import LoopbackServer, find_binary, serve

BINARY = "/usr/bin/influxd"


class InfluxDBServer(LoopbackServer):
    """One ``influxd`` process on 127.0.0.1 and InfluxQL helpers to read what it holds."""

    name = "influxd"

    def __init__(self, *, auth: bool = False) -> None:
        self.binary = find_binary("influxd", BINARY, "influxdb")
        super().__init__(prefix="med-influx-", log_name="influxd.log")
        self.rpc_port = free_port()
        self.auth = auth
        self.admin = ("admin", os.urandom(6).hex()) if auth else None
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

    def command(self) -> list[str]:
        """``influxd run`` with the generated config."""
        return [self.binary, "run", "-config", str(self._config)]

    def ready(self) -> bool:
        """``/ping`` answers 204."""
        return httpx.get(f"{self.url}/ping", timeout=1).status_code == 204

    def start(self) -> None:
        """Start (again, same ports and data) and wait until /ping answers 204; with auth, create
        the admin user the first time."""
        if self.running:
            return
        super().start()
        if self.admin is not None and not self._admin_created:
            # With auth on and no user yet, InfluxDB accepts this one statement unauthenticated.
            user, password = self.admin
            self._query(f"CREATE USER {user} WITH PASSWORD '{password}' WITH ALL PRIVILEGES")
            self._admin_created = True

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


@pytest.fixture(scope="session")
def influxdb() -> Iterator[InfluxDBServer]:
    """InfluxDB 1.6, auth off."""
    yield from serve(InfluxDBServer())


@pytest.fixture(scope="session")
def influxdb_auth() -> Iterator[InfluxDBServer]:
    """InfluxDB 1.6 with auth on; ``server.admin`` is (user, password) of an admin."""
    yield from serve(InfluxDBServer(auth=True))
