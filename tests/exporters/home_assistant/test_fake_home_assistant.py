"""The Home Assistant exporter against the fake Home Assistant (every metadata rule from 2024.1
to 2026.11): two-year imports checked against the store, re-runs, continuation, disconnects,
daily-only meters, wrong tokens, message sizes, REST entities."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.home_assistant import importer as importer_module
from myelectricaldata.runtime import save_prices
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import make_export_service
from tests.exporters.home_assistant.helpers import (
    HCHP_PDL,
    TEMPO_PDL,
    copy_window,
    day_changes,
    expected_wh_by_day,
)
from tests.fakes.homeassistant import FakeHomeAssistant, shared_fake_homeassistant
from tests.servers.mosquitto import MosquittoServer

PREFIX = "myelectricaldata"
TEMPO_TAGS = ("bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp", "unsplit")


def _service(store: Store, fake: FakeHomeAssistant, **extra: Any) -> ExportService:
    service = make_export_service(store)
    config = {"enabled": True, "url": fake.url, "token": fake.token, "entities": "off", **extra}
    service.configs.save("home_assistant", config)
    ExportRepo(store).reset_checkpoints("home_assistant")
    return service


def _rows(fake: FakeHomeAssistant) -> dict[str, list[tuple[datetime, float, float]]]:
    return {
        sid: [(r["start"], r["state"], r["sum"]) for r in fake.statistics(sid)]
        for sid in fake.statistic_ids()
    }


def _check_against_store(
    store: Store, fake: FakeHomeAssistant, pdl: str, direction: Direction, tags: tuple[str, ...]
) -> None:
    """Every local day's change of every statistic equals the store's energy of that day."""
    expected = expected_wh_by_day(store, pdl, direction)
    for tag in tags:
        sid = (
            f"{PREFIX}:{pdl}_production"
            if direction is Direction.PRODUCTION
            else f"{PREFIX}:{pdl}_{tag}_consumption"
        )
        changes = day_changes(fake.statistics(sid))
        assert set(changes) == set(expected), sid
        for day, wh_by_tag in expected.items():
            assert changes[day] == pytest.approx(wh_by_tag.get(tag, 0.0) / 1000, abs=1e-6), (
                sid,
                day,
            )
        total = sum(v.get(tag, 0.0) for v in expected.values()) / 1000
        assert fake.statistics(sid)[-1]["sum"] == pytest.approx(total, abs=1e-5)


# -- one two-year import, shared by the module -------------------------------------------------


@pytest.fixture(scope="module")
def imported(demo_store: Store) -> Iterator[tuple[FakeHomeAssistant, ExportService, Any]]:
    """The demo store's whole history imported once into a fake 2025.4.4."""
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = _service(demo_store, fake)
        import asyncio

        log = asyncio.run(service.run("home_assistant"))
        assert log.status == "success", log.error
        yield fake, service, log


def test_two_years_of_tempo_split_match_the_store_every_day_dst_included(
    demo_store: Store, imported: tuple[FakeHomeAssistant, ExportService, Any]
) -> None:
    fake, _, _ = imported
    _check_against_store(demo_store, fake, TEMPO_PDL, Direction.CONSUMPTION, TEMPO_TAGS)
    rows = fake.statistics(f"{PREFIX}:{TEMPO_PDL}_bluehp_consumption")
    per_day: dict[date, int] = {}
    for r in rows:
        day = r["start"].astimezone(PARIS).date()
        per_day[day] = per_day.get(day, 0) + 1
    assert per_day[date(2024, 3, 31)] == 23 and per_day[date(2024, 10, 27)] == 25
    assert per_day[date(2023, 1, 10)] == 1  # daily-only: one row at local midnight


def test_two_years_of_hc_hp_and_production_match_the_store(
    demo_store: Store, imported: tuple[FakeHomeAssistant, ExportService, Any]
) -> None:
    fake, _, _ = imported
    _check_against_store(demo_store, fake, HCHP_PDL, Direction.CONSUMPTION, ("hc", "hp", "unsplit"))
    _check_against_store(demo_store, fake, HCHP_PDL, Direction.PRODUCTION, ("production",))


