"""Settings from the environment (and a ``.env`` file); names follow the existing client's docs."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from myelectricaldata.store.db import sqlite_url

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
    def db_url(self) -> str:
        """The database URL in force."""
        return self.database_url or sqlite_url(self.med_data_dir)

    @property
    def use_demo(self) -> bool:
        """True when the demo source feeds the store."""
        if self.med_demo is not None:
            return self.med_demo
        return not self.med_client_secret.get_secret_value()
