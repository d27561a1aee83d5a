"""Home Assistant MQTT discovery: one retained config per measure, from its entity description.

The description (:func:`myelectricaldata.exporters.entities.describe`) is the one the Home
Assistant exporter's REST states use: the same name, classes, unit and device either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from myelectricaldata import __version__
from myelectricaldata.exporters.base import MeasureValue
from myelectricaldata.exporters.entities import EntityDescription, describe
from myelectricaldata.exporters.mqtt.topics import (
    OFFLINE,
    ONLINE,
    Outgoing,
    Topics,
    encode_payload,
)


def config_of(
    description: EntityDescription, state_topic: str, topics: Topics, *, qos: int
) -> dict[str, Any]:
    """The discovery config of an entity whose state (a JSON ``{"value", "attributes"...}``)
    is published on ``state_topic``."""
    config: dict[str, Any] = {
        "name": description.name,
        "unique_id": description.unique_id,
        "state_topic": state_topic,
        "value_template": "{{ value_json.value }}",
        "json_attributes_topic": state_topic,
        "json_attributes_template": "{{ value_json.attributes | tojson }}",
        "availability_topic": topics.status,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "qos": qos,
        "device": description.device,
        "origin": {"name": "MyElectricalData", "sw_version": __version__},
    }
    if description.options:
        config["device_class"] = "enum"
        config["options"] = list(description.options)
        return config
    if description.last_reset:
        config["last_reset_value_template"] = "{{ value_json.last_reset }}"
    if description.device_class is not None:
        config["device_class"] = description.device_class
    if description.state_class is not None:
        config["state_class"] = description.state_class
    if description.unit:
        config["unit_of_measurement"] = description.unit
    return config


def discovery_payload(
    value: MeasureValue, topics: Topics, *, qos: int, language: str
) -> dict[str, Any]:
    """The discovery config of a catalogue measure (``total`` only with a ``last_reset``)."""
    return config_of(describe(value, language), topics.state(value), topics, qos=qos)


def discovery_messages(
    values: Iterable[MeasureValue], topics: Topics, *, qos: int, language: str
) -> list[Outgoing]:
    """The retained discovery config of every measure (HA reads them again when it restarts).

    QoS is at least 1: a lost discovery config leaves an entity missing until the next run.
    """
    qos = max(1, qos)
    return [
        Outgoing(
            topics.discovery(value),
            encode_payload(discovery_payload(value, topics, qos=qos, language=language)),
            qos,
            True,
        )
        for value in values
    ]
