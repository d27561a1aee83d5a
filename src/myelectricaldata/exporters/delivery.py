"""Acknowledged delivery: per destination and stream checkpoints on the store's change numbers.

A run sends the rows changed since the destination's checkpoint (new, backfilled or corrected;
never unchanged ones) in batches of whole writes, and moves the checkpoint only after the
destination accepted the batch. A failed batch is retried with exponential backoff and jitter;
if it still fails the run stops there and the next run starts again from the same checkpoint,
so nothing is skipped. Two runs of one destination never overlap (a lock in the store).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, LoadCurvePoint, Stream, UsagePoint
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ExporterConfig,
    ExportResult,
    ProductionData,
    SeriesData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.store.exports import (
    ChangeGroup,
    ExportBusy,
    ExportLog,
    ExportRepo,
    StreamRows,
)
from myelectricaldata.store.repo import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Attempts per batch within one run, and the backoff between them.
ATTEMPTS = 4
BACKOFF_BASE = 1.0
BACKOFF_MAX = 30.0
#: A connection test answers within this many seconds, whatever the destination does.
TEST_TIMEOUT = 10.0

SnapshotProvider = Callable[[], Awaitable[StateSnapshot]]
ProgressCallback = Callable[[int, int], None]


class ExportFailed(Exception):
    """A batch was refused after every attempt; the checkpoint stayed where it was."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Rows of one stream to send together, and the checkpoint they complete (if any)."""

    rows: StreamRows
    completes: int | None  # change number to advance to once accepted (None for a replay)

    @property
    def stream(self) -> Stream:
        """The stream the rows belong to."""
        return self.rows.stream


@dataclass(frozen=True, slots=True)
class Span:
    """Writes ``after < change_no <= upto`` of one stream, ``rows`` rows in all."""

    after: int
    upto: int
    rows: int


def plan_batches(groups: Sequence[ChangeGroup], size: int) -> list[Span]:
    """Split the writes of a stream into spans of whole writes.

    A span holds at most ``size`` rows unless a single write is bigger; a checkpoint is then
    always the end of a complete write.
    """
    spans: list[Span] = []
    if not groups:
        return spans
    start = prev = groups[0].change_no - 1
    count = 0
    for group in groups:
        if count and count + group.rows > size:
            spans.append(Span(start, prev, count))
            start, count = prev, 0
        count += group.rows
        prev = group.change_no
    spans.append(Span(start, prev, count))
    return spans


def _day_point(day: date, value: float, quality: str, at: datetime | None = None) -> EnergyPoint:
    end = local_midnight(day + timedelta(days=1))
    return EnergyPoint(local_midnight(day), end, value, quality, at=at)


def _curve_point(p: LoadCurvePoint) -> EnergyPoint:
    # Add real minutes to the instant, not to the wall clock (DST days).
    start = p.start.astimezone(PARIS)
    end = (p.start + timedelta(minutes=p.interval_min)).astimezone(PARIS)
    return EnergyPoint(start, end, p.avg_w * p.interval_min / 60, p.quality, avg_w=p.avg_w)


def batch_objects(
    rows: StreamRows, points: Mapping[str, UsagePoint]
) -> list[SeriesData | TempoData | EcowattData]:
    """The data objects of a batch: one per PDL for the meter's streams, one for Tempo or
    EcoWatt."""
    stream = rows.stream
    if stream is Stream.TEMPO:
        return [TempoData(rows.tempo)]
    if stream is Stream.ECOWATT:
        return [EcowattData(rows.ecowatt)]
    series: dict[str, list[EnergyPoint]] = {}
    for pdl, daily in rows.daily.items():
        series[pdl] = [_day_point(r.day, r.value_wh, r.quality) for r in daily]
    for pdl, curve in rows.curve.items():
        series[pdl] = [_curve_point(p) for p in curve]
    for pdl, peaks in rows.max_power.items():
        series[pdl] = [
            _day_point(r.day, r.value_va, r.quality, r.at.astimezone(PARIS)) for r in peaks
        ]
    kind = ProductionData if stream.direction is Direction.PRODUCTION else ConsumptionData
    return [kind(pdl, stream, series[pdl], points.get(pdl)) for pdl in sorted(series)]


