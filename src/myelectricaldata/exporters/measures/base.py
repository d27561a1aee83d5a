"""What one entry of the measures catalogue says, and the Home Assistant vocabulary it uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from myelectricaldata.domain.measures import Applies, Compute
from myelectricaldata.domain.types import TempoColor

#: Where a measure's values live: per PDL (``pdl``, ``production``), or the grid's signals.
Scope = Literal["pdl", "production", "tempo", "ecowatt"]

# Home Assistant vocabulary (homeassistant/components/sensor/const.py).
ENERGY, MONETARY, APPARENT_POWER = "energy", "monetary", "apparent_power"
ENUM, TIMESTAMP = "enum", "timestamp"
TOTAL, TOTAL_INCREASING, MEASUREMENT = "total", "total_increasing", "measurement"
KWH, EUR, VA, KVA, PERCENT = "kWh", "EUR", "VA", "kVA", "%"
TEMPO_OPTIONS: tuple[str, ...] = tuple(c.value for c in TempoColor)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One entry of the catalogue (the Home Assistant ``SensorEntityDescription`` shape).

    ``compute`` (from :mod:`myelectricaldata.domain.measures`) gives the value from the typed
    readings; ``applies`` says whether a PDL has the measure (HC/HP tags only for an HC/HP
    contract); ``doc`` says how it is computed, for ``docs/measures.md``.
    """

    key: str
    scope: Scope
    label_fr: str
    label_en: str
    unit: str | None
    device_class: str | None
    state_class: str | None
    compute: Compute
    applies: Applies | None = None
    options: tuple[str, ...] | None = None
    doc: str = ""
