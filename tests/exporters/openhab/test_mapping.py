"""The openHAB mapping: item names, types, units, states and history points, checked by hand and
then end to end against the fake (items provisioned, states and one year of history read back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import pytest_asyncio

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    TempoColor,
    TempoDay,
)
from myelectricaldata.exporters.openhab.client import OpenHABClient
from myelectricaldata.exporters.openhab.mapping import (
    CONSUMPTION_DAILY,
    ECOWATT_DAY,
    ECOWATT_HOURLY,
    MAX_POWER_DAILY,
    TEMPO_COLOR,
    ItemNaming,
    Measure,
    ValueKind,
    daily_history,
    ecowatt_history,
    grid_plan,
    item_type,
    kwh_text,
    load_curve_history,
    max_power_history,
    number_text,
    pdl_history,
    pdl_plan,
    state_text,
    state_update,
    tempo_history,
)
from myelectricaldata.exporters.openhab.measures import CATALOGUE
from myelectricaldata.exporters.openhab.model import HistoryPoint
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW
from tests.fakes.openhab import DEFAULT_TOKEN, FakeOpenHAB, shared_fake_openhab

PDL = "12345678901234"
NAMING = ItemNaming()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --------------------------------------------------------------------------- names


def test_items_are_named_by_prefix_pdl_and_key() -> None:
    assert NAMING.pdl_group(PDL) == "MED_12345678901234"
    assert (
        NAMING.pdl_item(PDL, "consumption_yesterday") == "MED_12345678901234_consumption_yesterday"
    )
    assert NAMING.grid_group == "MED_grid"
    assert NAMING.grid_item("tempo_today") == "MED_tempo_today"
    assert ItemNaming("Linky").grid_item("ecowatt_now") == "Linky_ecowatt_now"


@pytest.mark.parametrize("prefix", ["9med", "my-home", "", "a b"])
def test_a_prefix_openhab_refuses_is_refused_here(prefix: str) -> None:
    with pytest.raises(ValueError, match="letters, digits and _"):
        ItemNaming(prefix)


def test_keys_and_pdls_must_make_valid_names() -> None:
    with pytest.raises(ValueError, match="not a valid openHAB item name"):
        NAMING.grid_item("tempo-today")
    with pytest.raises(ValueError, match="14 digits"):
        NAMING.pdl_group("1234")


# --------------------------------------------------------------------------- types and states


@pytest.mark.parametrize(
    ("unit", "kind", "expected"),
    [
        ("kWh", ValueKind.NUMBER, ("Number:Energy", "kWh")),
        ("Wh", ValueKind.NUMBER, ("Number:Energy", "Wh")),
        ("W", ValueKind.NUMBER, ("Number:Power", "W")),
        ("VA", ValueKind.NUMBER, ("Number:Power", "VA")),
        ("kVA", ValueKind.NUMBER, ("Number:Power", "kVA")),
        ("%", ValueKind.NUMBER, ("Number:Dimensionless", "%")),
        ("EUR", ValueKind.NUMBER, ("Number", None)),
        (None, ValueKind.NUMBER, ("Number", None)),
        (None, ValueKind.TEXT, ("String", None)),
        (None, ValueKind.TIMESTAMP, ("DateTime", None)),
        (None, ValueKind.SWITCH, ("Switch", None)),
    ],
)
def test_item_types_follow_the_unit_and_the_kind(
    unit: str | None, kind: ValueKind, expected: tuple[str, str | None]
) -> None:
    assert item_type(Measure("k", "fr", "en", unit, kind)) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12, "12"),
        (12.345, "12.345"),
        (0.1 + 0.2, "0.30000000000000004"),  # a float's shortest exact form, not rounded
        (1e-05, "0.00001"),  # never an exponent
        (1e16, "10000000000000000"),
        (-0.0, "0.0"),
        (Decimal("1234567.5"), "1234567.5"),  # never a grouping comma
    ],
)
def test_numbers_are_written_the_way_openhab_reads_them(value: float, text: str) -> None:
    assert number_text(value) == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_non_finite_numbers_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="not a number openHAB can hold"):
        number_text(value)


def test_states_carry_the_items_unit_or_say_there_is_no_value() -> None:
    energy = Measure("e", "Énergie", "Energy", "kWh")
    cost = Measure("c", "Coût", "Cost", "EUR")
    tempo = Measure("t", "Tempo", "Tempo", None, ValueKind.TEXT)
    at = Measure("at", "Heure", "Time", None, ValueKind.TIMESTAMP)
    flag = Measure("f", "Drapeau", "Flag", None, ValueKind.SWITCH)
    assert state_text(energy, 12.5) == "12.5 kWh"
    assert state_text(energy, None) == "UNDEF"
    assert state_text(cost, 1.23) == "1.23"
    assert state_text(tempo, "RED") == "RED"
    assert state_text(at, "2025-11-19T18:30:00+01:00") == "2025-11-19T17:30:00.000+0000"
    assert state_text(at, paris(2025, 7, 1, 12)) == "2025-07-01T10:00:00.000+0000"
    assert (state_text(flag, True), state_text(flag, False)) == ("ON", "OFF")
    update = state_update("MED_x", energy, 3)
    assert (update.item, update.state) == ("MED_x", "3 kWh")
    with pytest.raises(TypeError, match="a number is needed"):
        state_text(energy, "12")
    with pytest.raises(TypeError, match="boolean"):
        state_text(energy, True)
    with pytest.raises(TypeError, match="a switch needs a boolean"):
        state_text(flag, 1)


# --------------------------------------------------------------------------- plans


def test_a_pdl_plan_is_its_group_then_one_item_per_measure() -> None:
    measures = [
        Measure("consumption_yesterday", "Consommation hier", "Consumption yesterday", "kWh"),
        Measure("cost_yesterday", "Coût hier", "Cost yesterday", "EUR"),
        Measure("max_power_percent", "Puissance max / souscrite", "Max vs subscribed", "%"),
        Measure("consumption_yesterday", "doublon", "duplicate", "kWh"),
    ]
    plan = pdl_plan(PDL, measures, NAMING, name="Maison", history=pdl_history())
    group = plan[0]
    assert (group.name, group.type, group.label, group.tags) == (
        "MED_12345678901234",
        "Group",
        "Linky Maison (12345678901234)",
        ("ElectricMeter",),
    )
    by_name = {i.name: i for i in plan[1:]}
    assert list(by_name) == [
        "MED_12345678901234_consumption_yesterday",
        "MED_12345678901234_cost_yesterday",
        "MED_12345678901234_max_power_percent",
        "MED_12345678901234_history_consumption_daily",
        "MED_12345678901234_history_max_power_daily",
    ]
    energy = by_name["MED_12345678901234_consumption_yesterday"]
    assert (energy.type, energy.unit, energy.label) == ("Number:Energy", "kWh", "Consommation hier")
    assert (energy.tags, energy.groups, energy.category) == (
        ("Measurement", "Energy"),
        ("MED_12345678901234",),
        "energy",
    )
    cost = by_name["MED_12345678901234_cost_yesterday"]
    assert (cost.type, cost.unit, cost.label, cost.tags, cost.pattern) == (
        "Number",
        None,
        "Coût hier",
        ("Calculation",),
        "%.2f EUR",  # openHAB has no dimension for EUR: the item shows it through its pattern
    )
    assert energy.pattern is None
    percent = by_name["MED_12345678901234_max_power_percent"]
    assert (percent.type, percent.unit) == ("Number:Dimensionless", "%")
    peak = by_name["MED_12345678901234_history_max_power_daily"]
    assert (peak.type, peak.unit, peak.tags) == ("Number:Power", "VA", ("Measurement", "Power"))


def test_history_items_follow_what_the_pdl_has() -> None:
    assert pdl_history() == (CONSUMPTION_DAILY, MAX_POWER_DAILY)
    keys = [m.key for m in pdl_history(production=True, load_curve=True)]
    assert keys == [
        "history_consumption_daily",
        "history_production_daily",
        "history_consumption_load_curve",
        "history_production_load_curve",
        "history_max_power_daily",
    ]
    assert [m.key for m in pdl_history(consumption=False, production=True)] == [
        "history_production_daily"
    ]


def test_the_grid_plan_holds_tempo_and_ecowatt_with_english_labels_on_demand() -> None:
    english = ItemNaming(language="en")
    plan = grid_plan(
        [Measure("tempo_today", "Tempo aujourd'hui", "Tempo today", None, ValueKind.TEXT)], english
    )
    assert [(i.name, i.type, i.label) for i in plan] == [
        ("MED_grid", "Group", "Grid: Tempo and EcoWatt"),
        ("MED_tempo_today", "String", "Tempo today"),
        ("MED_history_tempo_color", "String", "Tempo colour of the day"),
        ("MED_history_ecowatt_day", "Number", "EcoWatt day level"),
        ("MED_history_ecowatt_hourly", "Number", "EcoWatt hourly level"),
    ]


# --------------------------------------------------------------------------- history points


def test_daily_energy_is_exact_kwh_at_local_midnight_across_dst() -> None:
    readings = [
        DailyReading(date(2024, 3, 31), 12345),  # 23-hour day
        DailyReading(date(2024, 3, 30), 0),
        DailyReading(date(2024, 10, 27), 9),  # 25-hour day
        DailyReading(date(2024, 3, 31), 12346, "CORRIGE"),  # later in the batch: wins
    ]
    points = daily_history("MED_d", readings)
    assert [(p.at, p.state) for p in points] == [
        (datetime(2024, 3, 29, 23, tzinfo=UTC), "0.000 kWh"),
        (datetime(2024, 3, 30, 23, tzinfo=UTC), "12.346 kWh"),
        (datetime(2024, 10, 26, 22, tzinfo=UTC), "0.009 kWh"),
    ]
    assert kwh_text(1) == "0.001" and kwh_text(-1500) == "-1.500"


def test_load_curve_power_is_stamped_at_the_start_of_each_interval() -> None:
    # 27 October 2024: 02:00-03:00 Paris happens twice; instants stay distinct in UTC.
    first = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # 02:30 summer time
    second = datetime(2024, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 winter time
    points = load_curve_history(
        "MED_lc", [LoadCurvePoint(second, 800), LoadCurvePoint(first, 1200)]
    )
    assert [(p.at, p.state) for p in points] == [(first, "1200 W"), (second, "800 W")]


def test_the_repeated_hour_keeps_both_points_when_stamped_in_paris_time() -> None:
    # The kit hands Paris datetimes: 02:30 summer time and 02:30 winter time share a tzinfo and
    # compare equal in Python, yet they are two instants an hour apart.
    summer = datetime(2024, 10, 27, 0, 30, tzinfo=UTC).astimezone(PARIS)
    winter = datetime(2024, 10, 27, 1, 30, tzinfo=UTC).astimezone(PARIS)
    assert summer == winter  # the trap
    points = load_curve_history(
        "MED_lc", [LoadCurvePoint(winter, 800), LoadCurvePoint(summer, 1200)]
    )
    assert [(p.at.astimezone(UTC).hour, p.state) for p in points] == [(0, "1200 W"), (1, "800 W")]


def test_max_power_is_one_point_per_day_at_local_midnight() -> None:
    readings = [MaxPowerReading(date(2025, 1, 15), 6120, paris(2025, 1, 15, 19, 2))]
    (point,) = max_power_history("MED_mp", readings)
    assert (point.at, point.state) == (datetime(2025, 1, 14, 23, tzinfo=UTC), "6120 VA")


def test_tempo_colours_start_at_six_in_the_morning() -> None:
    days = [
        TempoDay(date(2025, 1, 16), TempoColor.RED),
        TempoDay(date(2025, 7, 1), TempoColor.BLUE),
    ]
    assert [(p.at, p.state) for p in tempo_history("MED_t", days)] == [
        (datetime(2025, 1, 16, 5, tzinfo=UTC), "RED"),
        (datetime(2025, 7, 1, 4, tzinfo=UTC), "BLUE"),
    ]


def test_ecowatt_hours_follow_the_local_clock_on_dst_days() -> None:
    hourly = tuple(range(24))
    levels = tuple(h % 4 for h in hourly)
    spring = EcoWattDay(date(2025, 3, 30), 2, levels)
    autumn = EcoWattDay(date(2025, 10, 26), 1, levels)
    points = ecowatt_history("MED_d", "MED_h", [spring, autumn])
    day_points = [(p.at, p.state) for p in points if p.item == "MED_d"]
    assert day_points == [
        (datetime(2025, 3, 29, 23, tzinfo=UTC), "2"),
        (datetime(2025, 10, 25, 22, tzinfo=UTC), "1"),
    ]
    spring_hours = [p for p in points if p.item == "MED_h" and p.at.day in (29, 30)]
    assert len(spring_hours) == 23  # no 02:00 on the spring change
    assert all(p.at.astimezone(PARIS).hour != 2 for p in spring_hours)
    assert [int(p.state) for p in spring_hours] == [h % 4 for h in hourly if h != 2]
    autumn_hours = [p for p in points if p.item == "MED_h" and p.at.month == 10]
    assert len(autumn_hours) == 24
    assert autumn_hours[3].at == datetime(2025, 10, 26, 2, tzinfo=UTC)  # 03:00 winter time


# --------------------------------------------------------------------------- end to end


@pytest_asyncio.fixture(loop_scope="function")
async def fake_client() -> AsyncIterator[tuple[FakeOpenHAB, OpenHABClient]]:
    """The shared fake and a client with the administrator's token."""
    fake = shared_fake_openhab()
    async with OpenHABClient(fake.url, DEFAULT_TOKEN, concurrency=8) as client:
        yield fake, client


