"""The timetable: daily sync at the configured or per-install random minute, grid polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.sources.demo_offers import DemoOffers, demo_catalogue
from myelectricaldata.sources.offers import GatewayOffers
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.repo import Store
from myelectricaldata.sync.scheduler import Schedules, sync_minute
from myelectricaldata.sync.service import SyncService
from tests.fakes.offers import fake_offers, market_row


def test_random_minute_is_drawn_once_per_install(store: Store) -> None:
    first = sync_minute(store, None)
    assert 0 <= first < 60
    assert all(sync_minute(store, None) == first for _ in range(5))
    assert sync_minute(store, 7) == 7


def _fires(trigger: CronTrigger, after: datetime) -> datetime:
    fire = trigger.get_next_fire_time(None, after)
    assert fire is not None
    return fire.astimezone(UTC)


async def test_jobs_and_their_times(store: Store) -> None:
    sync = SyncService(store, DemoSource())
    schedules = Schedules(sync, hour=10, minute=17, tz="Europe/Paris")
    jobs = {job.id: job.trigger for job in schedules.scheduler.get_jobs()}
    assert set(jobs) == {"sync", "tempo", "ecowatt", "ecowatt-friday", "ecowatt-hourly", "offers"}
    winter = datetime(2025, 1, 15, 0, 0, tzinfo=UTC)  # a Wednesday, UTC+1 in Paris
    assert _fires(jobs["sync"], winter) == datetime(2025, 1, 15, 9, 17, tzinfo=UTC)
    assert _fires(jobs["ecowatt"], winter) == datetime(2025, 1, 15, 16, 5, tzinfo=UTC)
    assert _fires(jobs["ecowatt-friday"], winter) == datetime(2025, 1, 17, 11, 20, tzinfo=UTC)
    # The evening polls only: EcoWatt's 50-call bucket is not spent before publication.
    assert _fires(jobs["ecowatt-hourly"], winter) == datetime(2025, 1, 15, 16, 35, tzinfo=UTC)
    # The catalogue is looked at hourly (half an hour after the sync's minute) and at start;
    # it is fetched only once a day old (see below).
    assert _fires(jobs["offers"], winter) == datetime(2025, 1, 15, 0, 47, tzinfo=UTC)
    assert _fires(jobs["offers"], datetime(2025, 1, 15, 0, 48, tzinfo=UTC)) == datetime(
        2025, 1, 15, 1, 47, tzinfo=UTC
    )
    offers_job = next(job for job in schedules.scheduler.get_jobs() if job.id == "offers")
    first = offers_job.next_run_time
    assert first is not None and first <= datetime.now(UTC)  # at start, not an hour later
    tempo = jobs["tempo"]
    assert _fires(tempo, winter) == datetime(2025, 1, 15, 5, 0, tzinfo=UTC)  # 06:00 Paris
    late = datetime(2025, 1, 15, 21, 50, tzinfo=UTC)  # 22:50 Paris: no poll until 06:00
    assert _fires(tempo, late) == datetime(2025, 1, 16, 5, 0, tzinfo=UTC)


async def test_grid_refresh_stores_tempo_and_ecowatt(store: Store) -> None:
    sync = SyncService(store, DemoSource())
    schedules = Schedules(sync, hour=10, minute=0, tz="Europe/Paris")
    await schedules.tempo_until_known()
    await schedules.ecowatt()
    assert store.count_rows("tempo_days") > 300
    assert store.count_rows("ecowatt_days") >= 3


async def test_the_catalogue_is_fetched_from_the_gateway_at_most_daily(store: Store) -> None:
    """The scheduler's hourly look fetches the gateway's catalogue once, then not again until
    it is a day old; every row is stored with its history."""
    now = [datetime(2026, 12, 6, 9, 0, tzinfo=UTC)]
    with fake_offers() as fake:
        sync = SyncService(
            store, DemoSource(), clock=lambda: now[0], offers=GatewayOffers(fake.url)
        )
        schedules = Schedules(sync, hour=10, minute=0, tz="Europe/Paris")

        def fetches() -> int:
            return len([c for c in fake.calls if c[0] == "/api/energy/offers"])

        await schedules.offers()
        assert fetches() == 1
        assert {o.id for o in OfferStore(store).catalogue().offers} == {r["id"] for r in fake.rows}
        for hours in (1, 12, 23):
            now[0] = datetime(2026, 12, 6, 9, 0, tzinfo=UTC) + timedelta(hours=hours)
            await schedules.offers()
        assert fetches() == 1
        now[0] = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        fake.rows.append(market_row(id="22222222-0000-0000-0000-000000000009", base_price="0.2"))
        await schedules.offers()
        assert fetches() == 2
        assert OfferStore(store).catalogue().get("22222222-0000-0000-0000-000000000009")


async def test_demo_data_gets_the_demo_catalogue(store: Store) -> None:
    sync = SyncService(store, DemoSource(), offers=DemoOffers())
    await Schedules(sync, hour=10, minute=0, tz="Europe/Paris").offers()
    assert {o.id for o in OfferStore(store).catalogue().offers} == {
        o.id for o in demo_catalogue().offers
    }
