"""Generic webhook: one signed JSON event per batch, delivered per Standard Webhooks 1.0.

Every event carries an ``id`` derived from its content (type, PDL, granularity, unit and every
point), so a batch sent again after a failure, in this run or the next, has the same id and the
receiver can deduplicate; it is sent as ``webhook-id`` and in the body. The body is serialized
once and signed as sent: ``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>``
with the key decoded from the ``whsec_`` secret (several secrets, space-separated, give several
signatures for a key rotation).

Retries inside one call: 408, 429, 5xx, timeouts and connection errors are retried (honouring
``Retry-After``) up to ``attempts`` times; any other 4xx is permanent: the call fails at once with
the status and the start of the answer, and later calls of the same run with the same event do
not send it again, so the framework's own retries never hammer a receiver that said no.
The event schema is documented in docs/integrations/webhook.md.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import math
import random
import re
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal

import httpx
from pydantic import ConfigDict, Field, field_validator, model_validator

from myelectricaldata import __version__
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import (
    TEMPO_CODE,
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    EnergyPoint,
    ExporterConfig,
    ExportResult,
    ProductionData,
    SeriesData,
    TempoData,
    secret_field,
)

USER_AGENT = f"myelectricaldata/{__version__} (webhook; +https://standardwebhooks.com)"
#: Version of the event body's layout (bumped on an incompatible change).
SCHEMA_VERSION = 1
#: A connection test gives up before the service's 10-second bound on tests.
PING_TIMEOUT = 8.0
#: Characters of a refusal's answer quoted in the error message.
EXCERPT = 300

_SECRET_PREFIX = "whsec_"
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
#: Headers the exporter sets itself; ``authorization`` has its own secret field.
_RESERVED = {
    "authorization",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
}
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
SECRET_HOWTO = (
    'python3 -c "import base64, secrets; '
    "print('whsec_' + base64.b64encode(secrets.token_bytes(32)).decode())\""
)
EventType = Literal["consumption", "production", "max_power", "tempo", "ecowatt", "ping"]


def decode_secret(secret: str) -> list[bytes]:
    """The HMAC keys of a ``secret`` setting: one per space-separated ``whsec_<base64>`` value.

    Raises ``ValueError`` naming the fix (never quoting the secret).
    """
    keys = []
    for part in secret.split():
        if not part.startswith(_SECRET_PREFIX):
            raise ValueError(
                "secret: expected whsec_ followed by base64 (Standard Webhooks); "
                f"create one with: {SECRET_HOWTO}"
            )
        try:
            key = base64.b64decode(part[len(_SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                "secret: the part after whsec_ is not valid base64; "
                f"create one with: {SECRET_HOWTO}"
            ) from None
        if not 24 <= len(key) <= 64:
            raise ValueError(
                "secret: the key must be 24 to 64 bytes once base64-decoded "
                f"(32 is usual); create one with: {SECRET_HOWTO}"
            )
        keys.append(key)
    return keys


def sign(keys: Sequence[bytes], event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64>`` per key, space-separated."""
    prefix = f"{event_id}.{timestamp}.".encode()
    signatures = []
    for key in keys:
        mac = hmac.new(key, prefix, hashlib.sha256)
        mac.update(body)
        signatures.append("v1," + base64.b64encode(mac.digest()).decode())
    return " ".join(signatures)


