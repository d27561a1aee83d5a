"""GatewaySource against the fake gateway over real HTTP (and a few hand-made answers)."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.types import Direction, Origin, PricingOption, Stream, TempoColor
from myelectricaldata.sources.base import (
    AuthRefused,
    GatewayDown,
    MemoryLedger,
    QuotaExhausted,
    RangeUnavailable,
    Source,
)
from myelectricaldata.sources.gateway import (
    GatewayDataError,
    GatewayRejected,
    GatewaySource,
    next_utc_midnight,
    parse_retry_after,
    parse_subscribed_power,
)
from tests.fakes.gateway import Call, FakeGateway, FakePdl
from tests.sources.conftest import SleepRecorder

PDL = "12345678901234"
OTHER = "98765432109876"
C = Direction.CONSUMPTION
MakeSource = Callable[..., GatewaySource]


def _covered(calls: list[Call]) -> list[tuple[date, date]]:
    spans = [
        (date.fromisoformat(c.params["start"]), date.fromisoformat(c.params["end"])) for c in calls
    ]
    return sorted(spans)


def _assert_tiles(spans: list[tuple[date, date]], start: date, end: date, max_days: int) -> None:
    """The spans cover [start, end) exactly: end-exclusive, no gap, no overlap, each <= max."""
    assert spans[0][0] == start
    assert spans[-1][1] == end
    for (_, prev_end), (next_start, _) in itertools.pairwise(spans):
        assert prev_end == next_start
    assert all(0 < (hi - lo).days <= max_days for lo, hi in spans)


# -- happy paths ----------------------------------------------------------------------------------


async def test_daily_returns_readings_and_always_sends_use_cache(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        readings = await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert [r.day for r in readings] == [date(2024, 3, d) for d in range(1, 8)]
    assert readings[0].value_wh == fake_gateway.expected_daily(PDL, date(2024, 3, 1))
    assert {r.quality for r in readings} == {"BRUT"}
    (call,) = fake_gateway.calls
    assert call == Call(
        f"/enedis/consumption/daily/{PDL}",
        {"start": "2024-03-01", "end": "2024-03-08", "use_cache": "true"},
    )


async def test_every_enedis_route_sends_use_cache(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].listed_with_contract = False
    async with make_source() as source:
        await source.usage_points()
        await source.load_curve(PDL, C, date(2024, 3, 1), date(2024, 3, 2))
        await source.max_power(PDL, date(2024, 3, 1), date(2024, 3, 2))
        await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 2))
    enedis = fake_gateway.calls_to("/enedis/")
    assert len(enedis) == 4
    assert all(c.params.get("use_cache") == "true" for c in enedis)


async def test_max_power_gives_value_and_aware_instant(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        readings = await source.max_power(PDL, date(2024, 10, 26), date(2024, 10, 29))
    assert [r.day for r in readings] == [date(2024, 10, 26), date(2024, 10, 27), date(2024, 10, 28)]
    for reading in readings:
        value, at = fake_gateway.expected_max_power(PDL, reading.day)
        assert (reading.value_va, reading.at) == (value, at)
        assert reading.at.tzinfo is not None
    assert fake_gateway.calls[0].path == f"/enedis/power/{PDL}"


async def test_tempo_colours_until_today_before_publication_time(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    today = fake_gateway.today  # 10:00 Paris: tomorrow is not published yet
    async with make_source() as source:
        days = await source.tempo(today - timedelta(days=9), today + timedelta(days=2))
    assert [d.day for d in days] == [today - timedelta(days=i) for i in range(9, -1, -1)]
    assert all(d.color is TempoColor(fake_gateway.expected_tempo(d.day)) for d in days)
    assert all(d.updated_at is not None and d.updated_at.tzinfo is not None for d in days)
    assert fake_gateway.calls[0].params == {
        "start_date": (today - timedelta(days=9)).isoformat(),
        "end_date": (today + timedelta(days=2)).isoformat(),
    }


async def test_tempo_tomorrow_appears_after_publication(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.advance(hours=3)  # 13:00 Paris
    today = fake_gateway.today
    async with make_source() as source:
        days = await source.tempo(today, today + timedelta(days=2))
    assert [d.day for d in days] == [today, today + timedelta(days=1)]


async def test_ecowatt_four_days_parsed(fake_gateway: FakeGateway, make_source: MakeSource) -> None:
    async with make_source() as source:
        days = await source.ecowatt()
    assert [d.day for d in days] == [fake_gateway.today + timedelta(days=i) for i in range(4)]
    for day in days:
        level, hourly = fake_gateway.expected_ecowatt(day.day)
        assert (day.level, list(day.hourly)) == (level, hourly)
        assert day.generated_at == fake_gateway.now
    assert fake_gateway.calls[0] == Call("/ecowatt/forecast", {"days": "4"})


# -- load curve and DST ---------------------------------------------------------------------------


async def test_autumn_dst_day_gives_50_distinct_utc_slots(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    day = date(2024, 10, 27)
    async with make_source() as source:
        points = await source.load_curve(PDL, C, day, day + timedelta(days=1))
    assert len(points) == 50
    assert len({p.start for p in points}) == 50
    assert all(p.start.utcoffset() == timedelta(0) and p.interval_min == 30 for p in points)
    assert [(p.start, p.avg_w) for p in points] == fake_gateway.expected_load_curve(PDL, day)
    steps = {b.start - a.start for a, b in itertools.pairwise(points)}
    assert steps == {timedelta(minutes=30)}
    assert sum(p.energy_wh for p in points) == fake_gateway.expected_daily(PDL, day)


async def test_spring_dst_day_gives_46_slots(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    day = date(2024, 3, 31)
    async with make_source() as source:
        points = await source.load_curve(PDL, C, day, day + timedelta(days=1))
    assert len({p.start for p in points}) == 46
    assert [(p.start, p.avg_w) for p in points] == fake_gateway.expected_load_curve(PDL, day)


async def test_load_curve_over_two_years_is_split_in_week_calls_without_gap_or_overlap(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    end = fake_gateway.today
    start = end.replace(year=end.year - 2)
    async with make_source() as source:
        assert source.max_days(Stream.CONSUMPTION_DETAIL) == 7
        points = await source.load_curve(PDL, C, start, end)
    calls = fake_gateway.calls_to(f"/enedis/consumption/detail/{PDL}")
    assert len(calls) == 105  # 731 days in 7-day calls
    _assert_tiles(_covered(calls), start, end, 7)
    assert len({p.start for p in points}) == len(points)
    assert points[0].start == fake_gateway.expected_load_curve(PDL, start)[0][0]
    assert points == sorted(points, key=lambda p: p.start)


async def test_daily_over_three_years_is_split_in_year_calls_without_gap_or_overlap(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    end = fake_gateway.today
    start = end.replace(year=end.year - 3)
    async with make_source() as source:
        assert source.max_days(Stream.CONSUMPTION_DAILY) == 365
        assert source.max_days(Stream.MAX_POWER) == 365
        readings = await source.daily(PDL, C, start, end)
    calls = fake_gateway.calls_to(f"/enedis/consumption/daily/{PDL}")
    assert len(calls) == 4
    _assert_tiles(_covered(calls), start, end, 365)
    assert [r.day for r in readings] == [
        start + timedelta(days=i) for i in range((end - start).days)
    ]


async def test_empty_range_asks_nothing(fake_gateway: FakeGateway, make_source: MakeSource) -> None:
    async with make_source() as source:
        assert await source.daily(PDL, C, date(2024, 3, 8), date(2024, 3, 8)) == []
        assert await source.load_curve(PDL, C, date(2024, 3, 8), date(2024, 3, 1)) == []
    assert fake_gateway.calls == []


async def test_invalid_pdl_is_refused_before_any_call(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        with pytest.raises(InvalidInput, match="14 digits"):
            await source.daily("1234", C, date(2024, 3, 1), date(2024, 3, 2))
    assert fake_gateway.calls == []


# -- usage points and contract --------------------------------------------------------------------


async def test_usage_points_listed_with_contract_need_one_call(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        (point,) = await source.usage_points()
    assert point.pdl == PDL
    assert point.subscribed_power_kva == 9.0
    assert point.pricing_option is PricingOption.HC_HP
    assert point.offpeak is not None and point.offpeak.canonical() == "22:00-06:00"
    assert point.activation_date == date(2019, 1, 1)
    assert [c.path for c in fake_gateway.calls] == ["/pdl"]


async def test_usage_points_read_the_contract_when_pdl_lacks_power_and_offpeak(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.set_pdls(
        [
            FakePdl(PDL, subscribed_power_kva=6, offpeak_hours="HC (22H30-6H30)"),
            FakePdl(OTHER, subscribed_power_kva=12, offpeak_hours="HC (1H30-8H00;12H30-14H00)"),
        ]
    )
    for point in fake_gateway.pdls.values():
        point.listed_with_contract = False
    async with make_source() as source:
        first, second = await source.usage_points()
    assert (first.pdl, first.subscribed_power_kva) == (PDL, 6.0)
    assert first.offpeak is not None and first.offpeak.canonical() == "22:30-06:30"
    assert (second.pdl, second.subscribed_power_kva) == (OTHER, 12.0)
    assert second.offpeak is not None
    assert second.offpeak.canonical() == "01:30-08:00;12:30-14:00"
    assert second.offpeak.offpeak_minutes == 8 * 60
    assert first.extra["distribution_tariff"] == "BTINFMU4"
    assert sorted(c.path for c in fake_gateway.calls) == [
        f"/enedis/contract/{PDL}",
        f"/enedis/contract/{OTHER}",
        "/pdl",
    ]


async def test_contract_parses_raw_enedis_json(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].offpeak_hours = "HC (1H30-8H00;12H30-14H00)"
    async with make_source() as source:
        point = await source.contract(PDL)
    assert point.subscribed_power_kva == 9.0
    assert point.offpeak is not None
    assert point.offpeak.raw == "HC (1H30-8H00;12H30-14H00)"
    assert point.activation_date == date(2019, 1, 1)
    assert point.extra["contract_status"] == "SERVC"


@pytest.mark.parametrize(
    ("raw", "kva"),
    [(9, 9.0), ("9", 9.0), ("9 kVA", 9.0), ("12KVA", 12.0), ("6000 VA", 6.0), (None, None)],
)
def test_subscribed_power_forms(raw: object, kva: float | None) -> None:
    assert parse_subscribed_power(raw) == kva


# -- envelope errors become typed errors ----------------------------------------------------------


async def test_no_data_is_an_empty_list_not_an_error(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    today = fake_gateway.today
    async with make_source() as source:
        assert await source.daily(PDL, C, today, today + timedelta(days=3)) == []
    assert fake_gateway.call_count() == 1


async def test_enedis_error_is_retried_then_gateway_down_never_empty(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(3, "enedis")
    async with make_source(max_retries=2) as source:
        with pytest.raises(GatewayDown) as caught:
            await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    message = str(caught.value)
    assert "ENEDIS_ERROR" in message and "3 attempts" in message and "next sync" in message
    assert fake_gateway.call_count() == 3
    assert len(sleeps.delays) == 2


async def test_enedis_error_then_recovery(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.fail_next(1, "enedis")
    async with make_source() as source:
        readings = await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert len(readings) == 7
    assert fake_gateway.call_count() == 2


async def test_range_before_activation_is_range_unavailable(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].activation = date(2023, 6, 15)
    async with make_source() as source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.daily(PDL, C, date(2023, 1, 1), date(2023, 2, 1))
    assert caught.value.code == "ADAM-ERR0123"
    assert "activation" in str(caught.value)
    assert fake_gateway.call_count() == 1  # never retried


async def test_activation_known_from_usage_points_gives_available_from(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].activation = date(2023, 6, 15)
    async with make_source() as source:
        await source.usage_points()
        with pytest.raises(RangeUnavailable) as caught:
            await source.load_curve(PDL, C, date(2023, 6, 1), date(2023, 6, 8))
    assert caught.value.available_from == date(2023, 6, 15)


async def test_range_straddling_activation_returns_the_days_after_it(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].activation = date(2023, 6, 15)
    async with make_source() as source:
        await source.usage_points()
        readings = await source.daily(PDL, C, date(2023, 1, 1), date(2024, 3, 1))
    assert readings[0].day == date(2023, 6, 15)
    assert readings[-1].day == date(2024, 2, 29)
    # The newest year is refused (it starts before activation) and asked again from the
    # activation day; the older piece, entirely before activation, is never asked.
    assert _covered(fake_gateway.calls_to("/enedis/")) == [
        (date(2023, 3, 2), date(2024, 3, 1)),
        (date(2023, 6, 15), date(2024, 3, 1)),
    ]


async def test_load_curve_not_enabled_is_range_unavailable_after_one_call(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].load_curve_enabled = False
    async with make_source() as source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.load_curve(PDL, C, date(2024, 1, 1), date(2024, 3, 1))
    assert caught.value.code == "ADAM-ERR0075"
    assert caught.value.available_from is None
    assert "not enabled" in str(caught.value)
    assert fake_gateway.call_count() == 1


async def test_production_on_a_consumer_meter_is_range_unavailable(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.daily(PDL, Direction.PRODUCTION, date(2024, 3, 1), date(2024, 3, 8))
    assert caught.value.code == "ADAM-ERR0069"


async def test_production_meter_serves_production(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].has_production = True
    day = date(2024, 6, 21)
    async with make_source() as source:
        (reading,) = await source.daily(PDL, Direction.PRODUCTION, day, day + timedelta(days=1))
        points = await source.load_curve(PDL, Direction.PRODUCTION, day, day + timedelta(days=1))
    assert reading.value_wh == fake_gateway.expected_daily(PDL, day, "production")
    assert points[0].avg_w == 0  # night: zero is a value, not a gap
    assert len(points) == 48


async def test_date_too_old_is_range_unavailable_with_oldest_day(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.load_curve(PDL, C, date(2022, 1, 1), date(2022, 1, 8))
    assert caught.value.code == "DATE_TOO_OLD"
    assert caught.value.available_from == date(2022, 11, 20)


async def test_unknown_pdl_is_rejected_without_retry(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        with pytest.raises(GatewayRejected) as caught:
            await source.daily(OTHER, C, date(2024, 3, 1), date(2024, 3, 8))
    assert caught.value.code == "PDL_NOT_FOUND"
    assert fake_gateway.call_count() == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [("daily", "value"), ("load_curve", "value"), ("tempo", "color"), ("ecowatt", "dvalue")],
)
async def test_bad_value_is_an_error_naming_the_field(
    fake_gateway: FakeGateway, make_source: MakeSource, call: str, field: str
) -> None:
    fake_gateway.fail_next(1, "bad_value")
    async with make_source() as source:
        with pytest.raises(GatewayDataError) as caught:
            if call == "daily":
                await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
            elif call == "load_curve":
                await source.load_curve(PDL, C, date(2024, 3, 1), date(2024, 3, 2))
            elif call == "tempo":
                await source.tempo(date(2024, 3, 1), date(2024, 3, 8))
            else:
                await source.ecowatt()
    assert caught.value.field == field
    assert field in str(caught.value)
    assert isinstance(caught.value, GatewayDown)


# -- retries --------------------------------------------------------------------------------------


async def test_429_retry_after_seconds_is_honoured(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(2, "429", retry_after="7")
    async with make_source() as source:
        readings = await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert len(readings) == 7
    assert sleeps.delays == [7.0, 7.0]


async def test_503_retry_after_http_date_is_honoured(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    when = format_datetime(fake_gateway.now + timedelta(seconds=30), usegmt=True)
    fake_gateway.fail_next(1, "503", retry_after=when)
    async with make_source() as source:
        await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert sleeps.delays == [30.0]


async def test_429_retries_spent_is_quota_exhausted(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(5, "429", retry_after="2")
    async with make_source(max_retries=2) as source:
        with pytest.raises(QuotaExhausted) as caught:
            await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert caught.value.reset_at == datetime(2024, 11, 21, tzinfo=UTC)
    assert sleeps.delays == [2.0, 2.0]
    assert fake_gateway.call_count() == 3


async def test_5xx_then_recovery_with_jittered_exponential_backoff(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(3, "500")
    async with make_source(backoff_base=1.0) as source:
        readings = await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert len(readings) == 7
    assert fake_gateway.call_count() == 4
    assert len(sleeps.delays) == 3
    assert all(0 <= d <= 2**i for i, d in enumerate(sleeps.delays))


async def test_backoff_never_exceeds_its_cap(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(6, "502")
    async with make_source(max_retries=6, backoff_base=10.0, backoff_max=15.0) as source:
        await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert len(sleeps.delays) == 6
    assert max(sleeps.delays) <= 15.0


async def test_retries_exhausted_is_gateway_down_with_the_reason(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.fail_next(10, "500")
    async with make_source(max_retries=3) as source:
        with pytest.raises(GatewayDown) as caught:
            await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    message = str(caught.value)
    assert "HTTP 500" in message and "INTERNAL_ERROR" in message and "4 attempts" in message
    assert "MED_API_URL" in message
    assert fake_gateway.call_count() == 4


@pytest.mark.parametrize("kind", ["malformed", "not_envelope"])
async def test_malformed_answer_is_retried_then_gateway_down(
    fake_gateway: FakeGateway, make_source: MakeSource, kind: str
) -> None:
    fake_gateway.fail_next(3, kind)  # type: ignore[arg-type]
    async with make_source(max_retries=2) as source:
        with pytest.raises(GatewayDown, match="not a gateway envelope"):
            await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert fake_gateway.call_count() == 3


async def test_malformed_answer_then_recovery(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.fail_next(1, "malformed")
    async with make_source() as source:
        assert len(await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))) == 7


async def test_timeout_is_retried(fake_gateway: FakeGateway, make_source: MakeSource) -> None:
    fake_gateway.fail_next(1, "slow", delay=0.5)
    async with make_source(timeout=0.1) as source:
        readings = await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert len(readings) == 7
    assert fake_gateway.call_count() == 2


async def test_connection_refused_is_gateway_down(sleeps: SleepRecorder) -> None:
    source = GatewaySource(
        "http://127.0.0.1:9/api", "s3cret-value", max_retries=1, sleep=sleeps, backoff_base=0.01
    )
    async with source:
        with pytest.raises(GatewayDown, match="connection failed"):
            await source.ecowatt()
    assert len(sleeps.delays) == 1


# -- authentication and secrets -------------------------------------------------------------------


async def test_wrong_secret_is_auth_refused_without_retry_and_secret_hidden(
    fake_gateway: FakeGateway, make_source: MakeSource, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-secret-5f2b9c"
    caplog.set_level(logging.DEBUG)
    source = make_source(client_secret=wrong)
    async with source:
        with pytest.raises(AuthRefused) as caught:
            await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
    assert "MED_CLIENT_SECRET" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    assert wrong not in repr(source)
    assert wrong not in caplog.text
    assert fake_gateway.call_count() == 1


async def test_secret_echoed_by_the_gateway_is_redacted() -> None:
    secret = "echoed-secret-a1b2c3"

    def answer(request: httpx.Request) -> httpx.Response:
        body = {
            "success": False,
            "data": None,
            "error": {"code": "INVALID_TOKEN", "message": f"token {secret} unknown"},
            "timestamp": "2024-11-20T09:00:00Z",
        }
        return httpx.Response(200, json=body)

    source = GatewaySource("http://gateway.test/api", secret, transport=httpx.MockTransport(answer))
    async with source:
        with pytest.raises(AuthRefused) as caught:
            await source.ecowatt()
    assert secret not in str(caught.value)
    assert "***" in str(caught.value)


# -- quota ----------------------------------------------------------------------------------------


async def test_every_request_counts_on_the_ledger_including_retries(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger
) -> None:
    fake_gateway.fail_next(2, "500")
    async with make_source() as source:
        await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
        await source.ecowatt()
        quota = source.quota()
    assert ledger.used(date(2024, 11, 20)) == 4 == fake_gateway.quota_used()
    assert (quota.limit, quota.used, quota.remaining) == (1000, 4, 996)
    assert quota.reset_at == datetime(2024, 11, 21, tzinfo=UTC)


async def test_ledger_prevents_calls_beyond_the_budget(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source(daily_quota=3) as source:
        for _ in range(3):
            await source.ecowatt()
        with pytest.raises(QuotaExhausted) as caught:
            await source.ecowatt()
        assert caught.value.reset_at == datetime(2024, 11, 21, tzinfo=UTC)
        assert source.quota().remaining == 0
        assert fake_gateway.call_count() == 3
        fake_gateway.advance(days=1)
        assert source.quota().remaining == 3
        await source.ecowatt()
    assert fake_gateway.call_count() == 4


async def test_long_request_stops_at_the_budget(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source(daily_quota=10) as source:
        with pytest.raises(QuotaExhausted):
            await source.load_curve(PDL, C, date(2024, 1, 1), date(2024, 6, 1))
    assert fake_gateway.call_count() == 10


async def test_gateway_rate_limit_is_quota_exhausted_and_stops_further_calls(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.quota = 2
    async with make_source() as source:
        await source.ecowatt()
        await source.ecowatt()
        with pytest.raises(QuotaExhausted, match="RATE_LIMIT_EXCEEDED") as caught:
            await source.daily(PDL, C, date(2024, 3, 1), date(2024, 3, 8))
        assert caught.value.reset_at == datetime(2024, 11, 21, tzinfo=UTC)
        with pytest.raises(QuotaExhausted):
            await source.ecowatt()
        assert source.quota().remaining == 0
    assert fake_gateway.call_count() == 3  # the last call never left
    assert sleeps.delays == []


async def test_gateway_quota_as_http_429_until_midnight_is_quota_exhausted(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.quota = 1
    fake_gateway.quota_mode = "429"
    async with make_source() as source:
        await source.ecowatt()
        with pytest.raises(QuotaExhausted) as caught:
            await source.ecowatt()
    # Retry-After points at midnight, far beyond backoff_max: no sleeping, no retry.
    assert caught.value.reset_at == datetime(2024, 11, 21, tzinfo=UTC)
    assert sleeps.delays == []
    assert fake_gateway.call_count() == 2


# -- helpers and the fake's own strictness --------------------------------------------------------


def test_retry_after_forms() -> None:
    now = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
    assert parse_retry_after("12", now) == 12.0
    assert parse_retry_after("Wed, 20 Nov 2024 09:01:00 GMT", now) == 60.0
    assert parse_retry_after("Wed, 20 Nov 2024 08:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert next_utc_midnight(now) == datetime(2024, 11, 21, tzinfo=UTC)


def test_fake_is_strict_about_ranges_and_auth(fake_gateway: FakeGateway) -> None:
    auth = {"Authorization": f"Bearer {fake_gateway.secret}"}
    url = f"{fake_gateway.url}/enedis/consumption/detail/{PDL}"
    with httpx.Client(headers=auth) as http:
        backwards = http.get(url, params={"start": "2024-03-08", "end": "2024-03-08"}).json()
        too_long = http.get(url, params={"start": "2024-03-01", "end": "2024-03-09"}).json()
        refused = httpx.get(url, params={"start": "2024-03-01", "end": "2024-03-02"})
    assert backwards["success"] is False and backwards["error"]["field"] == "end"
    assert too_long["error"]["code"] == "DATE_RANGE_TOO_LARGE"
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHORIZED"


def test_fake_quota_is_50_without_use_cache(fake_gateway: FakeGateway) -> None:
    fake_gateway.quota_without_cache = 2
    auth = {"Authorization": f"Bearer {fake_gateway.secret}"}
    url = f"{fake_gateway.url}/enedis/contract/{PDL}"
    with httpx.Client(headers=auth) as http:
        answers = [http.get(url).json() for _ in range(3)]
        cached = http.get(url, params={"use_cache": "true"}).json()
    assert [a["success"] for a in answers] == [True, True, False]
    assert answers[2]["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert cached["success"] is True


def test_fake_envelope_shape(fake_gateway: FakeGateway) -> None:
    auth = {"Authorization": f"Bearer {fake_gateway.secret}"}
    body = httpx.get(f"{fake_gateway.url}/pdl", headers=auth).json()
    assert set(body) == {"success", "data", "error", "timestamp"}
    assert json.dumps(body["data"][0]["usage_point_id"]) == f'"{PDL}"'


def test_gateway_source_satisfies_the_source_protocol(make_source: MakeSource) -> None:
    source: Source = make_source()  # checked by mypy; the assertions check it at run time
    assert source.origin is Origin.GATEWAY
    assert source.quota() is not None


async def test_date_too_old_ignores_dates_of_the_refused_range_in_the_message() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        error = {"code": "DATE_TOO_OLD", "message": "range 2020-01-01 to 2020-01-08 is too old"}
        body = {"success": False, "data": None, "error": error, "timestamp": "2024-11-20"}
        return httpx.Response(200, json=body)

    source = GatewaySource(
        "http://gateway.test/api",
        "secret",
        clock=lambda: datetime(2024, 11, 20, 9, 0, tzinfo=UTC),
        transport=httpx.MockTransport(answer),
    )
    async with source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.daily(PDL, C, date(2020, 1, 1), date(2020, 1, 8))
    assert caught.value.available_from == date(2021, 11, 21)  # 3 years back, one day of margin
