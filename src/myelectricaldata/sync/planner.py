"""What to ask a source for: missing days, recent corrections, remembered holes, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from myelectricaldata.domain.timeutil import day_length_minutes
from myelectricaldata.domain.types import Stream

#: Daily history kept: 3 years; load curve: 2 years (what the gateway serves).
DAILY_HISTORY_DAYS = 3 * 365
DETAIL_HISTORY_DAYS = 2 * 365
#: Recent days fetched again on every run, because Enedis corrects them for a while.
RECENT_DAYS = 7


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


def history_window(
    stream: Stream, today: date, activation: date | None, oldest: date | None
) -> tuple[date, date]:
    """Days [start, end) a stream should hold: up to yesterday, bounded by the meter's history."""
    depth = DETAIL_HISTORY_DAYS if stream.is_detail else DAILY_HISTORY_DAYS
    start = today - timedelta(days=depth)
    for bound in (activation, oldest):
        if bound is not None and bound > start:
            start = bound
    return start, today


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
    priority = {stream: index for index, stream in enumerate(Stream)}
    return sorted(chunks, key=lambda c: (-c.end.toordinal(), priority[c.stream], c.pdl))
