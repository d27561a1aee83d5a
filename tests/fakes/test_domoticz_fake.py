"""The Domoticz fake behaves as PROTOCOLS.md §6 and Domoticz's source say (raw HTTP, no client).

Each test names the quirk it proves; the expected answers are written from the source
(``main/WebServer*.cpp``, ``webserver/cWebem.cpp``, ``main/SQLHelper.cpp``), not read from the
fake.
"""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from tests.fakes.domoticz import (
    ADMIN,
    USER,
    VIEWER,
    FakeDomoticz,
    check_date_sql,
    parse_query,
    stoll,
    string_split,
    styled,
)

ADMIN_AUTH = ("admin", "domoticz")
UNAUTHORIZED_PAGE = (
    "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)


@pytest.fixture
def fake() -> Iterator[FakeDomoticz]:
    """A fake that accepts Basic over plain HTTP (the other modes have their own tests)."""
    with FakeDomoticz(allow_plain_basic_auth=True) as server:
        yield server


def call(fake: FakeDomoticz, param: str, auth: Any = ADMIN_AUTH, **params: Any) -> httpx.Response:
    """``GET /json.htm?type=command&param=<param>&...``."""
    query = {"type": "command", "param": param, **{k: str(v) for k, v in params.items()}}
    with httpx.Client(base_url=fake.url, verify=False) as client:
        return client.get("/json.htm", params=query, auth=auth)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "OK", body
    return body


def dummy_with(fake: FakeDomoticz, mapped_type: str, **extra: Any) -> int:
    hardware = int(ok(call(fake, "addhardware", htype=15, name="MED", enabled="true"))["idx"])
    body = ok(
        call(fake, "createdevice", idx=hardware, sensorname="dev", sensormappedtype=mapped_type,
             **extra)
    )  # fmt: skip
    return int(body["idx"])


def history_options() -> str:
    return base64.b64encode(b"AddDBLogEntry:true;DisableLogAutoUpdate:true").decode()


# --------------------------------------------------------------------------- C++ helpers


def test_stoll_reads_the_leading_integer_and_fails_without_digits() -> None:
    assert stoll("123") == 123
    assert stoll("  -42;") == -42
    assert stoll("12.9") == 12
    with pytest.raises(ValueError):
        stoll("abc")
    with pytest.raises(ValueError):
        stoll("")


def test_string_split_drops_one_trailing_empty_field_like_domoticz() -> None:
    assert string_split("1;2;", ";") == ["1", "2"]
    assert string_split("1;;2", ";") == ["1", "", "2"]
    assert string_split("2024-01-01 10:00:00", " ") == ["2024-01-01", "10:00:00"]
    assert string_split("2024-01-01 ", " ") == ["2024-01-01"]


def test_check_date_sql_needs_ten_characters_and_a_real_day() -> None:
    assert check_date_sql("2024-02-29")
    assert not check_date_sql("2023-02-29")
    assert not check_date_sql("2024-13-45")
    assert not check_date_sql("2024/01/01")
    assert not check_date_sql("2024-01-01 ")


def test_query_is_parsed_like_cwebem_plus_as_space_and_percent_decoded_values() -> None:
    assert parse_query("a=1+2&b=%2B3&c=x%3Dy") == [("a", "1 2"), ("b", "+3"), ("c", "x=y")]
    # A name runs to the next '=' even across an '&' (cWebem's loop).
    assert parse_query("type=command&flag&param=x") == [("type", "command"), ("flag&param", "x")]


def test_answers_are_jsoncpp_styled_with_tabs_sorted_keys_and_a_final_newline() -> None:
    text = styled({"title": "T", "status": "OK", "result": [{"b": 1, "a": "x"}], "ids": [0]})
    assert text == (
        '{\n\t"ids" : [ 0 ],\n\t"result" : \n\t[\n\t\t{\n\t\t\t"a" : "x",\n\t\t\t"b" : 1\n'
        '\t\t}\n\t],\n\t"status" : "OK",\n\t"title" : "T"\n}\n'
    )


# --------------------------------------------------------------------------- routing, answers


def test_only_type_command_is_served_other_types_get_404_with_an_empty_body(
    fake: FakeDomoticz,
) -> None:
    with httpx.Client(base_url=fake.url) as client:
        legacy = client.get("/json.htm", params={"type": "devices"}, auth=ADMIN_AUTH)
        other = client.get("/nothing.html", auth=ADMIN_AUTH)
    assert (legacy.status_code, legacy.text) == (404, "")
    assert other.status_code == 404
    assert "404 Not Found" in other.text


def test_success_is_styled_json_with_status_ok(fake: FakeDomoticz) -> None:
    response = call(fake, "getauth")
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.text.startswith('{\n\t"rights" : 2,\n')
    assert response.json() == {
        "rights": 2,
        "status": "OK",
        "title": "GetAuth",
        "user": "admin",
        "version": "2025.1 (build 16773)",
    }


def test_a_refused_update_is_http_200_with_status_err(fake: FakeDomoticz) -> None:
    unknown = call(fake, "udevice", idx=999, nvalue=0, svalue="1")
    assert (unknown.status_code, unknown.json()) == (200, {"status": "ERR"})
    idx = dummy_with(fake, "0xF313")
    missing = call(fake, "udevice", idx=idx)
    assert (missing.status_code, missing.json()) == (200, {"status": "ERR"})


def test_an_unknown_command_is_status_error_spelled_in_full(fake: FakeDomoticz) -> None:
    response = call(fake, "nosuchcommand")
    assert (response.status_code, response.json()) == (200, {"status": "ERROR"})


def test_a_failing_handler_answers_200_with_an_empty_body(fake: FakeDomoticz) -> None:
    fake.empty_next()
    response = call(fake, "gethardware")
    assert (response.status_code, response.text) == (200, "")
    assert ok(call(fake, "gethardware"))["title"] == "gethardware"


def test_a_proxy_fault_is_answered_before_anything_with_its_retry_after(
    fake: FakeDomoticz,
) -> None:
    fake.fail_next(1, 503, retry_after="7")
    response = call(fake, "getversion")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert ok(call(fake, "getversion"))["version"]


# --------------------------------------------------------------------------- logins


def test_basic_over_plain_http_is_refused_with_right_credentials_by_default() -> None:
    with FakeDomoticz() as fake:
        response = call(fake, "gethardware")
        assert response.status_code == 401
        assert response.text == UNAUTHORIZED_PAGE
        assert response.headers["content-type"] == "text/html;charset=UTF-8"


def test_basic_over_plain_http_works_once_allowed_and_checks_the_password(
    fake: FakeDomoticz,
) -> None:
    assert ok(call(fake, "gethardware"))["status"] == "OK"
    assert call(fake, "gethardware", auth=("admin", "wrong")).status_code == 401
    assert call(fake, "gethardware", auth=None).status_code == 401


def test_basic_over_https_is_accepted_and_the_certificate_verifies_with_the_ca_file() -> None:
    with FakeDomoticz(tls=True) as fake:
        assert fake.url.startswith("https://")
        context = ssl.create_default_context(cafile=fake.ca_file)
        with httpx.Client(base_url=fake.url, verify=context) as client:
            query = {"type": "command", "param": "getauth"}
            response = client.get("/json.htm", params=query, auth=ADMIN_AUTH)
        assert response.json()["user"] == "admin"
        assert "strict-transport-security" in response.headers


def test_a_trusted_network_needs_no_login_but_a_refused_basic_header_cancels_it() -> None:
    with FakeDomoticz(trusted=True) as fake:
        assert ok(call(fake, "getauth", auth=None))["rights"] == ADMIN
        # Basic over plain HTTP is refused, and a refused header logs nobody in.
        assert call(fake, "gethardware", auth=ADMIN_AUTH).status_code == 401
        fake.allow_plain_basic_auth = True
        assert call(fake, "gethardware", auth=("admin", "wrong")).status_code == 401
        assert ok(call(fake, "gethardware", auth=ADMIN_AUTH))["status"] == "OK"


def test_the_removed_username_password_url_parameters_log_nobody_in() -> None:
    with FakeDomoticz(allow_plain_basic_auth=True) as fake:
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in
                   {"username": "admin", "password": "domoticz"}.items()}  # fmt: skip
        assert call(fake, "gethardware", auth=None, **encoded).status_code == 401


