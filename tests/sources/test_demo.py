"""The demo source: deterministic, consistent, and only what would exist at the clock's time."""

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.tempo import calendar_violations, season_quota, season_start
from myelectricaldata.domain.timeutil import PARIS, day_bounds_utc
from myelectricaldata.domain.types import Direction, PricingOption, Stream, TempoColor
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.sources.demo_offers import demo_catalogue

CONSUMPTION, PRODUCTION = Direction.CONSUMPTION, Direction.PRODUCTION
# 2025-06-15 is a Sunday; 11:00 in Paris.
NOW = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)
TODAY = date(2025, 6, 15)
EVERYTHING = (date(2000, 1, 1), date(2100, 1, 1))


def clock(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


@pytest.fixture
def demo() -> DemoSource:
    return DemoSource(clock(NOW))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --------------------------------------------------------------------------- contracts


async def test_usage_points_are_the_two_demo_households(demo: DemoSource) -> None:
    tempo, solar = await demo.usage_points()
    assert (tempo.pdl, solar.pdl) == (DEMO_TEMPO_PDL, DEMO_SOLAR_PDL)
    assert (tempo.pricing_option, tempo.subscribed_power_kva) == (PricingOption.TEMPO, 12)
    assert (solar.pricing_option, solar.subscribed_power_kva) == (PricingOption.HC_HP, 6)
    assert solar.offpeak is not None and solar.offpeak.canonical() == "22:30-06:30"
    assert not tempo.has_production and solar.has_production
    for point in (tempo, solar):
        assert point.extra == {"demo": "true"}
        assert point.oldest_available_date == date(2022, 6, 15)
        assert point.activation_date is not None
        assert point.activation_date < point.oldest_available_date


async def test_each_household_picked_the_tarif_bleu_row_of_its_option_in_force(
    demo: DemoSource,
) -> None:
    """As a user would on the site: the regulated Tarif Bleu of the house's option at its kVA,
    the grid in force on 15 June 2025 being the one of 1 February 2025."""
    tempo, solar = await demo.usage_points()
    catalogue = demo_catalogue()
    assert tempo.selected_offer_id == "demo-edf-tempo-12kva-2025-02-01"
    assert solar.selected_offer_id == "demo-edf-hc_hp-6kva-2025-02-01"
    picked_tempo = catalogue.get(tempo.selected_offer_id)
    picked_solar = catalogue.get(solar.selected_offer_id)
    assert picked_tempo is not None and picked_solar is not None
    assert (picked_tempo.offer_type.value, picked_tempo.power_kva) == ("TEMPO", 12)
    assert picked_tempo.subscription_eur_month == 20.96  # EDF's grid of 1 February 2025
    assert (picked_solar.offer_type.value, picked_solar.power_kva) == ("HC_HP", 6)
    assert picked_solar.subscription_eur_month == 14.04
    # A year later, the newer grid's row.
    later = DemoSource(clock(datetime(2026, 9, 1, 10, 0, tzinfo=UTC)))
    tempo_later, solar_later = await later.usage_points()
    assert tempo_later.selected_offer_id == "demo-edf-tempo-12kva-2026-02-01"
    assert solar_later.selected_offer_id == "demo-edf-hc_hp-6kva-2026-08-01"


def test_call_limits_and_no_quota(demo: DemoSource) -> None:
    assert demo.max_days(Stream.CONSUMPTION_DAILY) == 365
    assert demo.max_days(Stream.MAX_POWER) == 365
    assert demo.max_days(Stream.PRODUCTION_DETAIL) == 31
    assert demo.quota() is None


# --------------------------------------------------------------------------- determinism


async def test_values_do_not_depend_on_the_window_or_the_instance() -> None:
    wide = await DemoSource(clock(NOW)).daily(DEMO_TEMPO_PDL, CONSUMPTION, *EVERYTHING)
    narrow = await DemoSource(clock(NOW + timedelta(days=30))).daily(
        DEMO_TEMPO_PDL, CONSUMPTION, date(2024, 1, 10), date(2024, 1, 13)
    )
    assert narrow == [r for r in wide if date(2024, 1, 10) <= r.day < date(2024, 1, 13)]

    week = await DemoSource(clock(NOW)).load_curve(
        DEMO_SOLAR_PDL, PRODUCTION, date(2024, 5, 1), date(2024, 5, 8)
    )
    day = await DemoSource(clock(NOW)).load_curve(
        DEMO_SOLAR_PDL, PRODUCTION, date(2024, 5, 3), date(2024, 5, 4)
    )
    assert day == [p for p in week if p.start.astimezone(PARIS).date() == date(2024, 5, 3)]


def test_values_are_the_same_in_another_process(demo: DemoSource) -> None:
    # Python's hash() is salted per process: the demo must not depend on it.
    script = (
        "import asyncio, datetime as d;"
        "from myelectricaldata.sources.demo import DemoSource, DEMO_SOLAR_PDL;"
        "from myelectricaldata.domain.types import Direction;"
        "s = DemoSource(lambda: d.datetime(2025, 6, 15, 9, tzinfo=d.UTC));"
        "r = asyncio.run(s.daily(DEMO_SOLAR_PDL, Direction.CONSUMPTION,"
        " d.date(2024, 2, 1), d.date(2024, 2, 4)));"
        "print([x.value_wh for x in r])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    here = asyncio.run(demo.daily(DEMO_SOLAR_PDL, CONSUMPTION, date(2024, 2, 1), date(2024, 2, 4)))
    assert out.stdout.strip() == str([r.value_wh for r in here])


# --------------------------------------------------------------------------- coverage


async def test_daily_history_is_three_years_up_to_yesterday(demo: DemoSource) -> None:
    for pdl, direction in [(DEMO_TEMPO_PDL, CONSUMPTION), (DEMO_SOLAR_PDL, PRODUCTION)]:
        days = [r.day for r in await demo.daily(pdl, direction, *EVERYTHING)]
        assert days[0] == date(2022, 6, 15)
        assert days[-1] == TODAY - timedelta(days=1)
        assert len(days) == (TODAY - date(2022, 6, 15)).days


async def test_load_curve_is_two_years_and_nothing_older(demo: DemoSource) -> None:
    edge = await demo.load_curve(DEMO_TEMPO_PDL, CONSUMPTION, date(2023, 6, 10), date(2023, 6, 20))
    assert edge[0].start == day_bounds_utc(date(2023, 6, 15))[0]
    last = await demo.load_curve(DEMO_TEMPO_PDL, CONSUMPTION, date(2025, 6, 10), date(2025, 7, 1))
    assert last[-1].end == day_bounds_utc(TODAY - timedelta(days=1))[1]
    assert (
        await demo.load_curve(DEMO_TEMPO_PDL, CONSUMPTION, date(2023, 1, 1), date(2023, 6, 15))
        == []
    )


async def test_ranges_outside_history_are_empty_not_errors(demo: DemoSource) -> None:
    assert await demo.daily(DEMO_TEMPO_PDL, CONSUMPTION, date(1990, 1, 1), date(1990, 2, 1)) == []
    assert await demo.daily(DEMO_TEMPO_PDL, CONSUMPTION, TODAY, TODAY + timedelta(days=9)) == []
    assert await demo.max_power(DEMO_SOLAR_PDL, date(2030, 1, 1), date(2030, 1, 5)) == []
    assert await demo.daily(DEMO_TEMPO_PDL, PRODUCTION, *EVERYTHING) == []


async def test_invalid_arguments_are_refused_naming_the_field(demo: DemoSource) -> None:
    with pytest.raises(InvalidInput) as error:
        await demo.daily("09999000000003", CONSUMPTION, date(2024, 1, 1), date(2024, 1, 2))
    assert error.value.field == "pdl"
    with pytest.raises(InvalidInput) as error:
        await demo.load_curve("123", CONSUMPTION, date(2024, 1, 1), date(2024, 1, 2))
    assert error.value.field == "pdl"
    with pytest.raises(InvalidInput) as error:
        await demo.daily(DEMO_TEMPO_PDL, CONSUMPTION, date(2024, 1, 2), date(2024, 1, 1))
    assert error.value.field == "end"


# --------------------------------------------------------------------------- consistency


@pytest.mark.parametrize(
    ("pdl", "direction"),
    [(DEMO_TEMPO_PDL, CONSUMPTION), (DEMO_SOLAR_PDL, CONSUMPTION), (DEMO_SOLAR_PDL, PRODUCTION)],
)
async def test_daily_matches_load_curve_energy_within_one_percent(
    demo: DemoSource, pdl: str, direction: Direction
) -> None:
    for month_start in [date(2023, 7, 1), date(2024, 1, 1), date(2024, 3, 20), date(2024, 10, 20)]:
        end = month_start + timedelta(days=14)
        curve = await demo.load_curve(pdl, direction, month_start, end)
        energy: Counter[date] = Counter()
        for point in curve:
            energy[point.start.astimezone(PARIS).date()] += point.energy_wh
        for reading in await demo.daily(pdl, direction, month_start, end):
            assert abs(reading.value_wh - energy[reading.day]) <= 0.01 * energy[reading.day] + 1


@pytest.mark.parametrize(("day", "slots"), [(date(2024, 3, 31), 46), (date(2024, 10, 27), 50)])
async def test_dst_days_have_46_or_50_half_hours(demo: DemoSource, day: date, slots: int) -> None:
    curve = await demo.load_curve(DEMO_SOLAR_PDL, CONSUMPTION, day, day + timedelta(days=1))
    assert len(curve) == slots
    start, end = day_bounds_utc(day)
    assert [p.start for p in curve] == [start + timedelta(minutes=30 * i) for i in range(slots)]
    assert curve[-1].end == end
    assert all(p.start.tzinfo is UTC and p.interval_min == 30 for p in curve)


async def test_solar_production_is_zero_at_night_and_positive_at_noon(demo: DemoSource) -> None:
    curve = await demo.load_curve(DEMO_SOLAR_PDL, PRODUCTION, date(2024, 6, 1), date(2024, 7, 1))
    night = [p.avg_w for p in curve if p.start.astimezone(PARIS).hour in (23, 0, 1, 2, 3, 4)]
    assert night and set(night) == {0}
    noon = [p.avg_w for p in curve if p.start.astimezone(PARIS).hour == 13]
    assert sum(w > 0 for w in noon) > len(noon) / 2


async def test_electric_heating_uses_more_in_winter(demo: DemoSource) -> None:
    january = await demo.daily(DEMO_TEMPO_PDL, CONSUMPTION, date(2024, 1, 1), date(2024, 2, 1))
    july = await demo.daily(DEMO_TEMPO_PDL, CONSUMPTION, date(2024, 7, 1), date(2024, 8, 1))
    assert sum(r.value_wh for r in january) > 2.5 * sum(r.value_wh for r in july)


async def test_max_power_is_reached_in_the_busiest_slot(demo: DemoSource) -> None:
    start, end = date(2024, 1, 1), date(2024, 2, 1)
    curve = await demo.load_curve(DEMO_TEMPO_PDL, CONSUMPTION, start, end)
    for reading in await demo.max_power(DEMO_TEMPO_PDL, start, end):
        day = [p for p in curve if p.start.astimezone(PARIS).date() == reading.day]
        busiest = max(day, key=lambda p: p.avg_w)
        assert busiest.start <= reading.at < busiest.end
        assert reading.value_va >= busiest.avg_w


@pytest.mark.parametrize(("pdl", "kva"), [(DEMO_TEMPO_PDL, 12), (DEMO_SOLAR_PDL, 6)])
async def test_max_power_rarely_exceeds_subscribed_power(
    demo: DemoSource, pdl: str, kva: int
) -> None:
    readings = await demo.max_power(pdl, *EVERYTHING)
    assert len(readings) == (TODAY - date(2022, 6, 15)).days
    over = [r for r in readings if r.value_va > kva * 1000]
    assert len(over) <= len(readings) * 0.02


# --------------------------------------------------------------------------- Tempo


@pytest.mark.parametrize("now", [NOW, datetime(2028, 10, 1, 12, tzinfo=UTC)])
async def test_tempo_calendar_obeys_every_rule(now: datetime) -> None:
    days = await DemoSource(clock(now)).tempo(*EVERYTHING)
    assert days[0].day == season_start(now.date().replace(year=now.year - 3))
    assert calendar_violations(days) == []
    seasons: dict[date, Counter[TempoColor]] = {}
    for day in days:
        seasons.setdefault(season_start(day.day), Counter())[day.color] += 1
    complete = [start for start in seasons if start.replace(year=start.year + 1) <= now.date()]
    assert len(complete) == 3
    assert any(start.year % 4 == 3 for start in complete)  # a leap season is among them
    for start in complete:
        assert dict(seasons[start]) == season_quota(start)


async def test_red_and_white_days_fall_in_the_coldest_months(demo: DemoSource) -> None:
    days = await demo.tempo(*EVERYTHING)
    months = Counter(d.day.month for d in days if d.color is not TempoColor.BLUE)
    winter = sum(months[m] for m in (12, 1, 2))
    assert winter > 0.75 * sum(months.values())


async def test_tempo_household_uses_more_on_red_days_but_shifts_away_from_peak_hours(
    demo: DemoSource,
) -> None:
    colors = {d.day: d.color for d in await demo.tempo(*EVERYTHING)}
    curve = await demo.load_curve(DEMO_TEMPO_PDL, CONSUMPTION, date(2023, 11, 1), date(2024, 4, 1))
    total: Counter[date] = Counter()
    peak: Counter[date] = Counter()
    for point in curve:
        local = point.start.astimezone(PARIS)
        total[local.date()] += point.energy_wh
        if 6 <= local.hour < 22:
            peak[local.date()] += point.energy_wh

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    by_color = {c: [d for d in total if colors[d] is c] for c in TempoColor}
    # Red days are the coldest ones, so the heated house uses more than on a winter blue day...
    red = mean([total[d] for d in by_color[TempoColor.RED]])
    assert red > mean([total[d] for d in by_color[TempoColor.BLUE]])
    # ...but it saves during the expensive peak hours.
    share = {c: mean([peak[d] / total[d] for d in days]) for c, days in by_color.items()}
    assert share[TempoColor.RED] < share[TempoColor.WHITE] < share[TempoColor.BLUE]


@pytest.mark.parametrize(
    ("now", "has_tomorrow"),
    [(paris(2025, 1, 15, 10, 59), False), (paris(2025, 1, 15, 11, 0), True)],
)
async def test_tomorrow_is_published_at_eleven(now: datetime, has_tomorrow: bool) -> None:
    days = await DemoSource(clock(now)).tempo(date(2025, 1, 10), date(2025, 1, 20))
    assert days[-1].day == (date(2025, 1, 16) if has_tomorrow else date(2025, 1, 15))
    assert all(d.updated_at is not None and d.updated_at <= now for d in days)


# --------------------------------------------------------------------------- EcoWatt


@pytest.mark.parametrize(
    ("now", "count"),
    [
        (paris(2025, 1, 13, 16, 59), 3),  # Monday before 17:00
        (paris(2025, 1, 13, 17, 0), 4),
        (paris(2025, 1, 17, 12, 14), 3),  # Friday: published at 12:15
        (paris(2025, 1, 17, 12, 15), 4),
    ],
)
async def test_ecowatt_covers_j3_only_once_published(now: datetime, count: int) -> None:
    signals = await DemoSource(clock(now)).ecowatt()
    today = now.date()
    assert [s.day for s in signals] == [today + timedelta(days=i) for i in range(count)]
    assert all(s.generated_at is not None and s.generated_at <= now for s in signals)


async def test_ecowatt_levels_are_consistent_and_mostly_green() -> None:
    levels: Counter[int] = Counter()
    day = date(2021, 11, 1)
    while day < date(2025, 3, 1):
        for signal in await DemoSource(clock(paris(day.year, day.month, day.day, 18))).ecowatt():
            assert signal.level == max(signal.hourly)
            assert signal.hourly[:6] == (0,) * 6
            assert signal.message
            levels[signal.level] += 1
        day += timedelta(days=4)
    assert levels[1] > 0.8 * sum(levels.values())
    assert levels[2] > 0
