"""The timetable: daily sync at the configured or per-install random minute, grid polls."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger

from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.store.repo import Store
from myelectricaldata.sync.scheduler import Schedules, sync_minute
from myelectricaldata.sync.service import SyncService


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
    assert set(jobs) == {"sync", "tempo", "ecowatt", "ecowatt-friday", "ecowatt-hourly"}
    winter = datetime(2025, 1, 15, 0, 0, tzinfo=UTC)  # a Wednesday, UTC+1 in Paris
    assert _fires(jobs["sync"], winter) == datetime(2025, 1, 15, 9, 17, tzinfo=UTC)
    assert _fires(jobs["ecowatt"], winter) == datetime(2025, 1, 15, 16, 5, tzinfo=UTC)
    assert _fires(jobs["ecowatt-friday"], winter) == datetime(2025, 1, 17, 11, 20, tzinfo=UTC)
    # The evening polls only: EcoWatt's 50-call bucket is not spent before publication.
    assert _fires(jobs["ecowatt-hourly"], winter) == datetime(2025, 1, 15, 16, 35, tzinfo=UTC)
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
