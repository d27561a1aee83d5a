"""What the € pages, the dashboard and Paramètres price with: the PDL's offer (chosen here, else
picked on the site, else the default prices), each day at the row in force that day at the
meter's kVA; the Simulateur's period; a typed price refused with its field named; the range a
back-dated change re-priced.

Expected euros are recomputed here from the load-curve points themselves (each point's Paris
wall-clock hour and day, the version in force that day), not with the billing module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete

from myelectricaldata.domain.billing import DaySource
from myelectricaldata.domain.offers import OfferType, personal_prices_from
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.timeutil import PARIS, day_bounds_utc
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    LoadCurvePoint,
    Origin,
    PricingOption,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.store import schema as t
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.pricing import PricingOrigin
from myelectricaldata.store.repo import Store, StoredUsagePoint
from myelectricaldata.ui.data import (
    MAX_SIMULATION_DAYS,
    by_tag,
    cost_model,
    last_repricing,
    month_cost,
    prices_for,
    record_repricing,
    simulation_period,
)
from myelectricaldata.ui.offers import price_problem

PDL = "12345678901234"
C = Direction.CONSUMPTION
#: November 2024: a personal HC/HP price change on Saturday the 16th, mid-month.
FIRST, LAST = date(2024, 11, 1), date(2024, 11, 30)
CHANGE = date(2024, 11, 16)
OLD = {"sub": 14.0, "hc": 0.15, "hp": 0.21}
NEW = {"sub": 16.5, "hc": 0.17, "hp": 0.25}
#: Paris hours of the meter's off-peak hours (22:00-06:00), which are also Tempo's.
HC_HOURS = {22, 23, 0, 1, 2, 3, 4, 5}


def watts(index: int) -> int:
    """An irregular but deterministic average power for the index-th half hour."""
    return 300 + (index * 211) % 2700


def curve(first: date, last: date) -> list[LoadCurvePoint]:
    start = day_bounds_utc(first)[0]
    end = day_bounds_utc(last)[1]
    count = int((end - start).total_seconds() // 1800)
    return [LoadCurvePoint(start + timedelta(minutes=30 * i), watts(i), 30) for i in range(count)]


def add_point(store: Store, kva: float = 6.0, option: PricingOption = PricingOption.HC_HP) -> None:
    store.upsert_usage_point(
        UsagePoint(
            PDL,
            "Maison",
            kva,
            option,
            parse_offpeak("HC (22H00-6H00)"),
        ),
        Origin.GATEWAY,
        seen_on=date(2020, 1, 1),
    )


def stored(store: Store) -> StoredUsagePoint:
    point = store.usage_point(PDL)
    assert point is not None
    return point


def fill(store: Store, first: date, last: date) -> list[LoadCurvePoint]:
    points = curve(first, last)
    store.upsert_load_curve(PDL, C, points, Origin.GATEWAY)
    daily: dict[date, int] = {}
    for p in points:
        day = p.start.astimezone(PARIS).date()
        daily[day] = daily.get(day, 0) + p.avg_w // 2
    store.upsert_daily(PDL, C, [DailyReading(d, v) for d, v in daily.items()], Origin.GATEWAY)
    return points


def personal(store: Store, since: date, prices: dict[str, float]) -> None:
    version = personal_prices_from(
        {
            "offer_type": "HC_HP",
            "valid_from": since.isoformat(),
            "subscription_eur_month": str(prices["sub"]).replace(".", ","),
            "prices": {"hc_price": str(prices["hc"]), "hp_price": str(prices["hp"])},
        }
    )
    OfferStore(store).put_personal(PDL, version)


def expected_hc_hp(points: list[LoadCurvePoint], first: date, last: date) -> tuple[float, float]:
    """(energy EUR, subscription EUR): each half hour at its own day's version, HC 22:00-06:00."""
    energy = 0.0
    for p in points:
        local = p.start.astimezone(PARIS)
        if not first <= local.date() <= last:
            continue
        version = NEW if local.date() >= CHANGE else OLD
        hc = local.hour >= 22 or local.hour < 6
        energy += p.avg_w * 0.5 / 1000 * version["hc" if hc else "hp"]
    subscription = 0.0
    day = first
    while day <= last:
        subscription += (NEW if day >= CHANGE else OLD)["sub"] / 30  # November: 30 days
        day += timedelta(days=1)
    return energy, subscription


