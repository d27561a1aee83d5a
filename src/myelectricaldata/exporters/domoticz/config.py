"""Configuration of the ``domoticz`` exporter (``DOMOTICZ_*`` variables). A draft: the exporter
kit will say how each field's French/English label and help are attached."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.base import ExporterConfig, secret_field
from myelectricaldata.exporters.domoticz.client import AuthMode, DomoticzAuth
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.http import check_base_url, parse_pairs


class DomoticzConfig(ExporterConfig):
    """Where Domoticz is, how to log in, and which devices to write."""

    # Passwords and tokens must never be echoed back in a validation error.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, hide_input_in_errors=True)

    env_prefix: ClassVar[str] = "DOMOTICZ"

    url: str = Field(
        "",
        description="Domoticz address, e.g. https://domoticz.local:443 or http://192.168.1.10:8080 "
        "(with the path when it is behind a reverse proxy).",
    )
    auth: AuthMode = Field(
        "basic",
        description="basic: username/password (https, or plain http with 'Allow Basic-Auth "
        "over plain HTTP' on); trusted: none, this machine is in Trusted Networks; oauth2: "
        "username/password exchanged for tokens with client_id (works over plain http); "
        "bearer: a token given as is.",
    )
    username: str = Field("", description="Domoticz user (Admin to create devices).")
    password: str = secret_field("", "Password of that user.")
    client_id: str = Field(
        "", description="With auth oauth2: an application of Setup > More Options > Applications."
    )
    token: str = secret_field("", "With auth bearer: a JWT from Domoticz's IAM (expires).")
    verify_tls: bool = Field(True, description="Check Domoticz's TLS certificate (https).")
    ca_file: str = Field(
        "",
        description="PEM file of the CA that signed Domoticz's certificate (empty: the "
        "system's CAs). The server_cert.pem Domoticz ships is made out to domoticz.com and "
        "fails the host name check: use your own certificate, or verify_tls off.",
    )
    provision: bool = Field(
        True,
        description="Create the Dummy hardware and its devices (needs Admin); off: use the "
        "devices mapping.",
    )
    hardware_name: str = Field(
        "MyElectricalData", min_length=1, description="Name of the Dummy hardware to create/use."
    )
    devices: dict[str, int] = Field(
        default_factory=dict,
        description="Without provisioning: device key -> idx, e.g. "
        "'09999000000001:consumption=12,tempo_today=14'.",
    )
    energy_device: Literal["managed_counter", "p1"] = Field(
        "managed_counter",
        description="Consumption meter: a Managed Counter (daily kWh) or a P1 Smart Meter "
        "(HC as tariff 1, HP as tariff 2).",
    )
    history: bool = Field(True, description="Write the daily history (dated rows).")
    load_curve: bool = Field(
        False,
        description="Also write the load curve as 5-minute rows (Domoticz keeps them only "
        "'Short Log Sensors' days).",
    )
    measures: list[str] = Field(
        default_factory=list, description="Measures to publish as devices (empty: all of them)."
    )
    pdls: list[str] = Field(
        default_factory=list, description="Only these usage points (empty: all of them)."
    )
    language: Literal["fr", "en"] = Field("fr", description="Language of device names and texts.")
    time_zone: str = Field(
        "Europe/Paris", description="Domoticz's time zone (short-log rows are local times)."
    )
    trigger_events: bool = Field(
        True, description="Let current values trigger Domoticz events (scripts, notifications)."
    )
    requests_per_second: float = Field(
        0.0, ge=0, le=1000, description="Most requests per second (0: no limit)."
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Seconds to wait for one Domoticz answer."
    )

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

    def wants(self, pdl: str) -> bool:
        """True if ``pdl`` is exported."""
        return not self.pdls or pdl in self.pdls
