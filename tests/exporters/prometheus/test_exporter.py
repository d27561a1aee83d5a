"""Prometheus: the /metrics page (text exposition 0.0.4), its route, and a real Prometheus
scraping it and answering instant queries with the catalogue's values."""

from __future__ import annotations

import math
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import pytest
import uvicorn
from cryptography.fernet import Fernet
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from myelectricaldata.crypto import SecretBox
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    ExporterConfig,
    ExportResult,
    MeasureValue,
    StateSnapshot,
)
from myelectricaldata.exporters.context import ExporterContext
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.prometheus.config import PrometheusConfig
from myelectricaldata.exporters.prometheus.exporter import PrometheusExporter, SnapshotCache
from myelectricaldata.exporters.prometheus.exposition import (
    CONTENT_TYPE,
    metric_name,
    metrics_text,
)
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.exporters.testing import ExporterContract, StateValue
from myelectricaldata.store.exports import ExportLog, ExportRepo
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW, FAST_RETRIES
from tests.servers.prometheus import PrometheusServer

PDL_A = "09999000000001"
PDL_B = "09999000000002"
TEMPO_OPTIONS = ("BLUE", "WHITE", "RED", "unknown")


def _value(
    key: str,
    scope: str,
    value: float | int | str | bool | None,
    unit: str | None = None,
    *,
    device_class: str | None = None,
    options: tuple[str, ...] | None = None,
) -> MeasureValue:
    return MeasureValue(
        key=key,
        scope=scope,
        value=value,
        unit=unit,
        label_fr=f"{key} (fr)",
        label_en=key.replace("_", " ").capitalize(),
        device_class=device_class,
        state_class=None,
        options=options,
    )


def hand_snapshot(shift: float = 0.0) -> StateSnapshot:
    """A snapshot with every kind of value the renderer handles."""
    return StateSnapshot(
        computed_at=datetime(2025, 11, 20, 12, 0, tzinfo=UTC),
        values=[
            _value("consumption_yesterday", PDL_A, 12.345 + shift, "kWh", device_class="energy"),
            _value("consumption_yesterday", PDL_B, 8, "kWh", device_class="energy"),
            _value("cost_month", PDL_A, 45.678, "EUR", device_class="monetary"),
            _value("evolution_month", PDL_A, -3.25, "%"),
            _value("max_power_yesterday", PDL_A, 5230, "VA", device_class="apparent_power"),
            _value(
                "max_power_yesterday_at",
                PDL_A,
                "2025-11-19T19:30:00+01:00",
                device_class="timestamp",
            ),
            _value("production_yesterday", PDL_B, None, "kWh"),
            _value("has_production", PDL_B, True),
            _value("tempo_today", "tempo", "WHITE", device_class="enum", options=TEMPO_OPTIONS),
            _value(
                "tempo_tomorrow", "tempo", "unknown", device_class="enum", options=TEMPO_OPTIONS
            ),
            _value("tempo_after", "tempo", None, device_class="enum", options=TEMPO_OPTIONS[:3]),
            _value("tempo_season", "tempo", "2025-2026"),
            _value("tempo_remaining_red", "tempo", 22, "d"),
            _value("ecowatt_now", "ecowatt", 1),
            _value("ecowatt_j1_message", "ecowatt", 'Signal "orange"\nÉconomisez \\ là'),
        ],
    )


def _logs() -> list[ExportLog]:
    t = datetime(2025, 11, 20, 10, 0, tzinfo=UTC)
    rows = [
        (1, "webhook", "success", 100),
        (2, "webhook", "failed", 20),
        (3, "mqtt", "success", 7),
        (4, "webhook", "success", 30),
        (5, "mqtt", "failed", 0),
        (6, "webhook", "running", 5),
    ]
    return [
        ExportLog(
            i,
            dest,
            "test",
            status,
            t,
            None if status == "running" else t.replace(minute=i),
            records,
            records,
            1,
            "boom" if status == "failed" else None,
        )
        for i, dest, status, records in rows
    ]


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Samples of an exposition page, validated by the reference client's parser."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert sample.timestamp is None, f"{sample.name} carries a timestamp"
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in samples, f"duplicate sample {key}"
            samples[key] = sample.value
    return samples


