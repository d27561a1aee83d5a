"""Entities: the catalogue's measures as Home Assistant entities, over MQTT discovery or REST.

MQTT discovery reuses the ``mqtt`` exporter (:mod:`myelectricaldata.exporters.mqtt`): its topics,
its discovery payloads (which already respect HA's sensor schema rules), its acknowledged
publishing. :class:`DiscoveryPublisher` adds what only Home Assistant needs:

- ``sensor.linky_<pdl>_consumption`` (and ``_production``): yesterday's value carrying the
  attributes of the Linky Lovelace card (content-card-linky), named ``consumption`` in the device
  ``Linky <pdl>`` so that HA derives exactly that entity id on every version;
- ``binary_sensor.linky_<pdl>_offpeak``: on during off-peak hours (HC) under the schedule in
  force today (date-versioned), or the Tempo HC hours; attributes ``next_change`` and ``ranges``.

Without a broker the same values are posted to ``POST /api/states/<entity_id>`` (entity ids
``sensor.med_<pdl>_<key>``, ``sensor.med_tempo_...``, ``sensor.med_ecowatt_...``), which HA keeps
until it restarts (they are not in its entity registry).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from myelectricaldata.domain.offpeak import OffpeakSchedule
from myelectricaldata.domain.tempo import DAY_START_HOUR, HC_START_HOUR
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import PricingOption
from myelectricaldata.exporters.base import ExporterConfig, MeasureValue, StateSnapshot
from myelectricaldata.exporters.mqtt.exporter import (
    MqttConfig,
    MqttExporter,
    Outgoing,
    Topics,
    discovery_payload,
    encode_payload,
    measure_payload,
    safe_id,
)
from myelectricaldata.store.repo import Store, StoredUsagePoint

#: Catalogue measures that also feed the Linky card entity, and that entity's key.
CARD_KEYS = {
    "consumption_yesterday": "linky_consumption",
    "production_yesterday": "linky_production",
}
#: Names that make HA derive ``sensor.linky_<pdl>_consumption`` from the device ``Linky <pdl>``.
CARD_NAMES = {"linky_consumption": "consumption", "linky_production": "production"}
OFFPEAK_KEY = "offpeak"
#: Concurrent ``POST /api/states`` requests.
REST_CONCURRENCY = 8


class EntitiesError(Exception):
    """Home Assistant (or the broker) refused or missed some entity states."""


@dataclass(frozen=True, slots=True)
class OffpeakNow:
    """Whether a contract is in off-peak hours at an instant, and when that changes."""

    on: bool
    next_change: datetime | None
    ranges: str


def _tempo_schedule() -> OffpeakSchedule:
    from myelectricaldata.domain.offpeak import OffpeakRange

    return OffpeakSchedule((OffpeakRange(HC_START_HOUR * 60, DAY_START_HOUR * 60),), "Tempo HC")


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
    """The Linky card entities: copies of yesterday's values under their card keys."""
    out = []
    for value in snapshot.values:
        key = CARD_KEYS.get(value.key)
        if key is not None and value.scope.isdigit():
            name = CARD_NAMES[key]
            out.append(dataclasses.replace(value, key=key, label_fr=name, label_en=name))
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


def read_offpeak(store: Store, pdls: Sequence[str], now: datetime) -> dict[str, OffpeakNow]:
    """Off-peak state of each PDL (blocking: run it in a thread)."""
    found: dict[str, OffpeakNow] = {}
    for stored in store.usage_points():
        if stored.point.pdl in pdls:
            state = offpeak_now(stored, now)
            if state is not None:
                found[stored.point.pdl] = state
    return found


# -- MQTT discovery --------------------------------------------------------------------------


class DiscoveryPublisher(MqttExporter):
    """The ``mqtt`` exporter's discovery and state publishing, plus the card entities and the
    off-peak binary sensors (set :attr:`offpeak` before :meth:`export_state`)."""

    def __init__(self, config: MqttConfig) -> None:
        super().__init__(config.model_copy(update={"ha_discovery": True}))
        self.offpeak: dict[str, OffpeakNow] = {}

    def state_messages(self, snapshot: StateSnapshot) -> list[Outgoing]:
        """The catalogue's discovery configs and states, then the Home Assistant extras."""
        cfg = self.config
        qos = max(1, cfg.qos)
        extended = StateSnapshot(
            snapshot.computed_at, [*snapshot.values, *card_values(snapshot)],
            snapshot.usage_points,
        )  # fmt: skip
        messages = super().state_messages(extended)
        for value in offpeak_values(snapshot, self.offpeak):
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


