"""Off-peak hours as contracts state them, and which schedule applies on which day."""

from datetime import UTC, date, datetime

import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import OffpeakHistory, OffpeakRange, parse_offpeak
from myelectricaldata.domain.timeutil import PARIS


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_enedis_single_range_crossing_midnight() -> None:
    schedule = parse_offpeak("HC (22H30-6H30)")
    assert schedule.ranges == (OffpeakRange(22 * 60 + 30, 6 * 60 + 30),)
    assert schedule.canonical() == "22:30-06:30"
    assert schedule.offpeak_minutes == 8 * 60


def test_two_ranges() -> None:
    schedule = parse_offpeak("HC (1H30-8H00;12H30-14H00)")
    assert schedule.canonical() == "01:30-08:00;12:30-14:00"
    assert schedule.offpeak_minutes == 8 * 60


def test_range_crossing_midnight_covers_both_sides() -> None:
    schedule = parse_offpeak("HC (22H00-6H00)")
    assert schedule.is_offpeak(paris(2024, 1, 15, 23, 59))
    assert schedule.is_offpeak(paris(2024, 1, 16, 0, 0))
    assert schedule.is_offpeak(paris(2024, 1, 16, 5, 59))
    assert not schedule.is_offpeak(paris(2024, 1, 16, 6, 0))
    assert not schedule.is_offpeak(paris(2024, 1, 15, 21, 59))


@pytest.mark.parametrize("text", ["hc (22h30-6h30)", "22:30-06:30", "HC ( 22H30 - 6H30 )"])
def test_lower_case_and_colon_forms(text: str) -> None:
    assert parse_offpeak(text).canonical() == "22:30-06:30"


@pytest.mark.parametrize("text", ["", "   ", "HC", "heures creuses", "HC (25H00-6H00)"])
def test_empty_or_garbage_is_refused_naming_offpeak_hours(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_offpeak(text)
    assert error.value.field == "offpeak_hours"


def test_fraction_of_a_30_minute_interval_straddling_a_boundary() -> None:
    schedule = parse_offpeak("HC (22H15-6H15)")
    assert schedule.offpeak_fraction(paris(2024, 1, 15, 22, 0), 30) == 0.5
    assert schedule.offpeak_fraction(paris(2024, 1, 16, 6, 0), 30) == 0.5
    assert schedule.offpeak_fraction(paris(2024, 1, 16, 3, 0), 30) == 1.0


def test_fraction_of_a_60_minute_interval_straddling_a_boundary() -> None:
    schedule = parse_offpeak("HC (22H30-6H30)")
    assert schedule.offpeak_fraction(paris(2024, 1, 15, 22, 0), 60) == 0.5
    assert schedule.offpeak_fraction(paris(2024, 1, 16, 6, 0), 60) == 0.5
    assert schedule.offpeak_fraction(paris(2024, 1, 16, 12, 0), 60) == 0.0


def test_history_uses_the_schedule_in_force_on_each_date() -> None:
    history = OffpeakHistory(
        [
            (date(2025, 3, 1), parse_offpeak("HC (1H30-8H00;12H30-14H00)")),
            (date(2020, 1, 1), parse_offpeak("HC (22H00-6H00)")),
        ]
    )
    # A 2025 reform does not re-split 2024.
    assert history.is_offpeak(paris(2024, 6, 1, 23, 0))
    assert not history.is_offpeak(paris(2024, 6, 1, 13, 0))
    assert history.is_offpeak(paris(2025, 6, 1, 13, 0))
    assert not history.is_offpeak(paris(2025, 6, 1, 23, 0))
    assert history.at(date(2025, 2, 28)) is history.at(date(2020, 1, 1))
    # Before the first known version, the oldest schedule is the best guess.
    assert history.at(date(2019, 1, 1)) is history.at(date(2020, 1, 1))


def test_empty_history_knows_no_off_peak() -> None:
    assert OffpeakHistory([]).at(date(2024, 1, 1)) is None
    assert not OffpeakHistory([]).is_offpeak(paris(2024, 1, 1, 23, 0))


def test_instants_on_dst_days_use_the_paris_wall_clock() -> None:
    schedule = parse_offpeak("HC (22H30-6H30)")
    # 2024-03-31: 04:45 UTC is already 06:45 summer time, so peak hours.
    assert schedule.is_offpeak(datetime(2024, 3, 31, 4, 15, tzinfo=UTC))
    assert not schedule.is_offpeak(datetime(2024, 3, 31, 4, 45, tzinfo=UTC))
    # 2024-10-27: both 02:30 wall-clock times are off-peak, 05:45 UTC is 06:45 winter time.
    assert schedule.is_offpeak(datetime(2024, 10, 27, 0, 30, tzinfo=UTC))
    assert schedule.is_offpeak(datetime(2024, 10, 27, 1, 30, tzinfo=UTC))
    assert not schedule.is_offpeak(datetime(2024, 10, 27, 5, 45, tzinfo=UTC))
