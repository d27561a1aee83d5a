"""What the fake openHAB must hold after exporting a store, recomputed from the store's rows,
and what it does hold, read from the fake; a copy of its whole state to prove a run changed
nothing; and a small store cut from the demo one.

The expected side is written from the documented layout (docs/integrations/openhab.md: item
names, units, instants), never with the exporter's mapping: daily energy in kWh at each day's
local midnight, daily max power in VA at local midnight, a Tempo colour at 06:00, an EcoWatt
day level at midnight and each hourly level at its local hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import DailyReading, Direction, MaxPowerReading, Origin
from myelectricaldata.exporters.base import MeasureValue, StateSnapshot
from myelectricaldata.store.repo import Store
from tests.fakes.openhab import FakeOpenHAB

SERVICE = "jdbc"
FAR_PAST, FAR_FUTURE = date(2000, 1, 1), date(2100, 1, 1)
#: A stored point: (item, UTC instant) -> the value as a Decimal or a text.
Held = dict[tuple[str, datetime], Decimal | str]


def at_local(day: date, hour: int = 0) -> datetime:
    """``hour``:00 Paris time of ``day``, as a UTC instant."""
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


def expected_history(store: Store, prefix: str = "MED") -> Held:
    """Every point a full export of ``store`` must leave in the persistence service."""
    held: Held = {}
    for stored in store.usage_points():
        pdl = stored.point.pdl
        for direction in Direction:
            item = f"{prefix}_{pdl}_history_{direction.value}_daily"
            for row in store.daily(pdl, direction, FAR_PAST, FAR_FUTURE):
                held[(item, at_local(row.day))] = Decimal(row.value_wh) / 1000
        item = f"{prefix}_{pdl}_history_max_power_daily"
        for peak in store.max_power(pdl, FAR_PAST, FAR_FUTURE):
            held[(item, at_local(peak.day))] = Decimal(peak.value_va)
    for tempo in store.tempo(FAR_PAST, FAR_FUTURE):
        held[(f"{prefix}_history_tempo_color", at_local(tempo.day, 6))] = tempo.color.value
    for eco in store.ecowatt(FAR_PAST, FAR_FUTURE):
        held[(f"{prefix}_history_ecowatt_day", at_local(eco.day))] = Decimal(eco.level)
        for hour, level in enumerate(eco.hourly):
            instant = at_local(eco.day, hour)
            if instant.astimezone(PARIS).hour == hour:  # the spring change has no 02:00
                held[(f"{prefix}_history_ecowatt_hourly", instant)] = Decimal(level)
    return held


def held_history(fake: FakeOpenHAB, prefix: str = "MED") -> Held:
    """Every point the fake's persistence service holds for our items, with the unit each was
    stored with checked against its item's (a kWh item holding W would be dropped on read)."""
    held: Held = {}
    for name, item in list(fake.items.items()):
        if not name.startswith(f"{prefix}_"):
            continue
        unit = fake.item_unit(item)
        for at, state in fake.history(name, SERVICE):
            if state.kind == "quantity":
                assert state.unit == unit, f"{name} holds {state.text} in a {unit} item"
                assert state.number is not None
                held[(name, at)] = state.number
            elif state.kind == "decimal":
                assert state.number is not None
                held[(name, at)] = state.number
            else:
                held[(name, at)] = state.full
    return held


def item_name(value: MeasureValue, prefix: str = "MED") -> str:
    """The item a catalogue value is shown in."""
    if value.scope in ("tempo", "ecowatt"):
        return f"{prefix}_{value.key}"
    return f"{prefix}_{value.scope}_{value.key}"


def check_states(fake: FakeOpenHAB, snapshot: StateSnapshot) -> None:
    """Every catalogue value is its item's state, with its unit (``UNDEF`` when unknown)."""
    for value in snapshot.values:
        name = item_name(value)
        item = fake.item(name)
        assert item is not None, f"no item {name}"
        state = item.state
        if value.value is None:
            assert state.full == "UNDEF", name
        elif value.device_class == "timestamp":
            assert isinstance(value.value, str)
            assert state.instant == datetime.fromisoformat(value.value), name
        elif isinstance(value.value, str):
            assert state.full == value.value, name
        else:
            assert state.number == Decimal(repr(value.value)), (name, state.full, value.value)
            if value.unit == "EUR":
                assert state.kind == "decimal", name
                described = fake.metadata(name, "stateDescription")
                assert described is not None and described.config["pattern"] == "%.2f EUR"
            elif value.unit is not None:
                assert (state.kind, state.unit) == ("quantity", value.unit), name
            else:
                assert state.kind == "decimal", name


@dataclass(frozen=True)
class FakeState:
    """What a run may change in the fake: items, their states and metadata, stored points."""

    items: dict[str, tuple[Any, ...]]
    metadata: dict[tuple[str, str], tuple[str, str]]
    points: dict[str, dict[str, dict[int, str]]]


def fake_state(fake: FakeOpenHAB) -> FakeState:
    """A copy of the fake's items, metadata and persisted points."""
    with fake._lock:
        items = {
            name: (i.type, i.label, i.category, tuple(i.tags), tuple(i.group_names), i.state.full)
            for name, i in fake.items.items()
        }
        metadata = {key: (m.value, repr(sorted(m.config.items()))) for key, m in fake.meta.items()}
        points = {
            service.id: {
                name: {ms: s.full for ms, s in data.items()} for name, data in service.data.items()
            }
            for service in fake.services.values()
        }
    return FakeState(items, metadata, points)


def small_store(path: Path, demo: Store, days: int) -> Store:
    """A store holding the demo store's usage points and its last ``days`` days of daily
    values, max power and Tempo, with every EcoWatt day (no load curve)."""
    store = Store.open(f"sqlite:///{path}")
    end = max(d.day for d in demo.tempo(FAR_PAST, FAR_FUTURE))
    start = end - timedelta(days=days - 1)
    for stored in demo.usage_points():
        pdl = stored.point.pdl
        store.upsert_usage_point(stored.point, Origin.DEMO, seen_on=start)
        for direction in Direction:
            rows = demo.daily(pdl, direction, start, end)
            readings = [DailyReading(r.day, r.value_wh, r.quality) for r in rows]
            store.upsert_daily(pdl, direction, readings, Origin.DEMO)
        peaks = demo.max_power(pdl, start, end)
        store.upsert_max_power(
            pdl, [MaxPowerReading(p.day, p.value_va, p.at, p.quality) for p in peaks], Origin.DEMO
        )
    store.upsert_tempo(demo.tempo(start, end), Origin.DEMO)
    store.upsert_ecowatt(demo.ecowatt(FAR_PAST, FAR_FUTURE), Origin.DEMO)
    return store
