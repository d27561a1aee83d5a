"""Webhook: signed events (Standard Webhooks) into a strict receiver over real HTTP on loopback.

The receiver (tests/fakes/webhook_receiver.py) verifies every delivery; these tests prove the
whole demo history arrives exactly, that retries keep the event id, that 4xx is final, that
``Retry-After`` is honoured and that an outage loses nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from pydantic import ValidationError

from myelectricaldata.crypto import SecretBox
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import DailyReading, Direction, Origin, Stream
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EnergyPoint,
    ProductionData,
)
from myelectricaldata.exporters.context import ExporterContext, ExporterSettings
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.exporters.testing import (
    CONTRACT_PDL,
    ExporterContract,
    Point,
    daily_points,
    sample_points,
)
from myelectricaldata.exporters.webhook.config import WebhookConfig
from myelectricaldata.exporters.webhook.events import build_event, dump_points, series_json
from myelectricaldata.exporters.webhook.exporter import WebhookExporter
from myelectricaldata.exporters.webhook.signing import decode_secret, sign
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.conftest import free_port
from tests.exporters.conftest import DEMO_NOW, FAST_RETRIES, no_sleep
from tests.fakes.webhook_receiver import Rejected, WebhookReceiver, shared_receiver, verify

#: The Standard Webhooks specification's published test vector.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#: A quality flag that needs JSON escaping.
QUALITY = 'q"\\é'
#: A short answer timeout for tests (the default waits 15 s).
SHORT_TIMEOUT = {"timeout": 5}
#: The events' ``source``, as the export service hands it over.
DEMO = ExporterContext(settings=ExporterSettings(data_source="demo"))


#: One key for the module: configs saved in the shared demo store stay readable across tests.
BOX = SecretBox(Fernet.generate_key())


def make_service(
    store: Store, sleep: Callable[[float], Awaitable[None]] = no_sleep
) -> ExportService:
    """An export service with the built-in types (like ``make_export_service``, fixed key),
    whose retries do not wait (``sleep`` records the waits)."""
    registry = Registry(plugins=False)
    configs = ConfigStore(registry, ExportRepo(store), BOX, {})
    settings = ExporterSettings(data_source="demo")
    return ExportService(
        store, registry, configs, settings=settings, policy=FAST_RETRIES, sleep=sleep
    )


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    yield shared_receiver()


def config_for(receiver: WebhookReceiver, **overrides: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "url": receiver.url,
        "secret": receiver.secret,
        **SHORT_TIMEOUT,
        **overrides,
    }


@pytest_asyncio.fixture(loop_scope="function")
async def exporter(receiver: WebhookReceiver) -> AsyncIterator[WebhookExporter]:
    made = WebhookExporter(WebhookConfig.model_validate(config_for(receiver)), DEMO)
    try:
        yield made
    finally:
        await made.aclose()


def load(points: int = 98) -> ConsumptionData:
    return ConsumptionData(CONTRACT_PDL, Stream.CONSUMPTION_DETAIL, sample_points()[:points])


# -- signing -------------------------------------------------------------------------------------


def test_signature_reproduces_the_standard_webhooks_test_vector() -> None:
    keys = decode_secret(VECTOR_SECRET)
    assert sign(keys, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    assert verify(keys, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP) == VECTOR_ID
    with pytest.raises(Rejected) as tampered:
        verify(keys, headers, b'{"test": 2432232315}', now=VECTOR_TIMESTAMP)
    assert tampered.value.status == 401
    with pytest.raises(Rejected) as stale:
        verify(keys, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 301)
    assert stale.value.status == 400


def test_several_secrets_sign_for_a_key_rotation() -> None:
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    keys = decode_secret(f"{other} {VECTOR_SECRET}")
    header = sign(keys, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
    assert header.split(" ")[1] == VECTOR_SIGNATURE
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": header,
    }
    assert verify(decode_secret(VECTOR_SECRET), headers, VECTOR_BODY, now=VECTOR_TIMESTAMP)


@pytest.mark.parametrize(
    ("secret", "fix"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "expected whsec_"),
        ("whsec_not*base64", "not valid base64"),
        ("whsec_c2hvcnQ=", "24 to 64 bytes"),
    ],
)
def test_a_bad_secret_is_refused_with_the_fix_and_without_its_value(secret: str, fix: str) -> None:
    with pytest.raises(ValidationError) as error:
        WebhookConfig.model_validate({"secret": secret})
    text = str(error.value)
    assert fix in text and "base64.b64encode(secrets.token_bytes(32))" in text
    assert secret not in text


def test_config_checks_url_headers_and_reads_the_documented_env_variables() -> None:
    with pytest.raises(ValidationError, match="url: set the receiver's URL"):
        WebhookConfig.model_validate({"enabled": True})
    with pytest.raises(ValidationError, match="remove the user:password"):
        WebhookConfig.model_validate({"url": "https://me:pw@example.org/hook"})
    with pytest.raises(ValidationError, match="`authorization` field"):
        WebhookConfig.model_validate({"headers": {"Authorization": "Bearer x"}})
    with pytest.raises(ValidationError, match="set by the exporter"):
        WebhookConfig.model_validate({"headers": {"webhook-id": "x"}})
    env = {
        "WEBHOOK_URL": "http://127.0.0.1:9/hook",
        "WEBHOOK_SECRET": VECTOR_SECRET,
        "WEBHOOK_HEADERS": '{"X-Home": "maison"}',
        "WEBHOOK_METHOD": "PUT",
    }
    values = WebhookConfig.from_env(env)
    assert values is not None
    config = WebhookConfig.model_validate({**values, "enabled": "true"})
    assert (config.url, config.secret, config.method) == (env["WEBHOOK_URL"], VECTOR_SECRET, "PUT")
    assert config.headers == {"X-Home": "maison"}
    assert WebhookConfig.secret_fields() == {"secret", "authorization", "headers"}


def test_event_id_depends_on_content_only() -> None:
    points = dump_points([{"start": "2024-01-01T00:00:00+01:00", "value": 1}])
    first, body1 = build_event("consumption", points, 1, source="demo", pdl=CONTRACT_PDL)
    again, body2 = build_event(
        "consumption", points, 1, source="gateway", pdl=CONTRACT_PDL, sent_at=datetime.now(UTC)
    )
    other = dump_points([{"start": "2024-01-01T00:00:00+01:00", "value": 2}])
    changed, _ = build_event("consumption", other, 1, source="demo", pdl=CONTRACT_PDL)
    assert first == again != changed
    event = json.loads(body1)
    assert event["id"] == first and event["points"] == json.loads(points)
    assert event["count"] == 1 and json.loads(body2)["id"] == first


def test_series_json_is_the_json_of_the_points_with_true_ends_across_dst() -> None:
    peaks = [
        EnergyPoint(
            local_midnight(date(2024, 10, 27)),
            local_midnight(date(2024, 10, 28)),
            6543.0,
            "CORRIGE",
            at=datetime(2024, 10, 27, 1, 15, tzinfo=UTC),
        )
    ]
    for points, granularity in [
        (sample_points(), Stream.CONSUMPTION_DETAIL),
        (daily_points(), Stream.CONSUMPTION_DAILY),
        (peaks, Stream.MAX_POWER),
    ]:
        got = json.loads(series_json(points, granularity))
        assert len(got) == len(points)
        for item, p in zip(got, points, strict=True):
            assert item["start"] == p.start.isoformat()
            assert item["value"] == p.value and item["quality"] == p.quality
            assert item.get("avg_w") == p.avg_w
            assert item.get("at") == (p.at.astimezone(PARIS).isoformat() if p.at else None)
            start = datetime.fromisoformat(item["start"])
            end = datetime.fromisoformat(item["end"])
            if granularity is Stream.CONSUMPTION_DETAIL:
                # 30 real minutes each, the autumn change's 02:30+02:00 slot included.
                assert end - start == timedelta(minutes=30), item
            else:
                assert end == p.end
    odd = EnergyPoint(peaks[0].start, peaks[0].end, 0.1, QUALITY)
    text = series_json([odd], Stream.CONSUMPTION_DAILY)
    assert json.loads(text)[0] == {
        "start": "2024-10-27T00:00:00+02:00",
        "end": "2024-10-28T00:00:00+01:00",
        "value": 0.1,
        "quality": QUALITY,
    }


# -- the contract --------------------------------------------------------------------------------


class TestWebhookContract(ExporterContract):
    """The receiver stands for what a webhook consumer keeps: it upserts each series' points by
    their start (Standard Webhooks deliveries are at-least-once)."""

    exporter_class = WebhookExporter

    receiver: WebhookReceiver

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        self.receiver = shared_receiver()  # reset: this check's events only
        return config_for(self.receiver, authorization="Bearer tok-contract-1")

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "url": f"http://127.0.0.1:{free_port()}/hook",
            "secret": VECTOR_SECRET,
            "authorization": "Bearer tok-SECRET-42",
            "headers": {"X-Api-Key": "key-SECRET-4242", "Cookie": "session=c00kie-SECRET-42"},
            **SHORT_TIMEOUT,
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"enabled": True}, "url"),
            ({"url": "ftp://127.0.0.1/hook"}, "url"),
            ({"secret": "not-a-whsec-secret"}, "secret"),
            ({"headers": {"Authorization": "Bearer x"}}, "headers"),
            ({"method": "DELETE"}, "method"),
        ]

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        return receiver_points(self.receiver)


def receiver_points(receiver: WebhookReceiver) -> list[Point]:
    """What the receiver keeps, as the contract's points."""
    points: list[Point] = []
    for kind, granularity, stream in (
        ("consumption", "daily", Stream.CONSUMPTION_DAILY),
        ("consumption", "load_curve", Stream.CONSUMPTION_DETAIL),
        ("production", "daily", Stream.PRODUCTION_DAILY),
        ("production", "load_curve", Stream.PRODUCTION_DETAIL),
        ("max_power", "max_power", Stream.MAX_POWER),
    ):
        for item in receiver.points(kind, CONTRACT_PDL, granularity).values():
            start = datetime.fromisoformat(item["start"])
            if stream.is_detail:
                points.append(Point(stream, CONTRACT_PDL, start, item["avg_w"]))
            else:
                points.append(Point(stream, CONTRACT_PDL, start.date(), item["value"]))
    for item in receiver.points("tempo").values():
        points.append(Point(Stream.TEMPO, None, date.fromisoformat(item["date"]), item["value"]))
    for item in receiver.points("ecowatt").values():
        day = date.fromisoformat(item["date"])
        points.append(Point(Stream.ECOWATT, None, day, item["value"]))
    return points


