"""The measures catalogue: one declarative table of the current values state exporters publish.

Like Home Assistant's ``SensorEntityDescription`` tuples, :data:`MEASURES` is data: each
:class:`Measure` names a value (key, French/English labels, unit, ``device_class``,
``state_class``) and a small ``compute`` function reading a :class:`Context` precomputed once
per snapshot. :func:`compute_snapshot` reads the store with a handful of queries per PDL (the
daily rows of this year and of last year, the max power of the last two weeks, this year's load
curve) and returns every value as a :class:`StateSnapshot`. ``docs/measures.md`` lists the table
(``python -m myelectricaldata.exporters.catalogue --write docs/measures.md`` regenerates it).

Conventions: energy in kWh (Wh / 1000, never rounded), costs in EUR rounded to the cent,
percentages rounded to 0.1, ``None`` for a value that is not known (HA shows ``unknown``).
Values labelled "yesterday" are those of the newest day the store holds up to yesterday (its
``date`` says which); "week/month/year" run from the period's first day to that day.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from myelectricaldata.domain.tariffs import (
    TEMPO_TAGS,
    UNCLASSIFIED,
    DaySplit,
    TariffPrices,
    local_day_start,
    split_rows_by_day,
    subscription_share,
    tag_is_offpeak,
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
from myelectricaldata.domain.timeutil import PARIS, day_length_minutes, local_midnight
from myelectricaldata.domain.types import (
    Direction,
    EcoWattDay,
    PricingOption,
    TempoColor,
    TempoDay,
)
from myelectricaldata.exporters.base import MeasureValue, StateSnapshot
from myelectricaldata.store.repo import Store, StoredDaily, StoredMaxPower, StoredUsagePoint

Scope = Literal["pdl", "production", "tempo", "ecowatt"]
Value = float | int | str | bool | None

#: Days of history carried in the rich attributes (the Linky card shows a week).
HISTORY_DAYS = 7
TEMPO_OPTIONS: tuple[str, ...] = tuple(c.value for c in TempoColor)
#: Names of the EcoWatt levels, 0 (green, low carbon) to 3 (red).
ECOWATT_NAMES = {0: "green", 1: "green", 2: "orange", 3: "red"}

# Home Assistant vocabulary (homeassistant/components/sensor/const.py).
ENERGY, MONETARY, APPARENT_POWER = "energy", "monetary", "apparent_power"
ENUM, TIMESTAMP = "enum", "timestamp"
TOTAL, TOTAL_INCREASING, MEASUREMENT = "total", "total_increasing", "measurement"
KWH, EUR, VA, KVA, PERCENT = "kWh", "EUR", "VA", "kVA", "%"


# --------------------------------------------------------------------------- context


@dataclass(frozen=True, slots=True)
class Reading:
    """What a measure's ``compute`` returns: the value and where it comes from."""

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


