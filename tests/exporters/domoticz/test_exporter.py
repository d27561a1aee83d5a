"""The Domoticz exporter through the real export service, on the strict fake: what Domoticz holds
afterwards is compared with the store (every day present, readings exact), a second run changes
nothing, a corrected old day rewrites every later reading, a restart in the middle loses
nothing. Expected rows are recomputed here from the readings with plain arithmetic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
)
from myelectricaldata.exporters.base import ConsumptionData, EnergyPoint, StateSnapshot
from myelectricaldata.exporters.context import ExporterContext, StoreView
from myelectricaldata.exporters.domoticz import DomoticzConfig, DomoticzExporter
from myelectricaldata.exporters.domoticz.catalogue import CATALOGUE
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store
from tests.exporters.domoticz.helpers import (
    NOW,
    PASSWORD,
    PDL,
    USER,
    by_marker,
    daily,
    dated_updates,
    days,
    export_service,
    fill,
    half_hours,
    running,
)
from tests.fakes.domoticz import ADMIN, P_GENERAL, S_MANAGED, S_TEXT, FakeDomoticz, Hardware

TEMPO_FR = {"BLUE": "Bleu", "WHITE": "Blanc", "RED": "Rouge"}
#: EcoWatt level -> Domoticz Alert level (1 green, 3 orange, 4 red), read off RTE's colours.
ALERT = {0: 1, 1: 1, 2: 3, 3: 4}


@pytest.fixture
def domoticz() -> Iterator[FakeDomoticz]:
    with FakeDomoticz({USER: (PASSWORD, ADMIN)}, allow_plain_basic_auth=True) as server:
        yield server
        assert server.violations == []


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'domoticz.db'}")
    yield opened
    opened.close()


def tables(fake: FakeDomoticz) -> dict[str, Any]:
    """Everything Domoticz holds for the exporter's devices."""
    return {
        key: (
            device.nvalue,
            device.svalue,
            fake.calendar(device.idx),
            fake.short_log(device.idx),
            fake.multimeter_calendar(device.idx),
        )
        for key, device in by_marker(fake).items()
    }


def check_state(fake: FakeDomoticz, snapshot: StateSnapshot) -> int:
    """Every catalogue value of the snapshot is shown by its device as Domoticz shows it."""
    devices = by_marker(fake)
    shown = 0
    for value in snapshot.values:
        key = f"{value.scope}:{value.key}" if value.scope.isdigit() else value.key
        kind = CATALOGUE[value.key].kind
        device = devices.get(key)
        if kind == "number":
            if value.value is None:
                assert device is None, f"{key}: no value, no device"
                continue
            assert device is not None, key
            assert float(device.svalue) == pytest.approx(float(value.value), rel=1e-12), key
            assert device.raw_options == f"1;{value.unit or ''}", key
        elif kind == "tempo":
            assert device is not None, key
            assert device.svalue == TEMPO_FR.get(str(value.value), "Inconnu"), key
        elif kind == "ecowatt":
            assert device is not None, key
            assert isinstance(value.value, int | None)
            assert device.nvalue == (0 if value.value is None else ALERT[value.value]), key
        else:
            assert device is not None, key
            assert device.svalue == ("Inconnu" if value.value is None else str(value.value)), key
        shown += 1
    return shown


