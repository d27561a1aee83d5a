"""The openHAB client against the fake over real HTTP: what it sends, what it reads back, and
the errors it raises (retryable or not, each naming the fix, none quoting the token)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_asyncio

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.exporters.openhab.client import OpenHABClient
from myelectricaldata.exporters.openhab.model import (
    AuthScheme,
    HistoryPoint,
    ItemDefinition,
    OpenHABAuthError,
    OpenHABNotEditable,
    OpenHABNotFound,
    OpenHABRejected,
    PersistenceServiceUnusable,
    StateUpdate,
    openhab_time,
    rest_base,
)
from myelectricaldata.support.retry import Retryable
from tests.fakes.openhab import DEFAULT_TOKEN, FakeOpenHAB, shared_fake_openhab

USER_TOKEN = "oh.viewer.Us3rT0kenOfAPlainUserNotAnAdmin0123456789"
GROUP = ItemDefinition("MED_g", "Group", "Linky", "energy", ("ElectricMeter",))
ENERGY = ItemDefinition(
    "MED_e", "Number:Energy", "Énergie", "energy", ("Measurement", "Energy"), ("MED_g",), "kWh"
)
POWER = ItemDefinition(
    "MED_p", "Number:Power", "Puissance", "energy", ("Measurement", "Power"), ("MED_g",), "VA"
)
TEMPO = ItemDefinition("MED_t", "String", "Tempo", None, ("Status",), ("MED_g",))
PLAN = (GROUP, ENERGY, POWER, TEMPO)


@pytest.fixture
def fake() -> FakeOpenHAB:
    """The shared fake, reset and running."""
    return shared_fake_openhab()


@pytest_asyncio.fixture(loop_scope="function")
async def client(fake: FakeOpenHAB) -> AsyncIterator[OpenHABClient]:
    """A client with the administrator's token."""
    async with OpenHABClient(fake.url, DEFAULT_TOKEN) as oh:
        yield oh


def writes(fake: FakeOpenHAB) -> list[tuple[str, str]]:
    """Method and path of every request that was not a read."""
    return [(r.method, r.path) for r in fake.requests if r.method != "GET"]


# --------------------------------------------------------------------------- server


async def test_server_info_reads_the_root(client: OpenHABClient) -> None:
    info = await client.server_info()
    assert (info.api_version, info.runtime_version) == ("8", "5.0.0")
    assert (info.timezone, info.locale, info.measurement_system) == ("Europe/Paris", "fr_FR", "SI")


def test_the_rest_root_is_found_with_or_without_rest_in_the_url() -> None:
    assert rest_base("http://oh:8080") == "http://oh:8080/rest"
    assert rest_base("http://oh:8080/") == "http://oh:8080/rest"
    assert rest_base("https://oh.example/rest/") == "https://oh.example/rest"


@pytest.mark.parametrize("scheme", list(AuthScheme))
async def test_every_auth_scheme_carries_the_token(fake: FakeOpenHAB, scheme: AuthScheme) -> None:
    async with OpenHABClient(fake.url, DEFAULT_TOKEN, auth=scheme) as oh:
        services = await oh.persistence_services()  # needs the administrator role
    assert "jdbc" in {s.id for s in services}


async def test_a_refused_token_says_to_create_one_and_is_not_quoted(fake: FakeOpenHAB) -> None:
    token = "oh.stale.Th1sT0kenWasDeletedInOpenHAB000000000"
    for scheme in AuthScheme:
        async with OpenHABClient(fake.url, token, auth=scheme) as oh:
            with pytest.raises(OpenHABAuthError, match="Invalid credentials") as caught:
                await oh.server_info()
        assert "API Tokens" in str(caught.value)
        assert token not in str(caught.value)


async def test_a_plain_users_token_is_told_to_be_an_administrators(fake: FakeOpenHAB) -> None:
    fake.add_user("viewer", admin=False, token=USER_TOKEN)
    async with OpenHABClient(fake.url, USER_TOKEN) as oh:
        with pytest.raises(OpenHABAuthError, match="not an administrator") as caught:
            await oh.history_service("jdbc")
    assert caught.value.status == 403


async def test_without_a_token_admin_calls_ask_for_one(fake: FakeOpenHAB) -> None:
    async with OpenHABClient(fake.url) as oh:
        assert (await oh.server_info()).api_version == "8"
        with pytest.raises(OpenHABAuthError, match="set token") as caught:
            await oh.persistence_services()
    assert caught.value.status == 401


