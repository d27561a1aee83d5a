"""The Jeedom exporter through the real export service: what the fake Jeedom holds afterwards is
compared with the store, value by value (every value present, history exact, a second run
changes nothing, a Jeedom restart mid-export loses nothing, the newest value stays current).

Expected rows are recomputed here from the store with exact arithmetic (Wh as fractions, kWh
as decimals), not with the exporter's mapping.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    TempoColor,
    TempoDay,
)
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW
from tests.exporters.jeedom.conftest import PDLS, TODAY
from tests.fakes.jeedom import FakeJeedom

FAR_PAST, FAR_FUTURE = date(2000, 1, 1), date(2100, 1, 1)
GRID_EQ = "myelectricaldata::grid"


def config(fake: FakeJeedom, **overrides: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "url": fake.url,
        "api_key": fake.core_key,
        "history_hourly": True,
        "timeout_seconds": 5,
        **overrides,
    }


def equipment(pdl: str) -> str:
    return f"myelectricaldata::{pdl}"


def held(fake: FakeJeedom, eq: str, key: str) -> dict[str, Fraction | str]:
    """A command's history as ``{datetime: value}`` (numbers exact)."""
    rows = fake.history(fake.command(eq, key).id)
    assert len({wall for wall, _ in rows}) == len(rows), f"{key}: a datetime held twice"
    return {wall: value if not _number(value) else Fraction(Decimal(value)) for wall, value in rows}


def _number(text: str) -> bool:
    return text.replace(".", "", 1).replace("-", "", 1).isdigit()


def midnight(day: date) -> str:
    return f"{day.isoformat()} 00:00:00"


def kwh(wh: int | Fraction) -> Fraction:
    return Fraction(wh) / 1000


def hourly_sums(
    store: Store, pdl: str, direction: Direction, zone: ZoneInfo
) -> dict[str, Fraction]:
    """kWh per hour of Jeedom's wall clock of every stored load-curve point."""
    sums: dict[str, Fraction] = defaultdict(Fraction)
    points = store.load_curve(pdl, direction, local_midnight(FAR_PAST), local_midnight(FAR_FUTURE))
    for p in points:
        wall = p.start.astimezone(zone).strftime("%Y-%m-%d %H:00:00")
        sums[wall] += kwh(Fraction(p.avg_w * p.interval_min, 60))
    return dict(sums)


def assert_history_is_the_store(fake: FakeJeedom, store: Store) -> None:
    """Every stored value is in Jeedom's history, exactly, and nothing else is."""
    zone = fake.timezone
    for stored in store.usage_points():
        pdl, eq = stored.point.pdl, equipment(stored.point.pdl)
        directions = [Direction.CONSUMPTION]
        if stored.point.has_production:
            directions.append(Direction.PRODUCTION)
        for direction in directions:
            daily = store.daily(pdl, direction, FAR_PAST, FAR_FUTURE)
            assert daily, "the test needs data"
            key = f"{direction.value}_yesterday"
            assert held(fake, eq, key) == {midnight(r.day): kwh(r.value_wh) for r in daily}, key
            hourly = f"{direction.value}_hourly"
            assert held(fake, eq, hourly) == hourly_sums(store, pdl, direction, zone), hourly
        peaks = store.max_power(pdl, FAR_PAST, FAR_FUTURE)
        assert held(fake, eq, "max_power_yesterday") == {
            midnight(r.day): Fraction(r.value_va) for r in peaks
        }
    colours = store.tempo(FAR_PAST, TODAY)  # tomorrow's colour is a forecast, not history
    assert held(fake, GRID_EQ, "tempo_today") == {midnight(d.day): d.color.value for d in colours}
    signals = store.ecowatt(FAR_PAST, TODAY)
    assert held(fake, GRID_EQ, "ecowatt_j0") == {
        midnight(d.day): Fraction(d.level) for d in signals
    }
    assert fake.anomalies == []


async def assert_current_values_are_the_snapshot(fake: FakeJeedom, store: Store) -> None:
    """Every catalogue value is its command's current value."""
    snapshot = await compute_snapshot(store, now=DEMO_NOW)
    checked = 0
    for value in snapshot.values:
        eq = GRID_EQ if value.scope in ("tempo", "ecowatt") else equipment(value.scope)
        shown = fake.current(fake.command(eq, value.key).id)
        if value.value is None:
            continue
        if isinstance(value.value, str):
            assert shown == value.value, value.key
        else:
            assert shown == pytest.approx(float(value.value), abs=1e-9), value.key
        checked += 1
    assert checked > 40


