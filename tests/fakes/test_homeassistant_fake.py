"""The fake Home Assistant refuses what Home Assistant refuses, version by version."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.fakes.homeassistant import FakeHomeAssistant, parse_version, shared_fake_homeassistant

EXTERNAL = "myelectricaldata:12345678901234_base_consumption"


class Ws:
    """A minimal client of the fake's WebSocket API (what an exporter does by hand)."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.next_id = 1

    async def call(self, type_: str, **fields: Any) -> dict[str, Any]:
        msg_id = self.next_id
        self.next_id += 1
        await self.conn.send(json.dumps({"id": msg_id, "type": type_, **fields}))
        reply: dict[str, Any] = json.loads(await self.conn.recv())
        assert reply["id"] == msg_id
        return reply

    async def ok(self, type_: str, **fields: Any) -> Any:
        reply = await self.call(type_, **fields)
        assert reply["success"], reply
        return reply["result"]

    async def error(self, type_: str, **fields: Any) -> tuple[str, str]:
        reply = await self.call(type_, **fields)
        assert reply["success"] is False, reply
        return reply["error"]["code"], reply["error"]["message"]


@pytest.fixture
def fake() -> Iterator[FakeHomeAssistant]:
    """The shared fake, reset, on the default version (2025.4.4)."""
    yield shared_fake_homeassistant()


async def _open(fake: FakeHomeAssistant, token: str | None = None) -> tuple[ClientConnection, Ws]:
    conn = await connect(fake.ws_url, max_size=None)
    hello = json.loads(await conn.recv())
    assert hello == {"type": "auth_required", "ha_version": fake.version}
    await conn.send(json.dumps({"type": "auth", "access_token": token or fake.token}))
    answer = json.loads(await conn.recv())
    assert answer == {"type": "auth_ok", "ha_version": fake.version}, answer
    return conn, Ws(conn)


@pytest_asyncio.fixture(loop_scope="function")
async def ws(fake: FakeHomeAssistant) -> AsyncIterator[Ws]:
    """An authenticated connection to the fake."""
    conn, client = await _open(fake)
    try:
        yield client
    finally:
        await conn.close()


def meta(version: str = "2025.4", **over: Any) -> dict[str, Any]:
    """Metadata of a kWh sum statistic as the given version wants it."""
    base: dict[str, Any] = {
        "source": "myelectricaldata",
        "statistic_id": EXTERNAL,
        "name": "Linky base",
        "unit_of_measurement": "kWh",
        "has_sum": True,
    }
    if parse_version(version) < (2025, 11):
        base["has_mean"] = False
    else:
        base.update(mean_type=0, unit_class="energy")
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def hours(first: str, values: list[float], start_sum: float = 0.0) -> list[dict[str, Any]]:
    """Hourly rows from an ISO start, with running sums."""
    t0 = datetime.fromisoformat(first)
    rows, total = [], start_sum
    for i, value in enumerate(values):
        total += value
        rows.append({"start": (t0 + timedelta(hours=i)).isoformat(), "state": value, "sum": total})
    return rows


# -- auth and message framing --------------------------------------------------------------


async def test_wrong_token_gets_auth_invalid_and_the_connection_closes(
    fake: FakeHomeAssistant,
) -> None:
    async with connect(fake.ws_url) as conn:
        assert json.loads(await conn.recv())["type"] == "auth_required"
        await conn.send(json.dumps({"type": "auth", "access_token": "nope"}))
        assert json.loads(await conn.recv()) == {
            "type": "auth_invalid",
            "message": "Invalid access token or password",
        }
        with pytest.raises(ConnectionClosed):
            await conn.recv()
    assert fake.auth_failures == 1
    assert fake.connections == 0


async def test_malformed_auth_message_is_refused_with_voluptuous_wording(
    fake: FakeHomeAssistant,
) -> None:
    async with connect(fake.ws_url) as conn:
        await conn.recv()
        await conn.send(json.dumps({"type": "auth", "token": "x"}))
        answer = json.loads(await conn.recv())
    assert answer["type"] == "auth_invalid"
    assert answer["message"].startswith(
        "Auth message incorrectly formatted: extra keys not allowed"
    )


