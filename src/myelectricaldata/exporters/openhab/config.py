"""Settings of the ``openhab`` exporter, each with its French and English texts.

Environment variables ``OPENHAB_<FIELD>`` bootstrap it (``OPENHAB_URL``, ``OPENHAB_TOKEN``...).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import ConfigDict, field_validator, model_validator

from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.http import check_base_url, timeout_field, verify_tls_field
from myelectricaldata.exporters.openhab.mapping import ITEM_NAME
from myelectricaldata.exporters.openhab.model import rest_base

#: ``PersistenceResource`` takes service ids of letters and digits.
_SERVICE_ID = re.compile(r"[a-zA-Z0-9]+")


class OpenHABConfig(ExporterConfig):
    """Where openHAB listens, with which token, which items and where history goes."""

    # A refused value may be the token: keep inputs out of validation messages and logs.
    model_config = ConfigDict(hide_input_in_errors=True)
    env_prefix: ClassVar[str] = "OPENHAB"
    summary: ClassVar[Translated | None] = Translated(
        "Crée les items openHAB (un groupe par compteur), met à jour leurs états avec leurs "
        "unités et écrit l'historique dans un service de persistance modifiable (JDBC, "
        "InfluxDB, MongoDB ; pas rrd4j). Environnement : `OPENHAB_URL`, `OPENHAB_TOKEN`, "
        "`OPENHAB_<CHAMP>`.",
        "Creates the openHAB items (one group per meter), updates their states with their "
        "units and writes the history into a modifiable persistence service (JDBC, InfluxDB, "
        "MongoDB; not rrd4j). Environment: `OPENHAB_URL`, `OPENHAB_TOKEN`, `OPENHAB_<FIELD>`.",
    )

    url: str = setting(
        "http://localhost:8080",
        fr=(
            "Adresse d'openHAB",
            "Par exemple `http://openhab:8080` (l'API REST est sous `/rest`, ajouté au besoin).",
        ),
        en=(
            "openHAB address",
            "For example `http://openhab:8080` (the REST API is under `/rest`, added if missing).",
        ),
    )
    token: str = setting(
        "",
        secret=True,
        fr=(
            "Jeton d'API",
            "Jeton d'un administrateur (votre profil > Jetons d'API ; commence par `oh.`), "
            "nécessaire pour créer les items et écrire l'historique (chiffré, jamais affiché).",
        ),
        en=(
            "API token",
            "Token of an administrator (your profile > API Tokens; starts with `oh.`), needed to "
            "create items and write history (encrypted, never shown).",
        ),
    )
    auth_scheme: Literal["bearer", "basic", "header"] = setting(
        "bearer",
        fr=(
            "Envoi du jeton",
            "`bearer` (`Authorization: Bearer`), `basic` (le jeton comme utilisateur Basic, "
            "sans mot de passe) ou `header` (`X-OPENHAB-TOKEN`, derrière un proxy qui utilise "
            "`Authorization`).",
        ),
        en=(
            "Token sent as",
            "`bearer` (`Authorization: Bearer`), `basic` (the token as the Basic user, no "
            "password) or `header` (`X-OPENHAB-TOKEN`, behind a proxy that uses "
            "`Authorization` itself).",
        ),
    )
    item_prefix: str = setting(
        "MED",
        fr=(
            "Préfixe des items",
            "Début du nom de chaque item : `MED` donne `MED_<pdl>_consumption_yesterday` et "
            "`MED_tempo_today` (lettres, chiffres et `_`).",
        ),
        en=(
            "Item prefix",
            "Start of every item name: `MED` gives `MED_<pdl>_consumption_yesterday` and "
            "`MED_tempo_today` (letters, digits and `_`).",
        ),
    )
    provision_items: bool = setting(
        True,
        fr=(
            "Créer les items",
            "Crée ou corrige les items (types, unités, libellés, tags, un groupe par compteur) ; "
            "désactivé : seuls les items existants reçoivent leur état, et les items "
            "d'historique doivent exister.",
        ),
        en=(
            "Create the items",
            "Creates or fixes the items (types, units, labels, tags, one group per meter); "
            "off: only the items that exist get their state, and the history items must exist.",
        ),
    )
    label_language: Literal["fr", "en"] = setting(
        "fr",
        fr=("Langue des libellés", "Langue des libellés des items créés (`fr` ou `en`)."),
        en=("Label language", "Language of the labels of the items created (`fr` or `en`)."),
    )
    history: bool = setting(
        True,
        fr=(
            "Écrire l'historique",
            "Écrit les valeurs passées (énergie et puissance max par jour, Tempo, EcoWatt) avec "
            "leur date dans le service de persistance ci-dessous.",
        ),
        en=(
            "Write the history",
            "Writes past values (daily energy and max power, Tempo, EcoWatt) with their own "
            "timestamps into the persistence service below.",
        ),
    )
    persistence_service: str = setting(
        "jdbc",
        fr=(
            "Service de persistance",
            "Identifiant d'un service modifiable : `jdbc`, `influxdb` ou `mongodb` (`rrd4j`, "
            "le service par défaut, ne peut pas recevoir de valeurs passées).",
        ),
        en=(
            "Persistence service",
            "Id of a modifiable service: `jdbc`, `influxdb` or `mongodb` (`rrd4j`, the "
            "default service, cannot take past values).",
        ),
    )
    load_curve_history: bool = setting(
        False,
        fr=(
            "Historique de la courbe de charge",
            "Écrit aussi la courbe de charge 30 minutes (puissance moyenne en W) : 17 520 "
            "requêtes par an et par compteur, une par point.",
        ),
        en=(
            "Load curve history",
            "Also writes the 30-minute load curve (average W): 17,520 requests a year per "
            "meter, one per point.",
        ),
    )
    concurrency: int = setting(
        4,
        ge=1,
        le=32,
        fr=("Requêtes simultanées", "Requêtes envoyées à openHAB en même temps (1 à 32)."),
        en=("Concurrent requests", "Requests in flight to openHAB at once (1 to 32)."),
    )
    timeout_seconds: float = timeout_field()
    verify_tls: bool = verify_tls_field()

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        base = check_base_url(value, "http://openhab:8080")
        return rest_base(base)[: -len("/rest")]

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: str) -> str:
        token = value.strip()
        if any(c.isspace() for c in token):
            raise ValueError("an API token has no spaces: paste it again")
        return token

    @field_validator("item_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not ITEM_NAME.fullmatch(value):
            raise ValueError(
                "must start with a letter or _ and hold only letters, digits and _ "
                "(openHAB item names), e.g. MED"
            )
        return value

    @field_validator("persistence_service")
    @classmethod
    def _check_service(cls, value: str) -> str:
        service = value.strip()
        if not _SERVICE_ID.fullmatch(service):
            raise ValueError("must be a persistence service id such as jdbc or influxdb")
        return service

    @model_validator(mode="after")
    def _check_history(self) -> OpenHABConfig:
        if self.load_curve_history and not self.history:
            raise ValueError("load_curve_history needs history: turn history on")
        return self
