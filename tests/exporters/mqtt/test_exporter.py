"""The MQTT exporter against a real Mosquitto: topics read back equal the store, acknowledged
delivery across a broker outage, QoS/retain, Home Assistant discovery rules, no leaked secret."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, Stream, TempoColor, TempoDay
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EnergyPoint,
    ExporterConfig,
    MeasureValue,
    ProductionData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.measures import MEASURES
from myelectricaldata.exporters.mqtt.config import MqttConfig, parse_broker_url
from myelectricaldata.exporters.mqtt.discovery import discovery_payload
from myelectricaldata.exporters.mqtt.exporter import MqttExporter
from myelectricaldata.exporters.mqtt.topics import Topics, state_suffix
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.exporters.testing import (
    ExporterContract,
    Point,
    StateValue,
    daily_points,
    sample_points,
)
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.conftest import free_port
from tests.exporters.conftest import DEMO_NOW, make_export_service
from tests.servers.mosquitto import LIMITED_USERNAME, MosquittoServer

#: Daily consumption, the stream most tests here write.
DAILY = Stream.CONSUMPTION_DAILY

HOST = "127.0.0.1"
PDL = "09999000000099"
EVER = (date(2000, 1, 1), date(2100, 1, 1))


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def prefix() -> str:
    """A topic root of its own per test: retained state of other tests never interferes."""
    return f"medtest/{uuid.uuid4().hex[:8]}"


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store without data (connection tests, runs with nothing to send)."""
    store = Store.open(f"sqlite:///{tmp_path / 'empty.db'}")
    yield store
    store.close()


def config(broker: MosquittoServer, prefix: str, **extra: Any) -> dict[str, Any]:
    """Config values for the anonymous listener."""
    return {"enabled": True, "host": HOST, "port": broker.port, "topic_prefix": prefix} | extra


def make(values: dict[str, Any]) -> MqttExporter:
    """An exporter from config values."""
    return MqttExporter(MqttConfig.model_validate(values))


async def retained(port: int, *filters: str) -> dict[str, aiomqtt.Message]:
    """Every retained message matching ``filters``, read until a barrier publish comes back."""
    barrier = f"medtest-barrier/{uuid.uuid4().hex}"
    found: dict[str, aiomqtt.Message] = {}
    async with aiomqtt.Client(HOST, port) as client:
        # QoS 1: a QoS 2 message reaches the application only after its PUBREL, so it could
        # arrive after the barrier.
        await client.subscribe([(f, 1) for f in filters])
        await client.subscribe(barrier, qos=1)
        await client.publish(barrier, b"x", qos=1)
        async with asyncio.timeout(10):
            async for message in client.messages:
                if message.topic.value == barrier:
                    break
                if message.retain:
                    found[message.topic.value] = message
    return found


def payloads(messages: dict[str, aiomqtt.Message]) -> dict[str, Any]:
    """Topic -> decoded JSON (or text) payload."""
    decoded: dict[str, Any] = {}
    for topic, message in messages.items():
        assert isinstance(message.payload, bytes)
        text = message.payload.decode()
        try:
            decoded[topic] = json.loads(text)
        except ValueError:
            decoded[topic] = text
    return decoded


class Recorder:
    """Live messages on a filter while a block runs (retained copies from before excluded)."""

    def __init__(self) -> None:
        self.messages: list[aiomqtt.Message] = []

    def topics(self) -> list[str]:
        """Topics received, in order."""
        return [m.topic.value for m in self.messages]


@asynccontextmanager
async def recording(port: int, topic_filter: str) -> AsyncIterator[Recorder]:
    """Subscribe at QoS 2 to ``topic_filter`` and record what is published while inside."""
    recorder = Recorder()
    barrier = f"medtest-barrier/{uuid.uuid4().hex}"
    async with aiomqtt.Client(HOST, port) as client:
        await client.subscribe(topic_filter, qos=2)
        await client.subscribe(barrier, qos=2)
        done = asyncio.Event()

        async def read() -> None:
            async for message in client.messages:
                if message.topic.value == barrier:
                    done.set()
                    return
                if not message.retain:
                    recorder.messages.append(message)

        reader = asyncio.create_task(read())
        try:
            yield recorder
        finally:
            # Same QoS as the recorded flow, so the barrier is handed over after all of it.
            await client.publish(barrier, b"x", qos=2)
            async with asyncio.timeout(10):
                await done.wait()
            reader.cancel()


def service_with_state(store: Store, values: dict[str, Any]) -> ExportService:
    """An export service on ``store`` whose runs also publish the catalogue snapshot."""
    service = make_export_service(store)

    async def snapshot() -> StateSnapshot:
        return await compute_snapshot(store, now=DEMO_NOW)

    service.snapshot = snapshot
    service.configs.save("mqtt", values)
    ExportRepo(store).reset_checkpoints("mqtt")
    return service