async def test_a_wrong_url_is_named(fake: FakeOpenHAB) -> None:
    fake.fail_next(1, 404, body="<html>Not Found</html>")
    async with OpenHABClient(fake.url, DEFAULT_TOKEN) as oh:
        with pytest.raises(OpenHABNotFound, match="check url"):
            await oh.server_info()


# --------------------------------------------------------------------------- history service


async def test_a_modifiable_service_is_accepted(client: OpenHABClient) -> None:
    service = await client.history_service("jdbc")
    assert (service.id, service.label, service.modifiable) == ("jdbc", "JDBC", True)


@pytest.mark.parametrize(
    ("service", "says"),
    [
        ("rrd4j", "'rrd4j' cannot store past values: it is Queryable, not Modifiable"),
        ("mapdb", "'mapdb' cannot store past values: it is Queryable"),
        ("inmemory", "'inmemory' keeps values in memory only"),
        ("influx", "'influx' is not installed in openHAB"),
    ],
)
async def test_unusable_history_services_are_refused_with_the_choice_to_make(
    client: OpenHABClient, service: str, says: str
) -> None:
    with pytest.raises(PersistenceServiceUnusable) as caught:
        await client.history_service(service)
    message = str(caught.value)
    assert says in message
    assert "jdbc, influxdb or mongodb" in message
    assert "persistence_service" in message


# --------------------------------------------------------------------------- items


