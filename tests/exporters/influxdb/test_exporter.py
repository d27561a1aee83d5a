"""InfluxDB exporter: 1.x against the real server (Debian's influxdb 1.6), 2.x against the strict
in-repo fake (tests/fakes/influxdb2.py).

The whole demo history goes through the export service and is read back with InfluxQL (1.x) or
from the fake (2.x): every point, field value and timestamp, the DST days, nothing new on a second
run, no duplicate on a replay, nothing lost across an outage. Credentials, missing databases,
partial writes and busy servers give errors that say what to fix.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoColor, TempoDay
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EnergyPoint,
    TempoData,
)
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.influxdb.exporter import (
    MAX_LINES,
    InfluxDBConfig,
    InfluxDBExporter,
    ecowatt_lines,
    series_lines,
    tempo_lines,
)
from myelectricaldata.exporters.testing import ExporterContract, Point
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
from tests.fakes.influxdb2 import DEFAULT_TOKEN, FakeInfluxDB2, parse_line
from tests.servers.influxdb import InfluxDBServer

#: Daily consumption, the stream most tests here write.
DAILY = Stream.CONSUMPTION_DAILY

MEASUREMENTS = ("consumption", "production", "max_power", "tempo", "ecowatt")
Key = tuple[str, tuple[tuple[str, str], ...], int]
Rows = dict[Key, dict[str, Any]]


def _s(instant: datetime) -> int:
    return int(instant.timestamp())


def expected_rows(store: Store) -> Rows:
    """Every point a full export of ``store`` must leave: (measurement, tags, time) -> fields."""
    want: Rows = {}
    for point in store_points(store):
        key = (point.kind, tuple(sorted(point.tags.items())), _s(point.at))
        assert key not in want
        want[key] = point.fields
    return want


def influx_rows(server: InfluxDBServer, database: str) -> Rows:
    """Everything the exporter's measurements hold in a 1.x database, keyed like expected_rows."""
    got: Rows = {}
    for measurement in MEASUREMENTS:
        for series in server.series(database, f'SELECT * FROM "{measurement}" GROUP BY *'):
            tags = tuple(sorted((k, v) for k, v in series.get("tags", {}).items() if v))
            names = series["columns"]
            for values in series["values"]:
                fields = {
                    name: float(v) if isinstance(v, int | float) else v
                    for name, v in zip(names[1:], values[1:], strict=True)
                    if v is not None
                }
                got[(measurement, tags, values[0])] = fields
    return got


def fake_rows(fake: FakeInfluxDB2, bucket: str) -> Rows:
    """Everything a bucket of the fake holds, keyed like expected_rows."""
    got: Rows = {}
    for measurement in MEASUREMENTS:
        for row in fake.rows(bucket, measurement):
            ts = row.pop("time")
            tags = {k: row.pop(k) for k in ("pdl", "granularity") if k in row}
            got[(measurement, tuple(sorted(tags.items())), ts)] = row
    return got


def _v1(server: InfluxDBServer, **values: Any) -> dict[str, Any]:
    return {"enabled": True, "url": server.url, "version": 1} | values


def _v2(fake: FakeInfluxDB2, **values: Any) -> dict[str, Any]:
    config = {"enabled": True, "url": fake.url, "version": 2, "org": fake.org}
    return config | {"bucket": "energy", "token": fake.token} | values


def _exporter(values: dict[str, Any]) -> InfluxDBExporter:
    return InfluxDBExporter(InfluxDBConfig.model_validate(values))


def _service(store: Store, config: dict[str, Any] | None = None) -> ExportService:
    """An export service with ``config`` saved for influxdb."""
    return service_for(store, "influxdb", config)


@pytest.fixture(scope="module")
def influxdb2() -> Iterator[FakeInfluxDB2]:
    """The InfluxDB 2.x fake: org ``med``, bucket ``energy`` (infinite) and ``hour`` (1 h)."""
    with FakeInfluxDB2(buckets={"energy": 0, "hour": 3600, "contract": 0}) as fake:
        yield fake


@pytest.fixture(scope="module")
def expected(demo_store: Store) -> Rows:
    """What a full export of the demo store must leave (built once per module)."""
    return expected_rows(demo_store)


