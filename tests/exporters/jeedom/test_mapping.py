"""Readings and current values become the cmd::event calls Jeedom needs (pure mapping)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from myelectricaldata.domain.types import (
    DailyReading,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    TempoColor,
    TempoDay,
)
from myelectricaldata.exporters.base import MeasureValue
from myelectricaldata.exporters.jeedom.mapping import (
    address,
    daily_energy_events,
    ecowatt_events,
    event_batch,
    hour_spans,
    hourly_energy_events,
    kwh_text,
    max_power_events,
    state_events,
    tempo_events,
)
from myelectricaldata.exporters.jeedom.model import (
    Event,
    day_datetime,
    format_number,
    jeedom_datetime,
)

PARIS = ZoneInfo("Europe/Paris")
PDL = "09999000000001"


def curve(first: datetime, count: int, base_w: int = 1000) -> list[LoadCurvePoint]:
    """``count`` half-hours from ``first`` (UTC), point ``i`` averaging ``base_w + i`` W."""
    return [LoadCurvePoint(first + timedelta(minutes=30 * i), base_w + i) for i in range(count)]


def measure(key: str, value: float | int | str | None, day: str | None = None) -> MeasureValue:
    scope = "tempo" if key.startswith("tempo") else PDL
    return MeasureValue(key, scope, value, None, key, key, None, None, date=day)


# --------------------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize(
    ("value", "text"),
    [(5.0, "5"), (12.345, "12.345"), (1e-7, "0.0000001"), (-0.0, "0"), (1e20, "1" + "0" * 20),
     (Decimal("2.500"), "2.5"), (7, "7")],
)  # fmt: skip
def test_numbers_are_plain_decimals(value: float | int | Decimal, text: str) -> None:
    assert format_number(value) == text


def test_a_non_finite_number_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        format_number(float("nan"))


@pytest.mark.parametrize(
    ("wh", "text"),
    [(12345, "12.345"), (0, "0"), (1000, "1"), (Decimal(1) / 3, "0.000333"), (500.5, "0.5005")],
)
def test_wh_become_exact_kwh(wh: int | float | Decimal, text: str) -> None:
    assert kwh_text(wh) == text


def test_instants_become_jeedom_wall_times_and_naive_ones_are_refused() -> None:
    instant = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert jeedom_datetime(instant, PARIS) == "2025-07-01 14:00:00"
    assert jeedom_datetime(instant, ZoneInfo("America/New_York")) == "2025-07-01 08:00:00"
    with pytest.raises(ValueError, match="naive"):
        jeedom_datetime(datetime(2025, 7, 1, 12, 0), PARIS)


# --------------------------------------------------------------------------- daily history


def test_daily_energy_is_kwh_stamped_with_its_date_oldest_first_last_reading_wins() -> None:
    readings = [
        DailyReading(date(2025, 11, 19), 9000),
        DailyReading(date(2025, 11, 17), 12345),
        DailyReading(date(2025, 11, 19), 9876),  # a correction of the 19th
        DailyReading(date(2025, 11, 18), 0),
    ]
    assert daily_energy_events(5, readings) == [
        Event(5, "12.345", "2025-11-17 00:00:00"),
        Event(5, "0", "2025-11-18 00:00:00"),
        Event(5, "9.876", "2025-11-19 00:00:00"),
    ]


def test_a_day_keeps_its_date_whatever_jeedoms_time_zone() -> None:
    assert day_datetime(date(2025, 3, 30)) == "2025-03-30 00:00:00"


def test_max_power_is_va_per_day() -> None:
    at = datetime(2025, 11, 18, 18, 42, tzinfo=UTC)
    readings = [MaxPowerReading(date(2025, 11, 18), 6800, at)]
    assert max_power_events(9, readings) == [Event(9, "6800", "2025-11-18 00:00:00")]


def test_tempo_and_ecowatt_history_stop_at_today() -> None:
    today = date(2025, 11, 20)
    tempo = [TempoDay(today + timedelta(days=d), c) for d, c in
             ((-1, TempoColor.WHITE), (0, TempoColor.RED), (1, TempoColor.BLUE))]  # fmt: skip
    assert tempo_events(3, tempo, today) == [
        Event(3, "WHITE", "2025-11-19 00:00:00"),
        Event(3, "RED", "2025-11-20 00:00:00"),
    ]
    hourly = (1,) * 24
    eco = [EcoWattDay(today + timedelta(days=d), level, hourly) for d, level in ((0, 2), (1, 3))]
    assert ecowatt_events(4, eco, today) == [Event(4, "2", "2025-11-20 00:00:00")]


# --------------------------------------------------------------------------- hourly history


def test_half_hours_add_up_per_hour_of_jeedoms_clock() -> None:
    points = curve(datetime(2025, 11, 18, 23, 0, tzinfo=UTC), 4)  # 00:00-02:00 in Paris
    # (1000 + 1001) W over half an hour each = 1000.5 Wh; then (1002 + 1003) / 2 = 1002.5 Wh
    assert hourly_energy_events(8, points, PARIS) == [
        Event(8, "1.0005", "2025-11-19 00:00:00"),
        Event(8, "1.0025", "2025-11-19 01:00:00"),
    ]
    new_york = hourly_energy_events(8, points, ZoneInfo("America/New_York"))
    assert [e.datetime for e in new_york] == ["2025-11-18 18:00:00", "2025-11-18 19:00:00"]


def test_the_repeated_autumn_hour_holds_both_hours_and_the_day_adds_up() -> None:
    # 26 October 2025 in Paris: 25 hours, 50 half-hours from 22:00 UTC the day before.
    points = curve(datetime(2025, 10, 25, 22, 0, tzinfo=UTC), 50)
    rows = hourly_energy_events(1, points, PARIS)
    assert len(rows) == 24
    assert [r.datetime for r in rows][:4] == [
        "2025-10-26 00:00:00",
        "2025-10-26 01:00:00",
        "2025-10-26 02:00:00",
        "2025-10-26 03:00:00",
    ]
    # 02:00 is lived twice: half-hours 4 to 7, (1004 + 1005 + 1006 + 1007) / 2 Wh.
    assert rows[2].value == "2.011"
    total_wh = sum(Decimal(1000 + i) / 2 for i in range(50))
    assert sum(Decimal(r.value) for r in rows) == total_wh / 1000


def test_the_missing_spring_hour_has_no_row() -> None:
    points = curve(datetime(2025, 3, 29, 23, 0, tzinfo=UTC), 46)  # 30 March: 23 hours
    stamps = [e.datetime for e in hourly_energy_events(1, points, PARIS)]
    assert len(stamps) == 23
    assert "2025-03-30 02:00:00" not in stamps and "2025-03-30 03:00:00" in stamps


def test_a_half_hour_offset_zone_pairs_other_half_hours() -> None:
    points = curve(datetime(2025, 11, 19, 0, 0, tzinfo=UTC), 2)  # 05:30 and 06:00 in Kolkata
    events = hourly_energy_events(1, points, ZoneInfo("Asia/Kolkata"))
    assert [(e.datetime, e.value) for e in events] == [
        ("2025-11-19 05:00:00", "0.5"),
        ("2025-11-19 06:00:00", "0.5005"),
    ]


def test_hour_spans_name_the_whole_hours_to_reread() -> None:
    changed = [LoadCurvePoint(datetime(2025, 10, 26, 0, 30, tzinfo=UTC), 500),
               LoadCurvePoint(datetime(2025, 11, 19, 10, 30, tzinfo=UTC), 500)]  # fmt: skip
    assert hour_spans(changed, PARIS) == [
        (datetime(2025, 10, 26, 0, 0, tzinfo=UTC), datetime(2025, 10, 26, 2, 0, tzinfo=UTC)),
        (datetime(2025, 11, 19, 10, 0, tzinfo=UTC), datetime(2025, 11, 19, 11, 0, tzinfo=UTC)),
    ]


def test_a_naive_load_curve_point_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        hourly_energy_events(1, [LoadCurvePoint(datetime(2025, 1, 1), 1)], PARIS)


# --------------------------------------------------------------------------- current values


def test_addresses_name_pdl_measures_with_their_pdl() -> None:
    assert address(PDL, "consumption_yesterday") == f"{PDL}.consumption_yesterday"
    assert address("tempo", "tempo_today") == "tempo_today"


def test_current_values_become_events_dated_for_the_history_commands() -> None:
    commands = {f"{PDL}.consumption_yesterday": 1, f"{PDL}.consumption_month": 2,
                "tempo_tomorrow": 3, "tempo_today": 4, f"{PDL}.cost_year": 5}  # fmt: skip
    kinds = {"tempo_tomorrow": "string", "tempo_today": "string"} | {
        k: "numeric" for k in ("consumption_yesterday", "consumption_month", "cost_year")
    }
    values = [
        measure("consumption_yesterday", 12.345, "2025-11-19"),
        measure("consumption_month", 250.0, "2025-11-19"),
        measure("tempo_today", "RED", "2025-11-20"),
        measure("tempo_tomorrow", None, "2025-11-21"),  # not published yet: cleared
        measure("cost_year", None),  # unknown number: not sent (Jeedom would show 0)
        measure("consumption_week", 80.0, "2025-11-19"),  # no command for it
    ]
    assert state_events(values, commands, kinds) == [  # type: ignore[arg-type]
        Event(1, "12.345", "2025-11-19 00:00:00"),
        Event(2, "250", None),
        Event(4, "RED", "2025-11-20 00:00:00"),
        Event(3, "", None),
    ]


def test_booleans_and_non_finite_values() -> None:
    commands = {f"{PDL}.flag": 1, f"{PDL}.ratio": 2}
    values = [measure("flag", True), measure("ratio", float("inf"))]
    assert state_events(values, commands, {}) == [Event(1, "1", None)]


# --------------------------------------------------------------------------- batches


def test_a_batch_sends_history_oldest_first_once_per_row_then_current_values() -> None:
    history = [
        Event(2, "b", "2025-11-02 00:00:00"),
        Event(1, "a", "2025-11-03 00:00:00"),
        Event(1, "old", "2025-11-01 00:00:00"),
        Event(1, "new", "2025-11-01 00:00:00"),
    ]
    current = [Event(1, "now")]
    batch = event_batch(history, current)
    assert list(batch) == [
        Event(1, "new", "2025-11-01 00:00:00"),
        Event(2, "b", "2025-11-02 00:00:00"),
        Event(1, "a", "2025-11-03 00:00:00"),
        Event(1, "now"),
    ]
    assert len(batch) == 4


def test_a_history_event_needs_a_datetime() -> None:
    with pytest.raises(ValueError, match="no datetime"):
        event_batch([Event(1, "x")])