async def test_the_meters_hold_every_stored_day_with_its_reading_and_a_second_run_changes_nothing(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store)
    export = export_service(store, domoticz)
    first = await export.run()
    assert first.status == "success", first.error
    devices = by_marker(domoticz)
    consumption, production = devices[f"{PDL}:consumption"], devices[f"{PDL}:production"]
    assert (consumption.names, production.names) == (
        ("General", "Managed Counter"),
        ("General", "kWh"),
    )
    used = daily(Direction.CONSUMPTION)
    made = daily(Direction.PRODUCTION)
    assert domoticz.calendar(consumption.idx) == running(used)
    assert domoticz.calendar(production.idx) == running(made)
    total_used, total_made = sum(r.value_wh for r in used), sum(r.value_wh for r in made)
    assert consumption.svalue == f"{total_used};{used[-1].value_wh}"
    assert production.svalue == f"0;{total_made}"
    snapshot = await compute_snapshot(store, now=NOW)
    # Every other device shows a value of the snapshot (none is left over).
    assert check_state(domoticz, snapshot) == len(devices) - 2 > 20
    # History rows never run the user's event scripts; current values do (trigger_events).
    for request in domoticz.commands("udevice"):
        dated = request.params["svalue"].count(";") == 2
        assert (request.params.get("parsetrigger") == "false") == (
            dated or request.params["idx"] in (str(consumption.idx), str(production.idx))
        )

    held = tables(domoticz)
    sent = len(domoticz.requests)
    again = await export.run()
    assert again.status == "success" and again.records == 0
    later = domoticz.requests[sent:]
    assert not [r for r in later if r.params.get("param") in ("createdevice", "addhardware")]
    assert dated_updates(domoticz, consumption.idx) == [d.isoformat() for d in days()]
    assert tables(domoticz) == held


async def test_a_corrected_old_day_rewrites_its_row_and_every_later_reading(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store)
    export = export_service(store, domoticz)
    assert (await export.run()).status == "success"
    idx = by_marker(domoticz)[f"{PDL}:consumption"].idx
    before = len(dated_updates(domoticz, idx))
    corrected_day = days()[9]
    store.upsert_daily(
        PDL, Direction.CONSUMPTION, [DailyReading(corrected_day, 12_345, "CORRIGE")], Origin.DEMO
    )
    log = await export.run()
    assert log.status == "success", log.error
    readings = [
        DailyReading(r.day, 12_345) if r.day == corrected_day else r
        for r in daily(Direction.CONSUMPTION)
    ]
    assert domoticz.calendar(idx) == running(readings)
    # The corrected day and every later one were sent again, once each; earlier ones were not.
    resent = dated_updates(domoticz, idx)[before:]
    assert resent == [d.isoformat() for d in days() if d >= corrected_day]
    total = sum(r.value_wh for r in readings)
    device = domoticz.device(idx)
    assert device is not None and device.svalue == f"{total};{readings[-1].value_wh}"


@pytest.mark.parametrize("applied", [False, True], ids=["lost-request", "applied-request"])
async def test_a_domoticz_restart_in_the_middle_of_an_export_loses_nothing(
    domoticz: FakeDomoticz, store: Store, applied: bool
) -> None:
    fill(store)
    export = export_service(store, domoticz)
    # Domoticz dies in the middle of a request, part way through the daily rows, and stays
    # down until it is started again.
    domoticz.crash_after(35, applied=applied)
    cut = await export.run()
    assert cut.status == "failed" and "Domoticz" in (cut.error or "")
    written = by_marker(domoticz)[f"{PDL}:consumption"].idx
    assert 0 < len(domoticz.calendar(written)) < len(days())
    domoticz.start()
    back = await export.run()
    assert back.status == "success", back.error
    devices = by_marker(domoticz)
    assert len(devices) == len({d.idx for d in domoticz.devices()}), "a device made twice"
    assert domoticz.calendar(devices[f"{PDL}:consumption"].idx) == running(
        daily(Direction.CONSUMPTION)
    )
    assert domoticz.calendar(devices[f"{PDL}:production"].idx) == running(
        daily(Direction.PRODUCTION)
    )
    check_state(domoticz, await compute_snapshot(store, now=NOW))


def hc_hp_by_hand(day: date, daily_wh: int) -> tuple[int, int]:
    """HC (22:00-06:00 local) and HP of a day, from its load curve, scaled to ``daily_wh``."""
    hc = hp = 0.0
    for point in half_hours(day, 600):
        hour = point.start.astimezone(PARIS).hour
        wh = point.avg_w / 2
        if hour >= 22 or hour < 6:
            hc += wh
        else:
            hp += wh
    offpeak = round(daily_wh * hc / (hc + hp))
    return offpeak, daily_wh - offpeak


