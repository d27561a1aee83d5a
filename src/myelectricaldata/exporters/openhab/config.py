"""Settings of the openHAB destination (a draft: the exporter kit decides how texts attach).

Environment variables ``OPENHAB_<FIELD>`` bootstrap it (``OPENHAB_URL``, ``OPENHAB_TOKEN``...).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from myelectricaldata.exporters.base import ExporterConfig, secret_field
from myelectricaldata.exporters.http import check_base_url, timeout_field, verify_tls_field
from myelectricaldata.exporters.openhab.client import AuthScheme, rest_base
from myelectricaldata.exporters.openhab.mapping import ITEM_NAME

#: ``PersistenceResource`` takes service ids of letters and digits.
_SERVICE_ID = re.compile(r"[a-zA-Z0-9]+")


class OpenHABConfig(ExporterConfig):
    """Where openHAB listens, with which token, which items and where history goes."""

    env_prefix: ClassVar[str] = "OPENHAB"

    url: str = Field(
        "http://localhost:8080",
        description="Address of openHAB, e.g. http://openhab:8080 (the REST API is under /rest).",
    )
    token: str = secret_field(
        "",
        "API token of an openHAB administrator (profile, API Tokens; starts with oh.). "
        "Needed to create items and to write history.",
    )
    auth_scheme: AuthScheme = Field(
        AuthScheme.BEARER,
        description="How the token is sent: bearer (Authorization: Bearer), basic (as the "
        "Basic user, empty password) or header (X-OPENHAB-TOKEN, e.g. behind a proxy that "
        "uses Authorization itself).",
    )
    item_prefix: str = Field(
        "MED",
        description="Start of every item name: MED gives MED_<pdl>_consumption_yesterday and "
        "MED_tempo_today.",
    )
    provision_items: bool = Field(
        True,
        description="Create the items (types, units, labels, tags, one group per PDL) when "
        "they are missing or differ; off: the items must exist already.",
    )
    label_language: Literal["fr", "en"] = Field(
        "fr", description="Language of the item labels created (fr or en)."
    )
    history: bool = Field(
        True,
        description="Write past values (daily energy, max power, Tempo, EcoWatt) into the "
        "persistence service below, with their own timestamps.",
    )
    persistence_service: str = Field(
        "jdbc",
        description="Id of a modifiable openHAB persistence service for history: jdbc, "
        "influxdb or mongodb (rrd4j, the default service, cannot store past values).",
    )
    load_curve_history: bool = Field(
        False,
        description="Also write the 30-minute load curve (average W) as history: 17,520 "
        "requests a year per PDL, one per point.",
    )
    concurrency: int = Field(4, ge=1, le=32, description="Requests to openHAB in flight at once.")
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
