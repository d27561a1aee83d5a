"""InfluxDB history exporter: line protocol with the original timestamps (precision s).

InfluxDB 1.x takes ``POST /write?db=&rp=`` with a user and password; InfluxDB 2.x, 3.x (and 1.8+
through its compatibility API) take ``POST /api/v2/write?org=&bucket=`` with ``Authorization:
Token``. A point is keyed by measurement, tags and timestamp, and a re-sent key overwrites its
fields (PROTOCOLS.md §1), so re-sending and correcting are both plain writes. Fields are always
floats (``1.0``, never ``1i``) so that no batch meets a field type conflict; ``quality`` and the
Tempo colour are string fields, not tags, so that a correction overwrites instead of adding a
second series. InfluxDB answers 204 only when it stored every point: a partial write (1.x 400,
2.x 422) is an error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from datetime import time as clock
from typing import Any, ClassVar, Literal

import httpx
from pydantic import Field, field_validator, model_validator

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import PARIS, ecowatt_hours
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoDay
from myelectricaldata.exporters.base import (
    TEMPO_CODE,
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterConfig,
    ExportResult,
    ProductionData,
    SeriesData,
    TempoData,
    secret_field,
)
from myelectricaldata.exporters.http import (
    ExportHTTPError,
    body_excerpt,
    check_base_url,
    make_client,
    parse_pairs,
    retryable_status,
    send,
    timeout_field,
    verify_tls_field,
)

log = logging.getLogger(__name__)

#: Lines per request: InfluxData's advice is 5,000-10,000.
MAX_LINES = 5000
#: Longest wait honoured from a Retry-After header before the failure goes back to the framework.
MAX_RETRY_AFTER_S = 30.0
#: Tags the exporter sets itself; ``tags`` may not use them.
RESERVED_TAGS = frozenset({"pdl", "granularity", "time"})

_TAG_TEXT = re.compile(r"^[^\\\n\r\t]+$")
_NAME_TEXT = re.compile(r"^[A-Za-z0-9_.\-]*$")


class InfluxDBError(ExportHTTPError):
    """A write or a check failed; the message says what to fix.

    ``retryable`` is False when trying again can't help (credentials, a missing database, points
    InfluxDB refuses); True when it may (down, timeout, busy, a server error).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message, retryable=retryable)


# -- configuration ------------------------------------------------------------------------------


class InfluxDBConfig(ExporterConfig):
    """Where InfluxDB listens, which API version, where to write and with which credentials."""

    env_prefix: ClassVar[str] = "INFLUXDB"

    url: str = Field("http://localhost:8086", description="Base URL of InfluxDB.")
    version: Literal[1, 2] = Field(
        1,
        description="1: InfluxDB 1.x (/write, database, username/password). 2: InfluxDB 2.x, "
        "3.x or 1.8+ (/api/v2/write, org, bucket, token).",
    )
    database: str = Field("myelectricaldata", description="1.x: database to write to.")
    retention_policy: str = Field(
        "", description="1.x: retention policy (empty: the database's default, autogen)."
    )
    username: str = Field("", description="1.x: user (empty when auth is off).")
    password: str = secret_field("", "1.x: password.")
    org: str = Field("", description="2.x+: organization name or id (InfluxDB 1.8: '-').")
    bucket: str = Field(
        "myelectricaldata", description="2.x+: bucket (3.x: database; 1.8: 'db/rp')."
    )
    token: str = secret_field("", "2.x+: API token with write access to the bucket.")
    create_database: bool = Field(
        False,
        description="1.x: create the database when it is missing (the user must be admin).",
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description='Tags added to every point, e.g. {"home": "paris"} '
        "(environment: home=paris,site=a).",
    )
    measurement_prefix: str = Field(
        "", description="Prefix of the measurement names, e.g. 'linky_' gives linky_consumption."
    )
    timeout_seconds: float = timeout_field()
    verify_tls: bool = verify_tls_field()

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return check_base_url(value, "http://localhost:8086")

    @field_validator("version", mode="before")
    @classmethod
    def _version_from_text(cls, value: Any) -> Any:
        # The environment gives "2"; versions like "2.7" or "v3" name the API to use.
        if isinstance(value, str):
            text = value.strip().lower().lstrip("v")
            major = text.split(".")[0]
            if major.isdigit():
                return 1 if int(major) == 1 else 2
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_from_text(cls, value: Any) -> Any:
        return parse_pairs(value, "tags")

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag_value in value.items():
            if key in RESERVED_TAGS:
                raise ValueError(f"tag {key!r} is set by the exporter: choose another name")
            for text in (key, tag_value):
                if not _TAG_TEXT.match(text):
                    raise ValueError(
                        f"tag {key!r}: names and values must be non-empty, without backslash, "
                        "tab or newline"
                    )
        return value

    @field_validator("measurement_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not _NAME_TEXT.match(value):
            raise ValueError("use letters, digits, '_', '.' and '-' only")
        return value

    @model_validator(mode="after")
    def _check_target(self) -> InfluxDBConfig:
        if not self.enabled:
            return self
        if self.version == 1 and not self.database:
            raise ValueError("database: required with version 1")
        if self.version == 2 and not (self.org and self.bucket):
            raise ValueError("org and bucket: required with version 2 (InfluxDB 1.8: org '-')")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """``INFLUXDB_<FIELD>``, plus ``INFLUXDB_DB`` for the database; the version is 2 when
        ``INFLUXDB_TOKEN``, ``INFLUXDB_ORG`` or ``INFLUXDB_BUCKET`` is set and
        ``INFLUXDB_VERSION`` is not."""
        found = super().from_env(env) or {}
        if env.get("INFLUXDB_DB") and "database" not in found:
            found["database"] = env["INFLUXDB_DB"]
        if "version" not in found and any(
            env.get(f"INFLUXDB_{k}") for k in ("TOKEN", "ORG", "BUCKET")
        ):
            found["version"] = 2
        return found or None


# -- line protocol ------------------------------------------------------------------------------


def _escape_name(text: str) -> str:
    return text.replace(",", "\\,").replace(" ", "\\ ")


def _escape_tag(text: str) -> str:
    return text.replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def _string(text: str) -> str:
    flat = text.replace("\r", " ").replace("\n", " ")
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _float(value: float) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} cannot be written to InfluxDB (not a finite number)")
    return repr(number)  # always a float literal: 672.0, never 672 (an integer field)


