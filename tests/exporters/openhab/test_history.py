"""The export service's batches as openHAB history (items and points), the run's item book, and
how each failure reaches the kit (retryable with openHAB's Retry-After, or permanent)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoColor, TempoDay, UsagePoint
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ProductionData,
    TempoData,
)
from myelectricaldata.exporters.openhab import OpenHABConfig, OpenHABExporter
from myelectricaldata.exporters.openhab.client import OpenHABClient
from myelectricaldata.exporters.openhab.history import (
    ecowatt_write,
    series_write,
    tempo_write,
)
from myelectricaldata.exporters.openhab.items import ItemBook
from myelectricaldata.exporters.openhab.mapping import ItemNaming
from myelectricaldata.exporters.openhab.model import ItemDefinition
from myelectricaldata.exporters.testing import CONTRACT_PDL, daily_points, sample_points
from tests.fakes.openhab import FakeOpenHAB, shared_fake_openhab

NAMING = ItemNaming()
PDL = CONTRACT_PDL
MIDNIGHT_UTC = datetime(2024, 10, 24, 22, tzinfo=UTC)  # 25 October, local midnight


@pytest.fixture
def fake() -> Iterator[FakeOpenHAB]:
    yield shared_fake_openhab()


@pytest_asyncio.fixture(loop_scope="function")
async def exporter(fake: FakeOpenHAB) -> AsyncIterator[OpenHABExporter]:
    made = OpenHABExporter(OpenHABConfig(url=fake.url, token=fake.token, load_curve_history=True))
    try:
        yield made
    finally:
        await made.aclose()


def names(items: tuple[ItemDefinition, ...]) -> list[str]:
    return [item.name for item in items]


# --------------------------------------------------------------------------- batches


def test_daily_energy_goes_to_the_pdls_history_item_in_kwh_at_local_midnight() -> None:
    data = ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, daily_points(2))
    write = series_write(data, NAMING)
    assert names(write.items) == [f"MED_{PDL}", f"MED_{PDL}_history_consumption_daily"]
    assert write.items[0].label == f"Linky {PDL}"
    assert [(p.at, p.state) for p in write.points] == [
        (MIDNIGHT_UTC, "10.000 kWh"),
        (MIDNIGHT_UTC + timedelta(days=1), "10.137 kWh"),
    ]


def test_the_group_is_labelled_with_the_usage_points_name() -> None:
    point = UsagePoint(PDL, name="Maison")
    data = ProductionData(PDL, Stream.PRODUCTION_DAILY, daily_points(1), point)
    write = series_write(data, NAMING)
    assert write.items[0].label == f"Linky Maison ({PDL})"
    assert write.items[1].name == f"MED_{PDL}_history_production_daily"


def test_the_load_curve_is_its_average_power_at_each_intervals_start() -> None:
    points = sample_points(days=2)  # 26 and 27 October 2024: 48 + 50 intervals
    write = series_write(ConsumptionData(PDL, Stream.CONSUMPTION_DETAIL, points), NAMING)
    assert write.items[1].name == f"MED_{PDL}_history_consumption_load_curve"
    assert len(write.points) == 98
    assert [(p.at.astimezone(UTC), p.state) for p in write.points] == [
        (p.start.astimezone(UTC), f"{int(p.avg_w or 0)} W") for p in points
    ]


def test_without_its_average_power_an_interval_is_read_from_its_energy() -> None:
    start = datetime(2024, 10, 27, 2, 0, tzinfo=UTC).astimezone(PARIS)
    end = (start + timedelta(minutes=30)).astimezone(PARIS)
    point = EnergyPoint(start, end, 600.0)  # 600 Wh in 30 minutes: 1200 W
    write = series_write(ConsumptionData(PDL, Stream.CONSUMPTION_DETAIL, [point]), NAMING)
    assert [p.state for p in write.points] == ["1200 W"]


def test_max_power_is_va_at_local_midnight_whatever_the_time_of_the_peak() -> None:
    start = datetime(2024, 10, 25, tzinfo=PARIS)
    peak = EnergyPoint(start, start + timedelta(days=1), 6120, at=start + timedelta(hours=19))
    write = series_write(ConsumptionData(PDL, Stream.MAX_POWER, [peak]), NAMING)
    assert write.items[1].name == f"MED_{PDL}_history_max_power_daily"
    assert [(p.at, p.state) for p in write.points] == [(MIDNIGHT_UTC, "6120 VA")]


def test_a_fractional_value_is_refused_not_rounded() -> None:
    start = datetime(2024, 10, 25, tzinfo=PARIS)
    point = EnergyPoint(start, start + timedelta(days=1), 1234.5)
    with pytest.raises(ValueError, match=r"1234\.5 is not a whole number"):
        series_write(ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, [point]), NAMING)


def test_tempo_and_ecowatt_go_to_the_grids_history_items() -> None:
    tempo = tempo_write(TempoData([TempoDay(date(2025, 1, 6), TempoColor.RED)]), NAMING)
    assert names(tempo.items) == ["MED_grid", "MED_history_tempo_color"]
    assert [(p.at, p.state) for p in tempo.points] == [(datetime(2025, 1, 6, 5, tzinfo=UTC), "RED")]
    day = EcoWattDay(date(2025, 1, 6), 2, tuple([1] * 24))
    eco = ecowatt_write(EcowattData([day]), NAMING)
    assert names(eco.items) == ["MED_grid", "MED_history_ecowatt_day", "MED_history_ecowatt_hourly"]
    assert len(eco.points) == 25


# --------------------------------------------------------------------------- the run's items


async def test_one_listing_per_run_and_each_item_provisioned_once(fake: FakeOpenHAB) -> None:
    daily = series_write(ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, daily_points(1)), NAMING)
    peak = series_write(ConsumptionData(PDL, Stream.MAX_POWER, daily_points(1)), NAMING)
    async with OpenHABClient(fake.url, fake.token) as client:
        book = ItemBook(client, provision=True)
        first = await book.prepare(daily.items)
        second = await book.prepare(peak.items)
        again = await book.prepare(daily.items)
        assert first.ready == {f"MED_{PDL}_history_consumption_daily"}
        assert second.ready == {f"MED_{PDL}_history_max_power_daily"}
        assert again == first
        listings = [r for r in fake.requests if (r.method, r.path) == ("GET", "/rest/items")]
        assert len(listings) == 1
        sent = [r.body for r in fake.requests if (r.method, r.path) == ("PUT", "/rest/items")]
        assert len(sent) == 2 and f'"name":"MED_{PDL}"' not in sent[1]  # the group once
        puts = len([r for r in fake.requests if r.method == "PUT"])
        book.forget()  # after a failure that may be a restart: read openHAB again
        await book.prepare(daily.items)
        listings = [r for r in fake.requests if (r.method, r.path) == ("GET", "/rest/items")]
        assert len(listings) == 2
        assert len([r for r in fake.requests if r.method == "PUT"]) == puts  # nothing to fix


async def test_without_provisioning_missing_and_misfit_items_are_told_apart(
    fake: FakeOpenHAB,
) -> None:
    fake.add_file_item("MED_history_ecowatt_day", "String")
    eco = ecowatt_write(EcowattData([EcoWattDay(date(2025, 1, 6), 2, tuple([1] * 24))]), NAMING)
    async with OpenHABClient(fake.url, fake.token) as client:
        readiness = await ItemBook(client, provision=False).prepare(eco.items)
    assert readiness.ready == frozenset()
    assert readiness.missing == ("MED_history_ecowatt_hourly",)  # the group is not required
    assert readiness.misfits == ("MED_history_ecowatt_day is String, its values need Number",)
    assert not any(r.method == "PUT" for r in fake.requests)


# --------------------------------------------------------------------------- failures


async def test_a_busy_openhab_is_retryable_with_its_retry_after(
    fake: FakeOpenHAB, exporter: OpenHABExporter
) -> None:
    fake.fail_next(1, 503, retry_after="7")
    result = await exporter.export_consumption(
        ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, daily_points(2))
    )
    assert not result.success and result.retryable and result.retry_after == 7
    assert result.error is not None and "503" in result.error
    # The service's next attempt sends the batch and openHAB holds it once.
    result = await exporter.export_consumption(
        ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, daily_points(2))
    )
    assert result.success and result.records_exported == 2
    assert len(fake.history(f"MED_{PDL}_history_consumption_daily", "jdbc")) == 2


async def test_openhab_going_away_part_way_is_retryable_and_rereads_the_items(
    fake: FakeOpenHAB, exporter: OpenHABExporter
) -> None:
    data = ConsumptionData(PDL, Stream.CONSUMPTION_DETAIL, sample_points(days=1))
    fake.crash_after(20)  # items, unit, then some points: down
    result = await exporter.export_consumption(data)
    assert not result.success and result.retryable
    assert result.error is not None and "openHAB" in result.error
    fake.start()  # a reboot: items kept, states reset
    fake.requests.clear()
    result = await exporter.export_consumption(data)
    assert result.success and result.records_exported == 48
    assert ("GET", "/rest/items") in [(r.method, r.path) for r in fake.requests]
    held = fake.history(f"MED_{PDL}_history_consumption_load_curve", "jdbc")
    assert [at for at, _ in held] == [p.start.astimezone(UTC) for p in data.points]


async def test_a_refused_token_is_permanent(fake: FakeOpenHAB) -> None:
    exporter = OpenHABExporter(OpenHABConfig(url=fake.url, token="oh.bad.N0tTheT0ken0123456789"))
    try:
        result = await exporter.export_tempo(
            TempoData([TempoDay(date(2025, 1, 6), TempoColor.RED)])
        )
    finally:
        await exporter.aclose()
    assert not result.success and not result.retryable
    assert result.error is not None and "refused the API token" in result.error
    assert "N0tTheT0ken" not in result.error


async def test_a_fractional_value_fails_the_batch_for_good(exporter: OpenHABExporter) -> None:
    start = datetime(2024, 10, 25, tzinfo=PARIS)
    point = EnergyPoint(start, start + timedelta(days=1), 0.5)
    result = await exporter.export_consumption(
        ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, [point])
    )
    assert not result.success and not result.retryable
    assert result.error is not None and "not a whole number" in result.error


async def test_the_load_curve_is_not_sent_unless_asked(fake: FakeOpenHAB) -> None:
    exporter = OpenHABExporter(OpenHABConfig(url=fake.url, token=fake.token))
    try:
        result = await exporter.export_production(
            ProductionData(PDL, Stream.PRODUCTION_DETAIL, sample_points(days=1))
        )
    finally:
        await exporter.aclose()
    assert result.success and result.records_exported == 0
    assert fake.requests == []


@pytest.mark.parametrize("scheme", ["bearer", "basic", "header"])
async def test_history_is_written_with_every_way_of_sending_the_token(
    fake: FakeOpenHAB, scheme: str
) -> None:
    values: dict[str, Any] = {"url": fake.url, "token": fake.token, "auth_scheme": scheme}
    exporter = OpenHABExporter(OpenHABConfig(**values))
    try:
        result = await exporter.export_tempo(
            TempoData([TempoDay(date(2025, 1, 6), TempoColor.BLUE)])
        )
    finally:
        await exporter.aclose()
    assert result.success, result.error
    assert [s.full for _, s in fake.history("MED_history_tempo_color", "jdbc")] == ["BLUE"]
