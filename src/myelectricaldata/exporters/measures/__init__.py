"""The measures catalogue: one declarative entry per current value that state exporters publish.

Like Home Assistant's ``SensorEntityDescription`` tuples, :data:`MEASURES` is data: each
:class:`Measure` names a value by keyword (key, scope, French/English labels, unit,
``device_class``, ``state_class``) and the function of :mod:`myelectricaldata.domain.measures`
that computes it from typed readings. :mod:`.energy` and :mod:`.contract` hold a PDL's
measures, :mod:`.grid` Tempo and EcoWatt's. :mod:`myelectricaldata.exporters.snapshot` computes
them all; ``docs/measures.md`` lists them (``scripts/measures_doc.py`` regenerates it).
"""

from myelectricaldata.exporters.measures.base import Measure, Scope
from myelectricaldata.exporters.measures.contract import CONTRACT_MEASURES
from myelectricaldata.exporters.measures.energy import ENERGY_MEASURES, PRODUCTION_MEASURES
from myelectricaldata.exporters.measures.grid import GRID_MEASURES

#: The catalogue, in publication order.
MEASURES: tuple[Measure, ...] = (
    *ENERGY_MEASURES,
    *CONTRACT_MEASURES,
    *PRODUCTION_MEASURES,
    *GRID_MEASURES,
)

__all__ = ["MEASURES", "Measure", "Scope"]