def test_a_month_straddling_a_price_change_prices_each_day_at_its_own_version(
    store: Store,
) -> None:
    add_point(store)
    points = fill(store, FIRST - timedelta(days=1), LAST + timedelta(days=1))
    personal(store, date(1970, 1, 1), OLD)
    personal(store, CHANGE, NEW)
    OfferStore(store).set_user_offer(PDL, "personal:HC_HP")

    model = cost_model(store, stored(store), FIRST, LAST)
    energy, subscription = expected_hc_hp(points, FIRST, LAST)
    assert model.pricing.origin is PricingOrigin.USER
    assert [(p.first, p.last) for p in model.pricing.periods] == [
        (FIRST, CHANGE - timedelta(days=1)),
        (CHANGE, LAST),
    ]
    assert model.bill.exact
    assert model.bill.energy_eur == pytest.approx(energy, abs=1e-9)
    assert model.bill.subscription_eur == pytest.approx(subscription, abs=1e-9)
    assert model.count(DaySource.CURVE) == 30
    # The day before the change and the change day, each alone.
    for day in (CHANGE - timedelta(days=1), CHANGE):
        bill = next(d for d in model.days if d.day == day)
        alone = expected_hc_hp(points, day, day)
        assert bill.energy_eur == pytest.approx(alone[0], abs=1e-9)
        assert sum(by_tag(bill).values()) == pytest.approx(alone[0], abs=1e-9)
        assert bill.subscription_eur == pytest.approx(alone[1], abs=1e-12)


def test_last_year_is_priced_at_last_years_prices(store: Store) -> None:
    """The N-1 of the € page: November 2023 under the version in force then."""
    add_point(store)
    before = fill(store, date(2023, 10, 31), date(2023, 12, 1))
    personal(store, date(1970, 1, 1), OLD)
    personal(store, CHANGE, NEW)
    OfferStore(store).set_user_offer(PDL, "personal:HC_HP")
    model = cost_model(store, stored(store), date(2023, 11, 1), date(2023, 11, 30))
    energy = sum(
        p.avg_w * 0.5 / 1000 * OLD["hc" if p.start.astimezone(PARIS).hour in HC_HOURS else "hp"]
        for p in before
        if p.start.astimezone(PARIS).date().month == 11
    )
    assert model.bill.energy_eur == pytest.approx(energy, abs=1e-9)
    assert model.bill.subscription_eur == pytest.approx(OLD["sub"], abs=1e-9)


