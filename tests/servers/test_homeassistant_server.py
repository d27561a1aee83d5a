"""The real Home Assistant of the test session starts, imports statistics and talks MQTT."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.fakes.homeassistant import FakeHomeAssistant
from tests.servers.homeassistant import HaWebSocket, HomeAssistantError, HomeAssistantServer
from tests.servers.mosquitto import MosquittoServer

STAT = "myelectricaldata:12345678901234_smoke_consumption"


def test_it_is_the_pinned_version_on_loopback_with_paris_time(
    homeassistant_server: HomeAssistantServer, record_property: Callable[[str, object], None]
) -> None:
    config = homeassistant_server.rest("GET", "/api/config").json()
    assert config["version"] == "2025.4.4"
    assert config["time_zone"] == "Europe/Paris"
    assert config["currency"] == "EUR"
    assert homeassistant_server.url.startswith("http://127.0.0.1:")
    assert homeassistant_server.rest("GET", "/api/").json() == {"message": "API running."}
    unauthorized = homeassistant_server.rest("GET", "/api/", headers={"Authorization": "Bearer x"})
    assert unauthorized.status_code == 401
    record_property("ha_startup_seconds", round(homeassistant_server.startup_seconds, 2))
    record_property("ha_onboarding_seconds", round(homeassistant_server.onboarding_seconds, 2))


async def test_an_imported_statistic_can_be_read_back(
    homeassistant_server: HomeAssistantServer,
) -> None:
    start = datetime(2024, 3, 30, tzinfo=UTC)
    stats = [
        {"start": (start + timedelta(hours=i)).isoformat(), "state": 0.5, "sum": 0.5 * (i + 1)}
        for i in range(48)
    ]
    metadata = {
        "source": "myelectricaldata",
        "statistic_id": STAT,
        "name": "Smoke",
        "unit_of_measurement": "kWh",
        "has_sum": True,
        "has_mean": False,
    }
    async with homeassistant_server.websocket() as ws:
        assert ws.ha_version == "2025.4.4"
        assert await ws.call("recorder/import_statistics", metadata=metadata, stats=stats) is None
        rows = await ws.wait_for_rows(STAT, 48)
        assert rows[0]["start"] == int(start.timestamp() * 1000)
        assert [r["sum"] for r in rows] == [s["sum"] for s in stats]
        listed = await ws.call("recorder/list_statistic_ids", statistic_type="sum")
        assert STAT in {item["statistic_id"] for item in listed}
        # 2025.4 refuses the 2025.11 metadata keys, as the fake does.
        with pytest.raises(HomeAssistantError) as refused:
            await ws.call(
                "recorder/import_statistics", metadata={**metadata, "mean_type": 0}, stats=stats
            )
        assert refused.value.code == "invalid_format"
        assert await ws.call("recorder/clear_statistics", statistic_ids=[STAT]) is None
        assert await ws.statistics([STAT]) == {}


async def test_the_mqtt_integration_is_loaded_against_the_test_broker(
    homeassistant_server: HomeAssistantServer, mosquitto_broker: MosquittoServer
) -> None:
    (entry,) = [e for e in homeassistant_server.config_entries() if e["domain"] == "mqtt"]
    assert entry["state"] == "loaded"
    assert entry["title"] == "127.0.0.1"
    # End to end: a retained discovery config published to the broker becomes an entity.
    topic = "homeassistant/sensor/med_smoke/config"
    config = {
        "name": "Smoke energy",
        "unique_id": "med_smoke_energy",
        "state_topic": "med_smoke/state",
        "device_class": "energy",
        "state_class": "total_increasing",
        "unit_of_measurement": "kWh",
        "device": {"identifiers": ["med_smoke"], "name": "MED smoke"},
    }

    def publish(topic_: str, payload: str) -> None:
        args = ["mosquitto_pub", "-h", mosquitto_broker.host, "-p", str(mosquitto_broker.port)]
        subprocess.run([*args, "-r", "-q", "1", "-t", topic_, "-m", payload], check=True)

    publish(topic, json.dumps(config))
    publish("med_smoke/state", "12.5")
    try:
        deadline = time.monotonic() + 20
        state = None
        while time.monotonic() < deadline:
            answer = homeassistant_server.rest("GET", "/api/states/sensor.med_smoke_smoke_energy")
            if answer.status_code == 200 and answer.json()["state"] == "12.5":
                state = answer.json()
                break
            await asyncio.sleep(0.1)
        assert state is not None, homeassistant_server.logs(40)
        assert state["attributes"]["unit_of_measurement"] == "kWh"
    finally:
        # An empty retained config removes the entity (and clears the broker's copy).
        publish(topic, "")
        publish("med_smoke/state", "")


def test_it_never_reached_beyond_loopback(homeassistant_server: HomeAssistantServer) -> None:
    logs = homeassistant_server.logs()
    # Integrations that call out (what default_config and the onboarding core_config step add).
    for domain in ("cloud", "met", "radio_browser", "google_translate", "zeroconf", "ssdp"):
        assert not re.search(rf"Loaded {domain} from", logs), domain
    assert "Setting up cloud" not in logs
    # No outgoing HTTP or DNS was attempted (aiohttp and aiodns log their failures).
    assert not re.search(r"ClientConnectorError|Cannot connect to host|DNSError|getaddrinfo", logs)
    proc = homeassistant_server._proc
    assert proc is not None
    sockets = subprocess.run(
        ["ss", "-tunapH"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for line in sockets:
        if f"pid={proc.pid}," not in line:
            continue
        peer = line.split()[5].rsplit(":", 1)[0].strip("[]")
        if peer in ("*", "0.0.0.0", "::"):
            continue
        assert ipaddress.ip_address(peer.split("%")[0]).is_loopback, line


async def test_the_fake_answers_like_the_real_one(
    homeassistant_server: HomeAssistantServer,
) -> None:
    """The same script against the real 2025.4.4 and the fake (version 2025.4.4): same answers."""
    sid = "myelectricaldata:12345678901234_diff_consumption"
    meta = {"source": "myelectricaldata", "statistic_id": sid, "name": "Diff",
            "unit_of_measurement": "kWh", "has_sum": True, "has_mean": False}  # fmt: skip
    paris = timezone(timedelta(hours=1))
    first = datetime(2024, 3, 29, tzinfo=paris)
    rows = [
        {"start": (first + timedelta(hours=i)).isoformat(), "state": 0.25 * (i % 7),
         "sum": 100 + 0.25 * sum(k % 7 for k in range(i + 1))}
        for i in range(24 * 5)
    ]  # fmt: skip
    script: list[tuple[str, dict[str, Any]]] = [
        ("recorder/import_statistics", {"metadata": meta, "stats": rows}),
        ("recorder/import_statistics", {"metadata": {**meta, "mean_type": 0}, "stats": rows}),
        ("recorder/import_statistics", {"metadata": {**meta, "source": "linky"}, "stats": rows}),
        ("recorder/import_statistics",
         {"metadata": {**meta, "statistic_id": "myelectricaldata:Bad"}, "stats": rows}),
        ("recorder/import_statistics",
         {"metadata": meta, "stats": [{"start": "2024-01-01T00:00:00", "sum": 1}]}),
        ("recorder/import_statistics",
         {"metadata": meta, "stats": [{"start": "2024-01-01T00:20:00+01:00", "sum": 1}]}),
        ("recorder/import_statistics", {"metadata": meta, "stats": [{"start": "soon"}]}),
        ("recorder/get_statistics_metadata", {"statistic_ids": [sid]}),
    ]  # fmt: skip
    for period in ("hour", "day", "week", "month"):
        for types in (["sum", "state"], ["change"], ["sum", "change", "mean", "last_reset"]):
            script.append(
                ("recorder/statistics_during_period",
                 {"start_time": "2024-03-30T05:00:00+01:00", "end_time": "2024-04-01T10:00:00Z",
                  "statistic_ids": [sid, "myelectricaldata:none"], "period": period,
                  "types": types})
            )  # fmt: skip
    script.append(("recorder/statistics_during_period",
                   {"start_time": "bad", "statistic_ids": [sid], "period": "hour"}))  # fmt: skip

    async def run(ws: HaWebSocket, wait: bool) -> list[Any]:
        answers: list[Any] = []
        for type_, fields in script:
            try:
                answers.append(await ws.call(type_, **fields))
            except HomeAssistantError as err:
                answers.append((err.code, err.message))
            if wait and len(answers) == 1:
                await ws.wait_for_rows(sid, len(rows))
        await ws.call("recorder/clear_statistics", statistic_ids=[sid])
        return answers

    async with homeassistant_server.websocket() as real_ws:
        real = await run(real_ws, wait=True)
    with FakeHomeAssistant(version="2025.4.4", time_zone="Europe/Paris") as fake:
        async with connect(fake.ws_url, max_size=None) as conn:
            await conn.recv()
            await conn.send(json.dumps({"type": "auth", "access_token": fake.token}))
            await conn.recv()
            faked = await run(HaWebSocket(conn, fake.version), wait=False)
    assert len(real) == len(faked)
    for step, (want, got) in enumerate(zip(real, faked, strict=True)):
        assert got == want, (step, script[step][0], script[step][1].get("period"))
