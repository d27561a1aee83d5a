"""Contract: every answer recorded from the real gateway goes through the client.

Each file of ``gateway_answers/`` (recorded from the gateway's own server code, README there)
must come out as the right readings or the right typed error; and the fake gateway the other
tests use must give answers of the same shape for the same requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from myelectricaldata.domain.types import Direction, TempoColor
from myelectricaldata.sources.base import (
    AccessDenied,
    AuthRefused,
    ChunkFailed,
    MemoryLedger,
    RangeUnavailable,
)
from myelectricaldata.sources.gateway import GatewaySource
from tests.fakes.gateway import FakeGateway, FakePdl
from tests.fakes.recorded import ANSWERS, RecordedGateway, recorded

A, B, OFF = "12345678901234", "98765432109876", "11111111111111"
C, P = Direction.CONSUMPTION, Direction.PRODUCTION
PARIS = ZoneInfo("Europe/Paris")
#: When the answers were recorded.
RECORDED_AT = datetime(2026, 12, 6, 6, 54, tzinfo=UTC)
SECRET = "recorded-secret-0123456789"
Connect = Callable[[], GatewaySource]


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedGateway]:
    gateway = RecordedGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def connect(server: RecordedGateway, ledger: MemoryLedger) -> Callable[[], GatewaySource]:
    """A client of the recorded gateway at the time of the recordings; use ``async with``."""
    return lambda: GatewaySource(
        server.url, SECRET, ledger=ledger, clock=lambda: RECORDED_AT, sleep=_no_sleep
    )


def body(name: str) -> Any:
    return recorded(name)["body"]


def readings_of(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = body(name)["data"]["meter_reading"]["interval_reading"]
    return items


def half_hours(first_day: date, count: int) -> list[datetime]:
    """``count`` consecutive half-hour instants from the local midnight of ``first_day``."""
    start = datetime.combine(first_day, time(0), tzinfo=PARIS).astimezone(UTC)
    return [start + timedelta(minutes=30 * i) for i in range(count)]


def test_every_recorded_answer_has_a_contract_test() -> None:
    text = Path(__file__).read_text(encoding="utf-8")
    covered = set(re.findall(r'"([\w-]+\.json)"', text))
    assert {p.name for p in ANSWERS.glob("*.json")} <= covered


# -- usage points and contracts ---------------------------------------------------------------


async def test_pdl_list_reads_every_offpeak_shape_and_asks_only_the_contract_it_lacks(
    server: RecordedGateway, connect: Connect, ledger: MemoryLedger
) -> None:
    async with connect() as client:
        server.serve({"/pdl": "pdl.json", f"/enedis/contract/{B}": "contract_B_no_activation.json"})
        points = {p.pdl: p for p in await client.usage_points()}
        assert set(points) == {A, B, OFF}
        house = points[A]
        assert house.offpeak is not None and house.offpeak.canonical() == "22:00-06:00"
        assert (house.subscribed_power_kva, house.activation_date) == (9.0, date(2019, 1, 1))
        assert house.is_active and house.pricing_option is not None
        workshop = points[B]
        assert workshop.subscribed_power_kva == 9.0  # from its contract: /pdl says null
        assert workshop.activation_date is None and workshop.has_production
        assert points[OFF].is_active is False
        # A's off-peak hours came from /pdl: no contract call for it, none for the inactive point.
        assert [c.path for c in server.calls] == ["/pdl", f"/enedis/contract/{B}"]
        assert ledger.used(RECORDED_AT.date(), "cached") == 1  # /pdl is not counted


async def test_contract_a_gives_power_offpeak_and_activation(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/contract/{A}": "contract_A.json"})
        point = await client.contract(A)
        assert point.subscribed_power_kva == 9.0
        assert point.offpeak is not None and point.offpeak.canonical() == "22:00-06:00"
        assert point.activation_date == date(2019, 1, 1)


async def test_contract_without_activation_date_leaves_it_unknown(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/contract/{B}": "contract_B_no_activation.json"})
        point = await client.contract(B)
        assert point.activation_date is None and point.subscribed_power_kva == 9.0


# -- readings ---------------------------------------------------------------------------------


async def test_consumption_daily_without_quality_is_unknown_quality(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/consumption/daily/{A}": "consumption_daily_A.json"})
        readings = await client.daily(A, C, date(2026, 11, 20), date(2026, 12, 6))
        items = readings_of("consumption_daily_A.json")
        assert [(r.day.isoformat(), str(r.value_wh)) for r in readings] == [
            (i["date"], i["value"]) for i in items
        ]
        assert readings[-1].day == date(2026, 12, 4)  # stops the day before yesterday
        assert {r.quality for r in readings} == {"UNKNOWN"}


async def test_load_curve_of_a_normal_week_starts_at_local_midnight(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/consumption/detail/{A}": "consumption_detail_A_normal_week.json"})
        points = await client.load_curve(A, C, date(2026, 11, 16), date(2026, 11, 23))
        items = readings_of("consumption_detail_A_normal_week.json")
        assert [p.start for p in points] == half_hours(date(2026, 11, 16), 336)
        assert [p.avg_w for p in points] == [int(i["value"]) for i in items]
        assert {(p.interval_min, p.quality) for p in points} == {(30, "UNKNOWN")}


async def test_spring_dst_week_gives_46_half_hours_with_a_nonexistent_wall_time(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        name = "consumption_detail_A_week_spring_DST_2025.json"
        server.serve({f"/enedis/consumption/detail/{A}": name})
        points = await client.load_curve(A, C, date(2025, 3, 24), date(2025, 3, 31))
        assert "2025-03-30 02:30:00" in {i["date"] for i in readings_of(name)}
        # One unbroken run of half-hours: 6 days of 48, then 46 on the change day.
        assert [p.start for p in points] == half_hours(date(2025, 3, 24), 6 * 48 + 46)
        assert [p.avg_w for p in points] == [int(i["value"]) for i in readings_of(name)]
        change_day = [p for p in points if p.start.astimezone(PARIS).date() == date(2025, 3, 30)]
        assert len(change_day) == 46
        # The point stamped 02:30 is the half-hour 01:30-02:00 winter time (00:30 UTC).
        assert change_day[3].start == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
        assert change_day[4].start == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 03:00 summer time


async def test_autumn_dst_week_gives_50_half_hours_from_repeated_wall_times(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        name = "consumption_detail_A_week_autumn_DST_2025.json"
        server.serve({f"/enedis/consumption/detail/{A}": name})
        points = await client.load_curve(A, C, date(2025, 10, 20), date(2025, 10, 27))
        assert [p.start for p in points] == half_hours(date(2025, 10, 20), 6 * 48 + 50)
        assert [p.avg_w for p in points] == [int(i["value"]) for i in readings_of(name)]
        change_day = [p for p in points if p.start.astimezone(PARIS).date() == date(2025, 10, 26)]
        assert len(change_day) == 50
        offsets = [p.start.astimezone(PARIS).utcoffset() for p in change_day]
        assert offsets.count(timedelta(hours=2)) == 6 and offsets.count(timedelta(hours=1)) == 44


async def test_cached_and_refetched_copies_are_merged_into_one_point_per_instant(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        name = "consumption_detail_A_week_spring_DST_2025_second_call_cached.json"
        server.serve({f"/enedis/consumption/detail/{A}": name})
        points = await client.load_curve(A, C, date(2025, 3, 24), date(2025, 3, 31))
        assert len(readings_of(name)) == 380
        assert [p.start for p in points] == half_hours(date(2025, 3, 24), 6 * 48 + 46)
        first_call = readings_of("consumption_detail_A_week_spring_DST_2025.json")
        assert [p.avg_w for p in points] == [int(i["value"]) for i in first_call]
        assert client.conflicts_merged() == 0  # both copies hold the same values


async def test_production_passes_enedis_quality_through(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve(
            {
                f"/enedis/production/daily/{B}": "production_daily_B.json",
                f"/enedis/production/detail/{B}": "production_detail_B_week.json",
            }
        )
        daily = await client.daily(B, P, date(2026, 11, 20), date(2026, 12, 6))
        items = readings_of("production_daily_B.json")
        assert [(r.day.isoformat(), r.value_wh) for r in daily] == [
            (i["date"], int(i["value"])) for i in items
        ]
        assert {r.quality for r in daily} == {"CORRIGE"}
        curve = await client.load_curve(B, P, date(2026, 11, 16), date(2026, 11, 23))
        assert [p.start for p in curve] == half_hours(date(2026, 11, 16), 336)
        assert {p.quality for p in curve} == {"CORRIGE"}


async def test_max_power_peak_times_are_paris_wall_times(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/power/{A}": "max_power_A.json"})
        readings = await client.max_power(A, date(2026, 11, 20), date(2026, 12, 6))
        items = readings_of("max_power_A.json")
        assert len(readings) == len(items) == 16
        for reading, item in zip(readings, items, strict=True):
            wall = datetime.strptime(item["date"], "%Y-%m-%d %H:%M:%S")
            assert reading.day == wall.date()
            assert reading.at == wall.replace(tzinfo=PARIS).astimezone(UTC)
            assert reading.value_va == int(item["value"]) and reading.quality == "BRUT"


async def test_tempo_is_asked_a_day_earlier_because_the_start_day_is_excluded(
    server: RecordedGateway, connect: Connect, ledger: MemoryLedger
) -> None:
    async with connect() as client:
        server.serve({"/tempo/days": "tempo_days.json"})
        days = await client.tempo(date(2026, 11, 30), date(2026, 12, 8))
        assert server.calls[0].params == {"start_date": "2026-11-29", "end_date": "2026-12-07"}
        items = body("tempo_days.json")["data"]
        assert [(d.day.isoformat(), d.color) for d in days] == [
            (i["date"], TempoColor(i["color"])) for i in items
        ]
        assert (
            ledger.used(RECORDED_AT.date(), "cached")
            == ledger.used(RECORDED_AT.date(), "no_cache")
            == 0
        )  # public route: not counted


async def test_ecowatt_utc_periode_lands_on_its_paris_day(
    server: RecordedGateway, connect: Connect, ledger: MemoryLedger
) -> None:
    async with connect() as client:
        # No history route in this recording: the 404 keeps the forecast alone.
        server.serve({"/ecowatt/forecast": "ecowatt_forecast.json"})
        days = await client.ecowatt()
        items = body("ecowatt_forecast.json")["data"]
        assert items[0]["periode"] == "2026-12-06T23:00:00"
        assert [d.day for d in days] == [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)]
        assert [d.level for d in days] == [i["dvalue"] for i in items]
        assert days[0].generated_at == datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
        assert [c.path for c in server.calls] == ["/ecowatt/forecast", "/ecowatt/history"]
        assert ledger.used(RECORDED_AT.date(), "no_cache") == 1  # the 404 is not counted


# -- errors -----------------------------------------------------------------------------------


async def test_wrong_secret_401_without_envelope_is_auth_refused(
    server: RecordedGateway, connect: Connect, ledger: MemoryLedger
) -> None:
    async with connect() as client:
        server.serve({"/pdl": "err_401_wrong_secret.json"})
        with pytest.raises(AuthRefused, match="MED_CLIENT_SECRET"):
            await client.usage_points()
        assert len(server.calls) == 1


async def test_access_denied_is_that_pdl_only_and_not_counted(
    server: RecordedGateway, connect: Connect, ledger: MemoryLedger
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/consumption/daily/{OFF}": "err_ACCESS_DENIED_inactive_pdl.json"})
        with pytest.raises(AccessDenied) as caught:
            await client.daily(OFF, C, date(2026, 11, 20), date(2026, 12, 6))
        assert caught.value.pdl == OFF and caught.value.code == "ACCESS_DENIED"
        assert "MyElectricalData site" in str(caught.value)
        assert len(server.calls) == 1  # not retried
        assert ledger.used(RECORDED_AT.date(), "cached") == 0


async def test_empty_daily_list_before_activation_is_read_as_the_refusal(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/consumption/daily/{B}": "err_ADAM-ERR0123_daily_B_swallowed.json"})
        with pytest.raises(RangeUnavailable) as caught:
            await client.daily(B, C, date(2025, 5, 20), date(2025, 5, 27))
        assert caught.value.code == "ADAM-ERR0123" and caught.value.presumed
        assert caught.value.time_bound


async def test_activation_refusal_on_the_load_curve_is_a_real_error(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/consumption/detail/{B}": "err_ADAM-ERR0123_detail_B.json"})
        with pytest.raises(RangeUnavailable) as caught:
            await client.load_curve(B, C, date(2025, 5, 20), date(2025, 5, 27))
        assert caught.value.code == "ADAM-ERR0123" and not caught.value.presumed


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (f"/enedis/power/{B}", "err_ADAM-ERR0123_power_B_as_success.json"),
        (f"/enedis/production/daily/{B}", "err_ADAM-ERR0123_production_daily_B_as_success.json"),
    ],
)
async def test_activation_refusal_hidden_in_a_successful_answer_is_detected(
    server: RecordedGateway, connect: Connect, path: str, name: str
) -> None:
    async with connect() as client:
        server.serve({path: name})
        with pytest.raises(RangeUnavailable) as caught:
            if "power" in path:
                await client.max_power(B, date(2025, 5, 20), date(2025, 5, 27))
            else:
                await client.daily(B, P, date(2025, 5, 20), date(2025, 5, 27))
        assert caught.value.code == "ADAM-ERR0123" and not caught.value.presumed


async def test_date_too_old_says_the_oldest_day_served(
    server: RecordedGateway, connect: Connect, ledger: MemoryLedger
) -> None:
    async with connect() as client:
        server.serve({f"/enedis/consumption/daily/{A}": "err_DATE_TOO_OLD_daily.json"})
        with pytest.raises(RangeUnavailable) as caught:
            await client.daily(A, C, date(2023, 12, 5), date(2024, 1, 5))
        assert caught.value.code == "DATE_TOO_OLD"
        assert caught.value.available_from == date(2023, 12, 6)
        assert ledger.used(RECORDED_AT.date(), "cached") == 0


async def test_unknown_route_404_fails_that_call_alone_pointing_at_the_url(
    server: RecordedGateway, connect: Connect
) -> None:
    async with connect() as client:
        server.serve({})  # every path answers err_unknown_route_404.json
        with pytest.raises(ChunkFailed, match="MED_API_URL"):
            await client.max_power(A, date(2026, 11, 20), date(2026, 11, 27))
        assert len(server.calls) == 1


# -- the fake answers like the real gateway -------------------------------------------------


def _format(text: str) -> str:
    patterns = {
        "date": r"\d{4}-\d{2}-\d{2}",
        "date+offset": r"\d{4}-\d{2}-\d{2}[+-]\d{2}:\d{2}",
        "wall": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
        "iso-naive": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?",
        "iso-aware": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "digits": r"\d+",
    }
    return next((name for name, p in patterns.items() if re.fullmatch(p, text)), "text")


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys, JSON types, string formats; list items as a set."""
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", frozenset(shape(v) for v in value))
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return _format(value)
    return "null"


