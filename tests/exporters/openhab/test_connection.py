"""The openHAB connection test: openHAB's own answers prove the address, the token and what the
settings need; every refusal says what to change (rrd4j first), within the service's limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from myelectricaldata.domain.types import TempoColor, TempoDay
from myelectricaldata.exporters.base import TempoData
from myelectricaldata.exporters.openhab import OpenHABConfig, OpenHABExporter
from tests.conftest import free_port
from tests.fakes.openhab import FakeOpenHAB, PersistenceService, shared_fake_openhab

USER_TOKEN = "oh.viewer.Us3rT0kenOfAPlainUserNotAnAdmin0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenHAB]:
    yield shared_fake_openhab()


async def tested(**values: Any) -> tuple[bool, str, str]:
    exporter = OpenHABExporter(OpenHABConfig(**values))
    try:
        result = await exporter.test_connection()
    finally:
        await exporter.aclose()
    return result.success, result.message, result.error or ""


def paths(fake: FakeOpenHAB) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests]


async def test_a_working_setup_names_the_version_the_zone_and_the_history_service(
    fake: FakeOpenHAB,
) -> None:
    ok, message, error = await tested(url=fake.url, token=fake.token)
    assert ok, error
    assert message == (
        "openHAB 5.0.0 (REST API 8), Europe/Paris; history in jdbc (JDBC); the token may "
        "create items and write history"
    )
    # Reads only: the root, then the persistence services (an administrator's list).
    assert paths(fake) == ["GET /rest/", "GET /rest/persistence"]


@pytest.mark.parametrize(
    ("service", "says"),
    [
        ("rrd4j", "'rrd4j' cannot store past values: it is Queryable, not Modifiable"),
        ("mapdb", "'mapdb' cannot store past values: it is Queryable, not Modifiable"),
        ("inmemory", "'inmemory' keeps values in memory only"),
        ("mysql", "'mysql' is not installed in openHAB (installed: rrd4j (Queryable), jdbc"),
    ],
)
async def test_a_service_that_cannot_keep_history_is_refused_with_the_fix(
    fake: FakeOpenHAB, service: str, says: str
) -> None:
    ok, message, error = await tested(url=fake.url, token=fake.token, persistence_service=service)
    assert not ok and message == "openHAB: the test failed"
    assert says in error
    assert "jdbc, influxdb or mongodb" in error and "persistence_service" in error


async def test_the_default_service_rrd4j_is_never_written_even_if_the_test_was_skipped(
    fake: FakeOpenHAB,
) -> None:
    exporter = OpenHABExporter(
        OpenHABConfig(url=fake.url, token=fake.token, persistence_service="rrd4j")
    )
    try:
        red = TempoDay(date(2025, 1, 6), TempoColor.RED)
        result = await exporter.export_tempo(TempoData([red]))
    finally:
        await exporter.aclose()
    assert not result.success and not result.retryable
    assert result.error is not None and "'rrd4j' cannot store past values" in result.error
    assert not any(r.method == "PUT" for r in fake.requests)


async def test_a_wrong_token_is_named(fake: FakeOpenHAB) -> None:
    ok, _, error = await tested(url=fake.url, token="oh.wrong.NotARealTokenAtAll123456")
    assert not ok
    assert "refused the API token (401 Invalid credentials)" in error
    assert "NotARealTokenAtAll" not in error


async def test_a_plain_users_token_is_refused_when_items_or_history_need_an_administrator(
    fake: FakeOpenHAB,
) -> None:
    fake.add_user("viewer", admin=False, token=USER_TOKEN)
    for values in ({}, {"history": False}):
        ok, _, error = await tested(url=fake.url, token=USER_TOKEN, **values)
        assert not ok
        assert "not an administrator" in error and "403" in error
    # Without items to create nor history, a plain user is enough: the items are read.
    ok, message, error = await tested(
        url=fake.url, token=USER_TOKEN, history=False, provision_items=False
    )
    assert ok, error
    assert message.endswith("0 items readable; item creation and history are off")
    assert "GET /rest/items" in paths(fake)


async def test_no_token_works_for_states_only_with_the_implicit_user_role(
    fake: FakeOpenHAB,
) -> None:
    ok, _, error = await tested(url=fake.url, history=False, provision_items=False)
    assert ok, error
    ok, _, error = await tested(url=fake.url)
    assert not ok and "administrator" in error and "set token" in error


async def test_an_address_that_is_not_openhab_says_to_check_the_url(fake: FakeOpenHAB) -> None:
    ok, _, error = await tested(url=f"{fake.url}/somewhere", token=fake.token)
    assert not ok
    assert "check url" in error


async def test_nothing_listening_fails_at_once_naming_the_address() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    ok, _, error = await tested(url=url, token="oh.x.Secret0123456789")
    assert not ok
    assert f"cannot reach openHAB at {url}/rest" in error and "check url" in error
    assert "Secret0123456789" not in error


async def test_a_busy_openhab_is_reported_as_such(fake: FakeOpenHAB) -> None:
    fake.fail_next(1, 503, retry_after="30")
    ok, _, error = await tested(url=fake.url, token=fake.token)
    assert not ok and "503" in error and "try again later" in error


async def test_other_services_pass_when_modifiable(fake: FakeOpenHAB) -> None:
    fake.services["influxdb"] = PersistenceService("influxdb", "InfluxDB", "Modifiable")
    ok, message, error = await tested(
        url=fake.url, token=fake.token, persistence_service="influxdb"
    )
    assert ok, error
    assert "history in influxdb (InfluxDB)" in message
