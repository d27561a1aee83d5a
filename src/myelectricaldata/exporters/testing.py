"""The contract every exporter passes, built-in or plug-in: subclass it in your tests.

Usage (pytest)::

    from myelectricaldata.exporters.testing import ExporterContract

    class TestMyExporter(ExporterContract):
        exporter_class = MyExporter

        @pytest.fixture
        def config(self, my_server) -> dict[str, object]:
            return {"enabled": True, "url": my_server.url, "token": "..."}

        @pytest.fixture
        def unreachable_config(self) -> dict[str, object]:
            return {"enabled": True, "url": "http://127.0.0.1:9", "token": "..."}

It needs pytest and pytest-asyncio (``asyncio_mode = auto``); it imports nothing from a test tree.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import pytest

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoColor, TempoDay
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ExporterConfig,
    ExportResult,
    ProductionData,
    TempoData,
)

CONTRACT_PDL = "09999000000099"


def sample_points(days: int = 2, start: date = date(2024, 10, 26)) -> list[EnergyPoint]:
    """Load-curve points over ``days`` local days from ``start`` (DST day included by default)."""
    first = datetime.combine(start, datetime.min.time(), tzinfo=PARIS).astimezone(UTC)
    last = datetime.combine(start + timedelta(days=days), datetime.min.time(), tzinfo=PARIS)
    points = []
    instant = first
    while instant < last.astimezone(UTC):
        watts = 200 + (int(instant.timestamp()) // 1800) % 37 * 50
        local = instant.astimezone(PARIS)
        end = (instant + timedelta(minutes=30)).astimezone(PARIS)
        points.append(EnergyPoint(local, end, watts / 2, "BRUT", avg_w=watts))
        instant += timedelta(minutes=30)
    return points


def daily_points(days: int = 5, start: date = date(2024, 10, 25)) -> list[EnergyPoint]:
    """Daily points over ``days`` local days."""
    points = []
    for i in range(days):
        day = start + timedelta(days=i)
        begin = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
        points.append(EnergyPoint(begin, end, 10_000 + 137 * i, "CORRIGE"))
    return points


class ExporterContract:
    """Checks every exporter must pass; subclasses give ``exporter_class`` and two fixtures."""

    exporter_class: ClassVar[type[BaseExporter[Any]]]

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        """A working configuration (destination up)."""
        raise NotImplementedError("override the `config` fixture")

    @pytest.fixture
    def unreachable_config(self) -> dict[str, Any]:
        """A configuration pointing at nothing (a closed loopback port)."""
        raise NotImplementedError("override the `unreachable_config` fixture")

    def make(self, values: dict[str, Any]) -> BaseExporter[Any]:
        """An exporter built from config values."""
        return self.exporter_class(self.exporter_class.config_model.model_validate(values))

    def test_declares_name_title_and_config_model(self) -> None:
        cls = self.exporter_class
        assert isinstance(cls.name, str) and cls.name.replace("_", "").isalnum()
        assert issubclass(cls.config_model, ExporterConfig)
        assert cls.supports_history or cls.supports_state
        assert cls.batch_size > 0
        schema = cls.config_model.model_json_schema()
        for field, info in schema.get("properties", {}).items():
            assert info.get("description"), f"config field {field} has no description"

    def test_secret_fields_are_declared_as_secrets(self) -> None:
        model = self.exporter_class.config_model
        for field in model.model_fields:
            looks_secret = any(k in field for k in ("password", "token", "secret", "api_key"))
            if looks_secret:
                assert field in model.secret_fields(), f"{field} must be a secret_field"

    def test_unknown_config_keys_are_refused(self, config: dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            self.exporter_class.config_model.model_validate(config | {"no_such_option": 1})

    async def test_connection_succeeds(self, config: dict[str, Any]) -> None:
        exporter = self.make(config)
        try:
            result = await exporter.test_connection()
        finally:
            await exporter.aclose()
        assert isinstance(result, ConnectionTestResult)
        assert result.success, result.error
        assert result.message

    async def test_unreachable_fails_fast_with_a_reason(
        self, unreachable_config: dict[str, Any]
    ) -> None:
        exporter = self.make(unreachable_config)
        started = time.monotonic()
        try:
            result = await exporter.test_connection()
        finally:
            await exporter.aclose()
        assert time.monotonic() - started < 10
        assert not result.success
        assert result.error
        for field in exporter.config.secret_fields():
            secret = getattr(exporter.config, field)
            if isinstance(secret, str) and len(secret) > 3:
                assert secret not in (result.error or "") + result.message

    async def test_exports_batches_and_counts_records(self, config: dict[str, Any]) -> None:
        exporter = self.make(config)
        try:
            results: list[ExportResult] = []
            if exporter.supports_history:
                load = sample_points()
                results.append(
                    await exporter.export_consumption(
                        ConsumptionData(CONTRACT_PDL, Stream.CONSUMPTION_DETAIL, load)
                    )
                )
                daily = daily_points()
                results.append(
                    await exporter.export_production(
                        ProductionData(CONTRACT_PDL, Stream.PRODUCTION_DAILY, daily)
                    )
                )
                tempo = [TempoDay(date(2024, 11, 4), TempoColor.RED)]
                results.append(await exporter.export_tempo(TempoData(tempo)))
                hourly = tuple([0] * 6 + [1] * 12 + [2] * 6)
                eco = [EcoWattDay(date(2024, 11, 4), 2, hourly, "Tendu")]
                results.append(await exporter.export_ecowatt(EcowattData(eco)))
        finally:
            await exporter.aclose()
        for result in results:
            assert isinstance(result, ExportResult)
            assert result.success, result.error
            assert result.records_exported >= 0

    async def test_export_to_unreachable_is_a_failure_not_a_success(
        self, unreachable_config: dict[str, Any]
    ) -> None:
        exporter = self.make(unreachable_config)
        data = ConsumptionData(CONTRACT_PDL, Stream.CONSUMPTION_DAILY, daily_points())
        try:
            try:
                result = await exporter.export_consumption(data)
            except Exception:
                return  # raising is an acceptable way to refuse
        finally:
            await exporter.aclose()
        if exporter.supports_history:
            assert not result.success
        else:  # a state-only exporter takes no history: it must not claim to have sent any
            assert result.records_exported == 0
