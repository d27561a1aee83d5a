"""InfluxDB history exporter: line protocol (:mod:`.lines`) with the original timestamps.

InfluxDB 1.x takes ``POST /write?db=&rp=`` with a user and password; InfluxDB 2.x, 3.x (and 1.8+
through its compatibility API) take ``POST /api/v2/write?org=&bucket=`` with ``Authorization:
Token``. InfluxDB answers 204 only when it stored every point: a partial write (1.x 400, 2.x
422) is an error. A busy server (429, 503) is a retryable failure carrying its ``Retry-After``:
the export service waits, this exporter never loops.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import httpx

from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import (
    BaseExporter,
    ConnectionTestResult,
    ConsumptionData,
    EcowattData,
    ExporterContext,
    ExportResult,
    ProductionData,
    TempoData,
)
from myelectricaldata.exporters.http import (
    ExportHTTPError,
    body_excerpt,
    make_client,
    retry_after_of,
    retryable_status,
    send,
)
from myelectricaldata.exporters.influxdb.config import InfluxDBConfig
from myelectricaldata.exporters.influxdb.lines import ecowatt_lines, series_lines, tempo_lines

log = logging.getLogger(__name__)

#: Lines per request: InfluxData's advice is 5,000-10,000.
MAX_LINES = 5000


class InfluxDBError(ExportHTTPError):
    """A write or a check failed; the message says what to fix.

    ``retryable`` is False when trying again can't help (credentials, a missing database, points
    InfluxDB refuses); True when it may (down, timeout, busy, a server error).
    """

    def __init__(
        self, message: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after)


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


class InfluxDBExporter(BaseExporter[InfluxDBConfig]):
    """Writes the history to InfluxDB 1.x or 2.x/3.x as line protocol."""

    name: ClassVar[str] = "influxdb"
    title: ClassVar[str] = "InfluxDB"
    config_model: ClassVar[type[InfluxDBConfig]] = InfluxDBConfig
    supports_history: ClassVar[bool] = True
    batch_size: ClassVar[int] = MAX_LINES

    def __init__(self, config: InfluxDBConfig, context: ExporterContext | None = None) -> None:
        super().__init__(config, context)
        self._client: httpx.AsyncClient | None = None

    @property
    def target(self) -> str:
        """Where points go, for messages: ``database "x"`` or ``bucket "x" of org "y"``."""
        if self.config.version == 1:
            rp = (
                f' (retention policy "{self.config.retention_policy}")'
                if self.config.retention_policy
                else ""
            )
            return f'database "{self.config.database}"{rp}'
        return f'bucket "{self.config.bucket}" of org "{self.config.org}"'

    def _measurement(self, name: str) -> str:
        return self.config.measurement_prefix + name

    # -- HTTP ------------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = make_client(
                self.config.url,
                timeout_s=self.config.timeout_seconds,
                verify_tls=self.config.verify_tls,
                authorization=f"Token {self.config.token}" if self.config.version == 2 else None,
                username=self.config.username,
                password=self.config.password,
            )
        return self._client

    def _write_request(self) -> tuple[str, list[tuple[str, str]]]:
        if self.config.version == 1:
            params = [("db", self.config.database), ("precision", "s")]
            if self.config.retention_policy:
                params.insert(1, ("rp", self.config.retention_policy))
            return "/write", params
        return "/api/v2/write", [
            ("org", self.config.org),
            ("bucket", self.config.bucket),
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
            url=self.config.url,
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
            return ExportResult.failed(exc)
        except ValueError as exc:  # a value that is not a finite number
            return ExportResult(False, 0, str(exc), retryable=False)
        return ExportResult(True, records)

    async def _write_chunk(self, body: bytes) -> None:
        response = await self._post_lines(body)
        if response.status_code == 404 and self.config.version == 1 and self.config.create_database:
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
                if self.config.version == 1
                else "check the token (it needs write access to the bucket)"
            )
            raise InfluxDBError(
                f"InfluxDB refused the credentials for {self.target} (HTTP {status}: {message}): "
                f"{fix}"
            )
        if status == 404:
            if self.config.version == 1:
                raise InfluxDBError(
                    f'InfluxDB has no database "{self.config.database}" (HTTP 404): create it with '
                    f'CREATE DATABASE "{self.config.database}" (influx CLI), or set '
                    "create_database to true with an admin user"
                )
            raise InfluxDBError(
                f"InfluxDB does not know {self.target} (HTTP 404: {message}): check org and bucket"
            )
        if status in (429, 503):
            # The export service waits as the server asks before it tries again.
            wait = retry_after_of(response)
            asked = f", Retry-After {wait:g} s" if wait is not None else ""
            raise InfluxDBError(
                f"InfluxDB is busy (HTTP {status}{asked}): the export retries",
                retryable=True,
                retry_after=wait,
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
                f'InfluxDB has no retention policy "{self.config.retention_policy}" on database '
                f'"{self.config.database}": fix retention_policy or leave it empty for the default'
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
            where = "retention policy" if self.config.version == 1 else "bucket retention"
            return (
                f"{head}: the history is older than the {where}; use an infinite retention "
                "(1.x: autogen, 2.x: bucket retention 'never') to keep it"
            )
        return f"{head}: fix the cause, the next run sends the batch again"

    async def _create_database(self) -> None:
        name = self.config.database.replace("\\", "\\\\").replace('"', '\\"')
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
                f'could not create database "{self.config.database}" ({error}): create it with '
                f'CREATE DATABASE "{self.config.database}" as an admin, or give the user admin '
                "rights"
            )
        log.info('InfluxDB: created database "%s"', self.config.database)

    # -- the contract ----------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionTestResult:
        """``/ping``, then an empty write: it checks credentials, database or bucket and write
        permission without storing anything."""
        started = time.perf_counter()
        quick = min(5.0, self.config.timeout_seconds)
        try:
            ping = await self._send("GET", "/ping", "/ping", wait_s=quick)
            if ping.status_code not in (200, 204):
                raise InfluxDBError(
                    f"{self.config.url}/ping answered HTTP {ping.status_code}: is url the address "
                    "of InfluxDB?"
                )
            server = ping.headers.get("X-Influxdb-Version", "")
            response = await self._post_lines(b"", wait_s=quick)
            if (
                response.status_code == 404
                and self.config.version == 1
                and self.config.create_database
            ):
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
            f"InfluxDB{version} at {self.config.url} accepts writes to {self.target}",
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def export_consumption(self, data: ConsumptionData) -> ExportResult:
        """Daily or load-curve consumption (``wh``, ``avg_w``), or max power (``va``)."""
        name = "max_power" if data.stream is Stream.MAX_POWER else "consumption"
        lines = series_lines(data, self._measurement(name), self.config.tags)
        return await self._write(lines, len(data.points))

    async def export_production(self, data: ProductionData) -> ExportResult:
        """Daily or load-curve production (``wh``, ``avg_w``)."""
        lines = series_lines(data, self._measurement("production"), self.config.tags)
        return await self._write(lines, len(data.points))

    async def export_tempo(self, data: TempoData) -> ExportResult:
        """Tempo colours: ``code`` 1/2/3 and ``color``."""
        lines = tempo_lines(data.days, self._measurement("tempo"), self.config.tags)
        return await self._write(lines, len(data.days))

    async def export_ecowatt(self, data: EcowattData) -> ExportResult:
        """EcoWatt day and hourly levels."""
        lines = ecowatt_lines(data.days, self._measurement("ecowatt"), self.config.tags)
        return await self._write(lines, len(data.days))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
