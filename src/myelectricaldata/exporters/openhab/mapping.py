"""From our readings and measures to openHAB: item definitions, states and history points.

Pure functions, no I/O. Measures come as anything shaped like :class:`MeasureDescription` (key,
French and English labels, unit, kind of value), so the catalogue can change without this
module. Choices, and why:

- **Names.** openHAB item names are ``[a-zA-Z_][a-zA-Z0-9_]*``: a PDL's items are
  ``<prefix>_<pdl>_<key>`` in the group ``<prefix>_<pdl>``; Tempo and EcoWatt items are
  ``<prefix>_<key>`` in ``<prefix>_grid``.
- **Types and units.** kWh/Wh/MWh -> ``Number:Energy``, W/kW/VA/kVA -> ``Number:Power``,
  ``%`` -> ``Number:Dimensionless``, each with its ``unit`` metadata so that openHAB keeps the
  value in that unit (a ``Number:Dimensionless`` would otherwise turn 12 % into 0.12); any other
  unit (EUR) or none -> plain ``Number`` (with a unit, a ``stateDescription`` pattern such as
  ``%.2f EUR`` shows it); text -> ``String``; instants -> ``DateTime``;
  booleans -> ``Switch``. States carry the item's unit (``12.345 kWh``): openHAB drops a state
  whose unit does not fit the item, after answering 202.
- **History items are separate** (``history_*`` keys): a state update is stamped "now" by
  openHAB's persistence strategies, so the items that hold past values never get one.
- **Instants.** Daily energy and the daily max power at the day's local midnight (Paris), so a
  corrected day replaces its point (the time of the peak is a state measure); the load curve
  (average W) at the start of its interval; a Tempo colour at 06:00, when its day starts; an
  EcoWatt day level at midnight and the hourly levels at each local hour (the missing 02:00 of
  the spring change has none). Points go out oldest first, one per item and instant.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import ecowatt_hours, local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    TempoDay,
    validate_pdl,
)
from myelectricaldata.exporters.openhab.model import (
    HistoryPoint,
    ItemDefinition,
    StateUpdate,
    openhab_time,
)

#: openHAB's rule for item names (``ItemUtil.isValidItemName``).
ITEM_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
ENERGY_UNITS = frozenset({"Wh", "kWh", "MWh"})
POWER_UNITS = frozenset({"W", "kW", "VA", "kVA"})
DIMENSIONLESS_UNITS = frozenset({"%"})
#: Display patterns of units without a dimension (costs are rounded to the cent).
PATTERNS = {"EUR": "%.2f EUR"}
#: What openHAB reads as "no value" in any item type.
UNDEF = "UNDEF"

Language = Literal["fr", "en"]


class ValueKind(StrEnum):
    """What a measure's value is, which decides the item type."""

    NUMBER = "number"
    TEXT = "text"
    TIMESTAMP = "timestamp"
    SWITCH = "switch"


class MeasureDescription(Protocol):
    """What the mapping needs to know of a measure (the catalogue's entries fit it)."""

    @property
    def key(self) -> str: ...

    @property
    def label_fr(self) -> str: ...

    @property
    def label_en(self) -> str: ...

    @property
    def unit(self) -> str | None: ...

    @property
    def kind(self) -> ValueKind: ...


@dataclass(frozen=True, slots=True)
class Measure:
    """A plain :class:`MeasureDescription`."""

    key: str
    label_fr: str
    label_en: str
    unit: str | None = None
    kind: ValueKind = ValueKind.NUMBER