async def test_ids_must_increase_and_unknown_commands_are_named(ws: Ws) -> None:
    assert (await ws.call("ping"))["type"] == "pong"
    await ws.conn.send(json.dumps({"id": 1, "type": "ping"}))
    assert json.loads(await ws.conn.recv())["error"] == {
        "code": "id_reuse",
        "message": "Identifier values have to increase.",
    }
    assert await ws.error("no/such") == ("unknown_command", "Unknown command.")
    await ws.conn.send(json.dumps({"id": "7", "type": "ping"}))
    assert json.loads(await ws.conn.recv())["error"]["code"] == "invalid_format"


async def test_get_config_and_rest_config_announce_the_version(
    fake: FakeHomeAssistant, ws: Ws
) -> None:
    fake.version = "2026.11.0"
    assert (await ws.ok("get_config"))["version"] == "2026.11.0"
    async with httpx.AsyncClient(base_url=fake.url) as http:
        answer = await http.get("/api/config", headers={"Authorization": f"Bearer {fake.token}"})
    assert answer.json()["version"] == "2026.11.0"
    assert answer.json()["time_zone"] == "Europe/Paris"


async def test_a_frame_over_4_mib_closes_the_connection_with_1009(
    fake: FakeHomeAssistant, ws: Ws
) -> None:
    big = hours("2024-01-01T00:00:00+00:00", [1.0] * 70_000)
    payload = json.dumps({"id": 1, "type": "recorder/import_statistics", "metadata": meta(),
                          "stats": big})  # fmt: skip
    assert len(payload) > 4 * 1024 * 1024
    await ws.conn.send(payload)
    with pytest.raises(ConnectionClosed) as closed:
        await ws.conn.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert fake.oversized == 1
    assert fake.statistics(EXTERNAL) == []


async def test_coalesced_replies_come_back_as_one_array(ws: Ws) -> None:
    await ws.ok("supported_features", features={"coalesce_messages": 1})
    await ws.conn.send(json.dumps([{"id": 10, "type": "ping"}, {"id": 11, "type": "ping"}]))
    assert json.loads(await ws.conn.recv()) == [
        {"id": 10, "type": "pong"},
        {"id": 11, "type": "pong"},
    ]


async def test_messages_record_every_frame_and_its_size(fake: FakeHomeAssistant, ws: Ws) -> None:
    await ws.ok(
        "recorder/import_statistics", metadata=meta(), stats=hours("2024-01-01T00:00+01:00", [1, 2])
    )
    assert [m.types for m in fake.messages] == [("auth",), ("recorder/import_statistics",)]
    assert fake.messages[1].size > 200
    assert fake.message_count == 2


# -- import_statistics validation, by version ----------------------------------------------


@pytest.mark.parametrize("version", ["2024.1.0", "2025.4.4", "2025.10.4"])
async def test_up_to_2025_10_has_mean_is_required_and_mean_type_is_an_extra_key(
    fake: FakeHomeAssistant, version: str
) -> None:
    fake.version = version
    conn, ws = await _open(fake)
    rows = hours("2024-01-01T00:00:00+01:00", [1.0])
    assert await ws.ok("recorder/import_statistics", metadata=meta(), stats=rows) is None
    code, message = await ws.error(
        "recorder/import_statistics", metadata=meta(mean_type=0), stats=rows
    )
    assert code == "invalid_format"
    assert message == "extra keys not allowed @ data['metadata']['mean_type']. Got 0"
    code, message = await ws.error(
        "recorder/import_statistics", metadata=meta(unit_class="energy"), stats=rows
    )
    assert "extra keys not allowed @ data['metadata']['unit_class']" in message
    code, message = await ws.error(
        "recorder/import_statistics", metadata=meta(has_mean=...), stats=rows
    )
    assert message == "required key not provided @ data['metadata']['has_mean']. Got None"
    await conn.close()


