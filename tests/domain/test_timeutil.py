"""Paris calendar days, DST days and wall-clock times that repeat."""

from datetime import UTC, date, datetime, timedelta

import pytest

from myelectricaldata.domain.timeutil import (
    PARIS,
    LocalTimeSequence,
    day_bounds_utc,
    day_length_minutes,
    local_day_of,
    slots_in_day,
    to_epoch,
)

SPRING_FORWARD = date(2024, 3, 31)
FALL_BACK = date(2024, 10, 27)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "minutes", "half_hours"),
    [(SPRING_FORWARD, 1380, 46), (FALL_BACK, 1500, 50), (date(2024, 1, 15), 1440, 48)],
)
def test_dst_days_are_shorter_or_longer(day: date, minutes: int, half_hours: int) -> None:
    assert day_length_minutes(day) == minutes
    assert slots_in_day(day) == half_hours
    assert slots_in_day(day, 15) == half_hours * 2


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (
            date(2024, 1, 15),
            datetime(2024, 1, 14, 23, tzinfo=UTC),
            datetime(2024, 1, 15, 23, tzinfo=UTC),
        ),
        (
            date(2024, 7, 1),
            datetime(2024, 6, 30, 22, tzinfo=UTC),
            datetime(2024, 7, 1, 22, tzinfo=UTC),
        ),
        (
            SPRING_FORWARD,
            datetime(2024, 3, 30, 23, tzinfo=UTC),
            datetime(2024, 3, 31, 22, tzinfo=UTC),
        ),
        (FALL_BACK, datetime(2024, 10, 26, 22, tzinfo=UTC), datetime(2024, 10, 27, 23, tzinfo=UTC)),
    ],
)
def test_day_bounds_are_local_midnights_in_utc(day: date, start: datetime, end: datetime) -> None:
    assert day_bounds_utc(day) == (start, end)


def test_an_instant_belongs_to_its_paris_day() -> None:
    assert local_day_of(datetime(2024, 1, 14, 23, 30, tzinfo=UTC)) == date(2024, 1, 15)
    assert local_day_of(datetime(2024, 7, 1, 21, 59, tzinfo=UTC)) == date(2024, 7, 1)


def test_repeated_hour_on_fall_back_day_resolves_to_distinct_utc_instants() -> None:
    # The gateway sends 00:00 ... 01:30, 02:00, 02:30, 02:00, 02:30, 03:00 (wall clock, no offset).
    walls = [datetime(2024, 10, 27, 0, 0) + timedelta(minutes=30 * i) for i in range(6)]
    walls += [
        datetime(2024, 10, 27, 2, 0),
        datetime(2024, 10, 27, 2, 30),
        datetime(2024, 10, 27, 3),
    ]
    sequence = LocalTimeSequence()
    instants = [sequence.resolve(wall) for wall in walls]

    first_start = datetime(2024, 10, 26, 22, tzinfo=UTC)
    assert instants == [first_start + timedelta(minutes=30 * i) for i in range(len(walls))]
    assert len(set(instants)) == len(walls)
    assert instants[4].astimezone(PARIS).utcoffset() == timedelta(hours=2)
    assert instants[6].astimezone(PARIS).utcoffset() == timedelta(hours=1)


def test_local_time_sequence_keeps_aware_input_as_the_same_instant_in_utc() -> None:
    aware = datetime(2024, 10, 27, 2, 30, tzinfo=PARIS, fold=1)
    resolved = LocalTimeSequence().resolve(aware)
    assert resolved.tzinfo is UTC
    assert resolved == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    assert resolved.timestamp() == aware.timestamp()


def test_naive_datetimes_are_refused_where_an_instant_is_needed() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_day_of(datetime(2024, 1, 1, 12))
    with pytest.raises(ValueError, match="naive"):
        to_epoch(datetime(2024, 1, 1, 12))