@dataclass(frozen=True, slots=True)
class Series:
    """Daily values of one direction of a PDL and the newest day they reach (``as_of``)."""

    daily: Mapping[date, StoredDaily]
    as_of: date | None

    def kwh(self, day: date | None) -> float | None:
        """kWh of one day, ``None`` when the store has no value for it."""
        row = self.daily.get(day) if day is not None else None
        return None if row is None else row.value_wh / 1000.0

    def total_kwh(self, start: date, end: date) -> float | None:
        """kWh of the days ``start`` to ``end`` inclusive that are stored, ``None`` if none is."""
        values = [self.daily[d].value_wh for d in _days(start, end) if d in self.daily]
        return sum(values) / 1000.0 if values else None


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Cost of a period: energy (per tag when the load curve allows) plus subscription."""

    energy_eur: float
    subscription_eur: float
    estimated_days: int  # days priced from the daily value (no complete load curve)
    missing_days: int  # days without any consumption value

    @property
    def total_eur(self) -> float:
        """Energy plus subscription."""
        return self.energy_eur + self.subscription_eur


@dataclass(frozen=True, slots=True)
class Pdl:
    """Everything the PDL measures read, fetched once per snapshot."""

    stored: StoredUsagePoint
    prices: TariffPrices
    consumption: Series
    production: Series
    max_power: Mapping[date, StoredMaxPower]
    split: Mapping[date, DaySplit]  # this year's load curve split per local day
    tempo: Mapping[date, TempoColor]

    @property
    def pdl(self) -> str:
        """The usage point id."""
        return self.stored.point.pdl

    @property
    def option(self) -> PricingOption | None:
        """Pricing option of the contract."""
        return self.stored.point.pricing_option

    @property
    def tags(self) -> tuple[str, ...]:
        """Tariff tags of the contract."""
        return tags_for(self.option)

    def split_kwh(self, tag: str, start: date, end: date) -> float | None:
        """kWh of one tag over the days with load curve, ``None`` when none has any."""
        days = [self.split[d] for d in _days(start, end) if d in self.split]
        return sum(s.wh.get(tag, 0.0) for s in days) / 1000.0 if days else None

    def day_cost(self, day: date) -> tuple[float, bool, bool]:
        """Energy EUR of a day, whether it was estimated, whether it had no value at all."""
        daily = self.consumption.kwh(day)
        split = self.split.get(day)
        if self.option in (PricingOption.HC_HP, PricingOption.HC_WEEKEND, PricingOption.TEMPO):
            if split is not None and split.minutes >= day_length_minutes(day):
                eur = self.prices.cost_of(split.wh)
                unclassified = split.wh.get(UNCLASSIFIED, 0.0)
                if unclassified:
                    eur += unclassified / 1000.0 * self.prices.price_of_tag(self._peak_tag(day))
                return eur, bool(unclassified), False
            if daily is None:
                return 0.0, False, True
            # No complete load curve: the day's energy at its peak price, an upper bound.
            return daily * self.prices.price_of_tag(self._peak_tag(day)), True, False
        if daily is None:
            return 0.0, False, True
        return daily * self.prices.base_eur_kwh, False, False

    def _peak_tag(self, day: date) -> str:
        if self.option is PricingOption.TEMPO:
            color = self.tempo.get(day, TempoColor.BLUE)
            return f"{color.value.lower()}hp"
        return "hp"

    def cost(self, start: date, end: date) -> CostBreakdown:
        """Cost of the local days ``start`` to ``end`` inclusive."""
        energy, estimated, missing = 0.0, 0, 0
        for day in _days(start, end):
            eur, was_estimated, was_missing = self.day_cost(day)
            energy += eur
            estimated += was_estimated
            missing += was_missing
        return CostBreakdown(
            energy, subscription_share(self.prices, start, end), estimated, missing
        )


@dataclass(frozen=True, slots=True)
class Context:
    """What ``compute`` functions read: the grid signals and, for PDL measures, one PDL."""

    grid: Grid
    pdl_data: Pdl | None = None

    @property
    def pdl(self) -> Pdl:
        """The PDL of a ``pdl``/``production`` measure."""
        if self.pdl_data is None:
            raise RuntimeError("a PDL measure was computed without a PDL in its context")
        return self.pdl_data


@dataclass(frozen=True, slots=True)
class Measure:
    """One entry of the catalogue (the Home Assistant ``SensorEntityDescription`` shape)."""

    key: str
    label_fr: str
    label_en: str
    unit: str | None
    device_class: str | None
    state_class: str | None
    scope: Scope
    compute: Callable[[Context], Reading]
    options: tuple[str, ...] | None = None
    #: Whether the measure exists for a PDL (e.g. HC/HP tags only for an HC/HP contract).
    applies: Callable[[Pdl], bool] | None = None
    #: How the value is computed, for ``docs/measures.md``.
    doc: str = ""


# --------------------------------------------------------------------------- periods


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def years_back(day: date, years: int = 1) -> date:
    """Same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


Period = Literal["day", "week", "month", "year"]
CostPeriod = Literal["day", "month", "year"]


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


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


# --------------------------------------------------------------------------- compute functions


def _unknown_total(ctx: Context, period: Period | None) -> Reading:
    """An unknown value; a ``total`` measure still gets a ``last_reset`` (that of yesterday's
    period) so that consumers that template it never meet a missing one."""
    if period is None:
        return Reading(None)
    start, _ = period_bounds(period, ctx.grid.today - timedelta(days=1))
    return Reading(None, last_reset=local_day_start(start))


def _energy(direction: Direction, period: Period) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        pdl = ctx.pdl
        series = pdl.production if direction is Direction.PRODUCTION else pdl.consumption
        if series.as_of is None:
            return _unknown_total(ctx, period if period == "day" else None)
        start, end = period_bounds(period, series.as_of)
        if period == "day":
            row = series.daily.get(end)
            return Reading(
                series.kwh(end),
                end,
                row.quality if row else None,
                last_reset=local_day_start(end),
                attributes=_linky_card(pdl, direction),
            )
        return Reading(series.total_kwh(start, end), end, attributes=_period_attrs(start, end))

    return compute