def test_costs_are_priced_per_tag_and_metadata_is_2025_4_shaped(
    demo_store: Store, imported: tuple[FakeHomeAssistant, ExportService, Any]
) -> None:
    fake, _, _ = imported
    prices = TariffPrices()
    expected = expected_wh_by_day(demo_store, TEMPO_PDL, Direction.CONSUMPTION)
    for tag in TEMPO_TAGS[:-1]:
        kwh = sum(v.get(tag, 0.0) for v in expected.values()) / 1000
        cost = fake.statistics(f"{PREFIX}:{TEMPO_PDL}_{tag}_cost")[-1]["sum"]
        assert cost == pytest.approx(kwh * prices.price_of_tag(tag), abs=0.02)
    assert fake.metadata(f"{PREFIX}:{TEMPO_PDL}_unsplit_cost") is None  # its price is unknown
    meta = fake.metadata(f"{PREFIX}:{TEMPO_PDL}_redhp_cost")
    assert meta is not None
    assert meta["unit_of_measurement"] == "EUR" and meta["source"] == PREFIX
    assert meta["has_sum"] is True


def test_messages_stay_under_the_size_limit(
    imported: tuple[FakeHomeAssistant, ExportService, Any],
) -> None:
    fake, _, log = imported
    imports = [m for m in fake.messages if "recorder/import_statistics" in m.types]
    assert imports and max(m.size for m in imports) <= 1_000_000
    assert fake.oversized == 0
    assert log.records == log.records_total > 100_000


def test_a_second_run_adds_nothing_and_changes_nothing(
    imported: tuple[FakeHomeAssistant, ExportService, Any],
) -> None:
    import asyncio

    fake, service, _ = imported
    before = _rows(fake)
    count = fake.message_count
    log = asyncio.run(service.run("home_assistant"))
    assert log.status == "success" and log.records == 0
    assert fake.message_count == count  # not even a connection
    assert _rows(fake) == before


def test_an_overlapping_reimport_rewrites_the_same_rows_with_the_same_sums(
    imported: tuple[FakeHomeAssistant, ExportService, Any],
) -> None:
    import asyncio

    fake, service, _ = imported
    before = _rows(fake)
    log = asyncio.run(service.run("home_assistant", since=date(2025, 11, 1)))
    assert log.status == "success", log.error
    imports = [m for m in fake.messages if "recorder/import_statistics" in m.types]
    assert imports
    assert _rows(fake) == before


# -- small stores ------------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeHomeAssistant:
    """The shared fake, reset (version 2025.4.4)."""
    return shared_fake_homeassistant()


@pytest.fixture
def window(demo_store: Store, tmp_path: Path) -> Iterator[Store]:
    """Ten days of load curve across the 2024 autumn DST change, after five daily-only days."""
    store = copy_window(
        demo_store, tmp_path / "w.db", date(2024, 10, 22), date(2024, 11, 1), date(2024, 10, 17)
    )
    yield store
    store.close()


async def test_new_data_the_next_day_continues_the_sums(
    demo_store: Store, window: Store, fake: FakeHomeAssistant
) -> None:
    service = _service(window, fake)
    assert (await service.run("home_assistant")).status == "success"
    first = _rows(fake)
    sid = f"{PREFIX}:{TEMPO_PDL}_bluehp_consumption"
    # The next day arrives: daily value and load curve.
    day = date(2024, 11, 1)
    nxt = local_midnight(day + timedelta(days=1))
    for pdl in (TEMPO_PDL, HCHP_PDL):
        daily = demo_store.daily(pdl, Direction.CONSUMPTION, day, day)
        window.upsert_daily(
            pdl,
            Direction.CONSUMPTION,
            [DailyReading(d.day, d.value_wh) for d in daily],
            Origin.DEMO,
        )
        window.upsert_load_curve(
            pdl,
            Direction.CONSUMPTION,
            demo_store.load_curve(pdl, Direction.CONSUMPTION, local_midnight(day), nxt),
            Origin.DEMO,
        )
    window.upsert_tempo(demo_store.tempo(day, day + timedelta(days=1)), Origin.DEMO)
    sent = fake.bytes_received
    assert (await service.run("home_assistant")).status == "success"
    after = _rows(fake)
    # Old rows untouched, new rows continue the last sum.
    assert after[sid][: len(first[sid])] == first[sid]
    assert len(after[sid]) == len(first[sid]) + 24
    _check_against_store(window, fake, TEMPO_PDL, Direction.CONSUMPTION, TEMPO_TAGS)
    _check_against_store(window, fake, HCHP_PDL, Direction.CONSUMPTION, ("hc", "hp", "unsplit"))
    # Only the new day went out (plus the lookups), not the history again.
    assert fake.bytes_received - sent < (sent / 3)


