"""Settings from the environment (and a ``.env`` file); names follow the existing client's docs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from myelectricaldata.store.db import sqlite_url

if TYPE_CHECKING:
    from myelectricaldata.crypto import SecretBox
    from myelectricaldata.store.repo import Store

DEFAULT_API_URL = "https://www.v2.myelectricaldata.fr/api"


class Settings(BaseSettings):
    """Every environment variable the service reads, with its default."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    med_api_url: str = Field(DEFAULT_API_URL, description="Base URL of the gateway API.")
    med_client_id: str = Field("", description="Client id (shown in the UI only).")
    med_client_secret: SecretStr = Field(
        SecretStr(""), description="Client secret: the Bearer token of the gateway."
    )
    med_data_dir: Path = Field(Path("./data"), description="Directory of the SQLite file and key.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in the data dir.")
    med_host: str = Field("127.0.0.1", description="Address the service listens on.")
    med_port: int = Field(8181, ge=1, le=65535, description="Port the service listens on.")
    med_ui_password: SecretStr = Field(
        SecretStr(""),
        description="Password of the web UI when listening beyond loopback (hashed in memory; "
        "or store a hash with `myelectricaldata password`).",
    )
    med_api_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token of the API's write routes when listening beyond loopback "
        "(or create one with `myelectricaldata token`).",
    )
    med_protect_reads: bool | None = Field(
        None,
        description="Beyond loopback, require the token (or a UI session) for GET routes too; "
        "default: true beyond loopback (a load curve tells when a household is at home). "
        "`false` opens the reads to the LAN on purpose.",
    )
    med_allowed_hosts: str = Field(
        "",
        description="Comma-separated host names the service may be reached by, besides "
        "loopback names and IP addresses (DNS-rebinding defence); `.example.lan` allows its "
        "sub-domains, `*` any name.",
    )
    med_trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For/-Proto are believed; default: none (the peer address counts).",
    )
    med_max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted; larger ones get 413."
    )
    med_secret_key: SecretStr = Field(
        SecretStr(""), description="Fernet key for secrets at rest; default: a key file."
    )
    med_demo: bool | None = Field(
        None, description="Force demo data on or off; default: demo when no client secret is set."
    )
    med_daily_quota: int = Field(1000, ge=1, description="Gateway calls allowed per UTC day.")
    med_quota_reserve: int = Field(
        20, ge=0, description="Calls a sync leaves unspent for the rest of the day."
    )
    med_initial_sync: bool = Field(True, description="Run a sync in the background at start.")
    tz: str = Field("Europe/Paris", description="Time zone of the scheduler.")
    sync_hour: int = Field(10, ge=0, le=23, description="Hour of the daily sync.")
    sync_minute: int | None = Field(
        None, ge=0, le=59, description="Minute of the daily sync; default: random per install."
    )
    scheduler_enabled: bool = Field(True, description="Run the schedules (sync, Tempo, EcoWatt).")
    debug: bool = Field(False, description="Verbose logging.")

    @field_validator("med_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The extra host names of ``MED_ALLOWED_HOSTS``, lower-case."""
        return _names(self.med_allowed_hosts)

    @property
    def trusted_proxies(self) -> list[str]:
        """The addresses or networks of ``MED_TRUSTED_PROXIES``."""
        return sorted(_names(self.med_trusted_proxies))

    @property
    def db_url(self) -> str:
        """The database URL in force."""
        return self.database_url or sqlite_url(self.med_data_dir)

    @property
    def use_demo(self) -> bool:
        """True when the demo source feeds the store."""
        if self.med_demo is not None:
            return self.med_demo
        return not self.med_client_secret.get_secret_value()


def _names(text: str) -> frozenset[str]:
    return frozenset(p.strip().lower().rstrip(".") for p in text.split(",") if p.strip())


#: Settings-table keys of what the web UI's settings page saves (they win over the environment).
SAVED_CLIENT_ID = "gateway.client_id"
SAVED_CLIENT_SECRET = "gateway.client_secret"  # encrypted with the SecretBox
SAVED_DEMO = "gateway.demo"  # "true" / "false"; absent: decided by the secret
SAVED_SYNC_HOUR = "sync.hour"


def apply_saved(settings: Settings, store: Store, box: SecretBox) -> Settings:
    """``settings`` with what the web UI saved in the database applied over the environment.

    Read once at start: the source and the timetable are built from the result, so a change
    saved from the UI takes effect at the next start of the service.
    """
    update: dict[str, Any] = {}
    saved = store.settings("gateway.") | store.settings("sync.")
    # An empty saved value means "cleared in the UI": the environment applies again.
    if saved.get(SAVED_CLIENT_ID, ("",))[0]:
        update["med_client_id"] = saved[SAVED_CLIENT_ID][0]
    if saved.get(SAVED_CLIENT_SECRET, ("",))[0]:
        value, secret = saved[SAVED_CLIENT_SECRET]
        update["med_client_secret"] = SecretStr(box.decrypt(value) if secret else value)
    if SAVED_DEMO in saved:
        update["med_demo"] = saved[SAVED_DEMO][0] == "true"
    if SAVED_SYNC_HOUR in saved:
        update["sync_hour"] = int(saved[SAVED_SYNC_HOUR][0])
    return settings.model_copy(update=update) if update else settings
