"""The contract suite's data: a small history of one PDL, written to a store, and the points a
destination must hold afterwards, in the suite's own terms (:class:`Point`).

The history is chosen to catch the usual mistakes: five local days around the autumn change of
2024 (27 October has 25 hours: 50 half-hours), days with and without a load curve, production,
max power, Tempo colours and EcoWatt signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.base import EnergyPoint
from myelectricaldata.store.repo import Store

CONTRACT_PDL = "09999000000099"
#: The suite's "now": its "yesterday" is the autumn DST day.
CONTRACT_NOW = datetime(2024, 10, 28, 12, 0, tzinfo=UTC)
#: The local days of the history; the load curve covers 26 and 27 October only.
DAYS = tuple(date(2024, 10, 24) + timedelta(days=i) for i in range(5))
CURVE_DAYS = (date(2024, 10, 26), date(2024, 10, 27))
PRODUCTION_CURVE_DAYS = (date(2024, 10, 27),)
TEMPO = {
    date(2024, 10, 24): TempoColor.BLUE,
    date(2024, 10, 25): TempoColor.WHITE,
    date(2024, 10, 26): TempoColor.BLUE,
    date(2024, 10, 27): TempoColor.BLUE,
    date(2024, 10, 28): TempoColor.WHITE,
}
ECOWATT_DAYS = (date(2024, 10, 27), date(2024, 10, 28))


@dataclass(frozen=True, slots=True)
class Point:
    """One value a destination holds, as :meth:`ExporterContract.read_back` returns it.

    ``when`` is the local day for the daily streams, max power, Tempo and EcoWatt, and the
    interval's start (an aware instant) for a load curve. ``value`` is Wh for daily energy, the
    average power in W for a load curve, VA for max power, the colour (``"BLUE"``) for Tempo and
    the day level (1-3) for EcoWatt. ``pdl`` is ``None`` for Tempo and EcoWatt.
    """

    stream: Stream
    pdl: str | None
    when: date | datetime
    value: float | str

    def key(self) -> tuple[str, str | None, str, float | str]:
        """What two points are compared on: instants in UTC, numbers to 6 decimals."""
        if isinstance(self.when, datetime):
            when = self.when.astimezone(UTC).isoformat()
        else:
            when = self.when.isoformat()
        value = self.value if isinstance(self.value, str) else round(float(self.value), 6)
        return (self.stream.value, self.pdl, when, value)


@dataclass(frozen=True, slots=True)
class StateValue:
    """One current value a destination publishes, as :meth:`ExporterContract.read_state`
    returns it: its scope (the PDL, ``tempo`` or ``ecowatt``), its catalogue key, the value and
    the unit published with it."""

    scope: str
    key: str
    value: float | int | str | bool | None
    unit: str | None


def _watts(instant: datetime, direction: Direction) -> int:
    # Deterministic, different every half-hour, zero production at night.
    slot = int(instant.timestamp()) // 1800
    if direction is Direction.PRODUCTION:
        hour = instant.astimezone(PARIS).hour
        return 0 if hour < 8 or hour >= 18 else 150 + slot % 11 * 40
    return 200 + slot % 37 * 50


def curve(direction: Direction) -> list[LoadCurvePoint]:
    """The load curve of a direction: 30-minute intervals of its curve days, real instants."""
    days = CURVE_DAYS if direction is Direction.CONSUMPTION else PRODUCTION_CURVE_DAYS
    points = []
    for day in days:
        instant = datetime.combine(day, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
        while instant < end.astimezone(UTC):
            points.append(LoadCurvePoint(instant, _watts(instant, direction), 30, "BRUT"))
            instant += timedelta(minutes=30)
    return points


def daily(direction: Direction) -> list[DailyReading]:
    """One daily value per day (the corrected ones marked CORRIGE)."""
    base = 9_000 if direction is Direction.CONSUMPTION else 4_000
    return [
        DailyReading(day, base + 137 * i, "CORRIGE" if i % 2 else "BRUT")
        for i, day in enumerate(DAYS)
    ]


def max_power() -> list[MaxPowerReading]:
    """The daily maximum power, reached at 19:15 local time."""
    return [
        MaxPowerReading(
            day,
            4_200 + 311 * i,
            datetime.combine(day, datetime.min.time(), tzinfo=PARIS) + timedelta(hours=19.25),
            "BRUT",
        )
        for i, day in enumerate(DAYS)
    ]


def ecowatt() -> list[EcoWattDay]:
    """Two EcoWatt days (the first one tense in the evening)."""
    tense = tuple([0] * 6 + [1] * 11 + [2] * 4 + [1] * 3)
    calm = tuple([0] * 6 + [1] * 18)
    return [
        EcoWattDay(ECOWATT_DAYS[0], 2, tense, "Tendu en soirée"),
        EcoWattDay(ECOWATT_DAYS[1], 1, calm, "Pas d'alerte"),
    ]


def usage_point() -> UsagePoint:
    """An HC/HP contract with production, 9 kVA, off-peak 22:00-06:00."""
    return UsagePoint(
        CONTRACT_PDL,
        name="contract",
        subscribed_power_kva=9,
        pricing_option=PricingOption.HC_HP,
        offpeak=parse_offpeak("HC (22H00-6H00)"),
        has_consumption=True,
        has_production=True,
    )


def fill(store: Store) -> None:
    """Write the suite's history into ``store``."""
    store.upsert_usage_point(usage_point(), Origin.DEMO, seen_on=date(2024, 1, 1))
    for direction in Direction:
        store.upsert_daily(CONTRACT_PDL, direction, daily(direction), Origin.DEMO)
        store.upsert_load_curve(CONTRACT_PDL, direction, curve(direction), Origin.DEMO)
    store.upsert_max_power(CONTRACT_PDL, max_power(), Origin.DEMO)
    store.upsert_tempo([TempoDay(d, c) for d, c in TEMPO.items()], Origin.DEMO)
    store.upsert_ecowatt(ecowatt(), Origin.DEMO)


