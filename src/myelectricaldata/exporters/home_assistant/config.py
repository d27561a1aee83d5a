"""Configuration of the ``home_assistant`` exporter (``HOMEASSISTANT_*`` variables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.base import ExporterConfig, secret_field
from myelectricaldata.exporters.home_assistant.statistics import validate_prefix


class HomeAssistantConfig(ExporterConfig):
    """Where Home Assistant is, its token, and which of the three paths to use.

    Statistics go over the WebSocket API; entities over MQTT discovery when a broker is known
    (``mqtt_broker``, or the ``mqtt`` exporter's broker), else over the REST API.
    """

    # The token must never be echoed back in a validation error.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)

    env_prefix: ClassVar[str] = "HOMEASSISTANT"

    url: str = Field(
        "", description="Home Assistant address, e.g. http://homeassistant.local:8123."
    )
    token: str = secret_field(
        "", "Long-lived access token of an administrator (HA profile > Security)."
    )
    verify_tls: bool = Field(True, description="Check Home Assistant's TLS certificate (https).")
    statistics: bool = Field(
        True, description="Import long-term statistics (Energy dashboard) over the WebSocket API."
    )
    statistic_id_prefix: str = Field(
        "myelectricaldata",
        description="Domain of the statistic ids (<prefix>:<pdl>_hc_consumption) and source.",
    )
    pdls: list[str] = Field(
        default_factory=list, description="Only these usage points (empty: all of them)."
    )
    consumption: bool = Field(True, description="Export consumption (and its cost).")
    production: bool = Field(True, description="Export production (and its revenue).")
    cost: bool = Field(
        True,
        description="Also import cost statistics (EUR), priced with the saved tariff prices.",
    )
    entities: Literal["auto", "mqtt", "rest", "off"] = Field(
        "auto",
        description="Entities: mqtt (discovery), rest (POST /api/states), auto (mqtt when a "
        "broker is known, else rest) or off.",
    )
    mqtt_broker: str = secret_field(
        "", "Broker for the entities, mqtt[s]://user:pass@host:1883 (empty: see mqtt_reuse)."
    )
    mqtt_reuse: bool = Field(
        True, description="Without mqtt_broker, publish through the mqtt exporter's broker."
    )
    mqtt_topic_prefix: str = Field(
        "myelectricaldata", description="Root of the state topics (with mqtt_broker)."
    )
    mqtt_discovery_prefix: str = Field(
        "homeassistant", description="Discovery prefix Home Assistant listens on."
    )
    language: Literal["fr", "en"] = Field("fr", description="Language of the entity names.")
    max_message_bytes: int = Field(
        1_000_000,
        ge=20_000,
        le=4_000_000,
        description="Largest WebSocket message (HA refuses over 4 MiB); imports are cut to fit.",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Seconds to wait for a connection or an answer."
    )
    import_wait_seconds: float = Field(
        300.0,
        gt=0,
        le=3600,
        description="Seconds to wait for HA's recorder to store an import before failing.",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(
                "url must start with http:// or https:// (e.g. http://homeassistant.local:8123)"
            )
        return value

    @field_validator("statistic_id_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return validate_prefix(value.strip())

    @field_validator("pdls")
    @classmethod
    def _pdls(cls, value: list[str]) -> list[str]:
        return [validate_pdl(p.strip(), "pdls") for p in value if p.strip()]

    @model_validator(mode="after")
    def _consistent(self) -> HomeAssistantConfig:
        if self.enabled and not self.url:
            raise ValueError(
                "url is required when the Home Assistant export is enabled: set "
                "HOMEASSISTANT_URL=http://homeassistant.local:8123 (or the url field)"
            )
        if self.enabled and not self.token:
            raise ValueError(
                "token is required when the Home Assistant export is enabled: create a "
                "long-lived access token in your HA profile and set HOMEASSISTANT_TOKEN"
            )
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """``HOMEASSISTANT_URL``, ``HOMEASSISTANT_TOKEN``, ``HOMEASSISTANT_ENABLED`` and the
        other ``HOMEASSISTANT_<FIELD>`` variables; ``HOMEASSISTANT_PDLS`` is comma-separated."""
        values = super().from_env(env)
        if values and isinstance(values.get("pdls"), str):
            values["pdls"] = [p for p in values["pdls"].split(",") if p.strip()]
        return values

    def wants(self, pdl: str) -> bool:
        """True if ``pdl`` is exported."""
        return not self.pdls or pdl in self.pdls
