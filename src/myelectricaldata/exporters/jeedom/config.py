"""Configuration of the ``jeedom`` exporter (``JEEDOM_*`` variables). Draft for the exporter kit:
field names may still change when the kit attaches its French/English texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.base import ExporterConfig, secret_field
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

    url: str = Field("", description="Jeedom's address, e.g. http://jeedom.local.")
    api_key: str = secret_field(
        "",
        "Jeedom's API key (Réglages > Système > Configuration > API, « Clé API »), or the "
        "Virtual plugin's key with plugin = virtual.",
    )
    plugin: str = Field(
        "",
        description="Empty for the core API key; the plugin whose key api_key is (virtual).",
    )
    verify_tls: bool = _verify_tls_field()
    timeout_seconds: float = timeout_field()
    timezone: str = Field(
        "",
        description="Jeedom's time zone, e.g. Europe/Paris (empty: ask Jeedom; required with a "
        "plugin key, which cannot read it).",
    )
    provisioning: Literal["auto", "mapping"] = Field(
        "auto",
        description="auto: create and maintain Virtual equipments; mapping: use the command ids "
        "in commands.",
    )
    object_id: int | None = Field(
        None, ge=1, description="Jeedom object (room) the created equipments go in (empty: none)."
    )
    equipment_name: str = Field(
        DEFAULT_PDL_NAME, description="Name of a PDL's equipment when created ({pdl} is the PDL)."
    )
    grid_equipment_name: str = Field(
        DEFAULT_GRID_NAME, description="Name of the Tempo and EcoWatt equipment when created."
    )
    language: Literal["fr", "en"] = Field("fr", description="Language of the command names.")
    commands: dict[str, int] = Field(
        default_factory=dict,
        description="With provisioning = mapping: <pdl>.<measure> (or <measure> for Tempo and "
        "EcoWatt) -> Jeedom command id.",
    )
    pdls: list[str] = Field(
        default_factory=list, description="Only these usage points (empty: all of them)."
    )
    state: bool = Field(True, description="Send the current values of the measures catalogue.")
    history: bool = Field(
        True,
        description="Send daily history (consumption, production, max power, Tempo, EcoWatt).",
    )
    history_hourly: bool = Field(
        False, description="Also send the load curve as hourly energy (consumption_hourly)."
    )
    grid: bool = Field(True, description="Send Tempo and EcoWatt.")
    concurrency: int = Field(
        1,
        ge=1,
        le=8,
        description="cmd::event requests in flight while sending history (1: strictly oldest "
        "first).",
    )

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