class WebhookConfig(ExporterConfig):
    """Where and how events are sent (env: ``WEBHOOK_URL``, ``WEBHOOK_SECRET``,
    ``WEBHOOK_ENABLED``, and ``WEBHOOK_<FIELD>`` for the others)."""

    # A rejected value may be a secret: keep inputs out of validation messages and logs.
    model_config = ConfigDict(hide_input_in_errors=True)
    env_prefix: ClassVar[str] = "WEBHOOK"

    url: str = Field("", description="Receiver URL, http:// or https:// (required when enabled).")
    method: Literal["POST", "PUT"] = Field("POST", description="HTTP method: POST or PUT.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Extra HTTP headers sent with every event (stored in clear: put credentials in "
            "`authorization`). From the environment: a JSON object."
        ),
    )
    authorization: str = secret_field(
        "", "Value of the Authorization header, e.g. 'Bearer <token>' (secret; empty: none)."
    )
    secret: str = secret_field(
        "",
        "Standard Webhooks signing secret, whsec_<base64 key>; several space-separated secrets "
        "sign with each (key rotation); empty: events are not signed.",
    )
    timeout: float = Field(15.0, gt=0, le=300, description="Seconds to wait for an answer.")
    attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="Attempts per event within one export call on 408, 429, 5xx, timeouts and "
        "connection errors (other 4xx are never retried).",
    )
    retry_backoff: float = Field(
        1.0,
        ge=0,
        le=600,
        description="Seconds before the second attempt when the receiver sends no Retry-After; "
        "doubled per attempt, with jitter.",
    )
    max_retry_after: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="Longest Retry-After waited within a call; a longer one ends the call and "
        "the next run sends the event again.",
    )
    verify_tls: bool = Field(True, description="Verify the receiver's TLS certificate.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL:
            raise ValueError("url: not a URL; expected http(s)://host[:port]/path") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("url: expected http(s)://host[:port]/path")
        if url.userinfo:
            raise ValueError(
                "url: remove the user:password part; put credentials in `authorization` "
                "(a secret field), e.g. 'Basic <base64>' or 'Bearer <token>'"
            )
        return value

    @field_validator("headers", mode="before")
    @classmethod
    def _parse_headers(cls, value: Any) -> Any:
        if isinstance(value, str):  # WEBHOOK_HEADERS='{"X-Api-Key": "..."}'
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(
                    'headers: expected a JSON object such as {"X-Source": "linky"}'
                ) from None
        return value

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"headers: {name!r} is not a valid HTTP header name")
            if name.lower() == "authorization":
                raise ValueError(
                    "headers: put Authorization in the `authorization` field, which is stored "
                    "encrypted and never shown"
                )
            if name.lower() in _RESERVED:
                raise ValueError(f"headers: {name} is set by the exporter itself; remove it")
            if "\r" in text or "\n" in text:
                raise ValueError(f"headers: the value of {name} holds a line break")
        return value

    @field_validator("secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        value = " ".join(value.split())
        if value:
            decode_secret(value)
        return value

    @model_validator(mode="after")
    def _url_when_enabled(self) -> WebhookConfig:
        if self.enabled and not self.url:
            raise ValueError("url: set the receiver's URL (http(s)://...) to enable the webhook")
        return self


def _json_number(value: float) -> str:
    # Whole numbers as JSON integers (smaller bodies, and what a receiver compares with); the
    # rest as repr, which is what json.dumps writes for a float.
    if isinstance(value, int):
        return str(int(value))
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value) if math.isfinite(value) else "null"


