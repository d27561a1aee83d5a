"""The Home Assistant exporter against the REAL Home Assistant 2025.4.4 of the test session.

Its recorder stores about 1,100 imported rows a second (one existence query per row), so the
scenarios import windows of the demo data (daily-only days, then load curve across the 2024
autumn DST change, both PDLs, costs; and the leap day and the spring change too). The full two
years of both PDLs (five minutes in this recorder) go through the fake Home Assistant and the
bench.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import DailyReading, Direction, Origin
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.conftest import free_port
from tests.exporters.conftest import make_export_service
from tests.exporters.home_assistant.helpers import (
    HCHP_PDL,
    TEMPO_PDL,
    copy_window,
    day_changes,
    expected_wh_by_day,
)
from tests.servers.homeassistant import HaWebSocket, HomeAssistantServer
from tests.servers.mosquitto import MosquittoServer

TEMPO_TAGS = ("bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp", "unsplit")


class CuttingProxy:
    """A loopback TCP proxy to Home Assistant that cuts every connection once ``budget`` bytes
    went upstream (a network drop in the middle of an import)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = free_port()
        self.budget: int | None = None
        self.cuts = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        sent = 0

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, up: bool) -> None:
            nonlocal sent
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    if up and self.budget is not None:
                        sent += len(data)
                        if sent > self.budget:
                            self.budget = None
                            self.cuts += 1
                            break
                    dst.write(data)
                    await dst.drain()
            for w in (writer, up_writer):
                w.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))


def _service(store: Store, url: str, token: str, **extra: Any) -> ExportService:
    service = make_export_service(store)
    config = {"enabled": True, "url": url, "token": token, "entities": "off", **extra}
    service.configs.save("home_assistant", config)
    return service


