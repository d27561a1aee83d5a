"""The Domoticz client against the strict fake over real HTTP: answers, errors, logins, TLS."""

from __future__ import annotations

from datetime import date

import pytest

from myelectricaldata.domain.types import DailyReading
from myelectricaldata.exporters.domoticz.client import DomoticzClient
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.mapping import DeviceUpdate, counter_day_rows
from myelectricaldata.exporters.domoticz.protocol import (
    DomoticzAuth,
    DomoticzAuthError,
    DomoticzRefused,
    DomoticzUnavailable,
    DomoticzVersion,
    options_param,
)
from myelectricaldata.support.redaction import MASK
from myelectricaldata.support.retry import Retryable
from tests.exporters.domoticz.conftest import ADMIN
from tests.fakes.domoticz import USER, VIEWER, FakeDomoticz

SECRET = "pa55-w0rd-s3cret"


async def managed_counter(client: DomoticzClient) -> int:
    hardware = await client.add_dummy_hardware("MED")
    return await client.create_device(hardware, "Linky", DeviceKind.MANAGED_COUNTER)


async def test_version_is_named_only_to_a_logged_in_caller(fake: FakeDomoticz) -> None:
    async with DomoticzClient(fake.url, ADMIN) as admin:
        version = await admin.version()
    assert version == DomoticzVersion("2025.1 (build 16773)", 16773)
    assert version.number == (2025, 1)
    async with DomoticzClient(fake.url, DomoticzAuth("trusted")) as anonymous:
        unknown = await anonymous.version()
        assert not unknown.logged_in
        assert unknown.number is None
        assert await anonymous.rights() is None


async def test_rights_name_the_user_and_its_level(client: DomoticzClient) -> None:
    assert await client.rights() == ("admin", 2)