async def test_a_p1_meter_gets_hc_and_hp_per_day_and_the_days_without_load_curve_are_left_out(
    domoticz: FakeDomoticz, store: Store
) -> None:
    curve_days = days()[20:]  # the last 20 days have a load curve (27 October among them)
    fill(store, curve_days=curve_days)
    export = export_service(store, domoticz, energy_device="p1")
    log = await export.run()
    assert log.status == "success", log.error
    meter = by_marker(domoticz)[f"{PDL}:consumption"]
    assert meter.names == ("P1 Smart Meter", "Energy")
    assert (meter.options["AddDBLogEntry"], meter.options["DisableLogAutoUpdate"]) == (
        "true",
        "true",
    )
    expected: dict[str, tuple[int, ...]] = {}
    reading_hc = reading_hp = 0
    values = {r.day: r.value_wh for r in daily(Direction.CONSUMPTION)}
    for day in curve_days:
        hc, hp = hc_hp_by_hand(day, values[day])
        reading_hc, reading_hp = reading_hc + hc, reading_hp + hp
        expected[day.isoformat()] = (hc, 0, 0, 0, hp, 0, reading_hc, 0, reading_hp, 0)
    assert domoticz.multimeter_calendar(meter.idx) == expected
    assert meter.svalue == f"{reading_hc};{reading_hp};0;0;0;0"
    # The daily, load-curve and Tempo batches each compute the meter's rows again: every row
    # still went once.
    assert dated_updates(domoticz, meter.idx) == [d.isoformat() for d in curve_days]


async def test_a_tempo_colour_that_arrives_late_splits_its_day_on_the_p1_meter(
    domoticz: FakeDomoticz, store: Store
) -> None:
    curve_days = days()[-5:]
    late = curve_days[-2]  # its colour is not known at the first run
    fill(store, curve_days=curve_days, option=PricingOption.TEMPO, tempo_gap=late)
    export = export_service(store, domoticz, energy_device="p1")
    assert (await export.run()).status == "success"
    meter = by_marker(domoticz)[f"{PDL}:consumption"]
    # The colour of a Tempo day colours its hours from 06:00 to 06:00: the late day and the
    # morning of the next one cannot be split.
    assert sorted(domoticz.multimeter_calendar(meter.idx)) == [
        d.isoformat() for d in curve_days if d not in (late, late + timedelta(days=1))
    ]
    store.upsert_tempo([TempoDay(late, TempoColor.RED)], Origin.DEMO)
    log = await export.run()
    assert log.status == "success", log.error
    assert sorted(domoticz.multimeter_calendar(meter.idx)) == [d.isoformat() for d in curve_days]
    rows = domoticz.multimeter_calendar(meter.idx)
    values = {r.day: r.value_wh for r in daily(Direction.CONSUMPTION)}
    # HC + HP is the day's Linky value, and the readings add every day up.
    assert all(row[0] + row[4] == values[date.fromisoformat(d)] for d, row in rows.items())
    last = rows[curve_days[-1].isoformat()]
    assert last[6] + last[8] == sum(values[d] for d in curve_days)


async def test_the_load_curve_fills_the_short_log_of_the_last_days_only(
    domoticz: FakeDomoticz, store: Store
) -> None:
    curve_days = days()[-4:]
    fill(store, curve_days=curve_days)
    export = export_service(store, domoticz, load_curve=True, load_curve_days=2)
    assert (await export.run()).status == "success"
    idx = by_marker(domoticz)[f"{PDL}:consumption"].idx
    log = domoticz.short_log(idx)
    kept = curve_days[-2:]
    points = [p for d in kept for p in half_hours(d, 600)]
    # One row per interval, stamped at its end in Paris time, the power as sent.
    assert {
        (p.start + timedelta(minutes=30)).astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S"): p.avg_w
        for p in points
    } == {stamp: watts for stamp, (_, watts) in log.items()}
    # Each day starts from the meter's reading of the day before (its calendar row).
    calendar = domoticz.calendar(idx)
    for day in kept:
        previous = calendar[(day - timedelta(days=1)).isoformat()][0]
        first = half_hours(day, 600)[0]
        stamp = (first.start + timedelta(minutes=30)).astimezone(PARIS)
        assert log[stamp.strftime("%Y-%m-%d %H:%M:%S")][0] == previous + round(first.avg_w / 2)