async def _send(exporter: BaseExporter, item: SeriesData | TempoData | EcowattData) -> ExportResult:
    if isinstance(item, ProductionData):
        return await exporter.export_production(item)
    if isinstance(item, ConsumptionData):
        return await exporter.export_consumption(item)
    if isinstance(item, TempoData):
        return await exporter.export_tempo(item)
    assert isinstance(item, EcowattData)
    return await exporter.export_ecowatt(item)


def backoff(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX) -> float:
    """Full-jitter exponential backoff before attempt ``attempt + 1``."""
    return random.uniform(0, min(cap, base * 2**attempt))


class ExportService:
    """Runs exports: one destination at a time each, checkpoints advanced on success only."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        configs: ConfigStore,
        snapshot: SnapshotProvider | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff_base: float = BACKOFF_BASE,
    ) -> None:
        self.store = store
        self.repo = ExportRepo(store)
        self.registry = registry
        self.configs = configs
        self.snapshot = snapshot
        self._sleep = sleep
        self._backoff_base = backoff_base
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: dict[str, asyncio.Task[ExportLog]] = {}
        self._snapshot_cache: tuple[float, StateSnapshot] | None = None

    async def _db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(func, *args, **kwargs)

    def exporter(self, name: str, config: ExporterConfig | None = None) -> BaseExporter:
        """An exporter of a type with its config in force (or the one given)."""
        cls = self.registry.get(name)
        exporter = cls(config or self.configs.load(name))
        exporter.store = self.store
        return exporter

    def enabled(self) -> list[str]:
        """Types whose config in force is enabled."""
        names = []
        for name in self.registry.types:
            try:
                if self.configs.load(name).enabled:
                    names.append(name)
            except Exception as exc:  # a bad saved config must not stop the others
                log.error("exporter %s has an unusable config: %s", name, exc)
        return names

    async def test(self, name: str, config: ExporterConfig | None = None) -> ConnectionTestResult:
        """Test a destination, answering within :data:`TEST_TIMEOUT` seconds."""
        exporter = self.exporter(name, config)
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(exporter.test_connection(), TEST_TIMEOUT)
        except TimeoutError:
            return ConnectionTestResult(
                False,
                f"{name}: no answer within {TEST_TIMEOUT:.0f} s",
                error="timeout: check the address and that the destination is running",
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        except Exception as exc:
            error = redact(str(exc) or type(exc).__name__, exporter.config)
            return ConnectionTestResult(False, f"{name}: test failed", error=error)
        finally:
            await exporter.aclose()

    def start_background(
        self, name: str, *, trigger: str = "api", since: date | None = None
    ) -> asyncio.Task[ExportLog]:
        """Start a run as a task; raises :class:`ExportBusy` when one of this type runs."""
        task = self._running.get(name)
        if task is not None and not task.done():
            raise ExportBusy(f"an export to {name} is already running")
        task = asyncio.create_task(self.run(name, trigger=trigger, since=since))
        self._running[name] = task
        return task

    async def run_enabled(self, trigger: str) -> list[ExportLog]:
        """Run every enabled destination (after a sync); one failing never stops the others."""
        results: list[ExportLog] = []
        for name in await self._db(self.enabled):
            try:
                results.append(await self.run(name, trigger=trigger))
            except ExportBusy:
                log.info("export %s skipped: already running", name)
            except Exception:
                log.exception("export %s failed unexpectedly", name)
        return results

    async def state_snapshot(self) -> StateSnapshot | None:
        """The catalogue's values, computed at most once per few seconds for all exporters."""
        if self.snapshot is None:
            return None
        cached = self._snapshot_cache
        if cached is not None and time.monotonic() - cached[0] < 5:
            return cached[1]
        snapshot = await self.snapshot()
        self._snapshot_cache = (time.monotonic(), snapshot)
        return snapshot

    async def run(
        self,
        name: str,
        *,
        trigger: str = "manual",
        since: date | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ExportLog:
        """One run of one destination; ``since`` re-sends everything from that day on."""
        exporter = self.exporter(name)
        await self._db(self.repo.acquire, name, self._holder)
        log_id = await self._db(self.repo.start_log, name, trigger)
        sent = 0
        try:
            batches = await self._plan(name, exporter, since)
            total = sum(len(b.rows) for b in batches)
            await self._db(self.repo.update_log, log_id, records_total=total)
            points = {p.point.pdl: p.point for p in await self._db(self.store.usage_points)}
            attempts = 0
            for batch in batches:
                attempts += await self._deliver(exporter, batch, points)
                if batch.completes is not None:
                    await self._db(self.repo.advance, name, batch.stream, batch.completes)
                sent += len(batch.rows)
                await self._db(self.repo.update_log, log_id, records=sent, attempts=attempts)
                await self._db(self.repo.heartbeat, name, self._holder)
                if on_progress is not None:
                    on_progress(sent, total)
            if exporter.supports_state:
                snapshot = await self.state_snapshot()
                if snapshot is not None:
                    await self._deliver_state(exporter, snapshot)
            await self._db(self.repo.finish_log, log_id, "success", records=sent)
        except Exception as exc:
            message = redact(str(exc) or type(exc).__name__, exporter.config)
            log.warning("export %s stopped: %s", name, message)
            await self._db(self.repo.finish_log, log_id, "failed", error=message, records=sent)
        finally:
            await self._db(self.repo.release, name, self._holder)
            await exporter.aclose()
        return (await self._db(self.repo.logs, name, 1))[0]

    async def _plan(self, name: str, exporter: BaseExporter, since: date | None) -> list[Batch]:
        if not exporter.supports_history:
            return []
        batches: list[Batch] = []
        size = exporter.batch_size
        if since is not None:
            for stream in Stream:
                parts = await self._db(lambda s=stream: list(self.repo.rows_from(s, since, size)))
                batches += [Batch(rows, None) for rows in parts]
            return batches
        checkpoints = await self._db(self.repo.checkpoints, name)
        for stream in Stream:
            groups = await self._db(self.repo.change_groups, stream, checkpoints[stream])
            for span in plan_batches(groups, size):
                rows = await self._db(self.repo.changed_rows, stream, span.after, span.upto)
                batches.append(Batch(rows, span.upto))
        return batches

    async def _deliver(
        self, exporter: BaseExporter, batch: Batch, points: dict[str, UsagePoint]
    ) -> int:
        """Send a batch until the destination accepts all of it; returns the attempts made."""
        items = batch_objects(batch.rows, points)
        attempt = 0
        pending = list(items)
        while True:
            attempt += 1
            failures: list[str] = []
            still: list[SeriesData | TempoData | EcowattData] = []
            for item in pending:
                try:
                    result = await _send(exporter, item)
                except Exception as exc:
                    result = ExportResult(False, 0, str(exc) or type(exc).__name__)
                if not result.success:
                    failures.append(result.error or "refused")
                    still.append(item)
                    if not result.retryable:
                        raise ExportFailed(
                            f"{batch.stream.value}: {result.error or 'refused'} (not retried: "
                            "the destination refused it for good; fix the cause, the next run "
                            "resumes from here)"
                        )
            if not still:
                return attempt
            if attempt >= ATTEMPTS:
                raise ExportFailed(
                    f"{batch.stream.value}: {failures[0]} (after {attempt} attempts; "
                    "the next run resumes from here)"
                )
            pending = still
            await self._sleep(backoff(attempt - 1, self._backoff_base))

    async def _deliver_state(self, exporter: BaseExporter, snapshot: StateSnapshot) -> None:
        for attempt in range(ATTEMPTS):
            try:
                result = await exporter.export_state(snapshot)
            except Exception as exc:
                result = ExportResult(False, 0, str(exc) or type(exc).__name__)
            if result.success:
                return
            if attempt + 1 == ATTEMPTS:
                raise ExportFailed(f"state: {result.error} (after {ATTEMPTS} attempts)")
            await self._sleep(backoff(attempt, self._backoff_base))


def redact(message: str, config: ExporterConfig) -> str:
    """A message with every secret of the config replaced, whatever the exporter wrote in it."""
    for field in config.secret_fields():
        value = getattr(config, field, None)
        if isinstance(value, str) and len(value) >= 3:
            message = message.replace(value, "***")
    return message
