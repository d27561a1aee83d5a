"""Our readings as Domoticz ``udevice`` values: each device type's svalue, dated history rows.

Facts from Domoticz's source (``main/SQLHelper.cpp`` ``UpdateManagedValueInt`` and
``UpdateCalendarMeter``, checked on 2025.1; see PROTOCOLS.md §6):

- A Managed Counter, or a meter whose options hold ``AddDBLogEntry:true``, takes a trailing date:
  ``COUNTER;USAGE;YYYY-MM-DD`` writes the day's calendar row (``Meter_Calendar``: ``Counter`` is
  the meter reading at the end of the day, ``Value`` the day's energy), ``...;YYYY-MM-DD
  HH:MM:SS`` a short-log row (``Meter``: the reading and the power in W). Re-sending the same
  date replaces the row; a dated row never changes the device's current value.
- A P1 meter takes ``U1;U2;R1;R2;CONS;PROD;C1;C2;C3;C4;DATE`` (11 fields) for a day: the day's
  usage per tariff, the returns, the current powers, then the readings at the end of the day in
  the order tariff-1 usage, tariff-1 return, tariff-2 usage, tariff-2 return.
- Every field is read with ``std::stoll``: integers only (Wh, W); a decimal point truncates.
- Short-log rows are keyed by their local wall-clock text in Domoticz's time zone: on the autumn
  DST change two half-hours share a text and the second would replace the first, so they are
  merged here (power averaged, the later reading kept).

Readings are Wh per Paris day (``DailyReading``) and W per interval (``LoadCurvePoint``). Meter
readings are running totals: the caller gives the reading before the first row (``opening``),
and a corrected past day changes the reading of every later day, which must then be re-sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.tariffs import UNCLASSIFIED, DaySplit, tag_is_offpeak
from myelectricaldata.domain.types import DailyReading, LoadCurvePoint, TempoColor
from myelectricaldata.exporters.domoticz.measures import MeasureKind

Language = Literal["fr", "en"]

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class DeviceUpdate:
    """One ``udevice`` request: the device, its ``nvalue`` and its ``svalue``."""

    idx: int
    nvalue: int
    svalue: str

    def __post_init__(self) -> None:
        if self.idx <= 0:
            raise InvalidInput("idx", f"{self.idx} is not a Domoticz device idx (1 or more)")


# --------------------------------------------------------------------------- meters


def _check_wh(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(name, f"{value!r} is not a whole, non-negative number of Wh")
    return value


def counter_day_rows(
    idx: int, readings: Iterable[DailyReading], opening_wh: int = 0
) -> list[DeviceUpdate]:
    """Daily rows ``READING;DAY_WH;YYYY-MM-DD`` of a Managed Counter (or a kWh meter with
    ``AddDBLogEntry``), oldest first; the reading is ``opening_wh`` plus every day up to it."""
    _check_wh(opening_wh, "opening_wh")
    rows = sorted(readings, key=lambda r: r.day)
    _no_repeated_day(r.day for r in rows)
    updates = []
    reading = opening_wh
    for row in rows:
        reading += _check_wh(row.value_wh, f"value_wh of {row.day}")
        updates.append(DeviceUpdate(idx, 0, f"{reading};{row.value_wh};{row.day:{DATE_FORMAT}}"))
    return updates


def counter_current(idx: int, reading_wh: int, last_day_wh: int) -> DeviceUpdate:
    """Current value ``READING;USAGE`` of a Managed Counter: Domoticz shows the usage (the
    newest day's energy) on the device and keeps the reading as the meter total."""
    _check_wh(reading_wh, "reading_wh")
    _check_wh(last_day_wh, "last_day_wh")
    return DeviceUpdate(idx, 0, f"{reading_wh};{last_day_wh}")


def kwh_current(idx: int, reading_wh: int, power_w: int = 0) -> DeviceUpdate:
    """Current value ``POWER;ENERGY`` of a General kWh device (W; total Wh)."""
    _check_wh(reading_wh, "reading_wh")
    if isinstance(power_w, bool) or not isinstance(power_w, int):
        raise InvalidInput("power_w", f"{power_w!r} is not a whole number of W")
    return DeviceUpdate(idx, 0, f"{power_w};{reading_wh}")


def short_log_rows(
    idx: int, points: Iterable[LoadCurvePoint], opening_wh: int, time_zone: ZoneInfo
) -> list[DeviceUpdate]:
    """Short-log rows ``READING;POWER_W;YYYY-MM-DD HH:MM:SS`` of a load curve, stamped at each
    interval's end in Domoticz's local time, oldest first.

    The reading is ``opening_wh`` plus the curve's energy up to the interval's end, rounded to
    the Wh (the sum is kept exact, so rounding never drifts). Two intervals whose end has the
    same wall-clock text (the repeated hour of the autumn change) make one row: their powers
    averaged, the later reading.
    """
    _check_wh(opening_wh, "opening_wh")
    ordered = sorted(points, key=lambda p: p.start)
    for point in ordered:
        if point.start.tzinfo is None:
            raise InvalidInput("start", "a load-curve point needs an aware start instant")
    starts = [p.start for p in ordered]
    if len(set(starts)) != len(starts):
        raise InvalidInput("points", "two load-curve points start at the same instant")
    # Stamp -> (powers, reading), in order of first appearance. The repeated hour's texts
    # come back after other ones (02:00, 02:30, 02:00, 02:30): merge by text, not by neighbour.
    merged: dict[str, tuple[list[int], int]] = {}
    energy = 0.0
    for point in ordered:
        if point.avg_w < 0:
            raise InvalidInput("avg_w", f"{point.avg_w} W at {point.start} is negative")
        energy += point.energy_wh
        stamp = local_stamp(point.end, time_zone)
        powers = merged[stamp][0] if stamp in merged else []
        merged[stamp] = ([*powers, point.avg_w], round(opening_wh + energy))
    return [
        DeviceUpdate(idx, 0, f"{reading};{round(sum(powers) / len(powers))};{stamp}")
        for stamp, (powers, reading) in merged.items()
    ]


@dataclass(frozen=True, slots=True)
class TariffDay:
    """Energy of one day split into off-peak (HC, Domoticz's tariff 1) and peak (HP, tariff 2)."""

    day: date
    offpeak_wh: int
    peak_wh: int

    def __post_init__(self) -> None:
        _check_wh(self.offpeak_wh, f"offpeak_wh of {self.day}")
        _check_wh(self.peak_wh, f"peak_wh of {self.day}")

    @property
    def total_wh(self) -> int:
        """The day's energy."""
        return self.offpeak_wh + self.peak_wh

    @classmethod
    def from_split(
        cls, day: date, split: DaySplit, daily_wh: int | None = None
    ) -> TariffDay | None:
        """HC/HP of a day from the load-curve split (``domain.tariffs.split_energy_by_day``).

        Tags ending in ``hc`` are off-peak, the others (``hp``, ``base``, the Tempo ``..hp``)
        peak. With ``daily_wh`` the two parts are scaled so that they add up to the daily value
        exactly (a day's load curve only comes close to it). ``None`` when the day cannot be
        split: energy left unclassified (a Tempo day without colour), or a daily value with no
        load-curve energy to split it by.
        """
        if split.wh.get(UNCLASSIFIED, 0.0) > 0:
            return None
        offpeak = sum(wh for tag, wh in split.wh.items() if tag_is_offpeak(tag))
        total = sum(wh for tag, wh in split.wh.items() if tag != UNCLASSIFIED)
        if daily_wh is None:
            rounded_offpeak = round(offpeak)
            return cls(day, rounded_offpeak, round(total) - rounded_offpeak)
        _check_wh(daily_wh, f"daily_wh of {day}")
        if total <= 0:
            return cls(day, 0, 0) if daily_wh == 0 else None
        scaled_offpeak = round(daily_wh * offpeak / total)
        return cls(day, scaled_offpeak, daily_wh - scaled_offpeak)


@dataclass(frozen=True, slots=True)
class P1Readings:
    """Readings (running totals, Wh) of the two tariffs of a P1 meter."""

    offpeak_wh: int = 0
    peak_wh: int = 0

    def __post_init__(self) -> None:
        _check_wh(self.offpeak_wh, "offpeak_wh")
        _check_wh(self.peak_wh, "peak_wh")


def p1_day_rows(
    idx: int, days: Iterable[TariffDay], opening: P1Readings = P1Readings()
) -> list[DeviceUpdate]:
    """Daily rows of a P1 meter (``AddDBLogEntry``), oldest first, in the 11-field form
    ``HC;HP;0;0;0;0;READING_HC;0;READING_HP;0;YYYY-MM-DD`` (no returns, no current power)."""
    rows = sorted(days, key=lambda d: d.day)
    _no_repeated_day(d.day for d in rows)
    offpeak, peak = opening.offpeak_wh, opening.peak_wh
    updates = []
    for row in rows:
        offpeak += row.offpeak_wh
        peak += row.peak_wh
        svalue = (
            f"{row.offpeak_wh};{row.peak_wh};0;0;0;0;{offpeak};0;{peak};0;{row.day:{DATE_FORMAT}}"
        )
        updates.append(DeviceUpdate(idx, 0, svalue))
    return updates


def p1_current(idx: int, readings: P1Readings, power_w: int = 0) -> DeviceUpdate:
    """Current value ``U1;U2;R1;R2;CONS;PROD`` of a P1 meter: the two readings, no returns."""
    if isinstance(power_w, bool) or not isinstance(power_w, int) or power_w < 0:
        raise InvalidInput("power_w", f"{power_w!r} is not a whole, non-negative number of W")
    return DeviceUpdate(idx, 0, f"{readings.offpeak_wh};{readings.peak_wh};0;0;{power_w};0")


def _no_repeated_day(days: Iterable[date]) -> None:
    seen: set[date] = set()
    for day in days:
        if day in seen:
            raise InvalidInput("readings", f"{day} appears twice: one value per day")
        seen.add(day)


# --------------------------------------------------------------------------- grid signals

TEMPO_TEXT: dict[Language, dict[TempoColor, str]] = {
    "fr": {TempoColor.BLUE: "Bleu", TempoColor.WHITE: "Blanc", TempoColor.RED: "Rouge"},
    "en": {TempoColor.BLUE: "Blue", TempoColor.WHITE: "White", TempoColor.RED: "Red"},
}
UNKNOWN_TEXT: dict[Language, str] = {"fr": "Inconnu", "en": "Unknown"}

#: Domoticz Alert levels (``nvalue``): 0 grey, 1 green, 2 yellow, 3 orange, 4 red. EcoWatt
#: levels (days 1-3, hours 0-3, 0 being green and low-carbon) map to the same colours.
ALERT_UNKNOWN = 0
ECOWATT_ALERT_LEVEL: dict[int, int] = {0: 1, 1: 1, 2: 3, 3: 4}
ECOWATT_TEXT: dict[Language, dict[int, str]] = {
    "fr": {0: "Vert (bas carbone)", 1: "Vert", 2: "Orange", 3: "Rouge"},
    "en": {0: "Green (low carbon)", 1: "Green", 2: "Orange", 3: "Red"},
}


def tempo_update(idx: int, color: TempoColor | str | None, language: Language) -> DeviceUpdate:
    """Text device showing a Tempo colour in ``language`` (``Inconnu`` before RTE publishes)."""
    if color is None:
        return DeviceUpdate(idx, 0, UNKNOWN_TEXT[language])
    try:
        known = TempoColor(color)
    except ValueError:
        raise InvalidInput("color", f"{color!r} is not a Tempo colour (BLUE, WHITE, RED)") from None
    return DeviceUpdate(idx, 0, TEMPO_TEXT[language][known])


def ecowatt_update(
    idx: int, level: int | None, language: Language, message: str = ""
) -> DeviceUpdate:
    """Alert device showing an EcoWatt level: ``nvalue`` the Domoticz colour, ``svalue`` its
    name (and RTE's message when given); grey "unknown" for a level not published yet."""
    if level is None:
        return DeviceUpdate(idx, ALERT_UNKNOWN, UNKNOWN_TEXT[language])
    if isinstance(level, bool) or level not in ECOWATT_ALERT_LEVEL:
        raise InvalidInput("level", f"{level!r} is not an EcoWatt level (0 to 3)")
    text = ECOWATT_TEXT[language][level]
    return DeviceUpdate(
        idx, ECOWATT_ALERT_LEVEL[level], f"{text} - {message}" if message.strip() else text
    )


def number_text(value: float) -> str:
    """A number as a Custom sensor's svalue: plain decimal notation (Domoticz reads it with
    ``atof``, which stops at a thousands separator and would misread ``1e-05`` displays),
    with every digit of the float's shortest exact form: read back, it is the same float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("value", f"{value!r} is not a number")
    if not math.isfinite(value):
        raise InvalidInput("value", f"{value!r} is not a finite number")
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def measure_update(
    idx: int, kind: MeasureKind, value: object, language: Language
) -> DeviceUpdate | None:
    """The update showing a measure's current value, or ``None`` for an unknown number (a
    Custom sensor has no "unknown": its last value stays)."""
    if kind == "tempo":
        return tempo_update(idx, value if isinstance(value, TempoColor | str) else None, language)
    if kind == "ecowatt":
        if value is not None and not isinstance(value, int):
            raise InvalidInput("value", f"{value!r} is not an EcoWatt level (0 to 3)")
        return ecowatt_update(idx, value, language)
    if kind == "text":
        return DeviceUpdate(idx, 0, UNKNOWN_TEXT[language] if value is None else str(value))
    if value is None:
        return None
    if not isinstance(value, int | float):
        raise InvalidInput("value", f"{value!r} is not a number")
    return DeviceUpdate(idx, 0, number_text(value))


def local_stamp(instant: datetime, time_zone: ZoneInfo) -> str:
    """``YYYY-MM-DD HH:MM:SS`` of an aware instant in Domoticz's time zone."""
    if instant.tzinfo is None:
        raise InvalidInput("instant", "a naive datetime has no time zone: give an aware one")
    return instant.astimezone(time_zone).strftime(DATETIME_FORMAT)