async def test_a_corrected_hour_resends_every_later_hour_with_corrected_sums(
    window: Store, fake: FakeHomeAssistant
) -> None:
    service = _service(window, fake)
    assert (await service.run("home_assistant")).status == "success"
    sid = f"{PREFIX}:{HCHP_PDL}_hp_consumption"
    before = fake.statistics(sid)
    noon = datetime(2024, 10, 25, 12, tzinfo=PARIS)
    point = window.load_curve(HCHP_PDL, Direction.CONSUMPTION, noon, noon + timedelta(minutes=30))
    from myelectricaldata.domain.types import LoadCurvePoint

    fixed = LoadCurvePoint(point[0].start, point[0].avg_w + 1200, 30)
    window.upsert_load_curve(HCHP_PDL, Direction.CONSUMPTION, [fixed], Origin.DEMO)
    assert (await service.run("home_assistant")).status == "success"
    after = fake.statistics(sid)
    for old, new in zip(before, after, strict=True):
        if old["start"] < noon:
            assert new["sum"] == old["sum"]
        else:
            assert new["sum"] == pytest.approx(old["sum"] + 0.6, abs=1e-9)
    _check_against_store(window, fake, HCHP_PDL, Direction.CONSUMPTION, ("hc", "hp", "unsplit"))


async def test_a_disconnect_mid_import_then_a_resume_ends_with_exactly_the_full_data_set(
    window: Store, fake: FakeHomeAssistant, tmp_path: Path
) -> None:
    # A clean import into another fake is the reference.
    with FakeHomeAssistant() as clean:
        clean_log = await _service(window, clean).run("home_assistant")
        assert clean_log.status == "success"
        reference = _rows(clean)
    service = _service(window, fake, max_message_bytes=20_000)
    fake.disconnect_after(6)  # in the middle of the Tempo PDL's messages
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    assert log.attempts > clean_log.attempts  # the cut batch was sent again
    assert _rows(fake) == reference
    # Across runs too: a run that gives up leaves the checkpoint, the next one completes.
    fake.reset()
    ExportRepo(window).reset_checkpoints("home_assistant")
    exporter = service.exporter("home_assistant")
    from myelectricaldata.exporters.batches import batch_objects

    repo = ExportRepo(window)
    rows = repo.changed_rows(Stream.CONSUMPTION_DAILY, 0, window.max_change_no())
    items = batch_objects(rows, {})
    fake.disconnect_after(3)
    results = [await exporter.export_consumption(i) for i in items]  # type: ignore[arg-type]
    await exporter.aclose()
    assert not all(r.success for r in results)
    assert any("connection" in (r.error or "") for r in results)
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    assert _rows(fake) == reference


async def test_a_daily_only_meter_gets_one_row_per_day(
    tmp_path: Path, fake: FakeHomeAssistant
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'd.db'}")
    pdl = "12345678901234"
    store.upsert_usage_point(UsagePoint(pdl, pricing_option=PricingOption.BASE), Origin.DEMO)
    days = [date(2024, 3, 28) + timedelta(days=i) for i in range(6)]
    store.upsert_daily(
        pdl,
        Direction.CONSUMPTION,
        [DailyReading(d, 10_000 + i) for i, d in enumerate(days)],
        Origin.DEMO,
    )
    service = _service(store, fake)
    assert (await service.run("home_assistant")).status == "success"
    rows = fake.statistics(f"{PREFIX}:{pdl}_base_consumption")
    assert [r["start"] for r in rows] == [local_midnight(d) for d in days]
    assert [r["state"] for r in rows] == [10.0, 10.001, 10.002, 10.003, 10.004, 10.005]
    assert rows[-1]["sum"] == pytest.approx(60.015)
    cost = fake.statistics(f"{PREFIX}:{pdl}_base_cost")
    assert cost[-1]["sum"] == pytest.approx(60.015 * TariffPrices().base_eur_kwh, abs=1e-5)
    store.close()


async def test_a_wrong_token_is_a_clear_error_that_names_the_token(
    window: Store, fake: FakeHomeAssistant
) -> None:
    service = make_export_service(window)
    service.configs.save(
        "home_assistant",
        {"enabled": True, "url": fake.url, "token": "wrong-token-123", "entities": "off"},
    )
    ExportRepo(window).reset_checkpoints("home_assistant")
    test = await service.test("home_assistant")
    assert not test.success and test.error is not None
    assert "token" in test.error and "401" in test.error
    assert "wrong-token-123" not in test.error
    log = await service.run("home_assistant")
    assert log.status == "failed" and log.error is not None
    assert "token" in log.error and "not retried" in log.error
    assert "wrong-token-123" not in log.error
    assert log.attempts <= 1


