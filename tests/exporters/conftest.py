"""Exporter fixtures: a store holding two years of demo data, synced once per session."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import myelectricaldata.exporters as exporters_package
from myelectricaldata.crypto import SecretBox
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.context import ExporterSettings
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.fields import ExporterConfig
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.runtime import saved_prices
from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.pricing import StorePricing
from myelectricaldata.store.repo import Store
from myelectricaldata.support.retry import Backoff
from myelectricaldata.sync.service import SyncService

#: The demo data's "now": two years of load curve back from here hold both DST changes of 2024
#: and of 2025, and the Tempo red season is open.
DEMO_NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """SQLite store with the demo history (3 years daily, 2 years load curve, two PDLs).

    Shared by the exporter tests, which must not change its readings: a test that needs its
    own data builds its own store. Destinations are keyed by type name, so a test starts with
    ``ExportRepo(demo_store).reset_checkpoints(<type>)`` to export the whole history again.
    """
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store.open(f"sqlite:///{path}")
    source = DemoSource(clock=lambda: DEMO_NOW)
    report = asyncio.run(SyncService(store, source, clock=lambda: DEMO_NOW).run(trigger="test"))
    assert report.status == "success", report.errors
    yield store
    store.close()


#: The delivery's retries, with waits of milliseconds instead of seconds.
FAST_RETRIES = Backoff(attempts=4, base=0.01, cap=0.02)


async def no_sleep(seconds: float) -> None:
    """A wait that does not wait (retries at once)."""
    return None


#: One key for the whole session: services built on the shared store read each other's secrets.
_KEY = Fernet.generate_key()


def make_export_service(store: Store, env: dict[str, str] | None = None) -> ExportService:
    """An export service on ``store`` with the built-in registry, the catalogue's snapshot for
    state exporters (at :data:`DEMO_NOW`), the session's key, and fast retries."""
    from myelectricaldata.exporters.snapshot import compute_snapshot

    registry = Registry(plugins=False)
    configs = ConfigStore(registry, ExportRepo(store), SecretBox(_KEY), env or {})

    async def snapshot() -> StateSnapshot:
        return await compute_snapshot(store, now=DEMO_NOW)

    # As the runtime wires it: the demo's data, the prices saved in the store, the dated pricing.
    settings = ExporterSettings(
        data_source="demo",
        tariff_prices=lambda: saved_prices(store),
        pricing=StorePricing(store, lambda: saved_prices(store)),
    )
    return ExportService(store, registry, configs, snapshot, settings=settings, policy=FAST_RETRIES)


def every_exporter_config() -> dict[str, type[ExporterConfig]]:
    """Every exporter config there is: each registered type's (built-in and plug-in, as
    ``registered:<type>``) and every ExporterConfig subclass of the package's exporter
    sub-packages (by qualified name), registered yet or not."""
    found: dict[str, type[ExporterConfig]] = {}
    for module in pkgutil.walk_packages(exporters_package.__path__, "myelectricaldata.exporters."):
        if not module.name.endswith(".config"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if (
                isinstance(value, type)
                and issubclass(value, ExporterConfig)
                and value is not ExporterConfig
                and value.__module__ == module.name
            ):
                found[f"{value.__module__}.{value.__name__}"] = value
    for name, cls in Registry().types.items():
        found[f"registered:{name}"] = cls.config_model
    return found
