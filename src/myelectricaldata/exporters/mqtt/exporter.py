"""MQTT: the latest values and the catalogue's states as JSON topics, plus Home Assistant discovery.

MQTT keeps no history (a subscriber stamps a state when it receives it), so a history batch only
moves the series' *latest* topic forward, and only when the batch holds a newer period than the
one already retained (a backfill sends old days after new ones). Catalogue states and their Home
Assistant discovery configs come from :meth:`MqttExporter.export_state`. With ``history_stream``
every point is also published, non-retained, for consumers that keep history themselves.

Every publish goes through aiomqtt inside a bounded window of in-flight messages; a call returns
success only once the broker acknowledged all of its messages (PUBACK at QoS 1, PUBCOMP at QoS 2;
at QoS 0, once they were written to the socket). Topics and payloads: ``docs/integrations/mqtt.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import socket
import ssl
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from pydantic import ConfigDict, Field, field_validator, model_validator

from myelectricaldata import __version__
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoDay
from myelectricaldata.exporters.base import (
    TEMPO_CODE,
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ExporterConfig,
    ExportResult,
    MeasureValue,
    ProductionData,
    SeriesData,
    StateSnapshot,
    TempoData,
    secret_field,
)

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
ONLINE = "online"
OFFLINE = "offline"
#: Characters Home Assistant accepts in discovery node and object ids.
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
_TOPIC_FORBIDDEN = ("+", "#", "\x00")

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


#: Home Assistant's accepted units per device class, for the classes a catalogue may use
#: (homeassistant/components/sensor/const.py DEVICE_CLASS_UNITS); a class absent here takes any.
HA_DEVICE_CLASS_UNITS: dict[str, frozenset[str | None]] = {
    "energy": frozenset({"Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "MJ", "GJ", "cal", "kcal"}),
    "power": frozenset({"mW", "W", "kW", "MW", "GW", "TW", "BTU/h"}),
    "apparent_power": frozenset({"VA", "mVA", "kVA"}),
    "current": frozenset({"A", "mA"}),
    "voltage": frozenset({"V", "mV", "µV", "kV", "MV"}),
    "duration": frozenset({"d", "h", "min", "s", "ms", "µs"}),
    "power_factor": frozenset({"%", None}),
    "battery": frozenset({"%"}),
    "enum": frozenset({None}),
    "timestamp": frozenset({None}),
    "date": frozenset({None}),
}
#: State classes Home Assistant accepts per device class (DEVICE_CLASS_STATE_CLASSES).
HA_DEVICE_CLASS_STATE_CLASSES: dict[str, frozenset[str]] = {
    "energy": frozenset({"total", "total_increasing"}),
    "monetary": frozenset({"total"}),
    "power": frozenset({"measurement"}),
    "apparent_power": frozenset({"measurement"}),
    "enum": frozenset(),
    "timestamp": frozenset(),
    "date": frozenset(),
}


class MqttExportError(Exception):
    """The broker could not be reached, refused us, or did not acknowledge every message."""


# -- configuration ---------------------------------------------------------------------------


def _check_topic_root(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{field} must not be empty (e.g. 'myelectricaldata')")
    if any(c in value for c in _TOPIC_FORBIDDEN):
        raise ValueError(f"{field} must not contain the MQTT wildcards '+' or '#'")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise ValueError(f"{field} must not start or end with '/' nor contain an empty level")
    return value


class MqttConfig(ExporterConfig):
    """Broker address (split from ``MQTT_BROKER``), topics, QoS/retain and discovery options."""

    # The password must never be echoed back in a validation error.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)

    env_prefix: ClassVar[str] = "MQTT"

    host: str = Field(
        "", description="Broker host name or IP (from MQTT_BROKER=mqtt://user:pass@host:1883)."
    )
    port: int = Field(1883, ge=1, le=65535, description="Broker port (1883 plain, 8883 TLS).")
    username: str = Field("", description="User name, if the broker requires a login.")
    password: str = secret_field("", "Password of that user (encrypted at rest, never shown).")
    tls: bool = Field(False, description="Connect with TLS (mqtts://).")
    ca_file: str = Field(
        "", description="PEM file of the CA that signed the broker's certificate (TLS); "
        "empty: the system's trusted CAs."
    )  # fmt: skip
    cert_file: str = Field("", description="Client certificate PEM file (TLS client auth).")
    key_file: str = Field("", description="Private key PEM file of the client certificate.")
    tls_verify_hostname: bool = Field(
        True, description="Check that the broker's certificate names the host (TLS)."
    )
    client_id: str = Field(
        "", description="MQTT client id; empty: 'myelectricaldata-' and a random suffix."
    )
    topic_prefix: str = Field("myelectricaldata", description="Root of every published topic.")
    qos: int = Field(1, ge=0, le=2, description="QoS of data topics: 0, 1 or 2.")
    retain: bool = Field(True, description="Publish data topics as retained messages.")
    ha_discovery: bool = Field(
        False, description="Publish Home Assistant MQTT discovery configs for every measure."
    )
    ha_discovery_prefix: str = Field(
        "homeassistant", description="Discovery prefix Home Assistant listens on."
    )
    ha_language: Literal["fr", "en"] = Field(
        "fr", description="Language of the entity names sent to Home Assistant."
    )
    history_stream: bool = Field(
        False,
        description="Also publish every point of each history batch (non-retained) under "
        "{prefix}/history/, for consumers that store it (Telegraf, Node-RED).",
    )
    max_inflight: int = Field(
        100, ge=1, le=1000, description="Publishes awaiting their acknowledgement at once."
    )
    timeout_seconds: float = Field(
        5.0, gt=0, le=60, description="Seconds to wait for the connection and for each ack."
    )

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if "://" in value or "/" in value or "@" in value or " " in value:
            raise ValueError(
                "host takes a host name or IP only, e.g. 192.168.1.10; give a whole URL "
                "through MQTT_BROKER=mqtt://user:pass@host:1883"
            )
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return _check_topic_root(value, "topic_prefix")

    @field_validator("ha_discovery_prefix")
    @classmethod
    def _discovery_prefix(cls, value: str) -> str:
        return _check_topic_root(value, "ha_discovery_prefix")

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        if any(c in value for c in _TOPIC_FORBIDDEN) or len(value) > 128:
            raise ValueError("client_id: up to 128 characters, without '+', '#' or NUL")
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> MqttConfig:
        if self.enabled and not self.host:
            raise ValueError(
                "host is required when the MQTT export is enabled: set "
                "MQTT_BROKER=mqtt://host:1883 (or the host field)"
            )
        if self.key_file and not self.cert_file:
            raise ValueError("key_file is set without cert_file: give both (TLS client auth)")
        if (self.ca_file or self.cert_file) and not self.tls:
            raise ValueError("ca_file/cert_file need tls=true (an mqtts:// broker URL)")
        return self

    @property
    def broker_url(self) -> str:
        """The broker as a URL for messages, password masked."""
        scheme = "mqtts" if self.tls else "mqtt"
        login = f"{self.username}:***@" if self.username and self.password else ""
        if self.username and not self.password:
            login = f"{self.username}@"
        return f"{scheme}://{login}{self.host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """``MQTT_<FIELD>`` variables, with ``MQTT_BROKER`` split into host/port/login/TLS."""
        values = super().from_env(env) or {}
        broker = env.get("MQTT_BROKER", "").strip()
        if broker:
            values.update(parse_broker_url(broker))
        return values or None


def parse_broker_url(url: str) -> dict[str, Any]:
    """Config fields of ``mqtt[s]://[user[:password]@]host[:port]``.

    Raises ``ValueError`` naming ``MQTT_BROKER`` (never showing the password) when it is not one.
    """
    shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    if "://" not in url:
        url = "mqtt://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(
            f"MQTT_BROKER={shown}: the scheme must be mqtt:// or mqtts:// "
            "(e.g. mqtt://user:pass@192.168.1.10:1883)"
        )
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError(f"MQTT_BROKER={shown}: the port must be a number 1-65535") from None
    if not parts.hostname:
        raise ValueError(f"MQTT_BROKER={shown}: no host (e.g. mqtt://192.168.1.10:1883)")
    if parts.path not in ("", "/") or parts.query:
        raise ValueError(f"MQTT_BROKER={shown}: no path or query allowed after host:port")
    return {
        "host": parts.hostname,
        "port": port,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "tls": scheme == "mqtts",
    }


# -- topics and payloads ---------------------------------------------------------------------


def safe_id(value: str) -> str:
    """``value`` with every character Home Assistant refuses in ids replaced by ``_``."""
    return _ID_UNSAFE.sub("_", value) or "_"


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


def _device(scope: str) -> dict[str, Any]:
    if scope == "tempo":
        return {
            "identifiers": ["myelectricaldata_tempo"],
            "name": "RTE Tempo",
            "manufacturer": "RTE",
            "model": "Tempo",
        }
    if scope == "ecowatt":
        return {
            "identifiers": ["myelectricaldata_ecowatt"],
            "name": "RTE EcoWatt",
            "manufacturer": "RTE",
            "model": "EcoWatt",
        }
    return {
        "identifiers": [safe_id(f"myelectricaldata_{scope}")],
        "name": f"Linky {scope}",
        "manufacturer": "Enedis",
        "model": "Linky",
        "serial_number": scope,
    }


def discovery_payload(
    value: MeasureValue,
    topics: Topics,
    *,
    qos: int,
    language: str,
) -> dict[str, Any]:
    """Home Assistant MQTT discovery config of a measure, shaped to pass HA's sensor schema.

    HA refuses (or warns on) some combinations: options without ``device_class: enum``, a unit
    or state class on an enum, a unit its device class doesn't take, ``last_reset_value_template``
    without ``state_class: total``. ``total`` is only sent with a ``last_reset``; without one the
    Energy dashboard would take the value for a meter that never resets.
    """
    state_topic = topics.state(value)
    config: dict[str, Any] = {
        "name": value.label_fr if language == "fr" else value.label_en,
        "unique_id": safe_id(f"myelectricaldata_{value.scope}_{value.key}"),
        "state_topic": state_topic,
        "value_template": "{{ value_json.value }}",
        "json_attributes_topic": state_topic,
        "json_attributes_template": "{{ value_json.attributes | tojson }}",
        "availability_topic": topics.status,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "qos": qos,
        "device": _device(value.scope),
        "origin": {"name": "MyElectricalData", "sw_version": __version__},
    }
    device_class = value.device_class
    state_class = value.state_class
    unit = value.unit
    options = list(value.options) if value.options else None
    if device_class == "enum" or (options and device_class is None):
        if options:
            config["device_class"] = "enum"
            config["options"] = options
        return config  # an enum takes neither unit nor state class
    if device_class is not None:
        allowed = HA_DEVICE_CLASS_UNITS.get(device_class)
        if allowed is not None and unit not in allowed:
            log.warning(
                "measure %s: unit %r is not one HA accepts for device_class %s; "
                "device_class left out",
                value.key,
                unit,
                device_class,
            )
            device_class = None
    if device_class is not None and state_class is not None:
        accepted = HA_DEVICE_CLASS_STATE_CLASSES.get(device_class)
        if accepted is not None and state_class not in accepted:
            state_class = None
    if state_class == "total":
        if value.attributes.get("last_reset") is None:
            state_class = None
        else:
            config["last_reset_value_template"] = "{{ value_json.last_reset }}"
    if device_class is not None:
        config["device_class"] = device_class
    if state_class is not None:
        config["state_class"] = state_class
    if unit:
        config["unit_of_measurement"] = unit
    return config


# -- connection ------------------------------------------------------------------------------


class _LastError(logging.Filter):
    """Keeps paho's last warning (e.g. a TLS alert) to explain a failure that only timed out."""

    def __init__(self) -> None:
        super().__init__()
        self.message: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.message = record.getMessage()
        return True


