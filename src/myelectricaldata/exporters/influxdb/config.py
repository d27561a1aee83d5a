"""Configuration of the ``influxdb`` exporter (``INFLUXDB_*`` variables)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import field_validator, model_validator

from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.http import (
    check_base_url,
    parse_pairs,
    timeout_field,
    verify_tls_field,
)

#: Tags the exporter sets itself; ``tags`` may not use them.
RESERVED_TAGS = frozenset({"pdl", "granularity", "time"})

_TAG_TEXT = re.compile(r"^[^\\\n\r\t]+$")
_NAME_TEXT = re.compile(r"^[A-Za-z0-9_.\-]*$")


class InfluxDBConfig(ExporterConfig):
    """Where InfluxDB listens, which API version, where to write and with which credentials."""

    env_prefix: ClassVar[str] = "INFLUXDB"
    summary: ClassVar[Translated | None] = Translated(
        "Où écoute InfluxDB, quelle version de l'API, où écrire et avec quels identifiants.",
        "Where InfluxDB listens, which API version, where to write and with which credentials.",
    )

    url: str = setting(
        "http://localhost:8086",
        destination=True,
        fr=("Adresse", "URL de base d'InfluxDB, par exemple http://influxdb:8086."),
        en=("URL", "Base URL of InfluxDB, for example http://influxdb:8086."),
    )
    version: Literal[1, 2] = setting(
        1,
        fr=(
            "Version de l'API",
            "1 : InfluxDB 1.x (/write, base, utilisateur et mot de passe). 2 : InfluxDB 2.x, "
            "3.x ou 1.8+ (/api/v2/write, organisation, bucket, jeton).",
        ),
        en=(
            "API version",
            "1: InfluxDB 1.x (/write, database, username and password). 2: InfluxDB 2.x, 3.x "
            "or 1.8+ (/api/v2/write, org, bucket, token).",
        ),
    )
    database: str = setting(
        "myelectricaldata",
        fr=("Base de données", "1.x : base où écrire."),
        en=("Database", "1.x: database to write to."),
    )
    retention_policy: str = setting(
        "",
        fr=(
            "Politique de rétention",
            "1.x : politique de rétention (vide : celle de la base par défaut, autogen).",
        ),
        en=("Retention policy", "1.x: retention policy (empty: the database's default, autogen)."),
    )
    username: str = setting(
        "",
        fr=("Utilisateur", "1.x : utilisateur (vide sans authentification)."),
        en=("Username", "1.x: user (empty when authentication is off)."),
    )
    password: str = setting(
        "",
        secret=True,
        fr=("Mot de passe", "1.x : mot de passe."),
        en=("Password", "1.x: password."),
    )
    org: str = setting(
        "",
        fr=("Organisation", "2.x+ : nom ou identifiant de l'organisation (InfluxDB 1.8 : -)."),
        en=("Organization", "2.x+: organization name or id (InfluxDB 1.8: -)."),
    )
    bucket: str = setting(
        "myelectricaldata",
        fr=("Bucket", "2.x+ : bucket (3.x : base de données ; 1.8 : base/rétention)."),
        en=("Bucket", "2.x+: bucket (3.x: database; 1.8: db/rp)."),
    )
    token: str = setting(
        "",
        secret=True,
        fr=("Jeton d'API", "2.x+ : jeton d'API autorisé à écrire dans le bucket."),
        en=("API token", "2.x+: API token with write access to the bucket."),
    )
    create_database: bool = setting(
        False,
        fr=(
            "Créer la base",
            "1.x : crée la base si elle manque (l'utilisateur doit être administrateur).",
        ),
        en=("Create the database", "1.x: create the database when it is missing (admin user)."),
    )
    tags: dict[str, str] = setting(
        default_factory=dict,
        fr=(
            "Tags",
            'Tags ajoutés à chaque point, par exemple {"home": "paris"} (environnement : '
            "home=paris,site=a).",
        ),
        en=(
            "Tags",
            'Tags added to every point, for example {"home": "paris"} (environment: '
            "home=paris,site=a).",
        ),
    )
    measurement_prefix: str = setting(
        "",
        fr=("Préfixe des mesures", "Préfixe des noms de mesures : linky_ donne linky_consumption."),
        en=(
            "Measurement prefix",
            "Prefix of the measurement names: linky_ gives linky_consumption.",
        ),
    )
    timeout_seconds: float = timeout_field()
    verify_tls: bool = verify_tls_field()

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return check_base_url(value, "http://localhost:8086")

    @field_validator("version", mode="before")
    @classmethod
    def _version_from_text(cls, value: Any) -> Any:
        # The environment gives "2"; versions like "2.7" or "v3" name the API to use.
        if isinstance(value, str):
            text = value.strip().lower().lstrip("v")
            major = text.split(".")[0]
            if major.isdigit():
                return 1 if int(major) == 1 else 2
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_from_text(cls, value: Any) -> Any:
        return parse_pairs(value, "tags")

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag_value in value.items():
            if key in RESERVED_TAGS:
                raise ValueError(f"tag {key!r} is set by the exporter: choose another name")
            for text in (key, tag_value):
                if not _TAG_TEXT.match(text):
                    raise ValueError(
                        f"tag {key!r}: names and values must be non-empty, without backslash, "
                        "tab or newline"
                    )
        return value

    @field_validator("measurement_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not _NAME_TEXT.match(value):
            raise ValueError("use letters, digits, '_', '.' and '-' only")
        return value

    @model_validator(mode="after")
    def _check_target(self) -> InfluxDBConfig:
        if not self.enabled:
            return self
        if self.version == 1 and not self.database:
            raise ValueError("database: required with version 1")
        if self.version == 2 and not (self.org and self.bucket):
            raise ValueError("org and bucket: required with version 2 (InfluxDB 1.8: org '-')")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """``INFLUXDB_<FIELD>``, plus ``INFLUXDB_DB`` for the database; the version is 2 when
        ``INFLUXDB_TOKEN``, ``INFLUXDB_ORG`` or ``INFLUXDB_BUCKET`` is set and
        ``INFLUXDB_VERSION`` is not."""
        found = super().from_env(env) or {}
        if env.get("INFLUXDB_DB") and "database" not in found:
            found["database"] = env["INFLUXDB_DB"]
        if "version" not in found and any(
            env.get(f"INFLUXDB_{k}") for k in ("TOKEN", "ORG", "BUCKET")
        ):
            found["version"] = 2
        return found or None