def recording_account() -> list[FakePdl]:
    """The three usage points of the recordings (gateway_answers/README.md)."""
    return [
        FakePdl(
            OFF,
            name="Ancien logement",
            subscribed_power_kva=6,
            offpeak_hours=None,
            pricing_option="BASE",
            is_active=False,
            listed_activation=False,
        ),
        FakePdl(A, name="Maison"),
        FakePdl(
            B,
            activation=date(2025, 6, 1),
            name="Atelier PV",
            subscribed_power_kva=None,
            offpeak_hours=None,
            pricing_option="BASE",
            has_production=True,
            listed_activation=False,
            contract_activation=False,
        ),
    ]


SAME_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("pdl.json", "/pdl", {}),
    ("contract_A.json", f"/enedis/contract/{A}", {"use_cache": "true"}),
    ("contract_B_no_activation.json", f"/enedis/contract/{B}", {"use_cache": "true"}),
    (
        "consumption_daily_A.json",
        f"/enedis/consumption/daily/{A}",
        {"start": "2026-11-20", "end": "2026-12-06", "use_cache": "true"},
    ),
    (
        "consumption_detail_A_normal_week.json",
        f"/enedis/consumption/detail/{A}",
        {"start": "2026-11-16", "end": "2026-11-23", "use_cache": "true"},
    ),
    (
        "consumption_detail_A_week_spring_DST_2025.json",
        f"/enedis/consumption/detail/{A}",
        {"start": "2025-03-24", "end": "2025-03-31", "use_cache": "true"},
    ),
    (
        "consumption_detail_A_week_autumn_DST_2025.json",
        f"/enedis/consumption/detail/{A}",
        {"start": "2025-10-20", "end": "2025-10-27", "use_cache": "true"},
    ),
    (
        "production_daily_B.json",
        f"/enedis/production/daily/{B}",
        {"start": "2026-11-20", "end": "2026-12-06", "use_cache": "true"},
    ),
    (
        "production_detail_B_week.json",
        f"/enedis/production/detail/{B}",
        {"start": "2026-11-16", "end": "2026-11-23", "use_cache": "true"},
    ),
    (
        "max_power_A.json",
        f"/enedis/power/{A}",
        {"start": "2026-11-20", "end": "2026-12-06", "use_cache": "true"},
    ),
    ("tempo_days.json", "/tempo/days", {"start_date": "2026-11-29", "end_date": "2026-12-07"}),
    ("ecowatt_forecast.json", "/ecowatt/forecast", {"days": "4"}),
    (
        "err_ACCESS_DENIED_inactive_pdl.json",
        f"/enedis/consumption/daily/{OFF}",
        {"start": "2026-11-20", "end": "2026-12-06", "use_cache": "true"},
    ),
    (
        "err_ADAM-ERR0123_detail_B.json",
        f"/enedis/consumption/detail/{B}",
        {"start": "2025-05-20", "end": "2025-05-27", "use_cache": "true"},
    ),
    (
        "err_ADAM-ERR0123_power_B_as_success.json",
        f"/enedis/power/{B}",
        {"start": "2025-05-20", "end": "2025-05-27", "use_cache": "true"},
    ),
    (
        "err_ADAM-ERR0123_production_daily_B_as_success.json",
        f"/enedis/production/daily/{B}",
        {"start": "2025-05-20", "end": "2025-05-27", "use_cache": "true"},
    ),
    (
        "err_DATE_TOO_OLD_daily.json",
        f"/enedis/consumption/daily/{A}",
        {"start": "2023-12-05", "end": "2024-12-04", "use_cache": "true"},
    ),
    ("err_unknown_route_404.json", "/enedis/nothing", {}),
]