def _client_logger(recorder: _LastError) -> logging.Logger:
    # A logger outside the manager's registry: one per connection, garbage-collected with it.
    # paho's socket errors are not propagated: the failure they cause is reported, with them.
    logger = logging.Logger(f"{__name__}.client", logging.WARNING)
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    logger.addFilter(recorder)
    return logger


class _Connection:
    """A connected client, the task reading its incoming messages, and its lost flag."""

    def __init__(self, client: aiomqtt.Client, recorder: _LastError) -> None:
        self.client = client
        self.recorder = recorder
        self.lost = False
        self.lost_reason = ""
        self.inflight: set[asyncio.Task[None]] = set()
        self.waiters: dict[str, asyncio.Future[aiomqtt.Message]] = {}
        self.collected: dict[str, bytes] | None = None
        #: ``online`` goes out with the first messages sent on this connection.
        self.greeting: Outgoing | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.client.messages:
                topic = message.topic.value
                waiter = self.waiters.get(topic)
                if waiter is not None and not message.retain and not waiter.done():
                    waiter.set_result(message)
                elif self.collected is not None and isinstance(message.payload, bytes):
                    self.collected[topic] = message.payload
        except aiomqtt.MqttError as exc:
            # The broker went away: fail everything in flight now rather than at its timeout.
            self.lost = True
            cause = exc.__cause__ or exc
            self.lost_reason = self.recorder.message or str(cause) or type(cause).__name__
            for task in list(self.inflight):
                task.cancel()
            for waiter in self.waiters.values():
                if not waiter.done():
                    waiter.set_exception(MqttExportError(self.lost_reason))

    async def await_message(self, topic: str, send: Outgoing, seconds: float) -> float:
        """Subscribe to ``topic``, publish ``send`` there and wait for it to come back live.

        Returns the round trip in milliseconds.
        """
        granted = await self.client.subscribe(topic, qos=1, timeout=seconds)
        if any(getattr(code, "is_failure", code == 128) for code in granted):
            raise MqttExportError(
                f"the broker refused the subscription to {topic}: allow this user to "
                "subscribe to it in the broker's ACL"
            )
        waiter: asyncio.Future[aiomqtt.Message] = asyncio.get_running_loop().create_future()
        self.waiters[topic] = waiter
        try:
            started = time.perf_counter()
            await self.client.publish(
                send.topic, send.payload, qos=send.qos, retain=send.retain, timeout=seconds
            )
            try:
                await asyncio.wait_for(waiter, seconds)
            except TimeoutError:
                raise MqttExportError(
                    f"{topic} was published but did not come back within {seconds:g} s: allow "
                    "this user to publish and subscribe under the topic prefix (broker ACL)"
                ) from None
            return (time.perf_counter() - started) * 1000
        finally:
            del self.waiters[topic]
            with contextlib.suppress(aiomqtt.MqttError):
                await self.client.unsubscribe(topic, timeout=seconds)

    async def retained(
        self, filters: Sequence[str], barrier: str, seconds: float
    ) -> dict[str, bytes]:
        """Retained messages matching ``filters``, read until a barrier message comes back.

        The broker queues the retained messages of a SUBSCRIBE before it handles our next
        PUBLISH, so once that PUBLISH is delivered back, every retained message has arrived.
        One SUBSCRIBE and one PUBLISH round trip; the UNSUBSCRIBE is not waited for.
        """
        self.collected = {}
        waiter: asyncio.Future[aiomqtt.Message] = asyncio.get_running_loop().create_future()
        self.waiters[barrier] = waiter
        try:
            await self.client.subscribe([(f, 1) for f in (*filters, barrier)], timeout=seconds)
            await self.client.publish(barrier, b"", qos=1, timeout=seconds)
            await asyncio.wait_for(waiter, seconds)
            return self.collected
        finally:
            self.collected = None
            del self.waiters[barrier]
            task = asyncio.get_running_loop().create_task(
                self._unsubscribe([*filters, barrier], seconds)
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _unsubscribe(self, topics: list[str], seconds: float) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            await self.client.unsubscribe(topics, timeout=seconds)

    async def close(self) -> None:
        """Disconnect cleanly (the broker does not publish the will)."""
        for task in list(self._background):
            task.cancel()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        with contextlib.suppress(aiomqtt.MqttError, OSError, TimeoutError):
            async with asyncio.timeout(2):
                await self.client.__aexit__(None, None, None)


def _explain(exc: BaseException, config: MqttConfig, recorder: _LastError) -> str:
    """A reason for a failed connection that says what to check."""
    where = f"{config.host}:{config.port}"
    text = str(exc)
    if isinstance(exc, MqttConnectError):
        rc = getattr(exc.rc, "value", exc.rc)
        if rc in (4, 5, 134, 135):
            return (
                f"the broker at {where} refused the login ({text}): check the username and "
                "password (MQTT_BROKER=mqtt://user:pass@host:port)"
            )
        return f"the broker at {where} refused the connection: {text}"
    if isinstance(exc, FileNotFoundError | PermissionError):
        return f"cannot read {exc.filename}: check ca_file / cert_file / key_file ({exc.strerror})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS setup failed ({text}): check ca_file, cert_file and key_file"
    lowered = text.lower()
    if "refused" in lowered:
        return (
            f"nothing accepts connections at {where} (connection refused): check the host, "
            "the port (1883 plain, 8883 TLS) and that the broker is running"
        )
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return f"unknown host {config.host!r}: check the broker's name or use its IP address"
    if "certificate verify failed" in lowered:
        return (
            f"the broker's TLS certificate is not trusted ({text}): set ca_file to the CA that "
            "signed it"
        )
    detail = f" (last error: {recorder.message})" if recorder.message else ""
    if "timed out" in lowered or isinstance(exc, TimeoutError):
        return (
            f"no answer from {where} within {config.timeout_seconds:g} s{detail}: check the "
            "port, and TLS (mqtts://, client certificate) against the broker's listener"
        )
    return f"cannot connect to {where}: {text or type(exc).__name__}{detail}"


# -- exporter --------------------------------------------------------------------------------


class MqttExporter(BaseExporter):
    """Publishes latest values, catalogue states and HA discovery to an MQTT broker."""

    name = "mqtt"
    title = "MQTT"
    config_model = MqttConfig
    supports_history = True
    supports_state = True
    batch_size = 5000

    def __init__(self, config: ExporterConfig) -> None:
        super().__init__(config)
        self.config: MqttConfig = (
            config
            if isinstance(config, MqttConfig)
            else MqttConfig.model_validate(config.model_dump())
        )
        self.topics = Topics(self.config.topic_prefix, self.config.ha_discovery_prefix)
        self._conn: _Connection | None = None
        self._connect_lock = asyncio.Lock()
        #: Start of the newest period on each ``latest`` topic (read back once per run).
        self._newest: dict[str, datetime] | None = None

    # -- connection --

    def _redact(self, text: str) -> str:
        secret = self.config.password
        return text.replace(secret, "***") if secret and len(secret) >= 3 else text

    async def _connection(self) -> _Connection:
        async with self._connect_lock:
            if self._conn is not None and not self._conn.lost:
                return self._conn
            if self._conn is not None:
                await self._conn.close()
                self._conn = None
            self._conn = await self._connect()
            return self._conn

    async def _connect(self) -> _Connection:
        cfg = self.config
        if not cfg.host:
            raise MqttExportError(
                "host is not set: configure MQTT_BROKER=mqtt://host:1883 (or the host field)"
            )
        recorder = _LastError()
        tls_params = None
        if cfg.tls:
            await asyncio.to_thread(self._check_tls_files)
            tls_params = aiomqtt.TLSParameters(
                ca_certs=cfg.ca_file or None,
                certfile=cfg.cert_file or None,
                keyfile=cfg.key_file or None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client = aiomqtt.Client(
            cfg.host,
            cfg.port,
            username=cfg.username or None,
            password=(cfg.password or None) if cfg.username else None,
            identifier=cfg.client_id or f"myelectricaldata-{uuid.uuid4().hex[:10]}",
            will=aiomqtt.Will(self.topics.status, OFFLINE.encode(), qos=1, retain=True),
            timeout=cfg.timeout_seconds,
            max_inflight_messages=cfg.max_inflight,
            tls_params=tls_params,
            tls_insecure=(not cfg.tls_verify_hostname) if cfg.tls else None,
            logger=_client_logger(recorder),
            # Without it, Nagle's algorithm and the broker's delayed ACK stall a burst of small
            # publishes for ~40 ms at a time.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        # aiomqtt warns once per publish above this many pending calls; our window bounds them.
        client.pending_calls_threshold = cfg.max_inflight + 10
        try:
            async with asyncio.timeout(cfg.timeout_seconds + 1):
                await client.__aenter__()
        except (aiomqtt.MqttError, OSError, TimeoutError, ssl.SSLError) as exc:
            self._abandon(client)
            raise MqttExportError(self._redact(_explain(exc, cfg, recorder))) from None
        conn = _Connection(client, recorder)
        conn.greeting = self._status(ONLINE)
        return conn

    def _check_tls_files(self) -> None:
        for field in ("ca_file", "cert_file", "key_file"):
            path = getattr(self.config, field)
            if path and not os.access(path, os.R_OK):
                raise MqttExportError(
                    f"{field}: cannot read {path}: give the path of a PEM file this service "
                    "can read"
                )

    @staticmethod
    def _abandon(client: aiomqtt.Client) -> None:
        # A connection that failed half-way (no CONNACK) still holds a socket: close it.
        with contextlib.suppress(Exception):
            client._client.disconnect()

    def _status(self, state: str) -> Outgoing:
        return Outgoing(self.topics.status, state.encode(), max(1, self.config.qos), True)

    async def aclose(self) -> None:
        """Disconnect; the retained ``online`` stays (the will reports a crash)."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    # -- publishing --

    async def _publish(self, conn: _Connection, messages: Iterable[Outgoing]) -> int:
        """Publish in order with at most ``max_inflight`` unacknowledged; all acked or raise."""
        window = asyncio.Semaphore(self.config.max_inflight)
        failures: list[BaseException] = []
        pending: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        client = conn.client
        timeout = self.config.timeout_seconds

        def finished(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            conn.inflight.discard(task)
            window.release()
            error = None if task.cancelled() else task.exception()
            if error is not None:
                failures.append(error)

        sent = 0
        try:
            for msg in messages:
                await window.acquire()
                if failures or conn.lost:
                    window.release()
                    break
                task = loop.create_task(
                    client.publish(
                        msg.topic, msg.payload, qos=msg.qos, retain=msg.retain, timeout=timeout
                    )
                )
                pending.add(task)
                conn.inflight.add(task)
                task.add_done_callback(finished)
                sent += 1
            while pending:
                await asyncio.wait(set(pending))
        except BaseException:
            for task in pending:
                task.cancel()
            raise
        if conn.lost:
            raise MqttExportError(
                f"connection to {self.config.broker_url} lost ({conn.lost_reason}); "
                "unacknowledged messages will be sent again by the next attempt"
            )
        if failures:
            first = failures[0]
            # After an unacknowledged publish the session state is unknown: start a new one.
            conn.lost = True
            conn.lost_reason = str(first) or type(first).__name__
            raise MqttExportError(
                self._redact(
                    f"{len(failures)} of {sent} messages not acknowledged by "
                    f"{self.config.broker_url}: {first or type(first).__name__}"
                )
            )
        return sent

    async def _send(self, messages: Iterable[Outgoing]) -> int:
        conn = await self._connection()
        if conn.greeting is not None:
            messages = itertools.chain([conn.greeting], messages)
            conn.greeting = None
        return await self._publish(conn, messages)

    # -- latest topics --

    async def _known_newest(self) -> dict[str, datetime]:
        if self._newest is not None:
            return self._newest
        newest: dict[str, datetime] = {}
        if self.config.retain:
            conn = await self._connection()
            try:
                found = await conn.retained(
                    self.topics.latest_filters(),
                    f"{self.topics.prefix}/_sync/{conn.client.identifier}",
                    self.config.timeout_seconds,
                )
            except TimeoutError:
                # The connection works but our own marker never came back: an ACL that lets
                # us publish but not read. Publishing still works; only the ordering guard goes.
                log.warning(
                    "mqtt: cannot read %s/... back (broker ACL?): latest topics will follow "
                    "every batch, even an older backfilled one",
                    self.topics.prefix,
                )
                found = {}
            except aiomqtt.MqttError as exc:
                raise MqttExportError(
                    f"could not read the retained latest values back from "
                    f"{self.config.broker_url}: {exc or type(exc).__name__}"
                ) from None
            for topic, raw in found.items():
                with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
                    newest[topic] = datetime.fromisoformat(json.loads(raw)["start"])
        self._newest = newest
        return newest

    async def _latest_and_stream(
        self, latest_topic: str, newest: tuple[datetime, bytes] | None, stream: Iterator[Outgoing]
    ) -> None:
        """Publish the stream (if any), then move the latest topic if the batch is newer."""
        known = await self._known_newest()
        messages: list[Outgoing] = []
        moved: datetime | None = None
        if newest is not None:
            start, payload = newest
            current = known.get(latest_topic)
            # Equal start: the same period corrected, so it is published again.
            if current is None or start >= current:
                messages.append(
                    Outgoing(latest_topic, payload, self.config.qos, self.config.retain)
                )
                moved = start

        def everything() -> Iterator[Outgoing]:
            yield from stream
            yield from messages

        await self._send(everything())
        if moved is not None:
            known[latest_topic] = moved

    async def _export_series(self, data: SeriesData) -> ExportResult:
        if not data.points:
            return ExportResult(True, 0)
        unit = data.unit
        newest = data.points[-1]  # batches come oldest first
        latest = self.topics.latest(data.pdl, data.stream)
        payload = encode_payload(point_payload(data.pdl, unit, data.stream, newest))

        def stream() -> Iterator[Outgoing]:
            if not self.config.history_stream:
                return
            topic = self.topics.history(data.pdl, data.stream)
            for p in data.points:
                body = encode_payload(point_payload(data.pdl, unit, data.stream, p))
                yield Outgoing(topic, body, self.config.qos, False)

        try:
            await self._latest_and_stream(latest, (newest.start, payload), stream())
        except MqttExportError as exc:
            return ExportResult(False, 0, str(exc))
        return ExportResult(True, len(data.points))

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Move ``{prefix}/{pdl}/consumption/<daily|load_curve>`` or ``.../max_power``."""
        return await self._export_series(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Move ``{prefix}/{pdl}/production/<daily|load_curve>``."""
        return await self._export_series(data)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Move ``{prefix}/tempo/latest`` to the newest colour of the batch."""
        if not data.days:
            return ExportResult(True, 0)

        def body(day: TempoDay) -> tuple[datetime, bytes]:
            # A Tempo day runs from 06:00 to 06:00 the next day.
            start = local_midnight(day.day) + timedelta(hours=6)
            payload = {
                "value": day.color.value,
                "code": TEMPO_CODE[day.color],
                "unit": None,
                "date": day.day.isoformat(),
                "quality": None,
                "timestamp": start.isoformat(),
                "start": start.isoformat(),
                "end": (local_midnight(day.day + timedelta(days=1)) + timedelta(hours=6))
                .isoformat(),
                "updated_at": _iso(day.updated_at),
            }  # fmt: skip
            return start, encode_payload(payload)

        def stream() -> Iterator[Outgoing]:
            if self.config.history_stream:
                for day in data.days:
                    yield Outgoing(f"{self.topics.prefix}/history/tempo", body(day)[1],
                                   self.config.qos, False)  # fmt: skip

        newest = data.days[-1]  # oldest first
        try:
            await self._latest_and_stream(self.topics.tempo_latest, body(newest), stream())
        except MqttExportError as exc:
            return ExportResult(False, 0, str(exc))
        return ExportResult(True, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """Move ``{prefix}/ecowatt/latest`` to the newest EcoWatt day of the batch."""
        if not data.days:
            return ExportResult(True, 0)

        def body(day: EcoWattDay) -> tuple[datetime, bytes]:
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

        def stream() -> Iterator[Outgoing]:
            if self.config.history_stream:
                for day in data.days:
                    yield Outgoing(f"{self.topics.prefix}/history/ecowatt", body(day)[1],
                                   self.config.qos, False)  # fmt: skip

        newest = data.days[-1]  # oldest first
        try:
            await self._latest_and_stream(self.topics.ecowatt_latest, body(newest), stream())
        except MqttExportError as exc:
            return ExportResult(False, 0, str(exc))
        return ExportResult(True, len(data.days))

    # -- state --

    def state_messages(self, snapshot: StateSnapshot) -> list[Outgoing]:
        """Discovery configs (if enabled), then every measure's state, then the groups."""
        cfg = self.config
        messages: list[Outgoing] = []
        if cfg.ha_discovery:
            for value in snapshot.values:
                config = discovery_payload(
                    value, self.topics, qos=max(1, cfg.qos), language=cfg.ha_language
                )
                # Discovery configs are always retained: HA reads them again when it restarts.
                messages.append(
                    Outgoing(
                        self.topics.discovery(value), encode_payload(config), max(1, cfg.qos), True
                    )
                )
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        computed = snapshot.computed_at.astimezone(PARIS).isoformat()
        for value in snapshot.values:
            body = measure_payload(value, snapshot.computed_at)
            messages.append(
                Outgoing(self.topics.state(value), encode_payload(body), cfg.qos, cfg.retain)
            )
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
            messages.append(
                Outgoing(self.topics.group(scope, group), encode_payload(body), cfg.qos, cfg.retain)
            )
        return messages

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Publish the catalogue's values (and their HA discovery configs first)."""
        try:
            await self._send(self.state_messages(snapshot))
        except MqttExportError as exc:
            return ExportResult(False, 0, str(exc))
        return ExportResult(True, len(snapshot.values))

    # -- test --

    async def test_connection(self) -> ConnectionTestResult:
        """Connect, then publish ``online`` on the status topic and receive it back."""
        cfg = self.config
        started = time.perf_counter()
        try:
            conn = await self._connection()
            conn.greeting = None  # the round trip below publishes it
            round_trip = await conn.await_message(
                self.topics.status, self._status(ONLINE), cfg.timeout_seconds
            )
        except (MqttExportError, aiomqtt.MqttError, TimeoutError) as exc:
            return ConnectionTestResult(
                False,
                f"MQTT broker {cfg.broker_url}: test failed",
                error=self._redact(str(exc) or f"no answer from {cfg.broker_url} in time"),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        return ConnectionTestResult(
            True,
            f"connected to {cfg.broker_url}; {self.topics.status} published and received back "
            f"in {round_trip:.0f} ms",
            latency_ms=(time.perf_counter() - started) * 1000,
        )
