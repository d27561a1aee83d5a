"""The ``openhab`` exporter: items, their states with units, and history in a modifiable
persistence service (``docs/integrations/openhab.md`` is the user's guide; PROTOCOLS.md §7).

A run goes: history batches first (the export service's order), each one the items it needs
(provisioned once per run by :class:`.items.ItemBook`) and one ``PUT
/rest/persistence/items/{item}`` per point; then the catalogue's current values as item states.
Nothing is sent to an item whose type would drop it (openHAB answers 202 to a state before the
item applies it, and silently drops a unit of another dimension): such items are named in a
permanent failure instead of being counted as written.

One call is one attempt. A failure that may pass (no answer, 408, 429, 5xx) is a
:class:`RetryableError` with openHAB's ``Retry-After``; the export service retries the batch,
and points already stored are simply written again at the same instants (JDBC, InfluxDB and
MongoDB replace them). A refusal (credentials, rrd4j, an item of the wrong type) is a
:class:`PermanentError` saying what to change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import ClassVar

from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterContext,
    ExportError,
    ExportResult,
    PermanentError,
    ProductionData,
    RetryableError,
    SeriesData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.openhab.client import OpenHABClient
from myelectricaldata.exporters.openhab.config import OpenHABConfig
from myelectricaldata.exporters.openhab.history import (
    HistoryWrite,
    ecowatt_write,
    series_write,
    tempo_write,
)
from myelectricaldata.exporters.openhab.items import ItemBook, Readiness
from myelectricaldata.exporters.openhab.mapping import (
    ItemNaming,
    Measure,
    grid_plan,
    pdl_plan,
    state_update,
)
from myelectricaldata.exporters.openhab.measures import describe as describe_measure
from myelectricaldata.exporters.openhab.model import (
    AuthScheme,
    ItemDefinition,
    OpenHABError,
    PersistenceServiceInfo,
    ServerInfo,
    StateUpdate,
    describe,
)
from myelectricaldata.support.retry import Retryable

log = logging.getLogger(__name__)

#: A connection test answers within this many seconds (the service gives up at 10).
TEST_WAIT_S = 8.0
#: What the client and the mapping raise: a failed request, a refusal, a value that does not fit.
FAILURES = (Retryable, OpenHABError, ExportError, ValueError, TypeError)
#: Scopes of the grid's signals; every other scope is a PDL.
GRID_SCOPES = frozenset({"tempo", "ecowatt"})


class OpenHABExporter(BaseExporter[OpenHABConfig]):
    """History into a modifiable persistence service, current values as item states."""

    name: ClassVar[str] = "openhab"
    title: ClassVar[str] = "openHAB"
    config_model: ClassVar[type[OpenHABConfig]] = OpenHABConfig
    supports_history: ClassVar[bool] = True
    supports_state: ClassVar[bool] = True
    #: One request per point: a batch that fails part way is sent again whole, so keep it to
    #: a few seconds of requests.
    batch_size: ClassVar[int] = 1000

    def __init__(self, config: OpenHABConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        if not self.config.history:
            # No batch is planned, so no checkpoint moves: turning history on later sends
            # everything (supports_history is a class attribute; this instance differs).
            vars(self)["supports_history"] = False
        self._naming = ItemNaming(self.config.item_prefix, self.config.label_language)
        self._redact = self.config.redactor()
        self._client: OpenHABClient | None = None
        self._book: ItemBook | None = None
        self._service_checked = False

    # -- plumbing --------------------------------------------------------------------------

    def _openhab(self) -> OpenHABClient:
        if self._client is None:
            cfg = self.config
            self._client = OpenHABClient(
                cfg.url,
                cfg.token,
                auth=AuthScheme(cfg.auth_scheme),
                timeout_s=cfg.timeout_seconds,
                verify_tls=cfg.verify_tls,
                concurrency=cfg.concurrency,
            )
        return self._client

    def _items(self) -> ItemBook:
        if self._book is None:
            self._book = ItemBook(self._openhab(), provision=self.config.provision_items)
        return self._book

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
            self._book = None

    def _error(self, exc: Exception) -> ExportError:
        """The kit's error for what the client or the mapping raised."""
        if isinstance(exc, ExportError):
            return exc
        text = self._redact(str(exc) or type(exc).__name__)
        if isinstance(exc, Retryable):
            # openHAB may have restarted: the next attempt reads its items again.
            if self._book is not None:
                self._book.forget()
            return RetryableError(f"openHAB: {text}", retry_after=exc.retry_after)
        if isinstance(exc, OpenHABError):
            return PermanentError(f"openHAB: {text}")
        return PermanentError(f"openHAB: a value cannot be written: {text}")

    # -- test ------------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """``GET /rest/`` (the address and the token), then what the config needs: the history
        service (installed, Modifiable, durable), else the administrator role (to create items),
        else the items (a plain user's role)."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(TEST_WAIT_S):
                info, service, what = await self._probe()
        except TimeoutError:
            return self._test_failed(
                started,
                f"openHAB at {self.config.url} did not answer within {TEST_WAIT_S:g} s: check "
                "url and that openHAB is running",
            )
        except (Retryable, OpenHABError) as exc:
            return self._test_failed(started, self._redact(str(exc)))
        message = self._redact(f"{describe(info, service)}; {what}")
        return ConnectionTestResult(True, message, None, (time.perf_counter() - started) * 1000)

    async def _probe(self) -> tuple[ServerInfo, PersistenceServiceInfo | None, str]:
        client = self._openhab()
        info = await client.server_info()
        if self.config.history:
            service = await client.history_service(self.config.persistence_service)
            return info, service, "the token may create items and write history"
        if self.config.provision_items:
            await client.persistence_services()  # needs the administrator role, as items do
            return info, None, "the token may create items; history is off"
        items = await client.items()
        return info, None, f"{len(items)} items readable; item creation and history are off"

    def _test_failed(self, started: float, error: str) -> ConnectionTestResult:
        latency = (time.perf_counter() - started) * 1000
        return ConnectionTestResult(False, "openHAB: the test failed", error, latency)

    # -- history ---------------------------------------------------------------------------

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily energy (kWh), the load curve (W, if asked) or the daily max power (VA)."""
        return await self._series(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily production (kWh) or its load curve (W, if asked)."""
        return await self._series(data)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours, at 06:00 of each day."""
        return await self._history(lambda: tempo_write(data, self._naming), len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt day levels (midnight) and hourly levels (each local hour)."""
        return await self._history(lambda: ecowatt_write(data, self._naming), len(data.days))

    async def _series(self, data: SeriesData) -> ExportResult:
        if data.stream.is_detail and not self.config.load_curve_history:
            return ExportResult(True, 0)  # not kept: load_curve_history is off
        return await self._history(lambda: series_write(data, self._naming), len(data.points))

    async def _history(self, build: Callable[[], HistoryWrite], records: int) -> ExportResult:
        if not records:
            return ExportResult(True, 0)
        client = self._openhab()
        service = self.config.persistence_service
        try:
            write = build()
            if not self._service_checked:
                # Once per run: never write into rrd4j, a volatile or a missing service.
                await client.history_service(service)
                self._service_checked = True
            readiness = await self._items().prepare(write.items)
            if readiness.missing or readiness.misfits:
                raise PermanentError(self._unusable(readiness, "its history"))
            await client.store_history(service, write.points)
        except FAILURES as exc:
            return ExportResult.failed(self._error(exc))
        return ExportResult(True, records)

    def _unusable(self, readiness: Readiness, what: str) -> str:
        parts = []
        if readiness.missing:
            parts.append(
                f"openHAB has no item {', '.join(readiness.missing)} for {what}: create it "
                "(docs/integrations/openhab.md lists each type) or turn provision_items on"
            )
        if readiness.misfits:
            parts.append(
                f"{'; '.join(readiness.misfits)}: openHAB would accept the values and drop "
                "them, so none is sent; change the type in openHAB or turn provision_items on"
            )
        return self._redact("openHAB: " + "; ".join(parts))

    # -- state -----------------------------------------------------------------------------

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Every catalogue value as the state of its item, with its unit; values whose item
        would drop them are named in a permanent failure, never counted."""
        names = {p.pdl: p.name for p in snapshot.usage_points}
        scopes: dict[str, list[Measure]] = defaultdict(list)
        updates: list[tuple[str, StateUpdate]] = []
        try:
            for value in snapshot.values:
                measure = describe_measure(value)
                if value.scope in GRID_SCOPES:
                    item = self._naming.grid_item(value.key)
                    scope = "grid"
                else:
                    item = self._naming.pdl_item(value.scope, value.key)
                    scope = value.scope
                updates.append((item, state_update(item, measure, value.value)))
                scopes[scope].append(measure)
        except (ValueError, TypeError) as exc:
            return ExportResult.failed(self._error(exc))
        wanted: list[ItemDefinition] = []
        for scope, measures in scopes.items():
            if scope == "grid":
                wanted += grid_plan(measures, self._naming, history=())
            else:
                wanted += pdl_plan(scope, measures, self._naming, name=names.get(scope, ""))
        try:
            readiness = await self._items().prepare(wanted)
            sending = [u for item, u in updates if item in readiness.ready]
            sent = await self._openhab().update_states(sending)
        except FAILURES as exc:
            return ExportResult.failed(self._error(exc))
        if readiness.missing:
            # Provisioning off: the user chose which items exist; the others are not wanted.
            log.info(
                "openhab: %d values skipped, their items do not exist (provision_items is off): %s",
                len(readiness.missing),
                ", ".join(readiness.missing[:10]),
            )
        if readiness.misfits:
            error = self._unusable(Readiness(readiness.ready, (), readiness.misfits), "states")
            return ExportResult(False, sent, error, retryable=False)
        return ExportResult(True, sent)


__all__ = ["OpenHABExporter"]