async def test_the_connection_test_reports_the_version(
    fake: FakeHomeAssistant, window: Store
) -> None:
    fake.version = "2026.11.0"
    service = _service(window, fake)
    result = await service.test("home_assistant")
    assert result.success, result.error
    assert "2026.11.0" in result.message


@pytest.mark.parametrize(
    ("version", "modern"),
    [
        ("2024.1.0", False),
        ("2025.4.4", False),
        ("2025.10.3", False),
        ("2025.11.0", True),
        ("2026.11.0", True),
    ],
)
async def test_every_version_accepts_the_metadata_it_gets(
    window: Store, fake: FakeHomeAssistant, version: str, modern: bool
) -> None:
    fake.version = version
    log = await _service(window, fake).run("home_assistant")
    assert log.status == "success", log.error
    sent = fake.metadata(f"{PREFIX}:{TEMPO_PDL}_redhp_consumption")
    assert sent is not None
    if modern:
        assert sent["mean_type"] == 0 and sent["unit_class"] == "energy"
        cost = fake.metadata(f"{PREFIX}:{TEMPO_PDL}_redhp_cost")
        assert cost is not None and cost["unit_class"] is None
    _check_against_store(window, fake, TEMPO_PDL, Direction.CONSUMPTION, TEMPO_TAGS)


@pytest.mark.parametrize(("version", "forced"), [("2025.4.4", (2025, 1)), ("2026.11.0", (2030, 1))])
async def test_metadata_of_the_wrong_version_is_refused_and_not_retried(
    window: Store,
    fake: FakeHomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    forced: tuple[int, int],
) -> None:
    # Pretend the modern format starts at another release: the fake refuses what HA refuses.
    monkeypatch.setattr(importer_module, "MODERN_METADATA", forced)
    fake.version = version
    log = await _service(window, fake).run("home_assistant")
    assert log.status == "failed" and log.error is not None
    assert "invalid_format" in log.error and "not retried" in log.error
    refused = [m for m in fake.messages if "recorder/import_statistics" in m.types]
    assert 1 <= len(refused) <= importer_module.WINDOW  # what was in flight, never a retry


async def test_a_tempo_colour_that_changes_later_splits_that_day_again(
    window: Store, fake: FakeHomeAssistant
) -> None:
    service = _service(window, fake)
    assert (await service.run("home_assistant")).status == "success"
    day = date(2024, 10, 28)
    old = {d.day: d.color for d in window.tempo(day, day)}[day]
    new = TempoColor.WHITE if old is not TempoColor.WHITE else TempoColor.BLUE
    window.upsert_tempo([TempoDay(day, new)], Origin.DEMO)
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    _check_against_store(window, fake, TEMPO_PDL, Direction.CONSUMPTION, TEMPO_TAGS)


async def test_new_single_prices_reprice_every_exported_hour_on_the_next_run(
    window: Store, fake: FakeHomeAssistant
) -> None:
    # The single saved prices are not dated: they price every day of a meter without an offer,
    # so saving them marks every exported day and the next normal run re-sends them all.
    service = _service(window, fake)
    assert (await service.run("home_assistant")).status == "success"
    sid = f"{PREFIX}:{HCHP_PDL}_hp_cost"
    before = fake.statistics(sid)
    save_prices(window, TariffPrices(hp_eur_kwh=1.0))
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    after = fake.statistics(sid)
    energy = {
        r["start"]: r["state"] for r in fake.statistics(f"{PREFIX}:{HCHP_PDL}_hp_consumption")
    }
    assert [r["start"] for r in after] == [r["start"] for r in before]
    for new in after:
        assert new["state"] == pytest.approx(energy[new["start"]] * 1.0, abs=1e-6)


async def test_small_messages_are_cut_by_bytes(window: Store, fake: FakeHomeAssistant) -> None:
    log = await _service(window, fake, max_message_bytes=20_000).run("home_assistant")
    assert log.status == "success", log.error
    imports = [m for m in fake.messages if "recorder/import_statistics" in m.types]
    assert len(imports) >= 10
    assert max(m.size for m in imports) <= 20_000