def _energy_last_year(direction: Direction, period: Period) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        pdl = ctx.pdl
        series = pdl.production if direction is Direction.PRODUCTION else pdl.consumption
        if series.as_of is None:
            return Reading(None)
        start, end = last_year_bounds(period, series.as_of)
        return Reading(series.total_kwh(start, end), end, attributes=_period_attrs(start, end))

    return compute


def _energy_evolution(direction: Direction, period: Period) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        pdl = ctx.pdl
        series = pdl.production if direction is Direction.PRODUCTION else pdl.consumption
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


def _split(tag: str, period: Literal["day", "month"]) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        pdl = ctx.pdl
        as_of = pdl.consumption.as_of
        if as_of is None:
            return _unknown_total(ctx, period if period == "day" else None)
        start, end = period_bounds(period, as_of)
        value = pdl.split_kwh(tag, start, end)
        if period == "day":
            return Reading(value, end, last_reset=local_day_start(end))
        return Reading(value, end, attributes=_period_attrs(start, end))

    return compute


def _cost(period: CostPeriod) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        pdl = ctx.pdl
        as_of = pdl.consumption.as_of
        if as_of is None:
            return _unknown_total(ctx, period)
        start, end = period_bounds(period, as_of)
        cost = pdl.cost(start, end)
        return Reading(
            round(cost.total_eur, 2),
            end,
            last_reset=local_day_start(start),
            attributes={
                **_period_attrs(start, end),
                "energy_eur": round(cost.energy_eur, 4),
                "subscription_eur": round(cost.subscription_eur, 4),
                "estimated_days": cost.estimated_days,
                "missing_days": cost.missing_days,
                "pricing_option": pdl.option.value if pdl.option else None,
            },
        )

    return compute


def _latest_max_power(pdl: Pdl) -> StoredMaxPower | None:
    return pdl.max_power[max(pdl.max_power)] if pdl.max_power else None


def _max_power(ctx: Context) -> Reading:
    row = _latest_max_power(ctx.pdl)
    if row is None:
        return Reading(None)
    kva = ctx.pdl.stored.point.subscribed_power_kva
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


def _max_power_time(ctx: Context) -> Reading:
    row = _latest_max_power(ctx.pdl)
    if row is None:
        return Reading(None)
    return Reading(row.at.astimezone(PARIS).isoformat(), row.day, row.quality)


def _max_power_percent(ctx: Context) -> Reading:
    row = _latest_max_power(ctx.pdl)
    kva = ctx.pdl.stored.point.subscribed_power_kva
    if row is None or not kva:
        return Reading(None, row.day if row else None)
    return Reading(round(row.value_va / (kva * 1000.0) * 100.0, 1), row.day)


def _subscribed_power(ctx: Context) -> Reading:
    point = ctx.pdl.stored.point
    offpeak = point.offpeak
    return Reading(
        point.subscribed_power_kva,
        attributes={
            "pricing_option": point.pricing_option.value if point.pricing_option else None,
            "offpeak_hours": offpeak.canonical() if offpeak else None,
        },
    )


def _tempo_on(offset_days: int) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        day = ctx.grid.today + timedelta(days=offset_days)
        color = ctx.grid.tempo.get(day)
        return Reading(color.value if color else None, day)

    return compute


def _tempo_current(ctx: Context) -> Reading:
    day = tempo_day_of(ctx.grid.now)
    color = ctx.grid.tempo.get(day)
    return Reading(
        color.value if color else None,
        day,
        attributes={"offpeak": is_tempo_offpeak(ctx.grid.now)},
    )


def _tempo_remaining(color: TempoColor) -> Callable[[Context], Reading]:
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


def _tempo_season(ctx: Context) -> Reading:
    start = season_start(ctx.grid.today)
    end = start + timedelta(days=season_days(start) - 1)
    return Reading(
        season_label(ctx.grid.today),
        ctx.grid.today,
        attributes={"start": start.isoformat(), "end": end.isoformat()},
    )


def _ecowatt_at(hours_ahead: int) -> Callable[[Context], Reading]:
    def compute(ctx: Context) -> Reading:
        local = (ctx.grid.now + timedelta(hours=hours_ahead)).astimezone(PARIS)
        signal = ctx.grid.ecowatt.get(local.date())
        if signal is None:
            return Reading(None, local.date())
        level = signal.hourly[local.hour]
        return Reading(
            level,
            local.date(),
            attributes={"hour": local.hour, "color": ECOWATT_NAMES[level]},
        )

    return compute


def _ecowatt_day(offset_days: int) -> Callable[[Context], Reading]:
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


# --------------------------------------------------------------------------- rich attributes