@pytest.fixture(scope="module")
def full_export(demo_store: Store, influxdb: InfluxDBServer) -> dict[str, Any]:
    """One full export of the demo history into database ``med`` (created by the exporter)."""
    config = _v1(influxdb, database="med", create_database=True)
    return timed_full_export(demo_store, "influxdb", config)


# -- the contract every exporter passes, on both APIs -------------------------------------------


def influx_points(rows_of: Callable[[str], list[dict[str, Any]]]) -> list[Point]:
    """What a database holds, as the contract's points; ``rows_of(measurement)`` gives the rows
    (tags, fields, ``time`` in epoch seconds)."""
    points: list[Point] = []

    def local_day(row: dict[str, Any]) -> date:
        return datetime.fromtimestamp(row["time"], PARIS).date()

    for direction in ("consumption", "production"):
        for row in rows_of(direction):
            if row["granularity"] == "daily":
                day = Stream(f"{direction}_daily")
                points.append(Point(day, row["pdl"], local_day(row), row["wh"]))
            else:
                at = datetime.fromtimestamp(row["time"], UTC)
                points.append(Point(Stream(f"{direction}_detail"), row["pdl"], at, row["avg_w"]))
    for row in rows_of("max_power"):
        points.append(Point(Stream.MAX_POWER, row["pdl"], local_day(row), row["va"]))
    for row in rows_of("tempo"):
        points.append(Point(Stream.TEMPO, None, local_day(row), row["color"]))
    for row in rows_of("ecowatt"):
        if row["granularity"] == "day":
            points.append(Point(Stream.ECOWATT, None, local_day(row), row["level"]))
    return points


_INVALID: list[tuple[dict[str, Any], str]] = [
    ({"url": "ftp://127.0.0.1:8086"}, "url"),
    ({"tags": {"pdl": "x"}}, "tags"),
    ({"tags": "home"}, "tags"),
    ({"measurement_prefix": "a b"}, "measurement_prefix"),
    ({"version": 3}, "version"),
]


