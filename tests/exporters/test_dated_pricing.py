"""Exporters price like the web UI: each day at the row of the PDL's offer in force that day,
with that day's off-peak hours. The expected figures are recomputed here minute by minute from
the stored versions, not taken from the pricing code."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from myelectricaldata.domain.offers import (
    OfferType,
    PersonalPrices,
    parse_hc_schedules,
    personal_offer_id,
)
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    LoadCurvePoint,
    Origin,
    PricingOption,
    UsagePoint,
)
from myelectricaldata.exporters.home_assistant.entities import card_values
from myelectricaldata.exporters.snapshot import compute_snapshot_sync
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.pricing import StorePricing
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import make_export_service
from tests.exporters.home_assistant.helpers import day_changes
from tests.fakes.homeassistant import FakeHomeAssistant

PDL = "12345678900001"
PREFIX = "myelectricaldata"
FIRST, LAST = date(2025, 3, 20), date(2025, 4, 5)  # spring DST on 30 March inside
#: The user's own HC/HP prices: a version from 1 January, another from 1 April.
PRICES = {
    date(2025, 1, 1): (12.0, {"hc_price": 0.15, "hp_price": 0.20}),
    date(2025, 4, 1): (14.5, {"hc_price": 0.11, "hp_price": 0.31}),
}
#: Off-peak hours: 22:00-06:00, then 23:00-07:00 from 28 March.
OFFPEAK = {date(2025, 1, 1): (22 * 60, 6 * 60), date(2025, 3, 28): (23 * 60, 7 * 60)}
NOW = datetime(2025, 4, 6, 10, 0, tzinfo=PARIS)


def _in_force(versions: dict[date, object], day: date) -> object:
    return versions[max(d for d in versions if d <= day)]


def _points() -> list[LoadCurvePoint]:
    points = []
    instant = local_midnight(FIRST).astimezone(UTC)
    end = local_midnight(LAST + timedelta(days=1)).astimezone(UTC)
    i = 0
    while instant < end:
        points.append(LoadCurvePoint(instant, 250 + (i * 137) % 1900))
        instant += timedelta(minutes=30)
        i += 1
    return points


def expected_by_day(
    prices_by_date: dict[date, tuple[float, dict[str, float]]] = PRICES,
    offpeak_by_date: dict[date, tuple[int, int]] = OFFPEAK,
) -> dict[date, dict[str, float]]:
    """EUR of the HC and HP energy of each local day, minute by minute: the local minute of
    each instant, the off-peak hours and the prices of that minute's own day."""
    out: dict[date, dict[str, float]] = defaultdict(lambda: {"hc": 0.0, "hp": 0.0})
    for point in _points():
        for minute in range(point.interval_min):
            local = (point.start + timedelta(minutes=minute)).astimezone(PARIS)
            day = local.date()
            start, end = _in_force(offpeak_by_date, day)  # type: ignore[misc]
            wall = local.hour * 60 + local.minute
            hc = start <= wall < end if start < end else (wall >= start or wall < end)
            _, prices = _in_force(prices_by_date, day)  # type: ignore[misc]
            price = prices["hc_price" if hc else "hp_price"]
            out[day]["hc" if hc else "hp"] += point.avg_w / 60 / 1000 * price
    return dict(out)


def subscription(first: date, last: date) -> float:
    """The monthly subscription in force each day, shared by the days of its month."""
    total = 0.0
    day = first
    while day <= last:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_days = (following - timedelta(days=1)).day
        monthly, _ = _in_force(PRICES, day)  # type: ignore[misc]
        total += monthly / month_days
        day += timedelta(days=1)
    return total


