"""From typed readings and catalogue values to ``cmd::event`` calls: pure, no I/O.

History goes to the command of the measure it is the series of, as dated events (PROTOCOLS.md
§5: ``cmd::event`` with ``datetime``, ``REPLACE``d on command and datetime):

=====================  ===========================  =======  ================================
stream                 command (``logicalId``)      value    ``datetime`` (Jeedom wall time)
=====================  ===========================  =======  ================================
consumption, daily     ``consumption_yesterday``    kWh      its date at 00:00:00
production, daily      ``production_yesterday``     kWh      its date at 00:00:00
max power, daily       ``max_power_yesterday``      VA       its date at 00:00:00
load curve (option)    ``consumption_hourly``,      kWh      start of each hour in Jeedom's
                       ``production_hourly``                 time zone
Tempo, up to today     ``tempo_today``              colour   its date at 00:00:00
EcoWatt, up to today   ``ecowatt_j0``               1-3      its date at 00:00:00
=====================  ===========================  =======  ================================

A daily value belongs to its calendar day, so it is stamped with that date whatever Jeedom's
time zone; hourly energy are instants, converted to Jeedom's time zone. The load curve is summed
per hour (Jeedom archives rows older than two hours, and a smoothed command would average
30-minute rows): in the autumn the repeated local hour holds both hours' energy (its two
instants share one Jeedom ``datetime``), in the spring the missing hour has no row, so a day's
rows always add up to its energy. Forecasts (Tempo tomorrow, EcoWatt D+1..D+3) are current
values only: a history row in the future would become the command's value.

Every event changes its command's current value and fires Jeedom's listeners, so an
:class:`~.model.EventBatch` sends history oldest first and the current values last.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from myelectricaldata.domain.types import (
    DailyReading,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    TempoDay,
    validate_pdl,
)
from myelectricaldata.exporters.jeedom.model import (
    Event,
    EventBatch,
    day_datetime,
    format_number,
    jeedom_datetime,
)

#: How a measure's Jeedom command stores its value (``subType`` of an info command).
Kind = Literal["numeric", "string", "binary"]

CONSUMPTION_DAILY = "consumption_yesterday"
PRODUCTION_DAILY = "production_yesterday"
MAX_POWER_DAILY = "max_power_yesterday"
CONSUMPTION_HOURLY = "consumption_hourly"
PRODUCTION_HOURLY = "production_hourly"
TEMPO_DAILY = "tempo_today"
ECOWATT_DAILY = "ecowatt_j0"

#: Commands that receive dated history: historized, ``historizeMode`` none.
HISTORY_KEYS: frozenset[str] = frozenset(
    {
        CONSUMPTION_DAILY,
        PRODUCTION_DAILY,
        MAX_POWER_DAILY,
        CONSUMPTION_HOURLY,
        PRODUCTION_HOURLY,
        TEMPO_DAILY,
        ECOWATT_DAILY,
    }
)
#: Keys whose current value shares the datetime of its history row (its day), so that sending
#: the current value last rewrites that row instead of adding one stamped "now".
DATED_STATE_KEYS: frozenset[str] = frozenset(
    {CONSUMPTION_DAILY, PRODUCTION_DAILY, MAX_POWER_DAILY, TEMPO_DAILY, ECOWATT_DAILY}
)

_THOUSAND = Decimal(1000)
#: kWh are sent with at most this many decimals (a watt-second is 0.0000003 kWh).
_KWH_STEP = Decimal("0.000001")


def kwh_text(wh: int | float | Decimal) -> str:
    """Wh as kWh text, exact for whole Wh (``12345`` -> ``"12.345"``), else to 6 decimals."""
    if isinstance(wh, Decimal):
        number = wh
    elif isinstance(wh, float):
        number = Decimal(repr(wh))
    else:
        number = Decimal(wh)
    return format_number((number / _THOUSAND).quantize(_KWH_STEP).normalize())


# --------------------------------------------------------------------------- history


def daily_energy_events(cmd_id: int, readings: Iterable[DailyReading]) -> list[Event]:
    """One event per day (kWh, stamped with its date), oldest first; a day given twice keeps
    its last reading."""
    by_day = {r.day: r for r in readings}
    return [
        Event(cmd_id, kwh_text(by_day[day].value_wh), day_datetime(day)) for day in sorted(by_day)
    ]


def max_power_events(cmd_id: int, readings: Iterable[MaxPowerReading]) -> list[Event]:
    """One event per day (VA, stamped with its date; when it was reached is in the current
    value's day only), oldest first."""
    by_day = {r.day: r for r in readings}
    return [
        Event(cmd_id, format_number(by_day[day].value_va), day_datetime(day))
        for day in sorted(by_day)
    ]


def hourly_energy_events(
    cmd_id: int, points: Iterable[LoadCurvePoint], zone: ZoneInfo
) -> list[Event]:
    """Energy per hour of Jeedom's clock (kWh), stamped with the hour's start in ``zone``,
    oldest first. An interval counts in the hour it starts in.

    Give every point of each hour sent (see :func:`hour_spans`): a row holds the energy of the
    points given, and replaces what Jeedom had for that hour.
    """
    totals: dict[str, Decimal] = {}
    for point in points:
        key = _hour_key(point.start, zone)
        energy = Decimal(point.avg_w) * point.interval_min / 60
        totals[key] = totals.get(key, Decimal(0)) + energy
    return [Event(cmd_id, kwh_text(totals[key]), key) for key in sorted(totals)]


def hour_spans(points: Iterable[LoadCurvePoint], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """UTC ``[start, end)`` of every hour of Jeedom's clock the points touch (two real hours
    for the repeated autumn hour), oldest first: what to read from the store so that
    :func:`hourly_energy_events` gets whole hours when only some of their points changed."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for point in points:
        key = _hour_key(point.start, zone)
        if key in spans:
            continue
        wall = datetime.strptime(key, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - a wall time
        first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        last = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
        spans[key] = (min(first, last), max(first, last) + timedelta(hours=1))
    return [spans[key] for key in sorted(spans)]


def _hour_key(instant: datetime, zone: ZoneInfo) -> str:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: a load-curve point needs an aware start")
    local = instant.astimezone(zone)
    return jeedom_datetime(local.replace(minute=0, second=0, microsecond=0), zone)


def tempo_events(cmd_id: int, days: Iterable[TempoDay], today: date) -> list[Event]:
    """The colour (``BLUE``, ``WHITE``, ``RED``) of each day up to ``today``, oldest first."""
    by_day = {d.day: d for d in days if d.day <= today}
    return [Event(cmd_id, by_day[day].color.value, day_datetime(day)) for day in sorted(by_day)]


def ecowatt_events(cmd_id: int, days: Iterable[EcoWattDay], today: date) -> list[Event]:
    """The level (1 green, 2 orange, 3 red) of each day up to ``today``, oldest first."""
    by_day = {d.day: d for d in days if d.day <= today}
    return [Event(cmd_id, str(by_day[day].level), day_datetime(day)) for day in sorted(by_day)]


# --------------------------------------------------------------------------- current values


class StateValue(Protocol):
    """A current value of the measures catalogue (``exporters.base.MeasureValue`` is one)."""

    @property
    def key(self) -> str:
        """Measure key, e.g. ``consumption_yesterday``."""

    @property
    def scope(self) -> str:
        """The PDL, or ``tempo`` / ``ecowatt``."""

    @property
    def value(self) -> float | int | str | bool | None:
        """The value; ``None`` when unknown."""

    @property
    def date(self) -> str | None:
        """ISO date of the day the value belongs to, when it has one."""


def address(scope: str, key: str) -> str:
    """How a command is named in ``commands`` maps: ``<pdl>.<key>`` for a PDL's measure, the
    bare key for Tempo and EcoWatt (``tempo_today``)."""
    if scope.isdigit():
        return f"{validate_pdl(scope, 'scope')}.{key}"
    return key


def state_value_text(value: float | int | str | bool | None, kind: Kind) -> str | None:
    """The text ``cmd::event`` gets for a current value, ``None`` for "send nothing".

    An unknown value clears a string command (``""``, e.g. Tempo tomorrow before RTE publishes
    it) but is not sent to a numeric one, which Jeedom would show as 0: it keeps its last value,
    whose date tells its age.
    """
    if value is None:
        return "" if kind == "string" else None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None
        return format_number(value)
    return value


def state_events(
    values: Iterable[StateValue],
    commands: Mapping[str, int],
    kinds: Mapping[str, Kind],
    *,
    dated: Collection[str] = DATED_STATE_KEYS,
) -> list[Event]:
    """One event per value whose command is known (``commands`` by :func:`address`), in the
    order given. A value of a ``dated`` key carries its day's stamp, so it rewrites that day's
    history row; the others are stamped by Jeedom's clock."""
    events: list[Event] = []
    for item in values:
        cmd_id = commands.get(address(item.scope, item.key))
        if cmd_id is None:
            continue
        text = state_value_text(item.value, kinds.get(item.key, "numeric"))
        if text is None:
            continue
        stamp = None
        if item.key in dated and item.date:
            stamp = day_datetime(date.fromisoformat(item.date[:10]))
        events.append(Event(cmd_id, text, stamp))
    return events


def event_batch(history: Iterable[Event], current: Sequence[Event] = ()) -> EventBatch:
    """History sorted oldest first (one event per command and datetime: the last one given),
    then ``current`` as given."""
    rows: dict[tuple[int, str], Event] = {}
    for event in history:
        if event.datetime is None:
            raise ValueError(f"history event for command {event.cmd_id} has no datetime")
        rows[(event.cmd_id, event.datetime)] = event
    ordered = sorted(rows.values(), key=lambda e: (e.datetime or "", e.cmd_id))
    return EventBatch(tuple(ordered), tuple(current))


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    """What provisioning needs to know of a measure (the catalogue's ``Measure`` has it)."""

    key: str
    label_fr: str
    label_en: str
    unit: str | None
    kind: Kind


#: History-only commands of a PDL (the load curve as hourly energy, when asked for).
HOURLY_MEASURES: tuple[MeasureInfo, ...] = (
    MeasureInfo(CONSUMPTION_HOURLY, "Consommation horaire", "Hourly consumption", "kWh", "numeric"),
    MeasureInfo(PRODUCTION_HOURLY, "Production horaire", "Hourly production", "kWh", "numeric"),
)