# The items that hold history (never given a current state, see the module docstring).
CONSUMPTION_DAILY = Measure(
    "history_consumption_daily", "Consommation journalière", "Daily consumption", "kWh"
)
CONSUMPTION_LOAD_CURVE = Measure(
    "history_consumption_load_curve", "Courbe de charge consommation", "Consumption load curve", "W"
)
PRODUCTION_DAILY = Measure(
    "history_production_daily", "Production journalière", "Daily production", "kWh"
)
PRODUCTION_LOAD_CURVE = Measure(
    "history_production_load_curve", "Courbe de charge production", "Production load curve", "W"
)
MAX_POWER_DAILY = Measure(
    "history_max_power_daily", "Puissance max journalière", "Daily max power", "VA"
)
TEMPO_COLOR = Measure(
    "history_tempo_color", "Couleur Tempo du jour", "Tempo colour of the day", None, ValueKind.TEXT
)
ECOWATT_DAY = Measure("history_ecowatt_day", "Niveau EcoWatt du jour", "EcoWatt day level")
ECOWATT_HOURLY = Measure("history_ecowatt_hourly", "Niveau EcoWatt horaire", "EcoWatt hourly level")

DAILY_HISTORY = {Direction.CONSUMPTION: CONSUMPTION_DAILY, Direction.PRODUCTION: PRODUCTION_DAILY}
LOAD_CURVE_HISTORY = {
    Direction.CONSUMPTION: CONSUMPTION_LOAD_CURVE,
    Direction.PRODUCTION: PRODUCTION_LOAD_CURVE,
}
GRID_HISTORY: tuple[Measure, ...] = (TEMPO_COLOR, ECOWATT_DAY, ECOWATT_HOURLY)


def pdl_history(
    *, consumption: bool = True, production: bool = False, load_curve: bool = False
) -> tuple[Measure, ...]:
    """The history items of a PDL: daily energy and max power, the load curve if asked."""
    wanted = {Direction.CONSUMPTION: consumption, Direction.PRODUCTION: production}
    directions = [d for d in Direction if wanted[d]]
    found: list[Measure] = [DAILY_HISTORY[d] for d in directions]
    if load_curve:
        found += [LOAD_CURVE_HISTORY[d] for d in directions]
    if consumption:
        found.append(MAX_POWER_DAILY)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ItemNaming:
    """How items are named and labelled: ``prefix`` starts every name, ``language`` picks the
    labels (French by default)."""

    prefix: str = "MED"
    language: Language = "fr"

    def __post_init__(self) -> None:
        if not ITEM_NAME.fullmatch(self.prefix):
            raise ValueError(
                f"item prefix {self.prefix!r} is not a valid openHAB item name start: use "
                "letters, digits and _ (not starting with a digit)"
            )

    def pdl_group(self, pdl: str) -> str:
        """The group of a PDL's items."""
        return f"{self.prefix}_{validate_pdl(pdl)}"

    def pdl_item(self, pdl: str, key: str) -> str:
        """The item of a PDL's measure."""
        return _checked(f"{self.pdl_group(pdl)}_{key}")

    @property
    def grid_group(self) -> str:
        """The group of the Tempo and EcoWatt items."""
        return f"{self.prefix}_grid"

    def grid_item(self, key: str) -> str:
        """The item of a Tempo or EcoWatt measure."""
        return _checked(f"{self.prefix}_{key}")

    def label(self, measure: MeasureDescription) -> str:
        """The measure's label in the chosen language."""
        return measure.label_fr if self.language == "fr" else measure.label_en


def _checked(name: str) -> str:
    if not ITEM_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid openHAB item name: keys use [a-zA-Z0-9_]")
    return name


# --------------------------------------------------------------------------- item definitions


def item_type(measure: MeasureDescription) -> tuple[str, str | None]:
    """The openHAB item type of a measure and the ``unit`` metadata it needs (or None)."""
    if measure.kind is ValueKind.TEXT:
        return "String", None
    if measure.kind is ValueKind.TIMESTAMP:
        return "DateTime", None
    if measure.kind is ValueKind.SWITCH:
        return "Switch", None
    unit = measure.unit
    if unit in ENERGY_UNITS:
        return "Number:Energy", unit
    if unit in POWER_UNITS:
        return "Number:Power", unit
    if unit in DIMENSIONLESS_UNITS:
        return "Number:Dimensionless", unit
    return "Number", None


