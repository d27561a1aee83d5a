"""What the delivery sends: the store's changed rows cut into batches of whole writes, each
batch turned into the contract's data objects, and one exporter call made safe (whatever it
raises becomes a failed result)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, LoadCurvePoint, Stream, UsagePoint
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ExportError,
    ExportResult,
    ProductionData,
    SeriesData,
    TempoData,
)
from myelectricaldata.store.exports import ChangeGroup, StreamRows


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


async def outcome(call: Callable[[], Awaitable[ExportResult]]) -> ExportResult:
    """The result of one exporter call; whatever it raises is a failed result (retryable
    unless the exporter said otherwise)."""
    try:
        return await call()
    except ExportError as exc:
        return ExportResult.failed(exc)
    except Exception as exc:  # an exporter's bug or an unclassified error: try again later
        return ExportResult(False, 0, str(exc) or type(exc).__name__)


async def send(
    exporter: BaseExporter[Any], item: SeriesData | TempoData | EcowattData
) -> ExportResult:
    """One call of the exporter method that takes ``item`` (see :func:`outcome`)."""
    if isinstance(item, ProductionData):
        return await outcome(lambda: exporter.export_production(item))
    if isinstance(item, ConsumptionData):
        return await outcome(lambda: exporter.export_consumption(item))
    if isinstance(item, TempoData):
        return await outcome(lambda: exporter.export_tempo(item))
    assert isinstance(item, EcowattData)
    return await outcome(lambda: exporter.export_ecowatt(item))
