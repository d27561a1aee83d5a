"""A PDL's contract measures: the cost of the energy, the daily maximum power against the
subscribed power.

Each entry is data, as grep finds it by its key: the labels, the Home Assistant classes, and
the function of :mod:`myelectricaldata.domain.measures` that computes it.
"""

from __future__ import annotations

from myelectricaldata.domain import measures as c
from myelectricaldata.exporters.measures.base import (
    APPARENT_POWER,
    EUR,
    KVA,
    MEASUREMENT,
    MONETARY,
    PERCENT,
    TIMESTAMP,
    TOTAL,
    VA,
    Measure,
)

# How the measures that share a rule are computed (docs/measures.md).
COST_DOC = (
    "Each day priced like the web UI: at the row of the PDL's offer in force that day (its "
    "subscription shared by the days of its month), minute by minute with that day's off-peak "
    "hours; a day without a complete load curve spread like the average day, counted in "
    "`estimated_days`; `last_reset` = start of the period."
)

#: Cost and power, in publication order.
CONTRACT_MEASURES: tuple[Measure, ...] = (
    Measure(
        key="cost_yesterday",
        scope="pdl",
        label_fr="Coût hier",
        label_en="Cost yesterday",
        unit=EUR,
        device_class=MONETARY,
        state_class=TOTAL,
        compute=c.cost("day"),
        applies=c.has_consumption,
        doc=COST_DOC,
    ),
    Measure(
        key="cost_month",
        scope="pdl",
        label_fr="Coût mois en cours",
        label_en="Cost this month",
        unit=EUR,
        device_class=MONETARY,
        state_class=TOTAL,
        compute=c.cost("month"),
        applies=c.has_consumption,
        doc=COST_DOC,
    ),
    Measure(
        key="cost_year",
        scope="pdl",
        label_fr="Coût année en cours",
        label_en="Cost this year",
        unit=EUR,
        device_class=MONETARY,
        state_class=TOTAL,
        compute=c.cost("year"),
        applies=c.has_consumption,
        doc=COST_DOC,
    ),
    Measure(
        key="max_power_yesterday",
        scope="pdl",
        label_fr="Puissance max hier",
        label_en="Max power yesterday",
        unit=VA,
        device_class=APPARENT_POWER,
        state_class=MEASUREMENT,
        compute=c.max_power,
        applies=c.has_consumption,
        doc="Daily maximum apparent power of the newest stored day (up to yesterday).",
    ),
    Measure(
        key="max_power_time",
        scope="pdl",
        label_fr="Heure de la puissance max",
        label_en="Max power time",
        unit=None,
        device_class=TIMESTAMP,
        state_class=None,
        compute=c.max_power_time,
        applies=c.has_consumption,
        doc="When that maximum was reached (ISO 8601 with offset).",
    ),
    Measure(
        key="max_power_percent",
        scope="pdl",
        label_fr="Puissance max / puissance souscrite",
        label_en="Max power vs subscribed power",
        unit=PERCENT,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.max_power_percent,
        applies=c.has_consumption,
        doc="Max power (VA) / (subscribed kVA x 1000) x 100.",
    ),
    Measure(
        key="subscribed_power",
        scope="pdl",
        label_fr="Puissance souscrite",
        label_en="Subscribed power",
        unit=KVA,
        device_class=None,
        state_class=None,
        compute=c.subscribed_power,
        applies=c.has_consumption,
        doc="From the contract. No device_class: HA's apparent_power only takes VA.",
    ),
)