def _number(state: str) -> Decimal:
    return Decimal(state.split(" ")[0])


async def test_the_catalogue_snapshot_lands_in_provisioned_items(
    demo_store: Store, fake_client: tuple[FakeOpenHAB, OpenHABClient]
) -> None:
    fake, client = fake_client
    measures = dict(CATALOGUE)
    snapshot = await compute_snapshot(demo_store, now=DEMO_NOW)
    pdls = sorted({v.scope for v in snapshot.values} - {"tempo", "ecowatt"})
    plan = [
        *grid_plan(
            [m for m in measures.values() if m.key.startswith(("tempo", "ecowatt"))], NAMING
        ),
        *[
            item
            for pdl in pdls
            for item in pdl_plan(
                pdl,
                [measures[v.key] for v in snapshot.for_scope(pdl)],
                NAMING,
                history=pdl_history(),
            )
        ],
    ]
    await client.provision(plan)
    updates = []
    for value in snapshot.values:
        if value.scope in ("tempo", "ecowatt"):
            name = NAMING.grid_item(value.key)
        else:
            name = NAMING.pdl_item(value.scope, value.key)
        updates.append(state_update(name, measures[value.key], value.value))
    assert await client.update_states(updates) == len(snapshot.values)
    assert fake.warnings == []  # no state dropped for a unit the item does not take
    for value in snapshot.values:
        scope = value.scope
        name = (
            NAMING.grid_item(value.key)
            if scope in ("tempo", "ecowatt")
            else (NAMING.pdl_item(scope, value.key))
        )
        shown = fake.state(name)
        if value.value is None:
            assert shown == "UNDEF", name
        elif isinstance(value.value, str) and measures[value.key].kind is ValueKind.TEXT:
            assert shown == value.value, name
        elif measures[value.key].kind is ValueKind.TIMESTAMP:
            assert isinstance(value.value, str)
            assert fake.items[name].state.instant == datetime.fromisoformat(value.value), name
        else:
            assert isinstance(value.value, int | float), name
            assert _number(shown) == Decimal(repr(value.value)), name
            unit = value.unit if value.unit not in (None, "EUR") else None
            assert (shown.split(" ")[1] if " " in shown else None) == unit, name