def expected_latest(store: Store, prefix: str) -> dict[str, dict[str, Any]]:
    """What every ``latest`` topic must hold, computed from the store's raw rows."""
    expected: dict[str, dict[str, Any]] = {}
    for stored in store.usage_points():
        pdl = stored.point.pdl
        directions = [Direction.CONSUMPTION]
        if stored.point.has_production:
            directions.append(Direction.PRODUCTION)
        for direction in directions:
            day = store.daily(pdl, direction, *EVER)[-1]
            expected[f"{prefix}/{pdl}/{direction.value}/daily"] = {
                "pdl": pdl,
                "value": day.value_wh,
                "unit": "Wh",
                "date": day.day.isoformat(),
                "quality": day.quality,
                "start": local_midnight(day.day).isoformat(),
                "end": local_midnight(day.day + timedelta(days=1)).isoformat(),
            }
            far = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
            point = store.load_curve(pdl, direction, *far)[-1]
            start = point.start.astimezone(PARIS)
            expected[f"{prefix}/{pdl}/{direction.value}/load_curve"] = {
                "value": point.avg_w,
                "unit": "W",
                "energy_wh": point.avg_w * point.interval_min / 60,
                "interval_minutes": point.interval_min,
                "date": start.date().isoformat(),
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=point.interval_min)).isoformat(),
                "quality": point.quality,
            }
        peak = store.max_power(pdl, *EVER)[-1]
        expected[f"{prefix}/{pdl}/max_power"] = {
            "value": peak.value_va,
            "unit": "VA",
            "date": peak.day.isoformat(),
            "at": peak.at.astimezone(PARIS).isoformat(),
            "timestamp": peak.at.astimezone(PARIS).isoformat(),
        }
    tempo = store.tempo(*EVER)[-1]
    expected[f"{prefix}/tempo/latest"] = {
        "value": tempo.color.value,
        "code": {"BLUE": 1, "WHITE": 2, "RED": 3}[tempo.color.value],
        "date": tempo.day.isoformat(),
        "start": (local_midnight(tempo.day) + timedelta(hours=6)).isoformat(),
    }
    eco = store.ecowatt(*EVER)[-1]
    expected[f"{prefix}/ecowatt/latest"] = {
        "value": eco.level,
        "date": eco.day.isoformat(),
        "hourly": list(eco.hourly),
        "message": eco.message,
    }
    return expected


def assert_latest_equal_store(found: dict[str, Any], store: Store, prefix: str) -> None:
    """Every latest topic holds exactly the store's newest row (dates, units, values)."""
    for topic, want in expected_latest(store, prefix).items():
        assert topic in found, f"{topic} not retained"
        got = found[topic]
        for key, value in want.items():
            assert got[key] == value, f"{topic}: {key} = {got[key]!r}, store says {value!r}"