def _period_attrs(start: date, end: date) -> dict[str, Any]:
    return {"period_start": start.isoformat(), "period_end": end.isoformat()}


def _linky_card(pdl: Pdl, direction: Direction) -> dict[str, Any]:
    """Attributes of the Linky Lovelace card (content-card-linky), plus ``last_7_days``.

    Lists are newest first with -1 for a missing value, as the card expects.
    """
    production = direction is Direction.PRODUCTION
    series = pdl.production if production else pdl.consumption
    as_of = series.as_of
    if as_of is None:
        return {}

    def total(period: Period, last_year: bool = False) -> float | None:
        assert as_of is not None
        bounds = last_year_bounds if last_year else period_bounds
        return series.total_kwh(*bounds(period, as_of))

    monday = as_of - timedelta(days=as_of.weekday())
    last_monday = monday - timedelta(days=7)
    last_month_end = as_of.replace(day=1) - timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    last_month = series.total_kwh(last_month_start, last_month_end)
    last_month_ly = series.total_kwh(years_back(last_month_start), years_back(last_month_end))
    same_days_last_week = series.total_kwh(last_monday, as_of - timedelta(days=7))
    days = [as_of - timedelta(days=i) for i in range(HISTORY_DAYS)]  # newest first
    attrs: dict[str, Any] = {
        "typeCompteur": "production" if production else "consommation",
        "serviceEnedis": "myElectricalData",
        "yesterdayDate": as_of.isoformat(),
        "yesterday": series.kwh(as_of),
        "day_2": series.kwh(as_of - timedelta(days=1)),
        "yesterday_evolution": evolution(series.kwh(as_of), series.kwh(as_of - timedelta(1))),
        "current_week": total("week"),
        "last_week": series.total_kwh(last_monday, monday - timedelta(days=1)),
        "current_week_evolution": evolution(total("week"), same_days_last_week),
        "current_month": total("month"),
        "current_month_last_year": total("month", last_year=True),
        "current_month_evolution": evolution(total("month"), total("month", last_year=True)),
        "last_month": last_month,
        "last_month_last_year": last_month_ly,
        "monthly_evolution": evolution(last_month, last_month_ly),
        "current_year": total("year"),
        "current_year_last_year": total("year", last_year=True),
        "yearly_evolution": evolution(total("year"), total("year", last_year=True)),
        "daily": [_or_missing(series.kwh(d)) for d in days],
        "dailyweek": [d.isoformat() for d in days],
    }
    if production:
        return attrs

    year_start = as_of.replace(month=1, day=1)
    peak = [pdl.split_kwh(t, year_start, as_of) for t in pdl.tags if not tag_is_offpeak(t)]
    every = [pdl.split_kwh(t, year_start, as_of) for t in pdl.tags]
    peak_total, all_total = sum(v or 0.0 for v in peak), sum(v or 0.0 for v in every)
    split_known = pdl.option not in (None, PricingOption.BASE, PricingOption.EJP)
    kva = pdl.stored.point.subscribed_power_kva
    rows: list[dict[str, Any]] = []
    for day in days:
        split = pdl.split.get(day)
        hc = hp = None
        if split is not None and split_known:
            hc = sum(wh for t, wh in split.wh.items() if tag_is_offpeak(t)) / 1000.0
            hp = sum(wh for t, wh in split.wh.items() if not tag_is_offpeak(t)) / 1000.0
        eur, _, missing = pdl.day_cost(day)
        mp = pdl.max_power.get(day)
        color = pdl.tempo.get(day)
        rows.append(
            {
                "date": day.isoformat(),
                "kwh": series.kwh(day),
                "hc_kwh": hc,
                "hp_kwh": hp,
                "split_kwh": (
                    {t: wh / 1000.0 for t, wh in split.wh.items()} if split is not None else None
                ),
                "energy_eur": None if missing else round(eur, 4),
                "cost_hc_eur": _tag_cost(pdl, split, True) if split_known else None,
                "cost_hp_eur": _tag_cost(pdl, split, False) if split_known else None,
                "max_power_va": mp.value_va if mp else None,
                "max_power_at": mp.at.astimezone(PARIS).isoformat() if mp else None,
                "tempo": color.value if color else None,
            }
        )
    yesterday = rows[0]
    attrs.update(
        {
            "yesterday_HC": _or_missing(yesterday["hc_kwh"]),
            "yesterday_HP": _or_missing(yesterday["hp_kwh"]),
            "daily_cost": _or_missing(yesterday["energy_eur"]),
            "peak_offpeak_percent": (
                round(peak_total / all_total * 100.0, 1) if split_known and all_total else -1
            ),
            "dailyweek_cost": [_or_missing(r["energy_eur"]) for r in rows],
            "dailyweek_costHC": [_or_missing(r["cost_hc_eur"]) for r in rows],
            "dailyweek_costHP": [_or_missing(r["cost_hp_eur"]) for r in rows],
            "dailyweek_HC": [_or_missing(r["hc_kwh"]) for r in rows],
            "dailyweek_HP": [_or_missing(r["hp_kwh"]) for r in rows],
            "dailyweek_MP": [
                _or_missing(r["max_power_va"] / 1000.0 if r["max_power_va"] is not None else None)
                for r in rows
            ],
            "dailyweek_MP_over": [
                bool(kva and r["max_power_va"] is not None and r["max_power_va"] > kva * 1000)
                for r in rows
            ],
            "dailyweek_MP_time": [_or_missing(r["max_power_at"]) for r in rows],
            "dailyweek_Tempo": [_or_missing(r["tempo"]) for r in rows],
            "subscribed_power": kva,
            "last_7_days": list(reversed(rows)),  # oldest first
        }
    )
    return attrs