def test_getversion_and_getauth_need_no_login_but_say_nothing_without_one() -> None:
    with FakeDomoticz() as fake:
        assert ok(call(fake, "getversion", auth=None)) == {"status": "OK", "title": "GetVersion"}
        assert ok(call(fake, "getauth", auth=None)) == {"status": "OK", "title": "GetAuth"}
        assert call(fake, "gethardware", auth=None).status_code == 401


def test_getversion_names_the_version_to_a_logged_in_user(fake: FakeDomoticz) -> None:
    body = ok(call(fake, "getversion"))
    assert body["version"] == "2025.1 (build 16773)"
    assert body["Revision"] == 16773  # admins only


def test_a_viewer_gets_403_with_an_err_body_when_writing() -> None:
    with FakeDomoticz({"admin": ("domoticz", ADMIN), "guest": ("g", VIEWER)},
                      allow_plain_basic_auth=True) as fake:  # fmt: skip
        idx = dummy_with(fake, "0xF313")
        response = call(fake, "udevice", auth=("guest", "g"), idx=idx, nvalue=0, svalue="x")
        assert response.status_code == 403
        assert response.json() == {"status": "ERR"}


def test_a_user_cannot_create_devices_and_writes_only_its_shared_devices() -> None:
    with FakeDomoticz(allow_plain_basic_auth=True) as fake:
        mine = dummy_with(fake, "0xF313")
        other = fake.add_device(1, "other", 0xF3, 0x13)
        fake.add_user("bob", "b", USER, frozenset({mine}))
        bob = ("bob", "b")
        assert call(fake, "createdevice", auth=bob, idx=1, sensorname="x",
                    sensormappedtype="0xF313").status_code == 403  # fmt: skip
        assert ok(call(fake, "udevice", auth=bob, idx=mine, nvalue=0, svalue="hi"))
        assert call(fake, "udevice", auth=bob, idx=other, nvalue=0, svalue="hi").status_code == 403