class TestInfluxDB1Contract(ExporterContract):
    """InfluxDB 1.6, a database of its own per check."""

    exporter_class = InfluxDBExporter
    server: InfluxDBServer
    database: str

    @pytest.fixture
    def config(self, influxdb: InfluxDBServer) -> dict[str, Any]:
        self.server, self.database = influxdb, f"contract_{uuid.uuid4().hex[:12]}"
        influxdb.create_database(self.database)
        return _v1(influxdb, database=self.database)

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{free_port()}"
        return {
            "enabled": True,
            "url": url,
            "username": "u",
            "password": "s3cr3t-pw-42",
            "token": "tok-unused-1234",
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return _INVALID

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        def rows_of(measurement: str) -> list[dict[str, Any]]:
            return self.server.select(self.database, f'SELECT * FROM "{measurement}"')

        return await asyncio.to_thread(influx_points, rows_of)


class TestInfluxDB2Contract(ExporterContract):
    """The InfluxDB 2.x fake, its ``contract`` bucket emptied for each check."""

    exporter_class = InfluxDBExporter
    fake: FakeInfluxDB2

    @pytest.fixture
    def config(self, influxdb2: FakeInfluxDB2) -> dict[str, Any]:
        self.fake = influxdb2
        influxdb2.clear()
        return _v2(influxdb2, bucket="contract")

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{free_port()}"
        return {
            "enabled": True,
            "url": url,
            "version": 2,
            "org": "o",
            "token": "s3cr3t-token-42",
            "password": "s3cr3t-pw-42",
        }

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [*_INVALID, ({"enabled": True, "version": 2, "org": ""}, "org")]

    async def read_back(self, config: dict[str, Any]) -> list[Point]:
        return influx_points(lambda measurement: self.fake.rows("contract", measurement))


# -- 1.x: full history, read back ---------------------------------------------------------------


def test_full_export_holds_every_point_with_exact_values_and_timestamps(
    full_export: dict[str, Any], expected: Rows, influxdb: InfluxDBServer
) -> None:
    log = full_export["log"]
    assert log.status == "success", log.error
    want = expected
    got = influx_rows(influxdb, "med")
    assert set(got) == set(want)
    for key, fields in want.items():
        assert got[key] == fields, key
    assert log.records == log.records_total > 105_000


def test_dst_days_hold_50_and_46_half_hours(
    full_export: dict[str, Any], influxdb: InfluxDBServer
) -> None:
    for day, slots in ((date(2024, 10, 27), 50), (date(2025, 3, 30), 46), (date(2024, 3, 31), 46)):
        start, end = _s(local_midnight(day)), _s(local_midnight(day + timedelta(days=1)))
        rows = influxdb.select(
            "med",
            "SELECT COUNT(avg_w) FROM consumption WHERE granularity = 'load_curve' "
            f"AND pdl = '{PDLS[1]}' AND time >= {start}s AND time < {end}s",
        )
        assert rows[0]["count"] == slots, day


def test_fields_are_floats_so_no_type_conflict_can_arise(
    full_export: dict[str, Any], influxdb: InfluxDBServer
) -> None:
    kinds = {
        (row["fieldKey"], row["fieldType"])
        for measurement in MEASUREMENTS
        for row in influxdb.select("med", f'SHOW FIELD KEYS FROM "{measurement}"')
    }
    assert {k for k, kind in kinds if kind != "float"} == {"quality", "at", "color", "message"}


def _stored(store: Store, direction: str) -> int:
    """Points of one direction in the store: every load-curve interval and every day."""
    return store.count_rows("load_curve", direction=direction) + store.count_rows(
        "daily_energy", direction=direction
    )


def test_second_run_sends_nothing_and_changes_nothing(
    full_export: dict[str, Any], demo_store: Store, influxdb: InfluxDBServer
) -> None:
    service = _service(demo_store, _v1(influxdb, database="med"))
    log = asyncio.run(service.run("influxdb"))
    assert log.status == "success", log.error
    assert log.records == 0
    assert influxdb.count("med", "consumption", "wh") == _stored(demo_store, "consumption")


def test_export_again_from_a_date_overwrites_without_duplicating(
    full_export: dict[str, Any], demo_store: Store, influxdb: InfluxDBServer
) -> None:
    service = _service(demo_store, _v1(influxdb, database="med"))
    log = asyncio.run(service.run("influxdb", since=date(2025, 10, 1)))
    assert log.status == "success", log.error
    assert log.records > 2_000
    assert influxdb.count("med", "consumption", "wh") == _stored(demo_store, "consumption")
    assert influxdb.count("med", "production", "avg_w") == demo_store.count_rows(
        "load_curve", direction="production"
    )


def test_outage_mid_export_is_logged_and_the_next_run_completes_the_data_set(
    demo_store: Store, expected: Rows, influxdb: InfluxDBServer
) -> None:
    influxdb.create_database("outage")
    config = _v1(influxdb, database="outage")
    run_through_outage(demo_store, "influxdb", config, influxdb, "cannot reach InfluxDB")
    assert influx_rows(influxdb, "outage") == expected


# -- 1.x: corrections, errors that name the fix -------------------------------------------------


async def test_a_correction_overwrites_value_and_quality(influxdb: InfluxDBServer) -> None:
    influxdb.create_database("fix")
    exporter = _exporter(_v1(influxdb, database="fix"))
    pdl = "09999000000077"
    try:
        assert (
            await exporter.export_consumption(
                ConsumptionData(pdl, DAILY, _days([10.0, 20.0, 30.0], "BRUT"))
            )
        ).success
        fixed = _days([21.5], "CORRIGE", first=date(2024, 1, 2))
        result = await exporter.export_consumption(ConsumptionData(pdl, DAILY, fixed))
        assert result.success, result.error
        tempo = [TempoDay(date(2024, 1, 9), TempoColor.WHITE)]
        assert (await exporter.export_tempo(TempoData(tempo))).success
        tempo = [TempoDay(date(2024, 1, 9), TempoColor.RED)]
        assert (await exporter.export_tempo(TempoData(tempo))).success
    finally:
        await exporter.aclose()
    rows = influxdb.select("fix", "SELECT wh, quality FROM consumption")
    assert [(r["wh"], r["quality"]) for r in rows] == [
        (10, "BRUT"),
        (21.5, "CORRIGE"),
        (30, "BRUT"),
    ]
    (tempo_row,) = influxdb.select("fix", "SELECT * FROM tempo")
    assert (tempo_row["color"], tempo_row["code"]) == ("RED", 3)
    assert datetime.fromtimestamp(tempo_row["time"], UTC).astimezone(PARIS).hour == 6


async def test_a_missing_database_is_an_error_naming_create_database(
    influxdb: InfluxDBServer,
) -> None:
    exporter = _exporter(_v1(influxdb, database="nowhere"))
    try:
        result = await exporter.export_consumption(
            ConsumptionData(PDLS[0], DAILY, _days([1.0], "BRUT"))
        )
        probe = await exporter.test_connection()
    finally:
        await exporter.aclose()
    assert not result.success and not result.retryable
    assert 'CREATE DATABASE "nowhere"' in (result.error or "")
    assert not probe.success and "create_database" in (probe.error or "")


async def test_a_field_type_conflict_is_an_error_that_names_the_way_out(
    influxdb: InfluxDBServer,
) -> None:
    influxdb.create_database("conflict")
    # InfluxDB 1.x types a field per shard (a week here): the integer point shares our week.
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{influxdb.url}/write",
            params={"db": "conflict", "precision": "s"},
            content=f"consumption,granularity=daily,pdl={PDLS[0]} wh=1i 1704070000",
        )
    assert answer.status_code == 204
    exporter = _exporter(_v1(influxdb, database="conflict"))
    try:
        result = await exporter.export_consumption(
            ConsumptionData(PDLS[0], DAILY, _days([1.0, 2.0], "BRUT"))
        )
    finally:
        await exporter.aclose()
    assert not result.success
    assert "field type conflict" in (result.error or "")
    assert "measurement_prefix" in (result.error or "")


