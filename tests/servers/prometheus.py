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

BINARY = "/usr/bin/prometheus"


class PrometheusServer:
    """A throw-away Prometheus on 127.0.0.1; scrape jobs are set by the tests."""

    def __init__(self, interval: str = "1s") -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="med-prometheus-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.interval = interval
        self.jobs: dict[str, dict[str, Any]] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._log = self.dir / "prometheus.log"

    def _write_config(self) -> Path:
        config = {
            "global": {"scrape_interval": self.interval, "scrape_timeout": self.interval},
            "scrape_configs": list(self.jobs.values()),
        }
        path = self.dir / "prometheus.yml"
        # JSON is valid YAML: no YAML writer needed.
        path.write_text(json.dumps(config, indent=1))
        return path

    def start(self) -> None:
        """Start and wait for ``/-/ready``."""
        if not Path(BINARY).exists():
            raise RuntimeError(
                f"{BINARY} not found: run scripts/install-system-deps.sh "
                "(or apt-get install prometheus)"
            )
        config = self._write_config()
        self._process = subprocess.Popen(
            [
                BINARY,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=1d",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log.open("wb"),
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self._log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("prometheus did not become ready in 20 s")

    def stop(self) -> None:
        """Stop the process (by its PID) and delete its data."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers for tests -------------------------------------------------------------------

    def scrape(self, job: str, target: str, path: str = "/metrics") -> None:
        """Scrape ``target`` (``127.0.0.1:PORT``) at ``path`` under job ``job``, from now on."""
        assert self._process is not None
        self.jobs[job] = {
            "job_name": job,
            "metrics_path": path,
            "static_configs": [{"targets": [target]}],
        }
        self._write_config()
        os.kill(self._process.pid, signal.SIGHUP)

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
    server = PrometheusServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