def test_the_offer_picked_on_the_site_prices_with_its_subscription_at_the_meters_kva(
    store: Store,
) -> None:
    """The demo catalogue's Tempo at 12 kVA: February 2025 straddles the grid of the 1st."""
    add_point(store, kva=12.0, option=PricingOption.TEMPO)
    first, last = date(2025, 1, 25), date(2025, 2, 5)
    points = fill(store, first - timedelta(days=1), last + timedelta(days=1))
    colors = {first - timedelta(days=2) + timedelta(days=i): TempoColor.BLUE for i in range(16)}
    colors[date(2025, 1, 31)] = TempoColor.RED
    colors[date(2025, 2, 3)] = TempoColor.WHITE
    store.upsert_tempo([TempoDay(d, c) for d, c in colors.items()], Origin.GATEWAY)
    offers = OfferStore(store)
    offers.save_catalogue(demo_catalogue(), fetched_at=datetime(2025, 2, 6, tzinfo=UTC))
    offers.set_gateway_offer(PDL, "demo-edf-tempo-6kva-2023-08-01")  # any row names the offer

    pricing = prices_for(store, stored(store), first, last)
    assert pricing.origin is PricingOrigin.GATEWAY and pricing.provider == "EDF"
    assert [(p.offer.power_kva, p.offer.valid_from, p.offer.subscription_eur_month)
            for p in pricing.periods] == [
        (12, date(2024, 2, 1), 19.44),
        (12, date(2025, 2, 1), 20.96),
    ]  # fmt: skip
    # EDF's Tempo grids (blue HC, blue HP, white HC, white HP, red HC, red HP), EUR/kWh.
    grids = {
        date(2024, 2, 1): (0.1296, 0.1609, 0.1486, 0.1894, 0.1568, 0.7562),
        date(2025, 2, 1): (0.1288, 0.1552, 0.1447, 0.1792, 0.1518, 0.6586),
    }
    energy = 0.0
    for p in points:
        local = p.start.astimezone(PARIS)
        if not first <= local.date() <= last:
            continue
        grid = grids[date(2025, 2, 1) if local.date() >= date(2025, 2, 1) else date(2024, 2, 1)]
        tempo_day = local.date() - timedelta(days=1) if local.hour < 6 else local.date()
        color = {"BLUE": 0, "WHITE": 2, "RED": 4}[colors[tempo_day].value]
        energy += p.avg_w * 0.5 / 1000 * grid[color + (0 if local.hour in HC_HOURS else 1)]
    subscription = 7 * 19.44 / 31 + 5 * 20.96 / 28
    model = cost_model(store, stored(store), first, last)
    assert model.bill.energy_eur == pytest.approx(energy, abs=1e-9)
    assert model.bill.subscription_eur == pytest.approx(subscription, abs=1e-9)
    red = sum(v for d in model.days for t, v in by_tag(d).items() if t.startswith("red"))
    assert red > 0

    # The user's own choice wins over the site's.
    personal(store, date(1970, 1, 1), OLD)
    offers.set_user_offer(PDL, "personal:HC_HP")
    assert prices_for(store, stored(store), first, last).offer.offer_type is OfferType.HC_HP


def test_without_any_offer_the_default_prices_price_every_day(store: Store) -> None:
    add_point(store, kva=9.0, option=PricingOption.TEMPO)
    OfferStore(store).set_gateway_offer(PDL, "not-in-the-catalogue")
    pricing = prices_for(store, stored(store), FIRST, LAST)
    assert pricing.origin is PricingOrigin.DEFAULT
    assert pricing.missing_offer_id == "not-in-the-catalogue"
    defaults = TariffPrices()
    assert pricing.offer.offer_type is OfferType.TEMPO
    assert pricing.offer.subscription_eur_month == defaults.subscription_eur_month
    assert pricing.offer.prices["tempo_red_hp"] == defaults.tempo_red_hp_eur_kwh
    assert [(p.first, p.last) for p in pricing.periods] == [(FIRST, LAST)]


