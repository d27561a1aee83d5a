"""RTE Tempo rules: the Tempo day runs 06:00 to 06:00, seasons run 1 September to 31 August."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import TempoColor, TempoDay

#: Local hour at which a Tempo day starts and its peak hours (HP) begin.
DAY_START_HOUR = 6
#: Local hour at which the off-peak hours (HC) of a Tempo day begin.
HC_START_HOUR = 22
WHITE_DAYS = 43
RED_DAYS = 22


def tempo_instant(day: date) -> datetime:
    """When a Tempo day starts: 06:00 Paris time (its colour applies until 06:00 the next day)."""
    return datetime.combine(day, time(DAY_START_HOUR), tzinfo=PARIS)


def tempo_day_of(instant: datetime) -> date:
    """The Tempo day an aware instant belongs to (before 06:00 local: the previous day)."""
    local = instant.astimezone(PARIS)
    return local.date() - timedelta(days=1) if local.hour < DAY_START_HOUR else local.date()


def is_tempo_offpeak(instant: datetime) -> bool:
    """True between 22:00 and 06:00 local time, the Tempo HC hours."""
    hour = instant.astimezone(PARIS).hour
    return hour >= HC_START_HOUR or hour < DAY_START_HOUR


def season_start(day: date) -> date:
    """1 September that opens the season containing ``day``."""
    year = day.year if day.month >= 9 else day.year - 1
    return date(year, 9, 1)


def season_label(day: date) -> str:
    """Season name such as ``2024-2025``."""
    start = season_start(day)
    return f"{start.year}-{start.year + 1}"


def season_days(start: date) -> int:
    """Number of days in the season that opens on ``start`` (366 when it holds 29 February)."""
    return 366 if calendar.isleap(start.year + 1) else 365


def season_quota(start: date) -> dict[TempoColor, int]:
    """Days of each colour in a season: 300 (301 in a leap season) blue, 43 white, 22 red."""
    return {
        TempoColor.BLUE: season_days(start) - WHITE_DAYS - RED_DAYS,
        TempoColor.WHITE: WHITE_DAYS,
        TempoColor.RED: RED_DAYS,
    }


def red_allowed(day: date) -> bool:
    """A red day is only possible 1 Nov - 31 Mar, Monday to Friday."""
    in_winter = day.month >= 11 or day.month <= 3
    return in_winter and day.weekday() < 5


def day_violations(day: TempoDay) -> list[str]:
    """Rules that a single day breaks."""
    problems = []
    if day.color is TempoColor.RED and not red_allowed(day.day):
        problems.append(f"{day.day}: red is only allowed Monday-Friday from 1 Nov to 31 Mar")
    if day.day.weekday() == 6 and day.color is not TempoColor.BLUE:
        problems.append(f"{day.day}: Sunday is always blue")
    return problems


def calendar_violations(days: Iterable[TempoDay]) -> list[str]:
    """Every rule a calendar breaks; a complete season must match the quota exactly."""
    problems: list[str] = []
    seasons: dict[date, Counter[TempoColor]] = {}
    for day in days:
        problems.extend(day_violations(day))
        seasons.setdefault(season_start(day.day), Counter())[day.color] += 1
    for start, counts in sorted(seasons.items()):
        quota = season_quota(start)
        complete = sum(counts.values()) == season_days(start)
        for color, allowed in quota.items():
            if counts[color] > allowed or (complete and counts[color] != allowed):
                problems.append(
                    f"season {start.year}-{start.year + 1}: {counts[color]} {color.value} days, "
                    f"expected {allowed}"
                )
    return problems


def remaining_in_season(days: Iterable[TempoDay], today: date) -> dict[TempoColor, int]:
    """Days of each colour still to come in the season of ``today`` (quota minus days known)."""
    start = season_start(today)
    used: Counter[TempoColor] = Counter(d.color for d in days if season_start(d.day) == start)
    return {color: quota - used[color] for color, quota in season_quota(start).items()}