async def test_a_mapping_writes_to_the_users_own_devices_and_creates_nothing(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store)
    domoticz.hardware[1] = Hardware(1, "My dummies", 15)
    meter = domoticz.add_device(1, "Compteur EDF", P_GENERAL, S_MANAGED)
    colour = domoticz.add_device(1, "Tempo du jour", P_GENERAL, S_TEXT)
    export = export_service(
        store,
        domoticz,
        provision=False,
        devices={f"{PDL}:consumption": meter, "tempo_today": colour},
    )
    log = await export.run()
    assert log.status == "success", log.error
    assert domoticz.calendar(meter) == running(daily(Direction.CONSUMPTION))
    today = NOW.astimezone(PARIS).date()
    colours = {d.day: d.color for d in store.tempo(today, today)}
    shown = domoticz.device(colour)
    assert shown is not None and shown.svalue == TEMPO_FR[colours[today].value]
    assert [d.idx for d in domoticz.devices()] == [meter, colour]
    assert domoticz.commands("createdevice") == []


async def test_a_meter_deleted_in_domoticz_is_made_again_with_the_whole_history(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store, count=20)
    export = export_service(store, domoticz)
    assert (await export.run()).status == "success"
    old = by_marker(domoticz)[f"{PDL}:consumption"].idx
    exporter = DomoticzExporter(DomoticzConfig.model_validate(export.config))
    try:
        await exporter.client().command("setused", idx=old, used="false")
    finally:
        await exporter.aclose()
    fill(store, count=21)  # one more day: the next run has a one-day batch
    log = await export.run()
    assert log.status == "success", log.error
    new = by_marker(domoticz)[f"{PDL}:consumption"].idx
    assert new != old
    assert domoticz.calendar(new) == running(daily(Direction.CONSUMPTION, 21))


async def test_connection_names_the_version_the_user_its_rights_and_the_hardware(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store)
    export = export_service(store, domoticz)
    config = DomoticzConfig.model_validate(export.config)
    before = await export.service.test(DomoticzExporter.name, config)
    assert before.success, before.error
    assert before.message == (
        f"Domoticz 2025.1 (build 16773), logged in as {USER} (Admin); the Dummy hardware "
        "'MyElectricalData' will be created at the first export"
    )
    assert (await export.run()).status == "success"
    after = await export.service.test(DomoticzExporter.name, config)
    assert after.message.endswith("on the Dummy hardware 'MyElectricalData' (idx 1)")
    # The test writes nothing.
    assert [r.params["param"] for r in domoticz.requests[-4:]] == [
        "getversion",
        "gethardware",
        "getauth",
        "gethardware",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"password": "wrong-password-1"}, "refused the login (401 Unauthorized)"),
        ({"username": "viewer", "password": "viewer-pass-1"}, "needs an Admin"),
        ({"url": "http://127.0.0.1:1"}, "cannot reach Domoticz at http://127.0.0.1:1"),
    ],
    ids=["wrong-password", "user-rights", "down"],
)
async def test_a_failed_connection_test_says_what_to_fix_without_the_password(
    domoticz: FakeDomoticz, store: Store, change: dict[str, str], expected: str
) -> None:
    domoticz.add_user("viewer", "viewer-pass-1", 1)
    export = export_service(store, domoticz)
    config = DomoticzConfig.model_validate(export.config | change)
    result = await export.service.test(DomoticzExporter.name, config)
    assert not result.success
    assert result.message == "domoticz: test failed"
    assert result.error is not None and expected in result.error
    assert config.password not in result.error


