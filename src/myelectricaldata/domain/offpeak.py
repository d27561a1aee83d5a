"""Off-peak hours (heures creuses) as the contract states them, e.g. ``HC (22H30-6H30)``."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.timeutil import PARIS

_RANGE = re.compile(r"(\d{1,2})\s*[Hh:]\s*(\d{0,2})\s*-\s*(\d{1,2})\s*[Hh:]\s*(\d{0,2})")


def _clock(hours: str, minutes: str, text: str) -> int:
    h, m = int(hours), int(minutes or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        raise InvalidInput("offpeak_hours", f"{text!r} has an impossible time {h}h{m:02d}")
    return (h * 60 + m) % 1440


def _hhmm(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


@dataclass(frozen=True, slots=True)
class OffpeakRange:
    """One off-peak range in minutes after local midnight; ``end < start`` crosses midnight."""

    start_min: int
    end_min: int

    def contains(self, minute_of_day: int) -> bool:
        """True if the local minute of day lies in [start, end)."""
        if self.start_min <= self.end_min:
            return self.start_min <= minute_of_day < self.end_min
        return minute_of_day >= self.start_min or minute_of_day < self.end_min

    def __str__(self) -> str:
        return f"{_hhmm(self.start_min)}-{_hhmm(self.end_min)}"


@dataclass(frozen=True, slots=True)
class OffpeakSchedule:
    """The off-peak ranges of one contract version."""

    ranges: tuple[OffpeakRange, ...]
    raw: str = ""

    @property
    def offpeak_minutes(self) -> int:
        """Total off-peak minutes in a normal 24-hour day."""
        return sum(1 for minute in range(1440) if self.contains_minute(minute))

    def contains_minute(self, minute_of_day: int) -> bool:
        """True if a local minute of day is off-peak."""
        return any(r.contains(minute_of_day) for r in self.ranges)

    def is_offpeak(self, instant: datetime) -> bool:
        """True if the aware instant is in off-peak hours (local Paris wall clock)."""
        local = instant.astimezone(PARIS)
        return self.contains_minute(local.hour * 60 + local.minute)

    def offpeak_fraction(self, start: datetime, minutes: int) -> float:
        """Share (0..1) of the interval [start, start+minutes) that is off-peak."""
        local = start.astimezone(PARIS)
        first = local.hour * 60 + local.minute
        hits = sum(1 for i in range(minutes) if self.contains_minute((first + i) % 1440))
        return hits / minutes

    def canonical(self) -> str:
        """Normalised text form, e.g. ``22:30-06:30;12:30-14:00``."""
        return ";".join(str(r) for r in self.ranges)


def parse_offpeak(text: str) -> OffpeakSchedule:
    """Parse Enedis' off-peak text (``HC (1H30-8H00;12H30-14H00)``, ``22:30-06:30``)."""
    if not text or not text.strip():
        raise InvalidInput("offpeak_hours", "empty: expected something like 'HC (22H30-6H30)'")
    found = _RANGE.findall(text)
    if not found:
        raise InvalidInput(
            "offpeak_hours", f"{text!r} has no range: expected something like 'HC (22H30-6H30)'"
        )
    ranges = []
    for h1, m1, h2, m2 in found:
        start, end = _clock(h1, m1, text), _clock(h2, m2, text)
        if start == end:
            raise InvalidInput("offpeak_hours", f"{text!r} has an empty range {h1}H{m1}-{h2}H{m2}")
        ranges.append(OffpeakRange(start, end))
    return OffpeakSchedule(tuple(ranges), raw=text.strip())


def try_parse_offpeak(text: str | None) -> OffpeakSchedule | None:
    """Like :func:`parse_offpeak` but ``None`` for a missing or unparsable text."""
    if not text:
        return None
    try:
        return parse_offpeak(text)
    except InvalidInput:
        return None


class OffpeakHistory:
    """Date-versioned schedules: on a day, the latest one that started on or before it applies.

    Past data is always split with the schedule of its own date, never today's.
    """

    def __init__(self, versions: list[tuple[date, OffpeakSchedule]]) -> None:
        ordered = sorted(versions, key=lambda item: item[0])
        self._starts = [start for start, _ in ordered]
        self._schedules = [schedule for _, schedule in ordered]

    def at(self, day: date) -> OffpeakSchedule | None:
        """Schedule in force on a Paris calendar day (the oldest one before any version)."""
        if not self._schedules:
            return None
        index = bisect_right(self._starts, day) - 1
        return self._schedules[max(index, 0)]

    def is_offpeak(self, instant: datetime) -> bool:
        """True if the instant is off-peak under the schedule of its own local day."""
        schedule = self.at(instant.astimezone(PARIS).date())
        return schedule.is_offpeak(instant) if schedule else False
