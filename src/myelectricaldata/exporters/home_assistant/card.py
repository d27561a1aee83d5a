"""The attributes of the Linky Lovelace card (content-card-linky) on the card entities.

``sensor.linky_<pdl>_consumption`` (and ``_production``) carry yesterday's value with the
attributes the card reads, so it works as it did with the previous client: the last seven days,
the week, month and year with last year's, HC/HP and cost per day, max power per day. They are
computed from the typed readings the snapshot carries (``StateSnapshot.readings``), with the
catalogue's own period rules and costs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from myelectricaldata.domain.measures import (
    MeterReadings,
    Period,
    evolution,
    last_year_bounds,
    period_bounds,
    years_back,
)
from myelectricaldata.domain.tariffs import tag_is_offpeak
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction, PricingOption

#: Days the card shows.
CARD_DAYS = 7


def card_attributes(meter: MeterReadings, direction: Direction) -> dict[str, Any]:
    """Attributes of the Linky Lovelace card (content-card-linky), plus ``last_7_days``.

    Lists are newest first with -1 for a missing value, as the card expects.
    """
    production = direction is Direction.PRODUCTION
    series = meter.production if production else meter.consumption
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
    days = [as_of - timedelta(days=i) for i in range(CARD_DAYS)]  # newest first
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
    peak = [meter.split_kwh(t, year_start, as_of) for t in meter.tags if not tag_is_offpeak(t)]
    every = [meter.split_kwh(t, year_start, as_of) for t in meter.tags]
    peak_total, all_total = sum(v or 0.0 for v in peak), sum(v or 0.0 for v in every)
    split_known = meter.option not in (None, PricingOption.BASE, PricingOption.EJP)
    kva = meter.point.subscribed_power_kva
    rows: list[dict[str, Any]] = []
    for day in days:
        split = meter.split.get(day)
        hc = hp = None
        if split is not None and split_known:
            hc = sum(wh for t, wh in split.wh.items() if tag_is_offpeak(t)) / 1000.0
            hp = sum(wh for t, wh in split.wh.items() if not tag_is_offpeak(t)) / 1000.0
        cost = meter.day_cost(day)
        mp = meter.max_power.get(day)
        color = meter.tempo.get(day)
        rows.append(
            {
                "date": day.isoformat(),
                "kwh": series.kwh(day),
                "hc_kwh": hc,
                "hp_kwh": hp,
                "split_kwh": (
                    {t: wh / 1000.0 for t, wh in split.wh.items()} if split is not None else None
                ),
                "energy_eur": None if cost.missing else round(cost.energy_eur, 4),
                "cost_hc_eur": meter.slot_cost(day, True) if split_known else None,
                "cost_hp_eur": meter.slot_cost(day, False) if split_known else None,
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


def _or_missing(value: Any) -> Any:
    return -1 if value is None else value
