"""MQTT topics and payloads: where each of our values goes and the JSON it carries.

A history batch moves its series' retained ``latest`` topic (and, with ``history_stream``,
publishes every point non-retained); each catalogue measure has a state topic under its scope
(the PDL, ``tempo`` or ``ecowatt``), some also gathered on a group topic. The tables are in
``docs/integrations/mqtt.md``. Everything here is pure: no connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoDay
from myelectricaldata.exporters.base import TEMPO_CODE, EnergyPoint, MeasureValue
from myelectricaldata.exporters.entities import safe_id

ONLINE = "online"
OFFLINE = "offline"

#: Topic groups a catalogue key may start with: ``consumption_week`` -> ``consumption/week``.
TOPIC_GROUPS = ("consumption", "production", "cost", "max_power", "tempo", "ecowatt")
#: Catalogue keys whose topic (under their scope: the PDL, ``tempo`` or ``ecowatt``) is not the
#: one :data:`TOPIC_GROUPS` derives: the names issue #3 gives, and members of a group topic.
NAMED_TOPICS: dict[str, str] = {
    "consumption_month": "consumption/monthly",
    "production_month": "production/monthly",
    "ecowatt_now": "current",
    "tempo_remaining_blue": "remaining/blue",
    "tempo_remaining_white": "remaining/white",
    "tempo_remaining_red": "remaining/red",
    "ecowatt_j0": "forecast/j0",
    "ecowatt_j1": "forecast/j1",
    "ecowatt_j2": "forecast/j2",
    "ecowatt_j3": "forecast/j3",
}
#: Catalogue keys also gathered into one JSON object on a group topic: group -> key -> name.
GROUPED_TOPICS: dict[str, dict[str, str]] = {
    "remaining": {
        "tempo_remaining_blue": "BLUE",
        "tempo_remaining_white": "WHITE",
        "tempo_remaining_red": "RED",
    },
    "forecast": {"ecowatt_j0": "j0", "ecowatt_j1": "j1", "ecowatt_j2": "j2", "ecowatt_j3": "j3"},
}


def state_suffix(key: str, scope: str) -> str:
    """Topic of a catalogue measure below ``{prefix}/{scope}/``."""
    if key in NAMED_TOPICS:
        return NAMED_TOPICS[key]
    for group in TOPIC_GROUPS:
        if key.startswith(group + "_"):
            rest = safe_id(key[len(group) + 1 :])
            return rest if scope == group else f"{group}/{rest}"
    return safe_id(key)


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def _num(value: float) -> int | float:
    """Integers stay integers in JSON (``42045``, not ``42045.0``)."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() else round(value, 6)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as every topic carries it."""
    return _ENCODER.encode(payload).encode()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One MQTT message to publish."""

    topic: str
    payload: bytes
    qos: int
    retain: bool


class Topics:
    """Every topic name of one configuration, in one place."""

    def __init__(self, prefix: str, discovery_prefix: str) -> None:
        self.prefix = prefix
        self.discovery_prefix = discovery_prefix

    @property
    def status(self) -> str:
        """Availability topic: ``online`` / ``offline`` (retained; the will is ``offline``)."""
        return f"{self.prefix}/status"

    def latest(self, pdl: str, stream: Stream) -> str:
        """Retained newest value of one series."""
        if stream is Stream.MAX_POWER:
            return f"{self.prefix}/{pdl}/max_power"
        return f"{self.prefix}/{pdl}/{stream.direction.value}/{stream.granularity}"

    def history(self, pdl: str, stream: Stream) -> str:
        """Non-retained stream of every point of one series (``history_stream``)."""
        if stream is Stream.MAX_POWER:
            return f"{self.prefix}/history/{pdl}/max_power"
        return f"{self.prefix}/history/{pdl}/{stream.direction.value}/{stream.granularity}"

    @property
    def tempo_latest(self) -> str:
        """Retained newest Tempo day known."""
        return f"{self.prefix}/tempo/latest"

    @property
    def ecowatt_latest(self) -> str:
        """Retained newest EcoWatt day known (the furthest forecast)."""
        return f"{self.prefix}/ecowatt/latest"

    def latest_filters(self) -> list[str]:
        """Subscriptions matching every ``latest`` topic (read back before moving them)."""
        p = self.prefix
        return [
            f"{p}/+/consumption/daily",
            f"{p}/+/consumption/load_curve",
            f"{p}/+/production/daily",
            f"{p}/+/production/load_curve",
            f"{p}/+/max_power",
            self.tempo_latest,
            self.ecowatt_latest,
        ]

    def state(self, value: MeasureValue) -> str:
        """State topic of a catalogue measure."""
        return f"{self.prefix}/{safe_id(value.scope)}/{state_suffix(value.key, value.scope)}"

    def group(self, scope: str, name: str) -> str:
        """Topic of a group of measures (``tempo/remaining``, ``ecowatt/forecast``)."""
        return f"{self.prefix}/{safe_id(scope)}/{name}"

    def discovery(self, value: MeasureValue) -> str:
        """Home Assistant discovery config topic of a measure."""
        node = safe_id(f"myelectricaldata_{value.scope}")
        return f"{self.discovery_prefix}/sensor/{node}/{safe_id(value.key)}/config"


def _local(instant: datetime) -> datetime:
    # Points from the delivery layer are already Paris-aware: skip the conversion then.
    return instant if instant.tzinfo is PARIS else instant.astimezone(PARIS)


def point_payload(pdl: str, unit: str, stream: Stream, p: EnergyPoint) -> dict[str, Any]:
    """JSON of one point of a series (latest topic and history stream)."""
    local_start = _local(p.start)
    start = local_start.isoformat()
    payload: dict[str, Any] = {
        "pdl": pdl,
        "value": _num(p.value),
        "unit": unit,
        "date": start[:10],
        "quality": p.quality,
        "timestamp": start,
        "start": start,
        "end": _local(p.end).isoformat(),
    }
    if stream.is_detail:
        # The newest half-hour reads best as a power; its energy stays alongside.
        minutes = _minutes(p)
        payload["value"] = _num(p.avg_w if p.avg_w is not None else p.value * 60 / minutes)
        payload["unit"] = "W"
        payload["energy_wh"] = _num(p.value)
        payload["interval_minutes"] = minutes
    elif stream is Stream.MAX_POWER and p.at is not None:
        payload["timestamp"] = payload["at"] = _local(p.at).isoformat()
    return payload


def _minutes(p: EnergyPoint) -> int:
    return max(1, int((p.end - p.start).total_seconds() // 60))


def measure_payload(value: MeasureValue, computed_at: datetime) -> dict[str, Any]:
    """JSON of a catalogue measure on its state topic."""
    payload: dict[str, Any] = {
        "key": value.key,
        "value": value.value,
        "unit": value.unit,
        "date": value.date,
        "quality": value.quality,
        "timestamp": computed_at.astimezone(PARIS).isoformat(),
        "label_fr": value.label_fr,
        "label_en": value.label_en,
    }
    if value.scope.isdigit():
        payload["pdl"] = value.scope
    attributes = dict(value.attributes)
    # HA's MQTT sensor refuses `last_reset` as an attribute; it reads it from the top level.
    last_reset = attributes.pop("last_reset", None)
    if last_reset is not None:
        payload["last_reset"] = last_reset
    payload["attributes"] = attributes
    return payload


def tempo_payload(day: TempoDay) -> tuple[datetime, bytes]:
    """Start and JSON of a Tempo day (it runs from 06:00 to 06:00 the next day)."""
    start = local_midnight(day.day) + timedelta(hours=6)
    payload = {
        "value": day.color.value,
        "code": TEMPO_CODE[day.color],
        "unit": None,
        "date": day.day.isoformat(),
        "quality": None,
        "timestamp": start.isoformat(),
        "start": start.isoformat(),
        "end": (local_midnight(day.day + timedelta(days=1)) + timedelta(hours=6)).isoformat(),
        "updated_at": _iso(day.updated_at),
    }
    return start, encode_payload(payload)


def ecowatt_payload(day: EcoWattDay) -> tuple[datetime, bytes]:
    """Start and JSON of an EcoWatt day (its level, the 24 hourly levels, RTE's message)."""
    start = local_midnight(day.day)
    payload = {
        "value": day.level,
        "unit": None,
        "date": day.day.isoformat(),
        "quality": None,
        "timestamp": start.isoformat(),
        "start": start.isoformat(),
        "hourly": list(day.hourly),
        "message": day.message,
        "generated_at": _iso(day.generated_at),
    }
    return start, encode_payload(payload)


def state_messages(
    values: Iterable[MeasureValue], computed_at: datetime, topics: Topics, *, qos: int, retain: bool
) -> list[Outgoing]:
    """Every measure's state, then the group topics gathering some of them."""
    messages: list[Outgoing] = []
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    computed = computed_at.astimezone(PARIS).isoformat()
    for value in values:
        body = measure_payload(value, computed_at)
        messages.append(Outgoing(topics.state(value), encode_payload(body), qos, retain))
        for group, members in GROUPED_TOPICS.items():
            if value.key in members:
                name = members[value.key]
                entry = groups.setdefault(
                    (value.scope, group),
                    {"value": {}, "unit": value.unit, "date": value.date, "quality": None,
                     "timestamp": computed, "details": {}},
                )  # fmt: skip
                entry["value"][name] = value.value
                entry["details"][name] = {"date": value.date, **value.attributes}
    for (scope, group), body in groups.items():
        messages.append(Outgoing(topics.group(scope, group), encode_payload(body), qos, retain))
    return messages
