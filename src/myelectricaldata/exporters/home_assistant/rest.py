"""Entities without a broker: ``POST /api/states/<entity_id>`` (201 created, 200 updated).

Entity ids are ``sensor.med_<pdl>_<key>``, ``sensor.med_tempo_...``, ``sensor.med_ecowatt_...``
(the card entities keep their ``sensor.linky_<pdl>_...`` ids); Home Assistant keeps them until
it restarts (they are not in its entity registry). Classes and units come from the same entity
descriptions as MQTT discovery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from myelectricaldata.exporters.base import MeasureValue
from myelectricaldata.exporters.entities import describe, safe_id
from myelectricaldata.exporters.home_assistant.entities import (
    CARD_NAMES,
    OFFPEAK_KEY,
    EntitiesError,
)

#: Concurrent ``POST /api/states`` requests.
REST_CONCURRENCY = 8


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
    # The description drops the unit, device class and state class HA would refuse.
    description = describe(value, language)
    attributes: dict[str, Any] = {
        "friendly_name": (
            value.label_fr if language == "fr" else value.label_en
        ) if value.key not in CARD_NAMES else f"Linky {value.scope} {CARD_NAMES[value.key]}",
    }  # fmt: skip
    if description.unit:
        attributes["unit_of_measurement"] = description.unit
    if description.device_class is not None:
        attributes["device_class"] = description.device_class
    if description.state_class is not None:
        attributes["state_class"] = description.state_class
    if description.options:
        attributes["options"] = list(description.options)
    if value.date is not None:
        attributes["date"] = value.date
    if value.quality is not None:
        attributes["quality"] = value.quality
    attributes.update(value.attributes)
    if "last_reset" in value.attributes and description.state_class != "total":
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