# Home Assistant's MQTT sensor rules (homeassistant/components/mqtt/sensor.py
# validate_sensor_state_and_device_class_config; sensor/const.py DEVICE_CLASS_UNITS and
# DEVICE_CLASS_STATE_CLASSES; mqtt/discovery.py topic pattern), restated here independently.
HA_ID = re.compile(r"[a-zA-Z0-9_-]+")
HA_STATE_CLASSES = {"measurement", "total", "total_increasing"}
HA_UNITS = {
    "energy": {"Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "MJ", "GJ", "cal", "kcal"},
    "apparent_power": {"VA", "mVA", "kVA"},
    "power": {"W", "kW", "MW", "GW", "TW", "mW", "BTU/h"},
}
HA_STATE_CLASSES_OF = {
    "energy": {"total", "total_increasing"},
    "monetary": {"total"},
    "apparent_power": {"measurement"},
    "power": {"measurement"},
    "enum": set(),
    "timestamp": set(),
}
HA_DEVICE_CLASSES = {*HA_STATE_CLASSES_OF, "duration", "voltage", "current", "date"}


def ha_sensor_errors(topic: str, cfg: dict[str, Any], discovery_prefix: str) -> list[str]:
    """Why Home Assistant would refuse (or misuse) a sensor discovery config; empty if none."""
    errors: list[str] = []
    match = re.fullmatch(rf"{re.escape(discovery_prefix)}/sensor/([^/]+)/([^/]+)/config", topic)
    if match is None or not all(HA_ID.fullmatch(g) for g in match.groups()):
        errors.append(f"topic {topic}: ids must match [a-zA-Z0-9_-]+")
    for key in ("name", "unique_id", "state_topic", "availability_topic", "device", "origin"):
        if key not in cfg:
            errors.append(f"missing {key}")
    if "object_id" in cfg:
        errors.append("object_id is deprecated (HA 2025.10)")
    if not cfg.get("origin", {}).get("name"):
        errors.append("origin needs a name")
    device = cfg.get("device", {})
    if not device.get("identifiers") or not device.get("name"):
        errors.append("device needs identifiers and a name")
    if not HA_ID.fullmatch(str(cfg.get("unique_id", ""))):
        errors.append("unique_id charset")
    device_class = cfg.get("device_class")
    state_class = cfg.get("state_class")
    unit = cfg.get("unit_of_measurement")
    options = cfg.get("options")
    if device_class is not None and device_class not in HA_DEVICE_CLASSES:
        errors.append(f"unknown device_class {device_class}")
    if state_class is not None and state_class not in HA_STATE_CLASSES:
        errors.append(f"unknown state_class {state_class}")
    if "last_reset_value_template" in cfg and state_class != "total":
        errors.append("last_reset_value_template needs state_class total")
    if state_class == "total" and "last_reset_value_template" not in cfg:
        errors.append("state_class total without last_reset")
    if options is not None:
        if not options:
            errors.append("empty options")
        if state_class or unit:
            errors.append("options with state_class or unit")
        if device_class != "enum":
            errors.append("options need device_class enum")
    if device_class == "enum" and not options:
        errors.append("enum without options")
    if device_class in HA_UNITS and unit not in HA_UNITS[device_class]:
        errors.append(f"unit {unit} invalid for {device_class}")
    allowed = HA_STATE_CLASSES_OF.get(device_class or "")
    if allowed is not None and state_class is not None and state_class not in allowed:
        errors.append(f"state_class {state_class} invalid for {device_class}")
    if cfg.get("payload_available", "online") != "online":
        errors.append("payload_available")
    if cfg.get("payload_not_available", "offline") != "offline":
        errors.append("payload_not_available")
    return errors


def energy_dashboard_ready(cfg: dict[str, Any]) -> bool:
    """HA lists a sensor in the Energy dashboard: energy class, a unit, a total state class."""
    return (
        cfg.get("device_class") == "energy"
        and cfg.get("unit_of_measurement") in HA_UNITS["energy"]
        and cfg.get("state_class") in ("total", "total_increasing")
    )


# -- the contract every exporter passes ------------------------------------------------------


class TestMqttContract(ExporterContract):
    """The shared exporter contract, on the session's Mosquitto. MQTT keeps no history: a
    broker holds each series' newest point on its retained ``latest`` topic."""

    exporter_class = MqttExporter
    port: int

    @pytest.fixture
    def config(self, mosquitto_broker: MosquittoServer, prefix: str) -> dict[str, Any]:
        self.port = mosquitto_broker.port
        return config(mosquitto_broker, prefix)

    @pytest.fixture
    def unreachable_config(self, prefix: str) -> dict[str, Any]:
        return {
            "enabled": True,
            "host": HOST,
            "port": free_port(),
            "topic_prefix": prefix,
            "username": "linky",
            "password": "s3cr3t-pw-42",
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"enabled": True}, "host"),
            ({"host": "mqtt://broker:1883"}, "host"),
            ({"topic_prefix": "a/#"}, "topic_prefix"),
            ({"qos": 3}, "qos"),
            ({"key_file": "k.pem"}, "key_file"),
        ]

    def expected(self, sent: Sequence[Point]) -> list[Point]:
        """The newest point of each series: what its retained ``latest`` topic holds."""
        newest: dict[tuple[Stream, str | None], Point] = {}
        for point in sent:
            kept = newest.get((point.stream, point.pdl))
            if kept is None or point.key()[2] > kept.key()[2]:
                newest[(point.stream, point.pdl)] = point
        return list(newest.values())

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        root = config["topic_prefix"]
        found = payloads(await retained(self.port, f"{root}/+/+/+", f"{root}/+/+"))
        points = []
        for topic, body in found.items():
            parts = topic[len(root) + 1 :].split("/")
            if parts == ["tempo", "latest"]:
                day = date.fromisoformat(body["date"])
                points.append(Point(Stream.TEMPO, None, day, body["value"]))
            elif parts == ["ecowatt", "latest"]:
                day = date.fromisoformat(body["date"])
                points.append(Point(Stream.ECOWATT, None, day, body["value"]))
            elif parts[1:] == ["max_power"]:
                day = date.fromisoformat(body["date"])
                points.append(Point(Stream.MAX_POWER, parts[0], day, body["value"]))
            elif len(parts) == 3 and parts[2] in ("daily", "load_curve"):
                stream = Stream(f"{parts[1]}_{'daily' if parts[2] == 'daily' else 'detail'}")
                when: date | datetime = (
                    datetime.fromisoformat(body["start"])
                    if stream.is_detail
                    else date.fromisoformat(body["date"])
                )
                points.append(Point(stream, parts[0], when, body["value"]))
        return points

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        root = config["topic_prefix"]
        found = payloads(await retained(self.port, f"{root}/#"))
        states = []
        for topic, body in found.items():
            if isinstance(body, dict) and "key" in body:
                scope = topic[len(root) + 1 :].split("/")[0]
                states.append(StateValue(scope, body["key"], body["value"], body["unit"]))
        return states


# -- configuration ---------------------------------------------------------------------------


