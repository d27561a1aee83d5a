"""GatewaySource against the fake gateway over real HTTP (and a few hand-made answers).

The fake answers as the gateway's own code does (DESIGN.md §4.1); its clock is 10:00 in Paris
on 6 December 2026.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.types import Direction, Origin, PricingOption, Stream, TempoColor
from myelectricaldata.sources.base import (
    AccessDenied,
    AuthRefused,
    Bucket,
    ChunkFailed,
    GatewayDown,
    GatewayTraits,
    MemoryLedger,
    QuotaExhausted,
    RangeUnavailable,
    Source,
    StreamRefused,
)
from myelectricaldata.sources.gateway import (
    GatewayDataError,
    GatewaySource,
    adam_code,
    next_utc_midnight,
    parse_subscribed_power,
)
from myelectricaldata.support.redaction import MASK
from tests.fakes.gateway import Call, FakeGateway, FakePdl
from tests.sources.conftest import SleepRecorder

PDL = "12345678901234"
OTHER = "98765432109876"
C, P = Direction.CONSUMPTION, Direction.PRODUCTION
MakeSource = Callable[..., GatewaySource]
#: A past week every route serves.
WEEK = (date(2026, 3, 2), date(2026, 3, 9))
NEXT_UTC_MIDNIGHT = datetime(2026, 12, 7, tzinfo=UTC)


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


def _week_days() -> list[date]:
    return [WEEK[0] + timedelta(days=i) for i in range((WEEK[1] - WEEK[0]).days)]


# -- happy paths ----------------------------------------------------------------------------------


async def test_daily_sends_use_cache_and_keeps_absent_quality_unknown(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        readings = await source.daily(PDL, C, *WEEK)
    assert [r.day for r in readings] == _week_days()
    assert [r.value_wh for r in readings] == [
        fake_gateway.expected_daily(PDL, d) for d in _week_days()
    ]
    assert {r.quality for r in readings} == {"UNKNOWN"}  # never BRUT by default
    (call,) = fake_gateway.calls
    assert call == Call(
        f"/enedis/consumption/daily/{PDL}",
        {"start": "2026-03-02", "end": "2026-03-09", "use_cache": "true"},
    )


async def test_every_enedis_route_sends_use_cache(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].subscribed_power_kva = None  # the contract is read for it
    async with make_source() as source:
        await source.usage_points()
        await source.load_curve(PDL, C, WEEK[0], WEEK[0] + timedelta(days=1))
        await source.max_power(PDL, *WEEK)
        await source.daily(PDL, C, *WEEK)
    enedis = fake_gateway.calls_to("/enedis/")
    assert len(enedis) == 4
    assert all(c.params.get("use_cache") == "true" for c in enedis)


async def test_max_power_gives_value_and_aware_instant(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    start = date(2025, 10, 25)
    async with make_source() as source:
        readings = await source.max_power(PDL, start, start + timedelta(days=3))
    assert [r.day for r in readings] == [start + timedelta(days=i) for i in range(3)]
    for reading in readings:
        value, at = fake_gateway.expected_max_power(PDL, reading.day)
        assert (reading.value_va, reading.at, reading.quality) == (value, at, "BRUT")
    assert fake_gateway.calls[0].path == f"/enedis/power/{PDL}"


async def test_tempo_asks_a_day_earlier_so_the_first_day_of_a_season_is_kept(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger
) -> None:
    first = date(2026, 9, 1)
    async with make_source() as source:
        days = await source.tempo(first, first + timedelta(days=10))
    assert [d.day for d in days] == [first + timedelta(days=i) for i in range(10)]
    assert all(d.color is TempoColor(fake_gateway.expected_tempo(d.day)) for d in days)
    assert all(d.updated_at is not None and d.updated_at.tzinfo is not None for d in days)
    assert fake_gateway.calls[0].params == {"start_date": "2026-08-31", "end_date": "2026-09-10"}
    assert ledger.used(NEXT_UTC_MIDNIGHT.date() - timedelta(days=1)) == 0  # public, not counted


async def test_tempo_tomorrow_appears_after_publication(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    today = fake_gateway.today
    async with make_source() as source:
        before = await source.tempo(today, today + timedelta(days=2))
        fake_gateway.advance(hours=3)  # 13:00 Paris
        after = await source.tempo(today, today + timedelta(days=2))
    assert [d.day for d in before] == [today]
    assert [d.day for d in after] == [today, today + timedelta(days=1)]


async def test_ecowatt_today_comes_from_the_route_that_serves_it(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger
) -> None:
    today = fake_gateway.today
    async with make_source() as source:
        days = await source.ecowatt()
        fake_gateway.advance(hours=8)  # 18:00 Paris: RTE published J+3
        evening = await source.ecowatt()
    assert [d.day for d in days] == [today + timedelta(days=i) for i in range(3)]
    assert [d.day for d in evening] == [today + timedelta(days=i) for i in range(4)]
    for day in evening:
        level, hourly = fake_gateway.expected_ecowatt(day.day)
        assert (day.level, list(day.hourly)) == (level, hourly)
        assert day.generated_at is not None and day.generated_at.tzinfo is not None
    assert [c.path for c in fake_gateway.calls[:2]] == ["/ecowatt/forecast", "/ecowatt/history"]
    assert fake_gateway.calls[1].params == {
        "start_date": (today - timedelta(days=1)).isoformat(),
        "end_date": today.isoformat(),
    }
    utc_day = fake_gateway.now.astimezone(UTC).date()
    # Today's signal is asked once: the evening call had it already.
    assert [c.path for c in fake_gateway.calls[2:]] == ["/ecowatt/forecast"]
    assert ledger.used(utc_day, "no_cache") == 3 and ledger.used(utc_day, "cached") == 0


async def test_ecowatt_next_day_takes_today_from_the_forecast_it_was_tomorrow_in(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        await source.ecowatt()
        fake_gateway.advance(days=1)
        days = await source.ecowatt()
    today = fake_gateway.today
    assert [d.day for d in days] == [today + timedelta(days=i) for i in range(3)]
    assert [c.path for c in fake_gateway.calls] == [
        "/ecowatt/forecast",
        "/ecowatt/history",
        "/ecowatt/forecast",
    ]


# -- load curve and DST ---------------------------------------------------------------------------


async def test_autumn_dst_day_gives_50_slots_whatever_wall_times_the_gateway_wrote(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    day = date(2025, 10, 26)
    async with make_source() as source:
        points = await source.load_curve(PDL, C, day, day + timedelta(days=1))
    assert len(points) == 50
    assert all(p.start.utcoffset() == timedelta(0) and p.interval_min == 30 for p in points)
    assert [(p.start, p.avg_w) for p in points] == fake_gateway.expected_load_curve(PDL, day)
    steps = {b.start - a.start for a, b in itertools.pairwise(points)}
    assert steps == {timedelta(minutes=30)}
    assert sum(p.energy_wh for p in points) == fake_gateway.expected_daily(PDL, day)


async def test_spring_dst_day_gives_46_slots(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    day = date(2026, 3, 29)
    async with make_source() as source:
        points = await source.load_curve(PDL, C, day, day + timedelta(days=1))
    assert [(p.start, p.avg_w) for p in points] == fake_gateway.expected_load_curve(PDL, day)
    assert len(points) == 46


async def test_cached_copy_differing_from_the_fresh_one_is_a_conflict_the_fresh_one_wins(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    day = date(2026, 3, 29)
    fake_gateway.warm_cache(PDL, [day], revision=7)  # values Enedis has corrected since
    async with make_source() as source:
        points = await source.load_curve(PDL, C, day - timedelta(days=3), day + timedelta(days=1))
        assert source.conflicts_merged() == 46
    expected = [
        slot
        for d in range(4)
        for slot in fake_gateway.expected_load_curve(PDL, date(2026, 3, 26) + timedelta(days=d))
    ]
    assert [(p.start, p.avg_w) for p in points] == expected


async def test_load_curve_over_two_years_is_split_in_week_calls_without_gap_or_overlap(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    end = fake_gateway.today
    start = end.replace(year=end.year - 2)
    async with make_source() as source:
        assert source.max_days(Stream.CONSUMPTION_DETAIL) == 7
        points = await source.load_curve(PDL, C, start, end)
    calls = fake_gateway.calls_to(f"/enedis/consumption/detail/{PDL}")
    assert len(calls) == 105  # 730 days in 7-day calls
    _assert_tiles(_covered(calls), start, end, 7)
    assert len({p.start for p in points}) == len(points)
    assert points[0].start == fake_gateway.expected_load_curve(PDL, start)[0][0]
    last = fake_gateway.expected_load_curve(PDL, end - timedelta(days=1))[-1][0]
    assert points[-1].start == last  # yesterday's curve is served
    assert fake_gateway.violations == []


async def test_daily_in_year_calls_loses_the_day_before_each_boundary_and_yesterday(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger
) -> None:
    end = fake_gateway.today
    start = end.replace(year=end.year - 3)
    async with make_source() as source:
        assert source.servable_until(Stream.CONSUMPTION_DAILY, end) == end - timedelta(days=1)
        readings = await source.daily(PDL, C, start, end)
        calls = fake_gateway.calls_to(f"/enedis/consumption/daily/{PDL}")
        _assert_tiles(_covered(calls), start, end, 365)
        assert len(calls) == 4
        # Newest first: each older chunk ends on a day the cache holds, and the gateway's run
        # of missing days loses its last day; yesterday is never served by this route.
        boundaries = {date.fromisoformat(c.params["end"]) for c in calls} - {end}
        dropped = {b - timedelta(days=1) for b in boundaries} | {end - timedelta(days=1)}
        got = {r.day for r in readings}
        every = {start + timedelta(days=i) for i in range((end - start).days)}
        assert every - got == dropped
        # Asked past the cache, on the 50-call bucket, each dropped day comes back.
        for day in sorted(dropped - {end - timedelta(days=1)}):
            (again,) = await source.daily_uncached(PDL, C, day, day + timedelta(days=1))
            assert (again.day, again.value_wh) == (day, fake_gateway.expected_daily(PDL, day))
    asked = fake_gateway.calls_to(f"/enedis/consumption/daily/{PDL}")[4:]
    assert all(c.params["use_cache"] == "false" for c in asked)
    assert ledger.used(end - timedelta(days=0), "no_cache") == len(asked)


async def test_empty_range_asks_nothing(fake_gateway: FakeGateway, make_source: MakeSource) -> None:
    async with make_source() as source:
        assert await source.daily(PDL, C, date(2026, 3, 8), date(2026, 3, 8)) == []
        assert await source.load_curve(PDL, C, date(2026, 3, 8), date(2026, 3, 1)) == []
    assert fake_gateway.calls == []


async def test_invalid_pdl_is_refused_before_any_call(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source() as source:
        with pytest.raises(InvalidInput, match="14 digits"):
            await source.daily("1234", C, *WEEK)
    assert fake_gateway.calls == []


# -- usage points and contract --------------------------------------------------------------------


async def test_usage_points_with_offpeak_object_and_power_need_no_contract_call(
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


@pytest.mark.parametrize(
    ("listed", "read"),
    [
        ("3fa85f64-5717-4562-b3fc-2c963f66afa6", "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        (" demo-edf-tempo-9kva-2026-02-01 ", "demo-edf-tempo-9kva-2026-02-01"),
        (None, None),
        ("", None),
    ],
)
async def test_the_offer_picked_on_the_site_is_read_from_pdl(
    fake_gateway: FakeGateway, make_source: MakeSource, listed: str | None, read: str | None
) -> None:
    fake_gateway.pdls[PDL].selected_offer_id = listed
    async with make_source() as source:
        (point,) = await source.usage_points()
    assert point.selected_offer_id == read


async def test_an_offer_id_that_is_not_text_is_refused_naming_the_field(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].selected_offer_id = 42  # type: ignore[assignment]
    async with make_source() as source:
        with pytest.raises(GatewayDataError, match="selected_offer_id") as caught:
            await source.usage_points()
    assert caught.value.field == "selected_offer_id"


@pytest.mark.parametrize(
    ("listed", "canonical"),
    [
        ({"ranges": ["22:30-06:30"]}, "22:30-06:30"),
        ({"ranges": ["01:30-08:00", "12:30-14:00"]}, "01:30-08:00;12:30-14:00"),
        ({"default": "HC (22H30-6H30)"}, "22:30-06:30"),
        ("HC (1H30-8H00;12H30-14H00)", "01:30-08:00;12:30-14:00"),
    ],
)
async def test_offpeak_hours_read_from_pdl_in_every_shape(
    fake_gateway: FakeGateway, make_source: MakeSource, listed: object, canonical: str
) -> None:
    fake_gateway.pdls[PDL].offpeak_hours = listed
    async with make_source() as source:
        (point,) = await source.usage_points()
    assert point.offpeak is not None and point.offpeak.canonical() == canonical
    assert fake_gateway.call_count("/enedis/contract/") == 0


async def test_usage_points_read_the_contract_only_for_what_pdl_lacks(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.set_pdls(
        [
            FakePdl(PDL, offpeak_hours=None, contract_offpeak="HC (22H30-6H30)"),
            FakePdl(OTHER, subscribed_power_kva=None, contract_power_kva=12, pricing_option="BASE"),
            FakePdl("11111111111111", subscribed_power_kva=None, is_active=False),
        ]
    )
    async with make_source() as source:
        first, second, inactive = await source.usage_points()
    assert first.offpeak is not None and first.offpeak.canonical() == "22:30-06:30"
    assert first.extra["distribution_tariff"] == "BTINFCUST"
    assert (second.pdl, second.subscribed_power_kva) == (OTHER, 12.0)
    assert inactive.is_active is False
    # The inactive point's contract is never asked: it would be refused.
    assert sorted(c.path for c in fake_gateway.calls) == [
        f"/enedis/contract/{PDL}",
        f"/enedis/contract/{OTHER}",
        "/pdl",
    ]


async def test_contract_parses_raw_enedis_json(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].contract_offpeak = "HC (1H30-8H00;12H30-14H00)"
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


def test_adam_code_is_read_out_of_enedis_text() -> None:
    text = "Failed to fetch 2026-01-01 to 2026-02-01: adam-err0069: no production measurement"
    assert adam_code(text) == "ADAM-ERR0069"
    assert adam_code("No consumption data available (ADAM-DC-0008: none)") == "ADAM-DC-0008"
    assert adam_code("Enedis API did not answer (ReadTimeout)") is None


# -- refusals become typed errors of the right reach ------------------------------------------


async def test_nothing_published_yet_is_an_empty_list_not_an_error(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    today = fake_gateway.today
    async with make_source() as source:
        assert await source.load_curve(PDL, C, today, today + timedelta(days=3)) == []
        assert await source.daily(PDL, C, today - timedelta(days=1), today) == []
    assert fake_gateway.call_count() == 2


async def test_enedis_not_answering_is_retried_then_gateway_down_never_empty(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(3, "enedis")
    async with make_source(max_retries=2) as source:
        with pytest.raises(GatewayDown) as caught:
            await source.daily(PDL, C, *WEEK)
    message = str(caught.value)
    assert "ENEDIS_ERROR" in message and "3 attempts" in message and "next sync" in message
    assert fake_gateway.call_count() == 3
    assert len(sleeps.delays) == 2


async def test_enedis_not_answering_then_recovery(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.fail_next(1, "enedis")
    async with make_source() as source:
        readings = await source.daily(PDL, C, *WEEK)
    assert len(readings) == 7
    assert fake_gateway.call_count() == 2


@pytest.mark.parametrize(
    ("call", "presumed"),
    [("consumption_daily", True), ("detail", False), ("production_daily", False), ("power", False)],
)
async def test_range_before_activation_is_range_unavailable_on_every_route(
    fake_gateway: FakeGateway, make_source: MakeSource, call: str, presumed: bool
) -> None:
    point = fake_gateway.pdls[PDL]
    point.activation, point.has_production = date(2026, 6, 15), True
    async with make_source() as source:
        with pytest.raises(RangeUnavailable) as caught:
            if call == "consumption_daily":
                await source.daily(PDL, C, *WEEK)
            elif call == "detail":
                await source.load_curve(PDL, C, *WEEK)
            elif call == "production_daily":
                await source.daily(PDL, P, *WEEK)
            else:
                await source.max_power(PDL, *WEEK)
    assert caught.value.code == "ADAM-ERR0123" and caught.value.presumed is presumed
    assert caught.value.time_bound
    assert fake_gateway.call_count() == 1  # never retried


async def test_activation_known_from_usage_points_gives_available_from(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].activation = date(2026, 6, 15)
    async with make_source() as source:
        await source.usage_points()
        with pytest.raises(RangeUnavailable) as caught:
            await source.load_curve(PDL, C, date(2026, 6, 1), date(2026, 6, 8))
    assert caught.value.available_from == date(2026, 6, 15)


async def test_range_straddling_activation_returns_the_days_after_it(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].activation = date(2025, 6, 15)
    async with make_source() as source:
        await source.usage_points()
        readings = await source.daily(PDL, C, date(2025, 1, 1), date(2026, 3, 1))
    assert readings[0].day == date(2025, 6, 15)
    assert readings[-1].day == date(2026, 2, 28)
    # The newest year is refused (an empty answer: it starts before activation) and asked again
    # from the activation day; the older piece, entirely before it, is never asked.
    assert _covered(fake_gateway.calls_to("/enedis/")) == [
        (date(2025, 3, 1), date(2026, 3, 1)),
        (date(2025, 6, 15), date(2026, 3, 1)),
    ]


@pytest.mark.parametrize("direction", [C, P])
async def test_load_curve_not_enabled_is_refused_for_the_stream_after_one_call(
    fake_gateway: FakeGateway, make_source: MakeSource, direction: Direction
) -> None:
    point = fake_gateway.pdls[PDL]
    point.load_curve_enabled, point.has_production = False, True
    async with make_source() as source:
        with pytest.raises(StreamRefused) as caught:
            await source.load_curve(PDL, direction, *WEEK)
    assert caught.value.code == "ADAM-ERR0075"
    assert "enable it in your Enedis customer account" in caught.value.advice
    assert fake_gateway.call_count() == 1


async def test_wrong_direction_is_refused_for_the_stream_with_what_to_do(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].enedis_directions = set()  # /pdl ticks both, Enedis has neither
    fake_gateway.pdls[PDL].has_production = True
    async with make_source() as source:
        with pytest.raises(StreamRefused) as production:
            await source.daily(PDL, P, *WEEK)
        with pytest.raises(StreamRefused) as consumption:
            await source.daily(PDL, C, *WEEK)  # ENEDIS_ERROR "Failed to fetch ...: ADAM-..."
    assert production.value.code == "ADAM-ERR0069"
    assert consumption.value.code == "ADAM-ERR0069"
    assert "MyElectricalData site" in consumption.value.advice
    assert fake_gateway.call_count() == 2


async def test_production_meter_serves_production_with_its_quality(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.pdls[PDL].has_production = True
    day = date(2026, 6, 21)
    async with make_source() as source:
        (reading,) = await source.daily(PDL, P, day, day + timedelta(days=1))
        points = await source.load_curve(PDL, P, day, day + timedelta(days=1))
    assert reading.value_wh == fake_gateway.expected_daily(PDL, day, "production")
    assert reading.quality == "CORRIGE"
    assert points[0].avg_w == 0  # night: zero is a value, not a gap
    assert len(points) == 48


async def test_date_too_old_is_range_unavailable_with_oldest_day(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger
) -> None:
    async with make_source() as source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.load_curve(PDL, C, date(2024, 11, 20), date(2024, 11, 27))
    assert caught.value.code == "DATE_TOO_OLD"
    assert caught.value.available_from == date(2024, 12, 6)
    assert ledger.used(date(2026, 12, 6)) == 0  # refused before the gateway's counter


@pytest.mark.parametrize("how", ["unknown", "inactive", "unlinked"])
async def test_a_pdl_the_gateway_refuses_is_access_denied_for_it_alone(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger, how: str
) -> None:
    fake_gateway.add_pdl(FakePdl(OTHER, is_active=how != "inactive", linked=how != "unlinked"))
    if how == "unknown":
        del fake_gateway.pdls[OTHER]
    async with make_source() as source:
        with pytest.raises(AccessDenied) as caught:
            await source.daily(OTHER, C, *WEEK)
        assert len(await source.daily(PDL, C, *WEEK)) == 7  # the others are served
    assert caught.value.pdl == OTHER and caught.value.code == "ACCESS_DENIED"
    assert fake_gateway.call_count() == 2
    assert ledger.used(date(2026, 12, 6)) == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [("daily", "value"), ("load_curve", "value"), ("tempo", "color"), ("ecowatt", "dvalue")],
)
async def test_bad_value_fails_that_call_alone_naming_the_field(
    fake_gateway: FakeGateway, make_source: MakeSource, call: str, field: str
) -> None:
    fake_gateway.fail_next(1, "bad_value")
    async with make_source() as source:
        with pytest.raises(GatewayDataError) as caught:
            if call == "daily":
                await source.daily(PDL, C, *WEEK)
            elif call == "load_curve":
                await source.load_curve(PDL, C, WEEK[0], WEEK[0] + timedelta(days=1))
            elif call == "tempo":
                await source.tempo(*WEEK)
            else:
                await source.ecowatt()
    assert caught.value.field == field
    assert field in str(caught.value)
    assert isinstance(caught.value, ChunkFailed) and not isinstance(caught.value, GatewayDown)


# -- retries and backoff (support.retry) ----------------------------------------------------------


async def test_429_retry_after_seconds_is_a_pause_not_a_spent_quota(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(2, "429", retry_after="7")
    async with make_source() as source:
        readings = await source.daily(PDL, C, *WEEK)
        assert source.quota().remaining == 999
    assert len(readings) == 7
    assert sleeps.delays == [7.0, 7.0]


async def test_five_429_with_retry_after_never_block_until_midnight(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(5, "429_json", retry_after="2")
    async with make_source(max_retries=4) as source:
        with pytest.raises(GatewayDown, match="HTTP 429"):
            await source.daily(PDL, C, *WEEK)
        assert sleeps.delays == [2.0, 2.0, 2.0, 2.0]
        quotas = source.quotas()
        assert [q.remaining for q in quotas] == [1000, 50]  # nothing spent, nothing blocked
        assert len(await source.daily(PDL, C, *WEEK)) == 7  # the next call goes out at once
    assert fake_gateway.call_count() == 6


async def test_html_429_from_a_proxy_is_retried_with_backoff_not_a_spent_quota(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(5, "429")
    async with make_source(max_retries=4, backoff_base=1.0) as source:
        with pytest.raises(GatewayDown):
            await source.ecowatt()
        assert [q.remaining for q in source.quotas()] == [1000, 50]
        assert len(await source.ecowatt()) == 3
    assert len(sleeps.delays) == 4
    assert all(0 <= d <= 2**i for i, d in enumerate(sleeps.delays))


async def test_retry_after_longer_than_allowed_gives_up_at_once_without_blocking(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(1, "503", retry_after="3600")
    async with make_source(longest_wait=300.0) as source:
        with pytest.raises(GatewayDown, match="wait longer"):
            await source.daily(PDL, C, *WEEK)
        assert source.quota().remaining == 1000
    assert sleeps.delays == []


async def test_503_retry_after_http_date_is_honoured(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    when = format_datetime(fake_gateway.now + timedelta(seconds=30), usegmt=True)
    fake_gateway.fail_next(1, "503", retry_after=when)
    async with make_source() as source:
        await source.daily(PDL, C, *WEEK)
    assert sleeps.delays == [30.0]


async def test_5xx_then_recovery_with_jittered_exponential_backoff(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(3, "500")
    async with make_source(backoff_base=1.0) as source:
        readings = await source.daily(PDL, C, *WEEK)
    assert len(readings) == 7
    assert fake_gateway.call_count() == 4
    assert len(sleeps.delays) == 3
    assert all(0 <= d <= 2**i for i, d in enumerate(sleeps.delays))


async def test_backoff_never_exceeds_its_cap(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.fail_next(6, "502")
    async with make_source(max_retries=6, backoff_base=10.0, backoff_max=15.0) as source:
        await source.daily(PDL, C, *WEEK)
    assert len(sleeps.delays) == 6
    assert max(sleeps.delays) <= 15.0


async def test_retries_exhausted_is_gateway_down_with_the_reason(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.fail_next(10, "502")
    async with make_source(max_retries=3) as source:
        with pytest.raises(GatewayDown) as caught:
            await source.daily(PDL, C, *WEEK)
    message = str(caught.value)
    assert "HTTP 502" in message and "Bad Gateway" in message and "4 attempts" in message
    assert "MED_API_URL" in message
    assert fake_gateway.call_count() == 4


@pytest.mark.parametrize(
    ("kind", "says"), [("malformed", "not JSON"), ("not_envelope", "envelope")]
)
async def test_unreadable_answer_is_retried_then_fails_that_call_alone(
    fake_gateway: FakeGateway, make_source: MakeSource, kind: str, says: str
) -> None:
    fake_gateway.fail_next(3, kind)  # type: ignore[arg-type]
    async with make_source(max_retries=2) as source:
        with pytest.raises(GatewayDataError, match=says):
            await source.daily(PDL, C, *WEEK)
    assert fake_gateway.call_count() == 3


async def test_malformed_answer_then_recovery(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    fake_gateway.fail_next(1, "malformed")
    async with make_source() as source:
        assert len(await source.daily(PDL, C, *WEEK)) == 7


async def test_timeout_is_retried(fake_gateway: FakeGateway, make_source: MakeSource) -> None:
    fake_gateway.fail_next(1, "slow", delay=0.5)
    async with make_source(timeout=0.1) as source:
        readings = await source.daily(PDL, C, *WEEK)
    assert len(readings) == 7
    assert fake_gateway.call_count() == 2


async def test_refused_connection_is_gateway_down_and_not_counted(sleeps: SleepRecorder) -> None:
    ledger = MemoryLedger()
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    source = GatewaySource(
        "http://127.0.0.1:9/api",
        "s3cret-value",
        max_retries=1,
        sleep=sleeps,
        backoff_base=0.01,
        ledger=ledger,
        clock=lambda: now,
    )
    async with source:
        with pytest.raises(GatewayDown, match="could not connect"):
            await source.daily(PDL, C, *WEEK)
        with pytest.raises(GatewayDown):
            await source.ecowatt()
    assert len(sleeps.delays) == 2
    assert ledger.used(now.date(), "cached") == ledger.used(now.date(), "no_cache") == 0


# -- authentication and secrets -------------------------------------------------------------------


async def test_wrong_secret_is_auth_refused_without_retry_and_secret_hidden(
    fake_gateway: FakeGateway,
    make_source: MakeSource,
    ledger: MemoryLedger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-secret-5f2b9c"
    caplog.set_level(logging.DEBUG)
    source = make_source(client_secret=wrong)
    async with source:
        with pytest.raises(AuthRefused) as caught:
            await source.daily(PDL, C, *WEEK)
    assert "MED_CLIENT_SECRET" in str(caught.value) and "401" in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    assert wrong not in repr(source)
    assert wrong not in caplog.text
    assert fake_gateway.call_count() == 1
    assert ledger.used(date(2026, 12, 6)) == 0


async def test_secret_echoed_by_the_gateway_is_masked_in_every_form() -> None:
    secret = "echoed-secret-a1b2c3"

    def answer(request: httpx.Request) -> httpx.Response:
        body = {
            "success": False,
            "data": None,
            "error": {"code": "INVALID_TOKEN", "message": f"token {secret} unknown"},
            "timestamp": "2026-12-06T09:00:00Z",
        }
        return httpx.Response(200, json=body)

    source = GatewaySource("http://gateway.test/api", secret, transport=httpx.MockTransport(answer))
    async with source:
        with pytest.raises(AuthRefused) as caught:
            await source.daily(PDL, C, *WEEK)
    assert secret not in str(caught.value)
    assert MASK in str(caught.value)


# -- quota by bucket ------------------------------------------------------------------------------


async def test_calls_count_on_their_bucket_and_uncounted_routes_are_free(
    fake_gateway: FakeGateway, make_source: MakeSource, ledger: MemoryLedger
) -> None:
    fake_gateway.fail_next(2, "502", path="/enedis/")
    async with make_source() as source:
        await source.usage_points()
        await source.tempo(*WEEK)
        await source.daily(PDL, C, *WEEK)
        await source.daily_uncached(PDL, C, *WEEK)
        await source.ecowatt()
        cached, no_cache = source.quotas()
    day = date(2026, 12, 6)
    # The proxy's 502s never reached the gateway; /pdl and Tempo are not counted.
    assert ledger.used(day, "cached") == 1 == fake_gateway.quota_used(bucket="cached")
    assert ledger.used(day, "no_cache") == 3 == fake_gateway.quota_used(bucket="no_cache")
    assert (cached.bucket, cached.limit, cached.used, cached.remaining) == ("cached", 1000, 1, 999)
    assert (no_cache.bucket, no_cache.limit, no_cache.remaining) == ("no_cache", 50, 47)
    assert cached.reset_at == no_cache.reset_at == NEXT_UTC_MIDNIGHT


async def test_ledger_prevents_calls_beyond_each_budget_until_the_utc_reset(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source(daily_quota=3) as source:
        for _ in range(3):
            await source.max_power(PDL, *WEEK)
        with pytest.raises(QuotaExhausted) as caught:
            await source.max_power(PDL, *WEEK)
        assert (caught.value.bucket, caught.value.reset_at) == (Bucket.CACHED, NEXT_UTC_MIDNIGHT)
        assert source.quota().remaining == 0
        assert fake_gateway.call_count() == 3
        await source.ecowatt()  # the other bucket is not touched
        fake_gateway.now = NEXT_UTC_MIDNIGHT + timedelta(seconds=1)
        assert source.quota().remaining == 3
        await source.max_power(PDL, *WEEK)
    assert fake_gateway.call_count("/enedis/") == 4


async def test_long_request_stops_at_the_budget(
    fake_gateway: FakeGateway, make_source: MakeSource
) -> None:
    async with make_source(daily_quota=10) as source:
        with pytest.raises(QuotaExhausted):
            await source.load_curve(PDL, C, date(2026, 1, 1), date(2026, 6, 1))
    assert fake_gateway.call_count() == 10


async def test_gateway_rate_limit_blocks_the_cached_bucket_only_until_the_utc_reset(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.quota = 2
    async with make_source() as source:
        await source.max_power(PDL, *WEEK)
        await source.max_power(PDL, *WEEK)
        with pytest.raises(QuotaExhausted, match="RATE_LIMIT_EXCEEDED") as caught:
            await source.daily(PDL, C, *WEEK)
        assert (caught.value.bucket, caught.value.reset_at) == (Bucket.CACHED, NEXT_UTC_MIDNIGHT)
        with pytest.raises(QuotaExhausted):
            await source.max_power(PDL, *WEEK)  # never leaves: the gateway said it is spent
        assert [q.remaining for q in source.quotas()] == [0, 50]
        assert len(await source.ecowatt()) == 3  # EcoWatt's bucket goes on
        fake_gateway.now = NEXT_UTC_MIDNIGHT + timedelta(
            minutes=1
        )  # the fake clock passes 00:00 UTC
        assert len(await source.daily(PDL, C, *WEEK)) == 7
    assert fake_gateway.call_count("/enedis/") == 4
    assert sleeps.delays == []


async def test_ecowatt_429_blocks_only_ecowatt_until_the_utc_reset(
    fake_gateway: FakeGateway, make_source: MakeSource, sleeps: SleepRecorder
) -> None:
    fake_gateway.quota_no_cache = 2
    async with make_source() as source:
        await source.ecowatt()
        with pytest.raises(QuotaExhausted) as caught:
            await source.ecowatt()
        assert (caught.value.bucket, caught.value.reset_at) == (Bucket.NO_CACHE, NEXT_UTC_MIDNIGHT)
        assert len(await source.daily(PDL, C, *WEEK)) == 7  # the 1000-call bucket goes on
        assert [q.remaining for q in source.quotas()] == [999, 0]
        with pytest.raises(QuotaExhausted):
            await source.daily_uncached(PDL, C, *WEEK)  # same bucket: not sent
        fake_gateway.now = NEXT_UTC_MIDNIGHT + timedelta(minutes=1)
        assert len(await source.ecowatt()) == 3
    assert sleeps.delays == []
    # forecast + history, the refused forecast, then after the reset the forecast alone (today
    # was tomorrow in the first one).
    assert fake_gateway.call_count("/ecowatt/") == 4


# -- helpers --------------------------------------------------------------------------------------


def test_next_utc_midnight() -> None:
    assert next_utc_midnight(datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) == NEXT_UTC_MIDNIGHT
    assert next_utc_midnight(datetime(2026, 12, 7, 0, 30, tzinfo=UTC).astimezone()) == datetime(
        2026, 12, 8, tzinfo=UTC
    )


def test_gateway_source_satisfies_the_source_protocols(make_source: MakeSource) -> None:
    source: Source = make_source()  # checked by mypy; the assertions check it at run time
    assert source.origin is Origin.GATEWAY
    assert source.quota() is not None
    assert isinstance(source, GatewayTraits)


def test_fake_requires_auth_and_answers_unknown_routes_like_fastapi(
    fake_gateway: FakeGateway,
) -> None:
    missing = httpx.get(f"{fake_gateway.url}/pdl")
    assert (missing.status_code, missing.json()) == (403, {"detail": "Not authenticated"})
    auth = {"Authorization": f"Bearer {fake_gateway.secret}"}
    unknown = httpx.get(f"{fake_gateway.url}/nothing", headers=auth)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not Found"})
    public = httpx.get(f"{fake_gateway.url}/tempo/days")
    assert public.status_code == 200 and public.json()["success"] is True


async def test_date_too_old_ignores_dates_of_the_refused_range_in_the_message() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        error = {"code": "DATE_TOO_OLD", "message": "range 2020-01-01 to 2020-01-08 is too old"}
        body = {"success": False, "data": None, "error": error, "timestamp": "2026-12-06"}
        return httpx.Response(200, json=body)

    source = GatewaySource(
        "http://gateway.test/api",
        "secret",
        clock=lambda: datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        transport=httpx.MockTransport(answer),
    )
    async with source:
        with pytest.raises(RangeUnavailable) as caught:
            await source.daily(PDL, C, date(2020, 1, 1), date(2020, 1, 8))
    assert caught.value.available_from == date(2023, 12, 7)  # 3 years back, one day of margin
