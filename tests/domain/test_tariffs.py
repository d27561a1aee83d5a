"""Tariff prices and the reference split of load-curve energy by tag (HC/HP, Tempo)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import OffpeakHistory, parse_offpeak
from myelectricaldata.domain.tariffs import (
    DEFAULT_PRICES_DATE,
    UNCLASSIFIED,
    TariffPrices,
    split_energy,
    split_energy_by_day,
    split_rows_by_day,
    subscription_share,
    tags_for,
)
from myelectricaldata.domain.tempo import is_tempo_offpeak, tempo_day_of
from myelectricaldata.domain.timeutil import PARIS, day_bounds_utc
from myelectricaldata.domain.types import LoadCurvePoint, PricingOption, TempoColor

BLUE, WHITE, RED = TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED
HC_HP, TEMPO, BASE = PricingOption.HC_HP, PricingOption.TEMPO, PricingOption.BASE
NIGHT = OffpeakHistory([(date(1970, 1, 1), parse_offpeak("HC (22H30-6H30)"))])
NO_SCHEDULE = OffpeakHistory([])


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def day_points(day: date, watts: int = 1200, minutes: int = 30) -> list[LoadCurvePoint]:
    """Every slot of a local day at a constant power (46, 48 or 50 half-hours)."""
    start, end = day_bounds_utc(day)
    count = int((end - start).total_seconds() // 60) // minutes
    return [
        LoadCurvePoint(start + timedelta(minutes=minutes * i), watts, minutes) for i in range(count)
    ]


def reference_split(
    points: list[LoadCurvePoint],
    option: PricingOption,
    history: OffpeakHistory,
    tempo: dict[date, TempoColor],
) -> dict[str, float]:
    """Minute by minute with datetime arithmetic: slow, obvious, independent of the module."""
    out: dict[str, float] = defaultdict(float)
    for p in points:
        per_minute = p.avg_w / 60.0
        for i in range(p.interval_min):
            instant = p.start + timedelta(minutes=i)
            local = instant.astimezone(PARIS)
            if option is TEMPO:
                color = tempo.get(tempo_day_of(instant))
                hours = "hc" if is_tempo_offpeak(instant) else "hp"
                tag = UNCLASSIFIED if color is None else f"{color.value.lower()}{hours}"
            elif option is HC_HP:
                schedule = history.at(local.date())
                minute = local.hour * 60 + local.minute
                tag = "hc" if schedule is not None and schedule.contains_minute(minute) else "hp"
            else:
                tag = "base"
            out[tag] += per_minute
    return dict(out)


def assert_same(actual: dict[str, float], expected: dict[str, float]) -> None:
    for tag in set(actual) | set(expected):
        assert actual.get(tag, 0.0) == pytest.approx(expected.get(tag, 0.0), abs=1e-6), tag


# --------------------------------------------------------------------------- prices


def test_defaults_are_the_regulated_tariff_of_august_2025() -> None:
    prices = TariffPrices()
    assert date(2025, 8, 1) == DEFAULT_PRICES_DATE
    assert (prices.base_eur_kwh, prices.hc_eur_kwh, prices.hp_eur_kwh) == (0.1952, 0.1635, 0.2081)
    assert prices.subscription_eur_month == pytest.approx(185.64 / 12, abs=0.005)
    assert prices.production_resale_eur_kwh is None


def test_price_of_each_option() -> None:
    prices = TariffPrices()
    assert prices.price_of(BASE, True, None) == 0.1952
    assert prices.price_of(BASE, False, RED) == 0.1952  # colour and hours do not matter
    assert prices.price_of(None, True, None) == 0.1952
    assert prices.price_of(PricingOption.EJP, False, None) == 0.1952
    assert prices.price_of(HC_HP, True, None) == 0.1635
    assert prices.price_of(HC_HP, False, None) == 0.2081
    assert prices.price_of(PricingOption.HC_WEEKEND, True, None) == 0.1635
    expected = {
        (BLUE, True): 0.1232,
        (BLUE, False): 0.1494,
        (WHITE, True): 0.1391,
        (WHITE, False): 0.1730,
        (RED, True): 0.1460,
        (RED, False): 0.6468,
    }
    for (color, offpeak), price in expected.items():
        assert prices.price_of(TEMPO, offpeak, color) == price


def test_tempo_price_needs_a_colour() -> None:
    with pytest.raises(InvalidInput, match="tempo_color"):
        TariffPrices().price_of(TEMPO, True, None)


def test_prices_are_validated_and_overridable() -> None:
    custom = TariffPrices(hp_eur_kwh=0.25, subscription_eur_month=20)
    assert custom.price_of(HC_HP, False, None) == 0.25
    with pytest.raises(ValidationError):
        TariffPrices(base_eur_kwh=-1)
    with pytest.raises(ValidationError):
        TariffPrices(bogus=1)  # type: ignore[call-arg]
    with pytest.raises(InvalidInput, match="tariff tag"):
        TariffPrices().price_of_tag("purple")


def test_subscription_is_prorated_per_day_of_each_month() -> None:
    prices = TariffPrices(subscription_eur_month=30.0)
    assert subscription_share(prices, date(2025, 11, 1), date(2025, 11, 30)) == pytest.approx(30)
    assert subscription_share(prices, date(2025, 2, 1), date(2025, 2, 28)) == pytest.approx(30)
    assert subscription_share(prices, date(2025, 11, 19), date(2025, 11, 19)) == pytest.approx(1)
    # 31 January (1/31) + 1 February (1/28).
    assert subscription_share(prices, date(2025, 1, 31), date(2025, 2, 1)) == pytest.approx(
        30 / 31 + 30 / 28
    )
    assert subscription_share(prices, date(2025, 1, 1), date(2025, 12, 31)) == pytest.approx(360)


# --------------------------------------------------------------------------- split


def test_tags_of_each_option() -> None:
    assert tags_for(BASE) == ("base",)
    assert tags_for(None) == ("base",)
    assert tags_for(PricingOption.EJP) == ("base",)
    assert tags_for(HC_HP) == ("hc", "hp")
    assert tags_for(PricingOption.HC_WEEKEND) == ("hc", "hp")
    assert tags_for(TEMPO) == ("bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp")


def test_ordinary_day_splits_eight_hours_off_peak() -> None:
    points = day_points(date(2024, 1, 15), watts=1200)
    assert split_energy(points, HC_HP, NIGHT, {}) == {"hc": 8 * 1200, "hp": 16 * 1200}
    assert split_energy(points, BASE, NIGHT, {}) == {"base": 24 * 1200}


def test_spring_dst_day_has_one_off_peak_hour_less() -> None:
    # 31 March 2024: 23 hours, 02:00-03:00 does not exist and lies in 22:30-06:30.
    points = day_points(date(2024, 3, 31), watts=1200)
    assert len(points) == 46
    assert split_energy(points, HC_HP, NIGHT, {}) == {"hc": 7 * 1200, "hp": 16 * 1200}
    by_day = split_energy_by_day(points, HC_HP, NIGHT, {})
    assert list(by_day) == [date(2024, 3, 31)]
    assert by_day[date(2024, 3, 31)].minutes == 23 * 60


def test_autumn_dst_day_has_one_off_peak_hour_more() -> None:
    # 27 October 2024: 25 hours, 02:00-03:00 happens twice, both off-peak.
    points = day_points(date(2024, 10, 27), watts=1200)
    assert len(points) == 50
    assert split_energy(points, HC_HP, NIGHT, {}) == {"hc": 9 * 1200, "hp": 16 * 1200}
    # Tempo: the whole night belongs to the Tempo day that started on the 26th at 06:00.
    tempo = {date(2024, 10, 26): WHITE, date(2024, 10, 27): BLUE}
    assert split_energy(points, TEMPO, NIGHT, tempo) == {
        "bluehc": 2 * 1200,
        "bluehp": 16 * 1200,
        "whitehc": 7 * 1200,
        "whitehp": 0.0,
        "redhc": 0.0,
        "redhp": 0.0,
    }


def test_sixty_minute_interval_straddling_a_boundary_is_split_by_offpeak_fraction() -> None:
    schedule = NIGHT.at(date(2024, 1, 15))
    assert schedule is not None
    start = paris(2024, 1, 15, 22, 0)
    point = LoadCurvePoint(start.astimezone(UTC), 1000, 60)
    assert schedule.offpeak_fraction(start, 60) == 0.5
    assert split_energy([point], HC_HP, NIGHT, {}) == {"hc": 500.0, "hp": 500.0}
    odd = OffpeakHistory([(date(1970, 1, 1), parse_offpeak("HC (22H08-6H08)"))])
    expected_hc = 1000 * odd.at(date(2024, 1, 15)).offpeak_fraction(start, 60)  # type: ignore[union-attr]
    assert split_energy([point], HC_HP, odd, {})["hc"] == pytest.approx(expected_hc)
    assert expected_hc == pytest.approx(1000 * 52 / 60)


def test_each_day_is_split_with_its_own_schedule_never_todays() -> None:
    history = OffpeakHistory(
        [
            (date(1970, 1, 1), parse_offpeak("HC (22H30-6H30)")),
            (date(2025, 11, 1), parse_offpeak("HC (1H30-8H00;12H30-14H00)")),
        ]
    )
    late_october = LoadCurvePoint(paris(2025, 10, 31, 23, 0).astimezone(UTC), 1000, 30)
    november_midnight = LoadCurvePoint(paris(2025, 11, 1, 0, 30).astimezone(UTC), 1000, 30)
    november_noon = LoadCurvePoint(paris(2025, 11, 1, 13, 0).astimezone(UTC), 1000, 30)
    # 31 October keeps the old night schedule; from 1 November the new one applies.
    assert split_energy([late_october], HC_HP, history, {}) == {"hc": 500.0, "hp": 0.0}
    assert split_energy([november_midnight], HC_HP, history, {}) == {"hc": 0.0, "hp": 500.0}
    assert split_energy([november_noon], HC_HP, history, {}) == {"hc": 500.0, "hp": 0.0}
    points = day_points(date(2025, 10, 31)) + day_points(date(2025, 11, 1))
    by_day = split_energy_by_day(points, HC_HP, history, {})
    assert by_day[date(2025, 10, 31)].wh == {"hc": 8 * 1200, "hp": 16 * 1200}
    assert by_day[date(2025, 11, 1)].wh == {"hc": 8 * 1200, "hp": 16 * 1200}
    assert_same(
        split_energy(points, HC_HP, history, {}), reference_split(points, HC_HP, history, {})
    )


def test_a_contract_without_schedule_counts_as_peak() -> None:
    points = day_points(date(2024, 1, 15))
    assert split_energy(points, HC_HP, NO_SCHEDULE, {}) == {"hc": 0.0, "hp": 24 * 1200}


def test_hc_weekend_makes_the_whole_weekend_off_peak() -> None:
    saturday, monday = date(2024, 1, 13), date(2024, 1, 15)
    option = PricingOption.HC_WEEKEND
    assert split_energy(day_points(saturday), option, NIGHT, {}) == {"hc": 24 * 1200, "hp": 0.0}
    assert split_energy(day_points(monday), option, NIGHT, {}) == {"hc": 8 * 1200, "hp": 16 * 1200}


def test_tempo_day_starts_at_six() -> None:
    red_day, blue_day = date(2025, 1, 14), date(2025, 1, 15)
    tempo = {red_day: RED, blue_day: BLUE}

    def at(hour: int, minute: int, minutes: int = 30) -> LoadCurvePoint:
        return LoadCurvePoint(paris(2025, 1, 15, hour, minute).astimezone(UTC), 1000, minutes)

    # 05:00 on the 15th is still the red Tempo day of the 14th (off-peak).
    assert split_energy([at(5, 0)], TEMPO, NIGHT, tempo)["redhc"] == 500.0
    assert split_energy([at(6, 0)], TEMPO, NIGHT, tempo)["bluehp"] == 500.0
    assert split_energy([at(21, 30)], TEMPO, NIGHT, tempo)["bluehp"] == 500.0
    assert split_energy([at(22, 0)], TEMPO, NIGHT, tempo)["bluehc"] == 500.0
    straddling = split_energy([at(5, 30, 60)], TEMPO, NIGHT, tempo)
    assert (straddling["redhc"], straddling["bluehp"]) == (500.0, 500.0)
    # Tempo ignores the contract's off-peak schedule: 22:00-06:00 is the rule.
    assert split_energy([at(22, 0)], TEMPO, NO_SCHEDULE, tempo)["bluehc"] == 500.0


def test_red_day_peak_hours_are_priced_red() -> None:
    red_day = date(2025, 1, 14)
    split = split_energy(
        day_points(red_day, watts=1000), TEMPO, NIGHT, {red_day - timedelta(1): BLUE, red_day: RED}
    )
    assert split["redhp"] == 16_000 and split["redhc"] == 2_000 and split["bluehc"] == 6_000
    prices = TariffPrices()
    assert prices.cost_of(split) == pytest.approx(16 * 0.6468 + 2 * 0.1460 + 6 * 0.1232)


def test_unknown_tempo_colour_is_left_unclassified() -> None:
    day = date(2025, 1, 15)
    split = split_energy(day_points(day, watts=1000), TEMPO, NIGHT, {day: BLUE})
    assert split[UNCLASSIFIED] == 6_000  # 00:00-06:00 belongs to the 14th, colour unknown
    assert split["bluehp"] == 16_000 and split["bluehc"] == 2_000
    assert TariffPrices().cost_of(split) == pytest.approx(16 * 0.1494 + 2 * 0.1232)
    assert UNCLASSIFIED not in split_energy(
        day_points(day), TEMPO, NIGHT, {day: BLUE, day - timedelta(1): RED}
    )


@pytest.mark.parametrize("minutes", [10, 15, 30, 45, 60])
@pytest.mark.parametrize("option", [HC_HP, TEMPO, BASE])
def test_split_equals_a_minute_by_minute_reference_across_dst_changes(
    minutes: int, option: PricingOption
) -> None:
    rng = random.Random(f"{minutes}{option}")
    history = OffpeakHistory(
        [
            (date(1970, 1, 1), parse_offpeak("HC (22H37-6H37)")),
            (date(2024, 3, 31), parse_offpeak("HC (1H30-8H00;12H30-14H00)")),
            (date(2024, 10, 27), parse_offpeak("HC (2H10-3H20;23H00-5H50)")),
        ]
    )
    tempo = {
        date(2024, 3, 25) + timedelta(days=i): rng.choice([BLUE, WHITE, RED]) for i in range(230)
    }
    del tempo[date(2024, 10, 26)]
    # Starts off the half-hour grid so that intervals straddle midnight, 06:00, 22:00 and
    # the DST changes themselves.
    for start in (
        datetime(2024, 3, 29, 0, 7, tzinfo=UTC),
        datetime(2024, 10, 25, 7, 13, tzinfo=UTC),
    ):
        points = [
            LoadCurvePoint(start + timedelta(minutes=minutes * i), rng.randint(0, 6000), minutes)
            for i in range(4 * 1440 // minutes)
        ]
        expected = reference_split(points, option, history, tempo)
        assert_same(split_energy(points, option, history, tempo), expected)
        rows = [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in points]
        by_day = split_rows_by_day(rows, option, history, tempo)
        total: dict[str, float] = defaultdict(float)
        for day_split in by_day.values():
            for tag, wh in day_split.wh.items():
                total[tag] += wh
        assert_same(dict(total), expected)
        assert sum(s.minutes for s in by_day.values()) == minutes * len(points)


def test_by_day_attributes_energy_to_the_local_calendar_day() -> None:
    # 23:30-00:30 local: half on each day.
    point = LoadCurvePoint(paris(2024, 1, 15, 23, 30).astimezone(UTC), 1000, 60)
    by_day = split_energy_by_day([point], HC_HP, NIGHT, {})
    assert {d: (s.wh["hc"], s.minutes) for d, s in by_day.items()} == {
        date(2024, 1, 15): (500.0, 30),
        date(2024, 1, 16): (500.0, 30),
    }


def test_naive_start_is_refused() -> None:
    with pytest.raises(InvalidInput, match="aware"):
        split_energy([LoadCurvePoint(datetime(2024, 1, 1), 100)], BASE, NIGHT, {})


def test_two_years_of_load_curve_split_keep_every_watt_hour() -> None:
    # Its speed is measured by `python -m bench tariffs`, not asserted here.
    start = datetime(2023, 11, 20, tzinfo=UTC)
    rng = random.Random(7)
    points = [
        LoadCurvePoint(start + timedelta(minutes=30 * i), rng.randint(0, 9000))
        for i in range(35_040)
    ]
    history = OffpeakHistory(
        [
            (date(1970, 1, 1), parse_offpeak("HC (22H30-6H30)")),
            (date(2025, 1, 1), parse_offpeak("HC (1H30-8H00;12H30-14H00)")),
        ]
    )
    tempo = {
        date(2023, 11, 19) + timedelta(days=i): rng.choice([BLUE, WHITE, RED]) for i in range(740)
    }
    total = sum(p.energy_wh for p in points)
    for option in (BASE, HC_HP, TEMPO):
        split = split_energy(points, option, history, tempo)
        assert sum(split.values()) == pytest.approx(total)
