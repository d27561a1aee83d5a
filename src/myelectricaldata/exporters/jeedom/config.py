"""Configuration of the ``jeedom`` exporter (``JEEDOM_*`` variables): each field with its French
and English texts, which the API's schema and the web UI's form show."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, field_validator, model_validator

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.http import check_base_url, parse_pairs, timeout_field
from myelectricaldata.exporters.http import verify_tls_field as _verify_tls_field
from myelectricaldata.exporters.jeedom.client import api_base
from myelectricaldata.exporters.jeedom.provision import DEFAULT_GRID_NAME, DEFAULT_PDL_NAME

_ADDRESS = re.compile(r"^([0-9]{14}\.)?[a-z][a-z0-9_]*$")
_PLUGIN = re.compile(r"^[A-Za-z0-9_]*$")


class JeedomConfig(ExporterConfig):
    """Where Jeedom is, its API key, and how measures find their commands.

    ``provisioning`` ``auto`` creates and maintains one Virtual equipment per PDL (and one for
    Tempo/EcoWatt); ``mapping`` sends each measure to the command id given in ``commands``.
    """

    # The key must never be echoed back in a validation error.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)

    env_prefix: ClassVar[str] = "JEEDOM"
    summary: ClassVar[Translated | None] = Translated(
        "Les valeurs du jour et l'historique daté dans Jeedom, par son API JSON-RPC : un "
        "équipement Virtuel par compteur et un pour Tempo et EcoWatt, créés et tenus à jour par "
        "l'export (ou vos propres commandes, par leur id). Environnement : `JEEDOM_URL`, "
        "`JEEDOM_API_KEY`, `JEEDOM_ENABLED`, et `JEEDOM_<CHAMP>` pour les autres.",
        "Today's values and dated history into Jeedom, over its JSON-RPC API: one Virtual "
        "equipment per meter and one for Tempo and EcoWatt, created and kept up to date by the "
        "export (or your own commands, by id). Environment: `JEEDOM_URL`, `JEEDOM_API_KEY`, "
        "`JEEDOM_ENABLED`, and `JEEDOM_<FIELD>` for the others.",
    )

    url: str = setting(
        "",
        fr=(
            "Adresse de Jeedom",
            "Par exemple `http://jeedom.local` (avec ou sans `/core/api/jeeApi.php`).",
        ),
        en=(
            "Jeedom address",
            "For example `http://jeedom.local` (with or without `/core/api/jeeApi.php`).",
        ),
    )
    api_key: str = setting(
        "",
        secret=True,
        fr=(
            "Clé API",
            "Clé API de Jeedom (Réglages > Système > Configuration, onglet API, « Clé API »), "
            "ou celle du plugin Virtuel avec « Plugin de la clé » = `virtual`.",
        ),
        en=(
            "API key",
            "Jeedom's API key (Réglages > Système > Configuration, tab API, « Clé API »), or "
            "the Virtual plugin's key with “Key's plugin” = `virtual`.",
        ),
    )
    plugin: str = setting(
        "",
        fr=(
            "Plugin de la clé",
            "Vide pour la clé API de Jeedom ; `virtual` quand la clé est celle du plugin Virtuel.",
        ),
        en=(
            "Key's plugin",
            "Empty for Jeedom's API key; `virtual` when the key is the Virtual plugin's.",
        ),
    )
    provisioning: Literal["auto", "mapping"] = setting(
        "auto",
        fr=(
            "Équipements",
            "`auto` : l'export crée et tient à jour ses équipements Virtuels ; `mapping` : il "
            "écrit dans les commandes données dans « Commandes ».",
        ),
        en=(
            "Equipments",
            "`auto`: the export creates and maintains its Virtual equipments; `mapping`: it "
            "writes to the commands given in “Commands”.",
        ),
    )
    object_id: int | None = setting(
        None,
        ge=1,
        fr=(
            "Objet Jeedom",
            "Id de l'objet (pièce) où créer les équipements (Outils > Objets) ; vide : aucun.",
        ),
        en=(
            "Jeedom object",
            "Id of the object (room) the equipments are created in (Outils > Objets); empty: none.",
        ),
    )
    equipment_name: str = setting(
        DEFAULT_PDL_NAME,
        fr=(
            "Nom de l'équipement d'un compteur",
            "Nom donné à sa création (`{pdl}` : le point de livraison).",
        ),
        en=("Meter equipment name", "Name given when it is created (`{pdl}`: the usage point)."),
    )
    grid_equipment_name: str = setting(
        DEFAULT_GRID_NAME,
        fr=("Nom de l'équipement Tempo et EcoWatt", "Nom donné à sa création."),
        en=("Tempo and EcoWatt equipment name", "Name given when it is created."),
    )
    language: Literal["fr", "en"] = setting(
        "fr",
        fr=("Langue des commandes", "Langue des noms des commandes créées (`fr` ou `en`)."),
        en=("Command language", "Language of the names of the commands created (`fr` or `en`)."),
    )
    commands: dict[str, int] = setting(
        default_factory=dict,
        fr=(
            "Commandes",
            "Avec `mapping` : `<pdl>.<mesure>` (ou `<mesure>` pour Tempo et EcoWatt) -> id de "
            "commande info Jeedom. Depuis l'environnement : `<adresse>=<id>,...`",
        ),
        en=(
            "Commands",
            "With `mapping`: `<pdl>.<measure>` (or `<measure>` for Tempo and EcoWatt) -> Jeedom "
            "info command id. From the environment: `<address>=<id>,...`",
        ),
    )
    pdls: list[str] = setting(
        default_factory=list,
        fr=("Points de livraison exportés", "Seulement ces points de livraison (vide : tous)."),
        en=("Usage points exported", "Only these usage points (empty: all of them)."),
    )
    state: bool = setting(
        True,
        fr=("Valeurs du jour", "Envoie les valeurs du catalogue des mesures à chaque export."),
        en=("Current values", "Send the measures catalogue's values at every run."),
    )
    history: bool = setting(
        True,
        fr=(
            "Historique journalier",
            "Envoie l'historique daté : consommation, production, puissance max, Tempo, EcoWatt.",
        ),
        en=(
            "Daily history",
            "Send the dated history: consumption, production, max power, Tempo, EcoWatt.",
        ),
    )
    history_hourly: bool = setting(
        False,
        fr=(
            "Historique horaire",
            "Envoie aussi la courbe de charge en énergie par heure (`consumption_hourly`, "
            "`production_hourly`).",
        ),
        en=(
            "Hourly history",
            "Also send the load curve as energy per hour (`consumption_hourly`, "
            "`production_hourly`).",
        ),
    )
    grid: bool = setting(
        True,
        fr=("Tempo et EcoWatt", "Envoie les couleurs Tempo et les signaux EcoWatt."),
        en=("Tempo and EcoWatt", "Send the Tempo colours and the EcoWatt signals."),
    )
    timezone: str = setting(
        "",
        fr=(
            "Fuseau horaire de Jeedom",
            "Par exemple `Europe/Paris` ; vide : lu dans Jeedom (obligatoire avec la clé d'un "
            "plugin, qui ne peut pas le lire).",
        ),
        en=(
            "Jeedom's time zone",
            "For example `Europe/Paris`; empty: read from Jeedom (required with a plugin key, "
            "which cannot read it).",
        ),
    )
    concurrency: int = setting(
        1,
        ge=1,
        le=8,
        fr=(
            "Requêtes simultanées",
            "Requêtes `cmd::event` en vol pendant l'envoi de l'historique (1 : strictement du "
            "plus ancien au plus récent).",
        ),
        en=(
            "Requests in flight",
            "`cmd::event` requests in flight while sending history (1: strictly oldest first).",
        ),
    )
    timeout_seconds: float = timeout_field()
    verify_tls: bool = _verify_tls_field()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.strip():
            return ""
        return check_base_url(api_base(value), "http://jeedom.local")

    @field_validator("plugin")
    @classmethod
    def _plugin(cls, value: str) -> str:
        value = value.strip()
        if not _PLUGIN.match(value) or value in ("core", "apitts", "apipro", "apimarket"):
            raise ValueError("plugin must be empty (core API key) or a plugin id such as virtual")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"timezone {value!r} is not an IANA time zone: write e.g. Europe/Paris"
                ) from None
        return value

    @field_validator("commands", mode="before")
    @classmethod
    def _commands_text(cls, value: Any) -> Any:
        return parse_pairs(value, "commands")

    @field_validator("commands")
    @classmethod
    def _commands(cls, value: dict[str, int]) -> dict[str, int]:
        for address, cmd_id in value.items():
            if not _ADDRESS.match(address):
                raise ValueError(
                    f"commands key {address!r} is not <pdl>.<measure> or <measure> (e.g. "
                    "09999000000001.consumption_yesterday or tempo_today)"
                )
            if cmd_id < 1:
                raise ValueError(f"commands[{address!r}] = {cmd_id} is not a Jeedom command id")
        return value

    @field_validator("pdls")
    @classmethod
    def _pdls(cls, value: list[str]) -> list[str]:
        return [validate_pdl(p.strip(), "pdls") for p in value if p.strip()]

    @model_validator(mode="after")
    def _consistent(self) -> JeedomConfig:
        if self.enabled and not self.url:
            raise ValueError(
                "url is required when the Jeedom export is enabled: set "
                "JEEDOM_URL=http://jeedom.local (or the url field)"
            )
        if self.enabled and not self.api_key:
            raise ValueError(
                "api_key is required when the Jeedom export is enabled: copy Jeedom's API key "
                "(Réglages > Système > Configuration > API) into JEEDOM_API_KEY"
            )
        if self.enabled and self.provisioning == "mapping" and not self.commands:
            raise ValueError(
                "provisioning = mapping needs commands (<pdl>.<measure>=<command id>,...): "
                "fill commands, or use provisioning = auto"
            )
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """``JEEDOM_URL``, ``JEEDOM_API_KEY``, ``JEEDOM_ENABLED`` and the other
        ``JEEDOM_<FIELD>`` variables; ``JEEDOM_PDLS`` is comma-separated and
        ``JEEDOM_COMMANDS`` is ``<address>=<id>,...``."""
        values = super().from_env(env)
        if values and isinstance(values.get("pdls"), str):
            values["pdls"] = [p for p in values["pdls"].split(",") if p.strip()]
        return values

    def wants(self, pdl: str) -> bool:
        """True if ``pdl`` is exported."""
        return not self.pdls or pdl in self.pdls