def _tag_cost(pdl: Pdl, split: DaySplit | None, offpeak: bool) -> float | None:
    if split is None:
        return None
    return round(
        sum(
            wh / 1000.0 * pdl.prices.price_of_tag(tag)
            for tag, wh in split.wh.items()
            if tag != UNCLASSIFIED and tag_is_offpeak(tag) == offpeak
        ),
        4,
    )


def _or_missing(value: Any) -> Any:
    return -1 if value is None else value


# --------------------------------------------------------------------------- the table


def _has_split(tag: str) -> Callable[[Pdl], bool]:
    def applies(pdl: Pdl) -> bool:
        return pdl.stored.point.has_consumption and tag in pdl.tags and len(pdl.tags) > 1

    return applies


def _has_production(pdl: Pdl) -> bool:
    return pdl.stored.point.has_production


def _has_consumption(pdl: Pdl) -> bool:
    return pdl.stored.point.has_consumption


_SHORT_PERIODS: tuple[tuple[CostPeriod, str, str], ...] = (
    ("day", "hier", "yesterday"),
    ("month", "mois en cours", "this month"),
    ("year", "année en cours", "this year"),
)
_PERIODS_FR = {"day": "hier", "week": "semaine", "month": "mois", "year": "année"}
_PERIODS_EN = {"day": "yesterday", "week": "this week", "month": "this month", "year": "this year"}
_PERIOD_KEYS: dict[Period, str] = {
    "day": "yesterday",
    "week": "week",
    "month": "month",
    "year": "year",
}
_LAST_YEAR_FR = {
    "day": "du même jour l'an dernier",
    "week": "de la même semaine l'an dernier",
    "month": "du même mois l'an dernier (à date)",
    "year": "de l'an dernier à date",
}
_LAST_YEAR_EN = {
    "day": "same day last year",
    "week": "same week last year",
    "month": "same month last year (to date)",
    "year": "last year to date",
}
_TAG_FR = {"hc": "heures creuses", "hp": "heures pleines"}
_TAG_EN = {"hc": "off-peak", "hp": "peak"}
_COLOR_FR = {"blue": "bleu", "white": "blanc", "red": "rouge"}


def _tag_labels(tag: str) -> tuple[str, str]:
    if tag in _TAG_FR:
        return _TAG_FR[tag], _TAG_EN[tag]
    color, hours = tag[:-2], tag[-2:]
    return f"Tempo {_COLOR_FR[color]} {hours.upper()}", f"Tempo {color} {hours.upper()}"


