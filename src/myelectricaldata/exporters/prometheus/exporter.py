"""Prometheus: a ``/metrics`` page on the service with the catalogue's current values as gauges.

Prometheus pulls; it does not take history (a scraped sample stamped in the past is dropped or
hidden, see PROTOCOLS.md §3), so this exporter is state-only: it publishes the measures
catalogue's *current* values without timestamps, plus the exporters' own health from the export
logs. History belongs in VictoriaMetrics or InfluxDB. The page is rendered by hand in the text
exposition format 0.0.4 (no client library: the format is a few lines and this keeps the
registry-free, per-request rendering simple).

Mapping of a :class:`MeasureValue` (``key``, ``scope``, ``value``) to samples:

- a number (or a bool, as 1/0) -> ``myelectricaldata_<key>{pdl="..."} value`` (``scope="tempo"``
  or ``scope="ecowatt"`` instead of ``pdl`` for the grid signals);
- an enum (a text value with ``options``) -> one sample per option,
  ``myelectricaldata_<key>{...,state="BLUE"} 1`` for the current option and 0 for the others
  (all 0 while the value is unknown); a Tempo colour also gets ``myelectricaldata_<key>_code``
  (1 blue, 2 white, 3 red, 0 unknown);
- a timestamp (device class ``timestamp``) -> its Unix time in seconds;
- any other text -> ``myelectricaldata_<key>_info{...,value="..."} 1``;
- any other unknown value (``None``) -> no sample, which is how Prometheus says "absent".
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import Field

from myelectricaldata.exporters.base import (
    TEMPO_CODE,
    BaseExporter,
    ConnectionTestResult,
    ExporterConfig,
    ExportResult,
    MeasureValue,
    StateSnapshot,
)
from myelectricaldata.store.exports import ExportLog

#: Content type of the text exposition format 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Prefix of every metric name this service exposes.
PREFIX = "myelectricaldata"
#: How many export runs (newest first) the health metrics are computed from.
LOG_WINDOW = 10_000

_PDL = re.compile(r"^\d{14}$")
_INVALID_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_]")
_TEMPO_CODES = {color.value: code for color, code in TEMPO_CODE.items()}


class PrometheusConfig(ExporterConfig):
    """Settings of the ``/metrics`` page (env: ``PROMETHEUS_ENABLED``, ``PROMETHEUS_MAX_AGE``)."""

    env_prefix: ClassVar[str] = "PROMETHEUS"

    max_age: int = Field(
        300,
        ge=0,
        le=86_400,
        description=(
            "Seconds /metrics may serve the values of the last run before it computes fresh "
            "ones from the catalogue (0: compute on every scrape)."
        ),
    )


# -- rendering ---------------------------------------------------------------------------------


def metric_name(key: str) -> str:
    """The metric name of a catalogue key: ``myelectricaldata_<key>``, made a valid name."""
    cleaned = _INVALID_NAME_CHARS.sub("_", key.strip()).lower()
    return f"{PREFIX}_{cleaned}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class _Family:
    """One metric family: its HELP, TYPE and samples, written as one contiguous block."""

    name: str
    help: str
    kind: str = "gauge"
    samples: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)

    def add(self, labels: Iterable[tuple[str, str]], value: float) -> None:
        # A repeated label set would make Prometheus reject the whole scrape: keep the first.
        self.samples.setdefault(tuple(labels), value)

    def render(self, out: list[str]) -> None:
        if not self.samples:
            return
        out.append(f"# HELP {self.name} {_escape_help(self.help)}")
        out.append(f"# TYPE {self.name} {self.kind}")
        for labels, value in self.samples.items():
            if labels:
                inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels)
                out.append(f"{self.name}{{{inner}}} {_number(value)}")
            else:
                out.append(f"{self.name} {_number(value)}")


class _Families:
    """Families in order of first appearance."""

    def __init__(self) -> None:
        self.by_name: dict[str, _Family] = {}

    def get(self, name: str, help_text: str, kind: str = "gauge") -> _Family:
        family = self.by_name.get(name)
        if family is None:
            family = self.by_name[name] = _Family(name, help_text, kind)
        return family

    def render(self) -> str:
        out: list[str] = []
        for family in self.by_name.values():
            family.render(out)
        return "\n".join(out) + "\n" if out else ""


def _scope_label(scope: str) -> tuple[str, str]:
    return ("pdl", scope) if _PDL.match(scope) else ("scope", scope)


def _help(value: MeasureValue, suffix: str = "") -> str:
    label = value.label_en or value.key
    unit = f" ({value.unit})" if value.unit else ""
    return f"{label}{unit}{suffix}"


def _timestamp(text: str) -> float | None:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None  # a naive time has no single instant: show it as text instead
    return instant.timestamp()


def _add_measure(families: _Families, value: MeasureValue) -> None:
    raw = value.value
    if raw is None and not value.options:
        return  # unknown: absent, not zero
    name = metric_name(value.key)
    scope = _scope_label(value.scope)
    if value.options and (raw is None or isinstance(raw, str)):
        # An enum: every state, 1 for the current one (all 0 while it is unknown), so the series
        # do not vanish before a publication (Tempo tomorrow before 11:00).
        family = families.get(name, _help(value, "; 1 for the current state"))
        for option in value.options:
            family.add([scope, ("state", option)], 1.0 if option == raw else 0.0)
        upper = {o.upper() for o in value.options}
        if upper <= {*_TEMPO_CODES, "UNKNOWN"} and upper & set(_TEMPO_CODES):
            code = float(_TEMPO_CODES.get(str(raw).upper(), 0))
            help_text = _help(value, "; 1 blue, 2 white, 3 red, 0 unknown")
            families.get(f"{name}_code", help_text).add([scope], code)
    elif isinstance(raw, bool):
        families.get(name, _help(value)).add([scope], 1.0 if raw else 0.0)
    elif isinstance(raw, int | float):
        families.get(name, _help(value)).add([scope], float(raw))
    elif not isinstance(raw, str):
        return  # not a value a gauge can carry
    elif value.device_class == "timestamp" and (seconds := _timestamp(raw)) is not None:
        families.get(name, _help(value, " as Unix time in seconds")).add([scope], seconds)
    else:
        families.get(f"{name}_info", _help(value, "; the text is the value label")).add(
            [scope, ("value", raw)], 1.0
        )


def _epoch(instant: datetime) -> float:
    # SQLite hands timestamps back naive; the store writes them in UTC.
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.timestamp()


def _add_health(families: _Families, logs: Sequence[ExportLog]) -> None:
    last_success = families.get(
        f"{PREFIX}_export_last_success_timestamp_seconds",
        "Unix time at which the last successful export run of a destination finished",
    )
    last_ok = families.get(
        f"{PREFIX}_export_last_run_success",
        "1 when the last finished export run of a destination succeeded, else 0",
    )
    runs = families.get(
        f"{PREFIX}_export_runs_total", "Export runs by destination and final status", "counter"
    )
    failures = families.get(
        f"{PREFIX}_export_failures_total", "Export runs that failed, by destination", "counter"
    )
    records = families.get(
        f"{PREFIX}_export_records_total",
        "Records delivered by export runs, by destination",
        "counter",
    )
    totals: dict[str, dict[str, float]] = {}
    seen_last: set[str] = set()
    # Newest first: the first finished run of a destination is its last one.
    for entry in sorted(logs, key=lambda e: e.id, reverse=True):
        dest = entry.destination
        counts = totals.setdefault(dest, {"failed": 0.0, "records": 0.0})
        counts["records"] += entry.records
        if entry.status == "failed":
            counts["failed"] += 1
        if entry.status != "running":
            key = (("destination", dest), ("status", entry.status))
            runs.samples[key] = runs.samples.get(key, 0.0) + 1
        if entry.finished_at is None or entry.status == "running":
            continue
        if dest not in seen_last:
            seen_last.add(dest)
            last_ok.add([("destination", dest)], 1.0 if entry.status == "success" else 0.0)
        if entry.status == "success":
            last_success.add([("destination", dest)], _epoch(entry.finished_at))
    for dest, counts in totals.items():
        failures.add([("destination", dest)], counts["failed"])
        records.add([("destination", dest)], counts["records"])


def metrics_text(snapshot: StateSnapshot | None, logs: Sequence[ExportLog]) -> str:
    """The ``/metrics`` page: catalogue values as gauges, then the exporters' health.

    Pure: no I/O, no clock. ``snapshot`` ``None`` (not computed yet) gives health metrics only.
    """
    families = _Families()
    if snapshot is not None:
        for value in snapshot.values:
            _add_measure(families, value)
        families.get(
            f"{PREFIX}_state_computed_timestamp_seconds",
            "Unix time at which the catalogue values above were computed",
        ).add([], _epoch(snapshot.computed_at))
    _add_health(families, logs)
    return families.render()


# -- the cache a run refreshes -----------------------------------------------------------------


class SnapshotCache:
    """The last snapshot an export run (or a scrape) computed, and when.

    One per process (:data:`CACHE`): the exporter instance only lives for one run, the route
    lives as long as the app, and both must see the same values.
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


