"""The contract suite's plumbing: the exporter under test wrapped to count its calls (and to
simulate an outage), one check's world, and how read-backs are compared."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet

from myelectricaldata.crypto import SecretBox
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExportResult,
    ProductionData,
    RetryableError,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.context import ExporterSettings
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.exporters.testing.data import CONTRACT_NOW, Point
from myelectricaldata.store.exports import ExportLog, ExportRepo
from myelectricaldata.store.repo import Store
from myelectricaldata.support.retry import Backoff

#: Retries that do not wait: a check that meets an outage goes on at once.
FAST_RETRIES = Backoff(attempts=3, base=0.0, cap=0.0, longest_wait=0.0)


async def no_wait(seconds: float) -> None:
    return None


def service_for(
    store: Store,
    exporter_class: type[BaseExporter[Any]],
    *,
    now: datetime = CONTRACT_NOW,
    policy: Backoff = FAST_RETRIES,
) -> ExportService:
    """An export service on ``store`` that knows only ``exporter_class`` (under its own name),
    a fresh key for the secrets it saves, the catalogue's snapshot computed at ``now``, and
    retries that do not wait."""
    registry = Registry(plugins=False)
    registry.types = {exporter_class.name: exporter_class}
    registry.broken = []
    configs = ConfigStore(registry, ExportRepo(store), SecretBox(Fernet.generate_key()), {})

    async def snapshot() -> StateSnapshot:
        return await compute_snapshot(store, now=now)

    return ExportService(
        store,
        registry,
        configs,
        snapshot,
        settings=ExporterSettings(data_source="demo"),
        policy=policy,
        sleep=no_wait,
    )


@dataclass
class Calls:
    """What the exporter under test was asked, per method, and the outage the suite simulates."""

    history: list[str] = field(default_factory=list)
    states: int = 0
    #: Calls let through before every later one fails (a destination that goes away).
    fail_after: int | None = None
    #: Every message the exporter itself returned (before the service redacts anything).
    texts: list[str] = field(default_factory=list)

    def reset(self) -> None:
        """Forget the calls (and end the outage)."""
        self.history.clear()
        self.states = 0
        self.fail_after = None

    def said(self, result: ExportResult | ConnectionTestResult) -> None:
        """Keep what a result says."""
        if isinstance(result, ConnectionTestResult):
            self.texts.append(result.message)
        self.texts.append(result.error or "")

    def enter(self, method: str) -> None:
        """Count a call; raise the simulated outage once ``fail_after`` calls went through."""
        made = len(self.history) + self.states
        if self.fail_after is not None and made >= self.fail_after:
            raise RetryableError(f"contract suite: simulated outage before {method}")
        if method == "export_state":
            self.states += 1
        else:
            self.history.append(method)


def watched(cls: type[BaseExporter[Any]], calls: Calls) -> type[BaseExporter[Any]]:
    """``cls`` with every export method counted (and refused during a simulated outage)."""

    class Watched(cls):  # type: ignore[valid-type,misc]
        async def test_connection(self) -> ConnectionTestResult:
            result: ConnectionTestResult = await super().test_connection()
            calls.said(result)
            return result

        async def export_consumption(self, data: ConsumptionData) -> ExportResult:
            calls.enter("export_consumption")
            result: ExportResult = await super().export_consumption(data)
            calls.said(result)
            return result

        async def export_production(self, data: ProductionData) -> ExportResult:
            calls.enter("export_production")
            result: ExportResult = await super().export_production(data)
            calls.said(result)
            return result

        async def export_tempo(self, data: TempoData) -> ExportResult:
            calls.enter("export_tempo")
            result: ExportResult = await super().export_tempo(data)
            calls.said(result)
            return result

        async def export_ecowatt(self, data: EcowattData) -> ExportResult:
            calls.enter("export_ecowatt")
            result: ExportResult = await super().export_ecowatt(data)
            calls.said(result)
            return result

        async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
            calls.enter("export_state")
            result: ExportResult = await super().export_state(snapshot)
            calls.said(result)
            return result

    Watched.__name__ = Watched.__qualname__ = cls.__name__
    return Watched


@dataclass
class Harness:
    """One check's world: the store with the suite's history, the service, the call counts."""

    store: Store
    service: ExportService
    calls: Calls
    name: str

    async def run(self, config: dict[str, Any], **options: Any) -> ExportLog:
        """Save ``config`` (secrets encrypted, as the API does) and run one export."""
        self.service.configs.save(self.name, config)
        return await self.service.run(self.name, trigger="contract", **options)

    async def snapshot(self) -> StateSnapshot:
        """The catalogue's values of the suite's history at its "now"."""
        return await compute_snapshot(self.store, now=CONTRACT_NOW)


def multiset(points: Iterable[Point]) -> Counter[tuple[str, str | None, str, float | str]]:
    return Counter(point.key() for point in points)


def differences(got: Iterable[Point], expected: Iterable[Point]) -> str:
    have, want = multiset(got), multiset(expected)
    missing = sorted((want - have).elements())[:5]
    extra = sorted((have - want).elements())[:5]
    return f"missing (first 5): {missing}; not sent or held twice (first 5): {extra}"