async def test_from_2025_11_mean_type_and_unit_class_are_accepted_and_has_mean_still_works(
    fake: FakeHomeAssistant,
) -> None:
    fake.version = "2025.11.2"
    conn, ws = await _open(fake)
    rows = hours("2024-01-01T00:00:00+01:00", [1.0])
    await ws.ok("recorder/import_statistics", metadata=meta("2025.11"), stats=rows)
    assert fake.metadata(EXTERNAL) == {
        "source": "myelectricaldata",
        "statistic_id": EXTERNAL,
        "name": "Linky base",
        "unit_of_measurement": "kWh",
        "has_sum": True,
        "mean_type": 0,
        "unit_class": "energy",
    }
    # The deprecated form is still accepted until 2026.11; unit_class is derived from the unit.
    await ws.ok("recorder/import_statistics", metadata=meta("2025.4"), stats=rows)
    assert fake.metadata(EXTERNAL)["unit_class"] == "energy"  # type: ignore[index]
    cost = meta("2025.11", statistic_id="myelectricaldata:12345678901234_base_cost",
                unit_of_measurement="EUR", unit_class=None)  # fmt: skip
    await ws.ok("recorder/import_statistics", metadata=cost, stats=rows)
    assert await ws.error(
        "recorder/import_statistics", metadata={**cost, "unit_class": "monetary"}, stats=rows
    ) == ("home_assistant_error", "Unsupported unit_class: 'monetary'")
    assert await ws.error(
        "recorder/import_statistics", metadata={**cost, "unit_class": "energy"}, stats=rows
    ) == ("home_assistant_error", "Unsupported unit_of_measurement 'EUR' for unit_class 'energy'")
    code, message = await ws.error(
        "recorder/import_statistics", metadata=meta("2025.11", mean_type="none"), stats=rows
    )
    assert code == "invalid_format" and "mean_type" in message
    await conn.close()


async def test_from_2026_11_mean_type_and_unit_class_are_required(fake: FakeHomeAssistant) -> None:
    fake.version = "2026.11.0"
    conn, ws = await _open(fake)
    rows = hours("2024-01-01T00:00:00+01:00", [1.0])
    await ws.ok("recorder/import_statistics", metadata=meta("2026.11"), stats=rows)
    assert await ws.error(
        "recorder/import_statistics", metadata=meta("2026.11", mean_type=...), stats=rows
    ) == (
        "invalid_format",
        "required key not provided @ data['metadata']['mean_type']. Got None",
    )
    code, message = await ws.error(
        "recorder/import_statistics", metadata=meta("2026.11", unit_class=...), stats=rows
    )
    assert message == "required key not provided @ data['metadata']['unit_class']. Got None"
    code, _ = await ws.error("recorder/import_statistics", metadata=meta("2025.4"), stats=rows)
    assert code == "invalid_format"
    await conn.close()


async def test_ids_sources_and_timestamps_are_checked_like_the_recorder(ws: Ws) -> None:
    rows = hours("2024-01-01T00:00:00+01:00", [1.0])

    async def refused(metadata: dict[str, Any], stats: list[dict[str, Any]]) -> str:
        code, message = await ws.error("recorder/import_statistics", metadata=metadata, stats=stats)
        assert code == "home_assistant_error"
        return message

    assert await refused(meta(source="linky"), rows) == "Invalid source"
    assert await refused(meta(statistic_id="MyElectricalData:x"), rows) == "Invalid statistic_id"
    assert await refused(meta(statistic_id="myelectricaldata:_x"), rows) == "Invalid statistic_id"
    assert await refused(meta(statistic_id="myelectricaldata:a__b"), rows) == "Invalid statistic_id"
    assert await refused(meta(statistic_id="sensor.linky"), rows) == "Invalid source"
    await ws.ok("recorder/import_statistics", metadata=meta(statistic_id="sensor.linky",
                source="recorder"), stats=rows)  # fmt: skip
    assert await refused(meta(), [{"start": "2024-01-01T00:00:00", "sum": 1}]) == (
        "Naive timestamp: no or invalid timezone info provided"
    )
    assert await refused(meta(), [{"start": "2024-01-01T00:30:00+01:00", "sum": 1}]) == (
        "Invalid timestamp: timestamps must be from the top of the hour (minutes and seconds = 0)"
    )
    code, message = await ws.error(
        "recorder/import_statistics", metadata=meta(), stats=[{"start": "yesterday"}]
    )
    assert code == "invalid_format" and "Invalid datetime specified: yesterday" in message


async def test_one_bad_row_refuses_the_whole_message(fake: FakeHomeAssistant, ws: Ws) -> None:
    rows = hours("2024-01-01T00:00:00+01:00", [1.0, 2.0])
    rows.append({"start": "2024-01-01T02:15:00+01:00", "sum": 4.0})
    await ws.error("recorder/import_statistics", metadata=meta(), stats=rows)
    assert fake.statistics(EXTERNAL) == []
    assert fake.metadata(EXTERNAL) is None


