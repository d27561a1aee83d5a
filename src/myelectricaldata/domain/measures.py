"""How every current value of the measures catalogue is computed, from typed readings.

A compute function takes a :class:`Context`: the grid's signals around ``now`` (:class:`Grid`)
and, for a meter's measures, that PDL's :class:`MeterReadings` (its contract, daily values,
max power, load-curve split by tariff tag, Tempo colours). It returns a :class:`Reading`: the
value, the day it belongs to, and its attributes. Nothing here reads the store or a clock: the
caller fetches the readings once (``exporters/snapshot.py``) and ``now`` is given.

Conventions: energy in kWh (Wh / 1000, never rounded), costs in EUR rounded to the cent,
percentages rounded to 0.1, ``None`` for a value that is not known. "Yesterday" is the newest
day the store holds up to yesterday (``Reading.date`` says which); "week/month/year" run from
the period's first day to that day. Costs are the days priced like the web UI prices them
(:class:`~myelectricaldata.domain.billing.DayBill`, each day at the offer row in force that day)
when the readings carry them, else priced by :mod:`myelectricaldata.domain.costs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from myelectricaldata.domain.billing import DayBill, DaySource
from myelectricaldata.domain.costs import CostBreakdown, DayCost, day_cost, sum_costs, tag_cost
from myelectricaldata.domain.tariffs import (
    DaySplit,
    TariffPrices,
    local_day_start,
    subscription_share,
    tags_for,
)
from myelectricaldata.domain.tempo import (
    is_tempo_offpeak,
    remaining_in_season,
    season_days,
    season_label,
    season_quota,
    season_start,
    tempo_day_of,
)
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    Direction,
    EcoWattDay,
    PricingOption,
    TempoColor,
    TempoDay,
    UsagePoint,
)

Value = float | int | str | bool | None
Period = Literal["day", "week", "month", "year"]
CostPeriod = Literal["day", "month", "year"]

#: Names of the EcoWatt levels, 0 (green, low carbon) to 3 (red).
ECOWATT_NAMES = {0: "green", 1: "green", 2: "orange", 3: "red"}


class DailyValue(Protocol):
    """A daily energy reading (``DailyReading``, or the store's row of one)."""

    @property
    def day(self) -> date: ...

    @property
    def value_wh(self) -> int: ...

    @property
    def quality(self) -> str: ...


class PeakValue(Protocol):
    """A daily maximum power reading (``MaxPowerReading``, or the store's row of one)."""

    @property
    def day(self) -> date: ...

    @property
    def value_va(self) -> int: ...

    @property
    def at(self) -> datetime: ...

    @property
    def quality(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What a compute function returns: the value and where it comes from."""

    value: Value
    date: date | None = None
    quality: str | None = None
    #: Start of the period a ``total`` measure accumulates over (HA's ``last_reset``).
    last_reset: datetime | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Grid:
    """Tempo and EcoWatt signals around ``now``, shared by every PDL."""

    now: datetime
    today: date
    tempo: Mapping[date, TempoColor]
    ecowatt: Mapping[date, EcoWattDay]


def days_between(start: date, end: date) -> Iterable[date]:
    """The days ``start`` to ``end``, both inclusive."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Series:
    """Daily values of one direction of a PDL and the newest day they reach (``as_of``)."""

    daily: Mapping[date, DailyValue]
    as_of: date | None

    def kwh(self, day: date | None) -> float | None:
        """kWh of one day, ``None`` when there is no value for it."""
        row = self.daily.get(day) if day is not None else None
        return None if row is None else row.value_wh / 1000.0

    def total_kwh(self, start: date, end: date) -> float | None:
        """kWh of the days ``start`` to ``end`` inclusive that have a value, ``None`` if none."""
        values = [self.daily[d].value_wh for d in days_between(start, end) if d in self.daily]
        return sum(values) / 1000.0 if values else None


@dataclass(frozen=True, slots=True)
class MeterReadings:
    """Everything a PDL's measures read, fetched once per snapshot."""

    point: UsagePoint
    prices: TariffPrices
    consumption: Series
    production: Series
    max_power: Mapping[date, PeakValue]
    split: Mapping[date, DaySplit]  # the load curve split per local day
    tempo: Mapping[date, TempoColor]
    #: Each day priced at its offer's row in force that day (``None``: ``prices`` every day).
    bills: Mapping[date, DayBill] | None = None

    @property
    def pdl(self) -> str:
        """The usage point id."""
        return self.point.pdl

    @property
    def option(self) -> PricingOption | None:
        """Pricing option of the contract."""
        return self.point.pricing_option

    @property
    def tags(self) -> tuple[str, ...]:
        """Tariff tags of the contract."""
        return tags_for(self.option)

    def series(self, direction: Direction) -> Series:
        """The daily values of one direction."""
        return self.production if direction is Direction.PRODUCTION else self.consumption

    def split_kwh(self, tag: str, start: date, end: date) -> float | None:
        """kWh of one tag over the days with load curve, ``None`` when none has any."""
        days = [self.split[d] for d in days_between(start, end) if d in self.split]
        return sum(s.wh.get(tag, 0.0) for s in days) / 1000.0 if days else None

    def day_cost(self, day: date) -> DayCost:
        """Energy cost of one day: its :attr:`bills` entry when there is one, else
        :func:`myelectricaldata.domain.costs.day_cost` with :attr:`prices`."""
        bill = self.bills.get(day) if self.bills is not None else None
        if bill is not None:
            return DayCost(bill.energy_eur, _estimated(bill), bill.source is None)
        return day_cost(
            day,
            self.option,
            self.prices,
            self.consumption.kwh(day),
            self.split.get(day),
            self.tempo.get(day),
        )

    def slot_cost(self, day: date, offpeak: bool) -> float | None:
        """Cost (EUR, 4 decimals) of a day's off-peak (or peak) slots, ``None`` when the day
        has no load curve to split."""
        split = self.split.get(day)
        bill = self.bills.get(day) if self.bills is not None else None
        if split is None or bill is None:
            return tag_cost(self.prices, split, offpeak)
        return round(sum(e for tag, e in bill.eur.items() if is_offpeak_slot(tag) == offpeak), 4)

    def cost(self, start: date, end: date) -> CostBreakdown:
        """Cost of the local days ``start`` to ``end`` inclusive: their :attr:`bills` when
        given (the UI's figure), else priced with :attr:`prices`."""
        if self.bills is not None:
            return bills_cost([self.bills[d] for d in days_between(start, end) if d in self.bills])
        days = {day: self.day_cost(day) for day in days_between(start, end)}
        return sum_costs(days, subscription_share(self.prices, start, end))


def is_offpeak_slot(tag: str) -> bool:
    """True for an offer's off-peak slot tags (``hc``, ``hc_weekend``, ``bluehc``,
    ``winter_hc``...); Base, peak days and EJP count as peak."""
    return tag.endswith("hc") or tag == "hc_weekend"


def _estimated(bill: DayBill) -> bool:
    return bill.source is not None and (bill.source is not DaySource.CURVE or bool(bill.problems))


def bills_cost(bills: Iterable[DayBill]) -> CostBreakdown:
    """The cost of priced days: energy (the cheapest case of a slot a calendar does not tell)
    plus subscription; a day from its daily value or a partial curve counts as estimated."""
    energy = subscription = 0.0
    estimated = missing = 0
    for bill in bills:
        energy += bill.energy_eur
        subscription += bill.subscription_eur
        if bill.source is None:
            missing += 1
        elif _estimated(bill):
            estimated += 1
    return CostBreakdown(energy, subscription, estimated, missing)


@dataclass(frozen=True, slots=True)
class Context:
    """What compute functions read: the grid signals and, for meter measures, one PDL."""

    grid: Grid
    meter_readings: MeterReadings | None = None

    @property
    def meter(self) -> MeterReadings:
        """The PDL of a meter measure."""
        if self.meter_readings is None:
            raise RuntimeError("a meter measure was computed without a PDL in its context")
        return self.meter_readings


Compute = Callable[[Context], Reading]
Applies = Callable[[MeterReadings], bool]


# -- periods ---------------------------------------------------------------------------------


def years_back(day: date, years: int = 1) -> date:
    """Same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def period_bounds(period: Period, as_of: date) -> tuple[date, date]:
    """First and last day of the period that ends on ``as_of`` (weeks start on Monday)."""
    if period == "day":
        return as_of, as_of
    if period == "week":
        return as_of - timedelta(days=as_of.weekday()), as_of
    if period == "month":
        return as_of.replace(day=1), as_of
    return as_of.replace(month=1, day=1), as_of


def last_year_bounds(period: Period, as_of: date) -> tuple[date, date]:
    """The same period one year earlier: same dates, or 52 weeks earlier for a week (so the
    weekdays match)."""
    start, end = period_bounds(period, as_of)
    if period == "week":
        return start - timedelta(days=364), end - timedelta(days=364)
    return years_back(start), years_back(end)


def evolution(current: float | None, previous: float | None) -> float | None:
    """Change in percent from ``previous`` to ``current`` (0.1 precision), ``None`` if unknown."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / previous * 100.0, 1)


def period_attributes(start: date, end: date) -> dict[str, Any]:
    """The ``period_start``/``period_end`` attributes of a period's value."""
    return {"period_start": start.isoformat(), "period_end": end.isoformat()}


# -- what each measure is a function of -----------------------------------------------------------


def has_consumption(meter: MeterReadings) -> bool:
    """The meter measures consumption."""
    return meter.point.has_consumption


def has_production(meter: MeterReadings) -> bool:
    """The meter measures production."""
    return meter.point.has_production


def has_tag(tag: str) -> Applies:
    """The contract splits consumption into tags, ``tag`` among them."""

    def applies(meter: MeterReadings) -> bool:
        return meter.point.has_consumption and tag in meter.tags and len(meter.tags) > 1

    return applies


def _unknown_total(ctx: Context, period: Period | None) -> Reading:
    """An unknown value; a ``total`` measure still gets a ``last_reset`` (that of yesterday's
    period) so that consumers that template it never meet a missing one."""
    if period is None:
        return Reading(None)
    start, _ = period_bounds(period, ctx.grid.today - timedelta(days=1))
    return Reading(None, last_reset=local_day_start(start))


def energy(direction: Direction, period: Period) -> Compute:
    """kWh of yesterday (a ``total`` resetting at midnight), or of the period to date."""

    def compute(ctx: Context) -> Reading:
        series = ctx.meter.series(direction)
        if series.as_of is None:
            return _unknown_total(ctx, period if period == "day" else None)
        start, end = period_bounds(period, series.as_of)
        if period == "day":
            row = series.daily.get(end)
            quality = row.quality if row else None
            return Reading(series.kwh(end), end, quality, last_reset=local_day_start(end))
        return Reading(series.total_kwh(start, end), end, attributes=period_attributes(start, end))

    return compute


def energy_last_year(direction: Direction, period: Period) -> Compute:
    """kWh of the same period one year earlier."""

    def compute(ctx: Context) -> Reading:
        series = ctx.meter.series(direction)
        if series.as_of is None:
            return Reading(None)
        start, end = last_year_bounds(period, series.as_of)
        return Reading(series.total_kwh(start, end), end, attributes=period_attributes(start, end))

    return compute


def energy_evolution(direction: Direction, period: Period) -> Compute:
    """Change in percent of the period to date against the same period last year."""

    def compute(ctx: Context) -> Reading:
        series = ctx.meter.series(direction)
        if series.as_of is None:
            return Reading(None)
        current = series.total_kwh(*period_bounds(period, series.as_of))
        previous = series.total_kwh(*last_year_bounds(period, series.as_of))
        return Reading(
            evolution(current, previous),
            series.as_of,
            attributes={"current_kwh": current, "last_year_kwh": previous},
        )

    return compute


def tag_energy(tag: str, period: Literal["day", "month"]) -> Compute:
    """kWh of one tariff tag yesterday, or this month to date, from the load-curve split."""

    def compute(ctx: Context) -> Reading:
        meter = ctx.meter
        as_of = meter.consumption.as_of
        if as_of is None:
            return _unknown_total(ctx, period if period == "day" else None)
        start, end = period_bounds(period, as_of)
        value = meter.split_kwh(tag, start, end)
        if period == "day":
            return Reading(value, end, last_reset=local_day_start(end))
        return Reading(value, end, attributes=period_attributes(start, end))

    return compute


def cost(period: CostPeriod) -> Compute:
    """EUR of the period to date: energy priced per tag plus the prorated subscription."""

    def compute(ctx: Context) -> Reading:
        meter = ctx.meter
        as_of = meter.consumption.as_of
        if as_of is None:
            return _unknown_total(ctx, period)
        start, end = period_bounds(period, as_of)
        breakdown = meter.cost(start, end)
        return Reading(
            round(breakdown.total_eur, 2),
            end,
            last_reset=local_day_start(start),
            attributes={
                **period_attributes(start, end),
                "energy_eur": round(breakdown.energy_eur, 4),
                "subscription_eur": round(breakdown.subscription_eur, 4),
                "estimated_days": breakdown.estimated_days,
                "missing_days": breakdown.missing_days,
                "pricing_option": meter.option.value if meter.option else None,
            },
        )

    return compute


def _latest_peak(meter: MeterReadings) -> PeakValue | None:
    return meter.max_power[max(meter.max_power)] if meter.max_power else None


def max_power(ctx: Context) -> Reading:
    """VA of the newest day's maximum power, with when and whether over the subscription."""
    row = _latest_peak(ctx.meter)
    if row is None:
        return Reading(None)
    kva = ctx.meter.point.subscribed_power_kva
    return Reading(
        row.value_va,
        row.day,
        row.quality,
        attributes={
            "at": row.at.astimezone(PARIS).isoformat(),
            "subscribed_power_kva": kva,
            "over_subscribed": bool(kva and row.value_va > kva * 1000),
        },
    )


def max_power_time(ctx: Context) -> Reading:
    """When the newest day's maximum power was reached (ISO 8601 with offset)."""
    row = _latest_peak(ctx.meter)
    if row is None:
        return Reading(None)
    return Reading(row.at.astimezone(PARIS).isoformat(), row.day, row.quality)


def max_power_percent(ctx: Context) -> Reading:
    """The newest day's maximum power in percent of the subscribed power."""
    row = _latest_peak(ctx.meter)
    kva = ctx.meter.point.subscribed_power_kva
    if row is None or not kva:
        return Reading(None, row.day if row else None)
    return Reading(round(row.value_va / (kva * 1000.0) * 100.0, 1), row.day)


def subscribed_power(ctx: Context) -> Reading:
    """kVA of the contract, with its option and off-peak hours."""
    point = ctx.meter.point
    offpeak = point.offpeak
    return Reading(
        point.subscribed_power_kva,
        attributes={
            "pricing_option": point.pricing_option.value if point.pricing_option else None,
            "offpeak_hours": offpeak.canonical() if offpeak else None,
        },
    )


def tempo_on(offset_days: int) -> Compute:
    """Colour of the Tempo day ``offset_days`` from today (unknown until published)."""

    def compute(ctx: Context) -> Reading:
        day = ctx.grid.today + timedelta(days=offset_days)
        color = ctx.grid.tempo.get(day)
        return Reading(color.value if color else None, day)

    return compute


def tempo_current(ctx: Context) -> Reading:
    """Colour in force now (before 06:00, yesterday's), and whether it is off-peak."""
    day = tempo_day_of(ctx.grid.now)
    color = ctx.grid.tempo.get(day)
    return Reading(
        color.value if color else None,
        day,
        attributes={"offpeak": is_tempo_offpeak(ctx.grid.now)},
    )


def tempo_remaining(color: TempoColor) -> Compute:
    """Days of a colour left in the season: its quota minus the days already coloured."""

    def compute(ctx: Context) -> Reading:
        today = ctx.grid.today
        start = season_start(today)
        days = [TempoDay(d, c) for d, c in ctx.grid.tempo.items() if season_start(d) == start]
        return Reading(
            remaining_in_season(days, today)[color],
            today,
            attributes={"season": season_label(today), "quota": season_quota(start)[color]},
        )

    return compute


def tempo_season(ctx: Context) -> Reading:
    """The season's label (1 September to 31 August), with its first and last day."""
    start = season_start(ctx.grid.today)
    end = start + timedelta(days=season_days(start) - 1)
    return Reading(
        season_label(ctx.grid.today),
        ctx.grid.today,
        attributes={"start": start.isoformat(), "end": end.isoformat()},
    )


def ecowatt_at(hours_ahead: int) -> Compute:
    """EcoWatt level of the local hour ``hours_ahead`` from now."""

    def compute(ctx: Context) -> Reading:
        local = (ctx.grid.now + timedelta(hours=hours_ahead)).astimezone(PARIS)
        signal = ctx.grid.ecowatt.get(local.date())
        if signal is None:
            return Reading(None, local.date())
        level = signal.hourly[local.hour]
        return Reading(
            level, local.date(), attributes={"hour": local.hour, "color": ECOWATT_NAMES[level]}
        )

    return compute


def ecowatt_day(offset_days: int) -> Compute:
    """EcoWatt day level of today + ``offset_days``, with RTE's message and the hourly levels."""

    def compute(ctx: Context) -> Reading:
        day = ctx.grid.today + timedelta(days=offset_days)
        signal = ctx.grid.ecowatt.get(day)
        if signal is None:
            return Reading(None, day)
        return Reading(
            signal.level,
            day,
            attributes={
                "message": signal.message,
                "color": ECOWATT_NAMES[signal.level],
                "hourly": list(signal.hourly),
                "generated_at": signal.generated_at.isoformat() if signal.generated_at else None,
            },
        )

    return compute
