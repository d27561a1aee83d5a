"""History and state end to end: mapped rows sent by the client into the fake, read back.

Expected tables are recomputed from the readings with plain arithmetic (running sums, a
by-hand HC/HP classification), then compared with what the fake stored. A second run must
change nothing; a restart in the middle of an export must lose nothing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from myelectricaldata.domain.offpeak import OffpeakHistory, parse_offpeak
from myelectricaldata.domain.tariffs import split_energy_by_day
from myelectricaldata.domain.types import (
    DailyReading,
    LoadCurvePoint,
    PricingOption,
    TempoColor,
)
from myelectricaldata.exporters.domoticz.client import DomoticzClient
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.mapping import (
    P1Readings,
    TariffDay,
    counter_current,
    counter_day_rows,
    measure_update,
    p1_current,
    p1_day_rows,
    short_log_rows,
)
from myelectricaldata.exporters.domoticz.measures import Measure
from myelectricaldata.exporters.domoticz.protocol import DomoticzUnavailable
from myelectricaldata.exporters.domoticz.provisioning import (
    ensure_devices,
    plan_devices,
    plan_grid_devices,
)
from tests.fakes.domoticz import FakeDomoticz

PARIS = ZoneInfo("Europe/Paris")
PDL = "09999000000001"


def year_of_days(start: date = date(2024, 1, 1), days: int = 366) -> list[DailyReading]:
    """A leap year of daily values, zero included, reproducible."""
    return [
        DailyReading(start + timedelta(days=i), (i * 7919) % 23000 if i % 50 else 0)
        for i in range(days)
    ]


def expected_calendar(readings: list[DailyReading], opening: int = 0) -> dict[str, tuple[int, int]]:
    running = opening
    table = {}
    for reading in sorted(readings, key=lambda r: r.day):
        running += reading.value_wh
        table[reading.day.isoformat()] = (running, reading.value_wh)
    return table


async def test_a_year_of_daily_history_lands_exactly_and_a_second_run_changes_nothing(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    specs = plan_devices(PDL, [])
    devices = await ensure_devices(client, "MED", specs)
    idx = devices.idx[f"{PDL}:consumption"]
    readings = year_of_days()
    rows = counter_day_rows(idx, readings, opening_wh=1_000_000)
    total = 1_000_000 + sum(r.value_wh for r in readings)
    await client.update_all([*rows, counter_current(idx, total, readings[-1].value_wh)])
    expected = expected_calendar(readings, opening=1_000_000)
    assert fake.calendar(idx) == expected
    device = fake.device(idx)
    assert device is not None and device.svalue == f"{total};{readings[-1].value_wh}"

    before = (fake.calendar(idx), fake.device(idx))
    await client.update_all([*rows, counter_current(idx, total, readings[-1].value_wh)])
    after = (fake.calendar(idx), fake.device(idx))
    assert after[0] == before[0]
    assert after[1] is not None and before[1] is not None
    assert after[1].svalue == before[1].svalue


async def test_a_corrected_past_day_resent_with_later_days_rewrites_their_readings(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    devices = await ensure_devices(client, "MED", plan_devices(PDL, []))
    idx = devices.idx[f"{PDL}:consumption"]
    readings = year_of_days(days=30)
    await client.update_all(counter_day_rows(idx, readings))
    corrected = [
        DailyReading(r.day, r.value_wh + 500) if r.day == date(2024, 1, 10) else r for r in readings
    ]
    # The caller re-sends from the corrected day on, with the reading before it.
    opening = sum(r.value_wh for r in corrected if r.day < date(2024, 1, 10))
    tail = [r for r in corrected if r.day >= date(2024, 1, 10)]
    await client.update_all(counter_day_rows(idx, tail, opening_wh=opening))
    assert fake.calendar(idx) == expected_calendar(corrected)


async def test_a_restart_in_the_middle_of_a_year_loses_nothing(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    devices = await ensure_devices(client, "MED", plan_devices(PDL, []))
    idx = devices.idx[f"{PDL}:consumption"]
    readings = year_of_days()
    rows = counter_day_rows(idx, readings)
    fake.crash_after(150, applied=False, restart_after=0.2)
    try:
        await client.update_all(rows)
    except DomoticzUnavailable:
        pass
    else:
        raise AssertionError("the crash did not interrupt the export")
    assert len(fake.calendar(idx)) == 150
    # The delivery would retry the batch later: the same rows again, into the restarted server.
    for _ in range(50):
        try:
            await client.update_all(rows)
            break
        except DomoticzUnavailable:
            await asyncio.sleep(0.05)
    assert fake.calendar(idx) == expected_calendar(readings)


def half_hours(day: date, watts: int) -> list[LoadCurvePoint]:
    """A constant load curve over one local day (46, 48 or 50 points)."""
    start = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    count = int((end - start).total_seconds() // 1800)
    return [LoadCurvePoint(start + timedelta(minutes=30 * i), watts) for i in range(count)]


async def test_p1_rows_split_hc_hp_with_the_schedule_of_each_day_and_add_up_to_the_daily_value(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    devices = await ensure_devices(
        client, "MED", plan_devices(PDL, [], energy_device=DeviceKind.P1_METER)
    )
    idx = devices.idx[f"{PDL}:consumption"]
    schedule = parse_offpeak("HC (22H00-6H00)")
    days = [date(2024, 10, 26), date(2024, 10, 27), date(2024, 10, 28)]  # a 25-hour day inside
    curve = [p for d in days for p in half_hours(d, 1000)]
    daily = {d: 1000 * len(half_hours(d, 1000)) // 2 + 7 for d in days}  # not the curve's sum
    splits = split_energy_by_day(
        curve, PricingOption.HC_HP, OffpeakHistory([(date(2020, 1, 1), schedule)]), {}
    )
    tariff_days = [TariffDay.from_split(d, splits[d], daily[d]) for d in days]
    assert all(t is not None for t in tariff_days)
    rows = p1_day_rows(idx, [t for t in tariff_days if t], P1Readings(100, 200))
    await client.update_all(rows)

    stored = fake.multimeter_calendar(idx)
    reading_hc, reading_hp = 100, 200
    for d in days:
        # 22:00-06:00 is 8 local hours every day (the extra autumn hour falls at 02:00-03:00,
        # inside HC): 9 hours of HC on the 27th.
        hc_hours = 9 if d == date(2024, 10, 27) else 8
        day_hours = len(half_hours(d, 1000)) / 2
        hc = round(daily[d] * hc_hours / day_hours)
        hp = daily[d] - hc
        reading_hc += hc
        reading_hp += hp
        assert stored[d.isoformat()] == (hc, 0, 0, 0, hp, 0, reading_hc, 0, reading_hp, 0)
    await client.update(p1_current(idx, P1Readings(reading_hc, reading_hp)))
    device = await client.device(idx)
    assert device is not None and device.data == f"{reading_hc};{reading_hp};0;0;0;0"
    # Domoticz's own meter jobs leave the provisioned meter alone: no second row per day.
    fake.five_minute_job(datetime.now(UTC))
    fake.midnight_job(datetime(2024, 10, 28, 0, 5, tzinfo=PARIS))
    assert (fake.multimeter(idx), fake.duplicates) == ({}, [])
    assert fake.multimeter_calendar(idx) == stored


async def test_the_load_curve_of_an_autumn_day_fills_the_short_log_once_per_local_time(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    devices = await ensure_devices(client, "MED", plan_devices(PDL, []))
    idx = devices.idx[f"{PDL}:consumption"]
    curve = half_hours(date(2024, 10, 27), 800)
    await client.update_all(short_log_rows(idx, curve, opening_wh=5000, time_zone=PARIS))
    log = fake.short_log(idx)
    assert len(log) == 48
    assert log["2024-10-27 00:30:00"] == (5400, 800)
    assert log["2024-10-28 00:00:00"] == (5000 + 50 * 400, 800)
    assert fake.calendar(idx) == {}


async def test_state_values_reach_text_alert_and_custom_devices(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    measures = [
        Measure("cost_month", "Coût mois", "Cost month", "EUR", "number", "pdl"),
        Measure("tempo_today", "Tempo aujourd'hui", "Tempo today", None, "tempo", "tempo"),
        Measure("ecowatt_j0", "EcoWatt J0", "EcoWatt D0", None, "ecowatt", "ecowatt"),
    ]
    specs = plan_devices(PDL, measures) + plan_grid_devices(measures)
    devices = await ensure_devices(client, "MED", specs)
    values: dict[str, object] = {
        f"{PDL}:cost_month": 42.17,
        "tempo_today": TempoColor.RED,
        "ecowatt_j0": 2,
    }
    updates = []
    for spec in specs:
        if spec.measure_kind is None:
            continue
        update = measure_update(devices.idx[spec.key], spec.measure_kind, values[spec.key], "fr")
        assert update is not None
        updates.append(update)
    await client.update_all(updates)
    shown = {d.description.split(":")[-2]: d for d in await client.devices(devices.hardware_idx)}
    assert shown["cost_month"].data == "42.17 EUR"
    assert shown["tempo_today"].data == "Rouge"
    ecowatt = fake.device(devices.idx["ecowatt_j0"])
    assert ecowatt is not None and (ecowatt.nvalue, ecowatt.svalue) == (3, "Orange")
