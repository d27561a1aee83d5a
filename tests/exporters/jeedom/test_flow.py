"""A year of history and the current values reach Jeedom exactly, once, through restarts.

Provisioning, mapping and client together against the fake, read back from Jeedom's own tables
(``cmd::getHistory`` and the fake's state) and compared with values recomputed here.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
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
from myelectricaldata.exporters.jeedom.client import JeedomClient, probe
from myelectricaldata.exporters.jeedom.errors import JeedomUnavailable
from myelectricaldata.exporters.jeedom.mapping import (
    HOURLY_MEASURES,
    Kind,
    MeasureInfo,
    daily_energy_events,
    ecowatt_events,
    event_batch,
    hourly_energy_events,
    max_power_events,
    state_events,
    tempo_events,
)
from myelectricaldata.exporters.jeedom.model import EventBatch
from myelectricaldata.exporters.jeedom.provision import grid_plan, pdl_plan, provision
from tests.fakes.jeedom import FakeJeedom

PDL = "09999000000001"
TODAY = date(2025, 11, 20)
YEAR = [TODAY - timedelta(days=n) for n in range(365, 0, -1)]  # a year up to yesterday
MONTH = YEAR[-30:]  # enough for the tests that look at something else than volume
PDL_MEASURES = (
    MeasureInfo("consumption_yesterday", "Consommation hier", "Consumption yesterday", "kWh",
                "numeric"),
    MeasureInfo("consumption_month", "Consommation mois en cours", "Consumption this month",
                "kWh", "numeric"),
    MeasureInfo("max_power_yesterday", "Puissance max hier", "Max power yesterday", "VA",
                "numeric"),
    *HOURLY_MEASURES[:1],
)  # fmt: skip
GRID_MEASURES = (
    MeasureInfo("tempo_today", "Couleur Tempo aujourd'hui", "Tempo today", None, "string"),
    MeasureInfo("tempo_tomorrow", "Couleur Tempo demain", "Tempo tomorrow", None, "string"),
    MeasureInfo("ecowatt_j0", "EcoWatt aujourd'hui", "EcoWatt today", None, "numeric"),
)
KINDS: dict[str, Kind] = {m.key: m.kind for m in (*PDL_MEASURES, *GRID_MEASURES)}
COLORS = (TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED)


def wh_of(day: date) -> int:
    """A daily consumption that differs every day (Wh)."""
    return 5000 + day.toordinal() % 997 * 13


def kwh(wh: int) -> str:
    """Wh as the kWh text Jeedom must hold, written out by hand."""
    whole, rest = divmod(wh, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".")


def load_curve() -> list[LoadCurvePoint]:
    """Two days of half-hours in Paris, the first one the 25-hour 26 October 2025."""
    start = datetime(2025, 10, 25, 22, 0, tzinfo=UTC)
    return [LoadCurvePoint(start + timedelta(minutes=30 * i), 400 + 10 * i) for i in range(98)]


def state(days: list[date]) -> list[MeasureValue]:
    """The catalogue values of this run."""

    def value(key: str, scope: str, v: float | str | None, day: date) -> MeasureValue:
        return MeasureValue(key, scope, v, None, key, key, None, None, date=day.isoformat())

    yesterday = days[-1]
    return [
        value("consumption_yesterday", PDL, wh_of(yesterday) / 1000, yesterday),
        value("consumption_month", PDL, 321.5, yesterday),
        value("max_power_yesterday", PDL, 6000 + yesterday.day, yesterday),
        value("tempo_today", "tempo", "RED", TODAY),
        value("tempo_tomorrow", "tempo", None, TODAY + timedelta(days=1)),
        value("ecowatt_j0", "ecowatt", 2, TODAY),
    ]


async def export(client: JeedomClient, days: list[date], *, concurrency: int = 1) -> EventBatch:
    """One run's steps by hand (provision, build one batch, send it), below the exporter."""
    zone = (await probe(client)).timezone
    pdl = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    grid = await provision(client, grid_plan(GRID_MEASURES))
    commands = {f"{PDL}.{k}": v for k, v in pdl.commands.items()} | dict(grid.commands)
    cmd = commands.__getitem__
    history = [
        *daily_energy_events(cmd(f"{PDL}.consumption_yesterday"),
                             [DailyReading(d, wh_of(d)) for d in days]),
        *max_power_events(cmd(f"{PDL}.max_power_yesterday"),
                          [MaxPowerReading(d, 6000 + d.day, datetime(d.year, d.month, d.day,
                                                                      18, tzinfo=UTC))
                           for d in days]),
        *hourly_energy_events(cmd(f"{PDL}.consumption_hourly"), load_curve(), zone),
        *tempo_events(cmd("tempo_today"),
                      [TempoDay(d, COLORS[d.toordinal() % 3]) for d in (*days, TODAY)], TODAY),
        *ecowatt_events(cmd("ecowatt_j0"),
                        [EcoWattDay(TODAY + timedelta(days=n), 1 + n % 3, (0,) * 24)
                         for n in range(-3, 4)], TODAY),
    ]  # fmt: skip
    batch = event_batch(history, state_events(state(days), commands, KINDS))
    await client.send(batch, concurrency=concurrency)
    return batch