# -- one call ------------------------------------------------------------------------------------


async def test_event_schema_headers_and_signature(
    exporter: WebhookExporter, receiver: WebhookReceiver
) -> None:
    receiver_headers = {"X-Home": "maison"}
    exporter.config = exporter.config.model_copy(
        update={"headers": receiver_headers, "authorization": "Bearer abc"}
    )
    result = await exporter.export_production(
        ProductionData(CONTRACT_PDL, Stream.PRODUCTION_DAILY, daily_points(3))
    )
    assert result.success and result.records_exported == 3
    [request] = receiver.requests
    assert request.status == 204
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("myelectricaldata/")
    assert request.headers["x-home"] == "maison"
    assert request.headers["authorization"] == "Bearer abc"
    event = json.loads(request.body)
    assert list(event) == [
        "id", "type", "schema_version", "pdl", "granularity", "unit", "series", "source",
        "sent_at", "count", "points",
    ]  # fmt: skip
    assert event["id"] == request.headers["webhook-id"]
    assert (event["type"], event["pdl"], event["granularity"], event["unit"]) == (
        "production", CONTRACT_PDL, "daily", "Wh",
    )  # fmt: skip
    assert event["series"] == f"{CONTRACT_PDL}/production/daily"
    assert event["source"] == "demo"
    assert datetime.fromisoformat(event["sent_at"]).tzinfo is not None
    assert event["points"][0] == {
        "start": "2024-10-25T00:00:00+02:00",
        "end": "2024-10-26T00:00:00+02:00",
        "value": 10000,
        "quality": "CORRIGE",
    }