async def test_history_older_than_the_retention_policy_is_an_error(
    influxdb: InfluxDBServer,
) -> None:
    influxdb.create_database("short")
    influxdb.execute('CREATE RETENTION POLICY "hour" ON "short" DURATION 1h REPLICATION 1 DEFAULT')
    exporter = _exporter(_v1(influxdb, database="short"))
    try:
        result = await exporter.export_consumption(
            ConsumptionData(PDLS[0], DAILY, _days([1.0], "BRUT"))
        )
        wrong_rp = _exporter(_v1(influxdb, database="short", retention_policy="nope"))
        probe = await wrong_rp.test_connection()
        await wrong_rp.aclose()
    finally:
        await exporter.aclose()
    assert not result.success
    assert "partial write" in (result.error or "") and "infinite retention" in (result.error or "")
    assert not probe.success and 'retention policy "nope"' in (probe.error or "")


async def test_credentials_are_checked_and_never_shown(
    demo_store: Store, influxdb_auth: InfluxDBServer
) -> None:
    influxdb_auth.create_database("secure")
    influxdb_auth.execute("CREATE USER writer WITH PASSWORD 'writer-pw-123'")
    influxdb_auth.execute('GRANT WRITE ON "secure" TO writer')
    influxdb_auth.execute("CREATE USER reader WITH PASSWORD 'reader-pw-123'")
    influxdb_auth.execute('GRANT READ ON "secure" TO reader')
    service = _service(demo_store)

    async def probe(**values: Any) -> Any:
        config = InfluxDBConfig.model_validate(
            _v1(influxdb_auth, **({"database": "secure"} | values))
        )
        started = time.monotonic()
        result = await service.test("influxdb", config)
        assert time.monotonic() - started < 10
        return result

    wrong = await probe(username="writer", password="not-the-password")
    assert not wrong.success
    assert "HTTP 401" in (wrong.error or "") and "username and password" in (wrong.error or "")
    assert "not-the-password" not in (wrong.error or "") + wrong.message
    anonymous = await probe()
    assert not anonymous.success and "HTTP 401" in (anonymous.error or "")
    read_only = await probe(username="reader", password="reader-pw-123")
    assert not read_only.success and "HTTP 403" in (read_only.error or "")
    good = await probe(username="writer", password="writer-pw-123")
    assert good.success, good.error
    assert "1.6" in good.message
    not_admin = await probe(
        database="other", username="writer", password="writer-pw-123", create_database=True
    )
    assert not not_admin.success and "could not create database" in (not_admin.error or "")

    exporter = _exporter(
        _v1(influxdb_auth, database="secure", username="writer", password="writer-pw-123")
    )
    try:
        result = await exporter.export_consumption(
            ConsumptionData(PDLS[0], DAILY, _days([1.0, 2.0], "BRUT"))
        )
    finally:
        await exporter.aclose()
    assert result.success, result.error
    assert influxdb_auth.count("secure", "consumption", "wh") == 2