CACHE = SnapshotCache()


# -- the exporter --------------------------------------------------------------------------------


class PrometheusExporter(BaseExporter):
    """State-only destination: a run refreshes the values that ``GET /metrics`` serves."""

    name = "prometheus"
    title = "Prometheus"
    config_model = PrometheusConfig
    supports_history = False
    supports_state = True

    async def test_connection(self) -> ConnectionTestResult:
        """Render the page from the last snapshot; Prometheus itself connects to us."""
        started = time.perf_counter()
        try:
            text = metrics_text(CACHE.last(), [])
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
            return ExportResult(False, 0, f"prometheus: cannot render the catalogue values: {exc}")
        CACHE.put(snapshot)
        samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        return ExportResult(True, samples)


# -- the route -----------------------------------------------------------------------------------

router = APIRouter(tags=["metrics"])


async def _snapshot(exports: Any, max_age: float) -> StateSnapshot | None:
    cached = CACHE.get(max_age)
    if cached is not None:
        return cached
    try:
        fresh: StateSnapshot | None = await exports.state_snapshot()
    except Exception:
        # A failing catalogue must not blank the page: serve the last values (stale values are
        # visible through myelectricaldata_state_computed_timestamp_seconds).
        return CACHE.last()
    if fresh is None:
        return CACHE.last()
    CACHE.put(fresh)
    return fresh


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus metrics (text exposition 0.0.4)",
    responses={404: {"description": "The prometheus exporter is not enabled."}},
)
async def metrics(request: Request) -> Response:
    """Current catalogue values and export health, for a Prometheus scrape job.

    Answers 404 while the ``prometheus`` exporter is disabled, so a scrape job pointed at a
    service that does not publish shows the target as down instead of an empty success.
    """
    exports = getattr(request.app.state.runtime, "exports", None)
    if exports is None:
        return PlainTextResponse("# exporters are not running in this service\n", status_code=404)
    config = await asyncio.to_thread(exports.configs.load, PrometheusExporter.name)
    if not config.enabled:
        return PlainTextResponse(
            "# the prometheus exporter is disabled: set PROMETHEUS_ENABLED=true or enable it "
            "in the exporters settings\n",
            status_code=404,
        )
    max_age = float(getattr(config, "max_age", 300))
    snapshot = await _snapshot(exports, max_age)
    logs = await asyncio.to_thread(exports.repo.logs, None, LOG_WINDOW)
    return Response(metrics_text(snapshot, logs), media_type=CONTENT_TYPE)