async def test_a_connection_test_checks_each_mapped_device_and_names_the_type_to_create(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store)
    domoticz.hardware[1] = Hardware(1, "My dummies", 15)
    text = domoticz.add_device(1, "Not a meter", P_GENERAL, S_TEXT)
    meter = domoticz.add_device(1, "Meter", P_GENERAL, S_MANAGED)
    export = export_service(store, domoticz, provision=False)
    model = DomoticzConfig.model_validate
    wrong = model(export.config | {"devices": {f"{PDL}:consumption": text}})
    refused = await export.service.test(DomoticzExporter.name, wrong)
    assert not refused.success and refused.error is not None
    assert f"device idx {text} is a General/Text, not a General/Managed Counter" in refused.error
    assert "sensor type 0xF321" in refused.error
    right = model(export.config | {"devices": {f"{PDL}:consumption": meter, "tempo_today": text}})
    accepted = await export.service.test(DomoticzExporter.name, right)
    assert accepted.success, accepted.error
    assert accepted.message.endswith("; 2 mapped devices found, each of the right type")
    assert domoticz.commands("setused") == [], "a test changes nothing in Domoticz"


def one_day(day: date, wh: int) -> ConsumptionData:
    start = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
    point = EnergyPoint(start, start + timedelta(days=1), wh)
    return ConsumptionData(PDL, Stream.CONSUMPTION_DAILY, [point])


async def test_a_refusal_is_permanent_and_an_outage_retryable_with_its_retry_after(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store, count=3)
    domoticz.hardware[1] = Hardware(1, "My dummies", 15)
    meter = domoticz.add_device(1, "Meter", P_GENERAL, S_MANAGED)
    export = export_service(store, domoticz, provision=False, devices={f"{PDL}:consumption": meter})
    config = DomoticzConfig.model_validate(export.config)
    context = ExporterContext(store=StoreView(store))
    batch = one_day(days()[2], daily(Direction.CONSUMPTION, 3)[2].value_wh)

    exporter = DomoticzExporter(config, context)
    try:
        domoticz.fail_next(1, 503, retry_after="7")
        busy = await exporter.export_consumption(batch)
        assert (busy.success, busy.retryable, busy.retry_after) == (False, True, 7.0)
        assert busy.error and "answered 503" in busy.error
        assert (await exporter.export_consumption(batch)).success
        # The user deletes the meter in Domoticz: its next value is refused (status ERR).
        await exporter.client().command("setused", idx=meter, used="false")
        store.upsert_daily(
            PDL, Direction.CONSUMPTION, [DailyReading(days()[2], 4_321, "CORRIGE")], Origin.DEMO
        )
        refused = await exporter.export_consumption(batch)
        assert (refused.success, refused.retryable) == (False, False)
        assert refused.error and f"refused the value of device idx {meter} (status ERR)" in (
            refused.error
        )
    finally:
        await exporter.aclose()
    # The next run's mapping check says which key names a device that is gone.
    exporter = DomoticzExporter(config, context)
    try:
        gone = await exporter.export_consumption(batch)
    finally:
        await exporter.aclose()
    assert (gone.success, gone.retryable) == (False, False)
    assert gone.error == f"devices: {PDL}:consumption: Domoticz has no device idx {meter}"


async def test_requests_per_second_spaces_the_requests_of_a_run() -> None:
    config = DomoticzConfig(url="http://127.0.0.1:1", auth="trusted", requests_per_second=20)
    assert config.min_interval_s == pytest.approx(0.05)
    exporter = DomoticzExporter(config)
    try:
        assert exporter.client().min_interval_s == pytest.approx(0.05)
    finally:
        await exporter.aclose()
    assert DomoticzConfig(url="http://127.0.0.1:1", auth="trusted").min_interval_s == 0.0


