"""Planning: which days to ask for, in how few calls, in which order."""

from __future__ import annotations

from datetime import date, timedelta

from myelectricaldata.domain.types import Stream
from myelectricaldata.sync.planner import (
    Chunk,
    cover,
    day_runs,
    history_start,
    history_window,
    incomplete_days,
    order_newest_first,
    subtract_ranges,
)

PDL = "12345678901234"


def test_history_window_starts_at_the_oldest_day_the_gateway_serves() -> None:
    today = date(2026, 12, 6)
    # Calendar years, as the gateway counts them: one day earlier answers DATE_TOO_OLD.
    assert history_window(Stream.CONSUMPTION_DAILY, today, None, None) == (
        date(2023, 12, 6),
        today,
    )
    assert history_window(Stream.PRODUCTION_DETAIL, today, None, None)[0] == date(2024, 12, 6)
    assert history_start(Stream.MAX_POWER, date(2028, 2, 29)) == date(2025, 2, 28)


def test_history_window_ends_where_the_route_can_serve() -> None:
    today = date(2026, 12, 6)
    yesterday = today - timedelta(days=1)
    assert history_window(Stream.CONSUMPTION_DAILY, today, None, None, yesterday)[1] == yesterday


def test_history_window_starts_at_activation() -> None:
    today = date(2025, 6, 15)
    start, end = history_window(Stream.CONSUMPTION_DAILY, today, date(2024, 2, 1), None)
    assert (start, end) == (date(2024, 2, 1), today)


def test_cover_uses_fewest_calls_newest_first_with_no_gap_or_overlap() -> None:
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(20)]
    chunks = cover(PDL, Stream.CONSUMPTION_DETAIL, days, 7)
    assert [c.days for c in chunks] == [7, 7, 6]
    assert chunks[0].end == date(2024, 1, 21)
    covered = sorted(d for c in chunks for d in (c.start + timedelta(i) for i in range(c.days)))
    assert covered == days


def test_scattered_gaps_share_calls() -> None:
    days = [date(2024, 1, 2), date(2024, 1, 5), date(2024, 1, 30)]
    chunks = cover(PDL, Stream.CONSUMPTION_DETAIL, days, 7)
    assert chunks == [
        Chunk(PDL, Stream.CONSUMPTION_DETAIL, date(2024, 1, 30), date(2024, 1, 31)),
        Chunk(PDL, Stream.CONSUMPTION_DETAIL, date(2024, 1, 2), date(2024, 1, 6)),
    ]


def test_incomplete_days_count_minutes_including_dst() -> None:
    present = {date(2024, 10, 27): 1440, date(2024, 10, 28): 1440, date(2024, 3, 31): 1380}
    missing = incomplete_days(date(2024, 10, 27), date(2024, 10, 29), present, detail=True)
    assert missing == [date(2024, 10, 27)]  # a 25-hour day needs 1500 minutes
    assert incomplete_days(date(2024, 3, 31), date(2024, 4, 1), present, detail=True) == []


def test_remembered_ranges_are_not_asked_again() -> None:
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(10)]
    left = subtract_ranges(days, [(date(1970, 1, 1), date(2024, 1, 6))])
    assert left[0] == date(2024, 1, 6) and len(left) == 5


def test_order_interleaves_pdls_by_recency() -> None:
    other = "98765432109876"
    chunks = [
        Chunk(PDL, Stream.CONSUMPTION_DAILY, date(2023, 1, 1), date(2024, 1, 1)),
        Chunk(PDL, Stream.CONSUMPTION_DAILY, date(2024, 1, 1), date(2024, 6, 1)),
        Chunk(other, Stream.CONSUMPTION_DAILY, date(2024, 1, 1), date(2024, 6, 1)),
    ]
    ordered = order_newest_first(chunks)
    assert [c.end for c in ordered] == [date(2024, 6, 1), date(2024, 6, 1), date(2024, 1, 1)]
    assert {ordered[0].pdl, ordered[1].pdl} == {PDL, other}


def test_at_equal_recency_streams_with_plain_refusals_go_first() -> None:
    end = date(2024, 6, 1)
    chunks = [
        Chunk(PDL, stream, end - timedelta(days=7), end)
        for stream in (Stream.CONSUMPTION_DETAIL, Stream.CONSUMPTION_DAILY, Stream.MAX_POWER)
    ]
    assert [c.stream for c in order_newest_first(chunks)] == [
        Stream.MAX_POWER,
        Stream.CONSUMPTION_DAILY,
        Stream.CONSUMPTION_DETAIL,
    ]


def test_day_runs_groups_consecutive_days_end_exclusive() -> None:
    days = [date(2024, 1, 5), date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 2)]
    assert day_runs(days) == [
        (date(2024, 1, 1), date(2024, 1, 3)),
        (date(2024, 1, 5), date(2024, 1, 6)),
    ]