@pytest.fixture
def account(fake_gateway: FakeGateway) -> FakeGateway:
    fake_gateway.set_pdls(recording_account())
    fake_gateway.now = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # after RTE's publication
    return fake_gateway


def ask(fake: FakeGateway, path: str, params: dict[str, str], secret: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {secret or fake.secret}"}
    return httpx.get(f"{fake.url}{path}", params=params, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("name", "path", "params"), SAME_REQUESTS, ids=[r[0] for r in SAME_REQUESTS]
)
def test_fake_answers_like_the_recorded_gateway(
    account: FakeGateway, name: str, path: str, params: dict[str, str]
) -> None:
    answer = ask(account, path, params)
    expected = recorded(name)
    assert answer.status_code == expected["status"]
    assert shape(answer.json()) == shape(expected["body"])


def test_fake_answers_a_second_call_with_cached_and_refetched_copies(account: FakeGateway) -> None:
    name = "consumption_detail_A_week_spring_DST_2025_second_call_cached.json"
    params = {"start": "2025-03-24", "end": "2025-03-31", "use_cache": "true"}
    ask(account, f"/enedis/consumption/detail/{A}", params)
    answer = ask(account, f"/enedis/consumption/detail/{A}", params)
    assert shape(answer.json()) == shape(body(name))
    dates = [r["date"] for r in answer.json()["data"]["meter_reading"]["interval_reading"]]
    assert dates == [r["date"] for r in readings_of(name)]  # same instants, same order


def test_fake_swallows_the_activation_refusal_on_daily_consumption(account: FakeGateway) -> None:
    name = "err_ADAM-ERR0123_daily_B_swallowed.json"
    params = {"start": "2025-05-20", "end": "2025-05-27", "use_cache": "true"}
    answer = ask(account, f"/enedis/consumption/daily/{B}", params)
    assert shape(answer.json()) == shape(body(name))


def test_fake_refuses_a_wrong_secret_like_the_gateway(account: FakeGateway) -> None:
    answer = ask(account, "/pdl", {}, secret="wrong-secret-000000000")
    expected = recorded("err_401_wrong_secret.json")
    assert (answer.status_code, answer.json()) == (expected["status"], expected["body"])


def test_fake_counts_each_bucket_and_answers_each_quota_refusal_as_the_gateway(
    account: FakeGateway,
) -> None:
    account.quota, account.quota_no_cache = 2, 1
    daily = {"start": "2026-11-20", "end": "2026-12-06"}
    assert ask(account, f"/enedis/power/{A}", daily | {"use_cache": "true"}).json()["success"]
    assert ask(account, f"/enedis/power/{A}", daily | {"use_cache": "true"}).json()["success"]
    spent = ask(account, f"/enedis/power/{A}", daily | {"use_cache": "true"})
    assert spent.status_code == 200 and spent.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    # The 50-call bucket is still open, then spent: EcoWatt answers 429 {"detail"}, no header.
    assert ask(account, "/ecowatt/forecast", {"days": "4"}).status_code == 200
    refused = ask(account, "/ecowatt/forecast", {"days": "4"})
    assert refused.status_code == 429 and set(refused.json()) == {"detail"}
    assert "retry-after" not in refused.headers
    assert ask(account, "/pdl", {}).status_code == 200  # not counted
    assert ask(account, "/tempo/days", {}).status_code == 200  # public, not counted
    assert (account.quota_used(bucket="cached"), account.quota_used(bucket="no_cache")) == (2, 1)


def test_fake_daily_cache_drops_the_day_before_a_boundary_it_holds(account: FakeGateway) -> None:
    newer = {"start": "2026-06-01", "end": "2026-12-01", "use_cache": "true"}
    older = {"start": "2026-01-01", "end": "2026-06-01", "use_cache": "true"}
    path = f"/enedis/consumption/daily/{A}"
    ask(account, path, newer)
    days = [r["date"] for r in ask(account, path, older).json()["data"]["meter_reading"][
        "interval_reading"
    ]]  # fmt: skip
    assert "2026-05-31" not in days and days[0] == "2026-01-01"
    assert "2026-06-01" in days  # the end day, held by the cache, comes too
    again = ask(account, path, {"start": "2026-05-31", "end": "2026-06-01", "use_cache": "true"})
    assert "2026-05-31" not in str(again.json())
    fresh = ask(account, path, {"start": "2026-05-31", "end": "2026-06-01", "use_cache": "false"})
    assert [r["date"] for r in fresh.json()["data"]["meter_reading"]["interval_reading"]] == [
        "2026-05-31"
    ]
    assert account.quota_used(bucket="no_cache") == 1


def test_fake_history_route_serves_todays_ecowatt(account: FakeGateway) -> None:
    today = account.today
    answer = ask(
        account,
        "/ecowatt/history",
        {"start_date": (today - timedelta(days=1)).isoformat(), "end_date": today.isoformat()},
    ).json()
    assert isinstance(answer, list) and len(answer) == 1
    periode = datetime.fromisoformat(answer[0]["periode"]).replace(tzinfo=UTC)
    assert periode.astimezone(PARIS).date() == today
    forecast = ask(account, "/ecowatt/forecast", {"days": "4"}).json()["data"]
    periodes = [datetime.fromisoformat(i["periode"]).replace(tzinfo=UTC) for i in forecast]
    assert today not in {p.astimezone(PARIS).date() for p in periodes}
