"""A strict fake of the InfluxDB 2.x write API (``POST /api/v2/write``), served over real HTTP.

It runs a Starlette app under uvicorn in a background thread on 127.0.0.1 (ephemeral port), so
the exporter's HTTP stack and timeouts are exercised. There is no query API: tests read
:meth:`FakeInfluxDB2.rows`. It follows the real handler (influxdb v2 ``http/write_handler.go``)
and the documented answers (PROTOCOLS.md §1), in this order:

- ``Authorization: Token <token>`` (exactly; ``Bearer``/Basic are refused): else 401
  ``{"code": "unauthorized", "message": "unauthorized access"}``.
- ``org`` (or ``orgID``) required: missing 400 ``Please provide either orgID or org``; unknown
  404 ``organization name "x" not found``. ``bucket`` unknown (or missing): 404
  ``bucket "x" not found``.
- ``precision`` one of ``ns|us|ms|s`` (default ``ns``), else 400.
- ``Content-Encoding: gzip`` is inflated (a bad stream is 400). A body over ``max_body_bytes``
  is 413. An empty body is 400 ``writing requires points`` (after every check above, which is
  what makes an empty write a credentials probe).
- The body is parsed as line protocol, strictly: escapes (``\\,`` ``\\=`` ``\\ `` in keys and
  tag values, ``\\"`` ``\\\\`` in strings), float / ``i`` integer / ``u`` unsigned / string /
  boolean fields, an optional integer timestamp. The first malformed line rejects the whole
  batch: 400 ``unable to parse '<line>': <reason>``.
- Each point is then checked: a field whose type differs from the type that field already has in
  the bucket's measurement (or earlier in the batch) is a ``field type conflict``; a timestamp
  older than the bucket's retention is ``points beyond retention policy``. Rejected points are
  dropped, the others stored, and the answer is 422 ``partial write: ... dropped=N``.
- Otherwise 204. A point key is (bucket, measurement, tag set, timestamp): a re-sent key merges
  its fields over the stored ones (last write wins).

:meth:`fail_next` queues faults (``429``/``503`` with ``Retry-After``, ``500``) answered before
any check. Every request is recorded in :attr:`requests`.
"""

from __future__ import annotations

import gzip
import re
import threading
import time as _time
import zlib
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import LoopbackServer

DEFAULT_TOKEN = "fake-influx-token-0123456789abcdef"
PRECISION_NS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}

_KEY = r"(?:[^,=\s\\]|\\.)+"
_MEASUREMENT = r"(?:[^,\s\\]|\\.)+"
_STRING = r'"(?:[^"\\]|\\.)*"'
_VALUE = rf"(?:{_STRING}|[^,\s\"]+)"
_LINE = re.compile(
    rf"^(?P<measurement>{_MEASUREMENT})(?P<tags>(?:,{_KEY}={_KEY})*)"
    rf" (?P<fields>{_KEY}={_VALUE}(?:,{_KEY}={_VALUE})*)(?: (?P<ts>-?\d+))?$"
)
_TAG = re.compile(rf",({_KEY})=({_KEY})")
_FIELD = re.compile(rf"({_KEY})=({_VALUE})")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_INT = re.compile(r"^[+-]?\d+i$")
_UINT = re.compile(r"^\d+u$")
_TRUE = {"t", "T", "true", "True", "TRUE"}
_FALSE = {"f", "F", "false", "False", "FALSE"}
_UNESCAPE = re.compile(r"\\([,= \\\"])")
_STRING_ESCAPE = re.compile(r'\\(["\\])')
# Lines without a backslash (nearly all) take a faster path with simpler patterns.
_PLAIN_FIELD = r'[^,="\s]+=(?:"[^"]*"|[^,"\s]+)'
_PLAIN_FIELDS = re.compile(rf"{_PLAIN_FIELD}(?:,{_PLAIN_FIELD})*")
_PLAIN_FIELD_ITEM = re.compile(r'([^,="\s]+)=("[^"]*"|[^,"\s]+)')
_TIMESTAMP = re.compile(r"-?\d+")


class ParseError(ValueError):
    """A line that is not line protocol."""


@dataclass(frozen=True, slots=True)
class Point:
    """One parsed point; ``time_ns`` is None when the line had no timestamp."""

    measurement: str
    tags: tuple[tuple[str, str], ...]
    fields: dict[str, Any]
    time_ns: int | None


