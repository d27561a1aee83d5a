"""Acknowledged delivery: checkpoints on change numbers, batches, retries, logs, locks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

import pytest
from pydantic import Field

from myelectricaldata.crypto import SecretBox
from myelectricaldata.domain.types import DailyReading, Direction, LoadCurvePoint, Origin
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    ExporterConfig,
    ExportError,
    ExportResult,
    PermanentError,
    ProductionData,
    RetryableError,
    TempoData,
    secret_field,
)
from myelectricaldata.exporters.batches import Span, plan_batches
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.store.exports import ChangeGroup, ExportBusy, ExportRepo
from myelectricaldata.store.repo import Store
from myelectricaldata.store.reprice import RepriceReason

PDL = "12345678901234"


class MemoryConfig(ExporterConfig):
    """Config of the in-memory destination."""

    token: str = secret_field("", "A secret, to check it never leaks.")
    fail_next: int = Field(0, description="Refuse this many calls.")


class MemoryExporter(BaseExporter):
    """A destination that keeps what it accepted, keyed like an idempotent TSDB."""

    name = "memory"
    config_model = MemoryConfig
    batch_size = 100
    received: ClassVar[dict[tuple[str, str, datetime], float]] = {}
    calls: ClassVar[list[int]] = []
    refuse: ClassVar[int] = 0

    async def test_connection(self) -> ConnectionTestResult:
        return ConnectionTestResult(True, "ok")

    async def _take(self, data: ConsumptionData | ProductionData) -> ExportResult:
        MemoryExporter.calls.append(len(data.points))
        if MemoryExporter.refuse > 0:
            MemoryExporter.refuse -= 1
            token = MemoryConfig.model_validate(self.config.model_dump()).token
            return ExportResult(False, 0, f"refused (token {token})")
        for p in data.points:
            MemoryExporter.received[(data.pdl, data.stream.granularity, p.start)] = p.value
        return ExportResult(True, len(data.points))

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        return await self._take(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        return await self._take(data)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        return ExportResult(True, len(data.days))


@pytest.fixture
def service(store: Store) -> Iterator[ExportService]:
    from cryptography.fernet import Fernet

    registry = Registry(plugins=False)
    registry.types["memory"] = MemoryExporter
    configs = ConfigStore(registry, ExportRepo(store), SecretBox(Fernet.generate_key()), {})
    configs.save("memory", {"enabled": True, "token": "tok-SECRET-123"})
    MemoryExporter.received.clear()
    MemoryExporter.calls.clear()
    MemoryExporter.refuse = 0

    async def no_sleep(_: float) -> None:
        return None

    yield ExportService(store, registry, configs, sleep=no_sleep)


def days(start: date, n: int, base: int = 1000) -> list[DailyReading]:
    return [DailyReading(start + timedelta(days=i), base + i) for i in range(n)]


def test_plan_batches_keeps_writes_whole() -> None:
    groups = [ChangeGroup(1, 60), ChangeGroup(2, 60), ChangeGroup(3, 30), ChangeGroup(4, 250)]
    assert plan_batches(groups, 100) == [Span(0, 1, 60), Span(1, 3, 90), Span(3, 4, 250)]
    assert plan_batches([], 100) == []


async def test_sends_new_backfilled_and_corrected_rows_but_not_unchanged(
    store: Store, service: ExportService
) -> None:
    C = Direction.CONSUMPTION
    store.upsert_daily(PDL, C, days(date(2024, 6, 1), 30), Origin.GATEWAY)
    log = await service.run("memory")
    assert (log.status, log.records) == ("success", 30)
    assert len(MemoryExporter.received) == 30

    again = await service.run("memory")
    assert again.records == 0  # nothing changed, nothing sent

    store.upsert_daily(PDL, C, days(date(2024, 1, 1), 10), Origin.GATEWAY)  # older: backfill
    corrected = days(date(2024, 6, 1), 30)
    corrected[5] = DailyReading(corrected[5].day, 7, "CORRIGE")
    store.upsert_daily(PDL, C, corrected, Origin.GATEWAY)  # one correction among 30
    third = await service.run("memory")
    assert third.records == 11
    start = datetime(2024, 6, 5, 22, 0, tzinfo=UTC)  # local midnight of 6 June
    assert MemoryExporter.received[(PDL, "daily", start)] == 7
    assert len(MemoryExporter.received) == 40


async def test_refused_batch_keeps_checkpoint_and_next_run_resends(
    store: Store, service: ExportService
) -> None:
    points = [
        LoadCurvePoint(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=30 * i), 100 + i)
        for i in range(250)
    ]
    for i in range(0, 250, 50):  # five writes of 50 rows: batches of 100 rows
        store.upsert_load_curve(PDL, Direction.CONSUMPTION, points[i : i + 50], Origin.GATEWAY)
    MemoryExporter.refuse = 10  # more than the attempts of one run
    failed = await service.run("memory")
    assert failed.status == "failed"
    assert "after 4 attempts" in (failed.error or "")
    assert "tok-SECRET-123" not in (failed.error or "")  # secrets redacted from logs
    assert failed.records == 0
    MemoryExporter.refuse = 2  # the destination is back after two refusals
    ok = await service.run("memory")
    assert (ok.status, ok.records) == ("success", 250)
    assert len(MemoryExporter.received) == 250
    logs = service.repo.logs("memory")
    assert [entry.status for entry in logs[:2]] == ["success", "failed"]


async def test_export_again_from_a_date_resends_without_moving_checkpoints(
    store: Store, service: ExportService
) -> None:
    store.upsert_daily(PDL, Direction.CONSUMPTION, days(date(2024, 1, 1), 60), Origin.GATEWAY)
    await service.run("memory")
    before = service.repo.checkpoints("memory")
    MemoryExporter.received.clear()
    replay = await service.run("memory", since=date(2024, 2, 20))
    assert replay.records == 10
    assert len(MemoryExporter.received) == 10
    assert service.repo.checkpoints("memory") == before


async def test_one_run_per_destination(store: Store, service: ExportService) -> None:
    service.repo.acquire("memory", "someone-else")
    with pytest.raises(ExportBusy):
        await service.run("memory")
    service.repo.release("memory", "someone-else")
    assert (await service.run("memory")).status == "success"


async def test_configs_env_bootstrap_saved_wins_and_secrets_encrypted(store: Store) -> None:
    from cryptography.fernet import Fernet

    registry = Registry(plugins=False)
    registry.types["memory"] = MemoryExporter
    repo = ExportRepo(store)
    env = {"MEMORY_ENABLED": "true"}
    configs = ConfigStore(registry, repo, SecretBox(Fernet.generate_key()), env)
    assert configs.load("memory").enabled is True
    saved = configs.save("memory", {"enabled": False, "token": "tok-1"})
    assert saved.enabled is False and configs.load("memory").enabled is False  # saved wins
    raw = repo.config("memory")
    assert raw is not None and "tok-1" not in str(raw)  # encrypted at rest
    shown = configs.masked(configs.load("memory"))
    assert shown["token"] == "********"
    kept = configs.save("memory", {"enabled": True, "token": "********"})  # mask keeps it
    assert MemoryConfig.model_validate(kept.model_dump()).token == "tok-1"
    with pytest.raises(Exception, match="fail_next"):
        configs.save("memory", {"fail_next": "many"})
    assert configs.load("memory").enabled is True  # the bad save changed nothing


def test_broken_plugin_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    import myelectricaldata.exporters.registry as registry_module

    broken = EntryPoint("broken", "no_such_module_xyz:Exporter", "myelectricaldata.exporters")
    plugin = EntryPoint("memory_plugin", f"{__name__}:MemoryExporter", "myelectricaldata.exporters")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [broken, plugin])
    registry = registry_module.Registry()
    assert "memory_plugin" in registry.types
    assert [b.name for b in registry.broken if b.name == "broken"] == ["broken"]
    assert "No module named" in next(b.error for b in registry.broken if b.name == "broken")


async def test_test_connection_is_bounded(store: Store, service: ExportService) -> None:
    result = await service.test("memory")
    assert result.success


class GuideConfig(ExporterConfig):
    """A config declared the guide's first way (English descriptions only)."""

    token: str = secret_field("", "A token.")