def newest_hour(fake: FakeJeedom, store: Store, pdl: str) -> Fraction:
    sums = hourly_sums(store, pdl, Direction.CONSUMPTION, fake.timezone)
    return sums[max(sums)]


def tables(fake: FakeJeedom) -> Any:
    """What Jeedom holds: equipments, commands (with their current values), both history
    tables."""
    return copy.deepcopy(
        (
            {i: e.export() for i, e in fake.eq_logics.items()},
            {i: (c.export(), c.current) for i, c in fake.cmds.items()},
            fake.history_table,
            fake.history_arch,
        )
    )


async def test_every_stored_value_arrives_exactly_and_the_snapshot_is_current(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    log = await service.run("jeedom")
    assert log.status == "success", log.error
    assert log.records == log.records_total > 0
    assert_history_is_the_store(fake, store)
    await assert_current_values_are_the_snapshot(fake, store)
    hourly = fake.command(equipment(PDLS[0]), "consumption_hourly").id
    assert Fraction(Decimal(str(fake.current(hourly)))) == newest_hour(fake, store, PDLS[0])
    # One Virtual per meter and one for the grid, created once.
    assert len(fake.calls_of("eqLogic::save")) == 3
    assert {e.logicalId for e in fake.eq_logics.values()} == {*map(equipment, PDLS), GRID_EQ}


async def test_a_second_run_changes_nothing(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    assert (await service.run("jeedom")).status == "success"
    before = tables(fake)
    saves = len(fake.calls_of("eqLogic::save"))
    again = await service.run("jeedom")
    assert again.status == "success" and again.records == 0
    assert tables(fake) == before
    assert len(fake.calls_of("eqLogic::save")) == saves


async def test_a_jeedom_restart_mid_export_loses_nothing(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    fake.stop_after(120)  # the equipments, then part of the history
    cut = await service.run("jeedom")
    # Going down, Jeedom answers 503 for a moment, then refuses connections.
    assert cut.status == "failed"
    assert re.search(r"cannot reach Jeedom|answered HTTP 503", cut.error or ""), cut.error
    assert 0 < cut.records < cut.records_total
    fake.start()  # the box is back: its database kept every row
    back = await service.run("jeedom")
    assert back.status == "success", back.error
    assert cut.records + back.records == cut.records_total
    assert_history_is_the_store(fake, store)
    await assert_current_values_are_the_snapshot(fake, store)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_after_a_backfill_the_newest_stored_value_is_current_again(
    fake: FakeJeedom, store: Store, service: ExportService, concurrency: int
) -> None:
    # Current values off: only the history calls may put the newest value back.
    service.configs.save("jeedom", config(fake, state=False, concurrency=concurrency))
    assert (await service.run("jeedom")).status == "success"
    pdl, old = PDLS[0], date(2025, 9, 1)
    days = [old + timedelta(days=i) for i in range(10)]
    store.upsert_daily(
        pdl, Direction.CONSUMPTION, [DailyReading(d, 4321 + d.day) for d in days], Origin.DEMO
    )
    store.upsert_max_power(
        pdl, [MaxPowerReading(d, 7000 + d.day, local_midnight(d)) for d in days], Origin.DEMO
    )
    store.upsert_load_curve(
        pdl,
        Direction.CONSUMPTION,
        [LoadCurvePoint(local_midnight(old) + timedelta(minutes=30 * i), 999) for i in range(48)],
        Origin.DEMO,
    )
    store.upsert_tempo([TempoDay(d, TempoColor.RED) for d in days], Origin.DEMO)  # fmt: skip
    backfill = await service.run("jeedom")
    assert backfill.status == "success" and backfill.records == 10 + 10 + 48 + 10
    assert_history_is_the_store(fake, store)
    eq = equipment(pdl)
    newest = store.daily(pdl, Direction.CONSUMPTION, TODAY - timedelta(days=1), TODAY)[-1]
    current = fake.current(fake.command(eq, "consumption_yesterday").id)
    assert Fraction(Decimal(str(current))) == kwh(newest.value_wh)
    peak = store.max_power(pdl, TODAY - timedelta(days=1), TODAY)[-1]
    assert fake.current(fake.command(eq, "max_power_yesterday").id) == peak.value_va
    hourly = fake.current(fake.command(eq, "consumption_hourly").id)
    assert Fraction(Decimal(str(hourly))) == newest_hour(fake, store, pdl)
    today = store.tempo(TODAY, TODAY)[0].color.value
    assert fake.current(fake.command(GRID_EQ, "tempo_today").id) == today


async def test_a_corrected_half_hour_rewrites_its_whole_hour(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    assert (await service.run("jeedom")).status == "success"
    pdl = PDLS[1]
    start = local_midnight(date(2025, 11, 18)) + timedelta(hours=7, minutes=30)
    store.upsert_load_curve(pdl, Direction.CONSUMPTION, [LoadCurvePoint(start, 12345)], Origin.DEMO)
    fix = await service.run("jeedom")
    assert fix.status == "success" and fix.records == 1
    wall = "2025-11-18 07:00:00"  # Brussels and Paris share their clock
    rows = held(fake, equipment(pdl), "consumption_hourly")
    expected = hourly_sums(store, pdl, Direction.CONSUMPTION, fake.timezone)[wall]
    assert rows[wall] == expected and expected > kwh(Fraction(12345, 2))
    assert_history_is_the_store(fake, store)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
async def test_hours_follow_jeedoms_time_zone_and_days_keep_their_date(
    fake: FakeJeedom, store: Store, service: ExportService, zone: str
) -> None:
    fake.set_config("timezone", zone)
    service.configs.save("jeedom", config(fake, pdls=[PDLS[0]], state=False))
    assert (await service.run("jeedom")).status == "success"
    eq = equipment(PDLS[0])
    assert held(fake, eq, "consumption_hourly") == hourly_sums(
        store, PDLS[0], Direction.CONSUMPTION, ZoneInfo(zone)
    )
    daily = store.daily(PDLS[0], Direction.CONSUMPTION, FAR_PAST, FAR_FUTURE)
    assert list(held(fake, eq, "consumption_yesterday")) == [midnight(r.day) for r in daily]


async def test_the_switches_choose_what_is_sent(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save(
        "jeedom", config(fake, pdls=[PDLS[1]], grid=False, history_hourly=False, state=False)
    )
    assert (await service.run("jeedom")).status == "success"
    assert {e.logicalId for e in fake.eq_logics.values()} == {equipment(PDLS[1])}
    eq = equipment(PDLS[1])
    keys = {c.logicalId for c in fake.commands_of(fake.equipment(eq).id)}
    assert "consumption_hourly" not in keys and "production_yesterday" in keys
    assert held(fake, eq, "production_yesterday")  # daily history went in
    events = fake.calls_of("cmd::event")
    daily_rows = sum(len(store.daily(PDLS[1], d, FAR_PAST, FAR_FUTURE)) for d in Direction) + len(
        store.max_power(PDLS[1], FAR_PAST, FAR_FUTURE)
    )
    assert len(events) == daily_rows  # history only: no current value, no hour


async def test_no_history_leaves_the_checkpoints_for_later(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake, history=False, history_hourly=False))
    first = await service.run("jeedom")
    assert first.status == "success" and first.records_total == 0
    await assert_current_values_are_the_snapshot(fake, store)
    service.configs.save("jeedom", config(fake))
    later = await service.run("jeedom")
    assert later.status == "success" and later.records == later.records_total > 0
    assert_history_is_the_store(fake, store)


async def test_a_command_deleted_during_a_run_is_created_again(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    deleted: list[int] = []

    def delete_production_command(sent: int, total: int) -> None:
        if not deleted:  # after the first batch: the equipments exist, production is to come
            command = fake.command(equipment(PDLS[1]), "production_yesterday")
            with fake._lock:
                del fake.cmds[command.id]
            deleted.append(command.id)

    log = await service.run("jeedom", on_progress=delete_production_command)
    assert log.status == "success", log.error
    assert deleted and fake.command(equipment(PDLS[1]), "production_yesterday").id != deleted[0]
    assert_history_is_the_store(fake, store)
