"""Configuration of the ``prometheus`` exporter (``PROMETHEUS_*`` variables)."""

from __future__ import annotations

from typing import ClassVar

from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting


class PrometheusConfig(ExporterConfig):
    """Settings of the ``/metrics`` page (env: ``PROMETHEUS_ENABLED``, ``PROMETHEUS_MAX_AGE``)."""

    env_prefix: ClassVar[str] = "PROMETHEUS"
    summary: ClassVar[Translated | None] = Translated(
        "Réglages de la page `/metrics` (environnement : `PROMETHEUS_ENABLED`, "
        "`PROMETHEUS_MAX_AGE`).",
        "Settings of the `/metrics` page (environment: `PROMETHEUS_ENABLED`, "
        "`PROMETHEUS_MAX_AGE`).",
    )

    max_age: int = setting(
        300,
        ge=0,
        le=86_400,
        fr=(
            "Âge maximal des valeurs (s)",
            "Secondes pendant lesquelles /metrics sert les valeurs du dernier export avant de "
            "les recalculer depuis le catalogue (0 : à chaque collecte).",
        ),
        en=(
            "Values' maximum age (s)",
            "Seconds /metrics may serve the values of the last run before it computes fresh "
            "ones from the catalogue (0: on every scrape).",
        ),
    )