async def test_a_year_of_history_reads_back_as_the_store_holds_it(
    demo_store: Store, fake_client: tuple[FakeOpenHAB, OpenHABClient]
) -> None:
    fake, client = fake_client
    pdl = demo_store.usage_points()[0].point.pdl
    end = DEMO_NOW.astimezone(PARIS).date()
    start = end - timedelta(days=365)
    await client.provision(pdl_plan(pdl, [], NAMING, history=pdl_history()))
    await client.provision(grid_plan([], NAMING))
    daily = [
        DailyReading(r.day, r.value_wh, r.quality)
        for r in demo_store.daily(pdl, Direction.CONSUMPTION, start, end)
    ]
    peaks = [
        MaxPowerReading(r.day, r.value_va, r.at, r.quality)
        for r in demo_store.max_power(pdl, start, end)
    ]
    tempo = demo_store.tempo(start, end)
    ecowatt = demo_store.ecowatt(start, end)
    assert len(daily) > 300 and peaks and tempo and ecowatt
    daily_item = NAMING.pdl_item(pdl, CONSUMPTION_DAILY.key)
    peak_item = NAMING.pdl_item(pdl, MAX_POWER_DAILY.key)
    tempo_item = NAMING.grid_item(TEMPO_COLOR.key)
    day_item, hour_item = NAMING.grid_item(ECOWATT_DAY.key), NAMING.grid_item(ECOWATT_HOURLY.key)
    points: list[HistoryPoint] = [
        *daily_history(daily_item, daily),
        *max_power_history(peak_item, peaks),
        *tempo_history(tempo_item, tempo),
        *ecowatt_history(day_item, hour_item, ecowatt),
    ]
    assert await client.store_history("jdbc", points) == len(points)
    # Sending points again (a replayed batch) leaves the same history.
    await client.store_history("jdbc", points[:30])
    window = (paris(start.year, start.month, start.day), paris(end.year, end.month, end.day, 23))

    read = await client.read_history("jdbc", daily_item, *window)
    assert read.unit == "kWh"
    assert {p.at: Decimal(p.state) for p in read.points} == {
        datetime(r.day.year, r.day.month, r.day.day, tzinfo=PARIS).astimezone(UTC): Decimal(
            r.value_wh
        )
        / 1000
        for r in daily
    }
    read = await client.read_history("jdbc", peak_item, *window)
    assert read.unit == "VA"
    assert {p.at: int(p.state) for p in read.points} == {
        datetime(r.day.year, r.day.month, r.day.day, tzinfo=PARIS).astimezone(UTC): r.value_va
        for r in peaks
    }
    read = await client.read_history("jdbc", tempo_item, *window)
    assert {p.at: p.state for p in read.points} == {
        datetime(d.day.year, d.day.month, d.day.day, 6, tzinfo=PARIS).astimezone(UTC): d.color.value
        for d in tempo
    }
    read = await client.read_history("jdbc", hour_item, *window)
    expected_hours = {
        datetime(d.day.year, d.day.month, d.day.day, h, tzinfo=PARIS).astimezone(UTC): str(
            d.hourly[h]
        )
        for d in ecowatt
        for h in range(24)
        if datetime(d.day.year, d.day.month, d.day.day, h, tzinfo=PARIS)
        .astimezone(UTC)
        .astimezone(PARIS)
        .hour
        == h
    }
    assert {p.at: p.state for p in read.points} == expected_hours
    assert len(fake.history(daily_item, "jdbc")) == len(daily)
