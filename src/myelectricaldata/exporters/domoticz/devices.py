"""The Domoticz device types this exporter creates and writes, with their codes and options.

Codes come from Domoticz's ``hardware/hardwaretypes.h`` and the ``createdevice`` command
(``hardware/Dummy.cpp``): ``sensormappedtype`` is ``(type << 8) | subtype`` in hex. Names are the
``Type``/``SubType`` texts ``getdevices`` answers (``main/RFXNames.cpp``), used to recognise an
existing device.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: ``HTYPE_Dummy`` (``main/RFXNames.h``): the virtual hardware that owns our devices.
HTYPE_DUMMY = 15

#: Options that let a non-managed meter (P1, kWh) take dated rows and keep Domoticz off them:
#: ``AddDBLogEntry`` routes a ``...;DATE`` svalue to the history tables (``UpdateValueInt``);
#: ``DisableLogAutoUpdate`` stops the 5-minute and midnight jobs from writing rows of their own
#: (``UpdateMeter``, ``AddCalendarUpdateMeter``), which would otherwise add a second row for a
#: day we already wrote.
HISTORY_OPTIONS: tuple[tuple[str, str], ...] = (
    ("AddDBLogEntry", "true"),
    ("DisableLogAutoUpdate", "true"),
)


class DeviceKind(StrEnum):
    """A kind of Domoticz device, by what we use it for."""

    MANAGED_COUNTER = "managed_counter"
    P1_METER = "p1_meter"
    KWH = "kwh"
    TEXT = "text"
    ALERT = "alert"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class DeviceType:
    """Domoticz's numeric type and subtype of a kind, and their names in ``getdevices``."""

    dtype: int
    subtype: int
    type_name: str
    subtype_name: str
    #: Options set with ``setused`` right after creation (empty: none).
    options: tuple[tuple[str, str], ...] = ()

    @property
    def mapped_type(self) -> str:
        """The ``sensormappedtype`` parameter of ``createdevice``, e.g. ``0xF321``."""
        return f"0x{(self.dtype << 8) | self.subtype:04X}"


DEVICE_TYPES: dict[DeviceKind, DeviceType] = {
    # pTypeGeneral 0xF3 / sTypeManagedCounter 0x21: history by nature.
    DeviceKind.MANAGED_COUNTER: DeviceType(0xF3, 0x21, "General", "Managed Counter"),
    # pTypeP1Power 0xFA / sTypeP1Power 0x01: two tariffs (HC as tariff 1, HP as tariff 2).
    DeviceKind.P1_METER: DeviceType(0xFA, 0x01, "P1 Smart Meter", "Energy", HISTORY_OPTIONS),
    # pTypeGeneral / sTypeKwh 0x1D: "Electric (Instant+Counter)", used for production.
    DeviceKind.KWH: DeviceType(0xF3, 0x1D, "General", "kWh", HISTORY_OPTIONS),
    # sTypeTextStatus 0x13, sTypeAlert 0x16, sTypeCustom 0x1F.
    DeviceKind.TEXT: DeviceType(0xF3, 0x13, "General", "Text"),
    DeviceKind.ALERT: DeviceType(0xF3, 0x16, "General", "Alert"),
    DeviceKind.CUSTOM: DeviceType(0xF3, 0x1F, "General", "Custom Sensor"),
}

#: Kinds whose svalue takes a trailing date (dated rows go to Domoticz's history tables).
HISTORY_KINDS = frozenset({DeviceKind.MANAGED_COUNTER, DeviceKind.P1_METER, DeviceKind.KWH})


def kind_of(type_name: str, subtype_name: str) -> DeviceKind | None:
    """The kind of a device ``getdevices`` lists by its ``Type``/``SubType`` names, if ours."""
    for kind, device_type in DEVICE_TYPES.items():
        if (device_type.type_name, device_type.subtype_name) == (type_name, subtype_name):
            return kind
    return None