def rows(fake: FakeJeedom, logical: str, key: str) -> list[tuple[str, str]]:
    return fake.history(fake.command(logical, key).id)


PDL_EQ = f"myelectricaldata::{PDL}"
GRID_EQ = "myelectricaldata::grid"


def assert_exported(fake: FakeJeedom, days: list[date]) -> None:
    """Everything of :func:`export` is in Jeedom, once, with the current values last."""
    assert rows(fake, PDL_EQ, "consumption_yesterday") == [
        (f"{d.isoformat()} 00:00:00", kwh(wh_of(d))) for d in days
    ]
    assert rows(fake, PDL_EQ, "max_power_yesterday") == [
        (f"{d.isoformat()} 00:00:00", str(6000 + d.day)) for d in days
    ]
    assert [v for _, v in rows(fake, GRID_EQ, "tempo_today")] == [
        COLORS[d.toordinal() % 3].value for d in days
    ] + ["RED"]  # today's row is the current value's
    assert rows(fake, GRID_EQ, "ecowatt_j0") == [
        ("2025-11-17 00:00:00", "1"),
        ("2025-11-18 00:00:00", "2"),
        ("2025-11-19 00:00:00", "3"),
        ("2025-11-20 00:00:00", "2"),  # the forecasts after today are not history
    ]
    current = {
        key: fake.current(fake.command(eq, key).id)
        for eq, keys in ((PDL_EQ, [m.key for m in PDL_MEASURES]),
                         (GRID_EQ, [m.key for m in GRID_MEASURES]))
        for key in keys
    }  # fmt: skip
    assert current == {
        "consumption_yesterday": float(kwh(wh_of(days[-1]))),
        "consumption_month": 321.5,
        "max_power_yesterday": float(6000 + days[-1].day),
        "consumption_hourly": current["consumption_hourly"],
        "tempo_today": "RED",
        "tempo_tomorrow": "",
        "ecowatt_j0": 2.0,
    }
    assert fake.anomalies == []


def assert_hourly(fake: FakeJeedom) -> None:
    """The load curve is hourly energy at the right instants, whatever Jeedom's zone: a row
    holds the points from its instant to the next row's (two real hours for the repeated
    autumn hour, whose second occurrence has no row of its own)."""
    hourly = rows(fake, PDL_EQ, "consumption_hourly")
    points = load_curve()
    starts = [fake.instant(wall) for wall, _ in hourly]
    ends = [*starts[1:], starts[-1] + timedelta(hours=1)]
    assert starts[0] <= points[0].start and points[-1].start < ends[-1]
    for (wall, value), start, end in zip(hourly, starts, ends, strict=True):
        wh = sum(p.avg_w for p in points if start <= p.start < end) / 2
        assert float(value) * 1000 == pytest.approx(wh), wall
    assert sum(float(v) for _, v in hourly) * 1000 == pytest.approx(
        sum(p.avg_w for p in points) / 2
    )


async def test_a_year_of_history_and_the_current_values_arrive_exactly(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    batch = await export(client, YEAR)
    assert_exported(fake, YEAR)
    assert_hourly(fake)
    assert len(fake.calls_of("cmd::event")) == len(batch)


async def test_a_second_run_changes_nothing(fake: FakeJeedom, client: JeedomClient) -> None:
    await export(client, MONTH)
    tables = (
        copy.deepcopy(fake.history_table),
        {c: (v.current, v.name) for c, v in fake.cmds.items()},
    )
    await export(client, MONTH, concurrency=4)
    assert (dict(fake.history_table), {c: (v.current, v.name) for c, v in fake.cmds.items()}) == (
        tables
    )
    assert len(fake.calls_of("eqLogic::save")) == 2  # the first run's two equipments only
    assert_exported(fake, MONTH)


async def test_a_jeedom_restart_mid_export_loses_nothing_and_duplicates_nothing(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.stop_after(300)  # provisioning, then part of the history
    with pytest.raises(JeedomUnavailable):
        await export(client, YEAR, concurrency=2)
    assert not fake.running and 0 < len(rows(fake, PDL_EQ, "consumption_yesterday")) < 365
    fake.start()
    await export(client, YEAR, concurrency=2)  # the delivery's next attempt: the same batch
    assert_exported(fake, YEAR)
    assert_hourly(fake)


async def test_the_nightly_archive_keeps_every_row_exact(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    await export(client, MONTH)
    fake.archive(datetime(2025, 11, 20, 23, 0, tzinfo=UTC))
    assert fake.history_table.get(fake.command(PDL_EQ, "consumption_yesterday").id) == {}
    assert_exported(fake, MONTH)
    assert_hourly(fake)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Europe/Brussels"])
async def test_dates_follow_jeedoms_time_zone(
    fake: FakeJeedom, client: JeedomClient, zone: str
) -> None:
    fake.set_config("timezone", zone)
    await export(client, MONTH)
    assert fake.timezone == ZoneInfo(zone)
    assert_exported(fake, MONTH)  # days keep their date
    assert_hourly(fake)  # hours keep their instant