def oauth_fake() -> FakeDomoticz:
    return FakeDomoticz(applications={"med": "s3cret-app"})


def token_request(fake: FakeDomoticz, auth: Any, **data: str) -> httpx.Response:
    with httpx.Client(base_url=fake.url) as client:
        return client.post("/oauth2/v1/token", data=data, auth=auth)


def test_the_password_grant_gives_a_bearer_jwt_over_plain_http() -> None:
    with oauth_fake() as fake:
        response = token_request(fake, ADMIN_AUTH, grant_type="password", client_id="med")
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        header = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "=="))
        assert header["alg"] == "HS256"
        assert header["typ"] == "JWT"
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        with httpx.Client(base_url=fake.url, headers=bearer) as client:
            query = {"type": "command", "param": "getauth"}
            assert client.get("/json.htm", params=query).json()["user"] == "admin"


def test_the_token_endpoint_refuses_wrong_users_clients_grants_and_methods() -> None:
    with oauth_fake() as fake:
        wrong = token_request(fake, ("admin", "nope"), grant_type="password", client_id="med")
        assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid_client"})
        stranger = token_request(fake, ADMIN_AUTH, grant_type="password", client_id="other")
        assert (stranger.status_code, stranger.json()) == (401, {"error": "invalid_client"})
        grant = token_request(fake, ADMIN_AUTH, grant_type="client_credentials", client_id="med")
        assert (grant.status_code, grant.json()) == (400, {"error": "unsupported_grant_type"})
        with httpx.Client(base_url=fake.url) as client:
            got = client.get("/oauth2/v1/token")
        assert (got.status_code, got.json()) == (400, {"error": "invalid_request"})