async def test_ping_is_a_signed_event(exporter: WebhookExporter, receiver: WebhookReceiver) -> None:
    result = await exporter.test_connection()
    assert result.success, result.error
    assert "signed ping" in result.message and result.latency_ms is not None
    event = receiver.events[receiver.accepted[0]]
    assert event["type"] == "ping" and event["points"] == []


async def test_a_tampered_body_or_a_replayed_old_delivery_is_rejected(
    exporter: WebhookExporter, receiver: WebhookReceiver
) -> None:
    assert (await exporter.export_consumption(load(4))).success
    original = receiver.requests[0]
    headers = {k: v for k, v in original.headers.items() if k.startswith("webhook-")}
    headers["content-type"] = "application/json"
    tampered = original.body.replace(b'"value":', b'"value":1', 1)
    async with httpx.AsyncClient() as client:
        answer = await client.post(receiver.url, content=tampered, headers=headers)
        assert answer.status_code == 401
        old = dict(headers, **{"webhook-timestamp": str(int(time.time()) - 301)})
        answer = await client.post(receiver.url, content=original.body, headers=old)
        assert answer.status_code == 400
    assert len(receiver.events) == 1


async def test_one_call_makes_one_attempt_and_a_retry_reuses_the_event_id(
    exporter: WebhookExporter, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, 500)
    receiver.fail_next(1, 408)
    first = await exporter.export_consumption(load())
    second = await exporter.export_consumption(load())
    assert (first.success, first.retryable, second.success, second.retryable) == (
        False, True, False, True,
    )  # fmt: skip
    assert first.error is not None and "HTTP 500" in first.error
    third = await exporter.export_consumption(load())
    assert third.success, third.error
    ids = receiver.ids()
    assert len(ids) == 3 and len(set(ids)) == 1
    assert [r.status for r in receiver.requests] == [500, 408, 204]


