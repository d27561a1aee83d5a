"""Session fixtures for real VictoriaMetrics servers (Debian's ``victoria-metrics``, 1.79).

``victoriametrics``: long retention, ``-dedup.minScrapeInterval=1ms`` and
``-search.latencyOffset=0s`` as the integration guide recommends. ``victoriametrics_default``: the
defaults (1-month retention, no dedup) plus HTTP Basic auth, for the dropped-rows and
wrong-credentials tests. Both listen on a free loopback port with data in a temp directory, and
are killed at the end of the session. ``stop()``/``start()`` keep the port and the data.

The read-back helpers add an always-true matcher with a fresh value to every selector:
VictoriaMetrics caches which series a selector matches (per selector and day range) and, after
``/internal/force_flush``, may keep serving that answer for up to 10 s, without the series created
since (see the exporter's module docstring). A selector it never saw is answered from its index.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from tests.servers.process import LoopbackServer, find_binary, serve

BINARY = "/usr/bin/victoria-metrics"
RECOMMENDED_FLAGS = (
    "-retentionPeriod=100y",
    "-dedup.minScrapeInterval=1ms",
    "-search.latencyOffset=0s",
)


class VictoriaMetricsServer(LoopbackServer):
    """One ``victoria-metrics`` process on 127.0.0.1 and helpers to read what it holds.

    ``stop()`` sends SIGTERM: VictoriaMetrics flushes what it acknowledged before it exits.
    """

    name = "victoria-metrics"

    def __init__(
        self,
        flags: Sequence[str] = RECOMMENDED_FLAGS,
        *,
        username: str = "",
        password: str = "",
    ) -> None:
        self.binary = find_binary("victoria-metrics", BINARY, "victoria-metrics")
        super().__init__(prefix="med-vm-", log_name="victoria-metrics.log")
        self.flags = list(flags)
        self.username = username
        self.password = password
        if username:
            self.flags += [f"-httpAuth.username={username}", f"-httpAuth.password={password}"]

    def command(self) -> list[str]:
        """``victoria-metrics`` on this port and data directory, with :attr:`flags`."""
        return [
            self.binary,
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.dir / 'data'}",
            "-loggerLevel=WARN",
            *self.flags,
        ]

    def ready(self) -> bool:
        """``/health`` answers OK."""
        return httpx.get(f"{self.url}/health", timeout=1).text.strip() == "OK"

    # -- read-back helpers ---------------------------------------------------------------------

    def _auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.username else None

    def flush(self) -> None:
        """Make every acknowledged sample searchable."""
        httpx.get(f"{self.url}/internal/force_flush", auth=self._auth(), timeout=10)

    def export(self, match: str, start: float = 0, end: float = 4102444800) -> list[dict[str, Any]]:
        """Raw series (``{"metric", "values", "timestamps"}``) matching a selector (flushed)."""
        self.flush()
        response = httpx.get(
            f"{self.url}/api/v1/export",
            params={"match[]": fresh(match), "start": str(start), "end": str(end)},
            auth=self._auth(),
            timeout=30,
        )
        response.raise_for_status()
        return [json.loads(line) for line in response.text.splitlines() if line.strip()]

    def series(
        self, match: str, **kwargs: float
    ) -> dict[tuple[tuple[str, str], ...], dict[int, float]]:
        """``{sorted labels: {ts_ms: value}}`` of the series matching a selector."""
        result: dict[tuple[tuple[str, str], ...], dict[int, float]] = {}
        for item in self.export(match, **kwargs):
            labels = tuple(sorted(item["metric"].items()))
            target = result.setdefault(labels, {})
            for ts, value in zip(item["timestamps"], item["values"], strict=True):
                assert ts not in target, f"duplicate sample at {ts} in {labels}"
                target[ts] = float(value)
        return result

    def sample_count(self, match: str) -> int:
        """Samples of the series matching a selector: duplicates included on a server without
        ``-dedup.minScrapeInterval``; with it VictoriaMetrics answers one per timestamp even
        before its background merge."""
        return sum(len(item["timestamps"]) for item in self.export(match))

    def delete(self, match: str) -> None:
        """Delete the series matching a selector."""
        httpx.post(
            f"{self.url}/api/v1/admin/tsdb/delete_series",
            params={"match[]": fresh(match)},
            auth=self._auth(),
            timeout=10,
        ).raise_for_status()


def fresh(match: str) -> str:
    """``{...}`` plus an always-true matcher no lookup used before (not served from the cache)."""
    assert match.startswith("{") and match.endswith("}"), match
    return match[:-1] + ("," if match != "{}" else "") + f'test_lookup!="{uuid.uuid4().hex}"}}'


@pytest.fixture(scope="session")
def victoriametrics() -> Iterator[VictoriaMetricsServer]:
    """VictoriaMetrics with the recommended flags (100y retention, dedup 1 ms)."""
    yield from serve(VictoriaMetricsServer())


@pytest.fixture(scope="session")
def victoriametrics_default() -> Iterator[VictoriaMetricsServer]:
    """VictoriaMetrics with its default 1-month retention and HTTP Basic auth (med / ...)."""
    password = os.urandom(6).hex()
    yield from serve(
        VictoriaMetricsServer(("-search.latencyOffset=0s",), username="med", password=password)
    )