async def test_the_hour_is_checked_in_the_rows_own_offset(fake: FakeHomeAssistant, ws: Ws) -> None:
    # HA checks minute == 0 before converting to UTC: +05:30 midnight is 18:30 UTC, accepted.
    await ws.ok("recorder/import_statistics", metadata=meta(),
                stats=[{"start": "2024-01-01T00:00:00+05:30", "sum": 1.0}])  # fmt: skip
    assert fake.statistics(EXTERNAL)[0]["start"] == datetime(2023, 12, 31, 18, 30, tzinfo=UTC)


async def test_non_admin_tokens_cannot_import_or_clear(fake: FakeHomeAssistant) -> None:
    fake.admin = False
    conn, ws = await _open(fake)
    rows = hours("2024-01-01T00:00:00+01:00", [1.0])
    assert await ws.error("recorder/import_statistics", metadata=meta(), stats=rows) == (
        "unauthorized",
        "Unauthorized",
    )
    assert await ws.error("recorder/clear_statistics", statistic_ids=[EXTERNAL]) == (
        "unauthorized",
        "Unauthorized",
    )
    await conn.close()


# -- storage and read-back -----------------------------------------------------------------


async def test_reimporting_an_hour_replaces_it_and_never_duplicates(
    fake: FakeHomeAssistant, ws: Ws
) -> None:
    await ws.ok("recorder/import_statistics", metadata=meta(),
                stats=hours("2024-01-01T00:00:00+01:00", [1.0, 2.0, 3.0]))  # fmt: skip
    await ws.ok("recorder/import_statistics", metadata=meta(name="renamed"),
                stats=[{"start": "2023-12-31T23:00:00Z", "sum": 10.0}])  # fmt: skip
    rows = fake.statistics(EXTERNAL)
    assert [r["sum"] for r in rows] == [10.0, 3.0, 6.0]
    assert rows[0]["state"] is None  # every value column is rewritten
    assert fake.metadata(EXTERNAL)["name"] == "renamed"  # type: ignore[index]


async def test_statistics_during_period_answers_hours_in_ms_and_days_across_dst(
    ws: Ws,
) -> None:
    # 2024-03-31 in Paris has 23 hours: 2024-03-30T23:00Z .. 2024-03-31T22:00Z.
    await ws.ok("recorder/import_statistics", metadata=meta(),
                stats=hours("2024-03-30T00:00:00+01:00", [1.0] * 72, start_sum=100.0))  # fmt: skip
    hourly = await ws.ok(
        "recorder/statistics_during_period",
        start_time="2024-03-30T00:00:00+01:00",
        end_time="2024-03-30T02:00:00+01:00",
        statistic_ids=[EXTERNAL, "myelectricaldata:unknown"],
        period="hour",
        types=["sum", "state"],
    )
    first_ms = int(datetime(2024, 3, 29, 23, tzinfo=UTC).timestamp() * 1000)
    assert hourly == {
        EXTERNAL: [
            {"start": first_ms, "end": first_ms + 3_600_000, "state": 1.0, "sum": 101.0},
            {"start": first_ms + 3_600_000, "end": first_ms + 7_200_000, "state": 1.0,
             "sum": 102.0},
        ]
    }  # fmt: skip
    daily = await ws.ok(
        "recorder/statistics_during_period",
        start_time="2024-03-30T12:00:00+01:00",
        end_time="2024-03-31T12:00:00+02:00",
        statistic_ids=[EXTERNAL],
        period="day",
        types=["sum", "change"],
    )
    days = daily[EXTERNAL]
    # No row before the window: the first change is the whole sum, as in HA.
    assert [d["change"] for d in days] == [124.0, 23.0]
    assert [d["sum"] for d in days] == [124.0, 147.0]
    assert days[1]["end"] - days[1]["start"] == 23 * 3_600_000


async def test_change_starts_from_the_last_sum_before_the_window(ws: Ws) -> None:
    await ws.ok("recorder/import_statistics", metadata=meta(),
                stats=hours("2024-01-01T00:00:00+01:00", [1.0, 2.0, 4.0]))  # fmt: skip
    rows = await ws.ok(
        "recorder/statistics_during_period",
        start_time="2024-01-01T01:00:00+01:00",
        statistic_ids=[EXTERNAL],
        period="hour",
        types=["change"],
    )
    assert [(set(r), r["change"]) for r in rows[EXTERNAL]] == [
        ({"start", "end", "change"}, 2.0),
        ({"start", "end", "change"}, 4.0),
    ]


