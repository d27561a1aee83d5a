"""What a meter must receive when some of its days changed, computed from the store.

Domoticz keeps a meter's history as running readings (``Counter``: the total at the end of each
day), so a changed day changes the reading of every later day. When a batch of changed days
arrives, the meter gets its rows again **from the first changed day to the newest stored
day**, each with the reading it must have: the sum of every stored day before the first one
(the opening reading) plus the days up to it. A corrected old day therefore leaves every later
row right, and re-sending a row is harmless (Domoticz replaces a dated row). Then the device's
current value, the newest reading.

Every function here reads the store (blocking): call it in a thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.tariffs import split_rows_by_day
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import DailyReading, Direction, LoadCurvePoint
from myelectricaldata.exporters.context import StoreView
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.mapping import (
    DeviceUpdate,
    P1Readings,
    TariffDay,
    counter_current,
    counter_day_rows,
    kwh_current,
    p1_current,
    p1_day_rows,
    short_log_rows,
)

#: Before any Linky reading: "every stored day before" starts here.
FIRST_DAY = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class MeterWrite:
    """What one meter receives: dated rows, oldest first, then its current value."""

    rows: list[DeviceUpdate]
    current: DeviceUpdate

    def updates(self, *, history: bool) -> list[DeviceUpdate]:
        """The requests to send: the rows (when ``history``), then the current value."""
        return [*self.rows, self.current] if history else [self.current]


def _daily(store: StoreView, pdl: str, direction: Direction, last: date) -> list[DailyReading]:
    return [
        DailyReading(row.day, row.value_wh) for row in store.daily(pdl, direction, FIRST_DAY, last)
    ]


def counter_history(
    store: StoreView,
    pdl: str,
    direction: Direction,
    idx: int,
    kind: DeviceKind,
    since: date | None,
) -> MeterWrite | None:
    """Rows of a Managed Counter or a kWh meter from ``since`` (None: the first stored day) to
    the newest day, with the reading of the day before ``since`` as opening; ``None`` when the
    store holds no day of ``direction``."""
    latest = store.latest_daily(pdl, direction)
    if latest is None:
        return None
    days = _daily(store, pdl, direction, latest)
    if not days:
        return None
    start = since or FIRST_DAY
    opening = sum(r.value_wh for r in days if r.day < start)
    rows = counter_day_rows(idx, [r for r in days if r.day >= start], opening_wh=opening)
    total = sum(r.value_wh for r in days)
    if kind is DeviceKind.MANAGED_COUNTER:
        current = counter_current(idx, total, days[-1].value_wh)
    else:
        current = kwh_current(idx, total)
    return MeterWrite(rows, current)


def tariff_days(store: StoreView, pdl: str) -> list[TariffDay]:
    """HC/HP of every stored consumption day that its load curve can split, oldest first.

    Each day's load curve is split with the off-peak schedule in force that day (and Tempo's
    colours), then scaled to the day's Linky value (:meth:`TariffDay.from_split`).
    """
    stored = store.usage_point(pdl)
    latest = store.latest_daily(pdl, Direction.CONSUMPTION)
    if stored is None or latest is None:
        return []
    days = _daily(store, pdl, Direction.CONSUMPTION, latest)
    if not days:
        return []
    first = days[0].day
    rows = (
        row
        for batch in store.iter_load_curve_rows(
            pdl,
            Direction.CONSUMPTION,
            local_midnight(first),
            local_midnight(latest + timedelta(days=1)),
        )
        for row in batch
    )
    # A Tempo day runs from 06:00 to 06:00: the day before the first one colours its night.
    tempo = {d.day: d.color for d in store.tempo(first - timedelta(days=1), latest)}
    splits = split_rows_by_day(rows, stored.point.pricing_option, stored.offpeak_history, tempo)
    found = []
    for reading in days:
        split = splits.get(reading.day)
        if split is None:
            continue
        day = TariffDay.from_split(reading.day, split, reading.value_wh)
        if day is not None:
            found.append(day)
    return found


def p1_history(store: StoreView, pdl: str, idx: int, since: date | None) -> MeterWrite | None:
    """Rows of a P1 meter (HC as tariff 1, HP as tariff 2) from ``since`` to the newest day
    that can be split, with the two readings of the days before as opening; ``None`` when no
    day can be split."""
    days = tariff_days(store, pdl)
    if not days:
        return None
    start = since or FIRST_DAY
    before = [d for d in days if d.day < start]
    opening = P1Readings(sum(d.offpeak_wh for d in before), sum(d.peak_wh for d in before))
    rows = p1_day_rows(idx, [d for d in days if d.day >= start], opening)
    total = P1Readings(sum(d.offpeak_wh for d in days), sum(d.peak_wh for d in days))
    return MeterWrite(rows, p1_current(idx, total))


def short_log_history(
    store: StoreView,
    pdl: str,
    direction: Direction,
    idx: int,
    *,
    changed: Iterable[datetime],
    days: int,
    time_zone: ZoneInfo,
) -> list[DeviceUpdate]:
    """Short-log rows of the load curve from the first ``changed`` interval's day to the
    newest day, limited to the ``days`` days up to the newest one (Domoticz deletes older
    short-log rows at once).

    The readings restart each local day from the meter's reading at the end of the day before
    (its daily rows'), so that both logs agree at every midnight; a day without a daily value
    carries on with its load curve's energy. (A daily value corrected without its load curve
    leaves the short log's readings of the next days as they were until the curve changes or
    the days leave the window: the short log is a graph of the power of the last days.)
    """
    if days < 1:
        raise InvalidInput("days", f"{days} is not a number of days (1 or more)")
    instants = sorted(changed)
    if not instants:
        return []
    batch_newest = instants[-1].astimezone(PARIS).date()
    latest = store.latest_daily(pdl, direction)
    anchor = max(batch_newest, latest) if latest is not None else batch_newest
    window = anchor - timedelta(days=days - 1)
    if batch_newest < window:
        # Older than what Domoticz keeps (a first run's year of curve): nothing to write.
        return []
    start = max(instants[0].astimezone(PARIS).date(), window)
    points = store.load_curve(
        pdl, direction, local_midnight(start), local_midnight(anchor + timedelta(days=1))
    )
    if not points:
        return []
    daily = {r.day: r.value_wh for r in _daily(store, pdl, direction, anchor)}
    by_day: dict[date, list[LoadCurvePoint]] = defaultdict(list)
    for point in points:
        by_day[point.start.astimezone(PARIS).date()].append(point)
    reading = sum(wh for day, wh in daily.items() if day < start)
    day = start
    rows: list[DeviceUpdate] = []
    while day <= anchor:
        curve = by_day.get(day, [])
        if curve:
            rows += short_log_rows(idx, curve, reading, time_zone)
        reading += daily.get(day, round(sum(p.energy_wh for p in curve)))
        day += timedelta(days=1)
    return rows
