"""The fake openHAB answers what openHAB answers (PROTOCOLS.md §7, openhab-core's REST code).

Plain httpx requests, so that each test shows the wire: statuses, bodies, and the state the fake
keeps afterwards.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.fakes.openhab import (
    DEFAULT_TOKEN,
    FakeOpenHAB,
    PersistenceService,
    parse_datetime_type,
    parse_java_decimal,
    parse_java_quantity,
    shared_fake_openhab,
)

PARIS = ZoneInfo("Europe/Paris")
USER_TOKEN = "oh.viewer.Us3rT0kenOfAPlainUserNotAnAdmin0123456789"
ENERGY = {"type": "Number:Energy", "name": "Linky_E", "label": "Énergie", "tags": ["Energy"]}


@pytest.fixture
def fake() -> Iterator[FakeOpenHAB]:
    """The shared fake, reset and running."""
    yield shared_fake_openhab()


@pytest.fixture
def oh(fake: FakeOpenHAB) -> Iterator[httpx.Client]:
    """A client authenticated with the administrator's token."""
    with httpx.Client(
        base_url=f"{fake.url}/rest", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    ) as client:
        yield client


def _error(message: str, status: int) -> dict[str, Any]:
    return {"error": {"message": message, "http-code": status}}


def put_state(oh: httpx.Client, item: str, text: str) -> httpx.Response:
    return oh.put(f"/items/{item}/state", content=text, headers={"Content-Type": "text/plain"})


def persist(oh: httpx.Client, item: str, **params: str) -> httpx.Response:
    return oh.put(f"/persistence/items/{item}", params=params)


def make(oh: httpx.Client, dto: dict[str, Any]) -> None:
    response = oh.put(f"/items/{dto['name']}", json=dto)
    assert response.status_code in (200, 201), response.text


# --------------------------------------------------------------------------- auth


