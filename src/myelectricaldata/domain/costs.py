"""What energy costs, with the tariffs of :mod:`myelectricaldata.domain.tariffs`.

A day is priced from its load curve split by tariff tag when the contract has HC/HP or Tempo
and the curve covers the whole day; otherwise from its daily value: at the Base price, or, for
HC/HP and Tempo, at that day's peak price (an upper bound, counted as *estimated*). A period adds
the subscription prorated per day. The measures catalogue, Home Assistant's Linky card and the
web UI's cost pages all price with these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from myelectricaldata.domain.tariffs import (
    UNCLASSIFIED,
    DaySplit,
    TariffPrices,
    tag_is_offpeak,
)
from myelectricaldata.domain.timeutil import day_length_minutes
from myelectricaldata.domain.types import PricingOption, TempoColor

#: Options whose energy is priced per tag from the load-curve split.
SPLIT_OPTIONS = (PricingOption.HC_HP, PricingOption.HC_WEEKEND, PricingOption.TEMPO)


@dataclass(frozen=True, slots=True)
class DayCost:
    """Energy cost of one local day, and how it was known."""

    energy_eur: float
    estimated: bool  # priced from the daily value, or partly from unclassified energy
    missing: bool  # no consumption value at all


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


def peak_tag(option: PricingOption | None, color: TempoColor | None) -> str:
    """The tag of a day's peak hours: ``hp``, or ``<colour>hp`` for Tempo (blue when the
    colour is unknown)."""
    if option is PricingOption.TEMPO:
        return f"{(color or TempoColor.BLUE).value.lower()}hp"
    return "hp"


def day_cost(
    day: date,
    option: PricingOption | None,
    prices: TariffPrices,
    daily_kwh: float | None,
    split: DaySplit | None,
    color: TempoColor | None = None,
) -> DayCost:
    """Energy cost of ``day`` from its daily value (kWh), its load-curve split and, for Tempo,
    its colour."""
    if option in SPLIT_OPTIONS:
        peak = prices.price_of_tag(peak_tag(option, color))
        if split is not None and split.minutes >= day_length_minutes(day):
            eur = prices.cost_of(split.wh)
            unclassified = split.wh.get(UNCLASSIFIED, 0.0)
            if unclassified:
                eur += unclassified / 1000.0 * peak
            return DayCost(eur, bool(unclassified), False)
        if daily_kwh is None:
            return DayCost(0.0, False, True)
        # No complete load curve: the day's energy at its peak price, an upper bound.
        return DayCost(daily_kwh * peak, True, False)
    if daily_kwh is None:
        return DayCost(0.0, False, True)
    return DayCost(daily_kwh * prices.base_eur_kwh, False, False)


def tag_cost(prices: TariffPrices, split: DaySplit | None, offpeak: bool) -> float | None:
    """Cost (EUR, 4 decimals) of a day's off-peak (or peak) tags, ``None`` without a split."""
    if split is None:
        return None
    return round(
        sum(
            wh / 1000.0 * prices.price_of_tag(tag)
            for tag, wh in split.wh.items()
            if tag != UNCLASSIFIED and tag_is_offpeak(tag) == offpeak
        ),
        4,
    )


def sum_costs(days: Mapping[date, DayCost], subscription_eur: float) -> CostBreakdown:
    """A period's cost from the cost of each of its days and its prorated subscription."""
    return CostBreakdown(
        sum(c.energy_eur for c in days.values()),
        subscription_eur,
        sum(c.estimated for c in days.values()),
        sum(c.missing for c in days.values()),
    )
