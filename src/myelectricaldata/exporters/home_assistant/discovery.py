"""Entities over MQTT discovery: the catalogue, the Linky card entities and the off-peak binary
sensors, on the MQTT exporter's topics with its acknowledged publishing.

The broker is the one in ``mqtt_broker``, or (``mqtt_reuse``) the ``mqtt`` exporter's, which the
export service hands over as a peer config.
"""

from __future__ import annotations

from collections.abc import Mapping

from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.entities import safe_id
from myelectricaldata.exporters.home_assistant.entities import (
    OFFPEAK_KEY,
    EntitiesError,
    OffpeakNow,
    card_values,
    offpeak_values,
)
from myelectricaldata.exporters.mqtt.client import BrokerClient
from myelectricaldata.exporters.mqtt.config import MqttConfig, parse_broker_url
from myelectricaldata.exporters.mqtt.discovery import discovery_messages, discovery_payload
from myelectricaldata.exporters.mqtt.topics import (
    Outgoing,
    Topics,
    encode_payload,
    measure_payload,
    state_messages,
)


def mqtt_config_of(
    broker_url: str, *, topic_prefix: str, discovery_prefix: str, language: str
) -> MqttConfig:
    """A broker given as ``mqtt[s]://user:pass@host:port`` as the ``mqtt`` exporter's config."""
    try:
        values = parse_broker_url(broker_url)
    except ValueError as exc:
        raise EntitiesError(str(exc).replace("MQTT_BROKER", "mqtt_broker")) from None
    return MqttConfig(
        enabled=True,
        topic_prefix=topic_prefix,
        ha_discovery=True,
        ha_discovery_prefix=discovery_prefix,
        ha_language=language,
        **values,
    )


class MqttEntities:
    """Publishes entities through the broker of ``config`` (one connection per run)."""

    def __init__(self, config: MqttConfig) -> None:
        self.config = config
        self.topics = Topics(config.topic_prefix, config.ha_discovery_prefix)
        self.broker = BrokerClient(config, self.topics.status)

    def messages(
        self, snapshot: StateSnapshot, offpeak: Mapping[str, OffpeakNow]
    ) -> list[Outgoing]:
        """Discovery configs and states of the catalogue and the card entities, then the
        off-peak binary sensors."""
        cfg = self.config
        qos = max(1, cfg.qos)
        values = [*snapshot.values, *card_values(snapshot)]
        messages = discovery_messages(values, self.topics, qos=qos, language=cfg.ha_language)
        messages += state_messages(
            values, snapshot.computed_at, self.topics, qos=cfg.qos, retain=cfg.retain
        )
        for value in offpeak_values(snapshot, offpeak):
            config = discovery_payload(value, self.topics, qos=qos, language=cfg.ha_language)
            config["payload_on"] = "ON"
            config["payload_off"] = "OFF"
            node = safe_id(f"myelectricaldata_{value.scope}")
            topic = f"{self.topics.discovery_prefix}/binary_sensor/{node}/{OFFPEAK_KEY}/config"
            messages.append(Outgoing(topic, encode_payload(config), qos, True))
            body = measure_payload(value, snapshot.computed_at)
            messages.append(
                Outgoing(self.topics.state(value), encode_payload(body), cfg.qos, cfg.retain)
            )
        return messages

    async def publish(self, snapshot: StateSnapshot, offpeak: Mapping[str, OffpeakNow]) -> int:
        """Publish every entity; all acknowledged or ``MqttExportError``."""
        await self.broker.send(self.messages(snapshot, offpeak))
        return len(snapshot.values)

    async def close(self) -> None:
        """Disconnect from the broker."""
        await self.broker.close()
