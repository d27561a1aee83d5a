"""Shared helpers for benchmarks: synthetic load curves, timing, an in-memory source."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from myelectricaldata.domain.timeutil import PARIS, local_day_of, local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    Stream,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConsumptionData,
    EnergyPoint,
)
from myelectricaldata.sources.base import Quota

PDL = "09999000000042"


def load_curve(days: int, end: date) -> list[LoadCurvePoint]:
    """``days`` local days of 30-minute points ending the day before ``end``."""
    start = local_midnight(end - timedelta(days=days)).astimezone(UTC)
    stop = local_midnight(end).astimezone(UTC)
    count = int((stop - start).total_seconds() // 1800)
    return [
        LoadCurvePoint(start + timedelta(minutes=30 * i), 300 + (i * 37) % 4000)
        for i in range(count)
    ]


def load_curve_points(days: int) -> list[EnergyPoint]:
    """:func:`load_curve` ending :func:`today` as the delivery layer hands it to an exporter
    (Paris instants, Wh and W, quality BRUT)."""
    out = []
    for p in load_curve(days, today()):
        # End computed in UTC: wall-clock arithmetic would be an hour off at the autumn change.
        end = (p.start + timedelta(minutes=30)).astimezone(PARIS)
        out.append(
            EnergyPoint(p.start.astimezone(PARIS), end, p.avg_w * 30 / 60, "BRUT", avg_w=p.avg_w)
        )
    return out


def batches_of(points: list[EnergyPoint], size: int) -> list[ConsumptionData]:
    """Load-curve batches of :data:`PDL` of at most ``size`` points."""
    return [
        ConsumptionData(PDL, Stream.CONSUMPTION_DETAIL, points[i : i + size])
        for i in range(0, len(points), size)
    ]


async def exporter_round(exporter: BaseExporter, batches: list[ConsumptionData]) -> float:
    """Seconds ``exporter`` takes to export every batch (each must succeed); closes it."""
    try:
        started = time.perf_counter()
        for batch in batches:
            result = await exporter.export_consumption(batch)
            assert result.success, result.error
        return time.perf_counter() - started
    finally:
        await exporter.aclose()


class MemorySource:
    """A source serving a prepared load curve from memory (so only the sync path is timed)."""

    origin = Origin.GATEWAY

    def __init__(self, points: list[LoadCurvePoint], activation: date) -> None:
        self.activation = activation
        self.by_day: dict[date, list[LoadCurvePoint]] = {}
        for point in points:
            self.by_day.setdefault(local_day_of(point.start), []).append(point)

    def max_days(self, stream: Stream) -> int:
        return 7 if stream.is_detail else 365

    def quota(self) -> Quota | None:
        return None

    async def usage_points(self) -> list[UsagePoint]:
        return [UsagePoint(PDL, name="bench", activation_date=self.activation)]

    async def daily(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        return []

    async def load_curve(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[LoadCurvePoint]:
        days = (end - start).days
        return [p for i in range(days) for p in self.by_day.get(start + timedelta(days=i), [])]

    async def max_power(self, pdl: str, start: date, end: date) -> list[MaxPowerReading]:
        return []

    async def tempo(self, start: date, end: date) -> list[TempoDay]:
        return []

    async def ecowatt(self) -> list[EcoWattDay]:
        return []

    async def aclose(self) -> None:
        return None


def best_of(func: Callable[[], object], repeat: int = 3) -> tuple[float, list[float]]:
    """Fastest wall time of ``repeat`` runs, and all of them."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times), times


def median_ms(samples: list[float]) -> float:
    """Median in milliseconds."""
    return statistics.median(samples) * 1000


def today() -> date:
    """Fixed 'today' so every run measures the same data."""
    return datetime(2025, 6, 1, tzinfo=UTC).date()