def test_broker_url_is_split_into_fields_with_tls_and_default_ports() -> None:
    assert parse_broker_url("mqtt://user:p%40ss@192.168.1.10:1884") == {
        "host": "192.168.1.10",
        "port": 1884,
        "username": "user",
        "password": "p@ss",
        "tls": False,
    }
    assert parse_broker_url("mqtts://broker.lan") | {} == {
        "host": "broker.lan",
        "port": 8883,
        "username": "",
        "password": "",
        "tls": True,
    }
    assert parse_broker_url("core-mosquitto")["port"] == 1883


def test_bad_broker_url_names_the_variable_and_hides_the_password() -> None:
    for url in ("http://u:hunter22@h:1883", "mqtt://u:hunter22@h:99999", "mqtt://u:hunter22@"):
        with pytest.raises(ValueError) as caught:
            parse_broker_url(url)
        assert "MQTT_BROKER" in str(caught.value)
        assert "hunter22" not in str(caught.value)


def test_documented_environment_variables_bootstrap_the_config(empty_store: Store) -> None:
    env = {
        "MQTT_ENABLED": "true",
        "MQTT_BROKER": "mqtts://linky:secret-pw@10.0.0.2",
        "MQTT_TOPIC_PREFIX": "home/linky",
        "MQTT_QOS": "2",
        "MQTT_RETAIN": "false",
        "MQTT_HA_DISCOVERY": "true",
        "MQTT_HA_DISCOVERY_PREFIX": "ha",
        "MQTT_CA_FILE": "/etc/ssl/ca.pem",
    }
    from cryptography.fernet import Fernet

    from myelectricaldata.crypto import SecretBox

    configs = ConfigStore(
        Registry(plugins=False), ExportRepo(empty_store), SecretBox(Fernet.generate_key()), env
    )
    loaded = configs.load("mqtt")
    assert isinstance(loaded, MqttConfig)
    assert (loaded.enabled, loaded.host, loaded.port, loaded.tls) == (True, "10.0.0.2", 8883, True)
    assert (loaded.username, loaded.password) == ("linky", "secret-pw")
    assert (loaded.topic_prefix, loaded.qos, loaded.retain) == ("home/linky", 2, False)
    assert (loaded.ha_discovery, loaded.ha_discovery_prefix) == (True, "ha")
    assert loaded.ca_file == "/etc/ssl/ca.pem"
    masked = configs.masked(loaded)
    assert masked["password"] != "secret-pw" and "secret-pw" not in json.dumps(masked)
    assert loaded.broker_url == "mqtts://linky:********@10.0.0.2:8883"
    assert MqttConfig.secret_fields() == {"password"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"topic_prefix": "a/#"}, "topic_prefix"),
        ({"topic_prefix": "/a"}, "topic_prefix"),
        ({"ha_discovery_prefix": "home+assistant"}, "ha_discovery_prefix"),
        ({"host": "mqtt://u:hunter22@h:1883"}, "host"),
        ({"qos": 3}, "qos"),
        ({"enabled": True, "host": ""}, "host"),
        ({"key_file": "/k.pem"}, "key_file"),
    ],
)
def test_invalid_config_names_the_field_without_echoing_input(
    values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError) as caught:
        MqttConfig.model_validate({"host": "h"} | values)
    assert field in str(caught.value)
    assert "hunter22" not in str(caught.value)


# -- a full export of the demo history -------------------------------------------------------


