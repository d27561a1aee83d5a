"""A small history of one usage point written to a store, the export service that runs the
Domoticz exporter on it, and read-backs of the fake in the tests' own terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    Origin,
    PricingOption,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.domoticz import DomoticzExporter
from myelectricaldata.exporters.testing import service_for
from myelectricaldata.store.exports import ExportLog
from myelectricaldata.store.repo import Store
from tests.fakes.domoticz import Device, FakeDomoticz

PDL = "09999000000001"
USER, PASSWORD = "linky", "s3cr3t-dz-pass"
FIRST_DAY = date(2024, 10, 1)
DAYS = 40
#: The history's "now": its newest day is 9 November.
NOW = datetime(2024, 11, 10, 12, 0, tzinfo=UTC)


def days(count: int = DAYS, first: date = FIRST_DAY) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def daily(direction: Direction, count: int = DAYS) -> list[DailyReading]:
    """Reproducible daily values (a zero day in production)."""
    if direction is Direction.CONSUMPTION:
        return [DailyReading(d, 8_000 + (i * 613) % 5_000) for i, d in enumerate(days(count))]
    return [
        DailyReading(d, 0 if i == 3 else 900 + (i * 211) % 3_000) for i, d in enumerate(days(count))
    ]


def half_hours(day: date, watts: int) -> list[LoadCurvePoint]:
    """A load curve over one local day (46, 48 or 50 intervals), its power varying."""
    start = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    count = int((end - start).total_seconds() // 1800)
    return [
        LoadCurvePoint(start + timedelta(minutes=30 * i), watts + (i * 37) % 400)
        for i in range(count)
    ]


def usage_point(option: PricingOption = PricingOption.HC_HP) -> UsagePoint:
    return UsagePoint(
        PDL,
        name="maison",
        subscribed_power_kva=9,
        pricing_option=option,
        offpeak=parse_offpeak("HC (22H00-6H00)"),
        has_consumption=True,
        has_production=option is not PricingOption.TEMPO,
    )


def fill(
    store: Store,
    *,
    count: int = DAYS,
    curve_days: list[date] | None = None,
    option: PricingOption = PricingOption.HC_HP,
    tempo_gap: date | None = None,
) -> None:
    """The history: daily values of both directions, a load curve on ``curve_days``, Tempo
    colours of every day (but ``tempo_gap``) and the next, EcoWatt signals of the history's
    today and tomorrow."""
    point = usage_point(option)
    store.upsert_usage_point(point, Origin.DEMO, seen_on=date(2020, 1, 1))
    for direction in Direction:
        if direction is Direction.CONSUMPTION or point.has_production:
            store.upsert_daily(PDL, direction, daily(direction, count), Origin.DEMO)
    curve = [p for d in curve_days or [] for p in half_hours(d, 600)]
    store.upsert_load_curve(PDL, Direction.CONSUMPTION, curve, Origin.DEMO)
    colours = (TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED)
    store.upsert_tempo(
        [TempoDay(d, colours[i % 3]) for i, d in enumerate(days(count + 1)) if d != tempo_gap],
        Origin.DEMO,
    )
    today = NOW.date()
    store.upsert_ecowatt(
        [
            EcoWattDay(today, 2, tuple([1] * 17 + [3] * 4 + [1] * 3), "Tendu en soirée"),
            EcoWattDay(today + timedelta(days=1), 1, tuple([0] * 6 + [1] * 18), "Pas d'alerte"),
        ],
        Origin.DEMO,
    )


def running(readings: list[DailyReading], opening: int = 0) -> dict[str, tuple[int, int]]:
    """The calendar rows a meter must hold: the day's Wh and the running total at its end."""
    total = opening
    rows = {}
    for reading in sorted(readings, key=lambda r: r.day):
        total += reading.value_wh
        rows[reading.day.isoformat()] = (total, reading.value_wh)
    return rows


@dataclass
class Export:
    """An export service on a store whose only destination type is Domoticz."""

    store: Store
    service: ExportService
    config: dict[str, Any] = field(default_factory=dict)

    async def run(self, **options: Any) -> ExportLog:
        self.service.configs.save(DomoticzExporter.name, self.config)
        return await self.service.run(DomoticzExporter.name, trigger="test", **options)


def export_service(store: Store, fake: FakeDomoticz, **config: Any) -> Export:
    service = service_for(store, DomoticzExporter, now=NOW)
    values = {"enabled": True, "url": fake.url, "username": USER, "password": PASSWORD}
    return Export(store, service, values | config)


def by_marker(fake: FakeDomoticz) -> dict[str, Device]:
    """The exporter's devices by the key of their marker (``<pdl>:consumption``,
    ``tempo_today``...)."""
    found = {}
    for device in fake.devices():
        head, _, rest = device.description.partition(":")
        if head == "myelectricaldata":
            found[rest.rsplit(":", 1)[0]] = device
    return found


def dated_updates(fake: FakeDomoticz, idx: int) -> list[str]:
    """The dates of the dated ``udevice`` rows sent to a device, in order."""
    dates = []
    for request in fake.commands("udevice"):
        if request.params.get("idx") == str(idx):
            *_, last = request.params["svalue"].split(";")
            if last[:4].isdigit() and "-" in last:
                dates.append(last)
    return dates
