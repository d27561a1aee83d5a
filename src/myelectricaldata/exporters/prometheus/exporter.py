"""Prometheus: a ``/metrics`` page on the service with the catalogue's current values as gauges.

Prometheus pulls and takes no history (PROTOCOLS.md §3): this exporter is state-only. A run
checks the snapshot renders and keeps it in the service's shared state for this type; the route
this type adds (:meth:`PrometheusExporter.routes`) serves it, computing fresh values once it is
older than ``max_age``. The format is in :mod:`.exposition`.
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ExportResult,
    StateSnapshot,
)
from myelectricaldata.exporters.context import ExporterHost
from myelectricaldata.exporters.prometheus.config import PrometheusConfig
from myelectricaldata.exporters.prometheus.exposition import CONTENT_TYPE, metrics_text

#: How many export runs (newest first) the health metrics are computed from.
LOG_WINDOW = 10_000


class SnapshotCache:
    """The last snapshot an export run (or a scrape) computed, and when.

    One per export service (its shared state for this type): the exporter instance only lives
    for one run, the route lives as long as the app, and both must see the same values.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[float, StateSnapshot] | None = None

    def put(self, snapshot: StateSnapshot) -> None:
        """Remember a snapshot as of now."""
        with self._lock:
            self._entry = (time.monotonic(), snapshot)

    def get(self, max_age: float) -> StateSnapshot | None:
        """The cached snapshot if it is at most ``max_age`` seconds old, else ``None``."""
        with self._lock:
            entry = self._entry
        if entry is None or time.monotonic() - entry[0] > max_age:
            return None
        return entry[1]

    def last(self) -> StateSnapshot | None:
        """The cached snapshot whatever its age (used when a fresh one cannot be computed)."""
        with self._lock:
            return None if self._entry is None else self._entry[1]

    def clear(self) -> None:
        """Forget the cached snapshot."""
        with self._lock:
            self._entry = None


class PrometheusExporter(BaseExporter[PrometheusConfig]):
    """State-only destination: a run refreshes the values that ``GET /metrics`` serves."""

    name: ClassVar[str] = "prometheus"
    title: ClassVar[str] = "Prometheus"
    config_model: ClassVar[type[PrometheusConfig]] = PrometheusConfig
    supports_history: ClassVar[bool] = False
    supports_state: ClassVar[bool] = True

    @property
    def cache(self) -> SnapshotCache:
        """The snapshot the ``/metrics`` route serves (the service's, shared with the route)."""
        return self.context.shared.get(SnapshotCache)

    async def test_connection(self) -> ConnectionTestResult:
        """Render the page from the last snapshot; Prometheus itself connects to us."""
        started = time.perf_counter()
        try:
            text = metrics_text(self.cache.last(), [])
        except Exception as exc:  # a catalogue value the renderer cannot write
            return ConnectionTestResult(
                False,
                "prometheus: the /metrics page does not render",
                error=f"{type(exc).__name__}: {exc}",
            )
        samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        return ConnectionTestResult(
            True,
            f"prometheus: /metrics renders {samples} samples; add a scrape job for "
            "http://<this host>:<port>/metrics to prometheus.yml",
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Check the snapshot renders, then make it the one ``/metrics`` serves."""
        try:
            text = metrics_text(snapshot, [])
        except Exception as exc:
            return ExportResult(
                False, 0, f"prometheus: cannot render the catalogue values: {exc}", False
            )
        self.cache.put(snapshot)
        samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        return ExportResult(True, samples)

    @classmethod
    def routes(cls, host: ExporterHost) -> APIRouter:
        """``GET /metrics``: the catalogue's values and the exports' health."""
        return metrics_router(host, cls.name)


def metrics_router(host: ExporterHost, name: str) -> APIRouter:
    """The ``/metrics`` route of the service's exporter of type ``name``."""
    router = APIRouter(tags=["metrics"])
    cache = host.shared(name).get(SnapshotCache)

    async def snapshot(max_age: float) -> StateSnapshot | None:
        cached = cache.get(max_age)
        if cached is not None:
            return cached
        try:
            fresh = await host.state_snapshot()
        except Exception:
            # A failing catalogue must not blank the page: serve the last values (stale values
            # are visible through myelectricaldata_state_computed_timestamp_seconds).
            return cache.last()
        if fresh is None:
            return cache.last()
        cache.put(fresh)
        return fresh

    @router.get(
        "/metrics",
        response_class=PlainTextResponse,
        summary="Prometheus metrics (text exposition 0.0.4)",
        responses={404: {"description": "The prometheus exporter is not enabled."}},
    )
    async def metrics() -> Response:
        """Current catalogue values and export health, for a Prometheus scrape job.

        Answers 404 while the ``prometheus`` exporter is disabled, so a scrape job pointed at a
        service that does not publish shows the target as down instead of an empty success.
        """
        config = await host.config_of(name)
        if not config.enabled:
            return PlainTextResponse(
                "# the prometheus exporter is disabled: set PROMETHEUS_ENABLED=true or enable it "
                "in the exporters settings\n",
                status_code=404,
            )
        max_age = float(getattr(config, "max_age", 300))
        shown = await snapshot(max_age)
        logs = await host.recent_logs(LOG_WINDOW)
        return Response(metrics_text(shown, logs), media_type=CONTENT_TYPE)

    return router
