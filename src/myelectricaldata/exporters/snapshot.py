"""The catalogue's current values: read the store once, compute every measure, one snapshot.

Per PDL it reads the daily rows back to 1 January of last year (and the week 52 weeks back),
the max power of the last two weeks, and this year's load curve split by tariff tag (once);
the Tempo and EcoWatt signals are read once for everyone. With a :class:`DatedPricing` the days
of this year are priced like the web UI prices them (each day at its offer's row in force that
day), else every day at the single ``prices``. The values are computed by the
functions each :class:`~myelectricaldata.exporters.measures.Measure` names
(:mod:`myelectricaldata.domain.measures`), from these typed readings; the snapshot also carries
the readings (per PDL) for state exporters that derive more from them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from myelectricaldata.domain.measures import Context, Grid, MeterReadings, Reading, Series
from myelectricaldata.domain.tariffs import DaySplit, TariffPrices, split_rows_by_day
from myelectricaldata.domain.tempo import season_start
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction
from myelectricaldata.exporters.base import MeasureValue, StateSnapshot
from myelectricaldata.exporters.context import DatedPricing, StoreView
from myelectricaldata.exporters.measures import MEASURES, Measure
from myelectricaldata.store.repo import Store, StoredUsagePoint

#: Days of history the state exporters show (the Linky card's week).
HISTORY_DAYS = 7


def measure_value(measure: Measure, scope: str, reading: Reading) -> MeasureValue:
    """A computed reading as the value state exporters publish."""
    attributes = dict(reading.attributes)
    if reading.last_reset is not None:
        attributes["last_reset"] = reading.last_reset.isoformat()
    return MeasureValue(
        key=measure.key,
        scope=scope,
        value=reading.value,
        unit=measure.unit,
        label_fr=measure.label_fr,
        label_en=measure.label_en,
        device_class=measure.device_class,
        state_class=measure.state_class,
        options=measure.options,
        date=reading.date.isoformat() if reading.date is not None else None,
        quality=reading.quality,
        attributes=attributes,
    )


def _series(store: StoreView, pdl: str, direction: Direction, yesterday: date) -> Series:
    """Daily rows reaching back to the start of last year relative to the newest stored day."""
    latest = store.latest_daily(pdl, direction)
    if latest is None:
        return Series({}, None)
    as_of = min(latest, yesterday)
    # Covers the week 52 weeks back, which may start in December two years back.
    start = min(date(as_of.year - 1, 1, 1), as_of - timedelta(days=as_of.weekday() + 364))
    rows = store.daily(pdl, direction, start, as_of)
    daily = {row.day: row for row in rows}
    return Series(daily, max(daily) if daily else None)


def compute_snapshot_sync(
    store: Store | StoreView,
    *,
    now: datetime | None = None,
    prices: TariffPrices | None = None,
    pricing: DatedPricing | None = None,
) -> StateSnapshot:
    """:func:`compute_snapshot` without the thread (for callers already off the event loop)."""
    view = store if isinstance(store, StoreView) else StoreView(store)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now: a naive datetime has no single instant; pass an aware one")
    prices = prices or TariffPrices()
    today = now.astimezone(PARIS).date()
    yesterday = today - timedelta(days=1)
    points = view.usage_points()

    fetched: list[tuple[StoredUsagePoint, Series, Series, date]] = []
    for stored in points:
        pdl = stored.point.pdl
        consumption = _series(view, pdl, Direction.CONSUMPTION, yesterday)
        production = (
            _series(view, pdl, Direction.PRODUCTION, yesterday)
            if stored.point.has_production
            else Series({}, None)
        )
        as_of = consumption.as_of or yesterday
        curve_start = min(as_of.replace(month=1, day=1), as_of - timedelta(days=HISTORY_DAYS))
        fetched.append((stored, consumption, production, curve_start))

    # One Tempo read for every PDL: the season so far, the load-curve ranges, tomorrow.
    tempo_start = min([season_start(today), *(f[3] for f in fetched)]) - timedelta(days=1)
    tempo = {d.day: d.color for d in view.tempo(tempo_start, today + timedelta(days=1))}
    ecowatt = {d.day: d for d in view.ecowatt(today, today + timedelta(days=3))}
    grid = Grid(now, today, tempo, ecowatt)

    values: list[MeasureValue] = []
    readings: dict[str, MeterReadings] = {}
    for stored, consumption, production, curve_start in fetched:
        pdl = stored.point.pdl
        as_of = consumption.as_of or yesterday
        split: dict[date, DaySplit] = {}
        bills = None
        if stored.point.has_consumption:
            rows = [
                row
                for batch in view.iter_load_curve_rows(
                    pdl,
                    Direction.CONSUMPTION,
                    local_midnight(curve_start),
                    local_midnight(as_of + timedelta(days=1)),
                )
                for row in batch
            ]
            split = split_rows_by_day(
                rows, stored.point.pricing_option, stored.offpeak_history, tempo
            )
            if pricing is not None and consumption.as_of is not None:
                priced = pricing.price_range(stored, curve_start, as_of, rows=rows)
                bills = {bill.day: bill for bill in priced.days}
        # The last two weeks, and the shown week even when the daily values lag behind.
        power_start = min(yesterday - timedelta(days=13), as_of - timedelta(days=HISTORY_DAYS))
        max_power = {row.day: row for row in view.max_power(pdl, power_start, yesterday)}
        meter = MeterReadings(
            stored.point, prices, consumption, production, max_power, split, tempo, bills
        )
        readings[pdl] = meter
        ctx = Context(grid, meter)
        for measure in MEASURES:
            if measure.scope not in ("pdl", "production"):
                continue
            if measure.applies is None or measure.applies(meter):
                values.append(measure_value(measure, pdl, measure.compute(ctx)))

    grid_ctx = Context(grid)
    for measure in MEASURES:
        if measure.scope in ("tempo", "ecowatt"):
            values.append(measure_value(measure, measure.scope, measure.compute(grid_ctx)))
    return StateSnapshot(now, values, [p.point for p in points], readings)


async def compute_snapshot(
    store: Store | StoreView,
    *,
    now: datetime | None = None,
    prices: TariffPrices | None = None,
    pricing: DatedPricing | None = None,
) -> StateSnapshot:
    """Every catalogue value, computed once from the store in a worker thread."""
    return await asyncio.to_thread(
        compute_snapshot_sync, store, now=now, prices=prices, pricing=pricing
    )