def expected_samples(
    snapshot: StateSnapshot,
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """What the page must hold for a snapshot, by the documented mapping."""
    codes = {"BLUE": 1.0, "WHITE": 2.0, "RED": 3.0}
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for v in snapshot.values:
        if v.value is None and not v.options:
            continue
        name = f"myelectricaldata_{v.key}"
        is_pdl = len(v.scope) == 14 and v.scope.isdigit()
        scope = ("pdl", v.scope) if is_pdl else ("scope", v.scope)
        if v.options and (v.value is None or isinstance(v.value, str)):
            for option in v.options:
                out.setdefault(
                    (name, frozenset([scope, ("state", option)])), float(option == v.value)
                )
            if {o.upper() for o in v.options} <= {*codes, "UNKNOWN"}:
                code = codes.get(str(v.value).upper(), 0.0)
                out.setdefault((f"{name}_code", frozenset([scope])), code)
        elif isinstance(v.value, int | float):  # bool included: True is 1
            out.setdefault((name, frozenset([scope])), float(v.value))
        elif v.device_class == "timestamp" and isinstance(v.value, str):
            stamp = datetime.fromisoformat(v.value).timestamp()
            out.setdefault((name, frozenset([scope])), stamp)
        elif isinstance(v.value, str):
            out.setdefault((f"{name}_info", frozenset([scope, ("value", v.value)])), 1.0)
    return out


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# -- metrics_text ------------------------------------------------------------------------------


def test_page_is_valid_exposition_with_every_value_of_the_snapshot() -> None:
    snapshot = hand_snapshot()
    samples = parse(metrics_text(snapshot, []))
    computed = "myelectricaldata_state_computed_timestamp_seconds"
    assert {k: v for k, v in samples.items() if k[0] != computed} == expected_samples(snapshot)
    assert samples[(computed, frozenset())] == snapshot.computed_at.timestamp()


def test_numbers_keep_full_precision_and_units_are_in_help() -> None:
    text = metrics_text(hand_snapshot(shift=1e-9), [])
    assert f'myelectricaldata_consumption_yesterday{{pdl="{PDL_A}"}} 12.345000001\n' in text
    assert f'myelectricaldata_consumption_yesterday{{pdl="{PDL_B}"}} 8\n' in text
    assert "# HELP myelectricaldata_cost_month Cost month (EUR)\n" in text
    assert "# TYPE myelectricaldata_cost_month gauge\n" in text


def test_tempo_colour_is_a_state_set_and_a_code_and_unknown_is_all_zero() -> None:
    samples = parse(metrics_text(hand_snapshot(), []))
    today = {
        dict(labels)["state"]: value
        for (name, labels), value in samples.items()
        if name == "myelectricaldata_tempo_today"
    }
    assert today == {"BLUE": 0, "WHITE": 1, "RED": 0, "unknown": 0}
    code = frozenset([("scope", "tempo")])
    assert samples[("myelectricaldata_tempo_today_code", code)] == 2
    assert samples[("myelectricaldata_tempo_tomorrow_code", code)] == 0
    # Not published yet (None): every state 0 and code 0, so the series do not vanish.
    assert samples[("myelectricaldata_tempo_after_code", code)] == 0
    assert {
        dict(labels)["state"]: value
        for (name, labels), value in samples.items()
        if name == "myelectricaldata_tempo_after"
    } == {"BLUE": 0, "WHITE": 0, "RED": 0}


def test_unknown_value_is_absent_and_text_is_an_escaped_info_label() -> None:
    text = metrics_text(hand_snapshot(), [])
    assert "production_yesterday" not in text
    samples = parse(text)
    info = [
        dict(labels)["value"]
        for (name, labels), _ in samples.items()
        if name == "myelectricaldata_ecowatt_j1_message_info"
    ]
    assert info == ['Signal "orange"\nÉconomisez \\ là']
    assert samples[("myelectricaldata_has_production", frozenset([("pdl", PDL_B)]))] == 1


def test_a_repeated_measure_is_written_once_so_the_scrape_is_not_refused() -> None:
    snapshot = hand_snapshot()
    doubled = StateSnapshot(snapshot.computed_at, [*snapshot.values, snapshot.values[0]])
    samples = parse(metrics_text(doubled, []))
    assert samples[("myelectricaldata_consumption_yesterday", frozenset([("pdl", PDL_A)]))] == (
        12.345
    )


def test_special_floats_and_odd_keys_render_validly() -> None:
    values = [
        _value("evolution-year %", PDL_A, float("nan")),
        _value("ratio", PDL_A, float("inf")),
        _value("delta", PDL_A, -1e-7),
    ]
    text = metrics_text(StateSnapshot(datetime(2025, 1, 1, tzinfo=UTC), values), [])
    samples = parse(text)
    assert math.isnan(samples[(metric_name("evolution-year %"), frozenset([("pdl", PDL_A)]))])
    assert metric_name("evolution-year %") == "myelectricaldata_evolution_year__"
    assert samples[("myelectricaldata_ratio", frozenset([("pdl", PDL_A)]))] == math.inf
    assert samples[("myelectricaldata_delta", frozenset([("pdl", PDL_A)]))] == -1e-7


def test_health_metrics_per_destination_from_the_logs() -> None:
    samples = parse(metrics_text(None, _logs()))

    def get(name: str, **labels: str) -> float:
        return samples[(f"myelectricaldata_export_{name}", frozenset(labels.items()))]

    finished = datetime(2025, 11, 20, 10, 0, tzinfo=UTC)
    assert get("last_success_timestamp_seconds", destination="webhook") == (
        finished.replace(minute=4).timestamp()
    )
    assert get("last_success_timestamp_seconds", destination="mqtt") == (
        finished.replace(minute=3).timestamp()
    )
    assert get("last_run_success", destination="webhook") == 1
    assert get("last_run_success", destination="mqtt") == 0
    assert get("failures_total", destination="webhook") == 1
    assert get("failures_total", destination="mqtt") == 1
    assert get("records_total", destination="webhook") == 155
    assert get("runs_total", destination="webhook", status="success") == 2
    assert get("runs_total", destination="webhook", status="failed") == 1
    families = {f.name: f.type for f in text_string_to_metric_families(metrics_text(None, _logs()))}
    assert families["myelectricaldata_export_failures"] == "counter"
    assert families["myelectricaldata_export_last_success_timestamp_seconds"] == "gauge"


def test_nothing_to_say_is_an_empty_page() -> None:
    assert metrics_text(None, []) == ""


# -- the exporter and the route ----------------------------------------------------------------


class TestPrometheusContract(ExporterContract):
    """Prometheus pulls: the "destination" is the service's own /metrics page."""

    exporter_class = PrometheusExporter
    pulls = True

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"enabled": True, "max_age": 3600}

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        return {"enabled": True}

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [({"max_age": -1}, "max_age"), ({"max_age": "soon"}, "max_age")]

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> list[StateValue]:
        answer = await _get(make_app(self.service))
        assert answer.status_code == 200, answer.text
        states = []
        for family in text_string_to_metric_families(answer.text):
            unit = re.search(r" \(([^)]+)\)$", family.documentation)
            key = family.name.removeprefix("myelectricaldata_")
            for sample in family.samples:
                scope = sample.labels.get("pdl") or sample.labels.get("scope")
                if scope and sample.name == family.name and "state" not in sample.labels:
                    states.append(StateValue(scope, key, sample.value, unit and unit.group(1)))
        return states