def _tags(measure: MeasureDescription, item_type_: str) -> tuple[str, ...]:
    """Semantic tags: a Point (Measurement, Calculation, Status) and a Property if any."""
    if item_type_ == "Number:Energy":
        return ("Measurement", "Energy")
    if item_type_ == "Number:Power":
        return ("Measurement", "Power")
    if item_type_.startswith("Number") and measure.unit is not None:
        return ("Calculation",)
    return ("Status",)


def definition(
    name: str, measure: MeasureDescription, naming: ItemNaming, groups: Sequence[str]
) -> ItemDefinition:
    """The item that shows ``measure``, named ``name``, member of ``groups``."""
    type_, unit = item_type(measure)
    category = "energy" if type_ in ("Number:Energy", "Number:Power") else None
    return ItemDefinition(
        name=name,
        type=type_,
        label=naming.label(measure),
        category=category,
        tags=_tags(measure, type_),
        groups=tuple(groups),
        unit=unit,
        pattern=display_pattern(measure),
    )


def display_pattern(measure: MeasureDescription) -> str | None:
    """The ``stateDescription`` pattern of a plain Number item whose unit openHAB has no
    dimension for (EUR): the item then shows ``1.23 EUR``; None for every other item."""
    if item_type(measure)[0] != "Number" or not measure.unit:
        return None
    return PATTERNS.get(measure.unit, f"%s {measure.unit.replace('%', '%%')}")


def pdl_plan(
    pdl: str,
    measures: Iterable[MeasureDescription],
    naming: ItemNaming,
    *,
    name: str = "",
    history: Iterable[MeasureDescription] = (),
) -> tuple[ItemDefinition, ...]:
    """Every item of a PDL: its group (labelled with the usage point's ``name`` if any), one
    item per state measure, one per history series; the group comes first."""
    group = naming.pdl_group(pdl)
    title = f"Linky {name} ({pdl})" if name else f"Linky {pdl}"
    items = [ItemDefinition(group, "Group", title, "energy", ("ElectricMeter",))]
    seen = {group}
    for measure in (*measures, *history):
        item = definition(naming.pdl_item(pdl, measure.key), measure, naming, (group,))
        if item.name not in seen:
            seen.add(item.name)
            items.append(item)
    return tuple(items)


def grid_plan(
    measures: Iterable[MeasureDescription],
    naming: ItemNaming,
    *,
    history: Iterable[MeasureDescription] = GRID_HISTORY,
) -> tuple[ItemDefinition, ...]:
    """The Tempo and EcoWatt items and their group (first)."""
    group = naming.grid_group
    label = "Réseau : Tempo et EcoWatt" if naming.language == "fr" else "Grid: Tempo and EcoWatt"
    items = [ItemDefinition(group, "Group", label, None, ())]
    seen = {group}
    for measure in (*measures, *history):
        item = definition(naming.grid_item(measure.key), measure, naming, (group,))
        if item.name not in seen:
            seen.add(item.name)
            items.append(item)
    return tuple(items)


# --------------------------------------------------------------------------- states


