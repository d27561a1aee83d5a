"""The Jeedom client against the fake over real HTTP: answers read, failures classified."""

from __future__ import annotations

import asyncio
import socket
from zoneinfo import ZoneInfo

import pytest

from myelectricaldata.exporters.jeedom.client import JeedomClient, api_base, probe
from myelectricaldata.exporters.jeedom.errors import (
    JeedomAuthError,
    JeedomError,
    JeedomNotFound,
    JeedomProtocolError,
    JeedomRpcError,
    JeedomTimezoneUnknown,
    JeedomUnavailable,
    JeedomUnknownMethod,
)
from myelectricaldata.exporters.jeedom.model import Event, EventBatch
from myelectricaldata.support.retry import Retryable
from tests.fakes.jeedom import FakeJeedom


def numeric_command(fake: FakeJeedom, name: str = "Conso", *, historized: bool = True) -> int:
    """An enabled Virtual equipment with one numeric info command; its id."""
    eq = fake.add_equipment(f"Eq {name}", isEnable=1, isVisible=1)
    return fake.add_command(eq.id, name, isHistorized="1" if historized else "0").id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- proving the link


async def test_probe_proves_reachability_then_the_key_and_learns_the_time_zone(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    found = await probe(client, object_id=1)
    assert (found.version, found.timezone, found.timezone_from_jeedom) == (
        "4.5.3",
        ZoneInfo("Europe/Brussels"),
        True,
    )
    assert found.object is not None and found.object.name == "Maison"
    assert fake.methods() == ["ping", "version", "config::byKey", "jeeObject::byId"]
    assert fake.calls[0].params == {}  # ping goes without the key


async def test_probe_with_a_wrong_key_fails_after_a_successful_ping(fake: FakeJeedom) -> None:
    async with JeedomClient(fake.url, "not-the-key-0123456789") as wrong:
        with pytest.raises(JeedomAuthError) as caught:
            await probe(wrong)
    assert caught.value.code == 2
    assert "api_key" in str(caught.value) and "not-the-key-0123456789" not in str(caught.value)
    assert fake.methods() == ["ping", "version"]


async def test_a_plugin_key_cannot_learn_the_time_zone_unless_given(fake: FakeJeedom) -> None:
    async with JeedomClient(fake.url, fake.virtual_key, plugin="virtual") as plugin:
        with pytest.raises(JeedomTimezoneUnknown, match="set timezone"):
            await probe(plugin)
        given = await probe(plugin, timezone="Europe/Paris")
    assert given.timezone == ZoneInfo("Europe/Paris") and not given.timezone_from_jeedom
    assert fake.calls_of("version")[-1].params["plugin"] == "virtual"


async def test_the_time_zone_follows_jeedoms_setting(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.set_config("timezone", "Pacific/Auckland")
    assert await client.timezone() == ZoneInfo("Pacific/Auckland")
    fake.set_config("timezone", "Mars/Olympus")
    with pytest.raises(JeedomTimezoneUnknown, match="not an IANA zone"):
        await client.timezone()


async def test_an_unknown_object_is_not_found(client: JeedomClient) -> None:
    with pytest.raises(JeedomNotFound) as caught:
        await probe(client, object_id=42)
    assert caught.value.code == 601


def test_the_url_may_be_given_with_or_without_the_api_path() -> None:
    assert api_base("http://jeedom.local/") == "http://jeedom.local"
    assert api_base("http://h/jeedom/core/api/jeeApi.php") == "http://h/jeedom"


async def test_the_api_path_may_be_typed_into_the_url(fake: FakeJeedom) -> None:
    async with JeedomClient(fake.api_url, fake.core_key) as jeedom:
        assert await jeedom.version() == "4.5.3"


# --------------------------------------------------------------------------- reading Jeedom


async def test_empty_lists_arrive_as_ok_and_read_as_empty(client: JeedomClient) -> None:
    assert await client.equipments() == []
    assert await client.commands(123) == []


async def test_equipments_commands_and_history_are_read_back(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    cmd_id = numeric_command(fake)
    await client.event(Event(cmd_id, "12.345", "2025-11-19 00:00:00"))
    await client.event(Event(cmd_id, "7", "2025-11-18 00:00:00"))
    [equipment] = await client.equipments()
    assert (equipment.name, equipment.enabled, equipment.eq_type) == ("Eq Conso", True, "virtual")
    [command] = await client.commands(equipment.id)
    assert (command.id, command.sub_type, command.historized) == (cmd_id, "numeric", True)
    assert command.current_value == 7.0  # the last event, older or not
    rows = await client.history(cmd_id)
    assert [(r.datetime, r.value) for r in rows] == [
        ("2025-11-18 00:00:00", "7"),
        ("2025-11-19 00:00:00", "12.345"),
    ]
    assert await client.history(cmd_id, start="2025-11-19 00:00:00") == rows[1:]
    assert (await client.command(cmd_id)).name == "Conso"


async def test_an_unknown_command_is_not_found_with_its_code(client: JeedomClient) -> None:
    with pytest.raises(JeedomNotFound) as event:
        await client.event(Event(999, "1"))
    with pytest.raises(JeedomNotFound) as read:
        await client.command(999)
    assert (event.value.code, read.value.code) == (702, 701)
    assert "Commande introuvable : 999" in str(event.value)


async def test_an_unknown_method_says_jeedom_4_is_needed(client: JeedomClient) -> None:
    with pytest.raises(JeedomUnknownMethod, match=r"Jeedom 4\.x"):
        await client.call("cmd::teleport")


async def test_a_disabled_api_is_an_auth_error_that_says_where_to_enable_it(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.set_api_mode("core", "disable")
    with pytest.raises(JeedomAuthError, match="tab API") as caught:
        await client.version()
    assert caught.value.code == 1 and not caught.value.retryable


async def test_a_refused_save_is_a_permanent_rpc_error(client: JeedomClient) -> None:
    with pytest.raises(JeedomRpcError) as caught:
        await client.save_equipment({"eqType_name": "nosuchplugin", "name": "x"})
    assert caught.value.code == -32000 and not isinstance(caught.value, Retryable)


# --------------------------------------------------------------------------- transient failures


async def test_a_stopped_jeedom_is_retryable_and_names_the_url(fake: FakeJeedom) -> None:
    port = free_port()
    async with JeedomClient(f"http://127.0.0.1:{port}", fake.core_key) as down:
        with pytest.raises(JeedomUnavailable, match=f"127.0.0.1:{port}") as caught:
            await down.version()
    assert isinstance(caught.value, Retryable) and caught.value.retryable


async def test_a_5xx_is_retryable_with_its_retry_after(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.fail_next(1, 503, retry_after="12")
    with pytest.raises(JeedomUnavailable) as caught:
        await client.version()
    assert (caught.value.status, caught.value.retry_after) == (503, 12.0)
    assert await client.version() == "4.5.3"


async def test_a_timeout_is_retryable_and_says_which_setting_to_raise(fake: FakeJeedom) -> None:
    fake.slow_next(1, 1.0)
    async with JeedomClient(fake.url, fake.core_key, timeout_s=0.2) as impatient:
        with pytest.raises(JeedomUnavailable, match="timeout_seconds"):
            await impatient.version()


async def test_a_php_fatal_is_retryable_http_500(fake: FakeJeedom, client: JeedomClient) -> None:
    with pytest.raises(JeedomUnavailable) as caught:
        await client.save_equipment(
            {"eqType_name": "virtual", "id": 5, "name": "x", "cmd": [{"name": "y"}]}
        )
    assert caught.value.status == 500


async def test_a_database_gone_away_is_retryable_other_sql_errors_are_not(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.rpc_error_next(
        1, -32000, "[MySQL] Error code : HY000 (2006). MySQL server has gone away : SELECT 1"
    )
    with pytest.raises(JeedomUnavailable, match="gone away"):
        await client.version()
    fake.rpc_error_next(1, -32000, "[MySQL] Error code : 23000 (1062). Duplicate entry : x")
    with pytest.raises(JeedomRpcError) as caught:
        await client.version()
    assert not caught.value.retryable


# --------------------------------------------------------------------------- not Jeedom


async def test_a_banned_address_or_a_wrong_path_is_a_404_that_says_both(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.ban()
    with pytest.raises(JeedomProtocolError, match=r"check url.*banned"):
        await client.version()
    fake.ban(False)
    async with JeedomClient(fake.url + "/jeedom", fake.core_key) as wrong:
        with pytest.raises(JeedomProtocolError, match="404"):
            await wrong.ping()


async def test_a_200_that_is_not_json_rpc_is_a_protocol_error(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.fail_next(1, 200, body="<html>Jeedom login</html>")
    with pytest.raises(JeedomProtocolError, match="did not answer JSON"):
        await client.version()
    fake.fail_next(1, 200, body='{"hello": 1}')
    with pytest.raises(JeedomProtocolError, match="JSON-RPC"):
        await client.version()


async def test_the_key_never_appears_in_an_error(fake: FakeJeedom, client: JeedomClient) -> None:
    fake.fail_next(1, 200, body=f"<html>key={fake.core_key}</html>")
    with pytest.raises(JeedomError) as caught:
        await client.version()
    fake.rpc_error_next(1, 2, f"bad key {fake.core_key}")
    with pytest.raises(JeedomAuthError) as auth:
        await client.version()
    for exc in (caught.value, auth.value):
        assert fake.core_key not in str(exc) and "********" in str(exc)


# --------------------------------------------------------------------------- sending


async def test_send_puts_every_current_value_after_the_whole_history(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first, second = numeric_command(fake, "A"), numeric_command(fake, "B")
    history = [Event(cid, str(day), f"2025-11-{day:02d} 00:00:00") for day in range(1, 21)
               for cid in (first, second)]  # fmt: skip
    current = [Event(first, "100", "2025-11-20 00:00:00"), Event(second, "200")]
    sent = await client.send(EventBatch(history, current), concurrency=4)
    assert sent == 42  # both commands have a current value: nothing sent twice
    stamps = [c.params.get("datetime") for c in fake.calls_of("cmd::event")]
    assert stamps[-2:] == ["2025-11-20 00:00:00", None]
    assert len(fake.history(first)) == 20 and fake.history(first)[-1][1] == "100"
    assert fake.current(first) == 100.0 and fake.current(second) == 200.0
    assert fake.anomalies == []


async def test_with_requests_in_flight_each_command_ends_on_its_newest_row(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    cids = [numeric_command(fake, f"C{n}") for n in range(3)]
    history = [Event(cid, str(d), f"2025-08-{d:02d} 00:00:00") for d in range(1, 31)
               for cid in cids]  # fmt: skip
    assert await client.send(EventBatch(history), concurrency=8) == 90 + 3
    tail = [(c.params["id"], c.params["datetime"]) for c in fake.calls_of("cmd::event")[-3:]]
    assert sorted(tail) == [(cid, "2025-08-30 00:00:00") for cid in cids]
    assert [fake.current(cid) for cid in cids] == [30.0, 30.0, 30.0]


async def test_send_one_at_a_time_keeps_the_given_order(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    cid = numeric_command(fake)
    history = [Event(cid, str(d), f"2025-10-{d:02d} 00:00:00") for d in range(1, 11)]
    assert await client.send(EventBatch(history)) == 10
    assert [c.params["value"] for c in fake.calls_of("cmd::event")] == [e.value for e in history]


async def test_send_stops_at_the_first_failure_and_a_resend_completes_it(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    cid = numeric_command(fake)
    history = [Event(cid, str(d), f"2025-10-{d:02d} 00:00:00") for d in range(1, 31)]
    batch = EventBatch(history, [Event(cid, "30", "2025-10-30 00:00:00")])
    fake.stop_after(12)
    with pytest.raises(JeedomUnavailable):
        await client.send(batch, concurrency=3)
    assert len(fake.calls_of("cmd::event")) == 12  # the ones in flight were refused
    assert len(fake.history(cid)) == 12
    fake.start()
    assert await client.send(batch, concurrency=3) == 31
    assert fake.history(cid) == [(f"2025-10-{d:02d} 00:00:00", str(d)) for d in range(1, 31)]
    assert fake.current(cid) == 30.0


async def test_send_refuses_a_concurrency_below_one(client: JeedomClient) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        await client.send(EventBatch(), concurrency=0)


async def test_concurrent_callers_share_one_client(fake: FakeJeedom, client: JeedomClient) -> None:
    cid = numeric_command(fake)
    await asyncio.gather(
        *(client.event(Event(cid, str(d), f"2025-09-{d:02d}")) for d in range(1, 21))
    )
    assert len(fake.history(cid)) == 20
    ids = [c.answer["id"] for c in fake.calls_of("cmd::event")]
    assert sorted(ids) == list(range(1, 21))