async def test_full_export_then_every_topic_equals_the_store_and_a_rerun_adds_nothing(
    mosquitto_broker: MosquittoServer, demo_store: Store, prefix: str
) -> None:
    values = config(mosquitto_broker, prefix, ha_discovery=True, ha_discovery_prefix=prefix + "/ha")
    service = service_with_state(demo_store, values)
    snapshot = await compute_snapshot(demo_store, now=DEMO_NOW)

    log = await service.run("mqtt")  # its speed: `python -m bench export_mqtt`
    assert log.status == "success", log.error
    assert log.records == log.records_total > 3 * 35_000  # three load curves, daily, max power...

    found = payloads(await retained(mosquitto_broker.port, f"{prefix}/#"))
    assert found[f"{prefix}/status"] == "online"
    assert_latest_equal_store(found, demo_store, prefix)

    # Catalogue states: value, unit and date exactly as computed from the store.
    topics = Topics(prefix, prefix + "/ha")
    for value in snapshot.values:
        body = found[topics.state(value)]
        assert body["value"] == value.value, value.key
        assert (body["unit"], body["date"], body["key"]) == (value.unit, value.date, value.key)
        if value.scope.isdigit():
            assert body["pdl"] == value.scope
        if value.attributes.get("last_reset"):
            assert body["last_reset"] == value.attributes["last_reset"]

    # The topics issue #3 names.
    by_key = {(v.scope, v.key): v.value for v in snapshot.values}
    for stored in demo_store.usage_points():
        pdl = stored.point.pdl
        assert (
            found[f"{prefix}/{pdl}/consumption/yesterday"]["value"]
            == by_key[(pdl, "consumption_yesterday")]
        )
        assert (
            found[f"{prefix}/{pdl}/consumption/monthly"]["value"]
            == by_key[(pdl, "consumption_month")]
        )
        assert f"{prefix}/{pdl}/consumption/daily" in found
        assert f"{prefix}/{pdl}/max_power" in found
        if stored.point.has_production:
            assert (
                found[f"{prefix}/{pdl}/production/monthly"]["value"]
                == by_key[(pdl, "production_month")]
            )
            assert f"{prefix}/{pdl}/production/daily" in found
    assert found[f"{prefix}/tempo/today"]["value"] == by_key[("tempo", "tempo_today")]
    assert found[f"{prefix}/tempo/tomorrow"]["value"] == by_key[("tempo", "tempo_tomorrow")]
    assert found[f"{prefix}/tempo/remaining"]["value"] == {
        "BLUE": by_key[("tempo", "tempo_remaining_blue")],
        "WHITE": by_key[("tempo", "tempo_remaining_white")],
        "RED": by_key[("tempo", "tempo_remaining_red")],
    }
    assert found[f"{prefix}/ecowatt/current"]["value"] == by_key[("ecowatt", "ecowatt_now")]
    assert found[f"{prefix}/ecowatt/forecast"]["value"] == {
        f"j{i}": by_key[("ecowatt", f"ecowatt_j{i}")] for i in range(4)
    }

    # Home Assistant discovery: one valid config per measure, energy sensors dashboard-ready.
    configs = {t: c for t, c in found.items() if t.startswith(prefix + "/ha/")}
    assert len(configs) == len(snapshot.values)
    for topic, cfg in configs.items():
        assert ha_sensor_errors(topic, cfg, prefix + "/ha") == [], topic
        assert cfg["availability_topic"] == f"{prefix}/status"
        assert cfg["state_topic"] in found
    by_unique = {c["unique_id"]: c for c in configs.values()}
    assert len(by_unique) == len(configs)
    pdl1 = demo_store.usage_points()[0].point.pdl
    month = by_unique[f"myelectricaldata_{pdl1}_consumption_month"]
    assert energy_dashboard_ready(month)
    assert month["device"]["name"] == f"Linky {pdl1}"
    assert by_unique["myelectricaldata_tempo_tempo_today"]["options"] == ["BLUE", "WHITE", "RED"]
    assert by_unique["myelectricaldata_tempo_tempo_today"]["device"]["name"] == "RTE Tempo"
    assert by_unique["myelectricaldata_ecowatt_ecowatt_now"]["device"]["name"] == "RTE EcoWatt"
    yesterday = by_unique[f"myelectricaldata_{pdl1}_consumption_yesterday"]
    assert yesterday["state_class"] == "total" and "last_reset_value_template" in yesterday

    # A second run: nothing changed in the store, so no history topic is published again.
    async with recording(mosquitto_broker.port, f"{prefix}/#") as rec:
        again = await service.run("mqtt")
    assert again.status == "success" and again.records == 0
    history_topics = set(expected_latest(demo_store, prefix))
    assert not history_topics & set(rec.topics())
    assert len(rec.topics()) == len(set(rec.topics()))  # each state/config topic once
    after = await retained(mosquitto_broker.port, f"{prefix}/#")
    assert set(after) == set(found)


# -- delivery across a broker outage ---------------------------------------------------------


