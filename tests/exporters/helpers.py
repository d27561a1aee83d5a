"""Helpers shared by the time-series database exporter tests (InfluxDB, VictoriaMetrics).

:func:`store_points` walks everything a full export of a store must write (each test maps it to
its server's layout), :func:`run_through_outage` stops a server after the first batch of a full
export and checks that the next run completes it, and the rest builds services and batches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import PARIS, ecowatt_hours, local_midnight
from myelectricaldata.domain.types import Direction
from myelectricaldata.exporters.base import TEMPO_CODE, EnergyPoint
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import make_export_service

PDLS = ("09999000000001", "09999000000002")
FAR_PAST, FAR_FUTURE = date(2000, 1, 1), date(2100, 1, 1)


@dataclass(frozen=True, slots=True)
class StorePoint:
    """One point a full export must write, in the exporters' own terms.

    ``kind`` is consumption, production, max_power, tempo or ecowatt; ``tags`` the identity
    (``pdl`` and ``granularity``: daily/load_curve, day/hour for EcoWatt; none for Tempo);
    ``fields`` the values: ``wh`` (+ ``avg_w``) and ``quality``; ``va``, ``quality`` and ``at``
    (ISO, Paris); ``code`` and ``color``; ``level`` (+ ``message`` on a day level).
    """

    kind: str
    tags: dict[str, str]
    at: datetime
    fields: dict[str, Any]


def store_points(store: Store) -> Iterator[StorePoint]:
    """Every point a full export of ``store`` must write, read from the store itself."""
    start, end = local_midnight(FAR_PAST), local_midnight(FAR_FUTURE)
    for pdl in PDLS:
        for direction in Direction:
            name = direction.value
            for row in store.daily(pdl, direction, FAR_PAST, FAR_FUTURE):
                tags = {"pdl": pdl, "granularity": "daily"}
                fields = {"wh": float(row.value_wh), "quality": row.quality}
                yield StorePoint(name, tags, local_midnight(row.day), fields)
            for p in store.load_curve(pdl, direction, start, end):
                tags = {"pdl": pdl, "granularity": "load_curve"}
                wh = p.avg_w * p.interval_min / 60
                fields = {"wh": wh, "avg_w": float(p.avg_w), "quality": p.quality}
                yield StorePoint(name, tags, p.start, fields)
        for mp in store.max_power(pdl, FAR_PAST, FAR_FUTURE):
            yield StorePoint(
                "max_power",
                {"pdl": pdl, "granularity": "daily"},
                local_midnight(mp.day),
                {
                    "va": float(mp.value_va),
                    "quality": mp.quality,
                    "at": mp.at.astimezone(PARIS).isoformat(),
                },
            )
    for day in store.tempo(FAR_PAST, FAR_FUTURE):
        fields = {"code": float(TEMPO_CODE[day.color]), "color": day.color.value}
        yield StorePoint("tempo", {}, tempo_instant(day.day), fields)
    for eco in store.ecowatt(FAR_PAST, FAR_FUTURE):
        fields = {"level": float(eco.level)}
        if eco.message:
            fields["message"] = eco.message
        yield StorePoint("ecowatt", {"granularity": "day"}, local_midnight(eco.day), fields)
        for hour, at in ecowatt_hours(eco.day):
            level = {"level": float(eco.hourly[hour])}
            yield StorePoint("ecowatt", {"granularity": "hour"}, at, level)


def days(values: list[float], quality: str, first: date = date(2024, 1, 1)) -> list[EnergyPoint]:
    """Daily points with these values, one local day each from ``first``."""
    return [
        EnergyPoint(
            local_midnight(first + timedelta(days=i)),
            local_midnight(first + timedelta(days=i + 1)),
            v,
            quality,
        )
        for i, v in enumerate(values)
    ]


def service_for(store: Store, name: str, config: dict[str, Any] | None = None) -> ExportService:
    """An export service with ``config`` saved for exporter ``name``.

    Each service has its own key: a config another service saved (secrets encrypted with
    another key) is dropped first.
    """
    service = make_export_service(store)
    ExportRepo(store).save_config(name, {})
    if config is not None:
        service.configs.save(name, config)
    return service


def timed_full_export(store: Store, name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Export the whole history of ``store`` to ``name``: ``{"log", "seconds"}``."""
    service = service_for(store, name, config)
    ExportRepo(store).reset_checkpoints(name)
    started = time.perf_counter()
    log = asyncio.run(service.run(name))
    return {"log": log, "seconds": time.perf_counter() - started}


class Restartable(Protocol):
    """A server fixture that can be stopped and started again on the same port."""

    def stop(self) -> None: ...

    def start(self) -> None: ...


def run_through_outage(
    store: Store, name: str, config: dict[str, Any], server: Restartable, unreachable: str
) -> None:
    """A full export to ``name`` whose ``server`` stops after the first batch must fail with an
    error containing ``unreachable``, having counted that batch; once the server is back, the
    next run must send exactly the rest. The caller then checks what the server holds."""
    service = service_for(store, name, config)
    repo = ExportRepo(store)
    repo.reset_checkpoints(name)
    stopped_after: list[int] = []

    def stop_after_first_batch(sent: int, total: int) -> None:
        if not stopped_after:
            stopped_after.append(sent)
            server.stop()

    try:
        failed = asyncio.run(service.run(name, on_progress=stop_after_first_batch))
    finally:
        server.start()
    assert failed.status == "failed"
    assert unreachable in (failed.error or "")
    assert 0 < failed.records == stopped_after[0] < failed.records_total

    recovered = asyncio.run(service.run(name))
    assert recovered.status == "success", recovered.error
    assert recovered.records == failed.records_total - failed.records
    assert [log.status for log in repo.logs(name, 2)] == ["success", "failed"]