def _consumption_measures() -> list[Measure]:
    measures: list[Measure] = []
    periods: tuple[Period, ...] = ("day", "week", "month", "year")
    for period in periods:
        key = f"consumption_{_PERIOD_KEYS[period]}"
        fr, en = _PERIODS_FR[period], _PERIODS_EN[period]
        is_day = period == "day"
        measures += [
            Measure(
                key,
                f"Consommation {fr}" if is_day else f"Consommation {fr} en cours",
                f"Consumption {en}",
                KWH,
                ENERGY,
                TOTAL if is_day else TOTAL_INCREASING,
                "pdl",
                _energy(Direction.CONSUMPTION, period),
                applies=_has_consumption,
                doc=(
                    "Daily value of the newest stored day (up to yesterday); `last_reset` = that "
                    "day's midnight. Carries the Linky card attributes."
                    if is_day
                    else f"Sum of the daily values from the first day of the {period} to the "
                    "newest stored day; resets when a new period starts."
                ),
            ),
            Measure(
                f"{key}_last_year",
                f"Consommation {_LAST_YEAR_FR[period]}",
                f"Consumption {_LAST_YEAR_EN[period]}",
                KWH,
                ENERGY,
                None,
                "pdl",
                _energy_last_year(Direction.CONSUMPTION, period),
                applies=_has_consumption,
                doc=(
                    "Same period one year earlier (52 weeks earlier for the week, so that the "
                    "weekdays match). A comparison value, not a meter: no state_class."
                ),
            ),
            Measure(
                f"{key}_evolution",
                f"Évolution consommation {fr}",
                f"Consumption change {en}",
                PERCENT,
                None,
                MEASUREMENT,
                "pdl",
                _energy_evolution(Direction.CONSUMPTION, period),
                applies=_has_consumption,
                doc="(current - last year) / last year x 100; unknown when last year is 0.",
            ),
        ]
    all_tags = ("hc", "hp", *TEMPO_TAGS)
    for tag in all_tags:
        fr, en = _tag_labels(tag)
        measures.append(
            Measure(
                f"consumption_yesterday_{tag}",
                f"Consommation hier {fr}",
                f"Consumption yesterday {en}",
                KWH,
                ENERGY,
                TOTAL,
                "pdl",
                _split(tag, "day"),
                applies=_has_split(tag),
                doc="Load curve of the newest stored day split with that day's off-peak "
                "schedule (Tempo: the colour of each Tempo day); `last_reset` = midnight.",
            )
        )
    for tag in all_tags:
        fr, en = _tag_labels(tag)
        measures.append(
            Measure(
                f"consumption_month_{tag}",
                f"Consommation mois en cours {fr}",
                f"Consumption this month {en}",
                KWH,
                ENERGY,
                TOTAL_INCREASING,
                "pdl",
                _split(tag, "month"),
                applies=_has_split(tag),
                doc="Load curve of the month to date, split per day with each day's schedule.",
            )
        )
    cost_doc = (
        "Energy priced with `TariffPrices` (HC/HP and Tempo from the load-curve split; a day "
        "without a complete load curve at its peak price, counted in `estimated_days`) plus "
        "the subscription prorated per day; `last_reset` = start of the period."
    )
    for period, fr, en in _SHORT_PERIODS:
        measures.append(
            Measure(
                f"cost_{_PERIOD_KEYS[period]}",
                f"Coût {fr}",
                f"Cost {en}",
                EUR,
                MONETARY,
                TOTAL,
                "pdl",
                _cost(period),
                applies=_has_consumption,
                doc=cost_doc,
            )
        )
    measures += [
        Measure(
            "max_power_yesterday",
            "Puissance max hier",
            "Max power yesterday",
            VA,
            APPARENT_POWER,
            MEASUREMENT,
            "pdl",
            _max_power,
            applies=_has_consumption,
            doc="Daily maximum apparent power of the newest stored day (up to yesterday).",
        ),
        Measure(
            "max_power_time",
            "Heure de la puissance max",
            "Max power time",
            None,
            TIMESTAMP,
            None,
            "pdl",
            _max_power_time,
            applies=_has_consumption,
            doc="When that maximum was reached (ISO 8601 with offset).",
        ),
        Measure(
            "max_power_percent",
            "Puissance max / puissance souscrite",
            "Max power vs subscribed power",
            PERCENT,
            None,
            MEASUREMENT,
            "pdl",
            _max_power_percent,
            applies=_has_consumption,
            doc="Max power (VA) / (subscribed kVA x 1000) x 100.",
        ),
        Measure(
            "subscribed_power",
            "Puissance souscrite",
            "Subscribed power",
            KVA,
            None,
            None,
            "pdl",
            _subscribed_power,
            doc="From the contract. No device_class: HA's apparent_power only takes VA.",
        ),
    ]
    return measures


def _production_measures() -> list[Measure]:
    measures = []
    for period, fr, en in _SHORT_PERIODS:
        is_day = period == "day"
        measures.append(
            Measure(
                f"production_{_PERIOD_KEYS[period]}",
                f"Production {fr}",
                f"Production {en}",
                KWH,
                ENERGY,
                TOTAL if is_day else TOTAL_INCREASING,
                "production",
                _energy(Direction.PRODUCTION, period),
                applies=_has_production,
                doc=(
                    "Daily production of the newest stored day; `last_reset` = midnight. "
                    "Carries the Linky card attributes."
                    if is_day
                    else f"Sum of the daily production from the first day of the {period}."
                ),
            )
        )
    return measures