async def test_period_errors_and_short_term_are_answered_like_ha(ws: Ws) -> None:
    await ws.ok("recorder/import_statistics", metadata=meta(),
                stats=hours("2024-01-01T00:00:00+01:00", [1.0]))  # fmt: skip
    assert await ws.error(
        "recorder/statistics_during_period",
        start_time="not a date",
        statistic_ids=[EXTERNAL],
        period="hour",
    ) == ("invalid_start_time", "Invalid start_time")
    assert (
        await ws.ok(
            "recorder/statistics_during_period",
            start_time="2024-01-01T00:00:00Z",
            statistic_ids=[EXTERNAL],
            period="5minute",
        )
        == {}
    )
    code, _ = await ws.error(
        "recorder/statistics_during_period", start_time="2024-01-01T00:00:00Z",
        statistic_ids=[], period="hour",
    )  # fmt: skip
    assert code == "invalid_format"
    # A sum statistic has no mean: asking for it gives no mean column.
    rows = await ws.ok(
        "recorder/statistics_during_period",
        start_time="2023-12-31T00:00:00Z",
        statistic_ids=[EXTERNAL],
        period="month",
        types=["mean", "sum"],
    )
    assert set(rows[EXTERNAL][0]) == {"start", "end", "sum"}


async def test_list_metadata_and_clear(fake: FakeHomeAssistant, ws: Ws) -> None:
    rows = hours("2024-01-01T00:00:00+01:00", [1.0])
    await ws.ok("recorder/import_statistics", metadata=meta(), stats=rows)
    power = meta(statistic_id="myelectricaldata:p", unit_of_measurement="W", has_sum=False,
                 has_mean=True)  # fmt: skip
    await ws.ok("recorder/import_statistics", metadata=power, stats=rows)
    sums = await ws.ok("recorder/list_statistic_ids", statistic_type="sum")
    assert sums == [
        {
            "statistic_id": EXTERNAL,
            "display_unit_of_measurement": "kWh",
            "has_mean": False,
            "mean_type": 0,
            "has_sum": True,
            "name": "Linky base",
            "source": "myelectricaldata",
            "statistics_unit_of_measurement": "kWh",
            "unit_class": "energy",
        }
    ]
    means = await ws.ok("recorder/list_statistic_ids", statistic_type="mean")
    assert [m["statistic_id"] for m in means] == ["myelectricaldata:p"]
    got = await ws.ok("recorder/get_statistics_metadata", statistic_ids=["myelectricaldata:p"])
    assert got[0]["mean_type"] == 1 and got[0]["unit_class"] == "power"
    assert await ws.ok("recorder/clear_statistics", statistic_ids=[EXTERNAL]) is None
    assert fake.statistics(EXTERNAL) == [] and fake.metadata(EXTERNAL) is None
    assert len(await ws.ok("recorder/list_statistic_ids")) == 1


async def test_list_items_follow_the_version(fake: FakeHomeAssistant) -> None:
    for version, keys_in, keys_out in (
        ("2024.1.0", {"has_mean"}, {"mean_type"}),
        ("2026.11.0", {"mean_type"}, {"has_mean"}),
    ):
        fake.reset()
        fake.version = version
        conn, ws = await _open(fake)
        await ws.ok("recorder/import_statistics", metadata=meta(version),
                    stats=hours("2024-01-01T00:00:00+01:00", [1.0]))  # fmt: skip
        (item,) = await ws.ok("recorder/list_statistic_ids")
        assert keys_in <= set(item) and not keys_out & set(item), (version, item)
        await conn.close()


async def test_commit_delay_makes_rows_readable_only_later(fake: FakeHomeAssistant, ws: Ws) -> None:
    fake.commit_delay = 0.2
    await ws.ok("recorder/import_statistics", metadata=meta(),
                stats=hours("2024-01-01T00:00:00+01:00", [1.0]))  # fmt: skip
    assert fake.statistics(EXTERNAL) == []
    await asyncio.sleep(0.4)
    assert len(fake.statistics(EXTERNAL)) == 1


# -- disconnects ---------------------------------------------------------------------------