async def test_an_unreachable_host_fails_fast(demo_store: Store) -> None:
    service = _service(demo_store)
    url = f"http://127.0.0.1:{free_port()}"
    config = InfluxDBConfig(enabled=True, url=url, password="pw-unshown")
    started = time.monotonic()
    result = await service.test("influxdb", config)
    assert time.monotonic() - started < 10
    assert not result.success and "cannot reach InfluxDB" in (result.error or "")


# -- 2.x against the fake -----------------------------------------------------------------------


def test_v2_export_through_the_service_writes_every_point(
    demo_store: Store, expected: Rows, influxdb2: FakeInfluxDB2
) -> None:
    # The full two years go to the real 1.x server above; here the service replays the last
    # months (every measurement, DST change of 2025-10-26 included) through the 2.x API.
    influxdb2.clear()
    service = _service(demo_store, _v2(influxdb2))
    since = date(2025, 9, 1)
    log = asyncio.run(service.run("influxdb", since=since))
    assert log.status == "success", log.error
    cutoff = _s(local_midnight(since))
    want = {key: fields for key, fields in expected.items() if key[2] >= cutoff}
    assert fake_rows(influxdb2, "energy") == want
    assert {key[0] for key in want} == set(MEASUREMENTS)
    writes = [r for r in influxdb2.requests if r.path == "/api/v2/write"]
    assert all(r.status == 204 and 0 < r.lines <= MAX_LINES for r in writes)
    assert all(r.params == {"org": "med", "bucket": "energy", "precision": "s"} for r in writes)
    assert all(r.headers["authorization"] == f"Token {DEFAULT_TOKEN}" for r in writes)
    assert sum(r.lines for r in writes) == len(want)


async def test_v2_connection_test_checks_token_org_and_bucket(
    demo_store: Store, influxdb2: FakeInfluxDB2
) -> None:
    service = _service(demo_store)

    async def probe(**values: Any) -> Any:
        return await service.test(
            "influxdb", InfluxDBConfig.model_validate(_v2(influxdb2, **values))
        )

    good = await probe()
    assert good.success, good.error
    assert 'bucket "energy" of org "med"' in good.message
    wrong = await probe(token="wrong-token-value")
    assert (
        not wrong.success and "HTTP 401" in (wrong.error or "") and "token" in (wrong.error or "")
    )
    assert "wrong-token-value" not in (wrong.error or "") + wrong.message
    assert "bucket" in ((await probe(bucket="nope")).error or "")
    assert "organization" in ((await probe(org="nope")).error or "")


async def test_v2_partial_writes_are_errors(influxdb2: FakeInfluxDB2) -> None:
    old = ConsumptionData(PDLS[0], DAILY, _days([1.0], "BRUT"))
    exporter = _exporter(_v2(influxdb2, bucket="hour"))
    try:
        result = await exporter.export_consumption(old)
    finally:
        await exporter.aclose()
    assert not result.success
    assert "HTTP 422" in (result.error or "") and "bucket retention" in (result.error or "")


async def test_v2_busy_server_is_retried_after_retry_after(
    demo_store: Store, influxdb2: FakeInfluxDB2
) -> None:
    exporter = _exporter(_v2(influxdb2))
    influxdb2.fail_next(1, 429, retry_after="7")
    data = ConsumptionData(PDLS[0], DAILY, _days([5.0, 6.0], "BRUT"))
    try:
        busy = await exporter.export_consumption(data)
        again = await exporter.export_consumption(data)
    finally:
        await exporter.aclose()
    # One attempt per call: the wait the server asked for goes back to the export service.
    assert not busy.success and busy.retryable and busy.retry_after == 7.0
    assert "HTTP 429" in (busy.error or "")
    assert again.success, again.error
    # Through the service: failures then success in one run, nothing skipped, and the
    # service waits what the server asked for.
    influxdb2.fail_next(2, 503, retry_after="3")
    service = _service(demo_store, _v2(influxdb2, bucket="contract"))
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    service._sleep = record
    ExportRepo(demo_store).reset_checkpoints("influxdb")
    refused = len([r for r in influxdb2.requests if r.status == 503])
    log = await service.run("influxdb", since=date(2025, 11, 1))
    assert log.status == "success", log.error
    assert log.records == log.records_total > 0
    assert len([r for r in influxdb2.requests if r.status == 503]) == refused + 2
    assert waits and set(waits) == {3.0}  # the wait asked for, before every new attempt


