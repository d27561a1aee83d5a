"""The one adapter from the measures catalogue to what the Domoticz exporter needs of a measure.

The catalogue (:mod:`myelectricaldata.exporters.measures`) speaks Home Assistant's vocabulary;
the Domoticz side (:mod:`.measures`) only wants to know how a value is shown. The kind is
decided here, explicitly, from the entry's declared classes:

- an ``enum`` of Tempo colours is a ``tempo`` (a Text device showing the colour's name);
- a number of the ``ecowatt`` scope is an ``ecowatt`` level (an Alert device, RTE's colours);
- a timestamp, another ``enum``, or a value with neither unit nor state class (the Tempo
  season's label) is a ``text``;
- everything else is a ``number`` (a Custom sensor whose axis label is the unit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from myelectricaldata.exporters.domoticz.measures import MeasureKind, MeasureScope
from myelectricaldata.exporters.measures import MEASURES, Measure
from myelectricaldata.exporters.measures.base import ENUM, TEMPO_OPTIONS, TIMESTAMP


@dataclass(frozen=True, slots=True)
class CatalogueMeasure:
    """A catalogue entry as a :class:`~.measures.MeasureDescription`."""

    key: str
    label_fr: str
    label_en: str
    unit: str | None
    kind: MeasureKind
    scope: MeasureScope


def kind_of(measure: Measure) -> MeasureKind:
    """How Domoticz shows the values of a catalogue entry (see the module's rules)."""
    if measure.device_class == ENUM:
        return "tempo" if measure.options == TEMPO_OPTIONS else "text"
    if measure.device_class == TIMESTAMP:
        return "text"
    if measure.unit is None and measure.state_class is None:
        return "text"
    if measure.scope == "ecowatt":
        return "ecowatt"
    return "number"


def describe(measure: Measure) -> CatalogueMeasure:
    """A catalogue entry as the Domoticz exporter sees it."""
    return CatalogueMeasure(
        measure.key,
        measure.label_fr,
        measure.label_en,
        measure.unit,
        kind_of(measure),
        measure.scope,
    )


#: Every catalogue entry, by key, as the exporter sees it.
CATALOGUE: dict[str, CatalogueMeasure] = {m.key: describe(m) for m in MEASURES}


def unknown_keys(keys: Iterable[str]) -> list[str]:
    """The keys that name no catalogue entry."""
    return sorted({key for key in keys if key not in CATALOGUE})


def selected(keys: Sequence[str]) -> dict[str, CatalogueMeasure]:
    """The entries named by ``keys`` (every entry when empty), in catalogue order."""
    wanted = set(keys)
    return {key: m for key, m in CATALOGUE.items() if not wanted or key in wanted}