async def test_hardware_and_devices_are_read_as_typed_records(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    idx = await managed_counter(client)
    [hardware] = await client.hardware()
    assert (hardware.idx, hardware.name, hardware.htype, hardware.enabled) == (1, "MED", 15, True)
    [device] = await client.devices(hardware.idx)
    assert (device.idx, device.name, device.kind, device.hardware_idx) == (
        idx,
        "Linky",
        DeviceKind.MANAGED_COUNTER,
        1,
    )
    assert await client.device(idx) == device
    assert await client.device(999) is None
    assert await client.devices(hardware.idx + 1) == []


async def test_a_custom_sensor_is_created_with_its_axis_label(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    hardware = await client.add_dummy_hardware("MED")
    idx = await client.create_device(hardware, "Coût", DeviceKind.CUSTOM, "EUR")
    await client.update(DeviceUpdate(idx, 0, "3.5"))
    device = await client.device(idx)
    assert device is not None and device.data == "3.5 EUR"


async def test_set_used_saves_name_description_and_options(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    hardware = await client.add_dummy_hardware("MED")
    idx = await client.create_device(hardware, "P1", DeviceKind.P1_METER)
    options = (("AddDBLogEntry", "true"), ("DisableLogAutoUpdate", "true"))
    await client.set_used(idx, name="Linky P1", description="mark", options=options)
    stored = fake.device(idx)
    assert stored is not None
    assert (stored.name, stored.description) == ("Linky P1", "mark")
    assert stored.options == {"AddDBLogEntry": "true", "DisableLogAutoUpdate": "true"}
    assert options_param(options) == "QWRkREJMb2dFbnRyeTp0cnVlO0Rpc2FibGVMb2dBdXRvVXBkYXRlOnRydWU="


async def test_update_all_sends_one_request_per_value_in_order(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    idx = await managed_counter(client)
    readings = [DailyReading(date(2024, 1, d), 1000 * d) for d in range(1, 11)]
    before = len(fake.commands("udevice"))
    sent = await client.update_all(counter_day_rows(idx, readings), parse_trigger=False)
    udevices = fake.commands("udevice")[before:]
    assert sent == len(udevices) == 10
    assert [r.params["svalue"].rsplit(";", 1)[1] for r in udevices] == [
        f"2024-01-{d:02d}" for d in range(1, 11)
    ]
    assert {r.params["parsetrigger"] for r in udevices} == {"false"}
    running = 0
    expected = {}
    for d in range(1, 11):
        running += 1000 * d
        expected[f"2024-01-{d:02d}"] = (running, 1000 * d)
    assert fake.calendar(idx) == expected


async def test_status_err_is_a_refusal_naming_the_device_and_value(
    client: DomoticzClient,
) -> None:
    with pytest.raises(DomoticzRefused) as refused:
        await client.update(DeviceUpdate(404, 0, "1;2;2024-01-01"))
    assert refused.value.status == 200
    assert refused.value.command == "udevice"
    assert "device idx 404" in str(refused.value)
    assert "'1;2;2024-01-01'" in str(refused.value)
    assert not isinstance(refused.value, Retryable)


async def test_status_error_says_the_command_is_unknown_to_this_version(
    client: DomoticzClient,
) -> None:
    with pytest.raises(DomoticzRefused, match=r"does not know the command nosuch .*2023\.2"):
        await client.command("nosuch")


async def test_an_empty_answer_is_a_refusal_quoting_the_parameters(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    fake.empty_next()
    with pytest.raises(DomoticzRefused, match=r"empty body .*'idx': '3'"):
        await client.update(DeviceUpdate(3, 0, "x"))


async def test_a_proxy_page_instead_of_json_is_a_refusal(fake: FakeDomoticz) -> None:
    fake.fail_next(1, 200, body="<html><body>Please log in</body></html>")
    async with DomoticzClient(fake.url, ADMIN) as domoticz:
        with pytest.raises(DomoticzRefused, match="not Domoticz JSON"):
            await domoticz.version()


async def test_a_wrong_path_is_a_refusal_about_the_url(fake: FakeDomoticz) -> None:
    async with DomoticzClient(fake.url + "/domoticz", ADMIN) as domoticz:
        with pytest.raises(DomoticzRefused, match=r"no Domoticz JSON API at .*/domoticz/json\.htm"):
            await domoticz.version()


async def test_a_proxy_503_is_retryable_with_its_retry_after(fake: FakeDomoticz) -> None:
    fake.fail_next(1, 503, retry_after="7")
    async with DomoticzClient(fake.url, ADMIN) as domoticz:
        with pytest.raises(DomoticzUnavailable) as unavailable:
            await domoticz.hardware()
        assert isinstance(unavailable.value, Retryable)
        assert (unavailable.value.status, unavailable.value.retry_after) == (503, 7.0)
        assert await domoticz.hardware() == []


async def test_a_server_that_is_down_or_too_slow_is_retryable(fake: FakeDomoticz) -> None:
    fake.delay_next(1.0)
    async with DomoticzClient(fake.url, ADMIN, timeout_s=0.2) as domoticz:
        with pytest.raises(DomoticzUnavailable, match="did not answer gethardware in time"):
            await domoticz.hardware()
    fake.stop()
    async with DomoticzClient(fake.url, ADMIN) as domoticz:
        with pytest.raises(DomoticzUnavailable, match="cannot reach Domoticz"):
            await domoticz.hardware()
    fake.start()


async def test_basic_over_plain_http_refused_explains_the_setting_and_masks_the_password() -> None:
    with FakeDomoticz({"admin": (SECRET, 2)}) as fake:
        auth = DomoticzAuth("basic", "admin", SECRET)
        async with DomoticzClient(fake.url, auth) as domoticz:
            with pytest.raises(DomoticzAuthError) as refused:
                await domoticz.hardware()
        assert refused.value.status == 401
        assert "Allow Basic-Auth authentication over plain HTTP" in str(refused.value)
        assert SECRET not in str(refused.value)


async def test_basic_over_https_works_when_the_ca_file_is_trusted() -> None:
    with FakeDomoticz(tls=True) as fake:
        async with DomoticzClient(fake.url, ADMIN, verify=fake.ca_file) as domoticz:
            assert await domoticz.rights() == ("admin", 2)
        async with DomoticzClient(fake.url, ADMIN) as untrusting:
            with pytest.raises(DomoticzRefused, match="set ca_file") as refused:
                await untrusting.version()
        assert not isinstance(refused.value, Retryable)


async def test_trusted_mode_sends_no_credentials_and_explains_a_refusal() -> None:
    with FakeDomoticz(trusted=True) as fake:
        async with DomoticzClient(fake.url, DomoticzAuth("trusted")) as domoticz:
            assert await domoticz.rights() == ("admin", 2)
        assert {r.login for r in fake.requests} == {"trusted"}
    with FakeDomoticz() as fake:
        async with DomoticzClient(fake.url, DomoticzAuth("trusted")) as domoticz:
            with pytest.raises(DomoticzAuthError, match="not in Domoticz's Trusted Networks"):
                await domoticz.hardware()


async def test_a_viewer_writing_gets_an_auth_error_about_rights(fake: FakeDomoticz) -> None:
    fake.add_user("viewer", "v", VIEWER)
    async with DomoticzClient(fake.url, ADMIN) as admin:
        idx = await managed_counter(admin)
    async with DomoticzClient(fake.url, DomoticzAuth("basic", "viewer", "v")) as viewer:
        with pytest.raises(DomoticzAuthError, match=f"access to device idx {idx}") as refused:
            await viewer.update(DeviceUpdate(idx, 0, "1;1"))
    assert refused.value.status == 403


async def test_a_user_creating_devices_is_told_admin_is_needed(fake: FakeDomoticz) -> None:
    fake.add_user("bob", "b", USER)
    async with DomoticzClient(fake.url, DomoticzAuth("basic", "bob", "b")) as bob:
        with pytest.raises(DomoticzAuthError, match="needs Admin rights"):
            await bob.add_dummy_hardware("MED")


def oauth_fake() -> FakeDomoticz:
    return FakeDomoticz({"admin": (SECRET, 2)}, applications={"med": "app-secret"})


async def test_oauth2_fetches_one_token_and_reuses_it_over_plain_http() -> None:
    with oauth_fake() as fake:
        auth = DomoticzAuth("oauth2", "admin", SECRET, client_id="med")
        async with DomoticzClient(fake.url, auth) as domoticz:
            assert await domoticz.rights() == ("admin", 2)
            assert await domoticz.hardware() == []
        tokens = [r for r in fake.requests if r.path == "/oauth2/v1/token"]
        assert len(tokens) == 1
        assert {r.login for r in fake.commands()} == {"jwt:admin"}


async def test_oauth2_renews_an_expired_token_once_and_goes_on() -> None:
    with oauth_fake() as fake:
        auth = DomoticzAuth("oauth2", "admin", SECRET, client_id="med")
        async with DomoticzClient(fake.url, auth) as domoticz:
            await domoticz.hardware()
            fake.advance_clock(3600 + 120)
            assert await domoticz.hardware() == []
        statuses = [(r.path, r.status) for r in fake.requests]
        assert statuses == [
            ("/oauth2/v1/token", 200),
            ("/json.htm", 200),
            ("/json.htm", 401),
            ("/oauth2/v1/token", 200),
            ("/json.htm", 200),
        ]


async def test_oauth2_refusals_name_the_fix_and_never_the_password() -> None:
    with oauth_fake() as fake:
        wrong = DomoticzAuth("oauth2", "admin", SECRET + "x", client_id="med")
        async with DomoticzClient(fake.url, wrong) as domoticz:
            with pytest.raises(DomoticzAuthError, match="client_id names an application") as bad:
                await domoticz.hardware()
        assert SECRET not in str(bad.value)
        stranger = DomoticzAuth("oauth2", "admin", SECRET, client_id="other")
        async with DomoticzClient(fake.url, stranger) as domoticz:
            with pytest.raises(DomoticzAuthError, match="'other'"):
                await domoticz.hardware()


async def test_a_stale_bearer_token_is_refused_with_advice_and_masked() -> None:
    with oauth_fake() as fake:
        token = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw"
        async with DomoticzClient(fake.url, DomoticzAuth("bearer", token=token)) as domoticz:
            with pytest.raises(DomoticzAuthError, match="use auth mode oauth2") as refused:
                await domoticz.hardware()
        assert token not in str(refused.value)
        assert token not in domoticz.redact(f"Authorization: Bearer {token}")
        assert MASK in domoticz.redact(f"Authorization: Bearer {token}")


def test_auth_needs_what_its_mode_uses() -> None:
    with pytest.raises(ValueError, match="needs a username"):
        DomoticzAuth("basic")
    with pytest.raises(ValueError, match="needs a token"):
        DomoticzAuth("bearer")
    with pytest.raises(ValueError, match="client_id"):
        DomoticzAuth("oauth2", "admin", "p")
    assert SECRET not in repr(DomoticzAuth("basic", "admin", SECRET))


async def test_a_crash_mid_export_is_retryable_and_a_resend_loses_nothing(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    idx = await managed_counter(client)
    readings = [DailyReading(date(2024, 3, d), 700 + d) for d in range(1, 31)]
    updates = counter_day_rows(idx, readings)
    fake.crash_after(12, applied=True)
    with pytest.raises(DomoticzUnavailable):
        await client.update_all(updates)
    assert len(fake.calendar(idx)) == 13  # 12 answered, the 13th written before the crash
    with pytest.raises(DomoticzUnavailable):
        await client.update_all(updates)  # still down
    fake.start()
    assert await client.update_all(updates) == 30
    running = 0
    expected = {}
    for reading in readings:
        running += reading.value_wh
        expected[reading.day.isoformat()] = (running, reading.value_wh)
    assert fake.calendar(idx) == expected


async def test_min_interval_spaces_requests(fake: FakeDomoticz) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with DomoticzClient(fake.url, ADMIN, min_interval_s=30.0, sleep=record) as domoticz:
        for _ in range(3):
            await domoticz.version()
    # The first request goes at once; each later one asks to wait most of the 30 s.
    assert len(waits) == 2
    assert all(25.0 < w <= 30.0 for w in waits)


async def test_probe_proves_reachability_then_credentials_then_rights(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    report = await client.probe(need_admin=True)
    assert report.message == "Domoticz 2025.1 (build 16773), logged in as admin (Admin)"
    assert [r.params["param"] for r in fake.commands()] == ["getversion", "gethardware", "getauth"]


async def test_probe_refuses_a_non_admin_when_devices_must_be_created(fake: FakeDomoticz) -> None:
    fake.add_user("bob", "b", USER)
    async with DomoticzClient(fake.url, DomoticzAuth("basic", "bob", "b")) as bob:
        with pytest.raises(DomoticzAuthError, match="'bob' has User rights"):
            await bob.probe(need_admin=True)
        assert (await bob.probe(need_admin=False)).rights == USER


async def test_probe_refuses_a_version_older_than_2023_2() -> None:
    with FakeDomoticz(allow_plain_basic_auth=True, version="2022.2") as fake:
        async with DomoticzClient(fake.url, ADMIN) as domoticz:
            with pytest.raises(DomoticzRefused, match=r"2022\.2 is too old"):
                await domoticz.probe(need_admin=False)


async def test_probe_reports_wrong_credentials_from_the_authenticated_call() -> None:
    with FakeDomoticz(allow_plain_basic_auth=True) as fake:
        wrong = DomoticzAuth("basic", "admin", "wrong-password")
        async with DomoticzClient(fake.url, wrong) as domoticz:
            with pytest.raises(DomoticzAuthError, match="check username and password"):
                await domoticz.probe(need_admin=False)
        assert [(r.params["param"], r.status) for r in fake.commands()] == [
            ("getversion", 200),
            ("gethardware", 401),
        ]