def sent_points() -> list[Point]:
    """Every point of the history, as a destination that keeps everything must hold it."""
    points: list[Point] = []
    for direction in Direction:
        prefix = direction.value
        day_stream, curve_stream = Stream(f"{prefix}_daily"), Stream(f"{prefix}_detail")
        points += [Point(day_stream, CONTRACT_PDL, r.day, r.value_wh) for r in daily(direction)]
        points += [Point(curve_stream, CONTRACT_PDL, p.start, p.avg_w) for p in curve(direction)]
    points += [Point(Stream.MAX_POWER, CONTRACT_PDL, r.day, r.value_va) for r in max_power()]
    points += [Point(Stream.TEMPO, None, d, c.value) for d, c in TEMPO.items()]
    points += [Point(Stream.ECOWATT, None, e.day, e.level) for e in ecowatt()]
    return points


# -- batches for tests that call an exporter directly ----------------------------------------------


def sample_points(days: int = 2, start: date = date(2024, 10, 26)) -> list[EnergyPoint]:
    """Load-curve points over ``days`` local days from ``start`` (DST day included by default)."""
    first = datetime.combine(start, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)
    last = datetime.combine(start + timedelta(days=days), datetime.min.time(), tzinfo=PARIS)
    points = []
    instant = first
    while instant < last.astimezone(UTC):
        watts = 200 + (int(instant.timestamp()) // 1800) % 37 * 50
        local = instant.astimezone(PARIS)
        end = (instant + timedelta(minutes=30)).astimezone(PARIS)
        points.append(EnergyPoint(local, end, watts / 2, "BRUT", avg_w=watts))
        instant += timedelta(minutes=30)
    return points


def daily_points(days: int = 5, start: date = date(2024, 10, 25)) -> list[EnergyPoint]:
    """Daily points over ``days`` local days."""
    points = []
    for i in range(days):
        day = start + timedelta(days=i)
        begin = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
        points.append(EnergyPoint(begin, end, 10_000 + 137 * i, "CORRIGE"))
    return points
