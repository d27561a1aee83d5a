"""Helpers of the Home Assistant exporter tests: small stores cut from the demo data, and the
expected energy per tariff tag computed with the reference split of ``domain.tariffs``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from myelectricaldata.domain.tariffs import UNCLASSIFIED, split_rows_by_day
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    Origin,
    PricingOption,
)
from myelectricaldata.store.repo import Store

TEMPO_PDL = "09999000000001"
HCHP_PDL = "09999000000002"
FAR = date(2100, 1, 1)


def copy_window(
    source: Store, path: Path, curve_from: date, curve_to: date, daily_from: date
) -> Store:
    """A new SQLite store with the demo PDLs, their schedules, Tempo colours, daily values from
    ``daily_from`` and load curve from ``curve_from`` to ``curve_to`` (exclusive)."""
    store = Store.open(f"sqlite:///{path}")
    for stored in source.usage_points():
        store.upsert_usage_point(stored.point, Origin.DEMO)
        for valid_from, schedule in stored.offpeak_versions:
            store.set_offpeak_version(stored.point.pdl, valid_from, schedule)
        for direction in Direction:
            if direction is Direction.PRODUCTION and not stored.point.has_production:
                continue
            daily = source.daily(stored.point.pdl, direction, daily_from, curve_to - timedelta(1))
            store.upsert_daily(
                stored.point.pdl,
                direction,
                [DailyReading(d.day, d.value_wh, d.quality) for d in daily],
                Origin.DEMO,
            )
            curve = source.load_curve(
                stored.point.pdl, direction, local_midnight(curve_from), local_midnight(curve_to)
            )
            store.upsert_load_curve(stored.point.pdl, direction, curve, Origin.DEMO)
    store.upsert_tempo(source.tempo(daily_from - timedelta(days=2), curve_to), Origin.DEMO)
    return store


def curve_rows(store: Store, pdl: str, direction: Direction) -> list[tuple[int, int, int, str]]:
    """Every stored load-curve row of a PDL."""
    return [
        row
        for batch in store.iter_load_curve_rows(
            pdl, direction, datetime(1971, 1, 1, tzinfo=PARIS), local_midnight(FAR)
        )
        for row in batch
    ]


def expected_wh_by_day(
    store: Store, pdl: str, direction: Direction
) -> dict[date, dict[str, float]]:
    """Wh per tag and local day, as the statistics must hold them: the reference split of the
    load curve (Tempo energy without a colour as ``unsplit``), and for a day without load curve
    its daily value in ``unsplit`` (``base`` for a Base contract, ``production``)."""
    stored = store.usage_point(pdl)
    assert stored is not None
    option = stored.point.pricing_option
    tempo = {d.day: d.color for d in store.tempo(date(1971, 1, 1), FAR)}
    rows = curve_rows(store, pdl, direction)
    out: dict[date, dict[str, float]] = defaultdict(dict)
    if direction is Direction.PRODUCTION:
        split = split_rows_by_day(rows, PricingOption.BASE, stored.offpeak_history, {})
        for day, day_split in split.items():
            out[day]["production"] = day_split.total_wh
        fallback = "production"
    else:
        split = split_rows_by_day(rows, option, stored.offpeak_history, tempo)
        for day, day_split in split.items():
            for tag, wh in day_split.wh.items():
                key = "unsplit" if tag == UNCLASSIFIED else tag
                out[day][key] = out[day].get(key, 0.0) + wh
        fallback = "base" if option in (None, PricingOption.BASE, PricingOption.EJP) else "unsplit"
    for row in store.daily(pdl, direction, date(1971, 1, 2), FAR):
        if row.day not in split:
            out[row.day][fallback] = out[row.day].get(fallback, 0.0) + row.value_wh
    return dict(out)


def day_changes(rows: list[dict[str, Any]]) -> dict[date, float]:
    """Per local day, the change of ``sum`` over the day's hours (what the Energy dashboard
    shows), from rows with ``start`` as aware datetimes or epoch ms."""
    out: dict[date, float] = defaultdict(float)
    previous = 0.0
    for row in rows:
        start = row["start"]
        if isinstance(start, int | float):
            start = datetime.fromtimestamp(start / 1000, PARIS)
        out[start.astimezone(PARIS).date()] += row["sum"] - previous
        previous = row["sum"]
    return dict(out)
