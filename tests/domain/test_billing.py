"""Bills recomputed independently, minute by minute with datetime arithmetic, for each offer type.

The reference below walks every minute of every load-curve point as an aware instant, reads
its Paris wall clock, finds the row in force on that calendar day by scanning the rows, and
applies the offer's rule as DESIGN.md §4.0 states it. Nothing of ``domain.billing`` is used.
"""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

import pytest

from myelectricaldata.domain.billing import (
    Bill,
    Calendars,
    DaySource,
    Problem,
    build_usage,
    price_day,
    price_days,
    price_usage,
)
from myelectricaldata.domain.billing import bill_of as bill_of_days
from myelectricaldata.domain.offers import Catalogue, Offer, OfferType, Period, parse_hc_schedules
from myelectricaldata.domain.offpeak import OffpeakHistory, parse_offpeak
from myelectricaldata.domain.tempo import tempo_day_of
from myelectricaldata.domain.timeutil import PARIS, day_bounds_utc
from myelectricaldata.domain.types import LoadCurvePoint, TempoColor
from myelectricaldata.sources.demo_offers import demo_catalogue

BLUE, WHITE, RED = TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED
NIGHT = OffpeakHistory([(date(1970, 1, 1), parse_offpeak("HC (22H30-6H30)"))])

FIELD = {
    "base": "base_price",
    "base_weekend": "base_price_weekend",
    "hc": "hc_price",
    "hp": "hp_price",
    "hc_weekend": "hc_price_weekend",
    "hp_weekend": "hp_price_weekend",
    "bluehc": "tempo_blue_hc",
    "bluehp": "tempo_blue_hp",
    "whitehc": "tempo_white_hc",
    "whitehp": "tempo_white_hp",
    "redhc": "tempo_red_hc",
    "redhp": "tempo_red_hp",
    "winter_hc": "hc_price_winter",
    "winter_hp": "hp_price_winter",
    "summer_hc": "hc_price_summer",
    "summer_hp": "hp_price_summer",
    "peak_day": "peak_day_price",
    "ejp_normal": "ejp_normal",
    "ejp_peak": "ejp_peak",
}