def test_a_day_with_only_its_daily_value_is_spread_like_the_average_day(store: Store) -> None:
    """One day of the month without load curve: its daily value, spread like the average of
    the complete days; the month's cost and the dashboard's month cost agree."""
    add_point(store)
    points = fill(store, FIRST, LAST)
    personal(store, date(1970, 1, 1), OLD)
    OfferStore(store).set_user_offer(PDL, "personal:HC_HP")
    hole = date(2024, 11, 20)
    start, end = day_bounds_utc(hole)
    with store.engine.begin() as conn:
        c = t.load_curve.c
        conn.execute(
            delete(t.load_curve).where(
                c.pdl == PDL,
                c.start_ts >= int(start.timestamp()),
                c.start_ts < int(end.timestamp()),
            )
        )
    model = cost_model(store, stored(store), FIRST, LAST)
    assert model.count(DaySource.ESTIMATED) == 1 and model.profile_days == 29
    kept = [p for p in points if p.start.astimezone(PARIS).date() != hole]
    daily_wh = sum(p.avg_w // 2 for p in points if p.start.astimezone(PARIS).date() == hole)
    hc_share = sum(p.avg_w for p in kept if p.start.astimezone(PARIS).hour in HC_HOURS) / sum(
        p.avg_w for p in kept
    )
    estimated = daily_wh / 1000 * (hc_share * OLD["hc"] + (1 - hc_share) * OLD["hp"])
    day = next(d for d in model.days if d.day == hole)
    assert day.energy_eur == pytest.approx(estimated, rel=1e-9)
    dashboard = month_cost(store, stored(store), date(2024, 12, 1))
    assert dashboard is not None
    assert (dashboard.first, dashboard.last) == (FIRST, LAST)
    assert dashboard.bill.low_eur == pytest.approx(model.bill.low_eur, abs=1e-9)


# -- Simulateur period ---------------------------------------------------------------------------


def test_the_simulator_period_defaults_to_the_last_twelve_months_and_refuses_odd_ones() -> None:
    anchor = date(2026, 12, 5)
    default = simulation_period(None, None, anchor)
    assert (default.first, default.last, default.default) == (date(2025, 12, 6), anchor, True)
    chosen = simulation_period("2026-01-01", "2026-06-30", anchor)
    assert (chosen.first, chosen.last, chosen.default, chosen.problems) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        False,
        (),
    )
    reversed_ = simulation_period("2026-06-30", "2026-01-01", anchor)
    assert [p.key for p in reversed_.problems] == ["query.end_before_start"]
    assert (reversed_.first, reversed_.last) == (default.first, default.last)
    too_long = simulation_period("2020-01-01", "2026-01-01", anchor)
    assert [p.key for p in too_long.problems] == ["query.sim_too_long"]
    assert too_long.problems[0].values == {"days": MAX_SIMULATION_DAYS}
    bad = simulation_period("06/12/2026", None, anchor)
    assert [p.name for p in bad.problems] == ["start"] and bad.default


# -- prices typed in a form ----------------------------------------------------------------------


def test_a_typed_price_is_read_with_a_french_comma_and_80_for_a_kwh_is_refused() -> None:
    assert price_problem("fr", "Tempo rouge HP (€/kWh)", "0,80") is None
    assert price_problem("fr", "Tempo rouge HP (€/kWh)", "0.7060") is None
    refused = price_problem("fr", "Tempo rouge HP (€/kWh)", "80")
    assert refused is not None
    assert refused.startswith("« Tempo rouge HP (€/kWh) » : 80 €/kWh n'est pas un prix au kWh")
    assert "0,8 pour 80 c€/kWh" in refused
    assert (price_problem("en", "Tempo red peak", "80") or "").startswith("“Tempo red peak”: 80")
    yearly = price_problem("fr", "Abonnement (€/mois)", "185,64", monthly=True)
    assert yearly is not None and "pas l'annuel" in yearly
    assert price_problem("fr", "Abonnement (€/mois)", "15,74", monthly=True) is None
    assert "n'est pas un nombre" in (price_problem("fr", "Base", "0,19,5") or "")
    assert "négatif" in (price_problem("fr", "Base", "-0,1") or "")
    missing = price_problem("fr", "Heures pleines", " ", required=True, offer_type="HC")
    assert missing == "« Heures pleines » : obligatoire pour une offre HC."
    assert price_problem("fr", "Heures pleines week-end", "") is None  # optional


# -- back-dated changes --------------------------------------------------------------------------


def test_a_back_dated_change_is_said_for_a_week(store: Store) -> None:
    now = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    assert last_repricing(store, PDL, now) is None
    record_repricing(store, PDL, date(2025, 1, 1), "prices", now)
    change = last_repricing(store, PDL, now + timedelta(days=6))
    assert change is not None and (change.start, change.what) == (date(2025, 1, 1), "prices")
    assert last_repricing(store, PDL, now + timedelta(days=8)) is None
    with pytest.raises(ValueError, match="what"):
        record_repricing(store, PDL, date(2025, 1, 1), "colour", now)
