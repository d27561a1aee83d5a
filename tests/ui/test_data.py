"""What the kWh and € pages compute: N vs N-1 on the same dates, monthly bars for long periods,
the HC/HP split totals, the cost per tariff tag. Expected values are worked out by hand here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from myelectricaldata.domain.tariffs import DaySplit
from myelectricaldata.domain.types import PricingOption
from myelectricaldata.ui.data import (
    MAX_CUSTOM_DAYS,
    Period,
    bars,
    comparable_day,
    period_of,
    read_period,
    split_totals,
    year_on_year,
)
from myelectricaldata.ui.query import read_typed_day


def test_n_minus_1_is_the_same_date_a_year_earlier_or_52_weeks_for_a_week() -> None:
    assert comparable_day(date(2026, 12, 6), "month") == date(2025, 12, 6)
    assert comparable_day(date(2024, 2, 29), "year") == date(2023, 2, 28)
    week_day = comparable_day(date(2026, 12, 7), "week")
    assert week_day == date(2025, 12, 8)
    assert week_day.weekday() == date(2026, 12, 7).weekday()


def test_year_on_year_compares_only_the_days_both_years_have() -> None:
    current = {date(2026, 1, 1): 10_000.0, date(2026, 1, 2): 12_000.0, date(2026, 1, 3): 9_000.0}
    # 2 January 2025 is missing: that day is left out on both sides.
    previous = {date(2025, 1, 1): 8_000.0, date(2025, 1, 3): 10_000.0, date(2025, 1, 4): 99.0}
    yoy = year_on_year(current, previous, "month")
    assert (yoy.current, yoy.previous, yoy.days, yoy.unmatched) == (19_000.0, 18_000.0, 2, 1)
    assert yoy.change == 1_000.0
    assert yoy.change_pct == pytest.approx(5.6)  # 1000 / 18000 = 5.55...%, to 0.1


def test_year_on_year_without_last_year_is_unknown() -> None:
    yoy = year_on_year({date(2026, 1, 1): 5.0}, {}, "day")
    assert yoy.previous is None and yoy.change is None and yoy.change_pct is None


def test_a_year_is_charted_as_twelve_monthly_bars_with_last_year_beside() -> None:
    period = period_of("year", date(2025, 6, 15))
    current = {period.start + timedelta(days=i): 1000.0 for i in range(365)}
    previous = {date(2024, 1, 1) + timedelta(days=i): 500.0 for i in range(366)}
    chart = bars(period, period.end, current, previous)
    assert chart.monthly and len(chart.labels) == 12
    assert chart.labels[0] == date(2025, 1, 1) and chart.labels[-1] == date(2025, 12, 1)
    assert chart.values[1] == 28 * 1000.0  # February 2025
    assert chart.previous[1] == 28 * 500.0  # the same 28 dates of 2024 (not the 29th)
    assert chart.values[0] == 31 * 1000.0


def test_a_month_is_charted_per_day_up_to_the_newest_day() -> None:
    period = period_of("month", date(2026, 12, 6))
    chart = bars(period, date(2026, 12, 5), {date(2026, 12, 2): 3.0}, {date(2025, 12, 5): 7.0})
    assert not chart.monthly
    assert len(chart.labels) == 5
    assert chart.values == [None, 3.0, None, None, None]
    assert chart.previous == [None, None, None, None, 7.0]


def test_split_totals_count_only_complete_days() -> None:
    full = DaySplit({"hc": 4000.0, "hp": 6000.0}, 1440)
    partial = DaySplit({"hc": 1000.0, "hp": 0.0}, 720)
    # 29 March 2026 is the spring change: 23 hours, 1380 minutes make it complete.
    spring = DaySplit({"hc": 2000.0, "hp": 2000.0}, 1380)
    splits = {date(2026, 3, 27): full, date(2026, 3, 28): partial, date(2026, 3, 29): spring}
    totals = split_totals(splits, PricingOption.HC_HP, date(2026, 3, 27), date(2026, 3, 29))
    assert totals.days == 2
    assert totals.offpeak_wh == 6000.0 and totals.peak_wh == 8000.0


def test_read_period_names_what_it_refuses() -> None:
    anchor = date(2026, 12, 5)
    ok = read_period("custom", "2026-01-01", "2026-01-31", anchor)
    assert ok.problems == () and ok.period == Period("custom", date(2026, 1, 1), date(2026, 1, 31))
    odd = read_period("year", "9999-01-01", None, anchor)
    assert [p.name for p in odd.problems] == ["start"]
    assert odd.period == period_of("year", anchor)  # the default, not year 9999
    long = read_period("custom", "1971-01-01", "2026-01-01", anchor)
    assert [p.key for p in long.problems] == ["query.range_too_long"]
    assert long.period.days == MAX_CUSTOM_DAYS


def test_a_typed_date_reads_the_french_way_or_iso_within_bounds() -> None:
    assert read_typed_day("06/12/2026") == date(2026, 12, 6)
    assert read_typed_day("6/1/2026") == date(2026, 1, 6)
    assert read_typed_day("2026-12-06") == date(2026, 12, 6)
    for typed in ("31/02/2026", "12/31/2026", "06/12/9999", "", "06-12-2026", "٠٦/١٢/٢٠٢٦"):
        assert read_typed_day(typed) is None, typed