def test_an_expired_tampered_or_opaque_bearer_token_is_401() -> None:
    with oauth_fake() as fake:
        token = token_request(fake, ADMIN_AUTH, grant_type="password", client_id="med").json()[
            "access_token"
        ]
        head, claims, signature = token.split(".")
        forged_claims = json.loads(base64.urlsafe_b64decode(claims + "=="))
        forged_claims["sub"] = "someone"
        forged = f"{head}.{base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode()}"
        query = {"type": "command", "param": "gethardware"}
        with httpx.Client(base_url=fake.url) as client:

            def status(value: str) -> int:
                return client.get(
                    "/json.htm", params=query, headers={"Authorization": f"Bearer {value}"}
                ).status_code

            assert status(token) == 200
            assert status(f"{forged.rstrip('=')}.{signature}") == 401
            assert status("opaque-token-1234") == 401
            fake.advance_clock(3600 + 61)
            assert status(token) == 401


# --------------------------------------------------------------------------- hardware, devices


def test_addhardware_answers_the_idx_as_a_string_and_gethardware_lists_it(
    fake: FakeDomoticz,
) -> None:
    body = ok(call(fake, "addhardware", htype=15, name="MED", enabled="true", datatimeout=0))
    assert body == {"idx": "1", "status": "OK", "title": "AddHardware"}
    listed = ok(call(fake, "gethardware"))["result"]
    assert [(h["idx"], h["Name"], h["Type"], h["Enabled"]) for h in listed] == [
        ("1", "MED", 15, "true")
    ]
    assert call(fake, "addhardware", htype=15, name="MED").json() == {"status": "ERR"}


@pytest.mark.parametrize(
    ("mapped", "type_name", "subtype_name", "initial"),
    [
        ("0xF321", "General", "Managed Counter", "-1;0"),
        ("0xFA01", "P1 Smart Meter", "Energy", "0;0;0;0;0;0"),
        ("0xF31D", "General", "kWh", "0;0.0"),
        ("0xF313", "General", "Text", "Hello World"),
        ("0xF316", "General", "Alert", "No Alert!"),
    ],
)
def test_createdevice_makes_the_types_of_the_mapped_codes(
    fake: FakeDomoticz, mapped: str, type_name: str, subtype_name: str, initial: str
) -> None:
    idx = dummy_with(fake, mapped)
    device = fake.device(idx)
    assert device is not None
    assert device.names == (type_name, subtype_name)
    assert device.svalue == initial
    assert device.device_id.lstrip("0") == str(idx + 82000)
    listed = ok(call(fake, "getdevices", rid=idx))["result"]
    assert [(d["idx"], d["Type"], d["SubType"]) for d in listed] == [
        (str(idx), type_name, subtype_name)
    ]


def test_the_older_createvirtualsensor_still_creates_a_managed_counter(
    fake: FakeDomoticz,
) -> None:
    ok(call(fake, "addhardware", htype=15, name="MED", enabled="true"))
    body = ok(call(fake, "createvirtualsensor", idx=1, sensorname="m", sensortype=1005))
    assert body == {"idx": "1", "status": "OK", "title": "CreateVirtualSensor"}
    device = fake.device(1)
    assert device is not None and device.names == ("General", "Managed Counter")


def test_devicetype_and_subtype_do_what_the_mapped_code_does(fake: FakeDomoticz) -> None:
    ok(call(fake, "addhardware", htype=15, name="MED", enabled="true"))
    body = ok(call(fake, "createdevice", idx=1, sensorname="k", devicetype=243, devicesubtype=29))
    assert body == {"idx": "1", "status": "OK", "title": "CreateSensor"}
    device = fake.device(1)
    assert device is not None and device.names == ("General", "kWh")


def test_a_custom_sensor_needs_options_and_shows_its_axis_label(fake: FakeDomoticz) -> None:
    ok(call(fake, "addhardware", htype=15, name="MED", enabled="true"))
    refused = call(fake, "createdevice", idx=1, sensorname="c", sensormappedtype="0xF31F")
    assert refused.json() == {"status": "ERR"}
    idx = int(ok(call(fake, "createdevice", idx=1, sensorname="c", sensormappedtype="0xF31F",
                      sensoroptions="1;kWh"))["idx"])  # fmt: skip
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="12.5"))
    assert ok(call(fake, "getdevices", rid=idx))["result"][0]["Data"] == "12.5 kWh"


