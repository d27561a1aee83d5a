"""The composition root: settings -> store -> source -> sync -> schedules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from myelectricaldata.config import Settings
from myelectricaldata.crypto import SecretBox, load_or_create_key
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import Origin
from myelectricaldata.exporters.context import ExporterSettings
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.sources.base import Source
from myelectricaldata.sources.offers import OffersFeed
from myelectricaldata.store.exports import ExportBusy, ExportRepo
from myelectricaldata.store.health import DatabaseFault, DatabaseHealth, integrity_problems
from myelectricaldata.store.pricing import StorePricing
from myelectricaldata.store.repo import Store, SyncBusy
from myelectricaldata.store.reprice import RepriceMarks, RepriceReason
from myelectricaldata.support.redaction import Redactor, redact_logs
from myelectricaldata.sync.scheduler import Schedules, sync_minute
from myelectricaldata.sync.service import SyncReport, SyncService

log = logging.getLogger(__name__)


def make_source(settings: Settings, store: Store) -> Source:
    """Demo data when no gateway secret is set (or MED_DEMO=true), else the gateway client."""
    if settings.use_demo:
        from myelectricaldata.sources.demo import DemoSource

        return DemoSource()
    from myelectricaldata.sources.gateway import GatewaySource

    return GatewaySource(
        settings.med_api_url,
        settings.med_client_secret.get_secret_value(),
        ledger=store,
        daily_quota=settings.med_daily_quota,
    )


def make_offers_feed(settings: Settings, source: Source) -> OffersFeed:
    """The demo catalogue on demo data, else the gateway's public catalogue."""
    if source.origin is Origin.DEMO:
        from myelectricaldata.sources.demo_offers import DemoOffers

        return DemoOffers()
    from myelectricaldata.sources.offers import GatewayOffers

    return GatewayOffers(settings.med_api_url)


PRICES_KEY = "tariff.prices"


def saved_prices(store: Store) -> TariffPrices:
    """The tariff prices saved by the user, else the documented defaults."""
    saved = store.get_setting(PRICES_KEY)
    return TariffPrices.model_validate_json(saved[0]) if saved else TariffPrices()


def save_prices(store: Store, prices: TariffPrices) -> None:
    """Save the tariff prices the measures and costs use; changed prices mark every meter's
    exported days for re-export (they price the meters without an offer, and production)."""
    before = saved_prices(store)
    store.put_setting(PRICES_KEY, prices.model_dump_json())
    if prices != before:
        RepriceMarks(store).mark(None, None, RepriceReason.PRICES)


