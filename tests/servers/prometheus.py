"""Session fixture for the real Prometheus server (Debian's 2.42 ``/usr/bin/prometheus``).

It listens on a free loopback port with its TSDB under a temp dir and starts with no scrape job;
a test points it at a target with :meth:`PrometheusServer.scrape` (config rewritten, then
``SIGHUP``, which Prometheus answers by reloading it) and waits for a first successful scrape
with :meth:`PrometheusServer.wait_scraped` before querying. Prometheus 2.42 applies new scrape
targets on a fixed 5-second tick (no flag changes it), so a first scrape takes ~5 s: tests
should set their job once and query it for everything they check.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers.process import LoopbackServer, serve

BINARY = "/usr/bin/prometheus"


class PrometheusServer(LoopbackServer):
    """A throw-away Prometheus on 127.0.0.1; scrape jobs are set by the tests."""

    name = "prometheus"
    ready_timeout = 20.0
    poll_interval = 0.05
    not_yet = (httpx.TransportError,)
    stop_timeout = 10.0

    def __init__(self, interval: str = "1s") -> None:
        super().__init__(prefix="med-prometheus-", log_name="prometheus.log")
        self.interval = interval
        self.jobs: dict[str, dict[str, Any]] = {}

    def _write_config(self) -> Path:
        config = {
            "global": {"scrape_interval": self.interval, "scrape_timeout": self.interval},
            "scrape_configs": list(self.jobs.values()),
        }
        path = self.dir / "prometheus.yml"
        # JSON is valid YAML: no YAML writer needed.
        path.write_text(json.dumps(config, indent=1))
        return path

    def command(self) -> list[str]:
        """``prometheus`` with the current scrape jobs, its TSDB in the temp directory."""
        if not Path(BINARY).exists():
            raise RuntimeError(
                f"{BINARY} not found: run scripts/install-system-deps.sh "
                "(or apt-get install prometheus)"
            )
        config = self._write_config()
        return [
            BINARY,
            f"--config.file={config}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=1d",
            "--log.level=warn",
        ]

    def ready(self) -> bool:
        """``/-/ready`` answers 200."""
        return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200

    # -- helpers for tests -------------------------------------------------------------------

    def scrape(self, job: str, target: str, path: str = "/metrics") -> None:
        """Scrape ``target`` (``127.0.0.1:PORT``) at ``path`` under job ``job``, from now on."""
        pid = self.pid
        self.jobs[job] = {
            "job_name": job,
            "metrics_path": path,
            "static_configs": [{"targets": [target]}],
        }
        self._write_config()
        os.kill(pid, signal.SIGHUP)

    def targets(self, job: str) -> list[dict[str, Any]]:
        """Active targets of a job, as ``/api/v1/targets`` describes them."""
        answer = httpx.get(f"{self.url}/api/v1/targets", params={"state": "active"}, timeout=5)
        answer.raise_for_status()
        active = answer.json()["data"]["activeTargets"]
        return [t for t in active if t["labels"].get("job") == job]

    def wait_scraped(self, job: str, timeout: float = 15) -> dict[str, Any]:
        """Wait until a job's target was scraped successfully; returns the target."""
        deadline = time.monotonic() + timeout
        last: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            last = self.targets(job)
            if last and last[0]["health"] == "up":
                return last[0]
            time.sleep(0.1)
        raise AssertionError(f"job {job} not scraped successfully in {timeout} s: {last}")

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query at the server's now: the vector's items."""
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=5)
        answer.raise_for_status()
        body = answer.json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result


@pytest.fixture(scope="session")
def prometheus() -> Iterator[PrometheusServer]:
    """The session's real Prometheus server (no scrape job until a test adds one)."""
    yield from serve(PrometheusServer())
