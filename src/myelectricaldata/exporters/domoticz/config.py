"""Configuration of the ``domoticz`` exporter (``DOMOTICZ_*`` variables): each field with its
French and English label and help, which the web UI's form and the API's schema show."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, field_validator, model_validator

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.domoticz.catalogue import CATALOGUE, unknown_keys
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.protocol import AuthMode, DomoticzAuth
from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.http import (
    check_base_url,
    parse_pairs,
    timeout_field,
    verify_tls_field,
)

_PDL = re.compile(r"^\d{14}$")
#: The meters of a usage point, by their key after ``<pdl>:``.
METERS = ("consumption", "production")


def device_key_known(key: str) -> bool:
    """Whether ``key`` can name a device: ``<pdl>:consumption``, ``<pdl>:production``,
    ``<pdl>:<measure of a PDL>`` or ``<Tempo/EcoWatt measure>``."""
    pdl, sep, what = key.rpartition(":")
    measure = CATALOGUE.get(what)
    if sep:
        per_pdl = measure is not None and measure.scope in ("pdl", "production")
        return bool(_PDL.match(pdl)) and (what in METERS or per_pdl)
    return measure is not None and measure.scope in ("tempo", "ecowatt")


class DomoticzConfig(ExporterConfig):
    """Where Domoticz is, how to log in, and which devices to write."""

    # Passwords and tokens must never be echoed back in a validation error.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)

    env_prefix: ClassVar[str] = "DOMOTICZ"
    summary: ClassVar[Translated | None] = Translated(
        "Écrit l'historique quotidien dans des compteurs Domoticz (leurs graphiques jour, mois, "
        "année) et les valeurs du jour dans des capteurs, par l'API JSON (`/json.htm`) ; crée "
        "lui-même son matériel Dummy et ses dispositifs, ou écrit dans les vôtres. "
        "Environnement : `DOMOTICZ_URL`, `DOMOTICZ_USERNAME`, `DOMOTICZ_PASSWORD`, et "
        "`DOMOTICZ_<CHAMP>` pour les autres.",
        "Writes the daily history into Domoticz meters (their day, month and year graphs) and "
        "the current values into sensors, through the JSON API (`/json.htm`); creates its own "
        "Dummy hardware and devices, or writes to yours. Environment: `DOMOTICZ_URL`, "
        "`DOMOTICZ_USERNAME`, `DOMOTICZ_PASSWORD`, and `DOMOTICZ_<FIELD>` for the others.",
    )

    url: str = setting(
        "",
        fr=(
            "Adresse de Domoticz",
            "Par exemple http://192.168.1.10:8080 ou https://domoticz.local (avec le chemin "
            "derrière un proxy inverse) ; sans identifiants dedans.",
        ),
        en=(
            "Domoticz address",
            "For example http://192.168.1.10:8080 or https://domoticz.local (with the path "
            "behind a reverse proxy); no credentials in it.",
        ),
    )
    auth: AuthMode = setting(
        "basic",
        fr=(
            "Authentification",
            "basic : utilisateur et mot de passe (https, ou http avec « Allow Basic-Auth "
            "authentication over plain HTTP ») ; trusted : aucune, cette machine est dans les "
            "réseaux de confiance ; oauth2 : utilisateur et mot de passe échangés contre des "
            "jetons (Identifiant d'application) ; bearer : un jeton donné tel quel.",
        ),
        en=(
            "Authentication",
            "basic: username and password (https, or http with 'Allow Basic-Auth "
            "authentication over plain HTTP'); trusted: none, this machine is in Trusted "
            "Networks; oauth2: username and password exchanged for tokens (Application id); "
            "bearer: a token given as is.",
        ),
    )
    username: str = setting(
        "",
        fr=("Utilisateur", "Utilisateur Domoticz (Admin pour créer les dispositifs)."),
        en=("Username", "Domoticz user (Admin to create the devices)."),
    )
    password: str = setting(
        "",
        secret=True,
        fr=("Mot de passe", "Mot de passe de cet utilisateur."),
        en=("Password", "Password of that user."),
    )
    client_id: str = setting(
        "",
        fr=(
            "Identifiant d'application",
            "Avec oauth2 : le nom d'une application de Configuration > Plus d'options > "
            "Applications.",
        ),
        en=(
            "Application id",
            "With oauth2: the name of an application of Setup > More Options > Applications.",
        ),
    )
    token: str = setting(
        "",
        secret=True,
        fr=("Jeton", "Avec bearer : un jeton de l'IAM de Domoticz (il expire)."),
        en=("Token", "With bearer: a token from Domoticz's IAM (it expires)."),
    )
    verify_tls: bool = verify_tls_field()
    ca_file: str = setting(
        "",
        fr=(
            "Fichier de l'autorité (CA)",
            "Fichier PEM de l'autorité qui a signé le certificat de Domoticz (vide : celles du "
            "système). Le server_cert.pem livré avec Domoticz est établi pour domoticz.com : "
            "utilisez votre propre certificat, ou désactivez la vérification.",
        ),
        en=(
            "CA file",
            "PEM file of the CA that signed Domoticz's certificate (empty: the system's). The "
            "server_cert.pem Domoticz ships is made out to domoticz.com: use your own "
            "certificate, or turn the check off.",
        ),
    )
    provision: bool = setting(
        True,
        fr=(
            "Créer les dispositifs",
            "Crée le matériel Dummy et ses dispositifs (droits Admin) ; désactivé : écrit dans "
            "les dispositifs de « Vos dispositifs ».",
        ),
        en=(
            "Create the devices",
            "Create the Dummy hardware and its devices (Admin rights); off: write to the "
            "devices of “Your devices”.",
        ),
    )
    hardware_name: str = setting(
        "MyElectricalData",
        min_length=1,
        fr=("Nom du matériel", "Nom du matériel Dummy créé (ou réutilisé) pour les dispositifs."),
        en=("Hardware name", "Name of the Dummy hardware created (or reused) for the devices."),
    )
    devices: dict[str, int] = setting(
        default_factory=dict,
        fr=(
            "Vos dispositifs",
            'Sans création : clé -> idx, par exemple {"09999000000001:consumption": 12, '
            '"tempo_today": 14} (environnement : clé=idx,clé=idx). Une clé absente n\'est '
            "pas exportée.",
        ),
        en=(
            "Your devices",
            'Without creation: key -> idx, e.g. {"09999000000001:consumption": 12, '
            '"tempo_today": 14} (environment: key=idx,key=idx). A key left out is not '
            "exported.",
        ),
    )
    energy_device: Literal["managed_counter", "p1"] = setting(
        "managed_counter",
        fr=(
            "Compteur de consommation",
            "managed_counter : un Managed Counter (kWh par jour) ; p1 : un P1 Smart Meter, HC "
            "en tarif 1 et HP en tarif 2 (les jours sans courbe de charge ne peuvent pas être "
            "répartis).",
        ),
        en=(
            "Consumption meter",
            "managed_counter: a Managed Counter (kWh per day); p1: a P1 Smart Meter, HC as "
            "tariff 1 and HP as tariff 2 (days without load curve cannot be split).",
        ),
    )
    history: bool = setting(
        True,
        fr=(
            "Historique quotidien",
            "Écrit l'historique quotidien dans les compteurs (lignes datées, réécrites à "
            "chaque correction).",
        ),
        en=(
            "Daily history",
            "Write the daily history into the meters (dated rows, rewritten on every correction).",
        ),
    )
    load_curve: bool = setting(
        False,
        fr=(
            "Courbe de charge",
            "Écrit aussi la courbe de charge dans le journal court des compteurs (graphique "
            "du jour ; pas pour un compteur P1).",
        ),
        en=(
            "Load curve",
            "Also write the load curve into the meters' short log (the day graph; not for a "
            "P1 meter).",
        ),
    )
    load_curve_days: int = setting(
        7,
        ge=1,
        le=7,
        fr=(
            "Jours de courbe de charge",
            "Jours de courbe écrits, jusqu'au dernier jour connu : Domoticz efface les lignes "
            "plus anciennes que « Short Log Sensors » (1 à 7 jours).",
        ),
        en=(
            "Load curve days",
            "Days of load curve written, up to the newest known day: Domoticz deletes rows "
            "older than 'Short Log Sensors' (1 to 7 days).",
        ),
    )
    current_values: bool = setting(
        True,
        fr=(
            "Valeurs du jour",
            "Publie les mesures du catalogue (mois, année, coût, Tempo, EcoWatt…) dans des "
            "capteurs.",
        ),
        en=(
            "Current values",
            "Publish the catalogue's measures (month, year, cost, Tempo, EcoWatt…) in sensors.",
        ),
    )
    measures: list[str] = setting(
        default_factory=list,
        fr=(
            "Mesures publiées",
            "Clés des mesures à publier, par exemple tempo_today, consumption_month (vide : "
            "toutes).",
        ),
        en=(
            "Measures published",
            "Keys of the measures to publish, e.g. tempo_today, consumption_month (empty: all).",
        ),
    )
    pdls: list[str] = setting(
        default_factory=list,
        fr=("Points de livraison exportés", "Seulement ces points de livraison (vide : tous)."),
        en=("Usage points exported", "Only these usage points (empty: all of them)."),
    )
    language: Literal["fr", "en"] = setting(
        "fr",
        fr=("Langue", "Langue des noms de dispositifs et des textes Tempo et EcoWatt."),
        en=("Language", "Language of the device names and of the Tempo and EcoWatt texts."),
    )
    time_zone: str = setting(
        "Europe/Paris",
        fr=(
            "Fuseau horaire",
            "Fuseau horaire de Domoticz (les lignes de la courbe de charge sont en heure locale).",
        ),
        en=("Time zone", "Domoticz's time zone (load-curve rows are in local time)."),
    )
    trigger_events: bool = setting(
        True,
        fr=(
            "Déclencher les événements",
            "Les valeurs du jour déclenchent les événements de Domoticz (scripts, "
            "notifications) ; l'historique jamais.",
        ),
        en=(
            "Trigger events",
            "Current values trigger Domoticz's events (scripts, notifications); the history "
            "never does.",
        ),
    )
    requests_per_second: float = setting(
        0.0,
        ge=0,
        le=1000,
        fr=(
            "Requêtes par seconde",
            "Au plus ce nombre de requêtes par seconde (0 : sans limite ; 20 ménage la carte "
            "SD d'un Raspberry Pi au premier export).",
        ),
        en=(
            "Requests per second",
            "At most this many requests per second (0: no limit; 20 spares a Raspberry Pi's "
            "SD card during the first export).",
        ),
    )
    timeout_seconds: float = timeout_field()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_base_url(value, "http://192.168.1.10:8080") if value.strip() else ""

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name such as Europe/Paris") from None
        return value

    @field_validator("pdls")
    @classmethod
    def _pdls(cls, value: list[str]) -> list[str]:
        return [validate_pdl(p.strip(), "pdls") for p in value if p.strip()]

    @field_validator("measures")
    @classmethod
    def _measures(cls, value: list[str]) -> list[str]:
        keys = [key.strip() for key in value if key.strip()]
        unknown = unknown_keys(keys)
        if unknown:
            raise ValueError(
                f"{unknown} are not measures of the catalogue; use keys of docs/measures.md "
                f"such as {', '.join(list(CATALOGUE)[:3])}"
            )
        return keys

    @field_validator("devices", mode="before")
    @classmethod
    def _devices(cls, value: Any) -> Any:
        return parse_pairs(value, "devices")

    @field_validator("devices")
    @classmethod
    def _device_ids(cls, value: dict[str, int]) -> dict[str, int]:
        for key, idx in value.items():
            if idx <= 0:
                raise ValueError(f"devices: {key}={idx} is not a Domoticz idx (1 or more)")
            if not device_key_known(key):
                raise ValueError(
                    f"devices: {key!r} is not a device key; use <pdl>:consumption, "
                    "<pdl>:production, <pdl>:<measure> (e.g. 09999000000001:consumption_month) "
                    "or a Tempo/EcoWatt measure (e.g. tempo_today)"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DomoticzConfig:
        if not self.enabled:
            return self
        if not self.url:
            raise ValueError(
                "url is required when the Domoticz export is enabled: set "
                "DOMOTICZ_URL=http://192.168.1.10:8080 (or the url field)"
            )
        if self.auth in ("basic", "oauth2") and not (self.username and self.password):
            raise ValueError(
                f"auth {self.auth} needs username and password (DOMOTICZ_USERNAME, "
                "DOMOTICZ_PASSWORD), or choose auth trusted"
            )
        if self.auth == "oauth2" and not self.client_id:
            raise ValueError(
                "auth oauth2 needs client_id: the name of an application created in Domoticz "
                "(Setup > More Options > Applications)"
            )
        if self.auth == "bearer" and not self.token:
            raise ValueError("auth bearer needs token (DOMOTICZ_TOKEN)")
        if not self.provision and not self.devices:
            raise ValueError(
                "without provisioning, give the devices mapping (key=idx,...), or set "
                "provision=true to let the exporter create its devices"
            )
        if self.ca_file and not Path(self.ca_file).is_file():
            raise ValueError(f"ca_file {self.ca_file!r} is not a readable file")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """``DOMOTICZ_URL``, ``DOMOTICZ_USERNAME``, ``DOMOTICZ_PASSWORD``... every
        ``DOMOTICZ_<FIELD>``; ``DOMOTICZ_PDLS`` and ``DOMOTICZ_MEASURES`` are comma-separated,
        ``DOMOTICZ_DEVICES`` is ``key=idx,key=idx``."""
        values = super().from_env(env)
        if values:
            for name in ("pdls", "measures"):
                if isinstance(values.get(name), str):
                    values[name] = [p.strip() for p in values[name].split(",") if p.strip()]
        return values

    def client_auth(self) -> DomoticzAuth:
        """The client's credentials for this configuration."""
        return DomoticzAuth(
            mode=self.auth,
            username=self.username,
            password=self.password,
            token=self.token,
            client_id=self.client_id,
        )

    def tls_verify(self) -> bool | str:
        """httpx's ``verify``: False, the CA file, or True (the system's CAs)."""
        if not self.verify_tls:
            return False
        return self.ca_file or True

    @property
    def energy_kind(self) -> DeviceKind:
        """The device kind of the consumption meter."""
        return DeviceKind.P1_METER if self.energy_device == "p1" else DeviceKind.MANAGED_COUNTER

    @property
    def min_interval_s(self) -> float:
        """Seconds between two requests that ``requests_per_second`` asks for (0: none)."""
        return 1.0 / self.requests_per_second if self.requests_per_second > 0 else 0.0

    def wants(self, pdl: str) -> bool:
        """True if ``pdl`` is exported."""
        return not self.pdls or pdl in self.pdls