@dataclass(slots=True)
class WriteRequest:
    """A request as received: what tests assert on."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]
    lines: int
    status: int


@dataclass(slots=True)
class _Fault:
    status: int
    retry_after: str | None


def _field_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, float):
        return "float"
    if isinstance(value, UInt):
        return "unsigned"
    return "integer"


class UInt(int):
    """An unsigned integer field value (``u`` suffix)."""


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def parse_field_value(raw: str) -> Any:
    """A field value of line protocol, typed; raises :class:`ParseError`."""
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise ParseError("unbalanced quotes")
        return _STRING_ESCAPE.sub(r"\1", raw[1:-1])
    last = raw[-1:]
    if last == "i" and _INT.match(raw):
        value = int(raw[:-1])
        if not -(2**63) <= value < 2**63:
            raise ParseError("unable to parse integer: value out of range")
        return value
    if last == "u" and _UINT.match(raw):
        return UInt(int(raw[:-1]))
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    if _FLOAT.match(raw):
        return float(raw)
    raise ParseError("invalid field format")


def parse_line(line: str) -> Point:
    """One line of line protocol; raises :class:`ParseError` with InfluxDB's wording."""
    if "\\" not in line:
        return _parse_plain(line)
    match = _LINE.match(line)
    if match is None:
        head, _, rest = line.partition(" ")
        if not rest:
            raise ParseError("missing fields")
        for tag in re.split(r"(?<!\\),", head)[1:]:
            if "=" not in tag or tag.endswith("="):
                raise ParseError("missing tag value")
        raise ParseError("invalid field format")
    tags = tuple(sorted((_unescape(k), _unescape(v)) for k, v in _TAG.findall(match.group("tags"))))
    if len({k for k, _ in tags}) != len(tags):
        raise ParseError("duplicate tags")
    fields: dict[str, Any] = {}
    for key, raw in _FIELD.findall(match.group("fields")):
        name = _unescape(key)
        if name in fields:
            raise ParseError(f"duplicate field {name!r}")
        fields[name] = parse_field_value(raw)
    ts = match.group("ts")
    return Point(
        _unescape(match.group("measurement")), tags, fields, int(ts) if ts is not None else None
    )


def _parse_plain(line: str) -> Point:
    """A line without escapes: the same rules with str.split and simple patterns."""
    head, sep, rest = line.partition(" ")
    if not sep or not rest:
        raise ParseError("missing fields")
    measurement, *items = head.split(",")
    if not measurement:
        raise ParseError("missing measurement")
    tags = []
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key or not value or "=" in value:
            raise ParseError("missing tag value")
        tags.append((key, value))
    if len({k for k, _ in tags}) != len(tags):
        raise ParseError("duplicate tags")
    fields_text, ts = rest, None
    before, space, last = rest.rpartition(" ")
    if space and before.count('"') % 2 == 0:
        if not _TIMESTAMP.fullmatch(last):
            raise ParseError("bad timestamp")
        fields_text, ts = before, int(last)
    if not _PLAIN_FIELDS.fullmatch(fields_text):
        raise ParseError("invalid field format")
    fields: dict[str, Any] = {}
    for name, raw in _PLAIN_FIELD_ITEM.findall(fields_text):
        if name in fields:
            raise ParseError(f"duplicate field {name!r}")
        fields[name] = parse_field_value(raw)
    return Point(measurement, tuple(sorted(tags)), fields, ts)


@dataclass
class FakeBucket:
    """A bucket: retention in seconds (0 = infinite) and its points."""

    name: str
    retention_s: int = 0
    points: dict[tuple[str, tuple[tuple[str, str], ...], int], dict[str, Any]] = field(
        default_factory=dict
    )
    types: dict[tuple[str, str], str] = field(default_factory=dict)


