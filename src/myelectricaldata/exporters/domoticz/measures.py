"""What the Domoticz exporter needs to know about a measure, whatever catalogue describes it.

Provisioning and the device values take any object with the few attributes below; the measures
catalogue is adapted to it in one place (:mod:`.catalogue`), where each measure's kind is
decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.exporters.domoticz.devices import DeviceKind

#: How a value is shown in Domoticz: a number with its unit (a Custom sensor), a text, a Tempo
#: colour (a Text device, the colour's name in the user's language) or an EcoWatt level (an
#: Alert device, coloured like RTE's signal).
MeasureKind = Literal["number", "text", "tempo", "ecowatt"]
#: Whose value it is: a usage point's consumption (``pdl``) or production, or a grid signal
#: shared by every usage point.
MeasureScope = Literal["pdl", "production", "tempo", "ecowatt"]

MEASURE_KINDS: tuple[MeasureKind, ...] = ("number", "text", "tempo", "ecowatt")
MEASURE_SCOPES: tuple[MeasureScope, ...] = ("pdl", "production", "tempo", "ecowatt")


class MeasureDescription(Protocol):
    """A measure as the exporter sees it (the catalogue's entries fit it with an adapter)."""

    @property
    def key(self) -> str:
        """Stable identifier, e.g. ``consumption_month``."""

    @property
    def label_fr(self) -> str:
        """French label."""

    @property
    def label_en(self) -> str:
        """English label."""

    @property
    def unit(self) -> str | None:
        """Unit of a number (``kWh``, ``EUR``, ``%``, ``VA``), None for texts."""

    @property
    def kind(self) -> MeasureKind:
        """How the value is shown (see :data:`MeasureKind`)."""

    @property
    def scope(self) -> MeasureScope:
        """Whose value it is (see :data:`MeasureScope`)."""


@dataclass(frozen=True, slots=True)
class Measure:
    """A plain :class:`MeasureDescription`, for tests and adapters."""

    key: str
    label_fr: str
    label_en: str
    unit: str | None
    kind: MeasureKind
    scope: MeasureScope

    def __post_init__(self) -> None:
        if not self.key or not self.key.replace("_", "").isalnum():
            raise InvalidInput("key", f"{self.key!r} is not a measure key like consumption_month")
        if self.kind not in MEASURE_KINDS:
            raise InvalidInput("kind", f"{self.kind!r} is not one of {list(MEASURE_KINDS)}")
        if self.scope not in MEASURE_SCOPES:
            raise InvalidInput("scope", f"{self.scope!r} is not one of {list(MEASURE_SCOPES)}")


def device_kind_for(measure: MeasureDescription) -> DeviceKind:
    """The device that shows a measure: Text for texts and Tempo colours, Alert for EcoWatt
    levels, a Custom sensor (its unit as axis label) for numbers."""
    if measure.kind in ("text", "tempo"):
        return DeviceKind.TEXT
    if measure.kind == "ecowatt":
        return DeviceKind.ALERT
    return DeviceKind.CUSTOM