class FailingConfig(ExporterConfig):
    """Config of a destination that always refuses."""


class FailingExporter(BaseExporter):
    """Refuses every batch, so the health metrics have a failed run to show."""

    name = "always_down"
    config_model = FailingConfig
    calls: ClassVar[int] = 0

    async def test_connection(self) -> ConnectionTestResult:
        return ConnectionTestResult(False, "down", "down")

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        return ExportResult(False, 0, "always down")


#: One key for the module: configs saved in the shared demo store stay readable across tests.
BOX = SecretBox(Fernet.generate_key())


def make_service(
    store: Store, snapshot: Callable[[], Awaitable[StateSnapshot]] | None
) -> ExportService:
    registry = Registry(plugins=False)
    registry.types["always_down"] = FailingExporter
    configs = ConfigStore(registry, ExportRepo(store), BOX, {})
    return ExportService(store, registry, configs, snapshot, policy=FAST_RETRIES)


def make_app(service: ExportService) -> FastAPI:
    """An app with the routes the service's exporter types add (the API does the same)."""
    app = FastAPI()
    for router in service.routers():
        app.include_router(router)
    return app


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'prom.db'}")
    try:
        yield opened
    finally:
        opened.close()


async def _get(app: FastAPI, path: str = "/metrics") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.get(path)


async def test_route_answers_404_while_the_exporter_is_disabled(store: Store) -> None:
    service = make_service(store, None)
    answer = await _get(make_app(service))
    assert answer.status_code == 404
    assert "PROMETHEUS_ENABLED=true" in answer.text


async def test_route_serves_the_snapshot_a_run_cached_then_fresh_values_after_max_age(
    store: Store,
) -> None:
    shift = 0.0

    async def provider() -> StateSnapshot:
        return hand_snapshot(shift)

    service = make_service(store, provider)
    service.configs.save("prometheus", {"enabled": True, "max_age": 3600})
    log = await service.run("prometheus")
    assert log.status == "success", log.error
    shift = 1.0
    service._snapshot_cache = None  # the service's own 5-second cache is not under test
    answer = await _get(make_app(service))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == CONTENT_TYPE
    key = ("myelectricaldata_consumption_yesterday", frozenset([("pdl", PDL_A)]))
    assert parse(answer.text)[key] == 12.345  # the run's values, still within max_age
    runs = ("myelectricaldata_export_runs_total", frozenset(
        [("destination", "prometheus"), ("status", "success")]
    ))  # fmt: skip
    assert parse(answer.text)[runs] == 1

    service.configs.save("prometheus", {"enabled": True, "max_age": 0})
    assert parse((await _get(make_app(service))).text)[key] == 13.345