async def test_broker_stopped_mid_run_fails_the_run_and_the_next_run_completes(
    mosquitto_broker: MosquittoServer,
    demo_store: Store,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = service_with_state(demo_store, config(mosquitto_broker, prefix))
    calls = 0
    original = MqttExporter.export_consumption

    async def stop_on_third_batch(self: MqttExporter, data: ConsumptionData) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            await asyncio.to_thread(mosquitto_broker.stop)
        return await original(self, data)

    monkeypatch.setattr(MqttExporter, "export_consumption", stop_on_third_batch)
    failed = await service.run("mqtt")
    assert failed.status == "failed"
    assert failed.error and ("lost" in failed.error or "refused" in failed.error), failed.error
    assert 0 < failed.records < failed.records_total

    mosquitto_broker.start()
    resumed = await service.run("mqtt")
    assert resumed.status == "success", resumed.error
    assert resumed.records == failed.records_total - failed.records  # the rest, nothing twice
    logs = ExportRepo(demo_store).logs("mqtt", 2)
    assert [entry.status for entry in logs] == ["success", "failed"]

    found = payloads(await retained(mosquitto_broker.port, f"{prefix}/#"))
    assert_latest_equal_store(found, demo_store, prefix)
    assert found[f"{prefix}/status"] == "online"


async def test_a_broker_crash_fails_the_messages_in_flight_at_once_not_at_their_timeout(
    mosquitto_broker: MosquittoServer, prefix: str
) -> None:
    values = config(mosquitto_broker, prefix, history_stream=True, timeout_seconds=30)
    exporter = make(values)
    points = sample_points(days=120)
    try:
        assert (await exporter.test_connection()).success

        async def crash() -> None:
            await asyncio.sleep(0.05)
            await asyncio.to_thread(mosquitto_broker.kill)

        killer = asyncio.create_task(crash())
        started = time.monotonic()
        result = await exporter.export_consumption(
            ConsumptionData(PDL, Stream.CONSUMPTION_DETAIL, points)
        )
        elapsed = time.monotonic() - started
        await killer
        assert not result.success and result.records_exported == 0
        assert result.error and "lost" in result.error
        assert elapsed < 5
        # The next call reconnects by itself once the broker is back.
        mosquitto_broker.start()
        daily = ConsumptionData(PDL, DAILY, daily_points())
        assert (await exporter.export_consumption(daily)).success
    finally:
        await exporter.aclose()
        mosquitto_broker.start()


# -- latest topics only move forward ---------------------------------------------------------


async def test_backfilled_older_batches_never_replace_the_newest_value(
    mosquitto_broker: MosquittoServer, prefix: str
) -> None:
    topic = f"{prefix}/{PDL}/consumption/daily"
    recent = daily_points(5, date(2025, 11, 15))
    older = daily_points(5, date(2024, 1, 1))
    exporter = make(config(mosquitto_broker, prefix))
    try:
        assert await exporter.export_consumption(ConsumptionData(PDL, DAILY, recent))
        result = await exporter.export_consumption(ConsumptionData(PDL, DAILY, older))
        assert result.success and result.records_exported == 5
    finally:
        await exporter.aclose()
    found = payloads(await retained(mosquitto_broker.port, topic))
    assert found[topic]["date"] == "2025-11-19"

    # A later run (new exporter) still knows: it reads the retained value back first.
    exporter = make(config(mosquitto_broker, prefix))
    try:
        async with recording(mosquitto_broker.port, topic) as rec:
            await exporter.export_consumption(ConsumptionData(PDL, DAILY, older))
        assert rec.messages == []
        # A correction of the newest day is published again.
        fixed = [*recent[:-1], EnergyPoint(recent[-1].start, recent[-1].end, 4242, "CORRIGE")]
        await exporter.export_consumption(ConsumptionData(PDL, DAILY, fixed))
    finally:
        await exporter.aclose()
    body = payloads(await retained(mosquitto_broker.port, topic))[topic]
    assert (body["date"], body["value"], body["quality"]) == ("2025-11-19", 4242, "CORRIGE")


async def test_history_stream_publishes_every_point_in_order_within_a_small_window(
    mosquitto_broker: MosquittoServer, prefix: str
) -> None:
    points = sample_points(days=21)
    exporter = make(config(mosquitto_broker, prefix, history_stream=True, max_inflight=8))
    try:
        async with recording(mosquitto_broker.port, f"{prefix}/#") as rec:
            result = await exporter.export_production(
                ProductionData(PDL, Stream.PRODUCTION_DETAIL, points)
            )
    finally:
        await exporter.aclose()
    assert result.success and result.records_exported == len(points)
    stream = [m for m in rec.messages if m.topic.value.startswith(f"{prefix}/history/")]
    assert len(stream) == len(points)
    assert {m.topic.value for m in stream} == {f"{prefix}/history/{PDL}/production/load_curve"}
    bodies = [json.loads(m.payload) for m in stream if isinstance(m.payload, bytes)]
    assert [b["start"] for b in bodies] == [p.start.isoformat() for p in points]
    assert [b["value"] for b in bodies] == [p.avg_w for p in points]
    kept = await retained(mosquitto_broker.port, f"{prefix}/#")
    assert not any("/history/" in topic for topic in kept)  # never retained
    assert f"{prefix}/{PDL}/production/load_curve" in kept


# -- QoS and retain --------------------------------------------------------------------------


def small_snapshot() -> StateSnapshot:
    """Three hand-built catalogue values (one per scope)."""
    return StateSnapshot(
        DEMO_NOW,
        [
            MeasureValue(
                "consumption_month", PDL, 123.456, "kWh", "Conso mois", "Consumption month",
                "energy", "total_increasing", date="2025-11-19",
            ),
            MeasureValue(
                "tempo_today", "tempo", "RED", None, "Tempo", "Tempo", "enum", None,
                options=("BLUE", "WHITE", "RED"), date="2025-11-20",
            ),
            MeasureValue(
                "ecowatt_now", "ecowatt", 2, None, "EcoWatt", "EcoWatt", None, "measurement",
                date="2025-11-20",
            ),
        ],
    )  # fmt: skip


@pytest.mark.parametrize("qos", [0, 1, 2])
@pytest.mark.parametrize("retain", [True, False])
async def test_qos_and_retain_are_honoured(
    mosquitto_broker: MosquittoServer, prefix: str, qos: int, retain: bool
) -> None:
    values = config(mosquitto_broker, prefix, qos=qos, retain=retain, ha_discovery=True)
    values["ha_discovery_prefix"] = prefix + "/ha"
    exporter = make(values)
    try:
        async with recording(mosquitto_broker.port, f"{prefix}/#") as rec:
            daily = ConsumptionData(PDL, DAILY, daily_points())
            assert (await exporter.export_consumption(daily)).success
            assert (await exporter.export_state(small_snapshot())).success
    finally:
        await exporter.aclose()
    data_topics = {
        f"{prefix}/{PDL}/consumption/daily",
        f"{prefix}/{PDL}/consumption/monthly",
        f"{prefix}/tempo/today",
        f"{prefix}/ecowatt/current",
    }
    seen = {m.topic.value: m for m in rec.messages}
    assert data_topics <= set(seen)
    for topic in data_topics:
        assert seen[topic].qos == qos, topic  # delivered at min(publish, subscription=2)
    for topic, message in seen.items():
        if topic.startswith(prefix + "/ha/") or topic == f"{prefix}/status":
            assert message.qos == max(1, qos)
    kept = set(await retained(mosquitto_broker.port, f"{prefix}/#"))
    assert (data_topics <= kept) is retain
    assert not data_topics & kept or retain
    assert f"{prefix}/status" in kept  # availability and discovery are always retained
    assert sum(t.startswith(prefix + "/ha/") for t in kept) == 3


# -- Home Assistant discovery ----------------------------------------------------------------


def test_every_catalogue_measure_gets_a_discovery_config_home_assistant_accepts() -> None:
    topics = Topics("myelectricaldata", "homeassistant")
    seen_topics: set[str] = set()
    for measure in MEASURES:
        scope = {"pdl": PDL, "production": PDL}.get(measure.scope, measure.scope)
        value = MeasureValue(
            measure.key, scope, None, measure.unit, measure.label_fr, measure.label_en,
            measure.device_class, measure.state_class, options=measure.options,
            attributes={"last_reset": "2025-11-19T00:00:00+01:00"},
        )  # fmt: skip
        cfg = discovery_payload(value, topics, qos=1, language="fr")
        assert ha_sensor_errors(topics.discovery(value), cfg, "homeassistant") == [], measure.key
        assert cfg["name"] == measure.label_fr
        assert topics.state(value) not in seen_topics, "two measures share a topic"
        seen_topics.add(topics.state(value))
        if measure.device_class == "energy" and measure.state_class:
            assert energy_dashboard_ready(cfg), measure.key


def test_the_documented_topic_table_matches_the_catalogue() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "integrations" / "mqtt.md").read_text()
    for measure in MEASURES:
        scope = "pdl" if measure.scope in ("pdl", "production") else measure.scope
        shown = "{pdl}" if scope == "pdl" else scope
        row = f"| `{measure.key}` | `{{prefix}}/{shown}/{state_suffix(measure.key, scope)}` |"
        assert row in doc, f"docs/integrations/mqtt.md lacks {row}"


