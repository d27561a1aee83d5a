"""Configuration of the ``home_assistant`` exporter (``HOMEASSISTANT_*`` variables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, field_validator, model_validator

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.home_assistant.statistics import validate_prefix


class HomeAssistantConfig(ExporterConfig):
    """Where Home Assistant is, its token, and which of the three paths to use.

    Statistics go over the WebSocket API; entities over MQTT discovery when a broker is known
    (``mqtt_broker``, or the ``mqtt`` exporter's broker), else over the REST API.
    """

    # The token must never be echoed back in a validation error.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)

    env_prefix: ClassVar[str] = "HOMEASSISTANT"
    summary: ClassVar[Translated | None] = Translated(
        "Où est Home Assistant, son jeton, et par quel chemin passer. Les statistiques passent "
        "par l'API WebSocket ; les entités par la découverte MQTT quand un broker est connu "
        "(« Broker MQTT » ci-dessous, ou celui de l'export MQTT), sinon par l'API REST.",
        "Where Home Assistant is, its token, and which path to use. Statistics go over the "
        "WebSocket API; entities over MQTT discovery when a broker is known (“MQTT broker” "
        "below, or the MQTT export's broker), else over the REST API.",
    )

    url: str = setting(
        "",
        destination=True,
        fr=("Adresse de Home Assistant", "Par exemple http://homeassistant.local:8123."),
        en=("Home Assistant address", "For example http://homeassistant.local:8123."),
    )
    token: str = setting(
        "",
        secret=True,
        fr=(
            "Jeton d'accès",
            "Jeton d'accès longue durée d'un administrateur (profil HA > Sécurité).",
        ),
        en=("Access token", "Long-lived access token of an administrator (HA profile > Security)."),
    )
    verify_tls: bool = setting(
        True,
        fr=("Vérifier le certificat TLS", "Vérifie le certificat TLS de Home Assistant (https)."),
        en=("Verify the TLS certificate", "Check Home Assistant's TLS certificate (https)."),
    )
    statistics: bool = setting(
        True,
        fr=(
            "Statistiques longue durée",
            "Importe les statistiques longue durée (tableau de bord Énergie) par l'API WebSocket.",
        ),
        en=(
            "Long-term statistics",
            "Import long-term statistics (Energy dashboard) over the WebSocket API.",
        ),
    )
    statistic_id_prefix: str = setting(
        "myelectricaldata",
        fr=(
            "Préfixe des statistiques",
            "Domaine des identifiants de statistiques (`<préfixe>:<pdl>_hc_consumption`) et "
            "leur source.",
        ),
        en=(
            "Statistic id prefix",
            "Domain of the statistic ids (`<prefix>:<pdl>_hc_consumption`) and their source.",
        ),
    )
    pdls: list[str] = setting(
        default_factory=list,
        fr=("Points de livraison exportés", "Seulement ces points de livraison (vide : tous)."),
        en=("Usage points exported", "Only these usage points (empty: all of them)."),
    )
    consumption: bool = setting(
        True,
        fr=("Consommation", "Exporte la consommation (et son coût)."),
        en=("Consumption", "Export consumption (and its cost)."),
    )
    production: bool = setting(
        True,
        fr=("Production", "Exporte la production (et sa revente)."),
        en=("Production", "Export production (and its revenue)."),
    )
    cost: bool = setting(
        True,
        fr=(
            "Coût",
            "Importe aussi les statistiques de coût (€), calculées avec les prix des Paramètres.",
        ),
        en=("Cost", "Also import cost statistics (EUR), priced with the prices of the Settings."),
    )
    entities: Literal["auto", "mqtt", "rest", "off"] = setting(
        "auto",
        fr=(
            "Entités",
            "mqtt (découverte MQTT), rest (POST /api/states), auto (mqtt quand un broker est "
            "connu, sinon rest) ou off (aucune).",
        ),
        en=(
            "Entities",
            "mqtt (MQTT discovery), rest (POST /api/states), auto (mqtt when a broker is known, "
            "else rest) or off (none).",
        ),
    )
    mqtt_broker: str = setting(
        "",
        secret=True,
        # The URL holds its own password: sent back masked, it is reused whole.
        destination=True,
        fr=(
            "Broker MQTT",
            "Broker des entités, mqtt[s]://utilisateur:motdepasse@hôte:1883 (vide : voir "
            "« Réutiliser le broker de l'export MQTT »).",
        ),
        en=(
            "MQTT broker",
            "Broker for the entities, mqtt[s]://user:pass@host:1883 (empty: see “Reuse the MQTT "
            "export's broker”).",
        ),
    )
    mqtt_reuse: bool = setting(
        True,
        fr=(
            "Réutiliser le broker de l'export MQTT",
            "Sans « Broker MQTT », publie par le broker de l'export MQTT.",
        ),
        en=(
            "Reuse the MQTT export's broker",
            "Without an “MQTT broker”, publish through the MQTT export's broker.",
        ),
    )
    mqtt_topic_prefix: str = setting(
        "myelectricaldata",
        fr=("Préfixe des topics MQTT", "Racine des topics d'état (avec « Broker MQTT »)."),
        en=("MQTT topic prefix", "Root of the state topics (with “MQTT broker”)."),
    )
    mqtt_discovery_prefix: str = setting(
        "homeassistant",
        fr=("Préfixe de découverte MQTT", "Préfixe de découverte qu'écoute Home Assistant."),
        en=("MQTT discovery prefix", "Discovery prefix Home Assistant listens on."),
    )
    language: Literal["fr", "en"] = setting(
        "fr",
        fr=("Langue des entités", "Langue des noms des entités."),
        en=("Entity language", "Language of the entity names."),
    )
    max_message_bytes: int = setting(
        1_000_000,
        ge=20_000,
        le=4_000_000,
        fr=(
            "Taille maximale d'un message (octets)",
            "Plus gros message WebSocket (HA refuse au-delà de 4 Mio) ; les imports sont "
            "découpés en conséquence.",
        ),
        en=(
            "Largest message (bytes)",
            "Largest WebSocket message (HA refuses over 4 MiB); imports are cut to fit.",
        ),
    )
    timeout_seconds: float = setting(
        30.0,
        gt=0,
        le=600,
        fr=("Délai d'attente (s)", "Secondes d'attente d'une connexion ou d'une réponse."),
        en=("Timeout (s)", "Seconds to wait for a connection or an answer."),
    )
    import_wait_seconds: float = setting(
        300.0,
        gt=0,
        le=3600,
        fr=(
            "Attente d'un import (s)",
            "Secondes laissées à l'enregistreur de HA pour stocker un import avant d'échouer.",
        ),
        en=(
            "Import wait (s)",
            "Seconds to wait for HA's recorder to store an import before failing.",
        ),
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
