"""Actions on the statistics this exporter owns in Home Assistant: list, clear, re-import.

Only statistics whose ``source`` is the configured prefix are listed or cleared, never another
integration's. A re-import is a run of the export service from a day on (the run's lock keeps it
from overlapping a scheduled one): every statistic is recomputed from that day, its sum
continuing from the one HA holds before it, so new tariff prices re-price the cost from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from myelectricaldata.exporters.delivery import ExportService, ProgressCallback
from myelectricaldata.exporters.home_assistant.config import HomeAssistantConfig
from myelectricaldata.exporters.home_assistant.exporter import HomeAssistantExporter
from myelectricaldata.store.exports import ExportLog

NAME = "home_assistant"


@dataclass(frozen=True, slots=True)
class HaStatistic:
    """One statistic of ours as Home Assistant lists it."""

    statistic_id: str
    name: str | None
    unit: str | None
    source: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI."""
        return {
            "statistic_id": self.statistic_id,
            "name": self.name,
            "unit": self.unit,
            "source": self.source,
        }


def _exporter(service: ExportService) -> HomeAssistantExporter:
    exporter = service.exporter(NAME)
    if not isinstance(exporter, HomeAssistantExporter):
        raise TypeError(f"{NAME} is not the built-in Home Assistant exporter")
    config: HomeAssistantConfig = exporter.config
    if not config.url or not config.token:
        raise ValueError(
            "configure the home_assistant exporter first: url and token (HOMEASSISTANT_URL, "
            "HOMEASSISTANT_TOKEN)"
        )
    return exporter


def check_configured(service: ExportService) -> None:
    """Raise ``ValueError`` naming the missing setting when url or token is not set."""
    _exporter(service)


async def list_statistics(service: ExportService, pdl: str | None = None) -> list[HaStatistic]:
    """Our statistics in Home Assistant (``recorder/list_statistic_ids``), by id."""
    exporter = _exporter(service)
    try:
        return await _ours(exporter, pdl)
    finally:
        await exporter.aclose()


async def _ours(exporter: HomeAssistantExporter, pdl: str | None) -> list[HaStatistic]:
    ws = await exporter.websocket()
    found = await ws.command("recorder/list_statistic_ids", statistic_type="sum")
    prefix = exporter.statistic_prefix()
    source = exporter.config.statistic_id_prefix
    out = [
        HaStatistic(
            item["statistic_id"],
            item.get("name"),
            item.get("statistics_unit_of_measurement") or item.get("display_unit_of_measurement"),
            str(item.get("source", "")),
        )
        for item in found or []
        if isinstance(item, dict)
        and str(item.get("statistic_id", "")).startswith(prefix)
        and item.get("source") == source
        and (pdl is None or str(item["statistic_id"]).startswith(f"{prefix}{pdl}_"))
    ]
    return sorted(out, key=lambda s: s.statistic_id)


async def clear_statistics(service: ExportService, pdl: str | None = None) -> list[str]:
    """Remove our statistics (metadata and every row) from Home Assistant; returns their ids.

    While the exporter stays enabled, its next run imports the whole history again (a statistic
    HA does not have is always sent from the oldest day): disable it first to keep them gone.
    """
    exporter = _exporter(service)
    try:
        ours = await _ours(exporter, pdl)
        ids = [s.statistic_id for s in ours]
        if ids:
            ws = await exporter.websocket()
            await ws.command("recorder/clear_statistics", statistic_ids=ids)
        return ids
    finally:
        await exporter.aclose()


async def reimport(
    service: ExportService,
    since: date,
    *,
    trigger: str = "api",
    on_progress: ProgressCallback | None = None,
) -> ExportLog:
    """Recompute and import every statistic from ``since`` (e.g. after a price change)."""
    _exporter(service)  # fail early with what to configure
    return await service.run(NAME, trigger=trigger, since=since, on_progress=on_progress)
