"""The demo source through the real sync path: a complete, labelled history on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from myelectricaldata.domain.tempo import calendar_violations
from myelectricaldata.domain.timeutil import today_paris
from myelectricaldata.domain.types import Direction
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.sources.demo_offers import DemoOffers, demo_catalogue
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.repo import Store
from myelectricaldata.sync.planner import years_before
from myelectricaldata.sync.service import SyncService

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)


async def test_demo_backfill_fills_three_years_daily_two_years_detail_labelled_demo(
    store: Store,
) -> None:
    source = DemoSource(clock=lambda: NOW)
    sync = SyncService(store, source, clock=lambda: NOW)
    report = await sync.run(trigger="test")
    assert report.status == "success", report.errors
    today = today_paris(NOW)
    daily_days = (today - years_before(today, 3)).days  # three calendar years, to yesterday
    detail_days = (today - years_before(today, 2)).days
    for pdl in (DEMO_TEMPO_PDL, DEMO_SOLAR_PDL):
        daily = store.daily(pdl, Direction.CONSUMPTION, today - timedelta(days=4000), today)
        assert len(daily) == daily_days
        assert {r.origin for r in daily} == {"demo"}
        minutes = store.load_curve_minutes_per_day(
            pdl, Direction.CONSUMPTION, today - timedelta(days=detail_days), today
        )
        assert len(minutes) == detail_days
    production = store.daily(DEMO_SOLAR_PDL, Direction.PRODUCTION, today - timedelta(4000), today)
    assert len(production) == daily_days
    assert store.count_rows("daily_energy", pdl=DEMO_TEMPO_PDL, direction="production") == 0
    stored = {p.point.pdl: p for p in store.usage_points()}
    assert {p.origin for p in stored.values()} == {"demo"}
    assert calendar_violations(store.tempo(today - timedelta(days=1200), today)) == []
    assert store.ecowatt(today, today)

    rows = {name: store.count_rows(name) for name in ("daily_energy", "load_curve", "max_power")}
    again = await sync.run(trigger="test")
    assert again.rows_written == 0
    assert rows == {name: store.count_rows(name) for name in rows}


async def test_a_demo_sync_stores_the_demo_catalogue_and_the_offer_each_house_picked(
    store: Store,
) -> None:
    source = DemoSource(clock=lambda: NOW)
    sync = SyncService(store, source, clock=lambda: NOW, offers=DemoOffers())
    today = today_paris(NOW)
    report = await sync.run(trigger="test", start=today - timedelta(days=2), end=today)
    assert report.status == "success", report.errors
    offers = OfferStore(store)
    catalogue = offers.catalogue()
    assert len(catalogue) == len(demo_catalogue())
    for pdl, kind, kva in ((DEMO_TEMPO_PDL, "TEMPO", 12), (DEMO_SOLAR_PDL, "HC_HP", 6)):
        assert offers.selection(pdl).user_offer_id is None
        offer = offers.offer_of(pdl, catalogue, kva, today)
        assert offer is not None, pdl
        # 20 November 2025: the grid of 1 August 2025 is in force.
        assert (offer.offer_type.value, offer.power_kva, offer.valid_from) == (
            kind,
            kva,
            date(2025, 8, 1),
        )