def test_createdevice_on_a_missing_hardware_creates_an_orphan_and_is_flagged(
    fake: FakeDomoticz,
) -> None:
    body = ok(call(fake, "createdevice", idx=42, sensorname="x", sensormappedtype="0xF313"))
    assert body["idx"] == "1"
    assert [v.reason for v in fake.violations] == [
        "hardware idx 42 does not exist (Domoticz creates an orphan device)"
    ]


def test_setused_saves_the_description_only_with_a_name(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xF313")
    ok(call(fake, "setused", idx=idx, used="true", description="lost"))
    device = fake.device(idx)
    assert device is not None and device.description == ""
    ok(call(fake, "setused", idx=idx, used="true", name="Tempo", description="mine"))
    device = fake.device(idx)
    assert device is not None and (device.name, device.description) == ("Tempo", "mine")


def test_setused_with_used_false_deletes_the_device_and_its_history(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xF321")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="10;10;2024-01-01"))
    ok(call(fake, "setused", idx=idx, used="false"))
    assert fake.device(idx) is None
    assert fake.calendar(idx) == {}


def test_getdevices_filters_by_hardware_and_hides_dollar_names_unless_asked(
    fake: FakeDomoticz,
) -> None:
    first = dummy_with(fake, "0xF313")
    ok(call(fake, "addhardware", htype=15, name="Other", enabled="true"))
    other = fake.add_device(2, "$hidden", 0xF3, 0x13)
    assert [d["idx"] for d in ok(call(fake, "getdevices", hwidx=1))["result"]] == [str(first)]
    assert "result" not in ok(call(fake, "getdevices", hwidx=2))
    shown = ok(call(fake, "getdevices", hwidx=2, displayhidden=1))["result"]
    assert [d["idx"] for d in shown] == [str(other)]


# --------------------------------------------------------------------------- history


def test_a_managed_counter_dated_row_goes_to_the_calendar_and_a_resend_replaces_it(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xF321")
    answer = ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="5000;5000;2024-01-01"))
    assert answer == {"status": "OK", "title": "Update Device"}
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="12000;7000;2024-01-02"))
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="5500;5500;2024-01-01"))
    assert fake.calendar(idx) == {"2024-01-01": (5500, 5500), "2024-01-02": (12000, 7000)}
    device = fake.device(idx)
    assert device is not None and device.svalue == "-1;0"  # a dated row leaves the value alone
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="12500;7000"))
    device = fake.device(idx)
    assert device is not None and device.svalue == "12500;7000"
    assert ok(call(fake, "getdevices", rid=idx))["result"][0]["Data"] == "7.000 kWh"
    assert fake.violations == []


def test_a_date_and_time_goes_to_the_short_log_which_is_purged_after_a_day(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xF321")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="100;400;2024-06-01 10:30:00"))
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="300;500;2024-06-02 10:30:00"))
    assert fake.short_log(idx) == {
        "2024-06-01 10:30:00": (100, 400),
        "2024-06-02 10:30:00": (300, 500),
    }
    assert fake.calendar(idx) == {}
    assert fake.purge_short_log(datetime(2024, 6, 2, 12, 0, tzinfo=UTC)) == 1
    assert list(fake.short_log(idx)) == ["2024-06-02 10:30:00"]