def test_discovery_repairs_combinations_home_assistant_would_refuse() -> None:
    topics = Topics("p", "homeassistant")

    def cfg(**kw: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "key": "x.y z", "scope": "tempo", "value": 1, "unit": None, "label_fr": "X",
            "label_en": "X", "device_class": None, "state_class": None,
        }  # fmt: skip
        value = MeasureValue(**(base | kw))
        out = discovery_payload(value, topics, qos=1, language="en")
        assert ha_sensor_errors(topics.discovery(value), out, "homeassistant") == []
        return out

    # `total` without a last_reset would read as a meter that never resets: dropped.
    assert "state_class" not in cfg(unit="kWh", device_class="energy", state_class="total")
    kept = cfg(
        unit="kWh", device_class="energy", state_class="total",
        attributes={"last_reset": "2025-11-19T00:00:00+01:00"},
    )  # fmt: skip
    assert kept["last_reset_value_template"] == "{{ value_json.last_reset }}"
    # An enum takes neither unit nor state class; without options it is a plain sensor.
    enum = cfg(device_class="enum", state_class="measurement", unit="d", options=("A", "B"))
    assert (enum["device_class"], enum["options"]) == ("enum", ["A", "B"])
    assert "device_class" not in cfg(device_class="enum")
    # A unit the device class does not take: the device class goes, the unit stays.
    power = cfg(unit="kVA", device_class="power", state_class="measurement")
    assert "device_class" not in power and power["unit_of_measurement"] == "kVA"
    # A state class the device class does not take is left out.
    assert "state_class" not in cfg(unit="kWh", device_class="energy", state_class="measurement")
    assert topics.discovery(MeasureValue("x.y z", "tempo", 1, None, "", "", None, None)) == (
        "homeassistant/sensor/myelectricaldata_tempo/x_y_z/config"
    )


# -- connection tests ------------------------------------------------------------------------


async def test_connection_round_trip_on_the_status_topic(
    mosquitto_broker: MosquittoServer, prefix: str, empty_store: Store
) -> None:
    service = make_export_service(empty_store)
    service.configs.save("mqtt", config(mosquitto_broker, prefix))
    result = await service.test("mqtt")
    assert result.success, result.error
    assert f"{prefix}/status" in result.message and result.latency_ms is not None


