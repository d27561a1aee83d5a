"""When syncs run: daily at SYNC_HOUR:SYNC_MINUTE, Tempo and EcoWatt around RTE's publications,
the offers catalogue at most daily."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from myelectricaldata.domain.timeutil import today_paris
from myelectricaldata.store.repo import Store, SyncBusy
from myelectricaldata.sync.service import SyncService

log = logging.getLogger(__name__)
MINUTE_KEY = "sync.minute"


def sync_minute(store: Store, configured: int | None) -> int:
    """SYNC_MINUTE when set, else a random minute chosen once per install to spread gateway load."""
    if configured is not None:
        return configured
    stored = store.get_setting(MINUTE_KEY)
    if stored is not None:
        return int(stored[0])
    minute = random.SystemRandom().randrange(60)
    store.put_setting(MINUTE_KEY, str(minute))
    return minute


class Schedules:
    """The service's timetable, on APScheduler in the configured time zone."""

    def __init__(self, sync: SyncService, *, hour: int, minute: int, tz: str) -> None:
        self.sync = sync
        self.hour, self.minute, self.tz = hour, minute, tz
        self.scheduler = AsyncIOScheduler(timezone=tz)
        add = self.scheduler.add_job
        common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        add(
            self.daily_sync, CronTrigger(hour=hour, minute=minute, timezone=tz), id="sync", **common
        )
        # Tomorrow's colour is published around 10:40-11:00; poll until it is known.
        add(
            self.tempo_until_known,
            CronTrigger(hour="6-22", minute="*/15", timezone=tz),
            id="tempo",
            **common,
        )
        add(self.ecowatt, CronTrigger(hour=17, minute=5, timezone=tz), id="ecowatt", **common)
        # The offers catalogue: checked hourly and at start, fetched only once it is a day old
        # (an hour after a failed fetch), so the prices of a new day are known before it is
        # priced, without asking the gateway more than daily.
        add(
            self.offers,
            CronTrigger(minute=(minute + 30) % 60, timezone=tz),
            id="offers",
            next_run_time=datetime.now(UTC),
            **common,
        )
        add(
            self.ecowatt,
            CronTrigger(day_of_week="fri", hour=12, minute=20, timezone=tz),
            id="ecowatt-friday",
            **common,
        )
        # EcoWatt calls are on the gateway's 50-call bucket: poll only once RTE may have
        # published J+3 (17:00; Friday's 12:20 run covers its earlier publication).
        add(
            self.ecowatt_until_complete,
            CronTrigger(hour="17-23", minute=35, timezone=tz),
            id="ecowatt-hourly",
            **common,
        )

    def start(self) -> None:
        """Start the timetable."""
        self.scheduler.start()
        log.info("daily sync scheduled at %02d:%02d (%s)", self.hour, self.minute, self.tz)

    def stop(self) -> None:
        """Stop the timetable without waiting for running jobs."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def jobs(self) -> dict[str, datetime | None]:
        """Next run time of every job."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    async def daily_sync(self) -> None:
        """The daily sync (new data plus the last days again)."""
        try:
            await self.sync.run(trigger="schedule")
        except SyncBusy:
            log.info("scheduled sync skipped: another sync is running")

    async def tempo_until_known(self) -> None:
        """Refresh Tempo unless tomorrow's colour is already stored."""
        tomorrow = today_paris() + timedelta(days=1)
        known = await asyncio.to_thread(self.sync.store.tempo, tomorrow, tomorrow)
        if not known:
            await self.sync.grid_job("tempo")

    async def offers(self) -> None:
        """Refresh the offers catalogue when it is a day old (demo: the demo catalogue)."""
        result = await self.sync.refresh_offers()
        if result is not None and result.fetched:
            log.info("offers catalogue refreshed: %d rows", result.rows)

    async def ecowatt(self) -> None:
        """Refresh EcoWatt after RTE's publication."""
        await self.sync.grid_job("ecowatt")

    async def ecowatt_until_complete(self) -> None:
        """Hourly refresh in the evening while the J+3 forecast is missing."""
        j3 = today_paris(datetime.now(UTC)) + timedelta(days=3)
        known = await asyncio.to_thread(self.sync.store.ecowatt, j3, j3)
        if not known:
            await self.sync.grid_job("ecowatt")