def small_store(tmp_path: Path, days_count: int = 3) -> Store:
    """A store holding a few days of one PDL's daily consumption (one batch, one event)."""
    store = Store.open(f"sqlite:///{tmp_path / 'hook.db'}")
    readings = [
        DailyReading(date(2024, 3, 1) + timedelta(days=i), 9000 + i) for i in range(days_count)
    ]
    store.upsert_daily(CONTRACT_PDL, Direction.CONSUMPTION, readings, Origin.GATEWAY)
    return store


async def test_the_service_retries_transient_failures_with_the_same_event(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    store = small_store(tmp_path)
    try:
        service = make_service(store)
        service.configs.save("webhook", config_for(receiver))
        receiver.fail_next(1, 503)
        receiver.fail_next(1, 429)
        log = await service.run("webhook")
    finally:
        store.close()
    assert log.status == "success", log.error
    assert (log.records, log.attempts) == (3, 3)
    assert [r.status for r in receiver.requests] == [503, 429, 204]
    assert len(set(receiver.ids())) == 1


async def test_a_4xx_is_final_and_never_sent_again_in_the_run(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, 400, body="points[3].value: expected a number, token Bearer abc")
    store = small_store(tmp_path)
    try:
        service = make_service(store)
        service.configs.save("webhook", config_for(receiver, authorization="Bearer abc"))
        log = await service.run("webhook")
    finally:
        store.close()
    assert log.status == "failed" and log.records == 0
    assert log.error is not None
    assert "HTTP 400: points[3].value: expected a number" in log.error
    assert "not retried" in log.error
    assert "Bearer abc" not in log.error
    assert len(receiver.requests) == 1


async def test_a_wrong_secret_fails_the_run_with_one_request_per_event(
    demo_store: Store, receiver: WebhookReceiver
) -> None:
    service = make_service(demo_store)
    wrong = "whsec_" + base64.b64encode(b"w" * 32).decode()
    service.configs.save("webhook", config_for(receiver, secret=wrong))
    ExportRepo(demo_store).reset_checkpoints("webhook")
    log = await service.run("webhook")
    assert log.status == "failed" and log.records == 0
    assert log.error is not None and "HTTP 401" in log.error and "`secret`" in log.error
    # The first refusal ends the run: no event was sent twice.
    ids = receiver.ids()
    assert len(ids) == 1


async def test_retry_after_is_what_the_service_waits(
    exporter: WebhookExporter, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    receiver.fail_next(1, 429, retry_after="7")
    refused = await exporter.export_consumption(load())
    assert (refused.success, refused.retryable, refused.retry_after) == (False, True, 7.0)
    receiver.reset()
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    receiver.fail_next(1, 503, retry_after="2")
    store = small_store(tmp_path)
    try:
        service = make_service(store, sleep=record)
        service.configs.save("webhook", config_for(receiver))
        log = await service.run("webhook")
    finally:
        store.close()
    assert log.status == "success", log.error
    assert waits == [2.0]
    assert [r.status for r in receiver.requests] == [503, 204]


async def test_a_retry_after_beyond_the_limit_ends_the_run_at_once(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, 503, retry_after="3600")
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    store = small_store(tmp_path)
    try:
        service = make_service(store, sleep=record)
        service.configs.save("webhook", config_for(receiver))
        log = await service.run("webhook")
    finally:
        store.close()
    assert log.status == "failed" and log.error is not None
    assert "asks to wait too long" in log.error and "HTTP 503" in log.error
    assert waits == [] and len(receiver.requests) == 1
    assert ExportRepo(store).checkpoints("webhook")[Stream.CONSUMPTION_DAILY] == 0


async def test_a_slow_receiver_times_out_and_the_retry_delivers(
    receiver: WebhookReceiver,
) -> None:
    receiver.slow_next(1, 1.0)
    config = WebhookConfig.model_validate(config_for(receiver, timeout=0.3))
    exporter = WebhookExporter(config, DEMO)
    try:
        first = await exporter.export_consumption(load())
        second = await exporter.export_consumption(load())
    finally:
        await exporter.aclose()
    assert not first.success and first.retryable and "within 0.3 s" in (first.error or "")
    assert second.success, second.error
    await asyncio.sleep(0.8)  # let the slow request finish so it is recorded
    assert len(set(receiver.ids())) == 1 and len(receiver.ids()) == 2


async def test_unreachable_host_fails_the_test_with_the_exporters_own_reason(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ping waits at most PING_TIMEOUT (8 s, under the service's 10 s bound), whatever
    # `timeout` says; shortened here.
    monkeypatch.setattr("myelectricaldata.exporters.webhook.exporter.PING_TIMEOUT", 0.5)
    # A listening socket that never answers: only the timeout can end the ping.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        service = make_service(demo_store)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        config = WebhookConfig.model_validate(
            {"enabled": True, "url": url, "secret": VECTOR_SECRET, "timeout": 60}
        )
        result = await service.test("webhook", config)
        assert not result.success and result.error and "no answer" in result.error
        assert "within 0.5 s" in result.error  # the ping's own limit, not the service's
    finally:
        silent.close()
    refused = WebhookConfig.model_validate(
        {"enabled": True, "url": f"http://127.0.0.1:{free_port()}/hook", "secret": VECTOR_SECRET}
    )
    result = await service.test("webhook", refused)
    assert not result.success and result.error and "cannot reach 127.0.0.1" in result.error


# -- the whole history through the service -------------------------------------------------------


def _assert_receiver_holds_the_store(store: Store, receiver: WebhookReceiver) -> int:
    """Every stored reading is in the receiver's reassembled series; returns points checked."""
    checked = 0
    first, last = date(2000, 1, 1), date(2100, 1, 1)
    low, high = local_midnight(first), local_midnight(last)
    for stored in store.usage_points():
        pdl = stored.point.pdl
        for direction in (Direction.CONSUMPTION, Direction.PRODUCTION):
            curve = store.load_curve(pdl, direction, low, high)
            got = receiver.points(direction.value, pdl, "load_curve")
            assert len(got) == len(curve)
            for p in curve:
                item = got[p.start.astimezone(PARIS).isoformat()]
                end = datetime.fromisoformat(item["end"])
                assert end == p.start + timedelta(minutes=p.interval_min)  # real minutes
                assert item["avg_w"] == p.avg_w and item["value"] == p.energy_wh
                assert item["quality"] == p.quality
            daily = store.daily(pdl, direction, first, last)
            got = receiver.points(direction.value, pdl, "daily")
            assert {k: v["value"] for k, v in got.items()} == {
                local_midnight(d.day).isoformat(): d.value_wh for d in daily
            }
            checked += len(curve) + len(daily)
        peaks = store.max_power(pdl, first, last)
        got = receiver.points("max_power", pdl, "max_power")
        assert {k: (v["value"], v["at"]) for k, v in got.items()} == {
            local_midnight(m.day).isoformat(): (m.value_va, m.at.astimezone(PARIS).isoformat())
            for m in peaks
        }
        checked += len(peaks)
    tempo = store.tempo(first, last)
    colours = {v["date"]: (v["value"], v["code"]) for v in receiver.points("tempo").values()}
    codes = {"BLUE": 1, "WHITE": 2, "RED": 3}
    assert colours == {d.day.isoformat(): (d.color.value, codes[d.color.value]) for d in tempo}
    eco = store.ecowatt(first, last)
    signals = {
        v["date"]: (v["value"], tuple(v["hourly"])) for v in receiver.points("ecowatt").values()
    }
    assert signals == {d.day.isoformat(): (d.level, d.hourly) for d in eco}
    return checked + len(tempo) + len(eco)


async def test_full_history_survives_an_outage_and_arrives_exactly_once(
    demo_store: Store,
) -> None:
    with WebhookReceiver(keep_bodies=False) as receiver:
        service: ExportService = make_service(demo_store)
        service.configs.save("webhook", config_for(receiver))
        ExportRepo(demo_store).reset_checkpoints("webhook")

        # The receiver goes down in the middle of the first run...
        def outage(sent: int, total: int) -> None:
            if sent >= total // 2:
                receiver.stop()

        first = await service.run("webhook", on_progress=outage)
        assert first.status == "failed" and 0 < first.records < first.records_total
        assert first.error is not None and "cannot reach 127.0.0.1" in first.error
        assert receiver.duplicates == 0

        # ...and the next run, once it is back, sends the rest and only the rest.
        receiver.start()
        second = await service.run("webhook")
        assert second.status == "success", second.error
        assert second.records == first.records_total - first.records
        assert all(r.status == 204 for r in receiver.requests)
        assert receiver.duplicates == 0
        checked = _assert_receiver_holds_the_store(demo_store, receiver)
        assert checked == receiver.points_received == first.records_total
        assert checked > 3 * 35_000

        before = len(receiver.requests)
        third = await service.run("webhook")
        assert third.status == "success" and third.records == 0
        assert len(receiver.requests) == before
    assert DEMO_NOW.year == 2025
