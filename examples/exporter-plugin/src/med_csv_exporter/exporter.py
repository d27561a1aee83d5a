"""The CSV exporter: the history one file per series, the current values in ``state.csv``.

Files (in ``folder``):

- ``<pdl>_<stream>.csv`` (``09999000000099_consumption_detail.csv``...): ``start``, ``end``,
  ``value`` (Wh, or VA for max power), ``unit``, ``quality``, ``avg_w`` (load curve), ``at``
  (when a max power was reached);
- ``tempo.csv``: ``day``, ``color``; ``ecowatt.csv``: ``day``, ``level``, ``hourly``,
  ``message``;
- ``state.csv``: ``scope``, ``key``, ``value``, ``unit``, ``date``, rewritten by every run.

A missing folder is a failure that may go away (a share not mounted yet): retryable. A folder
this service may not write is not: permanent. The export service retries; this never loops.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TypeVar

from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExportError,
    ExportResult,
    PermanentError,
    ProductionData,
    RetryableError,
    SeriesData,
    StateSnapshot,
    TempoData,
)

from med_csv_exporter.config import CsvConfig
from med_csv_exporter.files import Row, upsert, write_table

T = TypeVar("T")
SERIES_COLUMNS = ("start", "end", "value", "unit", "quality", "avg_w", "at")
STATE_COLUMNS = ("scope", "key", "value", "unit", "date")


class CsvExporter(BaseExporter[CsvConfig]):
    """Writes the history and the current values as CSV files in a folder."""

    name: ClassVar[str] = "csv"
    title: ClassVar[str] = "CSV"
    config_model: ClassVar[type[CsvConfig]] = CsvConfig
    supports_history: ClassVar[bool] = True
    supports_state: ClassVar[bool] = True
    batch_size: ClassVar[int] = 10_000

    # -- the folder ----------------------------------------------------------------------------

    def _folder(self) -> Path:
        """The folder, created when allowed; raises what the service should do about it."""
        folder = Path(self.config.folder)
        if not folder.is_dir():
            if not self.config.create_folder or not folder.parent.is_dir():
                raise RetryableError(
                    f"csv: the folder {folder} does not exist: create it, or turn "
                    "create_folder on (its parent folder must exist)"
                )
            try:
                folder.mkdir(exist_ok=True)
            except OSError as exc:
                raise PermanentError(f"csv: cannot create {folder}: {exc.strerror}") from None
        return folder

    async def _in_folder(self, work: Callable[[Path], T]) -> T:
        """``work(folder)`` in a thread (file I/O blocks), its OS errors classified."""

        def run() -> T:
            folder = self._folder()
            try:
                return work(folder)
            except PermissionError as exc:
                raise PermanentError(
                    f"csv: this service may not write in {folder} ({exc.strerror}): give it "
                    "write access"
                ) from None
            except OSError as exc:
                raise RetryableError(f"csv: writing in {folder} failed: {exc}") from None

        return await asyncio.to_thread(run)

    async def _write(self, work: Callable[[Path], int]) -> ExportResult:
        try:
            written = await self._in_folder(work)
        except ExportError as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, written)

    # -- the contract --------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """Write and remove a probe file in the folder."""
        started = time.perf_counter()

        def probe(folder: Path) -> None:
            path = folder / f".probe-{uuid.uuid4().hex}"
            path.write_text("ok", encoding="utf-8")
            path.unlink()

        try:
            await self._in_folder(probe)
        except ExportError as exc:
            latency = (time.perf_counter() - started) * 1000
            return ConnectionTestResult(False, "csv: test failed", str(exc), latency)
        return ConnectionTestResult(
            True,
            f"csv: {self.config.folder} is writable",
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Consumption (or max power) rows in ``<pdl>_<stream>.csv``."""
        return await self._series(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Production rows in ``<pdl>_<stream>.csv``."""
        return await self._series(data)

    async def _series(self, data: SeriesData) -> ExportResult:
        rows: dict[str, Row] = {}
        for p in data.points:
            start = p.start.isoformat()
            rows[start] = {
                "start": start,
                "end": p.end.isoformat(),
                "value": repr(float(p.value)),
                "unit": data.unit,
                "quality": p.quality,
                "avg_w": "" if p.avg_w is None else repr(float(p.avg_w)),
                "at": "" if p.at is None else p.at.isoformat(),
            }
        name = f"{data.pdl}_{data.stream.value}.csv"
        delimiter = self.config.delimiter
        return await self._write(
            lambda folder: upsert(folder / name, SERIES_COLUMNS, "start", rows, delimiter)
        )

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours in ``tempo.csv``."""
        rows = {d.day.isoformat(): {"day": d.day.isoformat(), "color": d.color.value}
                for d in data.days}  # fmt: skip
        delimiter = self.config.delimiter
        return await self._write(
            lambda folder: upsert(folder / "tempo.csv", ("day", "color"), "day", rows, delimiter)
        )

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt days in ``ecowatt.csv`` (the 24 hourly levels as one digit each)."""
        rows = {
            d.day.isoformat(): {
                "day": d.day.isoformat(),
                "level": str(d.level),
                "hourly": "".join(map(str, d.hourly)),
                "message": d.message,
            }
            for d in data.days
        }
        columns = ("day", "level", "hourly", "message")
        delimiter = self.config.delimiter
        return await self._write(
            lambda folder: upsert(folder / "ecowatt.csv", columns, "day", rows, delimiter)
        )

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Every current value in ``state.csv``, with its unit."""
        rows = [
            {
                "scope": v.scope,
                "key": v.key,
                "value": "" if v.value is None else str(v.value),
                "unit": v.unit or "",
                "date": v.date or "",
            }
            for v in snapshot.values
        ]
        delimiter = self.config.delimiter

        def work(folder: Path) -> int:
            write_table(folder / "state.csv", STATE_COLUMNS, rows, delimiter)
            return len(rows)

        return await self._write(work)