class GuideExporter(BaseExporter):  # type: ignore[type-arg]
    """Written against the published guide: ``__init__(self, config)``, no context."""

    name = "guide"
    config_model = GuideConfig

    def __init__(self, config: ExporterConfig) -> None:
        super().__init__(config)  # type: ignore[arg-type]
        self.seen: list[int] = []

    async def test_connection(self) -> ConnectionTestResult:
        return ConnectionTestResult(True, "ok")

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        # The service set the context after building it: the store is there.
        store = self.context.require_store()
        assert store.usage_points() == []
        return ExportResult(True, len(data.points))


async def test_an_exporter_written_against_the_guide_still_runs(store: Store) -> None:
    from cryptography.fernet import Fernet

    registry = Registry(plugins=False)
    registry.types = {"guide": GuideExporter}
    configs = ConfigStore(registry, ExportRepo(store), SecretBox(Fernet.generate_key()), {})
    configs.save("guide", {"enabled": True, "token": "tok-guide-1"})
    store.upsert_daily(PDL, Direction.CONSUMPTION, days(date(2024, 1, 1), 3), Origin.GATEWAY)
    service = ExportService(store, registry, configs)
    log = await service.run("guide")
    assert (log.status, log.records) == ("success", 3)
    assert (await service.test("guide")).success