def test_a_token_works_as_bearer_as_x_openhab_token_and_as_basic_user_without_password(
    fake: FakeOpenHAB,
) -> None:
    basic = base64.b64encode(f"{DEFAULT_TOKEN}:".encode()).decode()
    for headers in (
        {"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        {"X-OPENHAB-TOKEN": DEFAULT_TOKEN},
        {"Authorization": f"Basic {basic}"},
    ):
        # GET /rest/persistence needs the administrator role: the token was recognised.
        assert httpx.get(f"{fake.url}/rest/persistence", headers=headers).status_code == 200
    assert fake.allow_basic_auth is False


def test_a_bad_token_is_refused_everywhere_even_on_the_root(fake: FakeOpenHAB) -> None:
    for path in ("/rest/", "/rest/items", "/rest/persistence"):
        answer = httpx.get(f"{fake.url}{path}", headers={"Authorization": "Bearer oh.x.nope"})
        assert answer.status_code == 401
        assert answer.json() == _error("Invalid credentials", 401)
    # Not an API token (no "oh." prefix): read as a JWT, refused the same way.
    answer = httpx.get(f"{fake.url}/rest/", headers={"X-OPENHAB-TOKEN": "eyJhbGciOi.x.y"})
    assert answer.status_code == 401


def test_anonymous_requests_get_the_user_role_but_not_the_administrator_one(
    fake: FakeOpenHAB,
) -> None:
    assert httpx.get(f"{fake.url}/rest/").status_code == 200
    assert httpx.get(f"{fake.url}/rest/items").status_code == 200
    answer = httpx.get(f"{fake.url}/rest/persistence")
    assert answer.status_code == 401
    assert answer.json() == _error("Authentication required", 401)
    answer = httpx.put(f"{fake.url}/rest/persistence/items/X", params={"serviceId": "jdbc"})
    assert answer.json() == _error("Authentication required", 401)


def test_without_implicit_user_role_anonymous_requests_need_a_token() -> None:
    with FakeOpenHAB(implicit_user_role=False) as fake:
        assert httpx.get(f"{fake.url}/rest/").status_code == 200  # the root has no role
        answer = httpx.get(f"{fake.url}/rest/items")
        assert answer.status_code == 401
        assert answer.json() == _error("Authentication required", 401)


def test_a_plain_users_token_updates_states_but_gets_403_for_history_and_items(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    fake.add_user("viewer", admin=False, token=USER_TOKEN)
    user = {"Authorization": f"Bearer {USER_TOKEN}"}
    answer = httpx.put(
        f"{fake.url}/rest/items/Linky_E/state",
        content="1 kWh",
        headers={**user, "Content-Type": "text/plain"},
    )
    assert answer.status_code == 202
    answer = httpx.put(
        f"{fake.url}/rest/persistence/items/Linky_E",
        params={"serviceId": "jdbc", "time": "2024-01-01T00:00:00Z", "state": "1"},
        headers=user,
    )
    assert answer.status_code == 403
    assert answer.json() == _error("Access denied", 403)
    answer = httpx.put(f"{fake.url}/rest/items/Linky_E", json=ENERGY, headers=user)
    assert answer.status_code == 403


def test_basic_user_and_password_need_basic_authentication_allowed(fake: FakeOpenHAB) -> None:
    fake.add_user("alice", admin=True, password="pw-of-alice")
    basic = {"Authorization": "Basic " + base64.b64encode(b"alice:pw-of-alice").decode()}
    answer = httpx.get(f"{fake.url}/rest/persistence", headers=basic)
    assert answer.status_code == 401
    assert answer.json() == _error("Invalid credentials", 401)
    fake.allow_basic_auth = True
    assert httpx.get(f"{fake.url}/rest/persistence", headers=basic).status_code == 200
    wrong = {"Authorization": "Basic " + base64.b64encode(b"alice:nope").decode()}
    assert httpx.get(f"{fake.url}/rest/persistence", headers=wrong).status_code == 401


def test_the_root_tells_versions_and_time_zone(fake: FakeOpenHAB) -> None:
    body = httpx.get(f"{fake.url}/rest/").json()
    assert body["version"] == "8"
    assert body["timezone"] == "Europe/Paris"
    assert body["runtimeInfo"]["version"] == "5.0.0"
    assert {"type": "items", "url": f"{fake.url}/rest/items"} in body["links"]


# --------------------------------------------------------------------------- items


def test_put_item_creates_with_201_then_updates_with_200(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    created = oh.put("/items/Linky_E", json=ENERGY)
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Linky_E" and body["type"] == "Number:Energy"
    assert body["state"] == "NULL" and body["unitSymbol"] == "kWh"
    assert body["link"] == f"{fake.url}/rest/items/Linky_E"
    assert "editable" not in body  # only GET fills it in
    updated = oh.put("/items/Linky_E", json={**ENERGY, "label": "Autre"})
    assert updated.status_code == 200
    assert fake.item("Linky_E") is not None
    assert oh.get("/items/Linky_E").json()["label"] == "Autre"
    assert oh.get("/items/Linky_E").json()["editable"] is True


def test_an_update_resets_a_string_items_state_but_number_items_are_restored(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    make(oh, {"type": "String", "name": "Linky_T"})
    put_state(oh, "Linky_E", "3 kWh")
    put_state(oh, "Linky_T", "BLUE")
    make(oh, {**ENERGY, "label": "x"})
    make(oh, {"type": "String", "name": "Linky_T", "label": "x"})
    assert fake.state("Linky_T") == "NULL"
    assert fake.state("Linky_E") == "3 kWh"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("Linky_E", {**ENERGY, "name": "Other"}, 400),  # name differs from the path
        ("9Linky", {**ENERGY, "name": "9Linky"}, 400),  # invalid item name
        ("Linky_E", {**ENERGY, "type": "Thermostat"}, 400),  # no factory for the type
        ("Linky_E", {**ENERGY, "type": "Number:Foo"}, 400),  # unknown dimension
        ("Linky_E", {"name": "Linky_E"}, 400),  # no type
        ("Linky-E", {**ENERGY, "name": "Linky-E"}, 404),  # path does not match [a-zA-Z_0-9]+
    ],
)
def test_refused_item_bodies_get_a_bare_status(
    oh: httpx.Client, path: str, body: dict[str, Any], status: int
) -> None:
    answer = oh.put(f"/items/{path}", json=body)
    assert answer.status_code == status
    assert answer.content == b""


def test_a_type_extension_is_ignored_except_on_number(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    make(oh, {"type": "String:Whatever", "name": "Linky_S"})
    item = fake.item("Linky_S")
    assert item is not None and item.type == "String"


def test_item_writes_need_json(oh: httpx.Client) -> None:
    answer = oh.put("/items/Linky_E", content=b"{}", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415


def test_file_defined_items_cannot_be_changed(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    fake.add_file_item("Linky_E", "Number:Energy", label="from a file")
    answer = oh.put("/items/Linky_E", json=ENERGY)
    assert answer.status_code == 405
    assert answer.json() == _error("Cannot update non-managed Item Linky_E", 405)
    assert oh.get("/items/Linky_E").json()["editable"] is False


def test_bulk_put_answers_a_status_per_item(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    make(oh, {"type": "String", "name": "Old"})
    fake.add_file_item("Filed", "String")
    answer = oh.put(
        "/items",
        json=[
            {"type": "String", "name": "New"},
            {"type": "String", "name": "Old", "label": "changed"},
            {"type": "Thermostat", "name": "Odd"},
            {"type": "String", "name": "Filed"},
        ],
    )
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "name": "Odd",
            "status": "error",
            "message": "Received HTTP PUT request with an invalid item type 'Thermostat'.",
        },
        {"name": "Filed", "status": "error", "message": "Cannot update non-managed item"},
        {"name": "New", "status": "created"},
        {"name": "Old", "status": "updated"},
    ]
    invalid = oh.put("/items", json=[{"type": "String", "name": "ok"}, {"type": "String"}])
    assert invalid.status_code == 400  # one invalid name refuses the whole list
    assert fake.item("ok") is None


def test_list_items_keeps_only_the_fields_asked(oh: httpx.Client) -> None:
    make(oh, ENERGY)
    oh.put("/items/Linky_E/metadata/unit", json={"value": "Wh", "config": {}})
    listed = oh.get("/items", params={"fields": "name,type,metadata", "metadata": "unit"}).json()
    assert listed == [
        {
            "type": "Number:Energy",
            "name": "Linky_E",
            "metadata": {"unit": {"value": "Wh", "editable": True}},
        }
    ]


def test_unknown_items_are_404_with_openhabs_message(oh: httpx.Client) -> None:
    answer = oh.get("/items/Nope")
    assert answer.status_code == 404
    assert answer.json() == _error("Item Nope does not exist!", 404)


def test_unit_metadata_is_created_then_updated_and_sets_the_items_unit(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    first = oh.put("/items/Linky_E/metadata/unit", json={"value": "Wh", "config": {}})
    again = oh.put("/items/Linky_E/metadata/unit", json={"value": "Wh", "config": {}})
    assert (first.status_code, again.status_code) == (201, 200)
    assert oh.put("/items/Nope/metadata/unit", json={"value": "Wh"}).status_code == 404
    put_state(oh, "Linky_E", "1.5 kWh")
    assert fake.state("Linky_E") == "1500 Wh"
    oh.put("/items/Linky_E/metadata/unit", json={"value": "W", "config": {}})  # not an energy
    assert fake.warnings[-1].startswith("Unit 'W' could not be parsed to a known unit")
    assert oh.get("/items/Linky_E").json()["unitSymbol"] == "Wh"


# --------------------------------------------------------------------------- states


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("12.5 kWh", "12.5 kWh"),
        ("12.5kWh", "12.5 kWh"),  # QuantityType splits number and unit itself
        ("12500 Wh", "12.5 kWh"),  # converted to the item's unit
        ("12.5", "12.5 kWh"),  # a bare number takes the item's unit
        ("1,250.5 kWh", "1250.5 kWh"),  # ',' groups digits
        ("UNDEF", "UNDEF"),
    ],
)
def test_energy_item_states(fake: FakeOpenHAB, oh: httpx.Client, sent: str, kept: str) -> None:
    make(oh, ENERGY)
    answer = put_state(oh, "Linky_E", sent)
    assert answer.status_code == 202
    assert answer.content == b""
    assert fake.state("Linky_E") == kept
    assert oh.get("/items/Linky_E/state").text == kept


def test_a_decimal_comma_is_read_as_a_grouping_separator(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    assert put_state(oh, "Linky_E", "12,5").status_code == 202
    assert fake.state("Linky_E") == "125 kWh"


def test_a_power_state_to_an_energy_item_is_accepted_then_dropped(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    put_state(oh, "Linky_E", "7 kWh")
    answer = put_state(oh, "Linky_E", "12 W")
    assert answer.status_code == 202
    assert fake.state("Linky_E") == "7 kWh"
    assert fake.warnings == [
        "Failed to update item 'Linky_E' because '12 W' could not be converted to the item "
        "unit 'kWh'"
    ]


def test_a_quantity_to_a_plain_number_item_loses_its_unit(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, {"type": "Number", "name": "Level"})
    put_state(oh, "Level", "12000 Wh")
    assert fake.state("Level") == "12000"


def test_percent_needs_unit_metadata_on_a_dimensionless_item(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, {"type": "Number:Dimensionless", "name": "Pct"})
    put_state(oh, "Pct", "12 %")
    assert fake.state("Pct") == "0.12 one"
    oh.put("/items/Pct/metadata/unit", json={"value": "%", "config": {}})
    put_state(oh, "Pct", "12 %")
    assert fake.state("Pct") == "12 %"


@pytest.mark.parametrize("sent", ["+12", "12 kwh", "twelve", "12 foo", ""])
def test_unparsable_number_states_are_400(oh: httpx.Client, sent: str) -> None:
    make(oh, ENERGY)
    answer = put_state(oh, "Linky_E", sent)
    assert answer.status_code == 400
    assert answer.json() == _error(f"State could not be parsed: {sent}", 400)


def test_string_items_take_any_text_but_null_and_undef_are_no_value(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, {"type": "String", "name": "Tempo"})
    put_state(oh, "Tempo", "BLUE")
    assert fake.state("Tempo") == "BLUE"
    put_state(oh, "Tempo", "UNDEF")
    item = fake.item("Tempo")
    assert item is not None and item.state.kind == "undef"


def test_state_updates_to_unknown_items_and_with_other_content_types(oh: httpx.Client) -> None:
    answer = put_state(oh, "Nope", "1")
    assert answer.status_code == 404
    assert answer.json() == _error("Item Nope does not exist!", 404)
    make(oh, ENERGY)
    octets = oh.put(
        "/items/Linky_E/state", content=b"1", headers={"Content-Type": "application/octet-stream"}
    )
    assert octets.status_code == 415
    as_json = oh.put("/items/Linky_E/state", json={"value": "2 kWh"})
    assert as_json.status_code == 202


# --------------------------------------------------------------------------- persistence


def test_persistence_services_are_listed_with_their_kind(oh: httpx.Client) -> None:
    kinds = {s["id"]: s["type"] for s in oh.get("/persistence").json()}
    assert kinds == {
        "rrd4j": "Queryable",
        "jdbc": "Modifiable",
        "influxdb": "Modifiable",
        "mongodb": "Modifiable",
        "inmemory": "Modifiable",
        "mapdb": "Queryable",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"serviceId": "rrd4j"}, "Persistence service not modifiable: rrd4j"),
        ({}, "Persistence service not modifiable: rrd4j"),  # the default service
        ({"serviceId": "mapdb"}, "Persistence service not modifiable: mapdb"),
        ({"serviceId": "nosuch"}, "Persistence service not found: nosuch"),
        ({"serviceId": "jdbc", "item": "Nope"}, "Item not found: Nope"),
        ({"serviceId": "jdbc", "state": "1 furlong"}, "State could not be parsed: 1 furlong"),
        ({"serviceId": "jdbc", "state": None}, "State could not be parsed: null"),
        ({"serviceId": "jdbc", "time": None}, "Time badly formatted."),
        ({"serviceId": "jdbc", "time": "1970-01-01T00:00:00Z"}, "Time badly formatted."),
        (
            {"serviceId": "jdbc", "time": "2023-11-15T00:00:00.000 0100"},  # '+' unencoded
            "2023-11-15T00:00:00.000 0100 is not in a valid format.",
        ),
    ],
)
def test_refused_history_writes_are_400_in_openhabs_order(
    oh: httpx.Client, params: dict[str, Any], message: str
) -> None:
    make(oh, ENERGY)
    query = {"time": "2023-11-15T00:00:00.000+0100", "state": "1 kWh"} | params
    item = query.pop("item", "Linky_E")
    answer = persist(oh, item, **{k: v for k, v in query.items() if v is not None})
    assert answer.status_code == 400
    assert answer.json() == _error(message, 400)


def test_history_writes_answer_200_and_read_back_in_the_items_unit(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    answer = persist(
        oh, "Linky_E", serviceId="jdbc", time="2023-11-15T00:00:00.000+0100", state="12500 Wh"
    )
    assert (answer.status_code, answer.content) == (200, b"")
    stored = fake.history("Linky_E", "jdbc")
    assert stored[0][0] == datetime(2023, 11, 14, 23, tzinfo=UTC)
    assert stored[0][1].full == "12500 Wh"  # stored as sent, converted when read
    body = oh.get(
        "/persistence/items/Linky_E",
        params={
            "serviceId": "jdbc",
            "starttime": "2023-11-14T00:00:00Z",
            "endtime": "2023-11-16T00:00:00Z",
        },
    ).json()
    assert body == {
        "name": "Linky_E",
        "datapoints": "1",
        "data": [{"time": 1700002800000, "state": "12.5"}],
        "unit": "kWh",
    }


def test_read_back_leaves_out_values_in_an_incompatible_unit(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    assert (
        persist(
            oh, "Linky_E", serviceId="jdbc", time="2024-01-01T00:00:00Z", state="5 W"
        ).status_code
        == 200
    )
    persist(oh, "Linky_E", serviceId="jdbc", time="2024-01-02T00:00:00Z", state="5 kWh")
    body = oh.get(
        "/persistence/items/Linky_E",
        params={
            "serviceId": "jdbc",
            "starttime": "2023-12-31T00:00:00Z",
            "endtime": "2024-01-03T00:00:00Z",
        },
    ).json()
    assert body["data"] == [{"time": 1704153600000, "state": "5"}]
    assert len(fake.history("Linky_E", "jdbc")) == 2


@pytest.mark.parametrize(
    "time",
    [
        "2024-03-31T00:00:00.000+0100",  # DATE_PATTERN_WITH_TZ_AND_MS, what clients send
        "2024-03-31T00:00:00+01:00",  # ISO with offset
        "2024-03-30T23:00:00Z",
        "2024-03-30T23:00Z",
        "2024-03-31T00:00:00.000000001+01",  # 'X' offset, nanoseconds (dropped)
        "2024-03-31T00:00:00Europe/Paris",  # a zone name ('z')
        "2024-03-31T00:00:00+01:00[Europe/Paris]",
        "2024-03-31T00:00:00",  # no offset: the JVM's zone
        "2024-03-31 00:00:00",  # a space instead of T
        "2024-03-31",  # a date: its midnight in the JVM's zone
        "1711839600",  # epoch seconds (< 12 digits)
        "1711839600000",  # epoch milliseconds
    ],
)
def test_history_times_are_read_like_datetimetype(
    fake: FakeOpenHAB, oh: httpx.Client, time: str
) -> None:
    make(oh, ENERGY)
    assert persist(oh, "Linky_E", serviceId="jdbc", time=time, state="1 kWh").status_code == 200
    assert fake.history("Linky_E", "jdbc")[0][0] == datetime(2024, 3, 30, 23, tzinfo=UTC)


def test_a_second_value_at_the_same_time_replaces_in_jdbc_but_not_in_inmemory(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    for service in ("jdbc", "inmemory"):
        for value in ("1 kWh", "2 kWh"):
            persist(oh, "Linky_E", serviceId=service, time="2024-01-01T00:00:00Z", state=value)
    assert [s.full for _, s in fake.history("Linky_E", "jdbc")] == ["2 kWh"]
    assert [s.full for _, s in fake.history("Linky_E", "inmemory")] == ["1 kWh"]


def test_inmemory_keeps_512_values_per_item(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    make(oh, ENERGY)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(520):
        at = (start + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        persist(oh, "Linky_E", serviceId="inmemory", time=at, state=f"{day} kWh")
    kept = fake.history("Linky_E", "inmemory")
    assert len(kept) == 512
    assert kept[0][0] == start + timedelta(days=8)


def test_undef_is_not_stored(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    make(oh, ENERGY)
    answer = persist(oh, "Linky_E", serviceId="jdbc", time="2024-01-01T00:00:00Z", state="UNDEF")
    assert answer.status_code == 200
    assert fake.history("Linky_E", "jdbc") == []


def test_history_reads_default_to_the_last_day_and_include_both_ends(oh: httpx.Client) -> None:
    make(oh, ENERGY)
    now = datetime.now(UTC).replace(microsecond=0)
    times = [now - timedelta(days=2), now - timedelta(hours=2), now - timedelta(minutes=1)]
    for at in times:
        persist(oh, "Linky_E", serviceId="jdbc", time=at.isoformat(), state="1 kWh")
    default = oh.get("/persistence/items/Linky_E", params={"serviceId": "jdbc"}).json()
    assert [p["time"] for p in default["data"]] == [int(t.timestamp() * 1000) for t in times[1:]]
    edges = oh.get(
        "/persistence/items/Linky_E",
        params={
            "serviceId": "jdbc",
            "starttime": times[0].isoformat(),
            "endtime": times[1].isoformat(),
        },
    ).json()
    assert edges["datapoints"] == "2"


def test_history_reads_from_unknown_or_unqueryable_services(oh: httpx.Client) -> None:
    answer = oh.get("/persistence/items/X", params={"serviceId": "nosuch"})
    assert answer.status_code == 404
    assert answer.json() == _error("Persistence service not found: nosuch", 404)


def test_standard_services_cannot_be_queried() -> None:
    services = [PersistenceService("mqtt", "MQTT", "Standard")]
    with FakeOpenHAB(services=services, default_service="mqtt") as fake:
        answer = httpx.get(
            f"{fake.url}/rest/persistence/items/X",
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        )
        assert answer.status_code == 405
        assert answer.json() == _error("Persistence service not queryable: mqtt", 405)


def test_history_writes_set_a_null_items_state_when_a_strategy_covers_it() -> None:
    services = [PersistenceService("jdbc", "JDBC", "Modifiable", strategy=True)]
    with (
        FakeOpenHAB(services=services, default_service="jdbc") as fake,
        httpx.Client(
            base_url=f"{fake.url}/rest", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        ) as oh,
    ):
        make(oh, ENERGY)
        persist(oh, "Linky_E", serviceId="jdbc", time="2024-01-01T00:00:00Z", state="4 kWh")
        persist(oh, "Linky_E", serviceId="jdbc", time="2023-12-31T00:00:00Z", state="3 kWh")
        assert fake.state("Linky_E") == "4 kWh"  # the newest stored value
        put_state(oh, "Linky_E", "9 kWh")  # now: newer than any stored point
        persist(oh, "Linky_E", serviceId="jdbc", time="2024-01-02T00:00:00Z", state="5 kWh")
        assert fake.state("Linky_E") == "9 kWh"
        # The state update was stored by the strategy, stamped now.
        assert [s.full for _, s in fake.history("Linky_E", "jdbc")][-1] == "9 kWh"


def test_delete_removes_a_range(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    make(oh, ENERGY)
    for day in (1, 2, 3):
        persist(oh, "Linky_E", serviceId="jdbc", time=f"2024-01-0{day}T00:00:00Z", state="1")
    answer = oh.delete(
        "/persistence/items/Linky_E",
        params={
            "serviceId": "jdbc",
            "starttime": "2024-01-02T00:00:00Z",
            "endtime": "2024-01-03T00:00:00Z",
        },
    )
    assert answer.status_code == 200
    assert [at.day for at, _ in fake.history("Linky_E", "jdbc")] == [1]
    refused = oh.delete("/persistence/items/Linky_E", params={"serviceId": "rrd4j"})
    assert refused.json() == _error("Persistence service not modifiable: rrd4j", 400)


# --------------------------------------------------------------------------- lifecycle


def test_a_restart_keeps_items_and_durable_history_and_loses_the_rest(
    fake: FakeOpenHAB, oh: httpx.Client
) -> None:
    make(oh, ENERGY)
    make(oh, {"type": "String", "name": "Tempo"})
    oh.put("/items/Linky_E/metadata/unit", json={"value": "Wh", "config": {}})
    put_state(oh, "Linky_E", "3 Wh")
    put_state(oh, "Tempo", "RED")
    for service in ("jdbc", "inmemory"):
        persist(oh, "Linky_E", serviceId=service, time="2024-01-01T00:00:00Z", state="1 Wh")
    fake.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{fake.url}/rest/")
    fake.start()
    assert fake.state("Linky_E") == "3 Wh"  # restored (rrd4j restoreOnStartup)
    assert fake.state("Tempo") == "NULL"
    meta = fake.metadata("Linky_E", "unit")
    assert meta is not None and meta.value == "Wh"
    assert len(fake.history("Linky_E", "jdbc")) == 1
    assert fake.history("Linky_E", "inmemory") == []


def test_crash_after_answers_503_then_refuses_connections(fake: FakeOpenHAB) -> None:
    with httpx.Client(
        base_url=f"{fake.url}/rest", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    ) as oh:
        make(oh, ENERGY)
        fake.crash_after(2)
        codes = []
        for day in range(1, 6):
            try:
                answer = persist(
                    oh, "Linky_E", serviceId="jdbc", state="1 kWh", time=f"2024-01-0{day}T00:00:00Z"
                )
                codes.append(answer.status_code)
            except httpx.TransportError:
                codes.append(0)
        assert codes[:2] == [200, 200]
        assert set(codes[2:]) <= {503, 0}
    fake.start()
    assert len(fake.history("Linky_E", "jdbc")) == 2
    assert httpx.get(f"{fake.url}/rest/").status_code == 200


def test_scripted_faults_come_first_with_retry_after(fake: FakeOpenHAB, oh: httpx.Client) -> None:
    fake.fail_next(1, 503, retry_after="7")
    answer = oh.get("/")
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "7")
    assert oh.get("/").status_code == 200


# --------------------------------------------------------------------------- parsers


def test_decimal_parsing_follows_javas_english_decimalformat() -> None:
    assert parse_java_decimal("12.5") == Decimal("12.5")
    assert parse_java_decimal("-0.5") == Decimal("-0.5")
    assert parse_java_decimal(".5") == Decimal("0.5")
    assert parse_java_decimal("1e3") == Decimal("1000")
    assert parse_java_decimal("1,234") == Decimal(1234)
    assert parse_java_decimal("+1") is None
    assert parse_java_decimal(" 1") is None
    assert parse_java_decimal("NaN") is None
    assert parse_java_quantity("12.5 kWh") == (Decimal("12.5"), "kWh")
    assert parse_java_quantity("12.5   kWh") == (Decimal("12.5"), "kWh")
    assert parse_java_quantity("1E3 W") == (Decimal(1000), "W")
    assert parse_java_quantity("12.5 kwh") is None


def test_datetime_parsing_reads_local_times_in_the_jvm_zone() -> None:
    # On the autumn change, Paris 02:30 happens twice; Java picks the earlier offset (+02:00).
    assert parse_datetime_type("2024-10-27T02:30:00", PARIS) == datetime(
        2024, 10, 27, 0, 30, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="is not in a valid format"):
        parse_datetime_type("yesterday", PARIS)