class FakeInfluxDB2:
    """The fake server: set org, token and buckets, start it, point a client at :attr:`url`."""

    def __init__(
        self,
        *,
        org: str = "med",
        token: str = DEFAULT_TOKEN,
        buckets: dict[str, int] | None = None,
        max_body_bytes: int = 25_000_000,
    ) -> None:
        self.org = org
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.buckets: dict[str, FakeBucket] = {
            name: FakeBucket(name, retention)
            for name, retention in (buckets or {"energy": 0}).items()
        }
        self.requests: list[WriteRequest] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._http = LoopbackServer("fake-influxdb2")
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeInfluxDB2:
        """Serve on 127.0.0.1 on a free port; returns once the server accepts connections."""
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        self.url = f"http://127.0.0.1:{self._http.start(app)}"
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._http.stop()

    def __enter__(self) -> FakeInfluxDB2:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- test controls and read-back -------------------------------------------------------

    def fail_next(self, count: int, status: int, retry_after: str | None = None) -> None:
        """Answer the next ``count`` writes with ``status`` before any check."""
        with self._lock:
            self._faults.extend(_Fault(status, retry_after) for _ in range(count))

    def clear(self) -> None:
        """Forget points, types, requests and pending faults (buckets stay)."""
        with self._lock:
            for bucket in self.buckets.values():
                bucket.points.clear()
                bucket.types.clear()
            self.requests.clear()
            self._faults.clear()

    def rows(self, bucket: str, measurement: str) -> list[dict[str, Any]]:
        """Stored points of a measurement: tags, fields and ``time`` (epoch seconds), by time."""
        with self._lock:
            found = [
                {**dict(tags), **fields, "time": ts // 1_000_000_000}
                for (name, tags, ts), fields in self.buckets[bucket].points.items()
                if name == measurement
            ]
        return sorted(found, key=lambda row: row["time"])

    def count(self, bucket: str) -> int:
        """Stored points of a bucket."""
        with self._lock:
            return len(self.buckets[bucket].points)

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        if path == "/ping":
            headers = {"X-Influxdb-Version": "v2.7.11-fake", "X-Influxdb-Build": "OSS"}
            return Response(status_code=204, headers=headers)
        if path == "/health":
            return JSONResponse({"name": "influxdb", "status": "pass", "version": "v2.7.11"})
        if path != "/api/v2/write":
            return _error(404, "not found", "path not found")
        if request.method != "POST":
            return _error(405, "method not allowed", "method not allowed")
        body = await request.body()
        params = dict(request.query_params)
        headers = {k.lower(): v for k, v in request.headers.items()}
        response, lines = self._write(params, headers, body)
        with self._lock:
            self.requests.append(WriteRequest(path, params, headers, lines, response.status_code))
        return response

    def _write(
        self, params: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[Response, int]:
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return _error(fault.status, "unavailable", "injected fault", extra), 0
        auth = headers.get("authorization", "")
        if not auth.startswith("Token ") or auth[len("Token ") :] != self.token:
            return _error(401, "unauthorized", "unauthorized access"), 0
        org = params.get("org") or params.get("orgID")
        if not org:
            return _error(400, "invalid", "Please provide either orgID or org"), 0
        if org != self.org:
            return _error(404, "not found", f'organization name "{org}" not found'), 0
        bucket = self.buckets.get(params.get("bucket", ""))
        if bucket is None:
            return _error(404, "not found", f'bucket "{params.get("bucket", "")}" not found'), 0
        precision = params.get("precision", "ns")
        if precision not in PRECISION_NS:
            message = "invalid precision; valid precision units are ns, us, ms, and s"
            return _error(400, "invalid", message), 0
        if headers.get("content-encoding") in ("gzip", "x-gzip"):
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error):
                return _error(400, "invalid", "gzipped HTTP body contains an invalid header"), 0
        if len(body) > self.max_body_bytes:
            message = "unable to read data: points batch is too large"
            return _error(413, "request too large", message), 0
        if not body:
            return _error(400, "invalid", "writing requires points"), 0
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "invalid", "unable to parse: body is not UTF-8"), 0
        points: list[Point] = []
        for line in text.split("\n"):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                points.append(parse_line(line.rstrip("\r")))
            except ParseError as exc:
                return _error(400, "invalid", f"unable to parse '{line}': {exc}"), 0
        return self._store(bucket, points, PRECISION_NS[precision]), len(points)

    def _store(self, bucket: FakeBucket, points: list[Point], unit_ns: int) -> Response:
        now_ns = _time.time_ns()
        oldest = now_ns - bucket.retention_s * 1_000_000_000 if bucket.retention_s else None
        dropped: list[str] = []
        with self._lock:
            for point in points:
                ts = point.time_ns * unit_ns if point.time_ns is not None else now_ns
                if oldest is not None and ts < oldest:
                    dropped.append("points beyond retention policy")
                    continue
                conflict = None
                for name, value in point.fields.items():
                    known = bucket.types.get((point.measurement, name))
                    if known is not None and known != _field_type(value):
                        conflict = (
                            f'field type conflict: input field "{name}" on measurement '
                            f'"{point.measurement}" is type {_field_type(value)}, already exists '
                            f"as type {known}"
                        )
                        break
                if conflict is not None:
                    dropped.append(conflict)
                    continue
                for name, value in point.fields.items():
                    bucket.types[(point.measurement, name)] = _field_type(value)
                key = (point.measurement, point.tags, ts)
                bucket.points.setdefault(key, {}).update(point.fields)
        if dropped:
            message = (
                f"failure writing points to database: partial write: {dropped[0]} "
                f"dropped={len(dropped)}"
            )
            return _error(422, "unprocessable entity", message)
        return Response(status_code=204)


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)