class RepricingExporter(MemoryExporter):
    """A destination that keeps costs: its re-pricing answers as ``answers`` says, in turn."""

    name = "repricing"
    reprices: ClassVar[bool] = True
    answers: ClassVar[list[ExportResult | ExportError]] = []
    repriced: ClassVar[list[tuple[str, date, date]]] = []

    async def reprice(self, pdl: str, first: date, last: date) -> ExportResult:
        RepricingExporter.repriced.append((pdl, first, last))
        answer = RepricingExporter.answers.pop(0) if RepricingExporter.answers else None
        if isinstance(answer, ExportError):
            raise answer
        return answer or ExportResult(True, 1)


async def test_a_reprice_refused_for_good_is_not_retried_and_its_mark_waits_for_the_next_run(
    store: Store,
) -> None:
    from cryptography.fernet import Fernet

    registry = Registry(plugins=False)
    registry.types["repricing"] = RepricingExporter
    configs = ConfigStore(registry, ExportRepo(store), SecretBox(Fernet.generate_key()), {})
    configs.save("repricing", {"enabled": True, "token": "tok-SECRET-123"})

    async def no_sleep(_: float) -> None:
        return None

    service = ExportService(store, registry, configs, sleep=no_sleep)
    store.upsert_daily(PDL, Direction.CONSUMPTION, days(date(2024, 1, 1), 5), Origin.GATEWAY)
    assert (await service.run("repricing")).status == "success"  # it holds days: it reprices
    service.reprices.mark([PDL], date(2024, 1, 3), RepriceReason.PRICES, today=date(2024, 1, 5))
    RepricingExporter.repriced.clear()
    RepricingExporter.answers = [PermanentError("the cost series is read-only (tok-SECRET-123)")]
    failed = await service.run("repricing")
    assert failed.status == "failed"
    assert RepricingExporter.repriced == [(PDL, date(2024, 1, 3), date(2024, 1, 5))]  # once
    assert "re-pricing 12345678901234: the cost series is read-only" in (failed.error or "")
    assert "(not retried)" in (failed.error or "")
    assert "tok-SECRET-123" not in (failed.error or "")
    assert [(m.first, m.last) for m in service.reprices.pending("repricing")] == [
        (date(2024, 1, 3), date(2024, 1, 5))
    ]
    RepricingExporter.answers = [RetryableError("busy"), ExportResult(True, 1)]
    assert (await service.run("repricing")).status == "success"  # retried within the run
    assert len(RepricingExporter.repriced) == 3
    assert service.reprices.pending("repricing") == []
