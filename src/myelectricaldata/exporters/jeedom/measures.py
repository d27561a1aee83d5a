"""The measures catalogue as Jeedom commands: the one place a catalogue :class:`Measure` becomes
the :class:`~.mapping.MeasureInfo` provisioning and mapping read.

A measure's Jeedom *kind* (the info command's ``subType``) is explicit here: text for the
catalogue's colours and instants (``device_class`` ``enum`` or ``timestamp``) and for the
ones listed in :data:`TEXT_KEYS` (the Tempo season, ``2025-2026``); a number for every other
one. A text value sent to a numeric command would be stored as 0.
"""

from __future__ import annotations

from collections.abc import Mapping

from myelectricaldata.domain.measures import MeterReadings, Series
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import UsagePoint
from myelectricaldata.exporters.jeedom.mapping import (
    HOURLY_MEASURES,
    PRODUCTION_HOURLY,
    Kind,
    MeasureInfo,
)
from myelectricaldata.exporters.measures import MEASURES, Measure

#: ``device_class`` values whose measures are text in Jeedom.
TEXT_CLASSES = frozenset({"enum", "timestamp"})
#: Measures without such a class that are text all the same.
TEXT_KEYS = frozenset({"tempo_season"})
#: Scopes of a meter's equipment, and of the shared Tempo/EcoWatt one.
PDL_SCOPES = frozenset({"pdl", "production"})
GRID_SCOPES = frozenset({"tempo", "ecowatt"})


def kind_of(measure: Measure) -> Kind:
    """How Jeedom stores a measure's value: ``string`` for text, else ``numeric``."""
    if measure.device_class in TEXT_CLASSES or measure.key in TEXT_KEYS:
        return "string"
    return "numeric"


def measure_info(measure: Measure) -> MeasureInfo:
    """A catalogue measure as provisioning reads it."""
    return MeasureInfo(
        measure.key, measure.label_fr, measure.label_en, measure.unit, kind_of(measure)
    )


def _contract_only(point: UsagePoint) -> MeterReadings:
    # ``applies`` answers from the contract (consumption, production, tariff tags); the
    # readings are empty because only the contract decides which commands a meter has.
    empty = Series({}, None)
    return MeterReadings(point, TariffPrices(), empty, empty, {}, {}, {})


def pdl_measures(point: UsagePoint | None, *, hourly: bool = False) -> tuple[MeasureInfo, ...]:
    """A meter's commands: every catalogue measure its contract has (all of them when the
    contract is unknown), then the hourly history commands when ``hourly``."""
    meter = _contract_only(point) if point is not None else None
    found = [
        measure_info(m)
        for m in MEASURES
        if m.scope in PDL_SCOPES and (meter is None or m.applies is None or m.applies(meter))
    ]
    if hourly:
        producing = point is None or point.has_production
        found += [m for m in HOURLY_MEASURES if producing or m.key != PRODUCTION_HOURLY]
    return tuple(found)


def grid_measures() -> tuple[MeasureInfo, ...]:
    """The Tempo and EcoWatt equipment's commands."""
    return tuple(measure_info(m) for m in MEASURES if m.scope in GRID_SCOPES)


#: Kind of every catalogue measure and hourly history command, by key.
KINDS: Mapping[str, Kind] = {
    **{m.key: kind_of(m) for m in MEASURES},
    **{m.key: m.kind for m in HOURLY_MEASURES},
}