@dataclass
class Runtime:
    """Everything one service process holds."""

    settings: Settings
    store: Store
    source: Source
    sync: SyncService
    secrets: SecretBox
    exports: ExportService
    schedules: Schedules | None = None
    #: The last lasting database fault seen (``/api/health`` reports it as ``degraded``).
    db_health: DatabaseHealth = field(default_factory=DatabaseHealth)
    #: Seconds between two looks at a sync lock held by another process (start-up sync).
    startup_retry_s: float = 2.0
    #: The service's own secrets (gateway secret, UI password, API token, key), masked in every
    #: log record of the process like the exporters' (``exports.configs.seen``).
    log_secrets: Redactor = field(default_factory=Redactor)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: Settings, *, source: Source | None = None) -> Runtime:
        """Open and migrate the store, pick the source and build the sync service."""
        settings.med_data_dir.mkdir(parents=True, exist_ok=True)
        store = Store.open(settings.db_url)
        store.abandon_running_runs()
        secrets = SecretBox(
            load_or_create_key(settings.med_data_dir, settings.med_secret_key.get_secret_value())
        )
        source = source or make_source(settings, store)
        sync = SyncService(
            store,
            source,
            quota_reserve=settings.med_quota_reserve,
            offers=make_offers_feed(settings, source),
        )
        repo = ExportRepo(store)
        repo.abandon_running()
        registry = Registry()
        configs = ConfigStore(registry, repo, secrets, os.environ)

        # What exporters may see of the service: never the settings object or the key itself.
        seen = ExporterSettings(
            data_source=source.origin.value,
            tariff_prices=lambda: saved_prices(store),
            pricing=StorePricing(store, lambda: saved_prices(store)),
        )
        exports = ExportService(store, registry, configs, settings=seen)
        runtime = cls(settings, store, source, sync, secrets, exports)
        sync.after_run.append(runtime._export_after_sync)
        for secret in (
            settings.med_client_secret,
            settings.med_ui_password,
            settings.med_api_token,
            settings.med_secret_key,
        ):
            runtime.log_secrets.add(secret.get_secret_value())
        # Whatever logs it (websockets' frames at DEBUG carry Home Assistant's token), a known
        # secret never reaches a log line; the exporters' secrets join as configs are read.
        redact_logs(runtime.log_secrets)
        redact_logs(configs.seen)
        for name in registry.types:
            try:
                configs.load(name)
            except Exception as exc:  # a bad saved config must not stop the service
                log.error("exporter %s has an unusable config: %s", name, exc)
        return runtime

    async def _export_after_sync(self, report: SyncReport) -> None:
        """Every enabled destination runs after a sync, so new rows go out without a step."""
        await self.exports.run_enabled("sync")

    def reschedule_exports(self) -> None:
        """(Re)create one interval job per enabled destination (after a config change too)."""
        if self.schedules is None:
            return
        scheduler = self.schedules.scheduler
        for job in scheduler.get_jobs():
            if job.id.startswith("export:"):
                job.remove()
        for name in self.exports.enabled():
            minutes = self.exports.configs.load(name).interval_minutes
            if minutes > 0:
                scheduler.add_job(
                    self._interval_export,
                    "interval",
                    minutes=minutes,
                    args=[name],
                    id=f"export:{name}",
                    coalesce=True,
                    max_instances=1,
                )

    async def _interval_export(self, name: str) -> None:
        try:
            await self.exports.run(name, trigger="interval")
        except ExportBusy:
            log.info("interval export %s skipped: already running", name)

    @property
    def is_demo(self) -> bool:
        """True when the data shown is synthetic demo data."""
        return self.source.origin.value == "demo"

    async def start(self) -> None:
        """Start the timetable and, when configured, a first sync in the background."""
        check = asyncio.create_task(self._check_database(), name="database-check")
        self._tasks.add(check)
        check.add_done_callback(self._tasks.discard)
        if self.settings.scheduler_enabled:
            minute = await asyncio.to_thread(sync_minute, self.store, self.settings.sync_minute)
            self.schedules = Schedules(
                self.sync, hour=self.settings.sync_hour, minute=minute, tz=self.settings.tz
            )
            self.schedules.start()
            await asyncio.to_thread(self.reschedule_exports)
        if self.settings.med_initial_sync:
            task = asyncio.create_task(self._startup_sync(), name="sync-startup")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _check_database(self) -> None:
        """Read every page once at start (SQLite ``quick_check``): a damaged page shows on
        ``/api/health`` at once, not on the first unlucky request."""
        try:
            problems = await asyncio.to_thread(integrity_problems, self.store.engine)
        except Exception as exc:
            problems = [str(exc)]
        if problems:
            self.db_health.record(
                DatabaseFault(
                    "corrupt",
                    f"the database is damaged ({problems[0]}): run `myelectricaldata db "
                    "check`, then restore the latest backup",
                )
            )

    async def _startup_sync(self) -> None:
        """The first sync; when another live process holds the lock, run once it is released
        (a start-up that finds a CLI sync in progress still catches up afterwards)."""
        while True:
            try:
                task = self.sync.start_background(trigger="startup")
            except SyncBusy:
                task = None
            if task is not None:
                try:
                    await task
                    return
                except SyncBusy:
                    pass
                except Exception:
                    return  # the sync service logged it; the schedule tries again
            holder = await asyncio.to_thread(self.store.sync_lock_holder)
            log.info(
                "start-up sync waits: another sync holds the lock (%s); it runs when that one ends",
                holder.describe() if holder else "ending now",
            )
            await self._sync_lock_released()

    async def _sync_lock_released(self) -> None:
        # Another process holds the lock: the database is the only place that says when it
        # ends, so look again every few seconds.
        while True:
            if not self.sync.running and not await asyncio.to_thread(self.store.sync_lock_holder):
                return
            await asyncio.sleep(self.startup_retry_s)

    async def stop(self) -> None:
        """Stop schedules, cancel a running sync (its chunks so far stay stored), close."""
        if self.schedules is not None:
            self.schedules.stop()
        background = self.sync.background_task
        if background is not None and not background.done():
            self._tasks.add(background)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.source.aclose()
        self.store.close()
