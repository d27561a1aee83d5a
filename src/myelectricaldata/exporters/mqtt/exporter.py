"""MQTT: the latest values and the catalogue's states as JSON topics, plus Home Assistant discovery.

MQTT keeps no history (a subscriber stamps a state when it receives it), so a history batch only
moves the series' *latest* topic forward, and only when the batch holds a newer period than the
one already retained (a backfill sends old days after new ones). Catalogue states and their Home
Assistant discovery configs come from :meth:`MqttExporter.export_state`. With ``history_stream``
every point is also published, non-retained, for consumers that keep history themselves.

The modules: :mod:`.config` the settings, :mod:`.topics` where each value goes and its JSON,
:mod:`.discovery` Home Assistant's discovery configs, :mod:`.client` the connection and its
acknowledgement window. Topics and payloads: ``docs/integrations/mqtt.md``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import ClassVar

import aiomqtt

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
from myelectricaldata.exporters.mqtt.client import BrokerClient, MqttExportError
from myelectricaldata.exporters.mqtt.config import MqttConfig
from myelectricaldata.exporters.mqtt.discovery import discovery_messages
from myelectricaldata.exporters.mqtt.topics import (
    ONLINE,
    Outgoing,
    Topics,
    ecowatt_payload,
    encode_payload,
    point_payload,
    state_messages,
    tempo_payload,
)

log = logging.getLogger(__name__)


class MqttExporter(BaseExporter[MqttConfig]):
    """Publishes latest values, catalogue states and HA discovery to an MQTT broker."""

    name: ClassVar[str] = "mqtt"
    title: ClassVar[str] = "MQTT"
    config_model: ClassVar[type[MqttConfig]] = MqttConfig
    supports_history: ClassVar[bool] = True
    supports_state: ClassVar[bool] = True
    batch_size: ClassVar[int] = 5000

    def __init__(self, config: MqttConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        self.topics = Topics(self.config.topic_prefix, self.config.ha_discovery_prefix)
        self.broker = BrokerClient(self.config, self.topics.status)
        #: Start of the newest period on each ``latest`` topic (read back once per run).
        self._newest: dict[str, datetime] | None = None

    async def aclose(self) -> None:
        """Disconnect; the retained ``online`` stays (the will reports a crash)."""
        await self.broker.close()

    # -- latest topics --

    async def _known_newest(self) -> dict[str, datetime]:
        if self._newest is not None:
            return self._newest
        newest: dict[str, datetime] = {}
        if self.config.retain:
            conn = await self.broker.connection()
            try:
                found = await conn.retained(
                    self.topics.latest_filters(),
                    f"{self.topics.prefix}/_sync/{conn.client.identifier}",
                    self.config.timeout_seconds,
                )
            except TimeoutError:
                # The connection works but our own marker never came back: an ACL that lets
                # us publish but not read. Publishing still works; only the ordering guard goes.
                log.warning(
                    "mqtt: cannot read %s/... back (broker ACL?): latest topics will follow "
                    "every batch, even an older backfilled one",
                    self.topics.prefix,
                )
                found = {}
            except aiomqtt.MqttError as exc:
                raise MqttExportError(
                    f"could not read the retained latest values back from "
                    f"{self.config.broker_url}: {exc or type(exc).__name__}"
                ) from None
            for topic, raw in found.items():
                with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
                    newest[topic] = datetime.fromisoformat(json.loads(raw)["start"])
        self._newest = newest
        return newest

    async def _latest_and_stream(
        self, latest_topic: str, newest: tuple[datetime, bytes], stream: Iterator[Outgoing]
    ) -> None:
        """Publish the stream (if any), then move the latest topic if the batch is newer."""
        known = await self._known_newest()
        messages: list[Outgoing] = []
        start, payload = newest
        current = known.get(latest_topic)
        # Equal start: the same period corrected, so it is published again.
        moved = current is None or start >= current
        if moved:
            messages.append(Outgoing(latest_topic, payload, self.config.qos, self.config.retain))

        def everything() -> Iterator[Outgoing]:
            yield from stream
            yield from messages

        await self.broker.send(everything())
        if moved:
            known[latest_topic] = start

    async def _publish_batch(
        self, latest: str, newest: tuple[datetime, bytes], stream: Iterator[Outgoing], count: int
    ) -> ExportResult:
        try:
            await self._latest_and_stream(latest, newest, stream)
        except MqttExportError as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, count)

    async def _export_series(self, data: SeriesData) -> ExportResult:
        if not data.points:
            return ExportResult(True, 0)
        unit = data.unit
        newest = data.points[-1]  # batches come oldest first
        latest = self.topics.latest(data.pdl, data.stream)
        payload = encode_payload(point_payload(data.pdl, unit, data.stream, newest))

        def stream() -> Iterator[Outgoing]:
            if not self.config.history_stream:
                return
            topic = self.topics.history(data.pdl, data.stream)
            for p in data.points:
                body = encode_payload(point_payload(data.pdl, unit, data.stream, p))
                yield Outgoing(topic, body, self.config.qos, False)

        return await self._publish_batch(
            latest, (newest.start, payload), stream(), len(data.points)
        )

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Move ``{prefix}/{pdl}/consumption/<daily|load_curve>`` or ``.../max_power``."""
        return await self._export_series(data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Move ``{prefix}/{pdl}/production/<daily|load_curve>``."""
        return await self._export_series(data)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Move ``{prefix}/tempo/latest`` to the newest colour of the batch."""
        if not data.days:
            return ExportResult(True, 0)

        def stream() -> Iterator[Outgoing]:
            if self.config.history_stream:
                topic = f"{self.topics.prefix}/history/tempo"
                for day in data.days:
                    yield Outgoing(topic, tempo_payload(day)[1], self.config.qos, False)

        newest = tempo_payload(data.days[-1])  # oldest first
        return await self._publish_batch(self.topics.tempo_latest, newest, stream(), len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """Move ``{prefix}/ecowatt/latest`` to the newest EcoWatt day of the batch."""
        if not data.days:
            return ExportResult(True, 0)

        def stream() -> Iterator[Outgoing]:
            if self.config.history_stream:
                topic = f"{self.topics.prefix}/history/ecowatt"
                for day in data.days:
                    yield Outgoing(topic, ecowatt_payload(day)[1], self.config.qos, False)

        newest = ecowatt_payload(data.days[-1])  # oldest first
        return await self._publish_batch(
            self.topics.ecowatt_latest, newest, stream(), len(data.days)
        )

    # -- state --

    def state_messages(self, snapshot: StateSnapshot) -> list[Outgoing]:
        """Discovery configs (if enabled), then every measure's state, then the groups."""
        cfg = self.config
        messages: list[Outgoing] = []
        if cfg.ha_discovery:
            messages += discovery_messages(
                snapshot.values, self.topics, qos=cfg.qos, language=cfg.ha_language
            )
        messages += state_messages(
            snapshot.values, snapshot.computed_at, self.topics, qos=cfg.qos, retain=cfg.retain
        )
        return messages

    async def export_state(self, snapshot: StateSnapshot) -> ExportResult:
        """Publish the catalogue's values (and their HA discovery configs first)."""
        try:
            await self.broker.send(self.state_messages(snapshot))
        except MqttExportError as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, len(snapshot.values))

    # -- test --

    async def test_connection(self) -> ConnectionTestResult:
        """Connect, then publish ``online`` on the status topic and receive it back."""
        cfg = self.config
        started = time.perf_counter()
        try:
            conn = await self.broker.connection()
            conn.greeting = None  # the round trip below publishes it
            round_trip = await conn.await_message(
                self.topics.status, self.broker.status(ONLINE), cfg.timeout_seconds
            )
        except (MqttExportError, aiomqtt.MqttError, TimeoutError) as exc:
            redact = cfg.redactor()
            return ConnectionTestResult(
                False,
                f"MQTT broker {cfg.broker_url}: test failed",
                error=redact(str(exc) or f"no answer from {cfg.broker_url} in time"),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        return ConnectionTestResult(
            True,
            f"connected to {cfg.broker_url}; {self.topics.status} published and received back "
            f"in {round_trip:.0f} ms",
            latency_ms=(time.perf_counter() - started) * 1000,
        )
