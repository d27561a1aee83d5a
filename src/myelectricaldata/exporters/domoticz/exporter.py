"""The ``domoticz`` exporter: daily history into meters' dated rows, current values into
devices, over Domoticz's JSON API. ``docs/integrations/domoticz.md`` is the user's guide.

Per usage point, the consumption meter (a Managed Counter, or a P1 Smart Meter with HC and HP
as its two tariffs) and the production meter (General kWh) receive one dated row per day; a
changed day sends its meter's rows again from that day on, with the readings taken from the
store (:mod:`.history`). The load curve, when asked, goes into the meters' short log. The
catalogue's current values go into Custom sensors, Text devices (texts, Tempo colours) and
Alert devices (EcoWatt levels).

Devices are created on a Dummy hardware of the exporter's own (``provision``), or taken from
the user's mapping; either is settled before the first write of a run. A call makes one
attempt: an answer Domoticz may give differently later (down, a proxy's 5xx) is a
:class:`RetryableError`, any refusal (401, 403, ``status: ERR``) a :class:`PermanentError`;
the export service retries.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction, PricingOption, Stream
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterContext,
    ExportResult,
    MeasureValue,
    PermanentError,
    ProductionData,
    RetryableError,
    SeriesData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.domoticz.catalogue import CatalogueMeasure, selected
from myelectricaldata.exporters.domoticz.client import DomoticzClient
from myelectricaldata.exporters.domoticz.config import DomoticzConfig
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.history import (
    MeterWrite,
    counter_history,
    p1_history,
    short_log_history,
)
from myelectricaldata.exporters.domoticz.mapping import DeviceUpdate, measure_update
from myelectricaldata.exporters.domoticz.protocol import DomoticzError, DomoticzUnavailable
from myelectricaldata.exporters.domoticz.provisioning import (
    CONSUMPTION,
    PRODUCTION,
    DeviceSpec,
    ensure_devices,
    plan_devices,
    plan_grid_devices,
    resolve_mapping,
)

#: A connection test gives up before the service's 10-second bound on tests.
TEST_TIMEOUT_S = 8.0


class DomoticzExporter(BaseExporter[DomoticzConfig]):
    """History into Domoticz meters, current values into Domoticz devices."""

    name: ClassVar[str] = "domoticz"
    title: ClassVar[str] = "Domoticz"
    config_model: ClassVar[type[DomoticzConfig]] = DomoticzConfig
    supports_history: ClassVar[bool] = True
    # A P1 meter holds each day's HC/HP split: a back-dated off-peak version must reach it.
    reprices: ClassVar[bool] = True
    supports_state: ClassVar[bool] = True
    # A changed day re-sends every later day of its meter: the fewer batches a first export
    # is cut into, the fewer days are sent twice (five years of daily values make one).
    batch_size: ClassVar[int] = 2000

    def __init__(self, config: DomoticzConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        if not self.config.current_values:
            # No current values: the service then skips computing the catalogue's snapshot
            # for us (supports_state is a class attribute of the contract; this one differs).
            vars(self)["supports_state"] = False
        self._client: DomoticzClient | None = None
        self._measures: dict[str, CatalogueMeasure] = selected(self.config.measures)
        #: Devices found, created or mapped during this run: spec key -> idx.
        self._idx: dict[str, int] = {}
        #: Meters created (or adopted) during this run: their whole history is written.
        self._fresh: set[str] = set()
        self._mapped = False
        #: Updates Domoticz answered OK during this run.
        self._accepted: set[DeviceUpdate] = set()

    # -- plumbing --------------------------------------------------------------------------------

    def client(self) -> DomoticzClient:
        """The run's client (one keep-alive connection, the configured pace)."""
        if self._client is None:
            cfg = self.config
            self._client = DomoticzClient(
                cfg.url,
                cfg.client_auth(),
                timeout_s=cfg.timeout_seconds,
                verify=cfg.tls_verify(),
                min_interval_s=cfg.min_interval_s,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection; the next run looks its devices up again."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._idx.clear()
        self._fresh.clear()
        self._mapped = False
        self._accepted.clear()

    def _redact(self, text: str) -> str:
        text = self.config.redactor()(text)
        # The client also knows the IAM tokens it was issued.
        return self._client.redact(text) if self._client is not None else text

    def _failed(self, exc: Exception) -> ExportResult:
        message = self._redact(str(exc))
        if isinstance(exc, DomoticzUnavailable):
            return ExportResult.failed(RetryableError(message, retry_after=exc.retry_after))
        return ExportResult.failed(PermanentError(message))

    async def _send(self, updates: Sequence[DeviceUpdate], *, trigger: bool = False) -> int:
        """Send the updates Domoticz did not already accept during this run, one by one; returns
        how many were sent. (A meter's rows are computed again from the store by each batch
        that touches it: the days that came out the same are not sent twice.)"""
        client = self.client()
        sent = 0
        for update in updates:
            if update in self._accepted:
                continue
            await client.update(update, parse_trigger=trigger and self.config.trigger_events)
            self._accepted.add(update)
            sent += 1
        return sent

    # -- devices ---------------------------------------------------------------------------------

    async def _devices(self, specs: Sequence[DeviceSpec]) -> dict[str, int]:
        """The idx of each spec's device, made to exist (provisioning) or taken from the
        mapping; a spec the mapping leaves out is absent from the answer."""
        missing = [spec for spec in specs if spec.key not in self._idx]
        if missing and self.config.provision:
            found = await ensure_devices(self.client(), self.config.hardware_name, missing)
            self._idx.update(found.idx)
            self._fresh.update(found.created + found.adopted)
        elif missing and not self._mapped:
            found = await resolve_mapping(
                self.client(), await self._full_plan(), self.config.devices
            )
            self._idx.update(found.idx)
            self._mapped = True
        return {spec.key: self._idx[spec.key] for spec in specs if spec.key in self._idx}

    async def _full_plan(self) -> list[DeviceSpec]:
        """Every device this export could write, for checking the user's mapping: the meters
        and measures of each usage point (the store's, the config's, the mapping's)."""
        cfg = self.config
        pdls: dict[str, bool] = {}
        if self.context.store is not None:
            for stored in await asyncio.to_thread(self.context.store.usage_points):
                if cfg.wants(stored.point.pdl):
                    pdls[stored.point.pdl] = stored.point.has_production
        for pdl in [*cfg.pdls, *(key.split(":")[0] for key in cfg.devices if ":" in key)]:
            pdls.setdefault(pdl, True)
        measures = list(self._measures.values())
        specs = [
            spec
            for pdl, production in sorted(pdls.items())
            for spec in plan_devices(
                pdl,
                measures,
                energy_device=cfg.energy_kind,
                production=production,
                language=cfg.language,
            )
        ]
        return specs + plan_grid_devices(measures, language=cfg.language)

    async def _meter(self, pdl: str, direction: Direction) -> tuple[str, int] | None:
        """The key and idx of a usage point's meter, ``None`` when the mapping leaves it out."""
        cfg = self.config
        key = f"{pdl}:{CONSUMPTION if direction is Direction.CONSUMPTION else PRODUCTION}"
        specs = plan_devices(
            pdl,
            [],
            energy_device=cfg.energy_kind,
            production=direction is Direction.PRODUCTION,
            language=cfg.language,
        )
        found = await self._devices([spec for spec in specs if spec.key == key])
        return (key, found[key]) if key in found else None

    def _meter_kind(self, direction: Direction) -> DeviceKind:
        return self.config.energy_kind if direction is Direction.CONSUMPTION else DeviceKind.KWH

    # -- history ---------------------------------------------------------------------------------

    async def _rewrite(self, pdl: str, direction: Direction, since: date | None) -> int:
        """Send a meter its rows from ``since`` (None: every day) and its current value."""
        store = self.context.require_store()
        if await asyncio.to_thread(store.latest_daily, pdl, direction) is None:
            return 0
        meter = await self._meter(pdl, direction)
        if meter is None:
            return 0
        key, idx = meter
        if key in self._fresh:
            since = None  # a new meter gets the whole history
        kind = self._meter_kind(direction)
        written: MeterWrite | None
        if kind is DeviceKind.P1_METER:
            written = await asyncio.to_thread(p1_history, store, pdl, idx, since)
        else:
            written = await asyncio.to_thread(
                counter_history, store, pdl, direction, idx, kind, since
            )
        if written is None:
            return 0
        sent = await self._send(written.updates(history=self.config.history))
        self._fresh.discard(key)
        return sent

    async def _short_log(self, data: SeriesData, direction: Direction) -> int:
        """The batch's load curve (and the rest of the window) into the meter's short log."""
        cfg = self.config
        if not cfg.load_curve or self._meter_kind(direction) is DeviceKind.P1_METER:
            return 0
        store = self.context.require_store()
        meter = await self._meter(data.pdl, direction)
        if meter is None:
            return 0
        rows = await asyncio.to_thread(
            short_log_history,
            store,
            data.pdl,
            direction,
            meter[1],
            changed=[p.start for p in data.points],
            days=cfg.load_curve_days,
            time_zone=ZoneInfo(cfg.time_zone),
        )
        return await self._send(rows)

    async def _series(self, data: SeriesData, direction: Direction) -> ExportResult:
        if not data.points or data.stream is Stream.MAX_POWER or not self.config.wants(data.pdl):
            return ExportResult(True, 0)
        first = min(p.start for p in data.points).astimezone(PARIS).date()
        try:
            if not data.stream.is_detail:
                sent = await self._rewrite(data.pdl, direction, first)
            else:
                sent = await self._short_log(data, direction)
                if self._meter_kind(direction) is DeviceKind.P1_METER:
                    # A day's HC/HP split comes from its load curve: split it again.
                    sent += await self._rewrite(data.pdl, direction, first)
        except (DomoticzError, ValueError) as exc:
            return self._failed(exc)
        return ExportResult(True, sent)

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily rows (or short-log rows) of the consumption meter; max power has no history
        in Domoticz (it is a current value)."""
        return await self._series(data, Direction.CONSUMPTION)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily rows (or short-log rows) of the production meter."""
        return await self._series(data, Direction.PRODUCTION)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours have no dated history in Domoticz (the Text devices show today's and
        tomorrow's): only a P1 meter of a Tempo contract is split again from the first day
        whose colour arrived or changed."""
        cfg = self.config
        if not data.days or cfg.energy_kind is not DeviceKind.P1_METER:
            return ExportResult(True, 0)
        store = self.context.require_store()
        first = min(d.day for d in data.days)
        sent = 0
        try:
            for stored in await asyncio.to_thread(store.usage_points):
                point = stored.point
                if point.pricing_option is PricingOption.TEMPO and cfg.wants(point.pdl):
                    sent += await self._rewrite(point.pdl, Direction.CONSUMPTION, first)
        except (DomoticzError, ValueError) as exc:
            return self._failed(exc)
        return ExportResult(True, sent)

    async def reprice(self, pdl: str, first: date, last: date) -> ExportResult:
        """A P1 meter's days split again from ``first`` (each day with its own off-peak hours);
        the other meters hold energy only, which no price or off-peak change alters."""
        cfg = self.config
        if cfg.energy_kind is not DeviceKind.P1_METER or not cfg.wants(pdl):
            return ExportResult(True, 0)
        try:
            sent = await self._rewrite(pdl, Direction.CONSUMPTION, first)
        except (DomoticzError, ValueError) as exc:
            return self._failed(exc)
        return ExportResult(True, sent)

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt has no dated history in Domoticz: its Alert devices show the current
        signals (:meth:`export_state`)."""
        return ExportResult(True, 0)

    # -- current values --------------------------------------------------------------------------

    def _shown(self, value: MeasureValue) -> CatalogueMeasure | None:
        """The measure of a catalogue value this export publishes, if any."""
        measure = self._measures.get(value.key)
        if measure is None or (value.scope.isdigit() and not self.config.wants(value.scope)):
            return None
        if measure.kind == "number" and (
            isinstance(value.value, bool) or not isinstance(value.value, int | float)
        ):
            return None  # unknown for now: a Custom sensor keeps its last value
        return measure

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Each catalogue value in its device: Custom sensor, Text or Alert."""
        cfg = self.config
        if not cfg.current_values:
            return ExportResult(True, 0)
        per_pdl: dict[str, list[CatalogueMeasure]] = defaultdict(list)
        grid: list[CatalogueMeasure] = []
        values: dict[str, Any] = {}
        for value in snapshot.values:
            measure = self._shown(value)
            if measure is None:
                continue
            if value.scope.isdigit():
                per_pdl[value.scope].append(measure)
                values[f"{value.scope}:{value.key}"] = value.value
            else:
                grid.append(measure)
                values[value.key] = value.value
        specs = [
            spec
            for pdl, measures in sorted(per_pdl.items())
            for spec in plan_devices(
                pdl,
                measures,
                energy_device=cfg.energy_kind,
                production=True,
                language=cfg.language,
            )
            if spec.measure_kind is not None
        ] + plan_grid_devices(grid, language=cfg.language)
        try:
            found = await self._devices(specs)
            updates = []
            for spec in specs:
                if spec.key in found and spec.measure_kind is not None:
                    update = measure_update(
                        found[spec.key], spec.measure_kind, values[spec.key], cfg.language
                    )
                    if update is not None:
                        updates.append(update)
            sent = await self._send(updates, trigger=True)
        except (DomoticzError, ValueError) as exc:
            return self._failed(exc)
        return ExportResult(True, sent)

    # -- test ------------------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """Domoticz's own answers: ``getversion`` (it answers, which version), ``gethardware``
        (the credentials), ``getauth`` (the rights: Admin when devices are created); then the
        hardware to use, or each mapped device and its type."""
        cfg = self.config
        if not cfg.url:
            return ConnectionTestResult(
                False,
                "domoticz: no URL",
                error="url: set Domoticz's address, e.g. http://192.168.1.10:8080",
            )
        started = time.perf_counter()
        try:
            message = await asyncio.wait_for(self._probe(), TEST_TIMEOUT_S)
        except TimeoutError:
            return ConnectionTestResult(
                False,
                "domoticz: test failed",
                error=f"Domoticz at {cfg.url} did not answer within {TEST_TIMEOUT_S:g} s: check "
                "url and that Domoticz runs",
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        except (DomoticzError, ValueError) as exc:
            return ConnectionTestResult(
                False,
                "domoticz: test failed",
                error=self._redact(str(exc)),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        return ConnectionTestResult(
            True, self._redact(message), latency_ms=(time.perf_counter() - started) * 1000
        )

    async def _probe(self) -> str:
        cfg = self.config
        client = self.client()
        report = await client.probe(need_admin=cfg.provision)
        if cfg.provision:
            hardware = [h for h in await client.hardware() if h.name == cfg.hardware_name]
            where = (
                f"its devices go on the Dummy hardware {cfg.hardware_name!r} (idx "
                f"{hardware[0].idx})"
                if hardware
                else f"the Dummy hardware {cfg.hardware_name!r} will be created at the first export"
            )
            return f"{report.message}; {where}"
        found = await resolve_mapping(
            client, await self._full_plan(), cfg.devices, apply_options=False
        )
        return f"{report.message}; {len(found.idx)} mapped devices found, each of the right type"