async def test_without_current_values_no_device_is_made_for_the_measures(
    domoticz: FakeDomoticz, store: Store
) -> None:
    fill(store, count=5)
    export = export_service(store, domoticz, current_values=False)
    log = await export.run()
    assert log.status == "success", log.error
    assert sorted(by_marker(domoticz)) == [f"{PDL}:consumption", f"{PDL}:production"]


async def test_only_the_chosen_measures_are_published(domoticz: FakeDomoticz, store: Store) -> None:
    fill(store, count=5)
    export = export_service(store, domoticz, measures=["tempo_today", "consumption_month"])
    log = await export.run()
    assert log.status == "success", log.error
    assert sorted(by_marker(domoticz)) == sorted(
        [f"{PDL}:consumption", f"{PDL}:production", "tempo_today", f"{PDL}:consumption_month"]
    )


@pytest.mark.parametrize(
    ("server", "config", "login"),
    [
        ({"trusted": True}, {"auth": "trusted"}, "trusted"),
        (
            {"applications": {"myelectricaldata": "app-secret-1"}},
            {
                "auth": "oauth2",
                "username": USER,
                "password": PASSWORD,
                "client_id": "myelectricaldata",
            },
            f"jwt:{USER}",
        ),
        ({"tls": True}, {"auth": "basic", "username": USER, "password": PASSWORD}, "basic"),
    ],
    ids=["trusted-network", "oauth2-token", "basic-over-https"],
)
async def test_each_documented_login_exports(
    store: Store, server: dict[str, Any], config: dict[str, Any], login: str
) -> None:
    fill(store, count=3)
    with FakeDomoticz({USER: (PASSWORD, ADMIN)}, **server) as fake:
        values = {"enabled": True, "url": fake.url, "current_values": False} | config
        if fake.tls:
            values["ca_file"] = fake.ca_file
        export = export_service(store, fake)
        export.config = values
        log = await export.run()
        assert log.status == "success", log.error
        meter = by_marker(fake)[f"{PDL}:consumption"]
        assert fake.calendar(meter.idx) == running(daily(Direction.CONSUMPTION, 3))
        logins = {r.login.split(":")[0] if login == "basic" else r.login for r in fake.commands()}
        assert logins == {login}
        assert fake.violations == []


async def test_a_back_dated_off_peak_version_splits_the_p1_days_again_from_its_day(
    domoticz: FakeDomoticz, store: Store
) -> None:
    curve_days = days()[-6:]
    fill(store, curve_days=curve_days)
    export = export_service(store, domoticz, energy_device="p1")
    assert (await export.run()).status == "success"
    meter = by_marker(domoticz)[f"{PDL}:consumption"]
    before = domoticz.multimeter_calendar(meter.idx)
    changed = curve_days[3]
    # Noon to 16:00 from ``changed`` on, recorded today: no new reading, only a normal run.
    store.set_offpeak_version(PDL, changed, parse_offpeak("HC (12H00-16H00)"))
    log = await export.run()
    assert log.status == "success", log.error
    rows = domoticz.multimeter_calendar(meter.idx)
    values = {r.day: r.value_wh for r in daily(Direction.CONSUMPTION)}
    reading_hc = reading_hp = 0
    for day in curve_days:
        row = rows[day.isoformat()]
        if day < changed:
            assert row == before[day.isoformat()]
            reading_hc, reading_hp = row[6], row[8]
            continue
        hc = hp = 0.0
        for point in half_hours(day, 600):
            hour = point.start.astimezone(PARIS).hour
            if 12 <= hour < 16:
                hc += point.avg_w / 2
            else:
                hp += point.avg_w / 2
        offpeak = round(values[day] * hc / (hc + hp))
        reading_hc, reading_hp = reading_hc + offpeak, reading_hp + values[day] - offpeak
        assert row == (offpeak, 0, 0, 0, values[day] - offpeak, 0, reading_hc, 0, reading_hp, 0)