def test_a_malformed_date_answers_ok_and_writes_nothing(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xF321")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="10;10;2024-13-45"))
    assert fake.calendar(idx) == {}
    assert "dropped" in fake.violations[0].reason


def test_numbers_are_read_like_stoll_decimals_cut_letters_refused(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xF321")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="10.9;3.2;2024-01-01"))
    assert fake.calendar(idx) == {"2024-01-01": (10, 3)}
    assert len(fake.violations) == 2
    refused = call(fake, "udevice", idx=idx, nvalue=0, svalue="abc;1;2024-01-02")
    assert refused.json() == {"status": "ERR"}
    assert "2024-01-02" not in fake.calendar(idx)


def test_a_p1_meter_takes_dated_rows_only_with_adddblogentry(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xFA01")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="1;2;0;0;0;0;2024-01-01"))
    device = fake.device(idx)
    assert device is not None and device.svalue == "1;2;0;0;0;0;2024-01-01"  # the current value
    assert fake.multimeter_calendar(idx) == {}
    assert "six whole non-negative numbers" in fake.violations[-1].reason


def test_p1_dated_fields_land_in_multimeter_columns_value1_to_6_and_counters(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xFA01")
    ok(call(fake, "setused", idx=idx, used="true", name="P1", description="d",
            options=history_options()))  # fmt: skip
    device = fake.device(idx)
    assert device is not None
    assert device.options == {"AddDBLogEntry": "true", "DisableLogAutoUpdate": "true"}
    # U1;U2;R1;R2;CONS;PROD;C1;C2;C3;C4;DATE -> Value1..6 = U1,R1,CONS,PROD,U2,R2, Counters 1-4.
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="11;22;33;44;55;66;77;88;99;110;2024-01-01"))
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="1;2;3;4;5;6;2024-01-02"))
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="1;2;3;4;5;6;2024-01-02 10:00:00"))
    assert fake.multimeter_calendar(idx) == {
        "2024-01-01": (11, 33, 55, 66, 22, 44, 77, 88, 99, 110),
        "2024-01-02": (1, 3, 5, 6, 2, 4, 0, 0, 0, 0),
    }
    assert fake.multimeter(idx) == {"2024-01-02 10:00:00": (1, 3, 5, 6, 2, 4)}
    assert fake.violations == []


def test_domoticz_own_jobs_add_a_second_day_row_to_a_p1_without_disablelogautoupdate(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xFA01")
    only_dated = base64.b64encode(b"AddDBLogEntry:true").decode()
    ok(call(fake, "setused", idx=idx, used="true", name="P1", description="d", options=only_dated))
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="10;20;0;0;0;0;10;0;20;0;2024-01-01"))
    # The current value is set: Domoticz's 5-minute job logs it, its midnight job sums the day.
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="10;20;0;0;0;0"))
    device = fake.device(idx)
    assert device is not None
    updated = datetime.strptime(device.last_update, "%Y-%m-%d %H:%M:%S")
    today = updated.replace(tzinfo=fake.time_zone)
    fake.five_minute_job(today + timedelta(minutes=5))
    assert list(fake.multimeter(idx).values()) == [(10, 0, 0, 0, 20, 0)]
    fake.midnight_job(datetime.combine(today.date() + timedelta(days=1), time(0, 5),
                                       tzinfo=fake.time_zone))  # fmt: skip
    fake.midnight_job(datetime(2024, 1, 2, 0, 5, tzinfo=fake.time_zone))
    calendar = fake.multimeter_calendar(idx)
    assert calendar["2024-01-01"] == (10, 0, 0, 0, 20, 0, 10, 0, 20, 0)  # ours, untouched
    assert calendar[today.date().isoformat()] == (0, 0, 0, 0, 0, 0, 10, 0, 20, 0)
    # The second job found our day already there and INSERTed another row for it, all zeros:
    # MIN/MAX over no short-log row of that day are NULL, read as 0.
    assert fake.duplicates == [("MultiMeter_Calendar", idx, "2024-01-01", (0,) * 10)]


