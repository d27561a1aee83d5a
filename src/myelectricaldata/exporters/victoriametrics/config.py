"""Configuration of the ``victoriametrics`` exporter (``VICTORIAMETRICS_*`` variables)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import field_validator

from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.http import (
    check_base_url,
    parse_pairs,
    timeout_field,
    verify_tls_field,
)
from myelectricaldata.exporters.victoriametrics.samples import RESERVED_LABELS

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class VictoriaMetricsConfig(ExporterConfig):
    """Where VictoriaMetrics listens, how to authenticate, and labels added to every series."""

    env_prefix: ClassVar[str] = "VICTORIAMETRICS"
    summary: ClassVar[Translated | None] = Translated(
        "Où écoute VictoriaMetrics, comment s'authentifier, et les labels ajoutés à chaque série.",
        "Where VictoriaMetrics listens, how to authenticate, and labels added to every series.",
    )

    url: str = setting(
        "http://localhost:8428",
        destination=True,
        fr=(
            "Adresse",
            "URL de base de VictoriaMetrics en nœud unique (…/api/v1/import y est ajouté). "
            "Lancez-le avec -retentionPeriod=100y et -dedup.minScrapeInterval=1ms.",
        ),
        en=(
            "URL",
            "Base URL of VictoriaMetrics single-node (…/api/v1/import is appended). Run it with "
            "-retentionPeriod=100y and -dedup.minScrapeInterval=1ms.",
        ),
    )
    username: str = setting(
        "",
        fr=("Utilisateur", "Utilisateur HTTP Basic (-httpAuth.username) ; vide : aucun."),
        en=("Username", "HTTP Basic user (-httpAuth.username); empty: none."),
    )
    password: str = setting(
        "",
        secret=True,
        fr=("Mot de passe", "Mot de passe HTTP Basic (-httpAuth.password)."),
        en=("Password", "HTTP Basic password (-httpAuth.password)."),
    )
    token: str = setting(
        "",
        secret=True,
        fr=(
            "Jeton",
            "Jeton Bearer (par exemple d'un utilisateur vmauth) ; remplace l'authentification "
            "Basic quand il est renseigné.",
        ),
        en=("Token", "Bearer token (e.g. a vmauth user); sent instead of Basic auth when set."),
    )
    extra_labels: dict[str, str] = setting(
        default_factory=dict,
        fr=(
            "Labels ajoutés",
            'Labels ajoutés à chaque série, par exemple {"home": "paris"} (environnement : '
            "home=paris,site=a). Les changer commence de nouvelles séries.",
        ),
        en=(
            "Extra labels",
            'Labels added to every series, for example {"home": "paris"} (environment: '
            "home=paris,site=a). Changing them starts new series.",
        ),
    )
    verify_writes: bool = setting(
        True,
        fr=(
            "Vérifier les écritures",
            "Relit chaque lot (il faut /api/v1/export, /api/v1/query et /internal/force_flush). "
            "Désactivé, les points rejetés et les corrections passent inaperçus : seulement pour "
            "une URL qui n'accepte que l'écriture.",
        ),
        en=(
            "Verify the writes",
            "Read each batch back (needs /api/v1/export, /api/v1/query and "
            "/internal/force_flush). Off, dropped samples and corrections go unnoticed: only "
            "for a URL that accepts writes only.",
        ),
    )
    timeout_seconds: float = timeout_field()
    verify_tls: bool = verify_tls_field()

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return check_base_url(value, "http://localhost:8428")

    @field_validator("extra_labels", mode="before")
    @classmethod
    def _labels_from_text(cls, value: Any) -> Any:
        return parse_pairs(value, "labels")

    @field_validator("extra_labels")
    @classmethod
    def _check_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name, label_value in value.items():
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"{name!r} is not a label name: use letters, digits and _")
            if name in RESERVED_LABELS:
                raise ValueError(f"{name!r} is set by the exporter: choose another label name")
            if not label_value:
                raise ValueError(f"label {name!r} has an empty value: give it a value or drop it")
        return value