def points_for(first: date, last: date, minutes: int = 30, seed: int = 7) -> list[LoadCurvePoint]:
    """Every interval of the local days first..last with an irregular power."""
    start = day_bounds_utc(first)[0]
    end = day_bounds_utc(last)[1]
    count = int((end - start).total_seconds() // 60) // minutes
    return [
        LoadCurvePoint(
            start + timedelta(minutes=minutes * i), 200 + (i * 137 + seed) % 2900, minutes
        )
        for i in range(count)
    ]


def version_on(rows: Sequence[Offer], day: date) -> Offer | None:
    for r in rows:
        if r.valid_from <= day and (r.valid_to is None or day < r.valid_to):
            return r
    return None


def rule(
    offer: Offer,
    instant: datetime,
    offpeak: OffpeakHistory,
    tempo: Mapping[date, TempoColor],
    peaks: Mapping[date, bool],
) -> str:
    """The slot of one minute under one offer, from the rules of DESIGN.md §4.0."""
    local = instant.astimezone(PARIS)
    day, minute = local.date(), local.hour * 60 + local.minute
    weekend = day.weekday() >= 5
    kind = offer.offer_type

    def offpeak_now() -> bool:
        own = offer.hc_schedules.days[day.weekday()] if offer.hc_schedules else None
        schedule = own or offpeak.at(day)
        assert schedule is not None
        return schedule.contains_minute(minute)

    if kind is OfferType.BASE:
        return "base_weekend" if weekend and "base_price_weekend" in offer.prices else "base"
    if kind in (OfferType.HC_HP, OfferType.WEEKEND):
        split = kind is OfferType.WEEKEND or any(
            name in offer.prices for name in ("hc_price_weekend", "hp_price_weekend")
        )
        return ("hc" if offpeak_now() else "hp") + ("_weekend" if weekend and split else "")
    if kind is OfferType.TEMPO:
        color = tempo[tempo_day_of(instant)]
        return color.value.lower() + ("hc" if minute >= 22 * 60 or minute < 6 * 60 else "hp")
    if kind is OfferType.HC_NUIT_WEEKEND:
        return "hc" if weekend or minute >= 23 * 60 or minute < 6 * 60 else "hp"
    if kind is OfferType.SEASONAL:
        winter = day.month in (11, 12, 1, 2, 3)
        if "peak_day_price" in offer.prices and peaks.get(day):
            return "peak_day"
        return ("winter_" if winter else "summer_") + ("hc" if offpeak_now() else "hp")
    # EJP: the peak window of day D runs 07:00 to 01:00 on D + 1.
    if minute >= 7 * 60:
        return "ejp_peak" if peaks.get(day) else "ejp_normal"
    if minute < 60:
        return "ejp_peak" if peaks.get(day - timedelta(days=1)) else "ejp_normal"
    return "ejp_normal"


def reference(
    rows: Sequence[Offer],
    points: Sequence[LoadCurvePoint],
    first: date,
    last: date,
    *,
    offpeak: OffpeakHistory = NIGHT,
    tempo: Mapping[date, TempoColor] | None = None,
    peaks: Mapping[date, bool] | None = None,
) -> tuple[dict[str, float], dict[str, float], float]:
    """(kWh per slot, EUR per slot, subscription EUR) minute by minute."""
    kwh: dict[str, float] = defaultdict(float)
    eur: dict[str, float] = defaultdict(float)
    for p in points:
        for i in range(p.interval_min):
            instant = p.start + timedelta(minutes=i)
            row = version_on(rows, instant.astimezone(PARIS).date())
            assert row is not None
            tag = rule(row, instant, offpeak, tempo or {}, peaks or {})
            # A weekend slot without its own price is billed at the weekday price.
            price = row.prices.get(FIELD[tag]) or row.prices[FIELD[tag.removesuffix("_weekend")]]
            kwh[tag] += p.avg_w / 60 / 1000
            eur[tag] += p.avg_w / 60 / 1000 * price
    subscription = 0.0
    day = first
    while day <= last:
        row = version_on(rows, day)
        assert row is not None
        subscription += row.subscription_eur_month / calendar.monthrange(day.year, day.month)[1]
        day += timedelta(days=1)
    return dict(kwh), dict(eur), subscription


def bill_of(
    rows: Sequence[Offer],
    points: Sequence[LoadCurvePoint],
    first: date,
    last: date,
    *,
    offpeak: OffpeakHistory = NIGHT,
    tempo: Mapping[date, TempoColor] | None = None,
    peaks: Mapping[date, bool] | None = None,
    daily: Mapping[date, int] | None = None,
) -> Bill:
    catalogue = Catalogue(rows)
    usage = build_usage(
        [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in points],
        daily or {},
        first,
        last,
    )
    periods = catalogue.timeline(rows[0], rows[0].power_kva, first, last)
    return price_usage(rows[0], periods, usage, Calendars(offpeak, tempo or {}, peaks))


def assert_same(bill: Bill, expected: tuple[dict[str, float], dict[str, float], float]) -> None:
    kwh, eur, subscription = expected
    assert bill.exact, bill.problems
    assert {s.tag for s in bill.slots if s.kwh} == {t for t, v in kwh.items() if v}
    for slot in bill.slots:
        assert slot.kwh == pytest.approx(kwh.get(slot.tag, 0.0), abs=1e-9), slot.tag
        assert slot.eur == pytest.approx(eur.get(slot.tag, 0.0), abs=1e-9), slot.tag
    assert bill.subscription_eur == pytest.approx(subscription, abs=1e-9)
    assert bill.total_eur == pytest.approx(sum(eur.values()) + subscription, abs=1e-9)


def demo_rows_of(offer_type: OfferType, kva: int) -> list[Offer]:
    rows = [o for o in demo_catalogue().offers if o.offer_type is offer_type and o.power_kva == kva]
    return sorted(rows, key=lambda o: o.valid_from)


def offer(offer_id: str, kind: OfferType, prices: dict[str, float], **extra: object) -> Offer:
    return Offer(
        offer_id, "p", offer_id, kind, 15.0, date(2020, 1, 1), prices=prices, power_kva=6, **extra
    )  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Tempo


def test_tempo_across_the_autumn_dst_day_and_a_colour_change_at_six() -> None:
    rows = demo_rows_of(OfferType.TEMPO, 12)
    first, last = date(2024, 10, 26), date(2024, 10, 28)
    tempo = {
        date(2024, 10, 25): BLUE,
        date(2024, 10, 26): WHITE,
        date(2024, 10, 27): BLUE,
        date(2024, 10, 28): WHITE,
    }
    points = points_for(first, last)
    assert sum(1 for p in points if p.start.astimezone(PARIS).date() == date(2024, 10, 27)) == 50
    bill = bill_of(rows, points, first, last, tempo=tempo)
    expected = reference(rows, points, first, last, tempo=tempo)
    assert_same(bill, expected)
    # 00:00-06:00 on Sunday is still Saturday's white Tempo day, 06:00 onwards blue.
    assert expected[0]["whitehc"] > 0 and expected[0]["bluehp"] > 0


def test_tempo_across_the_spring_dst_day_with_hourly_points_straddling_the_change() -> None:
    rows = demo_rows_of(OfferType.TEMPO, 6)
    first, last = date(2024, 3, 30), date(2024, 4, 1)
    tempo = {
        date(2024, 3, 29): RED,
        date(2024, 3, 30): WHITE,
        date(2024, 3, 31): BLUE,
        date(2024, 4, 1): WHITE,
    }
    # 60-minute intervals starting at half past: one of them spans the 01:00 UTC change.
    start = day_bounds_utc(first)[0] + timedelta(minutes=30)
    points = [
        LoadCurvePoint(start + timedelta(hours=i), 500 + 97 * i % 1800, 60) for i in range(70)
    ]
    assert_same(
        bill_of(rows, points, first, last, tempo=tempo),
        reference(rows, points, first, last, tempo=tempo),
    )


def test_tempo_night_after_a_red_day_is_priced_at_the_new_grid_of_the_next_day() -> None:
    # Friday 31 January 2025 is red; the grid changes on Saturday 1 February at 00:00: the
    # red HC hours from midnight to 06:00 are billed at the February price.
    rows = demo_rows_of(OfferType.TEMPO, 9)
    first, last = date(2025, 1, 30), date(2025, 2, 2)
    tempo = {
        date(2025, 1, 29): BLUE,
        date(2025, 1, 30): WHITE,
        date(2025, 1, 31): RED,
        date(2025, 2, 1): WHITE,
        date(2025, 2, 2): BLUE,
    }
    points = points_for(first, last, minutes=15)
    bill = bill_of(rows, points, first, last, tempo=tempo)
    expected = reference(rows, points, first, last, tempo=tempo)
    assert_same(bill, expected)
    assert {r.valid_from for r in rows if r.valid_on(first) or r.valid_on(last)} == {
        date(2024, 2, 1),
        date(2025, 2, 1),
    }


def test_tempo_without_a_colour_gives_the_range_of_the_allowed_colours() -> None:
    rows = demo_rows_of(OfferType.TEMPO, 12)
    first = last = date(2025, 1, 15)  # a Wednesday: blue, white or red are all possible
    points = points_for(first, last)
    known = {date(2025, 1, 14): BLUE}
    bill = bill_of(rows, points, first, last, tempo=known)
    low = reference(rows, points, first, last, tempo=known | {first: BLUE})
    high = reference(rows, points, first, last, tempo=known | {first: RED})
    assert not bill.exact and bill.problems == (Problem.NEEDS_TEMPO_COLORS,)
    assert bill.total_eur is None
    assert bill.low_eur == pytest.approx(sum(low[1].values()) + low[2], abs=1e-9)
    assert bill.high_eur == pytest.approx(sum(high[1].values()) + high[2], abs=1e-9)


# --------------------------------------------------------------------------- HC/HP


def test_hc_hp_follows_the_meter_schedule_of_each_day_across_a_change_date() -> None:
    rows = demo_rows_of(OfferType.HC_HP, 6)
    history = OffpeakHistory(
        [
            (date(1970, 1, 1), parse_offpeak("HC (22H00-6H00)")),
            (date(2025, 11, 1), parse_offpeak("HC (2H00-7H00;13H00-16H00)")),
        ]
    )
    first, last = date(2025, 10, 30), date(2025, 11, 2)
    points = points_for(first, last)
    assert_same(
        bill_of(rows, points, first, last, offpeak=history),
        reference(rows, points, first, last, offpeak=history),
    )


def test_hc_hp_prices_change_at_midnight_of_the_new_grid() -> None:
    rows = demo_rows_of(OfferType.HC_HP, 12)
    first, last = date(2026, 1, 30), date(2026, 2, 2)
    points = points_for(first, last, minutes=10)
    bill = bill_of(rows, points, first, last)
    assert_same(bill, reference(rows, points, first, last))


def test_the_offer_own_hours_win_over_the_meter_ones() -> None:
    hours = parse_hc_schedules(
        {
            d: "01:00-07:00"
            for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        }
    )
    rows = [
        offer(
            "hchp",
            OfferType.HC_HP,
            {"hc_price": 0.15, "hp_price": 0.22, "hp_price_weekend": 0.18},
            hc_schedules=hours,
        )
    ]
    first, last = date(2025, 3, 28), date(2025, 3, 31)
    points = points_for(first, last)
    assert_same(bill_of(rows, points, first, last), reference(rows, points, first, last))


def test_missing_offpeak_hours_are_said_not_guessed() -> None:
    rows = demo_rows_of(OfferType.HC_HP, 6)
    first = last = date(2025, 9, 10)
    bill = bill_of(rows, points_for(first, last), first, last, offpeak=OffpeakHistory([]))
    assert bill.problems == (Problem.NEEDS_OFFPEAK_HOURS,)
    assert bill.total_eur is None
    assert bill.unknown_kwh > 0


# --------------------------------------------------------------------------- other types

SEASONAL_HOURS = parse_hc_schedules(
    {d: "00:00-07:00;13:00-16:00" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    | {"saturday": "00:00-24:00", "sunday": "00:00-24:00"}
)
SEASONAL = {
    "hc_price_winter": 0.18,
    "hp_price_winter": 0.26,
    "hc_price_summer": 0.12,
    "hp_price_summer": 0.17,
}


def test_seasonal_switches_to_summer_on_the_first_of_april_across_the_dst_day() -> None:
    rows = [offer("season", OfferType.SEASONAL, SEASONAL, hc_schedules=SEASONAL_HOURS)]
    first, last = date(2025, 3, 29), date(2025, 4, 1)  # Sat, Sun (DST), Mon, Tue
    points = points_for(first, last)
    expected = reference(rows, points, first, last)
    assert_same(bill_of(rows, points, first, last), expected)
    assert set(expected[0]) == {"winter_hc", "winter_hp", "summer_hc", "summer_hp"}


def test_seasonal_peak_days_known_are_exact_and_unknown_give_a_range() -> None:
    rows = [offer("pointe", OfferType.SEASONAL, SEASONAL | {"peak_day_price": 0.9})]
    first, last = date(2025, 3, 27), date(2025, 3, 28)
    points = points_for(first, last)
    peaks = {first: False, last: True}
    assert_same(
        bill_of(rows, points, first, last, peaks=peaks),
        reference(rows, points, first, last, peaks=peaks),
    )
    unknown = bill_of(rows, points, first, last)
    low = reference(rows, points, first, last, peaks={first: False, last: False})
    high = reference(rows, points, first, last, peaks={first: True, last: True})
    assert unknown.problems == (Problem.NEEDS_PEAK_DAYS,)
    assert unknown.low_eur == pytest.approx(sum(low[1].values()) + low[2], abs=1e-9)
    assert unknown.high_eur == pytest.approx(sum(high[1].values()) + high[2], abs=1e-9)


def test_weekend_offer_prices_saturday_and_sunday_apart() -> None:
    prices = {
        "hc_price": 0.17,
        "hp_price": 0.21,
        "hc_price_weekend": 0.15,
        "hp_price_weekend": 0.16,
    }
    rows = [offer("we", OfferType.WEEKEND, prices)]
    first, last = date(2025, 3, 28), date(2025, 3, 31)  # Fri to Mon, DST on Sunday
    points = points_for(first, last)
    expected = reference(rows, points, first, last)
    assert_same(bill_of(rows, points, first, last), expected)
    assert set(expected[0]) == {"hc", "hp", "hc_weekend", "hp_weekend"}


def test_night_and_weekend_offer() -> None:
    rows = [offer("nw", OfferType.HC_NUIT_WEEKEND, {"hc_price": 0.155, "hp_price": 0.23})]
    first, last = date(2025, 10, 24), date(2025, 10, 27)  # Fri to Mon, DST on Sunday
    points = points_for(first, last, minutes=15)
    assert_same(bill_of(rows, points, first, last), reference(rows, points, first, last))


def test_base_with_a_weekend_price() -> None:
    rows = [offer("b", OfferType.BASE, {"base_price": 0.2, "base_price_weekend": 0.16})]
    first, last = date(2025, 6, 27), date(2025, 6, 30)
    points = points_for(first, last)
    assert_same(bill_of(rows, points, first, last), reference(rows, points, first, last))


def test_ejp_peak_window_runs_from_seven_to_one_the_next_day() -> None:
    rows = [offer("ejp", OfferType.EJP, {"ejp_normal": 0.16, "ejp_peak": 0.7})]
    first, last = date(2025, 1, 6), date(2025, 1, 8)
    points = points_for(first, last)
    peaks = {date(2025, 1, 5): False, first: False, date(2025, 1, 7): True, last: False}
    expected = reference(rows, points, first, last, peaks=peaks)
    assert_same(bill_of(rows, points, first, last, peaks=peaks), expected)
    assert expected[0]["ejp_peak"] > 0


def test_ejp_without_its_calendar_gives_a_range_capped_at_22_peak_days() -> None:
    rows = [offer("ejp", OfferType.EJP, {"ejp_normal": 0.16, "ejp_peak": 0.7})]
    first, last = date(2025, 1, 6), date(2025, 1, 8)
    points = points_for(first, last)
    # 21 peak days of the winter are known (December), the span's days are not: one remains.
    known = {date(2024, 12, 1) + timedelta(days=i): True for i in range(21)}
    bill = bill_of(rows, points, first, last, peaks=known)
    assert bill.problems == (Problem.NEEDS_PEAK_DAYS,)
    days = [date(2025, 1, 5) + timedelta(days=i) for i in range(4)]
    totals = []
    for chosen in itertools.chain([()], itertools.combinations(days, 1)):
        peaks = {d: d in chosen for d in days}
        _kwh, eur, subscription = reference(rows, points, first, last, peaks=peaks)
        totals.append(sum(eur.values()) + subscription)
    assert bill.low_eur == pytest.approx(min(totals), abs=1e-9)
    assert bill.high_eur == pytest.approx(max(totals), abs=1e-9)


def test_ejp_outside_november_to_march_needs_no_calendar() -> None:
    rows = [offer("ejp", OfferType.EJP, {"ejp_normal": 0.16, "ejp_peak": 0.7})]
    first, last = date(2025, 6, 10), date(2025, 6, 11)
    points = points_for(first, last)
    assert_same(bill_of(rows, points, first, last), reference(rows, points, first, last))


# --------------------------------------------------------------------------- days and usage


def test_days_without_a_curve_are_priced_from_daily_values_like_the_average_day() -> None:
    rows = demo_rows_of(OfferType.HC_HP, 6)
    first, last = date(2025, 9, 1), date(2025, 9, 4)
    curve_days = points_for(first, date(2025, 9, 2))
    daily = {date(2025, 9, 3): 12_000}  # 9/4 has nothing: subscription only
    bill = bill_of(rows, curve_days, first, last, daily=daily)
    usage = build_usage(
        [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in curve_days],
        daily,
        first,
        last,
    )
    assert usage.count(DaySource.CURVE) == 2 and usage.count(DaySource.ESTIMATED) == 1
    assert usage.missing == (date(2025, 9, 4),) and usage.profile_days == 2
    kwh, eur, subscription = reference(rows, curve_days, first, last)
    curve_total = sum(kwh.values())
    share_hc = kwh["hc"] / curve_total
    price = version_on(rows, date(2025, 9, 3)).prices  # type: ignore[union-attr]
    estimated_hc = 12.0 * share_hc
    estimated_hp = 12.0 * (1 - share_hc)
    slots = {s.tag: s for s in bill.slots}
    assert slots["hc"].kwh == pytest.approx(kwh["hc"] + estimated_hc, abs=1e-9)
    assert slots["hp"].kwh == pytest.approx(kwh["hp"] + estimated_hp, abs=1e-9)
    expected_energy = (
        sum(eur.values()) + estimated_hc * price["hc_price"] + (estimated_hp * price["hp_price"])
    )
    assert bill.energy_eur == pytest.approx(expected_energy, abs=1e-9)
    assert bill.subscription_eur == pytest.approx(subscription, abs=1e-9)  # 4 days


def test_a_day_with_part_of_its_curve_and_no_daily_value_is_partial() -> None:
    points = points_for(date(2025, 9, 1), date(2025, 9, 1))[:40]
    usage = build_usage(
        [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in points],
        {},
        date(2025, 9, 1),
        date(2025, 9, 1),
    )
    assert usage.count(DaySource.PARTIAL) == 1
    assert usage.total_kwh == pytest.approx(sum(p.avg_w / 2 for p in points) / 1000)


def test_days_no_row_covers_are_listed_and_unpriced() -> None:
    rows = demo_rows_of(OfferType.BASE, 6)
    first, last = date(2023, 7, 30), date(2023, 8, 2)  # the demo grids start on 1 August 2023
    bill = bill_of(rows, points_for(first, last), first, last)
    assert bill.unpriced_days == (date(2023, 7, 30), date(2023, 7, 31))
    assert bill.problems == (Problem.NO_PRICE,)
    assert bill.total_eur is None
    assert Period(first, last, rows[0]).first == first


def test_each_day_alone_is_its_minutes_at_that_days_row_and_the_days_add_up_to_the_bill() -> None:
    """What the € page charts: one bill per day, across the grid change of 1 February 2025."""
    rows = demo_rows_of(OfferType.TEMPO, 9)
    first, last = date(2025, 1, 30), date(2025, 2, 2)
    tempo = {
        date(2025, 1, 29): BLUE,
        date(2025, 1, 30): WHITE,
        date(2025, 1, 31): RED,
        date(2025, 2, 1): WHITE,
        date(2025, 2, 2): BLUE,
    }
    points = points_for(first, last, minutes=15)
    usage = build_usage(
        [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in points], {}, first, last
    )
    cal = Calendars(NIGHT, tempo)
    periods = Catalogue(rows).timeline(rows[0], 9, first, last)
    days = price_days(periods, usage, cal)
    assert [d.day for d in days] == [first + timedelta(days=i) for i in range(4)]
    for bill in days:
        mine = [p for p in points if p.start.astimezone(PARIS).date() == bill.day]
        kwh, eur, subscription = reference(rows, mine, bill.day, bill.day, tempo=tempo)
        assert bill.row is not None and bill.row.valid_on(bill.day)
        assert bill.source is DaySource.CURVE
        assert bill.subscription_eur == pytest.approx(subscription, abs=1e-12)
        assert {t for t, v in bill.kwh.items() if v} == {t for t, v in kwh.items() if v}
        for tag, value in bill.eur.items():
            assert value == pytest.approx(eur.get(tag, 0.0), abs=1e-9), (bill.day, tag)
        assert bill.energy_eur == pytest.approx(sum(eur.values()), abs=1e-9)
    # 31 January (red, old grid) and 1 February (new grid) at their own subscriptions.
    assert days[1].row is not None and days[1].row.valid_from == date(2024, 2, 1)
    assert days[2].row is not None and days[2].row.valid_from == date(2025, 2, 1)
    whole = bill_of_days(rows[0], days, cal)
    assert whole.total_eur == pytest.approx(
        sum(d.energy_eur + d.subscription_eur for d in days), abs=1e-9
    )
    assert_same(whole, reference(rows, points, first, last, tempo=tempo))


def test_a_day_without_a_row_or_without_a_value() -> None:
    row = offer("base", OfferType.BASE, {"base_price": 0.2})
    day = date(2024, 6, 3)
    unpriced = price_day(None, day, None, Calendars())
    assert unpriced.problems == frozenset({Problem.NO_PRICE}) and unpriced.subscription_eur == 0
    empty = price_day(row, day, None, Calendars())
    assert empty.source is None and empty.energy_eur == 0.0
    assert empty.subscription_eur == pytest.approx(15.0 / 30)  # June has 30 days
