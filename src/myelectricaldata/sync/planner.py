"""What to ask a source for: missing days, recent corrections, remembered holes, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from myelectricaldata.domain.timeutil import day_length_minutes
from myelectricaldata.domain.types import Stream

#: Daily history kept: 3 years; load curve: 2 years (what the gateway serves: DESIGN.md §4.1).
DAILY_HISTORY_YEARS = 3
DETAIL_HISTORY_YEARS = 2
#: Recent days fetched again once a day, because Enedis corrects them for a while.
RECENT_DAYS = 7
#: At equal recency, the streams whose routes answer a refusal plainly (max power, production
#: daily) go first: they find a PDL's first day without the cache dropping days on the way.
STREAM_PRIORITY = (
    Stream.MAX_POWER,
    Stream.PRODUCTION_DAILY,
    Stream.CONSUMPTION_DAILY,
    Stream.CONSUMPTION_DETAIL,
    Stream.PRODUCTION_DETAIL,
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One source call: a stream of a PDL over the days [start, end)."""

    pdl: str
    stream: Stream
    start: date
    end: date

    @property
    def days(self) -> int:
        """Days covered."""
        return (self.end - self.start).days

    def label(self) -> str:
        """Human-readable description for progress displays."""
        last = self.end - timedelta(days=1)
        return f"{self.pdl} {self.stream.value} {self.start.isoformat()}..{last.isoformat()}"


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def history_start(stream: Stream, today: date) -> date:
    """Oldest day the gateway serves for a stream: 3 years back daily, 2 years load curve."""
    return years_before(today, DETAIL_HISTORY_YEARS if stream.is_detail else DAILY_HISTORY_YEARS)


def history_window(
    stream: Stream,
    today: date,
    activation: date | None,
    oldest: date | None,
    until: date | None = None,
) -> tuple[date, date]:
    """Days [start, end) a stream should hold: from the oldest day served to ``until``.

    ``until`` (default today) is the exclusive end the stream's route can serve.
    """
    start = history_start(stream, today)
    for bound in (activation, oldest):
        if bound is not None and bound > start:
            start = bound
    return start, until or today


def incomplete_days(
    start: date, end: date, present: set[date] | dict[date, int], *, detail: bool
) -> list[date]:
    """Days of [start, end) that are missing; a load-curve day counts its covered minutes."""
    missing = []
    day = start
    while day < end:
        if detail:
            assert isinstance(present, dict)
            if present.get(day, 0) < day_length_minutes(day):
                missing.append(day)
        elif day not in present:
            missing.append(day)
        day += timedelta(days=1)
    return missing


def subtract_ranges(days: Iterable[date], ranges: Iterable[tuple[date, date]]) -> list[date]:
    """Days not inside any of the [start, end) ranges."""
    spans = list(ranges)
    return [d for d in days if not any(s <= d < e for s, e in spans)]


def cover(pdl: str, stream: Stream, days: Iterable[date], max_days: int) -> list[Chunk]:
    """Fewest calls of at most ``max_days`` that cover ``days``, newest first.

    Greedy from the newest day: each call reaches back ``max_days`` and takes every wanted day
    inside, so scattered one-slot gaps share calls instead of costing one each.
    """
    wanted = sorted(set(days), reverse=True)
    chunks: list[Chunk] = []
    i = 0
    while i < len(wanted):
        newest = wanted[i]
        floor = newest - timedelta(days=max_days - 1)
        j = i
        while j + 1 < len(wanted) and wanted[j + 1] >= floor:
            j += 1
        chunks.append(Chunk(pdl, stream, wanted[j], newest + timedelta(days=1)))
        i = j + 1
    return chunks


def order_newest_first(chunks: Iterable[Chunk]) -> list[Chunk]:
    """All PDLs' and streams' chunks interleaved by recency, so no PDL starves the others."""
    priority = {stream: index for index, stream in enumerate(STREAM_PRIORITY)}
    return sorted(chunks, key=lambda c: (-c.end.toordinal(), priority[c.stream], c.pdl))


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped as [start, end) ranges, oldest first."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], day + timedelta(days=1))
        else:
            ranges.append((day, day + timedelta(days=1)))
    return ranges
