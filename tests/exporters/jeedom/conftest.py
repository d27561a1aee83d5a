"""Fixtures of the Jeedom exporter tests: the shared fake Jeedom, a client on it, and a small
store of demo data with an export service running the exporter at the demo's "now"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import DailyReading, Direction, MaxPowerReading, Origin
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.jeedom import JeedomExporter
from myelectricaldata.exporters.jeedom.client import JeedomClient
from myelectricaldata.exporters.testing import service_for
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW
from tests.fakes.jeedom import FakeJeedom, shared_fake_jeedom

#: The demo's two meters: a Tempo consumer, and an HC/HP meter that also produces.
PDLS = ("09999000000001", "09999000000002")
#: The days copied from the demo store (up to the demo's today), and those with load curve:
#: the 25-hour 26 October 2025 and its neighbours, and the last two days.
FIRST_DAY, TODAY = date(2025, 10, 24), DEMO_NOW.date()
CURVE_DAYS = (date(2025, 10, 25), date(2025, 10, 26), date(2025, 11, 18), date(2025, 11, 19))


@pytest.fixture
def fake() -> Iterator[FakeJeedom]:
    """The shared fake Jeedom, reset (Europe/Brussels, object 1 "Maison")."""
    yield shared_fake_jeedom()


@pytest_asyncio.fixture(loop_scope="function")
async def client(fake: FakeJeedom) -> AsyncIterator[JeedomClient]:
    """A client with the core API key."""
    async with JeedomClient(fake.url, fake.core_key, timeout_s=5) as jeedom:
        yield jeedom


class JeedomAtDemoNow(JeedomExporter):
    """The exporter on the demo data's clock (its "today" decides which Tempo and EcoWatt days
    are history)."""

    @staticmethod
    def clock() -> datetime:
        return DEMO_NOW


def copy_window(source: Store, target: Store) -> None:
    """The demo's usage points and a month of their readings: daily values and max power from
    :data:`FIRST_DAY`, load curve on :data:`CURVE_DAYS`, Tempo and EcoWatt (forecasts too)."""
    for stored in source.usage_points():
        target.upsert_usage_point(stored.point, Origin.DEMO, seen_on=FIRST_DAY)
        pdl = stored.point.pdl
        for direction in Direction:
            rows = source.daily(pdl, direction, FIRST_DAY, TODAY)
            daily = [DailyReading(r.day, r.value_wh, r.quality) for r in rows]
            target.upsert_daily(pdl, direction, daily, Origin.DEMO)
            for day in CURVE_DAYS:
                start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
                curve = source.load_curve(pdl, direction, start, end)
                target.upsert_load_curve(pdl, direction, curve, Origin.DEMO)
        peaks = [
            MaxPowerReading(r.day, r.value_va, r.at, r.quality)
            for r in source.max_power(pdl, FIRST_DAY, TODAY)
        ]
        target.upsert_max_power(pdl, peaks, Origin.DEMO)
    far = TODAY + timedelta(days=7)
    target.upsert_tempo(source.tempo(FIRST_DAY, far), Origin.DEMO)
    target.upsert_ecowatt(source.ecowatt(FIRST_DAY, far), Origin.DEMO)


@pytest.fixture
def store(demo_store: Store, tmp_path: Path) -> Iterator[Store]:
    """A store of its own holding a month of the demo data."""
    made = Store.open(f"sqlite:///{tmp_path / 'jeedom.db'}")
    copy_window(demo_store, made)
    yield made
    made.close()


def jeedom_service(store: Store) -> ExportService:
    """An export service on ``store`` running :class:`JeedomAtDemoNow` as ``jeedom``, with the
    catalogue's snapshot at the demo's "now" and retries that do not wait."""
    return service_for(store, JeedomAtDemoNow, now=DEMO_NOW)


@pytest.fixture
def service(store: Store) -> ExportService:
    """The export service of :func:`jeedom_service` on this test's store."""
    return jeedom_service(store)
