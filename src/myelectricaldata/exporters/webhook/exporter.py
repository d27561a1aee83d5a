"""Generic webhook: one signed JSON event per batch, delivered per Standard Webhooks 1.0.

Every event carries an ``id`` derived from its content (:mod:`.events`), sent as
``webhook-id`` and in the body, so a batch sent again after a failure, in this run or the next,
has the same id and the receiver can deduplicate. The body is serialized once and signed as
sent (:mod:`.signing`).

One call is one request. Its answer is classified as Standard Webhooks says: 2xx is done; 408,
429, 5xx, a timeout or a connection error may succeed later (retryable, with the receiver's
``Retry-After``); any other answer is a refusal for good, which the export service does not
send again. The service retries, with the one policy of every destination.
"""

from __future__ import annotations

import time
import uuid
from typing import ClassVar

import httpx

from myelectricaldata import __version__
from myelectricaldata.domain.types import Stream
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
    TempoData,
)
from myelectricaldata.exporters.http import retry_after_of, retryable_status
from myelectricaldata.exporters.webhook.config import WebhookConfig
from myelectricaldata.exporters.webhook.events import (
    EventType,
    build_event,
    dump_points,
    ecowatt_points,
    series_json,
    tempo_points,
)
from myelectricaldata.exporters.webhook.signing import decode_secret, sign

USER_AGENT = f"myelectricaldata/{__version__} (webhook; +https://standardwebhooks.com)"
#: A connection test gives up before the service's 10-second bound on tests.
PING_TIMEOUT = 8.0
#: Characters of a refusal's answer quoted in the error message.
EXCERPT = 300

_HINTS = {
    400: "the receiver refused the event's content",
    401: "check `secret` (the receiver's signing secret) and `authorization`",
    403: "check `secret` (the receiver's signing secret) and `authorization`",
    404: "check `url`: the receiver has no such endpoint",
    405: "check `method` (POST or PUT) against what the receiver accepts",
    410: "the receiver's endpoint is gone: update `url`",
    413: "the event is larger than the receiver accepts: raise its request size limit",
    415: "the receiver does not take JSON (application/json)",
    422: "the receiver refused the event's content",
}


