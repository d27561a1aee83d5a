"""Readings to Domoticz values: svalue formats, running readings, local stamps, DST, HC/HP.

Expected strings are written out by hand or recomputed with plain arithmetic (Fractions for the
load curve), never taken from the functions under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.tariffs import DaySplit
from myelectricaldata.domain.types import DailyReading, LoadCurvePoint, TempoColor
from myelectricaldata.exporters.domoticz.mapping import (
    DeviceUpdate,
    P1Readings,
    TariffDay,
    counter_current,
    counter_day_rows,
    ecowatt_update,
    kwh_current,
    measure_update,
    number_text,
    p1_current,
    p1_day_rows,
    short_log_rows,
    tempo_update,
)

PARIS = ZoneInfo("Europe/Paris")


def test_daily_rows_carry_the_running_reading_the_day_and_its_date_oldest_first() -> None:
    readings = [
        DailyReading(date(2024, 1, 3), 3000),
        DailyReading(date(2024, 1, 1), 1000),
        DailyReading(date(2024, 1, 2), 0),
    ]
    rows = counter_day_rows(7, readings, opening_wh=500)
    assert rows == [
        DeviceUpdate(7, 0, "1500;1000;2024-01-01"),
        DeviceUpdate(7, 0, "1500;0;2024-01-02"),
        DeviceUpdate(7, 0, "4500;3000;2024-01-03"),
    ]


def test_daily_rows_refuse_a_repeated_day_and_negative_energy() -> None:
    twice = [DailyReading(date(2024, 1, 1), 1), DailyReading(date(2024, 1, 1), 2)]
    with pytest.raises(InvalidInput, match="2024-01-01 appears twice"):
        counter_day_rows(1, twice)
    with pytest.raises(InvalidInput, match="value_wh of 2024-01-02"):
        counter_day_rows(1, [DailyReading(date(2024, 1, 2), -1)])
    with pytest.raises(InvalidInput, match="opening_wh"):
        counter_day_rows(1, [], opening_wh=-3)


def test_current_values_have_the_shape_of_each_device() -> None:
    assert counter_current(3, 123456, 9870) == DeviceUpdate(3, 0, "123456;9870")
    assert kwh_current(4, 5000, 250) == DeviceUpdate(4, 0, "250;5000")
    assert p1_current(5, P1Readings(1000, 2000), 300) == DeviceUpdate(5, 0, "1000;2000;0;0;300;0")
    with pytest.raises(InvalidInput, match="idx"):
        DeviceUpdate(0, 0, "x")


def points(start: datetime, watts: list[int], minutes: int = 30) -> list[LoadCurvePoint]:
    return [
        LoadCurvePoint(start + timedelta(minutes=minutes * i), w, minutes)
        for i, w in enumerate(watts)
    ]


def test_short_log_rows_are_stamped_at_the_interval_end_in_local_time() -> None:
    curve = points(datetime(2024, 6, 1, 22, 0, tzinfo=UTC), [1000, 333, 501])
    rows = short_log_rows(9, curve, opening_wh=10, time_zone=PARIS)
    # Readings: 10 + 500, + 166.5, + 250.5 Wh; local stamps are UTC+2.
    assert [r.svalue for r in rows] == [
        "510;1000;2024-06-02 00:30:00",
        f"{round(Fraction(10) + 500 + Fraction(333, 2))};333;2024-06-02 01:00:00",
        "927;501;2024-06-02 01:30:00",
    ]


def test_short_log_readings_do_not_drift_over_a_long_curve() -> None:
    watts = [(i * 37) % 1001 + 1 for i in range(2000)]
    curve = points(datetime(2024, 1, 1, tzinfo=UTC), watts)
    rows = short_log_rows(1, curve, opening_wh=0, time_zone=PARIS)
    exact = Fraction(0)
    for row, w in zip(rows, watts, strict=True):
        exact += Fraction(w * 30, 60)
        assert int(row.svalue.split(";")[0]) == round(exact)


def test_the_repeated_autumn_hour_is_merged_into_one_row_per_local_time() -> None:
    # 2024-10-27: Paris goes from UTC+2 to UTC+1 at 01:00 UTC; the day has 50 half-hours.
    start = datetime(2024, 10, 26, 22, 0, tzinfo=UTC)  # local midnight
    watts = [100 * (i + 1) for i in range(50)]
    rows = short_log_rows(2, points(start, watts), opening_wh=0, time_zone=PARIS)
    stamps = [r.svalue.split(";")[2] for r in rows]
    assert len(rows) == 48
    assert len(set(stamps)) == 48
    # Ends 02:00 CEST (i=3) and 02:00 CET (i=5) share a text, as do the two 02:30 (i=4, i=6).
    by_stamp = {r.svalue.split(";")[2]: r.svalue.split(";") for r in rows}
    two = by_stamp["2024-10-27 02:00:00"]
    half = by_stamp["2024-10-27 02:30:00"]
    assert two[1] == str(round((watts[3] + watts[5]) / 2))
    assert half[1] == str(round((watts[4] + watts[6]) / 2))
    assert int(two[0]) == sum(w * 30 // 60 for w in watts[:6])  # the later reading
    assert int(half[0]) == sum(w * 30 // 60 for w in watts[:7])
    assert stamps[-1] == "2024-10-28 00:00:00"


def test_spring_forward_day_has_no_stamp_in_the_missing_hour() -> None:
    start = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # local midnight, a 23-hour day
    rows = short_log_rows(2, points(start, [500] * 46), opening_wh=0, time_zone=PARIS)
    stamps = [r.svalue.split(";")[2] for r in rows]
    assert len(set(stamps)) == 46
    assert not [s for s in stamps if s.startswith("2024-03-31 02:")]
    assert stamps[2:4] == ["2024-03-31 01:30:00", "2024-03-31 03:00:00"]


def test_short_log_refuses_naive_repeated_or_negative_points() -> None:
    with pytest.raises(InvalidInput, match="aware"):
        short_log_rows(1, [LoadCurvePoint(datetime(2024, 1, 1), 1)], 0, PARIS)
    same = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="same instant"):
        short_log_rows(1, [LoadCurvePoint(same, 1), LoadCurvePoint(same, 2)], 0, PARIS)
    with pytest.raises(InvalidInput, match="negative"):
        short_log_rows(1, [LoadCurvePoint(same, -1)], 0, PARIS)


def test_tariff_day_from_a_split_adds_up_to_the_daily_value_exactly() -> None:
    split = DaySplit({"hc": 3333.3, "hp": 6666.9}, 1440)
    day = TariffDay.from_split(date(2024, 1, 1), split, daily_wh=10001)
    assert day is not None
    assert day.offpeak_wh + day.peak_wh == 10001
    assert day.offpeak_wh == round(10001 * 3333.3 / (3333.3 + 6666.9))
    unscaled = TariffDay.from_split(date(2024, 1, 1), split)
    assert unscaled == TariffDay(date(2024, 1, 1), 3333, 10000 - 3333)


def test_tempo_tags_split_into_offpeak_and_peak_and_unknown_colours_cannot() -> None:
    tempo = DaySplit({t: 100.0 * (i + 1) for i, t in enumerate(
        ["bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp"])}, 1440)  # fmt: skip
    day = TariffDay.from_split(date(2024, 1, 1), tempo)
    assert day == TariffDay(date(2024, 1, 1), 100 + 300 + 500, 200 + 400 + 600)
    unsplit = DaySplit({"bluehc": 0.0, "unclassified": 10.0}, 1440)
    assert TariffDay.from_split(date(2024, 1, 1), unsplit) is None
    empty = DaySplit({"hc": 0.0, "hp": 0.0}, 0)
    assert TariffDay.from_split(date(2024, 1, 1), empty, daily_wh=5) is None
    assert TariffDay.from_split(date(2024, 1, 1), empty, daily_wh=0) == TariffDay(
        date(2024, 1, 1), 0, 0
    )


def test_p1_day_rows_use_the_eleven_field_form_with_readings_per_tariff() -> None:
    days = [TariffDay(date(2024, 1, 2), 30, 40), TariffDay(date(2024, 1, 1), 10, 20)]
    rows = p1_day_rows(8, days, P1Readings(1000, 2000))
    assert [r.svalue for r in rows] == [
        "10;20;0;0;0;0;1010;0;2020;0;2024-01-01",
        "30;40;0;0;0;0;1040;0;2060;0;2024-01-02",
    ]


def test_tempo_colours_are_named_in_the_chosen_language_and_unknown_before_publication() -> None:
    assert tempo_update(1, TempoColor.RED, "fr").svalue == "Rouge"
    assert tempo_update(1, "WHITE", "en").svalue == "White"
    assert tempo_update(1, None, "fr").svalue == "Inconnu"
    with pytest.raises(InvalidInput, match="not a Tempo colour"):
        tempo_update(1, "PINK", "fr")


@pytest.mark.parametrize(
    ("level", "alert", "text"),
    [(0, 1, "Vert (bas carbone)"), (1, 1, "Vert"), (2, 3, "Orange"), (3, 4, "Rouge")],
)
def test_ecowatt_levels_map_to_domoticz_alert_colours(level: int, alert: int, text: str) -> None:
    assert ecowatt_update(5, level, "fr") == DeviceUpdate(5, alert, text)


def test_an_unknown_ecowatt_level_is_grey_and_a_message_is_appended() -> None:
    assert ecowatt_update(5, None, "en") == DeviceUpdate(5, 0, "Unknown")
    assert ecowatt_update(5, 3, "en", "Coupures possibles") == DeviceUpdate(
        5, 4, "Red - Coupures possibles"
    )
    with pytest.raises(InvalidInput, match="EcoWatt level"):
        ecowatt_update(5, 4, "en")


def test_numbers_are_written_in_plain_decimal_notation() -> None:
    assert number_text(12) == "12"
    assert number_text(12.0) == "12"
    assert number_text(0.00001) == "0.00001"
    assert number_text(-3.25) == "-3.25"
    assert number_text(1234567.5) == "1234567.5"
    with pytest.raises(InvalidInput):
        number_text(float("nan"))
    with pytest.raises(InvalidInput):
        number_text(True)


def test_measure_updates_follow_the_measure_kind() -> None:
    assert measure_update(1, "number", 41.5, "fr") == DeviceUpdate(1, 0, "41.5")
    assert measure_update(1, "number", None, "fr") is None
    assert measure_update(2, "tempo", "BLUE", "fr") == DeviceUpdate(2, 0, "Bleu")
    assert measure_update(3, "ecowatt", 2, "en") == DeviceUpdate(3, 3, "Orange")
    assert measure_update(4, "text", None, "en") == DeviceUpdate(4, 0, "Unknown")
    assert measure_update(4, "text", "2025-2026", "en") == DeviceUpdate(4, 0, "2025-2026")
    with pytest.raises(InvalidInput):
        measure_update(1, "number", "12", "fr")