def test_domoticz_own_jobs_leave_meters_with_disablelogautoupdate_and_managed_counters_alone(
    fake: FakeDomoticz,
) -> None:
    p1 = dummy_with(fake, "0xFA01")
    ok(call(fake, "setused", idx=p1, used="true", name="P1", description="d",
            options=history_options()))  # fmt: skip
    counter = fake.add_device(1, "counter", 0xF3, 0x21)
    ok(call(fake, "udevice", idx=p1, nvalue=0, svalue="10;20;0;0;0;0;10;0;20;0;2024-01-01"))
    ok(call(fake, "udevice", idx=p1, nvalue=0, svalue="10;20;0;0;0;0"))
    ok(call(fake, "udevice", idx=counter, nvalue=0, svalue="10;10;2024-01-01"))
    ok(call(fake, "udevice", idx=counter, nvalue=0, svalue="10;10"))
    now = datetime.now(UTC)
    fake.five_minute_job(now)
    fake.midnight_job(datetime(2024, 1, 2, 0, 5, tzinfo=UTC))
    assert (fake.multimeter(p1), fake.short_log(counter), fake.duplicates) == ({}, {}, [])


def test_negative_values_of_a_non_managed_meter_are_stored_as_zero(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xF31D")
    ok(call(fake, "setused", idx=idx, used="true", name="kWh", description="d",
            options=history_options()))  # fmt: skip
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="-5;7;2024-01-01"))
    assert fake.calendar(idx) == {"2024-01-01": (0, 7)}
    assert "negative" in fake.violations[0].reason


def test_short_log_rows_are_keyed_by_local_text_so_the_repeated_hour_collides(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xF321")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="100;400;2024-10-27 02:30:00"))
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="300;800;2024-10-27 02:30:00"))
    assert fake.short_log(idx) == {"2024-10-27 02:30:00": (300, 800)}
    # A time of the spring gap is stored as it is (CheckDateTimeSQL only counts characters).
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="1;1;2024-03-31 02:30:00"))
    assert "2024-03-31 02:30:00" in fake.short_log(idx)
    assert ["not an existing local time" in v.reason for v in fake.violations] == [True]


def test_an_alert_keeps_its_level_and_text_and_getdevices_caps_the_level(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xF316")
    ok(call(fake, "udevice", idx=idx, nvalue=3, svalue="Orange"))
    entry = ok(call(fake, "getdevices", rid=idx))["result"][0]
    assert (entry["Level"], entry["Data"]) == (3, "Orange")
    ok(call(fake, "udevice", idx=idx, nvalue=7, svalue=""))
    entry = ok(call(fake, "getdevices", rid=idx))["result"][0]
    assert (entry["Level"], entry["Data"]) == (4, "alarm")
    assert [v.reason for v in fake.violations][-1].endswith("alert level 7 is not 0-4")


def test_unknown_parameters_and_non_integer_nvalues_are_flagged(fake: FakeDomoticz) -> None:
    idx = dummy_with(fake, "0xF313")
    ok(call(fake, "udevice", idx=idx, nvalue="1.5", svalues="typo", svalue="x"))
    reasons = [v.reason for v in fake.violations]
    assert "unknown parameter 'svalues' (Domoticz ignores it)" in reasons
    assert "nvalue '1.5' is not an integer (atoi reads it)" in reasons


# --------------------------------------------------------------------------- down and up


def test_a_stopped_server_refuses_connections_and_keeps_its_state_on_restart(
    fake: FakeDomoticz,
) -> None:
    idx = dummy_with(fake, "0xF321")
    ok(call(fake, "udevice", idx=idx, nvalue=0, svalue="1;1;2024-01-01"))
    url = fake.url
    fake.stop()
    with pytest.raises(httpx.ConnectError):
        call(fake, "getversion")
    fake.start()
    assert fake.url == url
    assert fake.calendar(idx) == {"2024-01-01": (1, 1)}
    assert ok(call(fake, "getdevices", rid=idx))["result"][0]["Name"] == "dev"


@pytest.mark.parametrize("applied", [False, True])
def test_a_crash_cuts_the_request_without_an_answer_with_or_without_its_write(
    fake: FakeDomoticz, applied: bool
) -> None:
    idx = dummy_with(fake, "0xF321")
    fake.crash_after(0, applied=applied)
    with pytest.raises(httpx.RemoteProtocolError):
        call(fake, "udevice", idx=idx, nvalue=0, svalue="1;1;2024-01-01")
    with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError)):
        call(fake, "getversion")
    fake.start()
    assert fake.calendar(idx) == ({"2024-01-01": (1, 1)} if applied else {})