def _tempo_measures() -> list[Measure]:
    measures = [
        Measure(
            "tempo_today",
            "Couleur Tempo aujourd'hui",
            "Tempo colour today",
            None,
            ENUM,
            None,
            "tempo",
            _tempo_on(0),
            options=TEMPO_OPTIONS,
            doc="Colour of today's Tempo day (06:00 today to 06:00 tomorrow).",
        ),
        Measure(
            "tempo_tomorrow",
            "Couleur Tempo demain",
            "Tomorrow's Tempo colour",
            None,
            ENUM,
            None,
            "tempo",
            _tempo_on(1),
            options=TEMPO_OPTIONS,
            doc="Unknown (None) until RTE publishes it, around 10:40-11:00.",
        ),
        Measure(
            "tempo_current",
            "Couleur Tempo en cours",
            "Tempo colour now",
            None,
            ENUM,
            None,
            "tempo",
            _tempo_current,
            options=TEMPO_OPTIONS,
            doc="Colour in force now: before 06:00 it is yesterday's. Attribute `offpeak`.",
        ),
    ]
    remaining = (
        (TempoColor.BLUE, "bleus"),
        (TempoColor.WHITE, "blancs"),
        (TempoColor.RED, "rouges"),
    )
    for color, fr in remaining:
        measures.append(
            Measure(
                f"tempo_remaining_{color.value.lower()}",
                f"Jours Tempo {fr} restants",
                f"Remaining {color.value.lower()} Tempo days",
                None,
                None,
                MEASUREMENT,
                "tempo",
                _tempo_remaining(color),
                doc="Season quota (300/301 blue, 43 white, 22 red) minus the days already "
                "coloured in the season (tomorrow included once published).",
            )
        )
    measures.append(
        Measure(
            "tempo_season",
            "Saison Tempo",
            "Tempo season",
            None,
            None,
            None,
            "tempo",
            _tempo_season,
            doc="Season label, 1 September to 31 August, e.g. `2025-2026`.",
        )
    )
    return measures


def _ecowatt_measures() -> list[Measure]:
    measures = [
        Measure(
            "ecowatt_now",
            "EcoWatt maintenant",
            "EcoWatt now",
            None,
            None,
            MEASUREMENT,
            "ecowatt",
            _ecowatt_at(0),
            doc="Level of the current local hour, 0 (green, low carbon) to 3 (red).",
        ),
        Measure(
            "ecowatt_next_hour",
            "EcoWatt heure suivante",
            "EcoWatt next hour",
            None,
            None,
            MEASUREMENT,
            "ecowatt",
            _ecowatt_at(1),
            doc="Level of the next hour (tomorrow's first hour after 23:00).",
        ),
    ]
    for offset in range(4):
        measures.append(
            Measure(
                f"ecowatt_j{offset}",
                f"EcoWatt J+{offset}" if offset else "EcoWatt aujourd'hui",
                f"EcoWatt D+{offset}" if offset else "EcoWatt today",
                None,
                None,
                MEASUREMENT,
                "ecowatt",
                _ecowatt_day(offset),
                doc="Day level 1 (green) to 3 (red); attributes `message`, `hourly` (24 levels)."
                if offset == 0
                else f"Day level of today + {offset}; unknown until RTE publishes it.",
            )
        )
    return measures


#: The catalogue, in publication order.
MEASURES: tuple[Measure, ...] = (
    *_consumption_measures(),
    *_production_measures(),
    *_tempo_measures(),
    *_ecowatt_measures(),
)


# --------------------------------------------------------------------------- snapshot


def _value(measure: Measure, scope: str, reading: Reading) -> MeasureValue:
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
        date=_iso(reading.date),
        quality=reading.quality,
        attributes=attributes,
    )


def _series(store: Store, pdl: str, direction: Direction, yesterday: date) -> Series:
    """Daily rows reaching back to the start of last year relative to the newest stored day."""
    latest = store.latest_day("daily_energy", pdl=pdl, direction=direction.value)
    if latest is None:
        return Series({}, None)
    as_of = min(latest, yesterday)
    # Covers the week 52 weeks back, which may start in December two years back.
    start = min(date(as_of.year - 1, 1, 1), as_of - timedelta(days=as_of.weekday() + 364))
    rows = store.daily(pdl, direction, start, as_of)
    daily = {row.day: row for row in rows}
    return Series(daily, max(daily) if daily else None)