async def test_disconnect_after_drops_the_connection_mid_import(fake: FakeHomeAssistant) -> None:
    conn, ws = await _open(fake)
    fake.disconnect_after(2)
    for day in range(2):
        await ws.ok("recorder/import_statistics", metadata=meta(),
                    stats=hours(f"2024-01-0{day + 1}T00:00:00+01:00", [1.0] * 24))  # fmt: skip
    await conn.send(json.dumps({"id": 99, "type": "recorder/import_statistics", "metadata": meta(),
                                "stats": hours("2024-01-03T00:00:00+01:00", [1.0])}))  # fmt: skip
    with pytest.raises(ConnectionClosed) as closed:
        await conn.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert len(fake.statistics(EXTERNAL)) == 48  # the third import was lost
    # One-shot: a new connection works.
    conn2, ws2 = await _open(fake)
    assert (await ws2.call("ping"))["type"] == "pong"
    await conn2.close()
    assert fake.connections == 2


async def test_disconnect_after_with_apply_next_loses_only_the_reply(
    fake: FakeHomeAssistant,
) -> None:
    conn, _ = await _open(fake)
    fake.disconnect_after(0, apply_next=True)
    await conn.send(json.dumps({"id": 1, "type": "recorder/import_statistics", "metadata": meta(),
                                "stats": hours("2024-01-03T00:00:00+01:00", [1.0])}))  # fmt: skip
    with pytest.raises(ConnectionClosed):
        await conn.recv()
    assert len(fake.statistics(EXTERNAL)) == 1


async def test_stop_cuts_open_connections_and_start_serves_again() -> None:
    with FakeHomeAssistant(version="2024.6.1") as own:
        conn, _ = await _open(own)
        own.stop()
        with pytest.raises(ConnectionClosed):
            await conn.recv()
        own.start()
        conn2, ws2 = await _open(own)
        assert (await ws2.call("ping"))["type"] == "pong"
        await conn2.close()


# -- REST ----------------------------------------------------------------------------------


async def test_rest_states_are_created_then_updated_and_need_the_token(
    fake: FakeHomeAssistant,
) -> None:
    auth = {"Authorization": f"Bearer {fake.token}"}
    body = {"state": "12.345", "attributes": {"unit_of_measurement": "kWh"}}
    async with httpx.AsyncClient(base_url=fake.url) as http:
        assert (await http.get("/api/")).status_code == 401
        wrong = await http.get("/api/", headers={"Authorization": "Bearer wrong"})
        assert (wrong.status_code, wrong.text) == (401, "401: Unauthorized")
        assert (await http.get("/api/", headers=auth)).json() == {"message": "API running."}
        url = "/api/states/sensor.med_12345678901234_consumption"
        assert (await http.post(url, json=body)).status_code == 401
        created = await http.post(url, json=body, headers=auth)
        assert created.status_code == 201
        assert created.headers["location"] == url
        assert created.json()["state"] == "12.345"
        updated = await http.post(url, json={**body, "state": 13}, headers=auth)
        assert updated.status_code == 200 and updated.json()["state"] == "13"
        assert (await http.get(url, headers=auth)).json()["attributes"] == body["attributes"]
        bad = await http.post("/api/states/Sensor.Bad", json=body, headers=auth)
        assert (bad.status_code, bad.json()) == (400, {"message": "Invalid entity ID specified."})
        no_state = await http.post(url, json={"attributes": {}}, headers=auth)
        assert no_state.json() == {"message": "No state specified."}
        too_long = await http.post(url, json={"state": "x" * 256}, headers=auth)
        assert too_long.json() == {"message": "Invalid state specified."}
        missing = await http.get("/api/states/sensor.none", headers=auth)
        assert (missing.status_code, missing.json()) == (404, {"message": "Entity not found."})
    assert set(fake.states) == {"sensor.med_12345678901234_consumption"}


async def test_unchanged_state_keeps_last_changed(fake: FakeHomeAssistant) -> None:
    auth = {"Authorization": f"Bearer {fake.token}"}
    url = "/api/states/sensor.x"
    async with httpx.AsyncClient(base_url=fake.url, headers=auth) as http:
        first = (await http.post(url, json={"state": "1"})).json()
        await asyncio.sleep(0.01)
        second = (await http.post(url, json={"state": "1", "attributes": {"a": 1}})).json()
    assert second["last_changed"] == first["last_changed"]
    assert second["last_updated"] != first["last_updated"]