class WebhookExporter(BaseExporter[WebhookConfig]):
    """History destination: each batch becomes one signed JSON event POSTed (or PUT) to a URL."""

    name: ClassVar[str] = "webhook"
    title: ClassVar[str] = "Webhook (Standard Webhooks)"
    config_model: ClassVar[type[WebhookConfig]] = WebhookConfig
    supports_history: ClassVar[bool] = True
    supports_state: ClassVar[bool] = False
    #: Points per event: ~130 bytes each, so an event stays around 260 KB, under the 1 MB body
    #: limit many receivers (automation tools, serverless functions) keep by default.
    batch_size: ClassVar[int] = 2000

    def __init__(self, config: WebhookConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        self._client: httpx.AsyncClient | None = None

    @property
    def _keys(self) -> list[bytes]:
        return decode_secret(self.config.secret) if self.config.secret else []

    @property
    def _source(self) -> str:
        return self.context.settings.data_source

    # -- the contract ----------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """Send one signed ``ping`` event and report the answer."""
        if not self.config.url:
            return ConnectionTestResult(
                False, "webhook: no URL", error="url: set the receiver's URL (http(s)://...)"
            )
        ident = f"evt_ping_{uuid.uuid4().hex}"
        _, body = build_event("ping", b"[]", 0, source=self._source, event_id_override=ident)
        started = time.perf_counter()
        try:
            status = await self._send(
                ident, body, answer_within=min(self.config.timeout, PING_TIMEOUT)
            )
        except (RetryableError, PermanentError) as exc:
            latency = (time.perf_counter() - started) * 1000
            return ConnectionTestResult(False, "webhook: the ping failed", str(exc), latency)
        signed = "a signed" if self.config.secret else "an unsigned"
        message = f"webhook: the receiver accepted {signed} ping (HTTP {status})"
        return ConnectionTestResult(True, message, None, (time.perf_counter() - started) * 1000)

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """One event of consumption (or ``max_power``) points."""
        kind: EventType = "max_power" if data.stream is Stream.MAX_POWER else "consumption"
        return await self._export_series(kind, data)

    async def export_production(self, data: ProductionData) -> ExportResult:
        """One event of production points."""
        return await self._export_series("production", data)

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """One event of Tempo days (06:00 to 06:00) with colour and code."""
        if not data.days:
            return ExportResult(True, 0)
        points = dump_points(tempo_points(data))
        ident, body = build_event(
            "tempo", points, len(data.days), source=self._source, granularity="daily"
        )
        return await self._deliver(ident, body, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """One event of EcoWatt days with their 24 hourly levels."""
        if not data.days:
            return ExportResult(True, 0)
        points = dump_points(ecowatt_points(data))
        ident, body = build_event(
            "ecowatt", points, len(data.days), source=self._source, granularity="daily"
        )
        return await self._deliver(ident, body, len(data.days))

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- one request -----------------------------------------------------------------------------

    async def _export_series(self, kind: EventType, data: SeriesData) -> ExportResult:
        if not data.points:
            return ExportResult(True, 0)
        ident, body = build_event(
            kind,
            series_json(data.points, data.stream),
            len(data.points),
            source=self._source,
            pdl=data.pdl,
            granularity=data.stream.granularity,
            unit=data.unit,
        )
        return await self._deliver(ident, body, len(data.points))

    async def _deliver(self, ident: str, body: bytes, records: int) -> ExportResult:
        try:
            await self._send(ident, body)
        except (RetryableError, PermanentError) as exc:
            return ExportResult.failed(exc)
        return ExportResult(True, records)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.config.timeout),
                verify=self.config.verify_tls,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    def _headers(self, ident: str, body: bytes) -> dict[str, str]:
        timestamp = int(time.time())
        headers = dict(self.config.headers)
        headers.update(
            {
                "Content-Type": "application/json",
                "webhook-id": ident,
                "webhook-timestamp": str(timestamp),
            }
        )
        keys = self._keys
        if keys:
            headers["webhook-signature"] = sign(keys, ident, timestamp, body)
        if self.config.authorization:
            headers["Authorization"] = self.config.authorization
        return headers

    async def _send(self, ident: str, body: bytes, *, answer_within: float | None = None) -> int:
        """One request; returns the 2xx status, else raises :class:`RetryableError` (408, 429,
        5xx, no answer) or :class:`PermanentError` (any other answer), naming what to fix."""
        host = httpx.URL(self.config.url).host
        try:
            response = await self._http().request(
                self.config.method,
                self.config.url,
                content=body,
                headers=self._headers(ident, body),
                timeout=answer_within if answer_within is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException:
            wait = answer_within if answer_within is not None else self.config.timeout
            raise RetryableError(
                f"webhook: no answer from {host} within {wait:g} s (raise `timeout`?)"
            ) from None
        except httpx.TransportError as exc:
            raise RetryableError(
                f"webhook: cannot reach {host}: {exc or type(exc).__name__}; check `url` and "
                "that the receiver is running"
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return status
        excerpt = self.config.redactor()(" ".join(response.text[:EXCERPT].split()))
        quoted = f": {excerpt}" if excerpt else ""
        if retryable_status(status):
            raise RetryableError(
                f"webhook: event {ident}: HTTP {status}{quoted}",
                retry_after=retry_after_of(response),
            )
        if 300 <= status < 400:
            where = response.headers.get("Location", "?")
            hint = f"the URL redirects to {where}: set `url` to the final address"
        else:
            hint = _HINTS.get(status, "the receiver refused the event")
            if status == 413:
                hint += f" ({len(body)} bytes)"
        raise PermanentError(
            f"webhook: the receiver refused event {ident} with HTTP {status}{quoted} ({hint})"
        )