# -- line protocol and configuration ------------------------------------------------------------


def test_lines_escape_tags_and_strings_and_always_write_floats() -> None:
    data = ConsumptionData(
        "09999000000001",
        Stream.CONSUMPTION_DETAIL,
        [
            EnergyPoint(
                datetime(2024, 1, 1, tzinfo=PARIS),
                datetime(2024, 1, 1, 0, 30, tzinfo=PARIS),
                672.0,
                'BR"UT',
                avg_w=1344,
            )
        ],
    )
    (line,) = series_lines(data, "my consumption", {"home": "a b,c=d"})
    assert line == (
        "my\\ consumption,granularity=load_curve,home=a\\ b\\,c\\=d,pdl=09999000000001 "
        'wh=672.0,avg_w=1344.0,quality="BR\\"UT" 1704063600'
    )
    point = parse_line(line)
    assert point.tags == (("granularity", "load_curve"), ("home", "a b,c=d"), ("pdl", data.pdl))
    assert point.fields == {"wh": 672.0, "avg_w": 1344.0, "quality": 'BR"UT'}
    (tempo,) = tempo_lines([TempoDay(date(2024, 1, 9), TempoColor.RED)], "tempo", {})
    assert tempo == 'tempo code=3.0,color="RED" 1704776400'
    eco = list(ecowatt_lines([EcoWattDay(date(2025, 3, 30), 2, (1,) * 24, 'a "b"\nc')], "e", {}))
    assert len(eco) == 1 + 23
    assert eco[0] == 'e,granularity=day level=2.0,message="a \\"b\\" c" 1743289200'


def test_config_reads_documented_environment_variables() -> None:
    v1 = InfluxDBConfig.from_env(
        {
            "INFLUXDB_URL": "http://influx.lan:8086/",
            "INFLUXDB_DB": "linky",
            "INFLUXDB_USERNAME": "med",
            "INFLUXDB_PASSWORD": "pw",
            "INFLUXDB_TAGS": "home=paris",
        }
    )
    config = InfluxDBConfig.model_validate(v1)
    assert (config.version, config.database, config.url) == (1, "linky", "http://influx.lan:8086")
    assert config.tags == {"home": "paris"}
    v2 = InfluxDBConfig.from_env(
        {"INFLUXDB_ORG": "home", "INFLUXDB_BUCKET": "linky", "INFLUXDB_TOKEN": "t"}
    )
    assert InfluxDBConfig.model_validate(v2).version == 2
    assert InfluxDBConfig.model_validate({"version": "2.7"}).version == 2
    assert InfluxDBConfig.secret_fields() == {"password", "token"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"url": "influx:8086"}, "url"),
        ({"enabled": True, "version": 2, "bucket": "b"}, "org"),
        ({"tags": {"pdl": "x"}}, "tags"),
        ({"tags": {"home": "a\\b"}}, "tags"),
        ({"measurement_prefix": "a b"}, "measurement_prefix"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        InfluxDBConfig.model_validate(values)


def test_the_fake_is_strict_like_influxdb_2(influxdb2: FakeInfluxDB2) -> None:
    url = f"{influxdb2.url}/api/v2/write"
    params = {"org": "med", "bucket": "energy", "precision": "s"}
    token = {"Authorization": f"Token {influxdb2.token}"}
    bearer = {"Authorization": f"Bearer {influxdb2.token}"}
    assert httpx.post(url, params=params, headers=bearer, content="m f=1.0 1").status_code == 401
    bad = httpx.post(url, params=params, headers=token, content="m f=1.0 1\nm,t f=1")
    assert bad.status_code == 400 and "missing tag value" in bad.json()["message"]
    empty = httpx.post(url, params=params, headers=token, content="")
    assert empty.status_code == 400 and empty.json()["message"] == "writing requires points"
    assert httpx.post(url, params=params | {"precision": "sec"}, headers=token).status_code == 400
    assert httpx.post(url, params={"bucket": "energy"}, headers=token).status_code == 400
    first = httpx.post(url, params=params, headers=token, content="strict v=1i 1500000000")
    assert first.status_code == 204
    clash = httpx.post(url, params=params, headers=token, content="strict v=2.0 1500000001")
    assert clash.status_code == 422 and "field type conflict" in clash.json()["message"]