async def test_provision_creates_items_units_and_groups_in_few_requests(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    report = await client.provision(PLAN)
    assert set(report.created) == {"MED_g", "MED_e", "MED_p", "MED_t"}
    assert report.units_set == ("MED_e", "MED_p")
    # One request for every item, one per unit.
    assert writes(fake) == [
        ("PUT", "/rest/items"),
        ("PUT", "/rest/items/MED_e/metadata/unit"),
        ("PUT", "/rest/items/MED_p/metadata/unit"),
    ]
    energy = fake.item("MED_e")
    assert energy is not None
    assert (energy.type, energy.label, energy.category) == ("Number:Energy", "Énergie", "energy")
    assert (energy.tags, energy.group_names) == (["Energy", "Measurement"], ["MED_g"])
    assert fake.item_unit(energy) == "kWh"
    power = fake.item("MED_p")
    assert power is not None and fake.item_unit(power) == "VA"


async def test_a_second_provision_sends_nothing(fake: FakeOpenHAB, client: OpenHABClient) -> None:
    await client.provision(PLAN)
    await client.update_state(StateUpdate("MED_t", "RED"))
    fake.requests.clear()
    report = await client.provision(PLAN)
    assert (report.created, report.updated, report.units_set) == ((), (), ())
    assert set(report.unchanged) == {i.name for i in PLAN}
    assert writes(fake) == []
    assert fake.state("MED_t") == "RED"  # an update would have reset it to NULL


async def test_provision_updates_only_what_differs(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    await client.provision(PLAN)
    fake.requests.clear()
    changed = ItemDefinition(
        ENERGY.name, ENERGY.type, "Energy", ENERGY.category, ENERGY.tags, ENERGY.groups, "Wh"
    )
    report = await client.provision((GROUP, changed, POWER, TEMPO))
    assert (report.updated, report.units_set) == (("MED_e",), ("MED_e",))
    sent = [r for r in fake.requests if r.method == "PUT" and r.path == "/rest/items"]
    assert len(sent) == 1 and '"name":"MED_e"' in sent[0].body.replace(" ", "")
    energy = fake.item("MED_e")
    assert energy is not None and energy.label == "Energy" and fake.item_unit(energy) == "Wh"


async def test_file_defined_items_are_used_when_their_type_fits(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    fake.add_file_item("MED_t", "String", label="my own label")
    report = await client.provision(PLAN)
    assert "MED_t" in report.unchanged
    item = fake.item("MED_t")
    assert item is not None and item.label == "my own label"


async def test_a_file_defined_plain_number_takes_a_quantity(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    # A plain Number keeps a quantity's value and drops its unit: the value stays right.
    fake.add_file_item("MED_e", "Number", label="mine")
    report = await client.provision(PLAN)
    assert "MED_e" in report.unchanged
    await client.update_state(StateUpdate("MED_e", "12.345 kWh"))
    assert fake.state("MED_e") == "12.345"


@pytest.mark.parametrize("type_", ["Number:Power", "String", "Switch"])
async def test_file_defined_items_of_another_type_are_refused(
    fake: FakeOpenHAB, client: OpenHABClient, type_: str
) -> None:
    fake.add_file_item("MED_e", type_, label="mine")
    with pytest.raises(OpenHABNotEditable, match=f"MED_e is {type_}, not Number:Energy") as caught:
        await client.provision(PLAN)
    assert "item_prefix" in str(caught.value)
    assert writes(fake) == []  # refused before anything was changed


async def test_put_items_reports_items_openhab_would_not_change(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    fake.add_file_item("MED_t", "String")
    with pytest.raises(OpenHABNotEditable, match="MED_t \\(Cannot update non-managed item\\)"):
        await client.put_items([TEMPO])


async def test_item_reads_one_item_or_none(client: OpenHABClient) -> None:
    await client.provision(PLAN)
    item = await client.item("MED_e")
    assert item is not None and item.unit == "kWh" and item.editable
    assert item.groups == frozenset({"MED_g"})
    assert await client.item("MED_nope") is None


# --------------------------------------------------------------------------- states


async def test_states_reach_the_items_in_their_units(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    await client.provision(PLAN)
    sent = await client.update_states(
        [
            StateUpdate("MED_e", "12.345 kWh"),
            StateUpdate("MED_p", "6000 VA"),
            StateUpdate("MED_t", "BLUE"),
        ]
    )
    assert sent == 3
    assert (fake.state("MED_e"), fake.state("MED_p"), fake.state("MED_t")) == (
        "12.345 kWh",
        "6000 VA",
        "BLUE",
    )
    assert fake.warnings == []


async def test_a_state_for_a_missing_item_says_to_provision(client: OpenHABClient) -> None:
    with pytest.raises(OpenHABNotFound, match="Item MED_nope does not exist!") as caught:
        await client.update_state(StateUpdate("MED_nope", "1"))
    assert "provision_items" in str(caught.value)


async def test_an_unparsable_state_is_refused_for_good(client: OpenHABClient) -> None:
    await client.provision(PLAN)
    with pytest.raises(OpenHABRejected, match="State could not be parsed: 12,5 kilo"):
        await client.update_state(StateUpdate("MED_e", "12,5 kilo"))


# --------------------------------------------------------------------------- history


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=n) for n in range(count)]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


async def test_history_round_trips_exactly_across_both_dst_changes(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    await client.provision(PLAN)
    days = _days(date(2024, 1, 1), 366)
    points = [HistoryPoint("MED_e", _midnight(d), f"{n}.5 kWh") for n, d in enumerate(days)]
    assert await client.store_history("jdbc", points) == 366
    start, end = _midnight(days[0]), _midnight(days[-1])
    history = await client.read_history("jdbc", "MED_e", start, end)
    assert history.unit == "kWh"
    assert [p.at for p in history.points] == [_midnight(d).astimezone(UTC) for d in days]
    assert [p.state for p in history.points] == [f"{n}.5" for n in range(366)]
    # Paris midnight is 23:00 UTC in winter and 22:00 UTC in summer.
    assert history.points[89].at == datetime(2024, 3, 29, 23, tzinfo=UTC)  # 30 March
    assert history.points[90].at == datetime(2024, 3, 30, 23, tzinfo=UTC)  # 31 March, +01:00
    assert history.points[91].at == datetime(2024, 3, 31, 22, tzinfo=UTC)  # 1 April, +02:00


async def test_resending_history_changes_nothing_and_a_correction_replaces(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    await client.provision(PLAN)
    days = _days(date(2025, 1, 1), 10)
    points = [HistoryPoint("MED_e", _midnight(d), "1 kWh") for d in days]
    await client.store_history("jdbc", points)
    await client.store_history("jdbc", points)
    await client.store_history("jdbc", [HistoryPoint("MED_e", _midnight(days[3]), "7 kWh")])
    stored = fake.history("MED_e", "jdbc")
    assert len(stored) == 10
    assert [s.full for _, s in stored] == ["1 kWh"] * 3 + ["7 kWh"] + ["1 kWh"] * 6


async def test_history_times_go_out_in_utc_with_the_plus_encoded(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    await client.provision(PLAN)
    at = datetime(2024, 7, 1, 0, 0, tzinfo=PARIS)
    await client.store_point("jdbc", HistoryPoint("MED_e", at, "1 kWh"))
    request = next(r for r in fake.requests if r.path == "/rest/persistence/items/MED_e")
    assert request.query == {
        "serviceId": "jdbc",
        "time": "2024-06-30T22:00:00.000+0000",
        "state": "1 kWh",
    }
    assert openhab_time(datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)) == (
        "2024-01-01T00:00:00.123+0000"
    )
    with pytest.raises(ValueError, match="naive"):
        openhab_time(datetime(2024, 1, 1))


async def test_history_into_rrd4j_is_refused_with_the_choice_to_make(
    client: OpenHABClient,
) -> None:
    await client.provision(PLAN)
    point = HistoryPoint("MED_e", datetime(2024, 1, 1, tzinfo=UTC), "1 kWh")
    with pytest.raises(PersistenceServiceUnusable, match="not modifiable: rrd4j") as caught:
        await client.store_point("rrd4j", point)
    assert "jdbc, influxdb or mongodb" in str(caught.value)


async def test_history_for_a_missing_item_says_to_provision(client: OpenHABClient) -> None:
    point = HistoryPoint("MED_nope", datetime(2024, 1, 1, tzinfo=UTC), "1")
    with pytest.raises(OpenHABNotFound, match="Item not found: MED_nope") as caught:
        await client.store_point("jdbc", point)
    assert "provision_items" in str(caught.value)


async def test_delete_history_removes_a_range(fake: FakeOpenHAB, client: OpenHABClient) -> None:
    await client.provision(PLAN)
    days = _days(date(2025, 1, 1), 5)
    await client.store_history("jdbc", [HistoryPoint("MED_e", _midnight(d), "1") for d in days])
    await client.delete_history("jdbc", "MED_e", _midnight(days[1]), _midnight(days[3]))
    assert [at for at, _ in fake.history("MED_e", "jdbc")] == [
        _midnight(days[0]).astimezone(UTC),
        _midnight(days[4]).astimezone(UTC),
    ]


# --------------------------------------------------------------------------- failures


async def test_busy_answers_are_retryable_with_the_servers_wait(
    fake: FakeOpenHAB, client: OpenHABClient
) -> None:
    fake.fail_next(1, 503, retry_after="7")
    with pytest.raises(Retryable) as caught:
        await client.server_info()
    assert (caught.value.status, caught.value.retry_after) == (503, 7.0)
    fake.fail_next(1, 500)
    with pytest.raises(Retryable) as caught:
        await client.server_info()
    assert (caught.value.status, caught.value.retry_after) == (500, None)


async def test_a_stopped_openhab_is_retryable_and_not_quoted(fake: FakeOpenHAB) -> None:
    async with OpenHABClient(fake.url, DEFAULT_TOKEN, auth=AuthScheme.BASIC) as oh:
        fake.stop()
        with pytest.raises(Retryable, match="cannot reach openHAB") as caught:
            await oh.server_info()
    assert DEFAULT_TOKEN not in caught.value.reason
    fake.start()


async def test_a_crash_mid_history_loses_nothing_once_the_batch_is_sent_again(
    fake: FakeOpenHAB,
) -> None:
    async with OpenHABClient(fake.url, DEFAULT_TOKEN, concurrency=4) as oh:
        await oh.provision(PLAN)
        days = _days(date(2024, 9, 1), 365)
        points = [HistoryPoint("MED_e", _midnight(d), f"{n} kWh") for n, d in enumerate(days)]
        fake.crash_after(100)
        with pytest.raises(Retryable):
            await oh.store_history("jdbc", points)
        stored = len(fake.history("MED_e", "jdbc"))
        assert 100 <= stored < 365
        fake.start()
        # The delivery sends the whole batch again: points already stored are replaced.
        assert await oh.store_history("jdbc", points) == 365
    stored_points = fake.history("MED_e", "jdbc")
    assert [at for at, _ in stored_points] == [_midnight(d).astimezone(UTC) for d in days]
    assert [s.full for _, s in stored_points] == [f"{n} kWh" for n in range(365)]


async def test_after_a_failure_no_new_request_of_the_batch_starts(fake: FakeOpenHAB) -> None:
    async with OpenHABClient(fake.url, DEFAULT_TOKEN, concurrency=2) as oh:
        await oh.provision(PLAN)
        fake.requests.clear()
        fake.fail_next(1, 400, body='{"error":{"message":"boom","http-code":400}}')
        points = [HistoryPoint("MED_e", _midnight(d), "1 kWh") for d in _days(date(2024, 1, 1), 50)]
        with pytest.raises(OpenHABRejected, match="boom"):
            await oh.store_history("jdbc", points)
    # The failed one, and at most one more already in flight on the second connection.
    assert len(fake.requests) <= 2


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        OpenHABClient("http://127.0.0.1:1", concurrency=0)
