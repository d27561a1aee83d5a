"""The ``home_assistant`` exporter: long-term statistics over the WebSocket API, entities over
MQTT discovery or the REST API. ``docs/integrations/home-assistant.md`` is the user's guide."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ClassVar

import httpx

from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction, PricingOption, Stream
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterContext,
    ExportResult,
    ProductionData,
    SeriesData,
    StateSnapshot,
    TempoData,
)
from myelectricaldata.exporters.home_assistant.config import HomeAssistantConfig
from myelectricaldata.exporters.home_assistant.discovery import MqttEntities, mqtt_config_of
from myelectricaldata.exporters.home_assistant.entities import (
    EntitiesError,
    card_values,
    offpeak_values,
    read_offpeak,
)
from myelectricaldata.exporters.home_assistant.importer import GroupImporter, oldest_day
from myelectricaldata.exporters.home_assistant.rest import RestPublisher
from myelectricaldata.exporters.home_assistant.websocket import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantError,
    HomeAssistantWebSocket,
)
from myelectricaldata.exporters.mqtt.client import MqttExportError
from myelectricaldata.exporters.mqtt.config import MqttConfig

log = logging.getLogger(__name__)


class HomeAssistantExporter(BaseExporter[HomeAssistantConfig]):
    """Energy-dashboard statistics (WebSocket) and catalogue entities (MQTT or REST)."""

    name: ClassVar[str] = "home_assistant"
    title: ClassVar[str] = "Home Assistant"
    config_model: ClassVar[type[HomeAssistantConfig]] = HomeAssistantConfig
    supports_history: ClassVar[bool] = True
    supports_state: ClassVar[bool] = True
    # Sums need the whole range from the first changed hour: the bigger the batch, the fewer
    # recomputations (a first import of two years is one batch per stream).
    batch_size: ClassVar[int] = 500_000
    # Its cost and HC/HP/Tempo statistics hold every exported hour: a back-dated change must
    # reach them.
    reprices: ClassVar[bool] = True

    def __init__(self, config: HomeAssistantConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        if self.config.entities == "off":
            # No entities: the service then skips computing the catalogue's snapshot for us
            # (supports_state is a class attribute of the contract; this instance differs).
            vars(self)["supports_state"] = False
        #: Called with (messages done, messages total) during an import.
        self.on_progress: Callable[[int, int], None] | None = None
        self._ws: HomeAssistantWebSocket | None = None
        self._ws_lock = asyncio.Lock()
        self._ws_reset = False
        self._importer: GroupImporter | None = None
        self._mqtt: MqttEntities | None = None
        self._rest: RestPublisher | None = None
        self._prices: TariffPrices | None = None

    # -- connections --

    def _redact(self, text: str) -> str:
        return self.config.redactor()(text)

    async def websocket(self) -> HomeAssistantWebSocket:
        """The authenticated WebSocket connection (opened again after a loss)."""
        async with self._ws_lock:
            if self._ws is not None and self._ws.connected and not self._ws_reset:
                return self._ws
            self._ws_reset = False
            if self._ws is not None:
                await self._ws.close()
            ws = HomeAssistantWebSocket(
                self.config.url,
                self.config.token,
                timeout=self.config.timeout_seconds,
                verify_tls=self.config.verify_tls,
            )
            await ws.connect()
            self._ws = ws
            return ws

    def importer(self) -> GroupImporter:
        """The statistics importer of this run (it remembers what it already sent)."""
        if self._importer is None:
            self._importer = GroupImporter(
                self.context.require_store(),
                self.websocket,
                prefix=self.config.statistic_id_prefix,
                prices=lambda: self._prices if self.config.cost else None,
                pricing=self.context.settings.pricing,
                max_message_bytes=self.config.max_message_bytes,
                wait_seconds=self.config.import_wait_seconds,
                on_progress=self._progress,
            )
        return self._importer

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total)

    async def _load_prices(self) -> None:
        if self._prices is None and self.config.cost:
            # The prices the user saved (a store read: off the event loop).
            self._prices = await asyncio.to_thread(self.context.settings.tariff_prices)

    async def aclose(self) -> None:
        """Close the WebSocket, the broker connection and the HTTP client."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._mqtt is not None:
            await self._mqtt.close()
            self._mqtt = None
        if self._rest is not None:
            await self._rest.aclose()
            self._rest = None

    # -- statistics --

    def _failure(self, exc: Exception) -> ExportResult:
        permanent = isinstance(exc, HomeAssistantAuthError | HomeAssistantCommandError)
        if not permanent and self._ws is not None:
            # The state of the connection is unknown: the next attempt opens a new one.
            self._ws_reset = True
        return ExportResult(False, 0, self._redact(str(exc)), retryable=not permanent)

    async def _series(self, data: SeriesData, direction: Direction) -> ExportResult:
        cfg = self.config
        wanted = cfg.consumption if direction is Direction.CONSUMPTION else cfg.production
        if (
            not data.points
            or not cfg.statistics
            or not wanted
            or not cfg.wants(data.pdl)
            or data.stream is Stream.MAX_POWER
        ):
            return ExportResult(True, 0)
        importer = self.importer()
        if data.stream.is_detail:
            curve = []
            for p in data.points:
                # Instants, not wall clocks: a DST slot's two ends have different offsets.
                start = int(p.start.timestamp())
                minutes = max(1, (int(p.end.timestamp()) - start) // 60)
                avg_w = p.avg_w if p.avg_w is not None else p.value * 60 / minutes
                curve.append((start, minutes, avg_w))
            if importer.covers_curve(data.pdl, direction, curve):
                return ExportResult(True, len(data.points))
        else:
            days = [(p.start.astimezone(PARIS).date(), p.value) for p in data.points]
            if importer.covers_daily(data.pdl, direction, days):
                return ExportResult(True, len(data.points))
        since = min(p.start for p in data.points).astimezone(PARIS).date()
        try:
            await self._load_prices()
            await importer.sync(data.pdl, direction, since)
        except (HomeAssistantError, OSError, TimeoutError) as exc:
            return self._failure(exc)
        return ExportResult(True, len(data.points))

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Import the consumption (and cost) statistics of the PDL from the batch's first day."""
        return await self._series(data, Direction.CONSUMPTION)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Import the production (and revenue) statistics of the PDL from the batch's first day."""
        return await self._series(data, Direction.PRODUCTION)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Split Tempo consumption again from the first day whose colour changed (a colour that
        arrived late, or a correction); days already split with that colour are skipped."""
        cfg = self.config
        if not data.days or not cfg.statistics or not cfg.consumption:
            return ExportResult(True, 0)
        store = self.context.require_store()
        points = await asyncio.to_thread(store.usage_points)
        tempo_pdls = [
            p.point.pdl
            for p in points
            if p.point.pricing_option is PricingOption.TEMPO
            and p.point.has_consumption
            and cfg.wants(p.point.pdl)
        ]
        importer = self.importer()
        try:
            for pdl in tempo_pdls:
                oldest = await asyncio.to_thread(oldest_day, store, pdl, Direction.CONSUMPTION)
                # A colour only splits the hours of its own Tempo day (06:00 to 06:00).
                changed = [
                    d.day
                    for d in data.days
                    if oldest is not None
                    and d.day >= oldest - timedelta(days=1)
                    and not importer.covers_tempo(pdl, d.day, d.color)
                ]
                if changed:
                    await self._load_prices()
                    await importer.sync(pdl, Direction.CONSUMPTION, min(changed))
        except (HomeAssistantError, OSError, TimeoutError) as exc:
            return self._failure(exc)
        return ExportResult(True, len(data.days))

    async def reprice(self, pdl: str, first: date, last: date) -> ExportResult:
        """Import the PDL's statistics again from ``first`` (each later hour's sum follows
        from it): the split with the off-peak hours of each day, the cost at each day's row."""
        cfg = self.config
        if not cfg.statistics or not cfg.wants(pdl):
            return ExportResult(True, 0)
        store = self.context.require_store()
        stored = await asyncio.to_thread(store.usage_point, pdl)
        if stored is None:
            return ExportResult(True, 0)
        directions = []
        if cfg.consumption and stored.point.has_consumption:
            directions.append(Direction.CONSUMPTION)
        if cfg.production and cfg.cost and stored.point.has_production:
            directions.append(Direction.PRODUCTION)  # its revenue, at the resale price
        importer = self.importer()
        rows = 0
        try:
            await self._load_prices()
            for direction in directions:
                report = await importer.sync(pdl, direction, first)
                rows += report.rows
        except (HomeAssistantError, OSError, TimeoutError) as exc:
            return self._failure(exc)
        return ExportResult(True, rows)

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt has no statistic (its entities come with the state)."""
        return ExportResult(True, 0)

    # -- entities --

    async def _mqtt_config(self) -> MqttConfig | None:
        cfg = self.config
        if cfg.mqtt_broker:
            return mqtt_config_of(
                cfg.mqtt_broker,
                topic_prefix=cfg.mqtt_topic_prefix,
                discovery_prefix=cfg.mqtt_discovery_prefix,
                language=cfg.language,
            )
        if not cfg.mqtt_reuse:
            return None
        # The mqtt exporter's config in force, handed over by the export service.
        found = await asyncio.to_thread(self.context.peers, "mqtt")
        if not isinstance(found, MqttConfig) or not found.host:
            return None
        return found.model_copy(update={"ha_discovery": True})

    async def _entities_mode(self) -> tuple[str, MqttConfig | None]:
        mode = self.config.entities
        if mode in ("off", "rest"):
            return mode, None
        mqtt = await self._mqtt_config()
        if mqtt is None:
            if mode == "mqtt":
                raise EntitiesError(
                    "entities=mqtt but no broker is known: set mqtt_broker "
                    "(mqtt://user:pass@host:1883) or configure the mqtt exporter"
                )
            return "rest", None
        return "mqtt", mqtt

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Publish the catalogue as entities: MQTT discovery when a broker is known, else REST."""
        cfg = self.config
        try:
            mode, mqtt = await self._entities_mode()
            if mode == "off":
                return ExportResult(True, 0)
            values = [v for v in snapshot.values if not v.scope.isdigit() or cfg.wants(v.scope)]
            scoped = dataclasses.replace(snapshot, values=values)
            pdls = sorted({v.scope for v in values if v.scope.isdigit()})
            store = self.context.store
            offpeak = (
                await asyncio.to_thread(read_offpeak, store, pdls, snapshot.computed_at)
                if store is not None
                else {}
            )
            if mode == "mqtt":
                assert mqtt is not None
                if self._mqtt is None:
                    self._mqtt = MqttEntities(mqtt)
                return ExportResult(True, await self._mqtt.publish(scoped, offpeak))
            if self._rest is None:
                self._rest = RestPublisher(
                    cfg.url, cfg.token, timeout=cfg.timeout_seconds,
                    verify_tls=cfg.verify_tls, language=cfg.language,
                )  # fmt: skip
            everything = [*values, *card_values(scoped), *offpeak_values(scoped, offpeak)]
            count = await self._rest.publish(everything)
        except MqttExportError as exc:
            return ExportResult(False, 0, self._redact(str(exc)), exc.retryable)
        except (EntitiesError, HomeAssistantError, httpx.HTTPError) as exc:
            return ExportResult(False, 0, self._redact(str(exc)))
        return ExportResult(True, count)

    # -- test --

    async def test_connection(self) -> ConnectionTestResult:
        """``GET /api/config`` with the token (its version), then the WebSocket handshake and the
        admin right that importing statistics needs."""
        cfg = self.config
        started = time.perf_counter()

        def failed(error: str) -> ConnectionTestResult:
            return ConnectionTestResult(
                False,
                f"Home Assistant {cfg.url or '(no url)'}: test failed",
                error=self._redact(error),
                latency_ms=(time.perf_counter() - started) * 1000,
            )

        if not cfg.url:
            return failed("url is not set: e.g. http://homeassistant.local:8123")
        if not cfg.token:
            return failed("token is not set: create a long-lived access token in your profile")
        try:
            async with httpx.AsyncClient(
                timeout=min(cfg.timeout_seconds, 8.0), verify=cfg.verify_tls
            ) as client:
                response = await client.get(
                    f"{cfg.url}/api/config", headers={"Authorization": f"Bearer {cfg.token}"}
                )
        except httpx.HTTPError as exc:
            return failed(
                f"cannot reach {cfg.url} ({type(exc).__name__}: {exc}): check url and that "
                "Home Assistant runs"
            )
        if response.status_code == 401:
            return failed(
                "token: Home Assistant answered 401 Unauthorized: the long-lived access token is "
                "wrong or was revoked; create a new one (profile > Security) and save it in token"
            )
        if response.status_code != 200:
            return failed(f"GET {cfg.url}/api/config answered HTTP {response.status_code}")
        try:
            info: dict[str, Any] = response.json()
        except ValueError:
            return failed(f"{cfg.url}/api/config did not answer JSON: is it Home Assistant?")
        version = str(info.get("version", "?"))
        notes = []
        if cfg.statistics:
            try:
                ws = await self.websocket()
                try:
                    user = await ws.command("auth/current_user")
                except HomeAssistantCommandError:
                    user = None  # an HA without it: the first import will tell
                if isinstance(user, dict) and not user.get("is_admin", True):
                    return failed(
                        "token: its user is not an administrator, and importing statistics "
                        "needs one: create the token as an admin user"
                    )
                notes.append("WebSocket ok")
            except HomeAssistantError as exc:
                return failed(str(exc))
        mode = "off"
        try:
            mode, mqtt = await self._entities_mode()
            if mqtt is not None:
                notes.append(f"entities over MQTT {mqtt.broker_url}")
            elif mode == "rest":
                notes.append("entities over REST")
        except EntitiesError as exc:
            return failed(str(exc))
        return ConnectionTestResult(
            True,
            f"Home Assistant {version} at {cfg.url}" + (f" ({', '.join(notes)})" if notes else ""),
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    # -- actions --

    def statistic_prefix(self) -> str:
        """The ``<prefix>:`` every statistic id of this exporter starts with."""
        return f"{self.config.statistic_id_prefix}:"
