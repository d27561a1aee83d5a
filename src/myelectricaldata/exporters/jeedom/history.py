"""What one history call sends to a command: the batch as dated events, oldest first, then the
newest value the store holds, last.

Every dated ``cmd::event`` also becomes the command's current value (PROTOCOLS.md §5.1), so a
batch of past days (a backfill, a correction, the first export) would leave the command showing
an old day. Each call therefore ends with the newest stored row of that series when it is newer
than the batch's (re-sent with its own date, it rewrites its row with the same value): whatever
the order of the batches and wherever a run stops, the command ends on the newest stored value.
For Tempo and EcoWatt "newest" means up to today (a forecast is not history, see
:mod:`.mapping`).

The load curve goes as energy per hour of Jeedom's clock, and a row replaces the whole hour: the
hours a batch touches are read again whole from the store (:func:`.mapping.hour_spans`), so a
batch that starts or ends mid-hour, or a correction of one half-hour, never writes a partial
hour. The store's reads block: they run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    TempoDay,
)
from myelectricaldata.exporters.base import EnergyPoint
from myelectricaldata.exporters.context import StoreView
from myelectricaldata.exporters.jeedom.mapping import (
    daily_energy_events,
    ecowatt_events,
    event_batch,
    hour_spans,
    hourly_energy_events,
    max_power_events,
    tempo_events,
)
from myelectricaldata.exporters.jeedom.model import EventBatch

ONE_DAY = timedelta(days=1)
#: How far after "now" the newest load-curve row is looked for (clocks a little ahead).
CURVE_HORIZON = timedelta(days=2)


def local_day(point: EnergyPoint) -> date:
    """The Paris calendar day a daily point belongs to."""
    return point.start.astimezone(PARIS).date()


async def daily_batch(
    store: StoreView, pdl: str, direction: Direction, cmd_id: int, points: Sequence[EnergyPoint]
) -> EventBatch:
    """Daily energy (kWh, one row per day), then the newest stored day's."""
    readings = [DailyReading(local_day(p), round(p.value), p.quality) for p in points]
    newest = max(r.day for r in readings)
    latest = await asyncio.to_thread(store.latest_daily, pdl, direction)
    current = []
    if latest is not None and latest > newest:
        rows = await asyncio.to_thread(store.daily, pdl, direction, latest, latest)
        last = [DailyReading(r.day, r.value_wh, r.quality) for r in rows]
        current = daily_energy_events(cmd_id, last)
    return event_batch(daily_energy_events(cmd_id, readings), current)


async def max_power_batch(
    store: StoreView, pdl: str, cmd_id: int, points: Sequence[EnergyPoint], today: date
) -> EventBatch:
    """Daily maximum power (VA, one row per day), then the newest stored day's."""
    readings = [
        MaxPowerReading(local_day(p), round(p.value), p.at or p.start, p.quality) for p in points
    ]
    newest = max(r.day for r in readings)
    later = await asyncio.to_thread(store.max_power, pdl, newest + ONE_DAY, today)
    current = []
    if later:
        last = max(later, key=lambda r: r.day)
        current = max_power_events(
            cmd_id, [MaxPowerReading(last.day, last.value_va, last.at, last.quality)]
        )
    return event_batch(max_power_events(cmd_id, readings), current)


async def tempo_batch(
    store: StoreView, cmd_id: int, days: Sequence[TempoDay], today: date
) -> EventBatch:
    """The colour of each day up to today, then the newest stored one up to today."""
    start = _after_newest([d.day for d in days], today)
    current = []
    if start <= today:
        later = await asyncio.to_thread(store.tempo, start, today)
        if later:
            current = tempo_events(cmd_id, [max(later, key=lambda d: d.day)], today)
    return event_batch(tempo_events(cmd_id, days, today), current)


async def ecowatt_batch(
    store: StoreView, cmd_id: int, days: Sequence[EcoWattDay], today: date
) -> EventBatch:
    """The level of each day up to today, then the newest stored one up to today."""
    start = _after_newest([d.day for d in days], today)
    current = []
    if start <= today:
        later = await asyncio.to_thread(store.ecowatt, start, today)
        if later:
            current = ecowatt_events(cmd_id, [max(later, key=lambda d: d.day)], today)
    return event_batch(ecowatt_events(cmd_id, days, today), current)


def _after_newest(days: Sequence[date], today: date) -> date:
    """The day after the newest of ``days`` up to today (the first day the store may hold that
    the batch does not), or the earliest date when the batch has none."""
    past = [day for day in days if day <= today]
    return max(past) + ONE_DAY if past else date.min


async def hourly_batch(
    store: StoreView,
    pdl: str,
    direction: Direction,
    cmd_id: int,
    points: Sequence[EnergyPoint],
    zone: ZoneInfo,
    now: datetime,
) -> EventBatch:
    """Energy per hour of Jeedom's clock for every hour the batch touches, read whole from the
    store, then the newest stored hour's."""
    touched = [LoadCurvePoint(p.start, 0) for p in points]  # only the starts count
    ranges = merge_spans(hour_spans(touched, zone))
    whole: list[LoadCurvePoint] = []
    for start, end in ranges:
        whole += await asyncio.to_thread(store.load_curve, pdl, direction, start, end)
    current = []
    newest = await asyncio.to_thread(
        newest_curve_start, store, pdl, direction, ranges[-1][1], now + CURVE_HORIZON
    )
    if newest is not None:
        start, end = hour_spans([LoadCurvePoint(newest, 0)], zone)[0]
        rows = await asyncio.to_thread(store.load_curve, pdl, direction, start, end)
        current = hourly_energy_events(cmd_id, rows, zone)
    return event_batch(hourly_energy_events(cmd_id, whole, zone), current)


def merge_spans(spans: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted ``[start, end)`` spans with the touching or overlapping ones joined (one store
    read per run of consecutive hours)."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def newest_curve_start(
    store: StoreView, pdl: str, direction: Direction, start: datetime, end: datetime
) -> datetime | None:
    """Start of the newest load-curve point of ``[start, end)``, ``None`` when there is none
    (blocking: raw rows, as few objects as possible for a year after a backfilled batch)."""
    newest: int | None = None
    for rows in store.iter_load_curve_rows(pdl, direction, start, end):
        if rows:  # in start order: the last row of the last batch is the newest
            newest = rows[-1][0]
    return None if newest is None else datetime.fromtimestamp(newest, UTC)
