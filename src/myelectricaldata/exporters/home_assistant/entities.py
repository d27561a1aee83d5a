"""The Home Assistant entities this exporter adds to the catalogue's measures.

- ``sensor.linky_<pdl>_consumption`` (and ``_production``): yesterday's value carrying the
  attributes of the Linky Lovelace card (content-card-linky), named ``consumption`` in the device
  ``Linky <pdl>`` so that HA derives exactly that entity id on every version;
- ``binary_sensor.linky_<pdl>_offpeak``: on during off-peak hours (HC) under the schedule in
  force today (date-versioned), or the Tempo HC hours; attributes ``next_change`` and ``ranges``.

They are published with the catalogue over MQTT discovery (:mod:`.discovery`) or the REST API
(:mod:`.rest`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from myelectricaldata.domain.offpeak import OffpeakRange, OffpeakSchedule
from myelectricaldata.domain.tempo import DAY_START_HOUR, HC_START_HOUR
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction, PricingOption
from myelectricaldata.exporters.base import MeasureValue, StateSnapshot
from myelectricaldata.exporters.context import StoreView
from myelectricaldata.exporters.home_assistant.card import card_attributes
from myelectricaldata.store.repo import StoredUsagePoint

#: Catalogue measures that also feed the Linky card entity, and that entity's key.
CARD_KEYS = {
    "consumption_yesterday": "linky_consumption",
    "production_yesterday": "linky_production",
}
#: Names that make HA derive ``sensor.linky_<pdl>_consumption`` from the device ``Linky <pdl>``.
CARD_NAMES = {"linky_consumption": "consumption", "linky_production": "production"}
OFFPEAK_KEY = "offpeak"


class EntitiesError(Exception):
    """Home Assistant (or the broker) refused or missed some entity states."""


def _tempo_schedule() -> OffpeakSchedule:
    return OffpeakSchedule((OffpeakRange(HC_START_HOUR * 60, DAY_START_HOUR * 60),), "Tempo HC")


@dataclass(frozen=True, slots=True)
class OffpeakNow:
    """Whether a contract is in off-peak hours at an instant, and when that changes."""

    on: bool
    next_change: datetime | None
    ranges: str


def offpeak_now(stored: StoredUsagePoint, now: datetime) -> OffpeakNow | None:
    """Off-peak state of a PDL at ``now`` (``None`` for Base/EJP or an unknown schedule).

    The schedule is the one in force on the local day (never a newer one); a weekend of an
    HC_WEEKEND contract is off-peak all day. ``next_change`` is searched minute by minute over
    the next two days, each day with its own schedule.
    """
    option = stored.point.pricing_option
    history = stored.offpeak_history
    if option is PricingOption.TEMPO:

        def schedule_of(day: Any) -> OffpeakSchedule | None:
            return _tempo_schedule()
    elif option in (PricingOption.HC_HP, PricingOption.HC_WEEKEND):

        def schedule_of(day: Any) -> OffpeakSchedule | None:
            return history.at(day)
    else:
        return None

    def is_on(instant: datetime) -> bool | None:
        local = instant.astimezone(PARIS)
        if option is PricingOption.HC_WEEKEND and local.weekday() >= 5:
            return True
        schedule = schedule_of(local.date())
        if schedule is None:
            return None
        return schedule.contains_minute(local.hour * 60 + local.minute)

    state = is_on(now)
    if state is None:
        return None
    start = now.replace(second=0, microsecond=0)
    change = None
    for minute in range(1, 2 * 1440 + 1):
        instant = start + timedelta(minutes=minute)
        if is_on(instant) != state:
            change = instant.astimezone(PARIS)
            break
    today = schedule_of(now.astimezone(PARIS).date())
    return OffpeakNow(state, change, today.canonical() if today else "")


def card_values(snapshot: StateSnapshot) -> list[MeasureValue]:
    """The Linky card entities: yesterday's values under their card keys, with the card's
    attributes computed from the snapshot's readings."""
    out = []
    for value in snapshot.values:
        key = CARD_KEYS.get(value.key)
        meter = snapshot.readings.get(value.scope)
        if key is None or meter is None:
            continue
        name = CARD_NAMES[key]
        direction = Direction.PRODUCTION if key == "linky_production" else Direction.CONSUMPTION
        attributes = {**value.attributes, **card_attributes(meter, direction)}
        out.append(
            dataclasses.replace(value, key=key, label_fr=name, label_en=name, attributes=attributes)
        )
    return out


def offpeak_values(
    snapshot: StateSnapshot, offpeak: Mapping[str, OffpeakNow]
) -> list[MeasureValue]:
    """One ``offpeak`` value (``ON``/``OFF``) per PDL whose contract has off-peak hours."""
    out = []
    for pdl, now in sorted(offpeak.items()):
        out.append(
            MeasureValue(
                key=OFFPEAK_KEY,
                scope=pdl,
                value="ON" if now.on else "OFF",
                unit=None,
                label_fr=OFFPEAK_KEY,
                label_en=OFFPEAK_KEY,
                device_class=None,
                state_class=None,
                date=snapshot.computed_at.astimezone(PARIS).date().isoformat(),
                attributes={
                    "next_change": now.next_change.isoformat() if now.next_change else None,
                    "ranges": now.ranges,
                },
            )
        )
    return out


def read_offpeak(store: StoreView, pdls: Sequence[str], now: datetime) -> dict[str, OffpeakNow]:
    """Off-peak state of each PDL (blocking: run it in a thread)."""
    found: dict[str, OffpeakNow] = {}
    for stored in store.usage_points():
        if stored.point.pdl in pdls:
            state = offpeak_now(stored, now)
            if state is not None:
                found[stored.point.pdl] = state
    return found