def _tag_set(tags: Mapping[str, str]) -> str:
    # Sorted tags are what InfluxDB stores: the server skips re-sorting them.
    return "".join(f",{_escape_tag(k)}={_escape_tag(v)}" for k, v in sorted(tags.items()))


def _seconds(instant: datetime) -> int:
    return round(instant.timestamp())


def series_lines(data: SeriesData, measurement: str, tags: Mapping[str, str]) -> Iterator[str]:
    """Lines of a consumption, production or max-power batch, stamped at each period's start."""
    granularity = data.stream.granularity if data.stream.is_detail else "daily"
    head = _escape_name(measurement) + _tag_set(
        {**tags, "pdl": data.pdl, "granularity": granularity}
    )
    if data.stream is Stream.MAX_POWER:
        for point in data.points:
            fields = f"va={_float(point.value)},quality={_string(point.quality)}"
            if point.at is not None:
                fields += f",at={_string(point.at.astimezone(PARIS).isoformat())}"
            yield f"{head} {fields} {_seconds(point.start)}"
        return
    for point in data.points:
        fields = f"wh={_float(point.value)}"
        if point.avg_w is not None:
            fields += f",avg_w={_float(point.avg_w)}"
        yield f"{head} {fields},quality={_string(point.quality)} {_seconds(point.start)}"


def tempo_lines(
    days: Iterable[TempoDay], measurement: str, tags: Mapping[str, str]
) -> Iterator[str]:
    """``code`` 1/2/3 and ``color`` of each Tempo day, at 06:00 Paris time."""
    head = _escape_name(measurement) + _tag_set(tags)
    for day in days:
        fields = f"code={_float(TEMPO_CODE[day.color])},color={_string(day.color.value)}"
        yield f"{head} {fields} {_seconds(tempo_instant(day.day))}"


def ecowatt_lines(
    days: Iterable[EcoWattDay], measurement: str, tags: Mapping[str, str]
) -> Iterator[str]:
    """Day level (and message) at local midnight, hourly levels at each local hour."""
    day_head = _escape_name(measurement) + _tag_set({**tags, "granularity": "day"})
    hour_head = _escape_name(measurement) + _tag_set({**tags, "granularity": "hour"})
    for day in days:
        midnight = datetime.combine(day.day, clock(0), tzinfo=PARIS)
        fields = f"level={_float(day.level)}"
        if day.message:
            fields += f",message={_string(day.message)}"
        yield f"{day_head} {fields} {_seconds(midnight)}"
        for hour, instant in ecowatt_hours(day.day):
            if hour < len(day.hourly):
                yield f"{hour_head} level={_float(day.hourly[hour])} {_seconds(instant)}"


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _server_message(response: httpx.Response) -> str:
    """The error text of an InfluxDB answer (1.x ``{"error"}``, 2.x ``{"code", "message"}``)."""
    try:
        body = response.json()
    except ValueError:
        return body_excerpt(response)
    if isinstance(body, dict):
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:300]
    return json.dumps(body)[:300]


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 0.0


