"""The ``jeedom`` exporter: history and current values into Jeedom over its JSON-RPC API
(``docs/integrations/jeedom.md`` is the user's guide).

Each run first makes sure the commands exist: with ``provisioning`` ``auto`` the Virtual
equipments are created or brought up to date (:mod:`.provision`; nothing is saved when they
already are), with ``mapping`` the user's commands are checked. It then sends each history
batch to the command of its series (:mod:`.history`), oldest first and the newest stored value
last, and the catalogue's current values at the end. Every call makes one attempt: a failure a
later attempt may fix (Jeedom down, restarting, its database busy) is a retryable result, any
other refusal from Jeedom's JSON body a permanent one, with Jeedom's message and what to fix.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, date, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Stream, UsagePoint
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterContext,
    ExportResult,
    PermanentError,
    ProductionData,
    RetryableError,
    SeriesData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.jeedom.client import JeedomClient, probe
from myelectricaldata.exporters.jeedom.config import JeedomConfig
from myelectricaldata.exporters.jeedom.errors import JeedomError, JeedomNotFound
from myelectricaldata.exporters.jeedom.history import (
    daily_batch,
    ecowatt_batch,
    hourly_batch,
    max_power_batch,
    tempo_batch,
)
from myelectricaldata.exporters.jeedom.mapping import (
    CONSUMPTION_DAILY,
    CONSUMPTION_HOURLY,
    ECOWATT_DAILY,
    MAX_POWER_DAILY,
    PRODUCTION_DAILY,
    PRODUCTION_HOURLY,
    TEMPO_DAILY,
    address,
    state_events,
)
from myelectricaldata.exporters.jeedom.measures import (
    GRID_SCOPES,
    KINDS,
    grid_measures,
    pdl_measures,
)
from myelectricaldata.exporters.jeedom.model import EventBatch
from myelectricaldata.exporters.jeedom.provision import (
    EQ_TYPE,
    LOGICAL_PREFIX,
    EquipmentPlan,
    check_commands,
    grid_plan,
    pdl_plan,
    provision,
)

log = logging.getLogger(__name__)

#: The scope of the Tempo and EcoWatt equipment (the measures' scopes are ``tempo``/``ecowatt``).
GRID = "grid"
#: The command (its measure key) each meter stream writes its history to.
SERIES_KEYS: dict[Stream, str] = {
    Stream.CONSUMPTION_DAILY: CONSUMPTION_DAILY,
    Stream.PRODUCTION_DAILY: PRODUCTION_DAILY,
    Stream.MAX_POWER: MAX_POWER_DAILY,
    Stream.CONSUMPTION_DETAIL: CONSUMPTION_HOURLY,
    Stream.PRODUCTION_DETAIL: PRODUCTION_HOURLY,
}


class JeedomExporter(BaseExporter[JeedomConfig]):
    """Virtual equipments (or the user's commands) fed with ``cmd::event``."""

    name: ClassVar[str] = "jeedom"
    title: ClassVar[str] = "Jeedom"
    config_model: ClassVar[type[JeedomConfig]] = JeedomConfig
    supports_history: ClassVar[bool] = True
    supports_state: ClassVar[bool] = True
    # jeeApi.php takes one value per request (about 100 ms each on a Raspberry Pi): a batch of
    # 1000 points moves the checkpoint every couple of minutes, and a retry resends no more.
    batch_size: ClassVar[int] = 1000

    @staticmethod
    def clock() -> datetime:
        """Now (what "today" is for Tempo and EcoWatt, whose forecasts are not history)."""
        return datetime.now(UTC)

    def __init__(self, config: JeedomConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        cfg = self.config
        # This instance's switches (the class says what the type can do): the service then
        # neither computes a snapshot nor consumes history checkpoints for nothing, and history
        # switched on later is sent whole.
        if not cfg.state:
            vars(self)["supports_state"] = False
        if not (cfg.history or cfg.history_hourly):
            vars(self)["supports_history"] = False
        self._redact = cfg.redactor()
        self._client: JeedomClient | None = None
        self._zone: ZoneInfo | None = None
        #: Command ids known this run, by address (``<pdl>.<key>``, or the key for the grid).
        self._commands: dict[str, int] = {}
        #: Scopes whose equipment was provisioned this run (a PDL, or :data:`GRID`).
        self._ready: set[str] = set()
        self._checked = False

    # -- connection ----------------------------------------------------------------------------

    def _jeedom(self) -> JeedomClient:
        if self._client is None:
            cfg = self.config
            self._client = JeedomClient(
                cfg.url,
                cfg.api_key,
                plugin=cfg.plugin,
                timeout_s=cfg.timeout_seconds,
                verify_tls=cfg.verify_tls,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def test_connection(self) -> ConnectionTestResult:
        """Reachability (``ping``), the key (``version``), the time zone, the object or the
        mapped commands, each proven by Jeedom's own answer; nothing is written."""
        cfg = self.config
        if not cfg.url or not cfg.api_key:
            return ConnectionTestResult(
                False,
                "Jeedom: nothing to test",
                error="set url (e.g. http://jeedom.local) and api_key (Jeedom's API key)",
            )
        started = time.perf_counter()
        client = self._jeedom()
        warnings: list[str] = []
        try:
            auto = cfg.provisioning == "auto"
            found = await probe(
                client, timezone=cfg.timezone, object_id=cfg.object_id if auto else None
            )
            if auto:
                ours = [
                    e
                    for e in await client.equipments(EQ_TYPE)
                    if e.logical_id.startswith(LOGICAL_PREFIX)
                ]
                what = (
                    f"{len(ours)} equipment(s) of the export found"
                    if ours
                    else "the first run creates its Virtual equipments"
                )
            else:
                warnings = await check_commands(client, cfg.commands, KINDS)
                what = f"the {len(cfg.commands)} mapped command(s) are usable"
        except JeedomError as exc:
            return ConnectionTestResult(
                False,
                "Jeedom: test failed",
                error=self._redact(str(exc)),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        origin = "read from Jeedom" if found.timezone_from_jeedom else "as set"
        place = f", object {found.object.name!r}" if found.object is not None else ""
        message = (
            f"Jeedom {found.version} at {client.url}: API key accepted, time zone "
            f"{found.timezone.key} ({origin}){place}; {what}"
        )
        if warnings:
            message += "; warning: " + "; ".join(warnings)
        return ConnectionTestResult(
            True, self._redact(message), latency_ms=(time.perf_counter() - started) * 1000
        )

    # -- where values go -----------------------------------------------------------------------

    def _today(self) -> date:
        return self.clock().astimezone(PARIS).date()

    async def _timezone(self) -> ZoneInfo:
        """Jeedom's time zone: the one set, else Jeedom's own (read once per run)."""
        if self._zone is None:
            if self.config.timezone:
                self._zone = ZoneInfo(self.config.timezone)
            else:
                self._zone = await self._jeedom().timezone()
        return self._zone

    async def _usage_point(self, pdl: str, given: UsagePoint | None) -> UsagePoint | None:
        if given is not None or self.context.store is None:
            return given
        stored = await asyncio.to_thread(self.context.store.usage_point, pdl)
        return stored.point if stored is not None else None

    async def _prepare(self, scope: str, point: UsagePoint | None = None) -> None:
        """Make the commands of ``scope`` (a PDL or :data:`GRID`) known: provision its
        equipment (``auto``), or check every mapped command once (``mapping``)."""
        cfg = self.config
        client = self._jeedom()
        if cfg.provisioning == "mapping":
            if not self._checked:
                for warning in await check_commands(client, cfg.commands, KINDS):
                    log.warning("jeedom: %s", self._redact(warning))
                self._commands = dict(cfg.commands)
                self._checked = True
            return
        if scope in self._ready:
            return
        plan = await self._plan(scope, point)
        done = await provision(client, plan)
        if done.saved:
            log.info(
                "jeedom: equipment %r (id %d) saved with its %d commands",
                plan.name,
                done.equipment_id,
                len(done.commands),
            )
        for key, cmd_id in done.commands.items():
            self._commands[address(scope, key)] = cmd_id
        self._ready.add(scope)

    async def _plan(self, scope: str, point: UsagePoint | None) -> EquipmentPlan:
        cfg = self.config
        if scope == GRID:
            return grid_plan(
                grid_measures(),
                language=cfg.language,
                name=cfg.grid_equipment_name,
                object_id=cfg.object_id,
            )
        point = await self._usage_point(scope, point)
        return pdl_plan(
            scope,
            pdl_measures(point, hourly=cfg.history_hourly),
            language=cfg.language,
            name=cfg.equipment_name,
            object_id=cfg.object_id,
        )

    async def _command(self, scope: str, key: str, point: UsagePoint | None = None) -> int | None:
        """The command id of a measure of ``scope``, ``None`` when it has none (``mapping``)."""
        await self._prepare(scope, point)
        return self._commands.get(address(scope, key))

    async def _send(self, batch: EventBatch) -> None:
        await self._jeedom().send(batch, concurrency=self.config.concurrency)

    def _failed(self, exc: JeedomError) -> ExportResult:
        message = self._redact(str(exc))
        if isinstance(exc, JeedomNotFound) and self.config.provisioning == "auto":
            # A command or equipment deleted in Jeedom during the run: the next attempt
            # provisions again and creates it.
            self._ready.clear()
            self._commands.clear()
            return ExportResult.failed(RetryableError(f"{message} (provisioned again next try)"))
        if exc.retryable:
            retry_after = getattr(exc, "retry_after", None)
            return ExportResult.failed(RetryableError(message, retry_after=retry_after))
        return ExportResult.failed(PermanentError(message))

    # -- history -------------------------------------------------------------------------------

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily consumption (kWh), max power (VA) or hourly consumption (kWh) of a PDL."""
        return await self._series(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily production (kWh) or hourly production (kWh) of a PDL."""
        return await self._series(data)

    async def _series(self, data: SeriesData) -> ExportResult:
        cfg = self.config
        wanted = cfg.history_hourly if data.stream.is_detail else cfg.history
        if not data.points or not wanted or not cfg.wants(data.pdl):
            return ExportResult(True, 0)
        try:
            cmd_id = await self._command(data.pdl, SERIES_KEYS[data.stream], data.usage_point)
            if cmd_id is None:
                return ExportResult(True, 0)
            store = self.context.require_store()
            if data.stream is Stream.MAX_POWER:
                batch = await max_power_batch(store, data.pdl, cmd_id, data.points, self._today())
            elif data.stream.is_detail:
                zone = await self._timezone()
                batch = await hourly_batch(
                    store,
                    data.pdl,
                    data.stream.direction,
                    cmd_id,
                    data.points,
                    zone,
                    self.clock(),
                )
            else:
                batch = await daily_batch(
                    store, data.pdl, data.stream.direction, cmd_id, data.points
                )
            await self._send(batch)
        except JeedomError as exc:
            return self._failed(exc)
        return ExportResult(True, len(data.points))

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """The colour of each day up to today (``BLUE``, ``WHITE``, ``RED``)."""
        cfg = self.config
        if not data.days or not cfg.history or not cfg.grid:
            return ExportResult(True, 0)
        try:
            cmd_id = await self._command(GRID, TEMPO_DAILY)
            if cmd_id is None:
                return ExportResult(True, 0)
            store = self.context.require_store()
            await self._send(await tempo_batch(store, cmd_id, data.days, self._today()))
        except JeedomError as exc:
            return self._failed(exc)
        return ExportResult(True, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """The EcoWatt level of each day up to today (1 green, 2 orange, 3 red)."""
        cfg = self.config
        if not data.days or not cfg.history or not cfg.grid:
            return ExportResult(True, 0)
        try:
            cmd_id = await self._command(GRID, ECOWATT_DAILY)
            if cmd_id is None:
                return ExportResult(True, 0)
            store = self.context.require_store()
            await self._send(await ecowatt_batch(store, cmd_id, data.days, self._today()))
        except JeedomError as exc:
            return self._failed(exc)
        return ExportResult(True, len(data.days))

    # -- current values ------------------------------------------------------------------------

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Every catalogue value of the exported PDLs (and Tempo/EcoWatt), after the history:
        a day's value carries its day's date, the others Jeedom's clock."""
        cfg = self.config
        if not cfg.state:
            return ExportResult(True, 0)
        values = [
            v
            for v in snapshot.values
            if (cfg.grid if v.scope in GRID_SCOPES else cfg.wants(v.scope))
        ]
        points = {p.pdl: p for p in snapshot.usage_points}
        scopes = dict.fromkeys(GRID if v.scope in GRID_SCOPES else v.scope for v in values)
        try:
            for scope in scopes:
                await self._prepare(scope, points.get(scope))
            events = state_events(values, self._commands, KINDS)
            await self._send(EventBatch((), tuple(events)))
        except JeedomError as exc:
            return self._failed(exc)
        return ExportResult(True, len(events))
