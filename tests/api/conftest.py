"""Fixtures of the API tests: a real Runtime on a temp SQLite file, filled from the demo source.

The data is small (two months of daily values, two weeks of load curve around each DST change)
and built once per session; tests that write (sync) get their own runtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from myelectricaldata.api import create_app
from myelectricaldata.config import Settings
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction, Origin
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource

#: "Now" of every API test: Friday 15 Nov 2024, 18:00 in Paris (after the 17:00 EcoWatt and
#: the 11:00 Tempo publications).
NOW = datetime(2024, 11, 15, 18, 0, tzinfo=PARIS).astimezone(UTC)
TODAY = date(2024, 11, 15)
YESTERDAY = TODAY - timedelta(days=1)
#: A valid PDL that is not stored.
UNKNOWN_PDL = "12345678901234"
#: A client secret set in the settings: it must never appear in an answer.
SECRET = "sk-test-Zq9vXw2LmN4pR7tY"

#: Local days (inclusive) of stored load curve: around both DST changes, and the last days.
DETAIL_SPANS = [
    (date(2024, 3, 28), date(2024, 4, 3)),
    (date(2024, 10, 24), date(2024, 10, 30)),
    (date(2024, 11, 8), TODAY),
]
DAILY_SPAN = (date(2024, 9, 1), TODAY)

__all__ = ["DEMO_SOLAR_PDL", "DEMO_TEMPO_PDL"]


def fixed_clock() -> datetime:
    """The tests' clock."""
    return NOW


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test runtime: demo data, no scheduler, no initial sync, a secret set."""
    values: dict[str, Any] = {
        "med_data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'api.db'}",
        "med_demo": True,
        "med_client_secret": SECRET,
        "scheduler_enabled": False,
        "med_initial_sync": False,
        # The in-process test clients send "Host: test" / "Host: testserver": names the Host
        # check (DNS-rebinding defence) would refuse like any unknown name.
        "med_allowed_hosts": "test,testserver",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def fill(runtime: Runtime, source: DemoSource) -> None:
    """Copy a small slice of demo data into the runtime's store."""
    store = runtime.store
    for point in await source.usage_points():
        store.upsert_usage_point(point, Origin.DEMO, seen_on=DAILY_SPAN[0])
        directions = [Direction.CONSUMPTION]
        if point.has_production:
            directions.append(Direction.PRODUCTION)
        for direction in directions:
            daily = await source.daily(point.pdl, direction, DAILY_SPAN[0], DAILY_SPAN[1])
            store.upsert_daily(point.pdl, direction, daily, Origin.DEMO)
            for first, last in DETAIL_SPANS:
                end = last + timedelta(days=1)  # the source's ranges are [start, end)
                curve = await source.load_curve(point.pdl, direction, first, end)
                store.upsert_load_curve(point.pdl, direction, curve, Origin.DEMO)
        peaks = await source.max_power(point.pdl, DAILY_SPAN[0], DAILY_SPAN[1])
        store.upsert_max_power(point.pdl, peaks, Origin.DEMO)
    store.upsert_tempo(await source.tempo(date(2024, 9, 1), TODAY + timedelta(days=2)), Origin.DEMO)
    store.upsert_ecowatt(await source.ecowatt(), Origin.DEMO)


@pytest.fixture(scope="session")
def demo_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime with demo data, shared by the read-only tests."""
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(
        make_settings(tmp_path_factory.mktemp("api-data")), source=source
    )
    asyncio.run(fill(runtime, source))
    yield runtime
    runtime.store.close()


@pytest.fixture(scope="session")
def app(demo_runtime: Runtime) -> FastAPI:
    """The app over the shared demo runtime, with the fixed clock."""
    return create_app(demo_runtime, clock=fixed_clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def field_of(response: httpx.Response) -> list[str]:
    """Names of the fields a 422 answer blames (last item of each ``loc``)."""
    assert response.status_code == 422, response.text
    return [str(item["loc"][-1]) for item in response.json()["detail"]]
