"""The one adapter from the measures catalogue to the mapping's :class:`MeasureDescription`.

The catalogue speaks Home Assistant's vocabulary; the mapping needs to know what kind of value
a measure holds, which picks the item type (``Number:Energy``, ``String``, ``DateTime``...).
That kind is stated here, not guessed from values at run time: the device classes that say it
(``enum`` is a text among options, ``timestamp`` an instant) and the few texts without a device
class, by key. Every other measure is a number. A test runs the whole catalogue on the demo
data and checks each value has the kind said here, so a new text measure cannot slip through
as a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from myelectricaldata.exporters.measures import MEASURES
from myelectricaldata.exporters.openhab.mapping import Measure, ValueKind

#: Kinds the catalogue's device classes state.
KIND_OF_DEVICE_CLASS: Mapping[str, ValueKind] = {
    "enum": ValueKind.TEXT,
    "timestamp": ValueKind.TIMESTAMP,
}
#: Catalogue measures holding a text without a device class that says so.
TEXT_KEYS = frozenset({"tempo_season"})


class CatalogueEntry(Protocol):
    """What the adapter reads of a catalogue entry (a ``Measure`` of the catalogue, or the
    ``MeasureValue`` a snapshot carries: both have these)."""

    @property
    def key(self) -> str: ...

    @property
    def label_fr(self) -> str: ...

    @property
    def label_en(self) -> str: ...

    @property
    def unit(self) -> str | None: ...

    @property
    def device_class(self) -> str | None: ...


def value_kind(entry: CatalogueEntry) -> ValueKind:
    """What kind of value ``entry`` holds."""
    if entry.key in TEXT_KEYS:
        return ValueKind.TEXT
    return KIND_OF_DEVICE_CLASS.get(entry.device_class or "", ValueKind.NUMBER)


def describe(entry: CatalogueEntry) -> Measure:
    """``entry`` as the mapping describes a measure."""
    return Measure(entry.key, entry.label_fr, entry.label_en, entry.unit, value_kind(entry))


#: The catalogue, described once, by key.
CATALOGUE: Mapping[str, Measure] = {m.key: describe(m) for m in MEASURES}

__all__ = ["CATALOGUE", "KIND_OF_DEVICE_CLASS", "TEXT_KEYS", "describe", "value_kind"]