def mqtt_config_of(
    broker_url: str, *, topic_prefix: str, discovery_prefix: str, language: str
) -> MqttConfig:
    """A broker given as ``mqtt[s]://user:pass@host:port`` as the ``mqtt`` exporter's config."""
    from myelectricaldata.exporters.mqtt.exporter import parse_broker_url

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


def load_peer_config(store: Store, name: str) -> ExporterConfig:
    """Another exporter's config in force (saved, else environment), its secrets decrypted
    with the service's key (``MED_SECRET_KEY`` or the data directory's ``secret.key``)."""
    from myelectricaldata.config import Settings
    from myelectricaldata.crypto import SecretBox
    from myelectricaldata.exporters.registry import ConfigStore, Registry
    from myelectricaldata.store.exports import ExportRepo

    settings = Settings()
    key = settings.med_secret_key.get_secret_value().encode()
    path = settings.med_data_dir / "secret.key"
    if not key and path.exists():
        key = path.read_bytes().strip()
    if not key:
        raise EntitiesError(
            "mqtt_reuse: the service's secret key (MED_SECRET_KEY or secret.key) is not "
            "available to read the mqtt exporter's settings: set mqtt_broker instead"
        )
    configs = ConfigStore(Registry(plugins=False), ExportRepo(store), SecretBox(key), os.environ)
    return configs.load(name)


# -- REST ------------------------------------------------------------------------------------


def rest_entity_id(value: MeasureValue) -> str:
    """Entity id of a value posted over REST."""
    if value.key in CARD_NAMES:
        return f"sensor.linky_{safe_id(value.scope)}_{CARD_NAMES[value.key]}".lower()
    domain = "binary_sensor" if value.key == OFFPEAK_KEY else "sensor"
    key, scope = value.key, value.scope
    object_id = key if key.startswith(scope + "_") or key == scope else f"{scope}_{key}"
    return f"{domain}.med_{safe_id(object_id)}".lower()


def rest_body(value: MeasureValue, language: str) -> dict[str, Any]:
    """``{"state", "attributes"}`` of a value: HA's classes where it accepts them (the same
    rules as the MQTT discovery payload) and the measure's own attributes."""
    # discovery_payload drops the unit, device class and state class HA would refuse.
    shaped = discovery_payload(value, Topics("x", "y"), qos=1, language=language)
    attributes: dict[str, Any] = {
        "friendly_name": (
            value.label_fr if language == "fr" else value.label_en
        ) if value.key not in CARD_NAMES else f"Linky {value.scope} {CARD_NAMES[value.key]}",
    }  # fmt: skip
    for key in ("unit_of_measurement", "device_class", "state_class", "options"):
        if key in shaped:
            attributes[key] = shaped[key]
    if value.date is not None:
        attributes["date"] = value.date
    if value.quality is not None:
        attributes["quality"] = value.quality
    attributes.update(value.attributes)
    if "last_reset" in value.attributes and shaped.get("state_class") != "total":
        attributes.pop("last_reset")
    return {"state": _state_text(value), "attributes": attributes}


def _state_text(value: MeasureValue) -> str:
    if value.key == OFFPEAK_KEY:
        return "on" if value.value == "ON" else "off"
    raw = value.value
    if raw is None:
        return "unknown"
    if isinstance(raw, bool):
        return "on" if raw else "off"
    return str(raw)[:255]


class RestPublisher:
    """Posts entity states to ``/api/states/<entity_id>`` (201 created, 200 updated)."""

    def __init__(
        self, url: str, token: str, *, timeout: float, verify_tls: bool, language: str
    ) -> None:
        self.url = url
        self.language = language
        self._client = httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            verify=verify_tls,
        )

    async def publish(self, values: Sequence[MeasureValue]) -> int:
        """Post every value; raises :class:`EntitiesError` naming what to fix on a refusal."""
        window = asyncio.Semaphore(REST_CONCURRENCY)
        failures: list[str] = []

        async def post(value: MeasureValue) -> None:
            entity_id = rest_entity_id(value)
            async with window:
                try:
                    response = await self._client.post(
                        f"/api/states/{entity_id}", json=rest_body(value, self.language)
                    )
                except httpx.HTTPError as exc:
                    failures.append(
                        f"cannot reach {self.url} ({type(exc).__name__}: {exc}): check url"
                    )
                    return
            if response.status_code == 401:
                failures.append(
                    "token: Home Assistant answered 401 (the token is wrong or is not an "
                    "administrator's): create a long-lived access token as an admin"
                )
            elif response.status_code not in (200, 201):
                failures.append(f"{entity_id}: HTTP {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(post(v) for v in values))
        if failures:
            raise EntitiesError(f"{len(failures)} of {len(values)} states refused: {failures[0]}")
        return len(values)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


PeerConfig = Callable[[str], ExporterConfig]