async def _all_rows(ws: HaWebSocket, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    return await ws.statistics(ids, types=("sum", "state"))


def _ids(pdl: str, tags: tuple[str, ...]) -> list[str]:
    return [f"myelectricaldata:{pdl}_{t}_consumption" for t in tags]


async def _check(store: Store, ws: HaWebSocket, pdl: str, tags: tuple[str, ...]) -> None:
    expected = expected_wh_by_day(store, pdl, Direction.CONSUMPTION)
    rows = await _all_rows(ws, _ids(pdl, tags))
    for tag, sid in zip(tags, _ids(pdl, tags), strict=True):
        changes = day_changes(rows[sid])
        assert set(changes) == set(expected), sid
        for day, by_tag in expected.items():
            assert changes[day] == pytest.approx(by_tag.get(tag, 0.0) / 1000, abs=1e-6), (sid, day)


@pytest.fixture(scope="module")
def window(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Five daily-only days, then six days of load curve across the 2024 autumn DST change."""
    path = tmp_path_factory.mktemp("ha-real") / "w.db"
    store = copy_window(
        demo_store, path, date(2024, 10, 24), date(2024, 10, 30), date(2024, 10, 19)
    )
    yield store
    store.close()


async def test_import_checked_against_the_store_then_a_rerun_changes_nothing(
    window: Store, homeassistant_server: HomeAssistantServer
) -> None:
    ha = homeassistant_server
    service = _service(window, ha.url, ha.token)
    ExportRepo(window).reset_checkpoints("home_assistant")
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    async with ha.websocket() as ws:
        await _check(window, ws, TEMPO_PDL, TEMPO_TAGS)
        await _check(window, ws, HCHP_PDL, ("hc", "hp", "unsplit"))
        meta = await ws.call(
            "recorder/get_statistics_metadata",
            statistic_ids=[f"myelectricaldata:{TEMPO_PDL}_redhp_cost"],
        )
        assert meta[0]["statistics_unit_of_measurement"] == "EUR"
        before = await _all_rows(ws, _ids(TEMPO_PDL, TEMPO_TAGS))
        again = await service.run("home_assistant")
        assert again.status == "success" and again.records == 0
        replay = await service.run("home_assistant", since=date(2024, 10, 27))
        assert replay.status == "success", replay.error
        assert await _all_rows(ws, _ids(TEMPO_PDL, TEMPO_TAGS)) == before


async def test_new_data_the_next_day_continues_the_sums(
    demo_store: Store, window: Store, homeassistant_server: HomeAssistantServer
) -> None:
    ha = homeassistant_server
    service = _service(window, ha.url, ha.token)
    first = await service.run("home_assistant")
    assert first.status == "success", first.error
    day = date(2024, 10, 30)
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
            demo_store.load_curve(
                pdl,
                Direction.CONSUMPTION,
                local_midnight(day),
                local_midnight(day + timedelta(days=1)),
            ),
            Origin.DEMO,
        )
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    assert log.records < 200  # the new day, not the history
    async with ha.websocket() as ws:
        await _check(window, ws, TEMPO_PDL, TEMPO_TAGS)
        await _check(window, ws, HCHP_PDL, ("hc", "hp", "unsplit"))


async def test_a_network_cut_mid_import_then_a_resume_ends_with_the_full_data_set(
    window: Store, homeassistant_server: HomeAssistantServer
) -> None:
    ha = homeassistant_server
    async with ha.websocket() as ws:
        ours = [
            s["statistic_id"]
            for s in await ws.call("recorder/list_statistic_ids")
            if s["statistic_id"].startswith("myelectricaldata:")
        ]
        if ours:
            await ws.call("recorder/clear_statistics", statistic_ids=ours)
    async with CuttingProxy(ha.port) as proxy:
        service = _service(
            window, f"http://127.0.0.1:{proxy.port}", ha.token, max_message_bytes=40_000
        )
        ExportRepo(window).reset_checkpoints("home_assistant")
        proxy.budget = 150_000  # a few import messages, then the connection drops
        log = await service.run("home_assistant")
        assert proxy.cuts == 1
        assert log.status == "success", log.error  # the cut batch was sent again
    async with ha.websocket() as ws:
        await _check(window, ws, TEMPO_PDL, TEMPO_TAGS)
        await _check(window, ws, HCHP_PDL, ("hc", "hp", "unsplit"))


async def test_a_wrong_token_is_a_clear_error(
    window: Store, homeassistant_server: HomeAssistantServer
) -> None:
    service = _service(window, homeassistant_server.url, "not-the-token-xyz")
    ExportRepo(window).reset_checkpoints("home_assistant")
    result = await service.test("home_assistant")
    assert not result.success and result.error is not None
    assert "token" in result.error and "not-the-token-xyz" not in result.error
    log = await service.run("home_assistant")
    assert log.status == "failed" and log.error is not None
    assert "token" in log.error and "not-the-token-xyz" not in log.error
    good = await _service(window, homeassistant_server.url, homeassistant_server.token).test(
        "home_assistant"
    )
    assert good.success and "2025.4.4" in good.message


#: Load-curve windows (first day, day after the last, first daily-only day) that hold the
#: calendar's hard days: a leap day, and both DST changes (the spring one here, the autumn one
#: in :func:`window`).
_HARD_DAYS = (
    (date(2024, 2, 28), date(2024, 3, 2), date(2024, 2, 25)),
    (date(2024, 10, 24), date(2024, 10, 31), date(2024, 10, 19)),  # + the "next day" test's
    (date(2025, 3, 29), date(2025, 4, 1), date(2025, 3, 26)),
)


async def test_a_leap_day_and_both_dst_changes_of_both_pdls_into_the_real_home_assistant(
    demo_store: Store, homeassistant_server: HomeAssistantServer, tmp_path: Path
) -> None:
    """The demo's hard days, each with daily-only days before its load curve, land in the real
    recorder day by day as the store holds them (the whole two years go through the fake Home
    Assistant in ``test_fake_home_assistant.py`` and ``python -m bench export_homeassistant``:
    the real recorder takes five minutes over them)."""
    path = tmp_path / "hard-days.db"
    for curve_from, curve_to, daily_from in _HARD_DAYS:
        copy_window(demo_store, path, curve_from, curve_to, daily_from).close()
    store = Store.open(f"sqlite:///{path}")
    try:
        ha = homeassistant_server
        service = _service(store, ha.url, ha.token)
        log = await service.run("home_assistant")
        assert log.status == "success", log.error
        async with ha.websocket() as ws:
            await _check(store, ws, TEMPO_PDL, TEMPO_TAGS)
            await _check(store, ws, HCHP_PDL, ("hc", "hp", "unsplit"))
        days = set(expected_wh_by_day(store, TEMPO_PDL, Direction.CONSUMPTION))
        assert {date(2024, 2, 29), date(2024, 10, 27), date(2025, 3, 30)} <= days
    finally:
        store.close()


# -- entities over MQTT discovery: the real Mosquitto, then the real Home Assistant -----------

_ENERGY_UNITS = {"Wh", "kWh", "MWh"}
_TOPIC = r"^homeassistant/(sensor|binary_sensor)/[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+/config$"


def _check_discovery(topic: str, config: dict[str, Any], states: dict[str, Any]) -> None:
    """HA's MQTT discovery rules (sensor/binary_sensor schemas, device registry needs)."""
    import re

    assert re.match(_TOPIC, topic), topic
    assert "object_id" not in config  # deprecated in 2025.10, gone in 2026.4
    for key in ("name", "unique_id", "state_topic", "availability_topic"):
        assert config.get(key), (topic, key)
    assert config["device"]["identifiers"] and config["device"]["name"], topic
    assert config["origin"]["name"], topic
    assert config["state_topic"] in states, (topic, "no retained state")
    state = states[config["state_topic"]]
    assert "value" in state, topic
    component = topic.split("/")[1]
    if component == "binary_sensor":
        assert config["payload_on"] == "ON" and config["payload_off"] == "OFF"
        assert state["value"] in ("ON", "OFF")
        assert "unit_of_measurement" not in config and "state_class" not in config
        return
    device_class = config.get("device_class")
    if "options" in config:
        assert device_class == "enum", topic
        assert "unit_of_measurement" not in config and "state_class" not in config, topic
        assert state["value"] is None or state["value"] in config["options"], topic
    if device_class == "energy":
        assert config["unit_of_measurement"] in _ENERGY_UNITS, topic
        assert config.get("state_class") in (None, "total", "total_increasing"), topic
    if device_class == "monetary":
        assert config.get("state_class") in (None, "total"), topic
    if config.get("state_class") == "total":
        assert config["last_reset_value_template"], topic
        assert state.get("last_reset"), topic
    if "last_reset_value_template" in config:
        assert config.get("state_class") == "total", topic


async def test_mqtt_discovery_payloads_follow_the_rules_and_entities_appear_in_ha(
    window: Store, mosquitto: MosquittoServer, homeassistant_server: HomeAssistantServer
) -> None:
    ha = homeassistant_server
    service = _service(
        window,
        ha.url,
        ha.token,
        statistics=False,
        entities="mqtt",
        mqtt_broker=mosquitto.url,
        mqtt_topic_prefix="medha",
    )
    log = await service.run("home_assistant")
    assert log.status == "success", log.error
    retained: dict[str, bytes] = {}
    async with aiomqtt.Client(mosquitto.host, mosquitto.port) as client:
        await client.subscribe([("homeassistant/#", 0), ("medha/#", 0)])
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.5):
                async for message in client.messages:
                    if isinstance(message.payload, bytes) and message.payload:
                        retained[message.topic.value] = message.payload
    import json

    configs = {t: json.loads(p) for t, p in retained.items() if t.startswith("homeassistant/")}
    states = {
        t: json.loads(p)
        for t, p in retained.items()
        if t.startswith("medha/") and p not in (b"online", b"offline")
    }
    assert len(configs) > 60
    unique_ids = [c["unique_id"] for c in configs.values()]
    assert len(unique_ids) == len(set(unique_ids))
    for topic, config in configs.items():
        _check_discovery(topic, config, states)
    card = configs[f"homeassistant/sensor/myelectricaldata_{TEMPO_PDL}/linky_consumption/config"]
    assert card["name"] == "consumption"
    assert card["device"]["name"] == f"Linky {TEMPO_PDL}"
    assert f"homeassistant/binary_sensor/myelectricaldata_{HCHP_PDL}/offpeak/config" in configs
    # Home Assistant (its MQTT entry points at the same broker) created the entities.
    wanted = [f"sensor.linky_{TEMPO_PDL}_consumption", f"binary_sensor.linky_{HCHP_PDL}_offpeak"]
    deadline = asyncio.get_running_loop().time() + 20
    found: dict[str, Any] = {}
    while asyncio.get_running_loop().time() < deadline and len(found) < len(wanted):
        for entity_id in wanted:
            response = await asyncio.to_thread(ha.rest, "GET", f"/api/states/{entity_id}")
            # The entity exists before its retained state and attributes are applied.
            if response.status_code == 200 and response.json()["state"] != "unknown":
                if entity_id.startswith("sensor.") and "daily" not in response.json()["attributes"]:
                    continue
                found[entity_id] = response.json()
        await asyncio.sleep(0.3)
    assert set(found) == set(wanted), ha.logs(40)
    card_state = found[wanted[0]]
    assert card_state["attributes"]["unit_of_measurement"] == "kWh"
    assert len(card_state["attributes"]["daily"]) == 7
    assert found[wanted[1]]["state"] in ("on", "off")
    states_now = (await asyncio.to_thread(ha.rest, "GET", "/api/states")).json()
    tempo = [s for s in states_now if s["entity_id"].startswith("sensor.rte_tempo")]
    assert any(s["attributes"].get("options") == ["BLUE", "WHITE", "RED"] for s in tempo)