def _iso(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    # SQLite hands stored instants back naive; the store writes them in UTC.
    return (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).isoformat()


def _true_end(start: datetime, end: datetime) -> datetime:
    """The end of a load-curve interval whose start and end have different UTC offsets.

    ``start + timedelta`` on a zoned datetime is wall-clock arithmetic, so across the autumn
    change an end built that way is an hour late (02:30+02:00 + 30 min gives 03:00+01:00, 90
    real minutes). Intervals last at most an hour: keep the real duration when it is one, else
    the intended (wall-clock) one, added to the start in UTC.
    """
    real = end.astimezone(UTC) - start.astimezone(UTC)
    wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    step = real if timedelta(0) < real <= timedelta(hours=1) else wall
    return (start.astimezone(UTC) + step).astimezone(PARIS)


def series_json(points: Sequence[EnergyPoint], stream: Stream) -> bytes:
    """The JSON array of a series' points, written directly (the exporter's hot loop).

    Same text as ``json.dumps`` of ``{"start", "end", "value", "quality"[, "avg_w"][, "at"]}``
    objects with compact separators, in two thirds of its time: ``isoformat`` and
    ``utcoffset`` are the costly calls, so a start equal to the previous end reuses its text.
    """
    quoted: dict[str, str] = {}
    parts: list[str] = []
    load_curve = stream.is_detail
    prev_end: datetime | None = None
    prev_text = ""
    prev_offset: timedelta | None = None
    for p in points:
        start, end = p.start, p.end
        # Same tzinfo compares wall clocks and ignores fold: check fold too (autumn hour).
        if (
            prev_end is not None
            and start.tzinfo is prev_end.tzinfo
            and start == prev_end
            and start.fold == prev_end.fold
        ):
            start_text, start_offset = prev_text, prev_offset
        else:
            start_text, start_offset = start.isoformat(), start.utcoffset()
        end_offset = end.utcoffset()
        if load_curve and end_offset != start_offset:
            end = _true_end(start, end)
            end_offset = end.utcoffset()
        prev_end, prev_text, prev_offset = end, end.isoformat(), end_offset
        quality = quoted.get(p.quality)
        if quality is None:
            quality = quoted[p.quality] = json.dumps(p.quality, ensure_ascii=False)
        value = p.value
        text = (
            f'{{"start":"{start_text}","end":"{prev_text}","value":'
            f'{_json_number(value)},"quality":{quality}'
        )
        if p.avg_w is not None:
            avg_w = p.avg_w
            text += f',"avg_w":{avg_w if type(avg_w) is int else _json_number(avg_w)}'
        if p.at is not None:
            text += f',"at":"{p.at.astimezone(PARIS).isoformat()}"'
        parts.append(text + "}")
    return ("[" + ",".join(parts) + "]").encode()


def dump_points(points: list[dict[str, Any]]) -> bytes:
    """Compact UTF-8 JSON of a list of points (grid signals, tests)."""
    return json.dumps(points, ensure_ascii=False, separators=(",", ":")).encode()


def _tempo_points(data: TempoData) -> list[dict[str, Any]]:
    out = []
    for d in data.days:
        # A Tempo day runs from 06:00 to 06:00 the next day (Paris).
        start = local_midnight(d.day) + timedelta(hours=6)
        out.append(
            {
                "date": d.day.isoformat(),
                "start": start.isoformat(),
                "end": (local_midnight(d.day + timedelta(days=1)) + timedelta(hours=6)).isoformat(),
                "value": d.color.value,
                "code": TEMPO_CODE[d.color],
                "updated_at": _iso(d.updated_at),
            }
        )
    return out


def _ecowatt_points(data: EcowattData) -> list[dict[str, Any]]:
    return [
        {
            "date": d.day.isoformat(),
            "start": local_midnight(d.day).isoformat(),
            "end": local_midnight(d.day + timedelta(days=1)).isoformat(),
            "value": d.level,
            "hourly": list(d.hourly),
            "message": d.message,
            "generated_at": _iso(d.generated_at),
        }
        for d in data.days
    ]


def event_id(
    kind: str, pdl: str | None, granularity: str | None, unit: str | None, points_json: bytes
) -> str:
    """The id of an event: a digest of everything it carries except when it was sent."""
    digest = hashlib.sha256(f"{kind}\n{pdl or ''}\n{granularity or ''}\n{unit or ''}\n".encode())
    digest.update(points_json)
    return "evt_" + digest.hexdigest()[:32]


def build_event(
    kind: EventType,
    points_json: bytes,
    count: int,
    *,
    source: str,
    pdl: str | None = None,
    granularity: str | None = None,
    unit: str | None = None,
    sent_at: datetime | None = None,
    event_id_override: str | None = None,
) -> tuple[str, bytes]:
    """``(id, body)`` of an event of ``count`` points already serialized as a JSON array.

    The body is UTF-8 JSON with ``points`` last.
    """
    ident = event_id_override or event_id(kind, pdl, granularity, unit, points_json)
    head = {
        "id": ident,
        "type": kind,
        "schema_version": SCHEMA_VERSION,
        "pdl": pdl,
        "granularity": granularity,
        "unit": unit,
        "series": "/".join(x for x in (pdl, kind, granularity) if x),
        "source": source,
        "sent_at": (sent_at or datetime.now(UTC)).isoformat(),
        "count": count,
    }
    head_json = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    # Points are serialized once (they were hashed for the id): splice them in as the last key.
    return ident, head_json[:-1] + b',"points":' + points_json + b"}"


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _source_of_process() -> str:
    """``demo`` or ``gateway``, by the same rule as the service's settings."""
    from myelectricaldata.config import Settings

    try:
        return "demo" if Settings().use_demo else "gateway"
    except Exception:  # unreadable settings must not stop an export; the data is real then
        return "gateway"


class WebhookExporter(BaseExporter):
    """History destination: each batch becomes one signed JSON event POSTed (or PUT) to a URL."""

    name = "webhook"
    title = "Webhook (Standard Webhooks)"
    config_model = WebhookConfig
    supports_history = True
    supports_state = False
    #: Points per event: ~130 bytes each, so an event stays around 260 KB, under the 1 MB body
    #: limit many receivers (automation tools, serverless functions) keep by default.
    batch_size = 2000

    def __init__(self, config: ExporterConfig) -> None:
        if not isinstance(config, WebhookConfig):
            config = WebhookConfig.model_validate(config.model_dump())
        super().__init__(config)
        self.settings: WebhookConfig = config
        self._keys = decode_secret(config.secret) if config.secret else []
        self._client: httpx.AsyncClient | None = None
        self._source: str | None = None
        #: Events a receiver refused for good in this run, with the error: never sent again.
        self._refused: dict[str, str] = {}

    # -- BaseExporter ----------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """Send one signed ``ping`` event (a single attempt) and report the answer."""
        if not self.settings.url:
            return ConnectionTestResult(
                False, "webhook: no URL", error="url: set the receiver's URL (http(s)://...)"
            )
        ident = f"evt_ping_{uuid.uuid4().hex}"
        _, body = build_event(
            "ping", b"[]", 0, source=await self._source_label(), event_id_override=ident
        )
        started = time.perf_counter()
        timeout = min(self.settings.timeout, PING_TIMEOUT)
        outcome = await self._attempt(ident, body, answer_within=timeout)
        latency = (time.perf_counter() - started) * 1000
        if outcome.ok:
            signed = "a signed" if self._keys else "an unsigned"
            message = f"webhook: the receiver accepted {signed} ping (HTTP {outcome.status})"
            return ConnectionTestResult(True, message, None, latency)
        return ConnectionTestResult(False, "webhook: the ping failed", outcome.error, latency)

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
        ident, body = build_event(
            "tempo",
            dump_points(_tempo_points(data)),
            len(data.days),
            source=await self._source_label(),
            granularity="daily",
        )
        return await self._deliver(ident, body, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """One event of EcoWatt days with their 24 hourly levels."""
        if not data.days:
            return ExportResult(True, 0)
        ident, body = build_event(
            "ecowatt",
            dump_points(_ecowatt_points(data)),
            len(data.days),
            source=await self._source_label(),
            granularity="daily",
        )
        return await self._deliver(ident, body, len(data.days))

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- internals ---------------------------------------------------------------------------

    async def _source_label(self) -> str:
        if self._source is None:
            # Settings read the .env file: keep that off the event loop.
            self._source = await asyncio.to_thread(_source_of_process)
        return self._source

    async def _export_series(self, kind: EventType, data: SeriesData) -> ExportResult:
        if not data.points:
            return ExportResult(True, 0)
        ident, body = build_event(
            kind,
            series_json(data.points, data.stream),
            len(data.points),
            source=await self._source_label(),
            pdl=data.pdl,
            granularity=data.stream.granularity,
            unit=data.unit,
        )
        return await self._deliver(ident, body, len(data.points))

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout),
                verify=self.settings.verify_tls,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    def _headers(self, ident: str, body: bytes) -> dict[str, str]:
        timestamp = int(time.time())
        headers = dict(self.settings.headers)
        headers.update(
            {
                "Content-Type": "application/json",
                "webhook-id": ident,
                "webhook-timestamp": str(timestamp),
            }
        )
        if self._keys:
            headers["webhook-signature"] = sign(self._keys, ident, timestamp, body)
        if self.settings.authorization:
            headers["Authorization"] = self.settings.authorization
        return headers

    def _redact(self, text: str) -> str:
        for secret in (self.settings.authorization, *self.settings.secret.split()):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    async def _attempt(
        self, ident: str, body: bytes, *, answer_within: float | None = None
    ) -> _Outcome:
        """One request; classifies the answer as accepted, retryable or permanent."""
        client = self._http()
        host = httpx.URL(self.settings.url).host
        try:
            response = await client.request(
                self.settings.method,
                self.settings.url,
                content=body,
                headers=self._headers(ident, body),
                timeout=answer_within if answer_within is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException:
            wait = answer_within if answer_within is not None else self.settings.timeout
            return _Outcome(
                False, True, None, f"no answer from {host} within {wait:g} s (raise `timeout`?)"
            )
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            return _Outcome(
                False,
                True,
                None,
                f"cannot reach {host}: {reason}; check `url` and that the receiver is running",
            )
        status = response.status_code
        if 200 <= status < 300:
            return _Outcome(True, False, status, None)
        excerpt = self._redact(" ".join(response.text[:EXCERPT].split()))
        quoted = f": {excerpt}" if excerpt else ""
        if status in (408, 429) or status >= 500:
            return _Outcome(
                False,
                True,
                status,
                f"HTTP {status}{quoted}",
                retry_after(response.headers.get("Retry-After")),
            )
        if 300 <= status < 400:
            where = response.headers.get("Location", "?")
            hint = f"the URL redirects to {where}: set `url` to the final address"
        else:
            hint = _HINTS.get(status, "the receiver refused the event")
            if status == 413:
                hint += f" ({len(body)} bytes)"
        return _Outcome(False, False, status, f"HTTP {status}{quoted} ({hint})")

    async def _deliver(self, ident: str, body: bytes, records: int) -> ExportResult:
        """Send an event until it is accepted, refused for good, or out of attempts."""
        refused = self._refused.get(ident)
        if refused is not None:
            return ExportResult(False, 0, refused)
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(ident, body)
            if outcome.ok:
                return ExportResult(True, records)
            if not outcome.retryable:
                message = (
                    f"webhook: the receiver refused event {ident} with {outcome.error}; "
                    "not retried until the next run"
                )
                self._refused[ident] = message
                return ExportResult(False, 0, message)
            if attempt >= self.settings.attempts:
                return ExportResult(
                    False,
                    0,
                    f"webhook: event {ident} not delivered after {attempt} attempts: "
                    f"{outcome.error}",
                )
            delay = outcome.retry_after
            if delay is None:
                step = self.settings.retry_backoff * 2 ** (attempt - 1)
                delay = random.uniform(step / 2, step)
            elif delay > self.settings.max_retry_after:
                return ExportResult(
                    False,
                    0,
                    f"webhook: the receiver asks to wait {delay:.0f} s before event {ident} "
                    f"({outcome.error}), more than `max_retry_after` "
                    f"({self.settings.max_retry_after:g} s); the next run sends it again",
                )
            await asyncio.sleep(delay)


class _Outcome:
    """What one request came to."""

    __slots__ = ("error", "ok", "retry_after", "retryable", "status")

    def __init__(
        self,
        ok: bool,
        retryable: bool,
        status: int | None,
        error: str | None,
        retry_after: float | None = None,
    ) -> None:
        self.ok = ok
        self.retryable = retryable
        self.status = status
        self.error = error
        self.retry_after = retry_after