async def test_route_keeps_the_last_values_when_the_catalogue_fails(store: Store) -> None:
    calls = 0

    async def provider() -> StateSnapshot:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("database locked")
        return hand_snapshot()

    service = make_service(store, provider)
    service.configs.save("prometheus", {"enabled": True, "max_age": 0})
    first = await _get(make_app(service))
    service._snapshot_cache = None
    second = await _get(make_app(service))
    assert calls == 2
    assert second.status_code == 200 and parse(second.text) == parse(first.text)


async def test_export_state_refreshes_the_cache_and_test_connection_renders(store: Store) -> None:
    context = ExporterContext()
    exporter = PrometheusExporter(PrometheusConfig(enabled=True), context)
    result = await exporter.export_state(hand_snapshot())
    assert result.success and result.records_exported > 10
    assert context.shared.get(SnapshotCache).last() == hand_snapshot()
    tested = await exporter.test_connection()
    assert tested.success and "scrape job" in tested.message


async def test_each_service_keeps_its_own_snapshot(store: Store) -> None:
    first = make_service(store, None)
    second = make_service(store, None)
    await first.exporter("prometheus").export_state(hand_snapshot())
    assert first.shared("prometheus").get(SnapshotCache).last() == hand_snapshot()
    assert second.shared("prometheus").get(SnapshotCache).last() is None


def test_env_variables_configure_the_exporter() -> None:
    assert PrometheusConfig.from_env({"PROMETHEUS_MAX_AGE": "60"}) == {"max_age": "60"}
    assert PrometheusConfig.model_validate({"max_age": "60"}).max_age == 60


# -- a real Prometheus -------------------------------------------------------------------------


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a loopback port in a thread; yields ``127.0.0.1:PORT``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.005)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def catalogue_snapshot(store: Store) -> StateSnapshot:
    """The real catalogue's values."""
    return await compute_snapshot(store, now=DEMO_NOW)


async def test_real_prometheus_scrapes_the_catalogue_and_export_health(
    demo_store: Store, prometheus: PrometheusServer
) -> None:
    snapshot = await catalogue_snapshot(demo_store)

    async def provider() -> StateSnapshot:
        return snapshot

    service = make_service(demo_store, provider)
    service.configs.save("prometheus", {"enabled": True})
    service.configs.save("always_down", {"enabled": True})
    ExportRepo(demo_store).reset_checkpoints("always_down")
    assert (await service.run("prometheus")).status == "success"
    down = await service.run("always_down")
    assert down.status == "failed"
    logs = ExportRepo(demo_store).logs(None, 10_000)

    with serve(make_app(service)) as target:
        prometheus.scrape("myelectricaldata", target)
        scraped = prometheus.wait_scraped("myelectricaldata")
        assert scraped["lastError"] == ""
        found = prometheus.query('{__name__=~"myelectricaldata_.+"}')

    values: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for item in found:
        labels = {k: v for k, v in item["metric"].items() if k not in ("job", "instance")}
        name = labels.pop("__name__")
        values[(name, frozenset(labels.items()))] = float(item["value"][1])
    catalogue = {
        k: v
        for k, v in values.items()
        if not k[0].startswith(("myelectricaldata_export_", "myelectricaldata_state_"))
    }
    expected = expected_samples(snapshot)
    assert len(expected) > 10
    assert catalogue.keys() == expected.keys()
    for key, value in expected.items():
        assert _same(catalogue[key], value), (key, catalogue[key], value)

    def health(name: str, **labels: str) -> float:
        return values[(f"myelectricaldata_export_{name}", frozenset(labels.items()))]

    def newest(dest: str, status: str) -> ExportLog:
        return next(e for e in logs if e.destination == dest and e.status == status)

    success_at = newest("prometheus", "success").finished_at
    assert success_at is not None
    assert health("last_success_timestamp_seconds", destination="prometheus") == (
        success_at.replace(tzinfo=success_at.tzinfo or UTC).timestamp()
    )
    assert health("last_run_success", destination="always_down") == 0
    assert health("failures_total", destination="always_down") == sum(
        1 for e in logs if e.destination == "always_down" and e.status == "failed"
    )
    assert health("records_total", destination="prometheus") == sum(
        e.records for e in logs if e.destination == "prometheus"
    )