@pytest.fixture
def priced_store(tmp_path: Path) -> Iterator[Store]:
    """A 6 kVA HC/HP meter, 17 days of load curve, two dated off-peak versions and the user's
    own prices in two dated versions chosen as its offer."""
    store = Store.open(f"sqlite:///{tmp_path / 'priced.db'}")
    store.upsert_usage_point(
        UsagePoint(PDL, "Maison", 6.0, PricingOption.HC_HP), Origin.GATEWAY, seen_on=FIRST
    )
    for valid_from, (start, end) in OFFPEAK.items():
        text = f"{start // 60}H{start % 60:02d}-{end // 60}H{end % 60:02d}"
        store.set_offpeak_version(PDL, valid_from, parse_offpeak(text))
    points = _points()
    store.upsert_load_curve(PDL, Direction.CONSUMPTION, points, Origin.GATEWAY)
    daily: dict[date, float] = defaultdict(float)
    for p in points:
        daily[p.start.astimezone(PARIS).date()] += p.avg_w * p.interval_min / 60
    store.upsert_daily(
        PDL,
        Direction.CONSUMPTION,
        [DailyReading(day, round(wh)) for day, wh in daily.items()],
        Origin.GATEWAY,
    )
    offers = OfferStore(store)
    for valid_from, (monthly, prices) in PRICES.items():
        offers.put_personal(PDL, PersonalPrices(OfferType.HC_HP, valid_from, monthly, prices))
    offers.set_user_offer(PDL, personal_offer_id(OfferType.HC_HP))
    yield store
    store.close()


def test_the_snapshot_costs_price_each_day_at_the_row_and_off_peak_hours_of_that_day(
    priced_store: Store,
) -> None:
    pricing = StorePricing(priced_store, TariffPrices)
    snapshot = compute_snapshot_sync(priced_store, now=NOW, pricing=pricing)
    values = {v.key: v for v in snapshot.values if v.scope == PDL}
    by_day = expected_by_day()

    def energy(first: date, last: date) -> float:
        return sum(sum(v.values()) for d, v in by_day.items() if first <= d <= last)

    # This month: 1 to 5 April, all at the April prices and the 23:00-07:00 hours.
    month = values["cost_month"]
    assert month.attributes["energy_eur"] == pytest.approx(energy(date(2025, 4, 1), LAST), abs=1e-4)
    assert month.attributes["subscription_eur"] == pytest.approx(
        subscription(date(2025, 4, 1), LAST), abs=1e-4
    )
    # This year crosses both changes: the energy of every day at its own prices and hours.
    year = values["cost_year"]
    assert year.attributes["energy_eur"] == pytest.approx(energy(FIRST, LAST), abs=1e-4)
    assert year.attributes["subscription_eur"] == pytest.approx(
        subscription(date(2025, 1, 1), LAST), abs=1e-4
    )
    assert year.value == pytest.approx(
        energy(FIRST, LAST) + subscription(date(2025, 1, 1), LAST), abs=0.005
    )
    assert year.attributes["missing_days"] == (FIRST - date(2025, 1, 1)).days
    # The UI's own figure over the same range (price_range) is the same.
    stored = priced_store.usage_point(PDL)
    assert stored is not None
    bill = pricing.price_range(stored, FIRST, LAST).bill
    assert bill.energy_eur == pytest.approx(energy(FIRST, LAST), abs=1e-9)


def test_home_assistant_cost_statistics_price_each_day_at_the_row_of_that_day(
    priced_store: Store,
) -> None:
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = make_export_service(priced_store)
        config = {"enabled": True, "url": fake.url, "token": fake.token, "entities": "off"}
        service.configs.save("home_assistant", config)
        ExportRepo(priced_store).reset_checkpoints("home_assistant")
        log = asyncio.run(service.run("home_assistant"))
        assert log.status == "success", log.error
        by_day = expected_by_day()
        for tag in ("hc", "hp"):
            changes = day_changes(fake.statistics(f"{PREFIX}:{PDL}_{tag}_cost"))
            assert set(changes) == set(by_day)
            for day, eur in by_day.items():
                assert changes[day] == pytest.approx(eur[tag], abs=1e-5), (tag, day)


