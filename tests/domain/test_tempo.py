"""Tempo days (06:00 to 06:00), HC hours, seasons, quotas and calendar rules."""

from datetime import UTC, date, datetime, timedelta

import pytest

from myelectricaldata.domain.tempo import (
    calendar_violations,
    is_tempo_offpeak,
    red_allowed,
    remaining_in_season,
    season_days,
    season_label,
    season_quota,
    season_start,
    tempo_day_of,
)
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import TempoColor, TempoDay

BLUE, WHITE, RED = TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED


def valid_season(start: date) -> list[TempoDay]:
    """A calendar that follows every rule: reds on winter weekdays, whites Mon-Sat."""
    days = [start + timedelta(days=i) for i in range(season_days(start))]
    reds = {d for d in days if red_allowed(d) and d >= date(start.year, 12, 1)}
    reds = set(sorted(reds)[:22])
    whites = [d for d in days if d not in reds and d.weekday() != 6 and d.month in (11, 12, 1, 2)]
    whites_set = set(whites[:43])
    colors = {d: RED if d in reds else WHITE if d in whites_set else BLUE for d in days}
    return [TempoDay(d, colors[d]) for d in days]


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_tempo_day_starts_at_six_local() -> None:
    assert tempo_day_of(paris(2024, 1, 15, 5, 59)) == date(2024, 1, 14)
    assert tempo_day_of(paris(2024, 1, 15, 6, 0)) == date(2024, 1, 15)
    # Same rule from a UTC instant, in summer time (06:00 CEST is 04:00 UTC).
    assert tempo_day_of(datetime(2024, 7, 1, 3, 59, tzinfo=UTC)) == date(2024, 6, 30)
    assert tempo_day_of(datetime(2024, 7, 1, 4, 0, tzinfo=UTC)) == date(2024, 7, 1)


def test_tempo_off_peak_runs_from_22_to_6() -> None:
    assert not is_tempo_offpeak(paris(2024, 1, 15, 21, 59))
    assert is_tempo_offpeak(paris(2024, 1, 15, 22, 0))
    assert is_tempo_offpeak(paris(2024, 1, 16, 5, 59))
    assert not is_tempo_offpeak(paris(2024, 1, 16, 6, 0))


def test_season_runs_from_first_of_september() -> None:
    assert season_start(date(2024, 8, 31)) == date(2023, 9, 1)
    assert season_start(date(2024, 9, 1)) == date(2024, 9, 1)
    assert season_label(date(2025, 2, 1)) == "2024-2025"


def test_leap_season_has_301_blue_days() -> None:
    assert season_quota(date(2023, 9, 1)) == {BLUE: 301, WHITE: 43, RED: 22}
    assert season_quota(date(2024, 9, 1)) == {BLUE: 300, WHITE: 43, RED: 22}


@pytest.mark.parametrize("start", [date(2023, 9, 1), date(2024, 9, 1)])
def test_a_calendar_following_the_rules_has_no_violation(start: date) -> None:
    assert calendar_violations(valid_season(start)) == []


def replace(days: list[TempoDay], day: date, color: TempoColor) -> list[TempoDay]:
    return [TempoDay(d.day, color) if d.day == day else d for d in days]


def test_red_on_saturday_is_a_violation() -> None:
    days = replace(valid_season(date(2024, 9, 1)), date(2025, 1, 4), RED)
    assert any("2025-01-04: red" in p for p in calendar_violations(days))


def test_red_in_october_is_a_violation() -> None:
    days = replace(valid_season(date(2024, 9, 1)), date(2024, 10, 15), RED)
    assert any("2024-10-15: red" in p for p in calendar_violations(days))


def test_non_blue_sunday_is_a_violation() -> None:
    days = replace(valid_season(date(2024, 9, 1)), date(2024, 12, 1), WHITE)
    assert any("Sunday" in p for p in calendar_violations(days))


def test_too_many_red_days_in_a_partial_season_is_a_violation() -> None:
    weekdays = [date(2025, 1, 1) + timedelta(days=i) for i in range(40)]
    reds = [TempoDay(d, RED) for d in weekdays if d.weekday() < 5][:23]
    assert calendar_violations(reds[:22]) == []
    assert calendar_violations(reds) == ["season 2024-2025: 23 RED days, expected 22"]


def test_complete_season_must_match_the_quota_exactly() -> None:
    season = valid_season(date(2024, 9, 1))
    a_white = next(d.day for d in season if d.color is WHITE)
    problems = calendar_violations(replace(season, a_white, BLUE))
    assert "season 2024-2025: 42 WHITE days, expected 43" in problems


def test_remaining_counts_only_the_current_season() -> None:
    known = [TempoDay(date(2024, 9, 1) + timedelta(days=i), BLUE) for i in range(100)]
    known += [TempoDay(date(2025, 1, 6), RED), TempoDay(date(2025, 1, 7), RED)]
    known += [TempoDay(date(2025, 1, 11), WHITE)]
    known += [TempoDay(date(2024, 1, 8), RED)]  # previous season
    assert remaining_in_season(known, date(2025, 1, 12)) == {BLUE: 200, WHITE: 42, RED: 20}