def compute_snapshot_sync(
    store: Store, *, now: datetime | None = None, prices: TariffPrices | None = None
) -> StateSnapshot:
    """:func:`compute_snapshot` without the thread (for callers already off the event loop)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now: a naive datetime has no single instant; pass an aware one")
    prices = prices or TariffPrices()
    today = now.astimezone(PARIS).date()
    yesterday = today - timedelta(days=1)
    points = store.usage_points()

    fetched: list[tuple[StoredUsagePoint, Series, Series, date]] = []
    for stored in points:
        pdl = stored.point.pdl
        consumption = _series(store, pdl, Direction.CONSUMPTION, yesterday)
        production = (
            _series(store, pdl, Direction.PRODUCTION, yesterday)
            if stored.point.has_production
            else Series({}, None)
        )
        as_of = consumption.as_of or yesterday
        curve_start = min(as_of.replace(month=1, day=1), as_of - timedelta(days=HISTORY_DAYS))
        fetched.append((stored, consumption, production, curve_start))

    # One Tempo read for every PDL: the season so far, the load-curve ranges, tomorrow.
    tempo_start = min([season_start(today), *(f[3] for f in fetched)]) - timedelta(days=1)
    tempo = {d.day: d.color for d in store.tempo(tempo_start, today + timedelta(days=1))}
    ecowatt = {d.day: d for d in store.ecowatt(today, today + timedelta(days=3))}
    grid = Grid(now, today, tempo, ecowatt)

    values: list[MeasureValue] = []
    for stored, consumption, production, curve_start in fetched:
        pdl = stored.point.pdl
        as_of = consumption.as_of or yesterday
        split: dict[date, DaySplit] = {}
        if stored.point.has_consumption:
            rows = (
                row
                for batch in store.iter_load_curve_rows(
                    pdl,
                    Direction.CONSUMPTION,
                    local_midnight(curve_start),
                    local_midnight(as_of + timedelta(days=1)),
                )
                for row in batch
            )
            split = split_rows_by_day(
                rows, stored.point.pricing_option, stored.offpeak_history, tempo
            )
        # The last two weeks, and the card's week even when the daily values lag behind.
        power_start = min(yesterday - timedelta(days=13), as_of - timedelta(days=HISTORY_DAYS))
        max_power = {row.day: row for row in store.max_power(pdl, power_start, yesterday)}
        data = Pdl(stored, prices, consumption, production, max_power, split, tempo)
        ctx = Context(grid, data)
        for measure in MEASURES:
            if measure.scope not in ("pdl", "production"):
                continue
            applies = measure.applies or _has_consumption
            if applies(data):
                values.append(_value(measure, pdl, measure.compute(ctx)))

    grid_ctx = Context(grid)
    for measure in MEASURES:
        if measure.scope in ("tempo", "ecowatt"):
            values.append(_value(measure, measure.scope, measure.compute(grid_ctx)))
    return StateSnapshot(now, values, [p.point for p in points])


async def compute_snapshot(
    store: Store, *, now: datetime | None = None, prices: TariffPrices | None = None
) -> StateSnapshot:
    """Every catalogue value, computed once from the store in a worker thread."""
    return await asyncio.to_thread(compute_snapshot_sync, store, now=now, prices=prices)


# --------------------------------------------------------------------------- documentation

DOC_BEGIN = "<!-- measures:begin (generated from MEASURES; do not edit by hand) -->"
DOC_END = "<!-- measures:end -->"


def measures_table() -> str:
    """The catalogue as the Markdown table of ``docs/measures.md``."""
    lines = [
        "| key | scope | label (fr) | label (en) | unit | device_class | state_class | "
        "how it is computed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in MEASURES:
        options = f" options: {', '.join(m.options)}." if m.options else ""
        cells = [
            f"`{m.key}`",
            m.scope,
            m.label_fr,
            m.label_en,
            m.unit or "",
            m.device_class or "",
            m.state_class or "",
            (m.doc + options).replace("|", "\\|"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_doc(text: str) -> str:
    """``text`` with the part between the markers replaced by :func:`measures_table`."""
    head, found, rest = text.partition(DOC_BEGIN)
    _, found_end, tail = rest.partition(DOC_END)
    if not found or not found_end:
        raise ValueError(f"the document needs the markers {DOC_BEGIN!r} and {DOC_END!r}")
    return f"{head}{DOC_BEGIN}\n{measures_table()}\n{DOC_END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Print the measures table, or rewrite it inside a document with ``--write PATH``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--write", type=Path, help="document to update between the markers")
    args = parser.parse_args(argv)
    if args.write is None:
        sys.stdout.write(measures_table() + "\n")
        return 0
    path: Path = args.write
    path.write_text(render_doc(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