async def test_rest_entities_carry_the_card_attributes_and_the_offpeak_sensor(
    window: Store, fake: FakeHomeAssistant
) -> None:
    log = await _service(window, fake, entities="auto", mqtt_reuse=False, statistics=False).run(
        "home_assistant"
    )
    assert log.status == "success", log.error
    card = fake.states[f"sensor.linky_{TEMPO_PDL}_consumption"]
    attributes = card["attributes"]
    for key in (
        "yesterday",
        "daily",
        "dailyweek",
        "dailyweek_HC",
        "dailyweek_HP",
        "current_week",
        "current_month",
        "current_year",
        "yearly_evolution",
        "dailyweek_MP",
        "dailyweek_Tempo",
    ):
        assert key in attributes, key
    assert attributes["unit_of_measurement"] == "kWh"
    assert len(attributes["daily"]) == 7
    offpeak = fake.states[f"binary_sensor.med_{HCHP_PDL}_offpeak"]
    assert offpeak["state"] in ("on", "off")
    assert offpeak["attributes"]["next_change"]
    tempo = fake.states["sensor.med_tempo_today"]
    assert tempo["attributes"]["device_class"] == "enum"
    assert tempo["attributes"]["options"] == ["BLUE", "WHITE", "RED"]
    assert f"sensor.med_{TEMPO_PDL}_consumption_yesterday" in fake.states


async def test_actions_list_clear_and_reimport_only_touch_our_statistics(
    window: Store, fake: FakeHomeAssistant
) -> None:
    from myelectricaldata.exporters.home_assistant import actions

    service = _service(window, fake)
    assert (await service.run("home_assistant")).status == "success"
    listed = await actions.list_statistics(service)
    assert len(listed) == 13 + 5 + 1  # Tempo 7+6, HC/HP 3+2, production
    assert all(s.source == PREFIX for s in listed)
    only = await actions.list_statistics(service, HCHP_PDL)
    assert {s.statistic_id.split(":")[1].split("_")[0] for s in only} == {HCHP_PDL}
    cleared = await actions.clear_statistics(service, HCHP_PDL)
    assert len(cleared) == 6
    assert all(HCHP_PDL not in sid for sid in fake.statistic_ids())
    log = await actions.reimport(service, date(2024, 10, 25))
    assert log.status == "success", log.error
    # The cleared statistics came back with their whole history.
    _check_against_store(window, fake, HCHP_PDL, Direction.CONSUMPTION, ("hc", "hp", "unsplit"))


async def test_api_routes_list_clear_and_start_a_reimport(
    window: Store, fake: FakeHomeAssistant
) -> None:
    from types import SimpleNamespace

    import httpx
    from fastapi import FastAPI

    from myelectricaldata.api.routes import home_assistant as routes

    service = _service(window, fake)
    assert (await service.run("home_assistant")).status == "success"
    app = FastAPI()
    app.include_router(routes.router)
    app.state.runtime = SimpleNamespace(exports=service)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        listed = (await client.get("/api/export/home_assistant/statistics")).json()["data"]
        assert len(listed) == 19
        cleared = await client.post(f"/api/export/home_assistant/statistics/clear?pdl={TEMPO_PDL}")
        assert len(cleared.json()["cleared"]) == 13
        bad = await client.post("/api/export/home_assistant/statistics/reimport?from=2024-13-01")
        assert bad.status_code == 422
        started = await client.post(
            "/api/export/home_assistant/statistics/reimport?from=2024-10-25"
        )
        assert started.status_code == 202, started.text
        task = service._running["home_assistant"]
        log = await task
        assert log.status == "success", log.error
    _check_against_store(window, fake, TEMPO_PDL, Direction.CONSUMPTION, TEMPO_TAGS)


async def test_entities_reuse_the_mqtt_exporters_broker_handed_over_by_the_service(
    window: Store, fake: FakeHomeAssistant, mosquitto_broker: MosquittoServer
) -> None:
    """``mqtt_reuse``: the export service hands the mqtt exporter's config (its broker, topic
    prefix) to the Home Assistant exporter; the entities go there, over MQTT discovery."""
    prefix = f"medreuse{uuid.uuid4().hex[:8]}"
    service = _service(window, fake, entities="auto", mqtt_reuse=True, statistics=False)
    mqtt = {"host": mosquitto_broker.host, "port": mosquitto_broker.port, "topic_prefix": prefix}
    service.configs.save("mqtt", mqtt | {"ha_discovery_prefix": f"{prefix}-ha"})
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    found: dict[str, bytes] = {}
    async with aiomqtt.Client(mosquitto_broker.host, mosquitto_broker.port) as client:
        await client.subscribe([(f"{prefix}/#", 0), (f"{prefix}-ha/#", 0)])
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                async for message in client.messages:
                    if isinstance(message.payload, bytes):
                        found[message.topic.value] = message.payload
    card = f"{prefix}-ha/sensor/myelectricaldata_{TEMPO_PDL}/linky_consumption/config"
    assert card in found, sorted(found)[:10]
    assert f"{prefix}/{TEMPO_PDL}/consumption/yesterday" in found
    assert not fake.states  # nothing went to the REST API