def number_text(value: int | float | Decimal) -> str:
    """A number as openHAB reads it: plain digits, ``.`` for decimals, no exponent, no
    grouping (openHAB reads ``12,5`` as 125). Floats keep their shortest exact form."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a number openHAB can hold")
        value = Decimal(repr(value))
    if not value.is_finite():
        raise ValueError(f"{value} is not a number openHAB can hold")
    return format(abs(value) if value.is_zero() else value, "f")


def state_text(measure: MeasureDescription, value: object) -> str:
    """``value`` of ``measure`` as the state text its item takes (``UNDEF`` for no value)."""
    if value is None:
        return UNDEF
    type_, unit = item_type(measure)
    if type_ == "Switch":
        if not isinstance(value, bool):
            raise TypeError(f"{measure.key}: a switch needs a boolean, not {value!r}")
        return "ON" if value else "OFF"
    if type_ == "DateTime":
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(instant, datetime):
            raise TypeError(f"{measure.key}: an instant needs a datetime, not {value!r}")
        return openhab_time(instant)
    if type_ == "String":
        return str(value)
    if not isinstance(value, int | float | Decimal):
        raise TypeError(f"{measure.key}: a number is needed, not {value!r}")
    number = number_text(value)
    return f"{number} {unit}" if unit else number


def state_update(item: str, measure: MeasureDescription, value: object) -> StateUpdate:
    """The update that shows ``value`` in ``item``."""
    return StateUpdate(item, state_text(measure, value))


# --------------------------------------------------------------------------- history


def _ordered(points: Iterable[HistoryPoint]) -> list[HistoryPoint]:
    """One point per (item, instant), the last given winning, oldest first."""
    # Keyed by UTC instant: two Paris datetimes of the autumn change's repeated hour (02:30
    # summer time and 02:30 winter time) compare equal when they share a tzinfo.
    latest: dict[tuple[str, datetime], HistoryPoint] = {}
    for point in points:
        latest[(point.item, point.at.astimezone(UTC))] = point
    return [latest[key] for key in sorted(latest, key=lambda k: (k[1], k[0]))]


def kwh_text(value_wh: int) -> str:
    """Wh as exact kWh text: 12345 -> ``12.345``."""
    return number_text(Decimal(value_wh).scaleb(-3))


def daily_history(item: str, readings: Iterable[DailyReading]) -> list[HistoryPoint]:
    """Daily energy in kWh at each day's local midnight."""
    return _ordered(
        HistoryPoint(item, local_midnight(r.day), f"{kwh_text(r.value_wh)} kWh") for r in readings
    )


def load_curve_history(item: str, points: Iterable[LoadCurvePoint]) -> list[HistoryPoint]:
    """Average power in W at the start of each interval."""
    return _ordered(HistoryPoint(item, p.start, f"{p.avg_w} W") for p in points)


def max_power_history(item: str, readings: Iterable[MaxPowerReading]) -> list[HistoryPoint]:
    """Daily max power in VA at each day's local midnight."""
    return _ordered(HistoryPoint(item, local_midnight(r.day), f"{r.value_va} VA") for r in readings)


def tempo_history(item: str, days: Iterable[TempoDay]) -> list[HistoryPoint]:
    """Tempo colours (BLUE, WHITE, RED) at 06:00 local, when each Tempo day starts."""
    return _ordered(HistoryPoint(item, tempo_instant(d.day), d.color.value) for d in days)


def ecowatt_history(
    day_item: str, hourly_item: str, days: Iterable[EcoWattDay]
) -> list[HistoryPoint]:
    """EcoWatt day levels (1-3) at local midnight and hourly levels (0-3) at each local hour."""
    points: list[HistoryPoint] = []
    for day in days:
        points.append(HistoryPoint(day_item, local_midnight(day.day), str(day.level)))
        points += [
            HistoryPoint(hourly_item, at, str(day.hourly[hour]))
            for hour, at in ecowatt_hours(day.day)
        ]
    return _ordered(points)


__all__ = [
    "CONSUMPTION_DAILY",
    "CONSUMPTION_LOAD_CURVE",
    "DAILY_HISTORY",
    "ECOWATT_DAY",
    "ECOWATT_HOURLY",
    "GRID_HISTORY",
    "LOAD_CURVE_HISTORY",
    "MAX_POWER_DAILY",
    "PRODUCTION_DAILY",
    "PRODUCTION_LOAD_CURVE",
    "TEMPO_COLOR",
    "UNDEF",
    "ItemNaming",
    "Measure",
    "MeasureDescription",
    "ValueKind",
    "daily_history",
    "definition",
    "display_pattern",
    "ecowatt_history",
    "grid_plan",
    "item_type",
    "kwh_text",
    "load_curve_history",
    "max_power_history",
    "number_text",
    "pdl_history",
    "pdl_plan",
    "state_text",
    "state_update",
    "tempo_history",
]
