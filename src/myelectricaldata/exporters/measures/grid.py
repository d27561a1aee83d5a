"""The grid's measures: RTE's Tempo colours and EcoWatt signals, the same for every PDL.

Each entry is data, as grep finds it by its key: the labels, the Home Assistant classes, and
the function of :mod:`myelectricaldata.domain.measures` that computes it.
"""

from __future__ import annotations

from myelectricaldata.domain import measures as c
from myelectricaldata.domain.types import TempoColor
from myelectricaldata.exporters.measures.base import ENUM, MEASUREMENT, TEMPO_OPTIONS, Measure

# How the measures that share a rule are computed (docs/measures.md).
REMAINING_DOC = (
    "Season quota (300/301 blue, 43 white, 22 red) minus the days already coloured in the season "
    "(tomorrow included once published)."
)

#: The grid's measures, in publication order.
GRID_MEASURES: tuple[Measure, ...] = (
    Measure(
        key="tempo_today",
        scope="tempo",
        label_fr="Couleur Tempo aujourd'hui",
        label_en="Tempo colour today",
        unit=None,
        device_class=ENUM,
        state_class=None,
        compute=c.tempo_on(0),
        options=TEMPO_OPTIONS,
        doc="Colour of today's Tempo day (06:00 today to 06:00 tomorrow).",
    ),
    Measure(
        key="tempo_tomorrow",
        scope="tempo",
        label_fr="Couleur Tempo demain",
        label_en="Tomorrow's Tempo colour",
        unit=None,
        device_class=ENUM,
        state_class=None,
        compute=c.tempo_on(1),
        options=TEMPO_OPTIONS,
        doc="Unknown (None) until RTE publishes it, around 10:40-11:00.",
    ),
    Measure(
        key="tempo_current",
        scope="tempo",
        label_fr="Couleur Tempo en cours",
        label_en="Tempo colour now",
        unit=None,
        device_class=ENUM,
        state_class=None,
        compute=c.tempo_current,
        options=TEMPO_OPTIONS,
        doc="Colour in force now: before 06:00 it is yesterday's. Attribute `offpeak`.",
    ),
    Measure(
        key="tempo_remaining_blue",
        scope="tempo",
        label_fr="Jours Tempo bleus restants",
        label_en="Remaining blue Tempo days",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.tempo_remaining(TempoColor.BLUE),
        doc=REMAINING_DOC,
    ),
    Measure(
        key="tempo_remaining_white",
        scope="tempo",
        label_fr="Jours Tempo blancs restants",
        label_en="Remaining white Tempo days",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.tempo_remaining(TempoColor.WHITE),
        doc=REMAINING_DOC,
    ),
    Measure(
        key="tempo_remaining_red",
        scope="tempo",
        label_fr="Jours Tempo rouges restants",
        label_en="Remaining red Tempo days",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.tempo_remaining(TempoColor.RED),
        doc=REMAINING_DOC,
    ),
    Measure(
        key="tempo_season",
        scope="tempo",
        label_fr="Saison Tempo",
        label_en="Tempo season",
        unit=None,
        device_class=None,
        state_class=None,
        compute=c.tempo_season,
        doc="Season label, 1 September to 31 August, e.g. `2025-2026`.",
    ),
    Measure(
        key="ecowatt_now",
        scope="ecowatt",
        label_fr="EcoWatt maintenant",
        label_en="EcoWatt now",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.ecowatt_at(0),
        doc="Level of the current local hour, 0 (green, low carbon) to 3 (red).",
    ),
    Measure(
        key="ecowatt_next_hour",
        scope="ecowatt",
        label_fr="EcoWatt heure suivante",
        label_en="EcoWatt next hour",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.ecowatt_at(1),
        doc="Level of the next hour (tomorrow's first hour after 23:00).",
    ),
    Measure(
        key="ecowatt_j0",
        scope="ecowatt",
        label_fr="EcoWatt aujourd'hui",
        label_en="EcoWatt today",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.ecowatt_day(0),
        doc="Day level 1 (green) to 3 (red); attributes `message`, `hourly` (24 levels).",
    ),
    Measure(
        key="ecowatt_j1",
        scope="ecowatt",
        label_fr="EcoWatt J+1",
        label_en="EcoWatt D+1",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.ecowatt_day(1),
        doc="Day level of today + 1; unknown until RTE publishes it.",
    ),
    Measure(
        key="ecowatt_j2",
        scope="ecowatt",
        label_fr="EcoWatt J+2",
        label_en="EcoWatt D+2",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.ecowatt_day(2),
        doc="Day level of today + 2; unknown until RTE publishes it.",
    ),
    Measure(
        key="ecowatt_j3",
        scope="ecowatt",
        label_fr="EcoWatt J+3",
        label_en="EcoWatt D+3",
        unit=None,
        device_class=None,
        state_class=MEASUREMENT,
        compute=c.ecowatt_day(3),
        doc="Day level of today + 3; unknown until RTE publishes it.",
    ),
)
