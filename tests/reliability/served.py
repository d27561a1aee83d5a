"""The service as a real process (``python -m myelectricaldata serve``) on a loopback port,
over a data directory the test prepares, and a load run against it."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import free_port

_SERVICE_ENV = ("MED_", "DATABASE_URL", "SYNC_", "SCHEDULER_", "DEBUG", "WEBHOOK_", "MQTT_")


class Served:
    """One service process; its data directory is ``self.data`` (fill it before :meth:`start`)."""

    def __init__(self, env: Mapping[str, str] | None = None, host: str = "127.0.0.1") -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="med-reliability-"))
        self.data = self.dir / "data"
        self.data.mkdir()
        self.db = self.data / "myelectricaldata.db"
        self.port = free_port()
        self.host = host
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.dir / "service.log"
        self._env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """The test run's environment without service settings, plus this service's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SERVICE_ENV)}
        return (
            env
            | {
                "MED_DATA_DIR": str(self.data),
                "MED_DEMO": "true",
                "SCHEDULER_ENABLED": "false",
                "MED_INITIAL_SYNC": "false",
                "PYTHONUNBUFFERED": "1",
            }
            | self._env
        )

    def start(self, timeout: float = 60.0) -> Served:
        """Start and wait for ``/api/health`` to answer (any status: it may be degraded)."""
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "myelectricaldata", "serve", "--host", self.host,
                 "--port", str(self.port)],
                cwd=self.dir, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited:\n{self.log()}")
            try:
                httpx.get(f"{self.url}/api/health", timeout=2)
                return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start:\n{self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        """What the service printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop it (SIGINT, a graceful shutdown) and delete its directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class LoadResult:
    """Latencies (seconds) and statuses of a load run, per path."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests sent."""
        return sum(len(v) for v in self.latencies.values())

    def percentile(self, path: str, q: float) -> float:
        """The ``q`` quantile (0-1) of a path's latencies, in seconds."""
        values = sorted(self.latencies[path])
        if len(values) == 1:
            return values[0]
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        return cuts[min(max(round(q * 100) - 1, 0), 98)]


async def _load(
    base: str, paths: Sequence[str], rounds: int, concurrency: int, headers: dict[str, str]
) -> LoadResult:
    result = LoadResult({p: [] for p in paths})
    queue: asyncio.Queue[str] = asyncio.Queue()
    for _ in range(rounds):
        for path in paths:
            queue.put_nowait(path)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, timeout=60, limits=limits, headers=headers
    ) as client:

        async def work() -> None:
            while not queue.empty():
                path = queue.get_nowait()
                started = time.perf_counter()
                try:
                    answer = await client.get(path)
                    await answer.aread()
                    result.statuses[answer.status_code] += 1
                    if answer.status_code >= 500:
                        result.failures.append(f"{path}: {answer.status_code} {answer.text[:200]}")
                except httpx.HTTPError as exc:
                    result.failures.append(f"{path}: {type(exc).__name__} {exc}")
                    result.statuses[0] += 1
                result.latencies[path].append(time.perf_counter() - started)

        await asyncio.gather(*(work() for _ in range(concurrency)))
    return result


def load_run(
    base: str,
    paths: Sequence[str],
    *,
    rounds: int,
    concurrency: int = 8,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """``rounds`` GETs of each path with ``concurrency`` at once: a bounded count of requests."""
    return asyncio.run(_load(base, paths, rounds, concurrency, headers or {}))
