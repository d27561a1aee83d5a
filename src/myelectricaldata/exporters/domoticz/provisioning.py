"""Which Domoticz devices the exporter needs (a pure plan), and making them exist.

Per usage point: a **consumption meter** (a Managed Counter, or a P1 Smart Meter whose two
tariffs are HC and HP) and, with production, a **production meter** (General kWh): both hold
the daily history. Then one device per measure: a Custom sensor for a number (its unit as axis
label), a Text device for a text or a Tempo colour, an Alert device for an EcoWatt level. Tempo
and EcoWatt devices are shared by every usage point.

All of them live on one Dummy hardware. Each device is tagged with a *marker* in its
Description (``myelectricaldata:<key>:<kind>``), so it is found again after the user renames
it; a device of the right type and name without a marker (the rest of a run cut between
``createdevice`` and ``setused``) is adopted instead of duplicated. Instead of creating devices,
a user may map each key to a device of their own (``resolve_mapping``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.domoticz.client import DomoticzClient
from myelectricaldata.exporters.domoticz.devices import (
    DEVICE_TYPES,
    HISTORY_KINDS,
    HTYPE_DUMMY,
    DeviceKind,
)
from myelectricaldata.exporters.domoticz.mapping import Language
from myelectricaldata.exporters.domoticz.measures import (
    MeasureDescription,
    MeasureKind,
    device_kind_for,
)
from myelectricaldata.exporters.domoticz.protocol import DeviceInfo

#: First part of every marker (the Description of the devices we made).
MARKER_PREFIX = "myelectricaldata"

CONSUMPTION, PRODUCTION = "consumption", "production"
METER_LABELS: dict[Language, dict[str, str]] = {
    "fr": {CONSUMPTION: "consommation", PRODUCTION: "production"},
    "en": {CONSUMPTION: "consumption", PRODUCTION: "production"},
}
ENERGY_DEVICES = (DeviceKind.MANAGED_COUNTER, DeviceKind.P1_METER)


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One device the exporter writes to.

    ``key`` names it in the devices mapping: ``<pdl>:consumption``, ``<pdl>:production``,
    ``<pdl>:<measure key>``, or the measure key of a Tempo/EcoWatt measure.
    """

    key: str
    name: str
    kind: DeviceKind
    #: The unit a Custom sensor shows ("" for none).
    axis_label: str = ""
    #: How the value is shown, for measure devices (None for the meters).
    measure_kind: MeasureKind | None = None

    @property
    def marker(self) -> str:
        """The Description that tags the device as ours."""
        return f"{MARKER_PREFIX}:{self.key}:{self.kind.value}"

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """Device options to set right after creation."""
        return DEVICE_TYPES[self.kind].options


def _label(measure: MeasureDescription, language: Language) -> str:
    return measure.label_fr if language == "fr" else measure.label_en


def plan_devices(
    pdl: str,
    measures: Iterable[MeasureDescription],
    *,
    energy_device: DeviceKind = DeviceKind.MANAGED_COUNTER,
    production: bool = False,
    language: Language = "fr",
) -> list[DeviceSpec]:
    """The devices of one usage point: its meters, then one per ``pdl`` measure (and per
    ``production`` measure when it has production); Tempo/EcoWatt measures are left to
    :func:`plan_grid_devices`."""
    validate_pdl(pdl)
    if energy_device not in ENERGY_DEVICES:
        raise InvalidInput(
            "energy_device", f"{energy_device} cannot hold HC/HP history: use managed_counter or p1"
        )
    labels = METER_LABELS[language]
    specs = [
        DeviceSpec(f"{pdl}:{CONSUMPTION}", f"Linky {pdl} {labels[CONSUMPTION]}", energy_device)
    ]
    if production:
        specs.append(
            DeviceSpec(f"{pdl}:{PRODUCTION}", f"Linky {pdl} {labels[PRODUCTION]}", DeviceKind.KWH)
        )
    for measure in measures:
        if measure.scope == "pdl" or (measure.scope == "production" and production):
            specs.append(_measure_spec(f"{pdl}:{measure.key}", f"Linky {pdl} ", measure, language))
    return _unique(specs)


def plan_grid_devices(
    measures: Iterable[MeasureDescription], *, language: Language = "fr"
) -> list[DeviceSpec]:
    """One device per Tempo or EcoWatt measure, shared by every usage point."""
    specs = [
        _measure_spec(measure.key, "", measure, language)
        for measure in measures
        if measure.scope in ("tempo", "ecowatt")
    ]
    return _unique(specs)