# -- the exporter -------------------------------------------------------------------------------


class InfluxDBExporter(BaseExporter):
    """Writes the history to InfluxDB 1.x or 2.x/3.x as line protocol."""

    name: ClassVar[str] = "influxdb"
    title: ClassVar[str] = "InfluxDB"
    config_model: ClassVar[type[ExporterConfig]] = InfluxDBConfig
    supports_history: ClassVar[bool] = True
    batch_size: ClassVar[int] = MAX_LINES

    def __init__(self, config: ExporterConfig) -> None:
        if not isinstance(config, InfluxDBConfig):
            raise TypeError("InfluxDBExporter needs an InfluxDBConfig")
        super().__init__(config)
        self.cfg: InfluxDBConfig = config
        self._client: httpx.AsyncClient | None = None

    @property
    def target(self) -> str:
        """Where points go, for messages: ``database "x"`` or ``bucket "x" of org "y"``."""
        if self.cfg.version == 1:
            rp = (
                f' (retention policy "{self.cfg.retention_policy}")'
                if self.cfg.retention_policy
                else ""
            )
            return f'database "{self.cfg.database}"{rp}'
        return f'bucket "{self.cfg.bucket}" of org "{self.cfg.org}"'

    def _measurement(self, name: str) -> str:
        return self.cfg.measurement_prefix + name

    # -- HTTP ------------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = make_client(
                self.cfg.url,
                timeout_s=self.cfg.timeout_seconds,
                verify_tls=self.cfg.verify_tls,
                authorization=f"Token {self.cfg.token}" if self.cfg.version == 2 else None,
                username=self.cfg.username,
                password=self.cfg.password,
            )
        return self._client

    def _write_request(self) -> tuple[str, list[tuple[str, str]]]:
        if self.cfg.version == 1:
            params = [("db", self.cfg.database), ("precision", "s")]
            if self.cfg.retention_policy:
                params.insert(1, ("rp", self.cfg.retention_policy))
            return "/write", params
        return "/api/v2/write", [
            ("org", self.cfg.org),
            ("bucket", self.cfg.bucket),
            ("precision", "s"),
        ]

    async def _send(
        self, method: str, path: str, what: str, *, wait_s: float | None = None, **kwargs: Any
    ) -> httpx.Response:
        return await send(
            self._http(),
            method,
            path,
            server="InfluxDB",
            url=self.cfg.url,
            what=what,
            error=InfluxDBError,
            wait_s=wait_s,
            **kwargs,
        )

    async def _post_lines(self, body: bytes, *, wait_s: float | None = None) -> httpx.Response:
        path, params = self._write_request()
        return await self._send("POST", path, "a write", params=params, content=body, wait_s=wait_s)

    async def _write(self, lines: Iterable[str], records: int) -> ExportResult:
        try:
            for chunk in _chunks(lines, MAX_LINES):
                await self._write_chunk("\n".join(chunk).encode())
        except InfluxDBError as exc:
            return ExportResult(False, 0, str(exc), retryable=exc.retryable)
        except ValueError as exc:  # a value that is not a finite number
            return ExportResult(False, 0, str(exc), retryable=False)
        return ExportResult(True, records)

    async def _write_chunk(self, body: bytes) -> None:
        response = await self._post_lines(body)
        if response.status_code == 404 and self.cfg.version == 1 and self.cfg.create_database:
            await self._create_database()
            response = await self._post_lines(body)
        await self._check_write(response, empty=False)

    async def _check_write(self, response: httpx.Response, *, empty: bool) -> None:
        """Raise :class:`InfluxDBError` unless the answer says every point was stored."""
        status = response.status_code
        if 200 <= status < 300:
            return
        message = _server_message(response)
        if empty and status == 400 and "requires points" in message:
            return  # 2.x checked token, org, bucket and permission before refusing an empty body
        if status in (401, 403):
            fix = (
                "check username and password (the user needs WRITE on the database)"
                if self.cfg.version == 1
                else "check the token (it needs write access to the bucket)"
            )
            raise InfluxDBError(
                f"InfluxDB refused the credentials for {self.target} (HTTP {status}: {message}): "
                f"{fix}"
            )
        if status == 404:
            if self.cfg.version == 1:
                raise InfluxDBError(
                    f'InfluxDB has no database "{self.cfg.database}" (HTTP 404): create it with '
                    f'CREATE DATABASE "{self.cfg.database}" (influx CLI), or set '
                    "create_database to true with an admin user"
                )
            raise InfluxDBError(
                f"InfluxDB does not know {self.target} (HTTP 404: {message}): check org and bucket"
            )
        if status in (429, 503):
            wait = _retry_after(response)
            if wait:
                # The framework retries right after a failure: wait here as the server asked.
                await asyncio.sleep(min(wait, MAX_RETRY_AFTER_S))
            raise InfluxDBError(
                f"InfluxDB is busy (HTTP {status}, Retry-After {wait:g} s): the export retries",
                retryable=True,
            )
        if "partial write" in message or status == 422:
            raise InfluxDBError(self._partial_write(status, message))
        if status == 413:
            raise InfluxDBError(
                f"InfluxDB refused a request as too large (HTTP 413: {message}): raise its "
                "max-body-size (1.x [http]) or max batch size"
            )
        if "retention policy not found" in message:
            raise InfluxDBError(
                f'InfluxDB has no retention policy "{self.cfg.retention_policy}" on database '
                f'"{self.cfg.database}": fix retention_policy or leave it empty for the default'
            )
        raise InfluxDBError(
            f"InfluxDB answered HTTP {status} to a write into {self.target}: {message}",
            retryable=retryable_status(status),  # 429 was handled above
        )

    def _partial_write(self, status: int, message: str) -> str:
        head = f"InfluxDB stored only part of a batch in {self.target} (HTTP {status}: {message})"
        if "field type conflict" in message:
            return (
                f"{head}: a field of that measurement was written before with another type (this "
                "exporter writes floats only); set measurement_prefix to write new measurements, "
                "or drop the old ones"
            )
        if "retention" in message:
            where = "retention policy" if self.cfg.version == 1 else "bucket retention"
            return (
                f"{head}: the history is older than the {where}; use an infinite retention "
                "(1.x: autogen, 2.x: bucket retention 'never') to keep it"
            )
        return f"{head}: fix the cause, the next run sends the batch again"

    async def _create_database(self) -> None:
        name = self.cfg.database.replace("\\", "\\\\").replace('"', '\\"')
        response = await self._send(
            "POST", "/query", "CREATE DATABASE", data={"q": f'CREATE DATABASE "{name}"'}
        )
        error = None
        if response.status_code != 200:
            error = f"HTTP {response.status_code}: {_server_message(response)}"
        else:
            results = response.json().get("results") or [{}]
            error = results[0].get("error")
        if error:
            raise InfluxDBError(
                f'could not create database "{self.cfg.database}" ({error}): create it with '
                f'CREATE DATABASE "{self.cfg.database}" as an admin, or give the user admin rights'
            )
        log.info('InfluxDB: created database "%s"', self.cfg.database)

    # -- the contract ----------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """``/ping``, then an empty write: it checks credentials, database or bucket and write
        permission without storing anything."""
        started = time.perf_counter()
        quick = min(5.0, self.cfg.timeout_seconds)
        try:
            ping = await self._send("GET", "/ping", "/ping", wait_s=quick)
            if ping.status_code not in (200, 204):
                raise InfluxDBError(
                    f"{self.cfg.url}/ping answered HTTP {ping.status_code}: is url the address "
                    "of InfluxDB?"
                )
            server = ping.headers.get("X-Influxdb-Version", "")
            response = await self._post_lines(b"", wait_s=quick)
            if response.status_code == 404 and self.cfg.version == 1 and self.cfg.create_database:
                await self._create_database()
                response = await self._post_lines(b"", wait_s=quick)
            await self._check_write(response, empty=True)
        except InfluxDBError as exc:
            return ConnectionTestResult(
                False,
                "InfluxDB: connection test failed",
                error=str(exc),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        version = f" {server}" if server else ""
        return ConnectionTestResult(
            True,
            f"InfluxDB{version} at {self.cfg.url} accepts writes to {self.target}",
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily or load-curve consumption (``wh``, ``avg_w``), or max power (``va``)."""
        name = "max_power" if data.stream is Stream.MAX_POWER else "consumption"
        lines = series_lines(data, self._measurement(name), self.cfg.tags)
        return await self._write(lines, len(data.points))

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily or load-curve production (``wh``, ``avg_w``)."""
        lines = series_lines(data, self._measurement("production"), self.cfg.tags)
        return await self._write(lines, len(data.points))

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours: ``code`` 1/2/3 and ``color``."""
        lines = tempo_lines(data.days, self._measurement("tempo"), self.cfg.tags)
        return await self._write(lines, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt day and hourly levels."""
        lines = ecowatt_lines(data.days, self._measurement("ecowatt"), self.cfg.tags)
        return await self._write(lines, len(data.days))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
