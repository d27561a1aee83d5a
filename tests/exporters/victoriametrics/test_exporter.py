"""VictoriaMetrics exporter against the real server (Debian's victoria-metrics 1.79).

The whole demo history goes through the export service into VictoriaMetrics and is read back with
``/api/v1/export``: every point, value and timestamp, the DST days, no duplicate after a second
run or a replay, nothing lost across an outage. Corrections (a new value, BRUT -> CORRIGE) leave
one sample per timestamp; samples VictoriaMetrics drops behind a 204 are reported as errors.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import PARIS, ecowatt_hours, local_midnight
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoColor, TempoDay
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ExportResult,
    ProductionData,
    TempoData,
)
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.testing import ExporterContract, Point, daily_points
from myelectricaldata.exporters.victoriametrics.checks import VictoriaMetricsError
from myelectricaldata.exporters.victoriametrics.config import VictoriaMetricsConfig
from myelectricaldata.exporters.victoriametrics.exporter import VictoriaMetricsExporter
from myelectricaldata.exporters.victoriametrics.samples import (
    CONSUMPTION_WH,
    ECOWATT_LEVEL,
    MAX_POWER_VA,
    POWER_W,
    PRODUCTION_WH,
    TEMPO_COLOR,
    fresh_selector,
    plan_write,
    selector,
)
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.conftest import free_port
from tests.exporters.helpers import (
    PDLS,
    run_through_outage,
    service_for,
    store_points,
    timed_full_export,
)
from tests.exporters.helpers import days as _days
from tests.servers.victoriametrics import VictoriaMetricsServer

#: Daily consumption, the stream most tests here write.
DAILY = Stream.CONSUMPTION_DAILY

ALL = '{__name__=~"myelectricaldata_.+",test=""}'
Series = dict[tuple[tuple[str, str], ...], dict[int, float]]


def _ms(instant: datetime) -> int:
    return int(instant.timestamp()) * 1000


def _key(name: str, **labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({**labels, "__name__": name}.items()))


def expected_series(store: Store, **extra: str) -> Series:
    """What VictoriaMetrics must hold after a full export of ``store``, built from the store."""
    want: Series = {}

    def put(key: tuple[tuple[str, str], ...], ts: int, value: float) -> None:
        slot = want.setdefault(key, {})
        assert ts not in slot
        slot[ts] = float(value)

    energy = {"consumption": CONSUMPTION_WH, "production": PRODUCTION_WH}
    for point in store_points(store):
        ts, fields = _ms(point.at), point.fields
        if point.kind in energy:
            labels = {**point.tags, "quality": fields["quality"]}
            put(_key(energy[point.kind], **labels, **extra), ts, fields["wh"])
            if "avg_w" in fields:
                power = _key(POWER_W, **labels, direction=point.kind, **extra)
                put(power, ts, fields["avg_w"])
        elif point.kind == "max_power":
            put(
                _key(MAX_POWER_VA, **point.tags, quality=fields["quality"], **extra),
                ts,
                fields["va"],
            )
        elif point.kind == "tempo":
            put(_key(TEMPO_COLOR, color=fields["color"], **extra), ts, fields["code"])
        else:
            put(_key(ECOWATT_LEVEL, **point.tags, **extra), ts, fields["level"])
    return want


def _config(server: VictoriaMetricsServer, **values: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"enabled": True, "url": server.url}
    if server.username:
        config |= {"username": server.username, "password": server.password}
    return config | values


def _exporter(server: VictoriaMetricsServer, **values: Any) -> VictoriaMetricsExporter:
    return VictoriaMetricsExporter(VictoriaMetricsConfig.model_validate(_config(server, **values)))


def _count(series: Series) -> int:
    return sum(len(samples) for samples in series.values())


def _service(store: Store, config: dict[str, Any] | None = None) -> ExportService:
    """An export service with ``config`` saved for victoriametrics."""
    return service_for(store, "victoriametrics", config)


@pytest.fixture(scope="module")
def expected(demo_store: Store) -> Series:
    """What a full export of the demo store must leave (built once per module)."""
    return expected_series(demo_store)


@pytest.fixture(scope="module")
def full_export(demo_store: Store, victoriametrics: VictoriaMetricsServer) -> dict[str, Any]:
    """One full export of the demo history through the export service (run once per module)."""
    return timed_full_export(demo_store, "victoriametrics", _config(victoriametrics))


# -- the contract every exporter passes ---------------------------------------------------------


class TestVictoriaMetricsContract(ExporterContract):
    """Each check writes series of its own (an extra ``test`` label) and reads them back raw."""

    exporter_class = VictoriaMetricsExporter
    server: VictoriaMetricsServer
    run: str

    @pytest.fixture
    def config(self, victoriametrics: VictoriaMetricsServer) -> dict[str, Any]:
        self.server, self.run = victoriametrics, f"contract{uuid.uuid4().hex[:12]}"
        return _config(victoriametrics, extra_labels={"test": self.run})

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{free_port()}"
        return {
            "enabled": True,
            "url": url,
            "username": "u",
            "password": "s3cr3t-pw-42",
            "token": "tok-vmauth-1234",
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"url": "ftp://127.0.0.1:8428"}, "url"),
            ({"url": "http://me:pw@127.0.0.1:8428"}, "url"),
            ({"extra_labels": {"pdl": "x"}}, "extra_labels"),
            ({"extra_labels": "home"}, "extra_labels"),
        ]

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        found = await asyncio.to_thread(
            self.server.export, f'{{__name__=~"myelectricaldata_.+",test="{self.run}"}}'
        )
        return [point for item in found for point in vm_points(item)]


#: Metric name -> the stream of its daily / load-curve samples.
_VM_STREAMS = {
    CONSUMPTION_WH: Stream.CONSUMPTION_DAILY,
    PRODUCTION_WH: Stream.PRODUCTION_DAILY,
    MAX_POWER_VA: Stream.MAX_POWER,
}
_CODES = {1: "BLUE", 2: "WHITE", 3: "RED"}


def vm_points(item: dict[str, Any]) -> list[Point]:
    """One exported series as the contract's points (the load curve's power in W; energy
    samples of the load curve are its Wh, which the power already says)."""
    labels = item["metric"]
    name, granularity = labels["__name__"], labels.get("granularity")
    samples = zip(item["timestamps"], item["values"], strict=True)
    stamps = [(datetime.fromtimestamp(ts / 1000, UTC), value) for ts, value in samples]
    pdl = labels.get("pdl")
    if name == POWER_W:
        detail = Stream(f"{labels['direction']}_detail")
        return [Point(detail, pdl, at, value) for at, value in stamps]
    if name in _VM_STREAMS and granularity in ("daily", None):
        day = _VM_STREAMS[name]
        return [Point(day, pdl, at.astimezone(PARIS).date(), value) for at, value in stamps]
    if name == TEMPO_COLOR:
        return [
            Point(Stream.TEMPO, None, at.astimezone(PARIS).date(), _CODES[int(value)])
            for at, value in stamps
        ]
    if name == ECOWATT_LEVEL and granularity == "day":
        local = [(at.astimezone(PARIS).date(), value) for at, value in stamps]
        return [Point(Stream.ECOWATT, None, day, value) for day, value in local]
    return []  # the load curve's Wh samples, EcoWatt's hourly levels


# -- full history, read back --------------------------------------------------------------------


def test_full_export_holds_every_point_with_exact_values_and_timestamps(
    full_export: dict[str, Any],
    expected: Series,
    victoriametrics: VictoriaMetricsServer,
    demo_store: Store,
) -> None:
    log = full_export["log"]
    assert log.status == "success", log.error
    want = expected
    got = victoriametrics.series(ALL)
    assert set(got) == set(want)
    for key, samples in want.items():
        assert got[key] == samples, key
    # Every load-curve interval of the store (3 curves of two years) is a power sample.
    curves = demo_store.count_rows("load_curve")
    assert curves > 3 * 35_000
    assert sum(len(s) for k, s in want.items() if dict(k)["__name__"] == POWER_W) == curves
    assert log.records == log.records_total > curves


def test_dst_days_hold_50_and_46_half_hours(
    full_export: dict[str, Any], victoriametrics: VictoriaMetricsServer
) -> None:
    for day, slots in ((date(2024, 10, 27), 50), (date(2025, 3, 30), 46), (date(2024, 3, 31), 46)):
        start = local_midnight(day).timestamp()
        end = local_midnight(day + timedelta(days=1)).timestamp() - 1
        match = f'{{__name__="{POWER_W}",pdl="{PDLS[0]}",test=""}}'
        (series,) = victoriametrics.series(match, start=start, end=end).values()
        assert len(series) == slots, day
        stamps = sorted(series)
        assert all(b - a == 1_800_000 for a, b in itertools.pairwise(stamps))


def test_second_run_sends_nothing_and_stores_no_duplicate(
    full_export: dict[str, Any],
    demo_store: Store,
    expected: Series,
    victoriametrics: VictoriaMetricsServer,
) -> None:
    before = victoriametrics.sample_count(ALL)
    service = _service(demo_store, _config(victoriametrics))
    log = asyncio.run(service.run("victoriametrics"))
    assert log.status == "success", log.error
    assert log.records == 0
    assert victoriametrics.sample_count(ALL) == before == _count(expected)


def test_export_again_from_a_date_resends_without_duplicating(
    full_export: dict[str, Any],
    demo_store: Store,
    expected: Series,
    victoriametrics: VictoriaMetricsServer,
) -> None:
    service = _service(demo_store, _config(victoriametrics))
    log = asyncio.run(service.run("victoriametrics", since=date(2025, 10, 1)))
    assert log.status == "success", log.error
    assert log.records > 2_000
    assert victoriametrics.sample_count(ALL) == _count(expected)


def test_outage_mid_export_is_logged_and_the_next_run_completes_the_data_set(
    demo_store: Store, expected: Series, victoriametrics: VictoriaMetricsServer
) -> None:
    config = _config(victoriametrics, extra_labels={"test": "outage"})
    run_through_outage(
        demo_store, "victoriametrics", config, victoriametrics, "cannot reach VictoriaMetrics"
    )
    want = {tuple(sorted((*key, ("test", "outage")))): samples for key, samples in expected.items()}
    got = victoriametrics.series('{__name__=~"myelectricaldata_.+",test="outage"}')
    assert got == want


# -- corrections --------------------------------------------------------------------------------


async def test_a_corrected_quality_moves_points_to_the_new_series_without_duplicates(
    victoriametrics: VictoriaMetricsServer,
) -> None:
    pdl, labels = "09999000000077", {"test": "quality"}
    exporter = _exporter(victoriametrics, extra_labels=labels)
    try:
        first = await exporter.export_consumption(
            ConsumptionData(pdl, DAILY, _days([10.0, 20.0, 30.0, 40.0, 50.0], "BRUT"))
        )
        assert first.success, first.error
        fixed = _days([21.0, 30.0], "CORRIGE", first=date(2024, 1, 2))
        second = await exporter.export_consumption(ConsumptionData(pdl, DAILY, fixed))
        assert second.success, second.error
    finally:
        await exporter.aclose()
    got = victoriametrics.series(f'{{__name__="{CONSUMPTION_WH}",test="quality"}}')
    day = [_ms(local_midnight(date(2024, 1, 1) + timedelta(days=i))) for i in range(5)]
    base = {"pdl": pdl, "granularity": "daily", **labels}
    assert got == {
        _key(CONSUMPTION_WH, quality="BRUT", **base): {day[0]: 10.0, day[3]: 40.0, day[4]: 50.0},
        _key(CONSUMPTION_WH, quality="CORRIGE", **base): {day[1]: 21.0, day[2]: 30.0},
    }


async def test_a_changed_value_replaces_the_stored_one(
    victoriametrics: VictoriaMetricsServer,
) -> None:
    # VictoriaMetrics 1.79 with dedup keeps an arbitrary one of two samples at one timestamp:
    # the exporter must delete and re-import, and keep the other samples of the series.
    pdl, labels = "09999000000078", {"test": "value"}
    exporter = _exporter(victoriametrics, extra_labels=labels)
    points = _days([100.0, 200.0, 300.0], "BRUT")
    try:
        assert (await exporter.export_consumption(ConsumptionData(pdl, DAILY, points))).success
        changed = _days([1.0], "BRUT", first=date(2024, 1, 2))
        result = await exporter.export_consumption(ConsumptionData(pdl, DAILY, changed))
        assert result.success, result.error
    finally:
        await exporter.aclose()
    (series,) = victoriametrics.series(f'{{__name__="{CONSUMPTION_WH}",test="value"}}').values()
    assert sorted(series.values()) == [1.0, 100.0, 300.0]


async def test_a_changed_tempo_colour_leaves_one_colour_per_day(
    victoriametrics: VictoriaMetricsServer,
) -> None:
    exporter = _exporter(victoriametrics, extra_labels={"test": "tempo"})
    days = [
        TempoDay(date(2024, 1, 8), TempoColor.BLUE),
        TempoDay(date(2024, 1, 9), TempoColor.WHITE),
    ]
    try:
        assert (await exporter.export_tempo(TempoData(days))).success
        fixed = await exporter.export_tempo(TempoData([TempoDay(date(2024, 1, 9), TempoColor.RED)]))
        assert fixed.success, fixed.error
    finally:
        await exporter.aclose()
    got = victoriametrics.series(f'{{__name__="{TEMPO_COLOR}",test="tempo"}}')
    at = [_ms(tempo_instant(date(2024, 1, d))) for d in (8, 9)]
    assert got == {
        _key(TEMPO_COLOR, color="BLUE", test="tempo"): {at[0]: 1.0},
        _key(TEMPO_COLOR, color="RED", test="tempo"): {at[1]: 3.0},
    }
    assert datetime.fromtimestamp(at[0] / 1000, UTC).astimezone(PARIS).hour == 6


async def test_a_failed_import_after_a_correction_keeps_the_rest_of_the_series(
    victoriametrics: VictoriaMetricsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The corrected series is deleted before the import; if the import then fails, the next
    # attempt (the framework retries with the same exporter) must bring its other samples back.
    pdl, labels = "09999000000082", {"test": "restore"}
    exporter = _exporter(victoriametrics, extra_labels=labels)
    real_request = exporter._request
    failures = []

    async def flaky(method: str, path: str, what: str, **kwargs: Any) -> Any:
        if path == "/api/v1/import" and kwargs.get("content") and not failures:
            failures.append(path)
            raise VictoriaMetricsError("injected: VictoriaMetrics went away")
        return await real_request(method, path, what, **kwargs)

    try:
        first = _days([1.0, 2.0, 3.0, 4.0], "BRUT")
        assert (await exporter.export_consumption(ConsumptionData(pdl, DAILY, first))).success
        monkeypatch.setattr(exporter, "_request", flaky)
        fixed = ConsumptionData(pdl, DAILY, _days([2.5], "CORRIGE", date(2024, 1, 2)))
        failed = await exporter.export_consumption(fixed)
        assert not failed.success and "injected" in (failed.error or "")
        retried = await exporter.export_consumption(fixed)
        assert retried.success, retried.error
    finally:
        await exporter.aclose()
    got = victoriametrics.series(f'{{__name__="{CONSUMPTION_WH}",test="restore"}}')
    assert sorted(v for series in got.values() for v in series.values()) == [1.0, 2.5, 3.0, 4.0]
    assert len(got) == 2


async def test_a_batch_mixing_qualities_keeps_each_point_once(
    victoriametrics: VictoriaMetricsServer,
) -> None:
    pdl = "09999000000083"
    exporter = _exporter(victoriametrics, extra_labels={"test": "mixed"})
    try:
        brut = _days([1.0, 2.0, 3.0], "BRUT")
        assert (await exporter.export_consumption(ConsumptionData(pdl, DAILY, brut))).success
        mixed = [brut[0], _days([2.0], "CORRIGE", date(2024, 1, 2))[0], brut[2]]
        result = await exporter.export_consumption(ConsumptionData(pdl, DAILY, mixed))
        assert result.success, result.error
    finally:
        await exporter.aclose()
    got = victoriametrics.series(f'{{__name__="{CONSUMPTION_WH}",test="mixed"}}')
    by_quality = {dict(k)["quality"]: sorted(v.values()) for k, v in got.items()}
    assert by_quality == {"BRUT": [1.0, 3.0], "CORRIGE": [2.0]}


async def test_series_created_after_a_lookup_of_their_selector_are_verified_at_once(
    victoriametrics: VictoriaMetricsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # VictoriaMetrics caches which series a selector matches over a day range. When its
    # background flusher (every second) indexes a new series before /internal/force_flush does,
    # that cache is dropped only by a 10-second ticker: a lookup made before the import, repeated
    # after it, misses the new series even after force_flush. The exporter's read-back before
    # the import was such a lookup, and its count then found nothing ("holds more samples than
    # were written", flaky). Here the plain selectors are also looked up beforehand (as Grafana
    # would), and each import is left 2 s to the background flusher before the exporter flushes.
    pdl, labels = "09999000000085", {"test": "cache"}
    ident = selector(_key(CONSUMPTION_WH, pdl=pdl, granularity="daily", **labels))
    exporter = _exporter(victoriametrics, extra_labels=labels)
    real_request = exporter._request

    async def import_then_wait(method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = await real_request(method, path, what, **kwargs)
        if path == "/api/v1/import" and kwargs.get("content"):
            await asyncio.sleep(2)
        return response

    def look_up(points: list[EnergyPoint]) -> None:
        params = {
            "match[]": ident,
            "start": str(points[0].start.timestamp()),
            "end": str(points[-1].start.timestamp()),
        }
        httpx.get(f"{victoriametrics.url}/api/v1/export", params=params).raise_for_status()

    monkeypatch.setattr(exporter, "_request", import_then_wait)
    brut = _days([1.0, 2.0, 3.0], "BRUT", date(2024, 2, 1))
    corrige = _days([4.0, 5.0], "CORRIGE", date(2024, 2, 4))  # a new series of the same point
    try:
        for points in (brut, corrige):
            look_up(points)
            result = await exporter.export_consumption(ConsumptionData(pdl, DAILY, points))
            assert result.success, result.error
    finally:
        await exporter.aclose()
    got = victoriametrics.series(f'{{__name__="{CONSUMPTION_WH}",test="cache"}}')
    by_quality = {dict(k)["quality"]: sorted(v.values()) for k, v in got.items()}
    assert by_quality == {"BRUT": [1.0, 2.0, 3.0], "CORRIGE": [4.0, 5.0]}


async def _export_sent_twice(
    server: VictoriaMetricsServer,
    pdl: str,
    points: list[EnergyPoint],
    monkeypatch: pytest.MonkeyPatch,
) -> ExportResult:
    """Export with every import sent twice, as when the answer to the first one was lost."""
    exporter = _exporter(server, extra_labels={"test": "twice"})
    real_request = exporter._request

    async def twice(method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = await real_request(method, path, what, **kwargs)
        if path == "/api/v1/import" and kwargs.get("content"):
            response = await real_request(method, path, what, **kwargs)
        return response

    monkeypatch.setattr(exporter, "_request", twice)
    try:
        return await exporter.export_consumption(ConsumptionData(pdl, DAILY, points))
    finally:
        await exporter.aclose()


async def test_a_sample_stored_twice_passes_with_dedup_and_is_refused_without(
    victoriametrics: VictoriaMetricsServer,
    victoriametrics_default: VictoriaMetricsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With -dedup.minScrapeInterval=1ms VictoriaMetrics answers queries and exports with one
    # sample per timestamp at once (before any background merge): the copy is harmless and the
    # batch succeeds. Without it both copies stay and every sum counts them twice: refused, with
    # the flag to set (retrying can't remove them).
    today = datetime.now(UTC).astimezone(PARIS).date()  # inside the default 1-month retention
    points = _days([1.0, 2.0, 3.0], "BRUT", first=today - timedelta(days=5))
    deduplicated = await _export_sent_twice(victoriametrics, "09999000000086", points, monkeypatch)
    assert deduplicated.success, deduplicated.error
    (kept,) = victoriametrics.series('{pdl="09999000000086",test="twice"}').values()
    assert kept == {_ms(p.start): p.value for p in points}

    doubled = await _export_sent_twice(
        victoriametrics_default, "09999000000087", points, monkeypatch
    )
    assert not doubled.success and not doubled.retryable
    assert "3 stored twice" in (doubled.error or "")
    assert "-dedup.minScrapeInterval=1ms" in (doubled.error or "")
    assert victoriametrics_default.sample_count('{pdl="09999000000087",test="twice"}') == 6


async def test_without_force_flush_the_exporter_waits_for_the_samples(
    victoriametrics: VictoriaMetricsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # -forceFlushAuthKey, or a proxy, refuses /internal/force_flush: VictoriaMetrics 1.79 makes
    # historical samples searchable about 10 s later, and the exporter must wait, not fail. The
    # test's "sleep" lets that time pass at once: it flushes the server itself.
    exporter = _exporter(victoriametrics, extra_labels={"test": "noflush"})
    real_request = exporter._request
    refused: list[str] = []
    waits: list[float] = []

    async def time_passes(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.to_thread(victoriametrics.flush)

    exporter._sleep = time_passes

    async def no_flush(method: str, path: str, what: str, **kwargs: Any) -> Any:
        if path == "/internal/force_flush":
            refused.append(path)
            raise VictoriaMetricsError("refused (HTTP 401)", 401)
        return await real_request(method, path, what, **kwargs)

    monkeypatch.setattr(exporter, "_request", no_flush)
    data = ConsumptionData("09999000000084", DAILY, _days([1.0, 2.0], "BRUT"))
    try:
        result = await exporter.export_consumption(data)
    finally:
        await exporter.aclose()
    assert result.success, result.error
    assert refused == ["/internal/force_flush"]  # asked once, then never again in this run
    assert waits == [0.5]
    assert victoriametrics.sample_count('{test="noflush"}') == 2


# -- what VictoriaMetrics drops behind a 204 ----------------------------------------------------


async def test_samples_outside_the_retention_are_an_error_naming_the_flag(
    victoriametrics_default: VictoriaMetricsServer,
) -> None:
    exporter = _exporter(victoriametrics_default)
    today = datetime.now(UTC).astimezone(PARIS).date()
    # Four recent days are kept, the same series' days of 2023 are dropped by the 1-month default.
    points = _days([1.0, 2.0], "BRUT", first=date(2023, 3, 1)) + _days(
        [3.0, 4.0, 5.0, 6.0], "BRUT", first=today - timedelta(days=5)
    )
    try:
        result = await exporter.export_consumption(ConsumptionData("09999000000079", DAILY, points))
    finally:
        await exporter.aclose()
    assert not result.success and not result.retryable  # retrying can't bring them back
    assert "2 of 6 samples are missing" in (result.error or "")
    assert "-retentionPeriod=100y" in (result.error or "")
    assert victoriametrics_default.password not in (result.error or "")


def test_the_service_logs_dropped_rows_as_a_failed_run(
    demo_store: Store, victoriametrics_default: VictoriaMetricsServer
) -> None:
    service = _service(demo_store, _config(victoriametrics_default))
    ExportRepo(demo_store).reset_checkpoints("victoriametrics")
    log = asyncio.run(service.run("victoriametrics"))
    assert log.status == "failed"
    assert log.records == 0
    assert "not retried" in (log.error or "")
    assert "-retentionPeriod" in (log.error or "")
    ExportRepo(demo_store).reset_checkpoints("victoriametrics")


async def test_identical_resend_is_skipped_even_without_dedup(
    victoriametrics_default: VictoriaMetricsServer,
) -> None:
    # This server runs without -dedup.minScrapeInterval: a blind re-send would store duplicates.
    today = datetime.now(UTC).astimezone(PARIS).date()
    points = _days([7.0, 8.0, 9.0], "BRUT", first=today - timedelta(days=4))
    data = ConsumptionData("09999000000080", DAILY, points)
    for _ in range(3):
        exporter = _exporter(victoriametrics_default)
        try:
            result = await exporter.export_consumption(data)
        finally:
            await exporter.aclose()
        assert result.success, result.error
    assert victoriametrics_default.sample_count('{pdl="09999000000080"}') == 3


async def test_forecasts_beyond_two_days_are_left_out_not_failed(
    victoriametrics: VictoriaMetricsServer,
) -> None:
    today = datetime.now(UTC).astimezone(PARIS).date()
    days = [EcoWattDay(today + timedelta(days=i), 1 + i % 3, tuple([i % 4] * 24)) for i in range(4)]
    exporter = _exporter(victoriametrics, extra_labels={"test": "future"})
    try:
        result = await exporter.export_ecowatt(EcowattData(days))
    finally:
        await exporter.aclose()
    assert result.success, result.error
    got = victoriametrics.series(f'{{__name__="{ECOWATT_LEVEL}",test="future"}}', end=4102444800)
    hours = got[_key(ECOWATT_LEVEL, granularity="hour", test="future")]
    limit = (datetime.now(UTC) + timedelta(days=2)).timestamp() * 1000
    assert all(ts <= limit for ts in hours)
    assert len(hours) >= 24  # today at least
    assert _ms(local_midnight(today)) in got[_key(ECOWATT_LEVEL, granularity="day", test="future")]


# -- connection test ----------------------------------------------------------------------------


async def test_connection_test_reports_wrong_credentials_without_the_secret(
    demo_store: Store, victoriametrics_default: VictoriaMetricsServer
) -> None:
    service = _service(demo_store)
    wrong = VictoriaMetricsConfig.model_validate(
        _config(victoriametrics_default) | {"password": "not-the-password"}
    )
    started = time.monotonic()
    result = await service.test("victoriametrics", wrong)
    assert time.monotonic() - started < 10
    assert not result.success
    assert "HTTP 401" in (result.error or "") and "username/password" in (result.error or "")
    assert "not-the-password" not in (result.error or "") + result.message


async def test_connection_test_warns_about_short_retention_and_missing_dedup(
    demo_store: Store,
    victoriametrics_default: VictoriaMetricsServer,
    victoriametrics: VictoriaMetricsServer,
) -> None:
    service = _service(demo_store)
    ok = await service.test(
        "victoriametrics", VictoriaMetricsConfig.model_validate(_config(victoriametrics_default))
    )
    assert ok.success, ok.error
    assert "-retentionPeriod=100y" in ok.message and "-dedup.minScrapeInterval=1ms" in ok.message
    good = await service.test(
        "victoriametrics", VictoriaMetricsConfig.model_validate(_config(victoriametrics))
    )
    assert good.success and "warning" not in good.message


async def test_connection_test_of_an_unreachable_host_fails_fast(demo_store: Store) -> None:
    service = _service(demo_store)
    config = VictoriaMetricsConfig(enabled=True, url=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    result = await service.test("victoriametrics", config)
    assert time.monotonic() - started < 10
    assert not result.success
    assert "cannot reach VictoriaMetrics" in (result.error or "")


# -- configuration and pure functions -----------------------------------------------------------


def test_config_reads_documented_environment_variables() -> None:
    env = {
        "VICTORIAMETRICS_URL": "http://vm.lan:8428/",
        "VICTORIAMETRICS_USERNAME": "med",
        "VICTORIAMETRICS_PASSWORD": "pw",
        "VICTORIAMETRICS_EXTRA_LABELS": "home=paris, site=a",
    }
    values = VictoriaMetricsConfig.from_env(env)
    assert values is not None
    config = VictoriaMetricsConfig.model_validate(values)
    assert config.url == "http://vm.lan:8428"
    assert config.extra_labels == {"home": "paris", "site": "a"}
    assert VictoriaMetricsConfig.secret_fields() == {"password", "token"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"url": "vm:8428"}, "url"),
        ({"url": "http://user:pw@vm:8428"}, "url"),
        ({"extra_labels": {"pdl": "x"}}, "extra_labels"),
        ({"extra_labels": {"bad-name": "x"}}, "extra_labels"),
        ({"extra_labels": {"home": ""}}, "extra_labels"),
        ({"extra_labels": "home"}, "extra_labels"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        VictoriaMetricsConfig.model_validate(values)


def test_plan_skips_stored_samples_and_rewrites_conflicting_series() -> None:
    brut = _key("m", pdl="1", quality="BRUT")
    corrige = _key("m", pdl="1", quality="CORRIGE")
    other = _key("m", pdl="2", quality="BRUT")
    plan = plan_write(
        {brut: {1: 1.0, 2: 2.0}, corrige: {3: 3.5}},
        {brut: {1: 1.0, 3: 3.0, 4: 4.0}, other: {1: 9.0}},
    )
    assert plan.rewrite == [brut]  # ts 3 moved to CORRIGE: the BRUT series is rewritten
    assert plan.send == {brut: {1: 1.0, 2: 2.0}, corrige: {3: 3.5}}
    assert plan.final == {brut: {1, 2, 4}, corrige: {3}}
    unchanged = plan_write({brut: {1: 1.0}}, {brut: {1: 1.0000000000001}})
    assert unchanged.send == {} and unchanged.rewrite == [] and unchanged.present == 1


def test_selector_quotes_label_values() -> None:
    assert selector([("__name__", "m"), ("home", 'a"b\\c')]) == '{__name__="m",home="a\\"b\\\\c"}'
    # Every read adds an always-true matcher of its own: VictoriaMetrics never saw the selector.
    fresh = fresh_selector([("__name__", "m"), ("pdl", "1")], "ab12")
    assert fresh == '{__name__="m",pdl="1",myelectricaldata_lookup!="ab12"}'


def test_ecowatt_hours_skip_the_missing_spring_hour() -> None:
    assert len(ecowatt_hours(date(2025, 3, 30))) == 23
    assert [h for h, _ in ecowatt_hours(date(2025, 3, 30))][:4] == [0, 1, 3, 4]
    autumn = ecowatt_hours(date(2025, 10, 26))
    assert len(autumn) == 24 and len({at.astimezone(UTC) for _, at in autumn}) == 24


async def test_production_and_bearer_token_reach_the_server(
    victoriametrics: VictoriaMetricsServer,
) -> None:

    # VictoriaMetrics single-node ignores a bearer token when it has no -httpAuth: the header is
    # sent (vmauth checks it) and the write goes through.
    exporter = _exporter(victoriametrics, token="tok-123", extra_labels={"test": "bearer"})
    assert exporter._http().headers["Authorization"] == "Bearer tok-123"
    try:
        result = await exporter.export_production(
            ProductionData("09999000000081", Stream.PRODUCTION_DAILY, daily_points())
        )
    finally:
        await exporter.aclose()
    assert result.success, result.error
    assert victoriametrics.sample_count(f'{{__name__="{PRODUCTION_WH}",test="bearer"}}') == 5