def test_home_assistant_splits_with_the_hours_of_an_offer_row_that_has_its_own(
    priced_store: Store,
) -> None:
    """A version of the user's prices with its own off-peak hours (02:00-08:00 on weekdays)
    prices its days with them, like the web UI; the weekend and the days before keep the
    meter's hours."""
    own = {name: "02:00-08:00" for name in ("monday", "tuesday", "wednesday", "thursday")}
    own["friday"] = "02:00-08:00"
    monthly, prices = PRICES[date(2025, 4, 1)]
    OfferStore(priced_store).put_personal(
        PDL,
        PersonalPrices(OfferType.HC_HP, date(2025, 4, 1), monthly, prices, parse_hc_schedules(own)),
    )
    stored = priced_store.usage_point(PDL)
    assert stored is not None
    bill = StorePricing(priced_store, TariffPrices).price_range(stored, FIRST, LAST).bill
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = make_export_service(priced_store)
        config = {"enabled": True, "url": fake.url, "token": fake.token, "entities": "off"}
        service.configs.save("home_assistant", config)
        ExportRepo(priced_store).reset_checkpoints("home_assistant")
        log = asyncio.run(service.run("home_assistant"))
        assert log.status == "success", log.error
        changes = {
            tag: day_changes(fake.statistics(f"{PREFIX}:{PDL}_{tag}_cost")) for tag in ("hc", "hp")
        }
    # Recomputed here: each day's hours (the row's own on weekdays from 1 April, else the
    # meter's version), each minute at its day's price.
    expected: dict[date, dict[str, float]] = defaultdict(lambda: {"hc": 0.0, "hp": 0.0})
    for point in _points():
        for minute in range(point.interval_min):
            local = (point.start + timedelta(minutes=minute)).astimezone(PARIS)
            day = local.date()
            if day >= date(2025, 4, 1) and day.weekday() < 5:
                start, end = 2 * 60, 8 * 60
            else:
                start, end = _in_force(OFFPEAK, day)  # type: ignore[misc]
            wall = local.hour * 60 + local.minute
            hc = start <= wall < end if start < end else (wall >= start or wall < end)
            _, day_prices = _in_force(PRICES, day)  # type: ignore[misc]
            price = day_prices["hc_price" if hc else "hp_price"]
            expected[day]["hc" if hc else "hp"] += point.avg_w / 60 / 1000 * price
    for tag in ("hc", "hp"):
        assert set(changes[tag]) == set(expected)
        for day, eur in expected.items():
            assert changes[tag][day] == pytest.approx(eur[tag], abs=1e-5), (tag, day)
    # The UI's figure over the range is the same.
    total = sum(sum(v.values()) for v in expected.values())
    assert bill.energy_eur == pytest.approx(total, abs=1e-9)


def test_the_linky_card_prices_each_day_of_its_week_at_that_days_row(priced_store: Store) -> None:
    snapshot = compute_snapshot_sync(
        priced_store, now=NOW, pricing=StorePricing(priced_store, TariffPrices)
    )
    (card,) = [v for v in card_values(snapshot) if v.scope == PDL and v.key == "linky_consumption"]
    by_day = expected_by_day()
    week = [date.fromisoformat(d) for d in card.attributes["dailyweek"]]
    assert week[0] == LAST and week[-1] < date(2025, 4, 1)  # the week crosses the new prices
    for day, hc, hp, total in zip(
        week,
        card.attributes["dailyweek_costHC"],
        card.attributes["dailyweek_costHP"],
        card.attributes["dailyweek_cost"],
        strict=True,
    ):
        assert hc == pytest.approx(by_day[day]["hc"], abs=5e-5), day
        assert hp == pytest.approx(by_day[day]["hp"], abs=5e-5), day
        assert total == pytest.approx(by_day[day]["hc"] + by_day[day]["hp"], abs=5e-5), day