async def test_wrong_password_is_reported_fast_and_never_shows_the_password(
    mosquitto_broker: MosquittoServer,
    prefix: str,
    demo_store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-Pa55word"
    service = make_export_service(demo_store)
    ExportRepo(demo_store).reset_checkpoints("mqtt")
    values = config(mosquitto_broker, prefix, port=mosquitto_broker.auth_port)
    service.configs.save("mqtt", values | {"username": "med", "password": wrong})
    started = time.monotonic()
    result = await service.test("mqtt")
    assert time.monotonic() - started < 10
    assert not result.success
    assert result.error and "username and password" in result.error
    log = await service.run("mqtt")  # a run with history to send fails the same way
    assert log.status == "failed" and log.error and "refused the login" in log.error
    shown = " ".join([result.message, result.error, log.error, caplog.text])
    assert wrong not in shown
    assert mosquitto_broker.password not in shown

    service.configs.save(
        "mqtt", values | {"username": "med", "password": mosquitto_broker.password}
    )
    assert (await service.test("mqtt")).success


async def test_an_acl_that_forbids_the_topics_is_reported_by_the_test(
    mosquitto_broker: MosquittoServer, prefix: str
) -> None:
    values = config(mosquitto_broker, prefix, port=mosquitto_broker.auth_port, timeout_seconds=1)
    exporter = make(values | {"username": LIMITED_USERNAME, "password": mosquitto_broker.password})
    try:
        result = await exporter.test_connection()
    finally:
        await exporter.aclose()
    assert not result.success and result.error and "ACL" in result.error


async def test_unreachable_and_silent_brokers_fail_with_a_reason_within_ten_seconds(
    prefix: str, empty_store: Store
) -> None:
    service = make_export_service(empty_store)
    closed = {"enabled": True, "host": HOST, "port": free_port(), "topic_prefix": prefix}
    service.configs.save("mqtt", closed)
    result = await service.test("mqtt")
    assert not result.success and result.error and "connection refused" in result.error

    # A port that accepts TCP and never answers MQTT (a firewall, the wrong service).
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(8)
        service.configs.save("mqtt", closed | {"port": silent.getsockname()[1]})
        started = time.monotonic()
        result = await service.test("mqtt")
        assert time.monotonic() - started < 10
    assert not result.success and result.error and "no answer" in result.error


async def test_mqtts_with_ca_and_client_certificate(
    mosquitto_broker: MosquittoServer, prefix: str
) -> None:
    values = config(mosquitto_broker, prefix, port=mosquitto_broker.tls_port, tls=True)
    values |= {"ca_file": mosquitto_broker.ca_file, "timeout_seconds": 2}
    with_cert = values | {
        "cert_file": mosquitto_broker.client_cert,
        "key_file": mosquitto_broker.client_key,
    }
    exporter = make(with_cert)
    try:
        assert (await exporter.test_connection()).success
        daily = ConsumptionData(PDL, DAILY, daily_points())
        assert (await exporter.export_consumption(daily)).success
    finally:
        await exporter.aclose()

    exporter = make(values)  # the listener requires a client certificate
    try:
        result = await exporter.test_connection()
    finally:
        await exporter.aclose()
    assert not result.success and result.error and "certificate" in result.error

    exporter = make(with_cert | {"ca_file": ""})  # the system CAs don't know the test CA
    try:
        result = await exporter.test_connection()
    finally:
        await exporter.aclose()
    assert not result.success and result.error and "not trusted" in result.error

    exporter = make(values | {"ca_file": "/nonexistent/ca.pem"})
    try:
        result = await exporter.test_connection()
    finally:
        await exporter.aclose()
    assert not result.success and result.error and "ca_file" in result.error


# -- small pieces ----------------------------------------------------------------------------


async def test_tempo_latest_topic_holds_the_newest_colour(
    mosquitto_broker: MosquittoServer, prefix: str
) -> None:

    days = [
        TempoDay(date(2025, 11, 20), TempoColor.WHITE),
        TempoDay(date(2025, 11, 21), TempoColor.RED),
    ]
    exporter = make(config(mosquitto_broker, prefix))
    try:
        assert (await exporter.export_tempo(TempoData(days))).records_exported == 2
    finally:
        await exporter.aclose()
    body = payloads(await retained(mosquitto_broker.port, f"{prefix}/tempo/latest"))
    latest = body[f"{prefix}/tempo/latest"]
    assert (latest["date"], latest["value"], latest["code"]) == ("2025-11-21", "RED", 3)
    assert latest["start"] == "2025-11-21T06:00:00+01:00"


def test_config_model_is_the_registered_one() -> None:
    registry = Registry(plugins=False)
    assert registry.get("mqtt") is MqttExporter
    assert issubclass(MqttExporter.config_model, ExporterConfig)
    assert MqttExporter.supports_history and MqttExporter.supports_state
