"""Configuration of the ``mqtt`` exporter (``MQTT_BROKER`` and ``MQTT_*`` variables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit

from pydantic import ConfigDict, field_validator, model_validator

from myelectricaldata.exporters.destination import Destination
from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.support.redaction import MASK, redact

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
_TOPIC_FORBIDDEN = ("+", "#", "\x00")


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
    summary: ClassVar[Translated | None] = Translated(
        "Adresse du broker (tirée de `MQTT_BROKER`), topics, QoS, messages retenus et "
        "découverte Home Assistant.",
        "Broker address (split from `MQTT_BROKER`), topics, QoS, retained messages and Home "
        "Assistant discovery.",
    )

    host: str = setting(
        "",
        destination=True,
        fr=(
            "Hôte du broker",
            "Nom d'hôte ou adresse IP du broker (de "
            "MQTT_BROKER=mqtt://utilisateur:motdepasse@hôte:1883).",
        ),
        en=("Broker host", "Broker host name or IP (from MQTT_BROKER=mqtt://user:pass@host:1883)."),
    )
    port: int = setting(
        1883,
        destination=True,
        ge=1,
        le=65535,
        fr=("Port", "Port du broker (1883 en clair, 8883 en TLS)."),
        en=("Port", "Broker port (1883 plain, 8883 TLS)."),
    )
    username: str = setting(
        "",
        fr=("Utilisateur", "Nom d'utilisateur, si le broker demande une connexion."),
        en=("Username", "User name, if the broker requires a login."),
    )
    password: str = setting(
        "",
        secret=True,
        fr=(
            "Mot de passe",
            "Mot de passe de cet utilisateur (chiffré dans la base, jamais affiché).",
        ),
        en=("Password", "Password of that user (encrypted at rest, never shown)."),
    )
    tls: bool = setting(
        False,
        destination=True,
        fr=("TLS", "Connexion chiffrée (mqtts://)."),
        en=("TLS", "Connect with TLS (mqtts://)."),
    )
    ca_file: str = setting(
        "",
        fr=(
            "Fichier de l'autorité (CA)",
            "Fichier PEM de l'autorité qui a signé le certificat du broker (TLS) ; vide : les "
            "autorités de confiance du système.",
        ),
        en=(
            "CA file",
            "PEM file of the CA that signed the broker's certificate (TLS); empty: the system's "
            "trusted CAs.",
        ),
    )
    cert_file: str = setting(
        "",
        fr=("Certificat client", "Fichier PEM du certificat client (authentification TLS)."),
        en=("Client certificate", "Client certificate PEM file (TLS client authentication)."),
    )
    key_file: str = setting(
        "",
        fr=("Clé du certificat client", "Fichier PEM de la clé privée du certificat client."),
        en=("Client key", "Private key PEM file of the client certificate."),
    )
    tls_verify_hostname: bool = setting(
        True,
        fr=(
            "Vérifier le nom d'hôte",
            "Vérifie que le certificat du broker porte le nom de l'hôte (TLS).",
        ),
        en=("Verify the host name", "Check that the broker's certificate names the host (TLS)."),
    )
    client_id: str = setting(
        "",
        fr=("Identifiant client MQTT", "Vide : myelectricaldata- suivi d'un suffixe aléatoire."),
        en=("MQTT client id", "Empty: myelectricaldata- and a random suffix."),
    )
    topic_prefix: str = setting(
        "myelectricaldata",
        fr=("Préfixe des topics", "Racine de tous les topics publiés."),
        en=("Topic prefix", "Root of every published topic."),
    )
    qos: int = setting(
        1,
        ge=0,
        le=2,
        fr=("QoS", "Qualité de service des topics de données : 0, 1 ou 2."),
        en=("QoS", "Quality of service of the data topics: 0, 1 or 2."),
    )
    retain: bool = setting(
        True,
        fr=("Messages retenus", "Publie les topics de données en messages retenus (retain)."),
        en=("Retained messages", "Publish the data topics as retained messages."),
    )
    ha_discovery: bool = setting(
        False,
        fr=(
            "Découverte Home Assistant",
            "Publie la configuration de découverte MQTT de Home Assistant de chaque mesure.",
        ),
        en=(
            "Home Assistant discovery",
            "Publish the Home Assistant MQTT discovery config of every measure.",
        ),
    )
    ha_discovery_prefix: str = setting(
        "homeassistant",
        fr=("Préfixe de découverte", "Préfixe de découverte qu'écoute Home Assistant."),
        en=("Discovery prefix", "Discovery prefix Home Assistant listens on."),
    )
    ha_language: Literal["fr", "en"] = setting(
        "fr",
        fr=("Langue des entités", "Langue des noms d'entités envoyés à Home Assistant."),
        en=("Entity language", "Language of the entity names sent to Home Assistant."),
    )
    history_stream: bool = setting(
        False,
        fr=(
            "Flux d'historique",
            "Publie aussi chaque point de chaque lot d'historique (non retenu) sous "
            "{préfixe}/history/, pour qui le stocke (Telegraf, Node-RED).",
        ),
        en=(
            "History stream",
            "Also publish every point of each history batch (not retained) under "
            "{prefix}/history/, for consumers that store it (Telegraf, Node-RED).",
        ),
    )
    max_inflight: int = setting(
        100,
        ge=1,
        le=1000,
        fr=(
            "Publications en attente",
            "Publications attendant leur accusé de réception en même temps.",
        ),
        en=("Publishes in flight", "Publishes awaiting their acknowledgement at once."),
    )
    timeout_seconds: float = setting(
        5.0,
        gt=0,
        le=60,
        fr=(
            "Délai d'attente (s)",
            "Secondes d'attente de la connexion et de chaque accusé de réception.",
        ),
        en=("Timeout (s)", "Seconds to wait for the connection and for each acknowledgement."),
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

    def destination(self) -> Destination:
        """The broker as ``mqtt[s]://host:port``: where the password goes."""
        scheme = "mqtts" if self.tls else "mqtt"
        return Destination.of(
            {"broker": f"{scheme}://{self.host}:{self.port}" if self.host else ""}
        )

    @property
    def broker_url(self) -> str:
        """The broker as a URL for messages, password masked."""
        scheme = "mqtts" if self.tls else "mqtt"
        login = f"{self.username}:{MASK}@" if self.username and self.password else ""
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
    if "://" not in url:
        url = "mqtt://" + url
    shown = redact(url)
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