def _measure_spec(
    key: str, prefix: str, measure: MeasureDescription, language: Language
) -> DeviceSpec:
    kind = device_kind_for(measure)
    return DeviceSpec(
        key,
        f"{prefix}{_label(measure, language)}",
        kind,
        axis_label=(measure.unit or "") if kind is DeviceKind.CUSTOM else "",
        measure_kind=measure.kind,
    )


def _unique(specs: Sequence[DeviceSpec]) -> list[DeviceSpec]:
    keys = [spec.key for spec in specs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise InvalidInput("measures", f"measure keys {repeated} are given twice")
    return list(specs)


@dataclass(frozen=True, slots=True)
class Provisioned:
    """Where each planned device is: ``idx`` by spec key; what this run created or adopted."""

    hardware_idx: int | None
    idx: Mapping[str, int]
    created: tuple[str, ...] = ()
    adopted: tuple[str, ...] = ()


async def ensure_hardware(client: DomoticzClient, name: str) -> int:
    """The idx of the Dummy hardware called ``name``, added when missing (admin)."""
    for hardware in await client.hardware():
        if hardware.htype == HTYPE_DUMMY and hardware.name == name:
            return hardware.idx
    return await client.add_dummy_hardware(name)


async def ensure_devices(
    client: DomoticzClient, hardware_name: str, specs: Sequence[DeviceSpec]
) -> Provisioned:
    """Make every planned device exist on the Dummy ``hardware_name`` (admin rights); running
    it again changes nothing."""
    hardware_idx = await ensure_hardware(client, hardware_name)
    existing = await client.devices(hardware_idx)
    by_marker = {device.description: device for device in existing}
    unmarked = [device for device in existing if not device.description]
    found: dict[str, int] = {}
    created: list[str] = []
    adopted: list[str] = []
    for spec in specs:
        device = by_marker.get(spec.marker)
        if device is not None and device.kind is spec.kind:
            found[spec.key] = device.idx
            continue
        orphan = next((d for d in unmarked if d.name == spec.name and d.kind is spec.kind), None)
        if orphan is not None:
            unmarked.remove(orphan)
            idx = orphan.idx
            adopted.append(spec.key)
        else:
            idx = await client.create_device(hardware_idx, spec.name, spec.kind, spec.axis_label)
            created.append(spec.key)
        await client.set_used(idx, name=spec.name, description=spec.marker, options=spec.options)
        found[spec.key] = idx
    return Provisioned(hardware_idx, found, tuple(created), tuple(adopted))


async def resolve_mapping(
    client: DomoticzClient,
    specs: Sequence[DeviceSpec],
    mapping: Mapping[str, int],
    *,
    apply_options: bool = True,
) -> Provisioned:
    """Use the user's own devices: each mapped key must name a device of the planned kind; a
    planned key left out of ``mapping`` is not exported. With ``apply_options``, meters (P1,
    kWh) get the options that let them take dated rows (``setused``, admin), keeping their name
    and description; without, nothing is written (a connection test)."""
    known = {spec.key: spec for spec in specs}
    unknown = sorted(set(mapping) - set(known))
    if unknown:
        raise InvalidInput(
            "devices", f"{unknown} are not devices of this export; known keys: {sorted(known)}"
        )
    found: dict[str, int] = {}
    for key, idx in mapping.items():
        spec = known[key]
        device = await client.device(idx)
        _check_mapped(key, idx, spec, device)
        assert device is not None
        if apply_options and spec.kind in HISTORY_KINDS and spec.options:
            await client.set_used(
                idx, name=device.name, description=device.description, options=spec.options
            )
        found[key] = idx
    return Provisioned(None, found)


def _check_mapped(key: str, idx: int, spec: DeviceSpec, device: DeviceInfo | None) -> None:
    wanted = DEVICE_TYPES[spec.kind]
    if device is None:
        raise InvalidInput("devices", f"{key}: Domoticz has no device idx {idx}")
    if device.kind is not spec.kind:
        raise InvalidInput(
            "devices",
            f"{key}: device idx {idx} is a {device.type_name}/{device.subtype_name}, "
            f"not a {wanted.type_name}/{wanted.subtype_name}: create one (sensor type "
            f"{wanted.mapped_type}) or map another",
        )
