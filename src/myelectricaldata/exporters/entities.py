"""The catalogue's measures as Home Assistant entity descriptions.

Like Home Assistant's ``SensorEntityDescription``, an :class:`EntityDescription` says what an
entity is: its name, unique id, device class, state class, unit, options and device. It is
derived once from a :class:`MeasureValue` by :func:`describe`, which applies Home Assistant's
rules (a unit its device class does not take, a state class it refuses, options without
``enum``...). The MQTT exporter's discovery payloads and the Home Assistant exporter's REST
states are both built from it, so both say the same thing about every measure.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from myelectricaldata.exporters.base import MeasureValue

log = logging.getLogger(__name__)

#: Home Assistant's accepted units per device class, for the classes a catalogue may use
#: (homeassistant/components/sensor/const.py DEVICE_CLASS_UNITS); a class absent here takes any.
HA_DEVICE_CLASS_UNITS: dict[str, frozenset[str | None]] = {
    "energy": frozenset({"Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "MJ", "GJ", "cal", "kcal"}),
    "power": frozenset({"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"}),
    "apparent_power": frozenset({"VA", "mVA", "kVA"}),
    "current": frozenset({"A", "mA"}),
    "voltage": frozenset({"V", "mV", "µV", "kV", "MV"}),
    "duration": frozenset({"d", "h", "min", "s", "ms", "µs"}),
    "power_factor": frozenset({"%", None}),
    "battery": frozenset({"%"}),
    "enum": frozenset({None}),
    "timestamp": frozenset({None}),
    "date": frozenset({None}),
}
#: State classes Home Assistant accepts per device class (DEVICE_CLASS_STATE_CLASSES).
HA_DEVICE_CLASS_STATE_CLASSES: dict[str, frozenset[str]] = {
    "energy": frozenset({"total", "total_increasing"}),
    "monetary": frozenset({"total"}),
    "power": frozenset({"measurement"}),
    "apparent_power": frozenset({"measurement"}),
    "enum": frozenset(),
    "timestamp": frozenset(),
    "date": frozenset(),
}
#: Characters Home Assistant accepts in discovery node and object ids.
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def safe_id(value: str) -> str:
    """``value`` with every character Home Assistant refuses in ids replaced by ``_``."""
    return _ID_UNSAFE.sub("_", value) or "_"


@dataclass(frozen=True, slots=True)
class EntityDescription:
    """What Home Assistant is told about one measure: only combinations it accepts.

    ``last_reset`` is True for a ``total`` whose value carries a ``last_reset`` (a ``total``
    without one is sent without a state class: the Energy dashboard would take it for a meter
    that never resets).
    """

    unique_id: str
    name: str
    device_class: str | None
    state_class: str | None
    unit: str | None
    options: tuple[str, ...] | None
    last_reset: bool
    device: dict[str, Any]


def device_info(scope: str) -> dict[str, Any]:
    """The Home Assistant device a scope's entities belong to (a Linky, RTE Tempo, EcoWatt)."""
    if scope == "tempo":
        return {
            "identifiers": ["myelectricaldata_tempo"],
            "name": "RTE Tempo",
            "manufacturer": "RTE",
            "model": "Tempo",
        }
    if scope == "ecowatt":
        return {
            "identifiers": ["myelectricaldata_ecowatt"],
            "name": "RTE EcoWatt",
            "manufacturer": "RTE",
            "model": "EcoWatt",
        }
    return {
        "identifiers": [safe_id(f"myelectricaldata_{scope}")],
        "name": f"Linky {scope}",
        "manufacturer": "Enedis",
        "model": "Linky",
        "serial_number": scope,
    }


def describe(value: MeasureValue, language: str) -> EntityDescription:
    """The entity description of a measure, shaped to pass Home Assistant's sensor schema.

    Home Assistant refuses (or warns on) options without ``device_class: enum``, a unit or state
    class on an enum, a unit its device class does not take, and a state class its device class
    does not allow: those are left out here.
    """
    name = value.label_fr if language == "fr" else value.label_en
    unique_id = safe_id(f"myelectricaldata_{value.scope}_{value.key}")
    device = device_info(value.scope)
    options = tuple(value.options) if value.options else None
    if value.device_class == "enum" or (options and value.device_class is None):
        # An enum takes neither unit nor state class.
        return EntityDescription(
            unique_id, name, "enum" if options else None, None, None, options, False, device
        )
    device_class = value.device_class
    state_class = value.state_class
    if device_class is not None:
        allowed = HA_DEVICE_CLASS_UNITS.get(device_class)
        if allowed is not None and value.unit not in allowed:
            log.warning(
                "measure %s: unit %r is not one HA accepts for device_class %s; "
                "device_class left out",
                value.key,
                value.unit,
                device_class,
            )
            device_class = None
    if device_class is not None and state_class is not None:
        accepted = HA_DEVICE_CLASS_STATE_CLASSES.get(device_class)
        if accepted is not None and state_class not in accepted:
            state_class = None
    last_reset = False
    if state_class == "total":
        if value.attributes.get("last_reset") is None:
            state_class = None
        else:
            last_reset = True
    return EntityDescription(
        unique_id, name, device_class, state_class, value.unit or None, None, last_reset, device
    )
