"""A strict fake of openHAB's REST API (items, states, persistence), served over real HTTP.

It runs a Starlette app under uvicorn in a background thread on 127.0.0.1 and follows
openhab-core main (2026-08): ``AuthFilter``, ``RolesAllowedDynamicFeatureImpl``,
``ItemResource``, ``PersistenceResource``, ``RootResource``, ``JSONResponse`` (+ its exception
mapper), ``TypeParser``, ``DecimalType``, ``QuantityType``, ``DateTimeType``, ``NumberItem``,
``ItemDTOMapper``, ``PersistenceManagerImpl``; and openhab-addons' ``InMemoryPersistenceService``
(PROTOCOLS.md §7). What it does, in the real server's order:

- **Auth** (pre-matching): ``X-OPENHAB-TOKEN: <token>`` first, else ``Authorization`` split on
  one space: ``Bearer <token>``; ``Basic <b64>`` whose decoded text split on ``:`` (Java
  ``split``: trailing empty parts dropped) gives one part (``token:`` -> the token) or two
  (user:password, refused unless ``allow_basic_auth``). A bad credential is 401
  ``{"error":{"message":"Invalid credentials","http-code":401}}`` on every path, even
  ``GET /rest/``. No credential: the anonymous USER role when ``implicit_user_role`` (the
  default), else nothing. Then roles: an ADMIN endpoint without a principal is 401
  ``Authentication required``, with a non-admin user 403 ``Access denied``.
- **Errors** have openHAB's JSON shape ``{"error": {"message": ..., "http-code": N}}`` where the
  resource builds them; bare statuses (404 of a path that does not match ``[a-zA-Z_0-9]+``, 400
  of a refused item body, 405, 415 of a wrong ``Content-Type``) have an empty body.
- **Items**: ``PUT /rest/items/{name}`` (JSON, ADMIN) creates (201) or updates (200) a managed
  item and answers the enriched item; 400 (empty) when the body is not an item, the name differs
  from the path (case-insensitively), the name is invalid, the type is unknown (``Number:Foo``
  too; ``String:Foo`` is a String, as ``CoreItemFactory`` ignores the extension); 405 JSON for a
  file-defined item. An update builds a new item whose state is NULL (openHAB does not carry the
  state over; only a persistence ``restoreOnStartup`` brings it back). ``PUT /rest/items``
  (list) answers 200 with one ``{"name","status"[,"message"]}`` per item (error, created,
  updated), or 400 for the whole list when one name is invalid or one dimension unknown.
  ``GET /rest/items[?fields=&metadata=&tags=&type=]``, ``GET /rest/items/{name}``, ``DELETE``.
  ``PUT /rest/items/{name}/metadata/{namespace}`` (JSON ``{"value","config"}``): 201/200/404;
  the ``unit`` namespace sets a dimensioned Number item's unit when compatible.
- **State**: ``PUT /rest/items/{name}/state`` (``text/plain`` or JSON ``{"value"}``, USER):
  202 with an empty body once the text parses as one of the item's accepted types (in order:
  Number -> DecimalType, QuantityType, UnDefType; String -> UnDefType, StringType,
  DateTimeType; Switch -> OnOffType, UnDefType; DateTime -> DateTimeType, UnDefType); 404
  ``Item X does not exist!``; 400 ``State could not be parsed: X``. Numbers are read like Java's
  English ``DecimalFormat``: ``,`` is a grouping separator (``12,5`` is 125), no leading ``+``.
  The 202 comes before the item applies the state: a quantity whose unit does not fit the item's
  dimension (``12 W`` to a ``Number:Energy``) is dropped with a log warning (:attr:`warnings`),
  a quantity to a plain ``Number`` loses its unit, a bare number to a dimensioned item takes the
  item's unit, and a compatible unit is converted to the item's unit.
- **Persistence**: ``GET /rest/persistence`` (ADMIN) lists ``{"id","label","type"}`` with type
  ``Modifiable``, ``Queryable`` or ``Standard``. ``PUT /rest/persistence/items/{name}?serviceId=
  &time=&state=`` (ADMIN) answers 200 (empty) or 400 JSON, checked in this order: ``Persistence
  service not found: x`` (no serviceId: the default service), ``Persistence service not
  modifiable: x``, ``Item not found: X``, ``State could not be parsed: v``, ``Time badly
  formatted.`` (missing, or epoch 0), ``<t> is not in a valid format.`` (DateTimeType: ISO with
  offset or zone, RFC ``+0100``, local time read in the JVM's zone, epoch seconds (< 12 digits)
  or milliseconds; an unencoded ``+`` arrives as a space and fails). The state is stored as
  parsed (not converted); a point at a time the item already has replaces it, except in
  ``inmemory``, which keeps the first (a ``TreeSet`` by timestamp) and at most ``max_entries``
  (512). UNDEF/NULL are not stored. When the service has a strategy covering the item (the
  ``strategy`` flag), the item's state becomes the newest stored value if the item is NULL or
  that value is not older than its last update (``handleExternalPersistenceDataChange``).
  ``GET /rest/persistence/items/{name}?serviceId=&starttime=&endtime=`` (USER): 404 unknown
  service, 405 not queryable, else ``{"name","datapoints","data":[{"time": ms, "state"}]}`` (+
  ``"unit"`` for a dimensioned item) with quantities converted to the item's unit and stripped
  of it (values that cannot be converted are left out); the range defaults to the day before
  now. ``DELETE`` with ``starttime``/``endtime`` removes a range.
- **Root**: ``GET /rest/`` answers the API version, locale, measurement system, time zone and
  runtime version, to anyone with valid (or no) credentials.

Test controls: :meth:`fail_next` queues faults answered before anything else; :meth:`crash_after`
makes openHAB go down after N accepted writes (503 until the socket closes, then refused);
:meth:`stop` / :meth:`start` take it down and up on the same port, and a start after a stop is a
reboot: items, metadata and durable persistence are kept ("on disk"), ``inmemory`` data is lost,
item states are NULL except Number items (the default rrd4j ``restoreOnStartup``). Read-back:
:meth:`item`, :meth:`state`, :meth:`history`, :meth:`metadata`, :attr:`requests`.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import binascii
import json
import re
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.serving import LoopbackServer

#: An API token in openHAB's format ``oh.<token name>.<random>``, of an administrator.
DEFAULT_TOKEN = "oh.myelectricaldata.S3cr3tT0kenF0rTheFakeOpenHAB0123456789ab"
#: ``RESTConstants.API_VERSION`` on openhab-core main.
API_VERSION = "8"
RUNTIME_VERSION = "5.0.0"
ADMIN, USER = "administrator", "user"

# --------------------------------------------------------------------------- units

#: Unit symbol -> (dimension, factor to the dimension's base unit). The symbols are those of
#: openHAB's ``Units``/``SIUnits`` for the dimensions a Linky exporter uses.
UNITS: dict[str, tuple[str, Decimal]] = {
    "Wh": ("Energy", Decimal(1)),
    "kWh": ("Energy", Decimal(1000)),
    "MWh": ("Energy", Decimal(1_000_000)),
    "GWh": ("Energy", Decimal(1_000_000_000)),
    "VAh": ("Energy", Decimal(1)),
    "kVAh": ("Energy", Decimal(1000)),
    "J": ("Energy", Decimal(1) / Decimal(3600)),
    "kJ": ("Energy", Decimal(1000) / Decimal(3600)),
    "MJ": ("Energy", Decimal(1_000_000) / Decimal(3600)),
    "mW": ("Power", Decimal("0.001")),
    "W": ("Power", Decimal(1)),
    "kW": ("Power", Decimal(1000)),
    "MW": ("Power", Decimal(1_000_000)),
    "VA": ("Power", Decimal(1)),
    "kVA": ("Power", Decimal(1000)),
    "var": ("Power", Decimal(1)),
    "kvar": ("Power", Decimal(1000)),
    "one": ("Dimensionless", Decimal(1)),
    "%": ("Dimensionless", Decimal("0.01")),
    "ppm": ("Dimensionless", Decimal("0.000001")),
    "V": ("ElectricPotential", Decimal(1)),
    "A": ("ElectricCurrent", Decimal(1)),
    "s": ("Time", Decimal(1)),
    "min": ("Time", Decimal(60)),
    "h": ("Time", Decimal(3600)),
}
#: ``I18nProviderImpl.getDimensionMap()``: a dimensioned item's unit without ``unit`` metadata.
DEFAULT_UNITS = {
    "Energy": "kWh",
    "Power": "W",
    "Dimensionless": "one",
    "ElectricPotential": "V",
    "ElectricCurrent": "A",
    "Time": "s",
}
#: ``CoreItemFactory`` types (plus Group, built by the item builder itself).
ITEM_TYPES = frozenset(
    {"Call", "Color", "Contact", "DateTime", "Dimmer", "Image", "Location", "Number", "Player"}
    | {"Rollershutter", "String", "Switch", "Group"}
)
#: Accepted state types per item type, in ``getAcceptedDataTypes()`` order.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "Number": ("decimal", "quantity", "undef"),
    "String": ("undef", "string", "datetime"),
    "Switch": ("onoff", "undef"),
    "DateTime": ("datetime", "undef"),
}
_ITEM_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_PATH_NAME = re.compile(r"[a-zA-Z_0-9]+")
# Java's DecimalFormat (Locale.ENGLISH) as DecimalType/QuantityType use it, after toUpperCase:
# an optional '-', digits with ',' grouping, an optional fraction and exponent.
_JAVA_NUMBER = re.compile(r"-?(?=[\d.])(?:\d[\d,]*)?(?:\.\d*)?(?:E[+-]?\d+)?")
_UNIT_SPLIT = re.compile(r"\s+|(?<=\d)(?=\D(?![+\-]?\d))")


def parse_java_decimal(text: str) -> Decimal | None:
    """``new DecimalType(text)``: the number, or None where Java throws NumberFormatException."""
    upper = text.upper()
    if not _JAVA_NUMBER.fullmatch(upper) or not any(c.isdigit() for c in upper):
        return None
    try:
        return Decimal(upper.replace(",", ""))
    except InvalidOperation:
        return None


def parse_java_quantity(text: str) -> tuple[Decimal, str] | None:
    """``new QuantityType(text)``: (number, unit symbol), or None where Java throws."""
    parts = _UNIT_SPLIT.split(text)
    if parts:
        parts[0] = parts[0].upper()
    formatted = " ".join(parts)
    if " " not in formatted:
        number = parse_java_decimal(formatted)
        return None if number is None else (number, "one")
    if len(parts) != 2 or parts[1] not in UNITS:
        return None
    number = parse_java_decimal(parts[0])
    return None if number is None else (number, parts[1])


# --------------------------------------------------------------------------- DateTimeType

_FRACTION = r"(?:\.(?P<frac>\d{1,9}))?"
_LOCAL = (
    rf"(?P<date>\d{{4}}-\d{{2}}-\d{{2}})T(?P<hm>\d{{2}}:\d{{2}})(?::(?P<s>\d{{2}}){_FRACTION})?"
)
_RFC = re.compile(rf"{_LOCAL}(?P<off>[+-]\d{{4}})")
_ISO_X = re.compile(rf"{_LOCAL}(?P<off>Z|[+-]\d{{2}}(?:\d{{2}})?)")
_ISO_ZONED = re.compile(
    rf"{_LOCAL}(?P<off>Z|[+-]\d{{2}}:\d{{2}}(?::\d{{2}})?)(?:\[(?P<zone>[^\]]+)\])?"
)
_ZONE_NAME = re.compile(rf"{_LOCAL}(?P<zone>[A-Za-z][A-Za-z0-9_/+-]*)")
_PLAIN = re.compile(_LOCAL)
_WITH_SPACE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}.*")
_DOUBLE = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?\s*")


def _offset(text: str) -> timedelta:
    if text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 18 or minutes > 59:
        raise ValueError("offset out of range")
    return sign * timedelta(hours=hours, minutes=minutes)


def _wall(match: re.Match[str]) -> datetime:
    day = date.fromisoformat(match["date"])
    hour, minute = (int(x) for x in match["hm"].split(":"))
    second = int(match["s"] or 0)
    micro = int((match["frac"] or "0").ljust(9, "0")[:6])
    return datetime.combine(day, time(hour, minute, second, micro))


def _parse_full(text: str, system_zone: ZoneInfo) -> datetime:
    """``DateTimeType.parse``: RFC offset, ISO offset, zone name, ISO zoned, then local."""
    for pattern in (_RFC, _ISO_X):
        match = pattern.fullmatch(text)
        if match:
            return _wall(match).replace(tzinfo=UTC) - _offset(match["off"])
    match = _ZONE_NAME.fullmatch(text)
    if match:
        try:
            return _wall(match).replace(tzinfo=ZoneInfo(match["zone"]))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    match = _ISO_ZONED.fullmatch(text)
    if match:
        if match["zone"]:
            try:
                return _wall(match).replace(tzinfo=ZoneInfo(match["zone"]))
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(text) from None
        return _wall(match).replace(tzinfo=UTC) - _offset(match["off"])
    match = _PLAIN.fullmatch(text)
    if match:
        return _wall(match).replace(tzinfo=system_zone)
    raise ValueError(text)


def parse_datetime_type(text: str, system_zone: ZoneInfo) -> datetime:
    """``new DateTimeType(text)`` as an aware UTC datetime; ValueError ``<text> is not in a
    valid format.`` where Java throws IllegalArgumentException."""
    return _parse_datetime_type(text, system_zone).astimezone(UTC)


def _parse_datetime_type(text: str, system_zone: ZoneInfo) -> datetime:
    try:
        try:
            if _WITH_SPACE.fullmatch(text):
                return _parse_full(f"{text[:10]}T{text[11:]}", system_zone)
            return _parse_full(text, system_zone)
        except ValueError:
            pass
        try:
            return _parse_full(f"1970-01-01T{text}", system_zone)
        except ValueError:
            pass
        if _DOUBLE.fullmatch(text):
            epoch = int(float(text.strip().rstrip("fFdD")))
            digits = len(str(abs(epoch))) if epoch else 0
            if digits < 12:
                return datetime.fromtimestamp(epoch, UTC)
            return datetime.fromtimestamp(epoch / 1000, UTC)
        if len(text) == 10:
            return _parse_full(f"{text}T00:00:00", system_zone)
        return _parse_full(f"{text[:10]}T00:00:00{text[10:]}", system_zone)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{text} is not in a valid format.") from None


def format_datetime_type(instant: datetime, zone: ZoneInfo) -> str:
    """``DateTimeType.toFullString(zone)``: nanosecond fraction and an RFC offset."""
    local = instant.astimezone(zone)
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}000" + local.strftime("%z")
    )


# --------------------------------------------------------------------------- states


def plain(number: Decimal) -> str:
    """``BigDecimal.toPlainString()``."""
    return format(number, "f")


def _convert(value: Decimal, unit: str, target: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``target``, without trailing zeros or exponent."""
    result = (value * UNITS[unit][1] / UNITS[target][1]).normalize()
    exponent = result.as_tuple().exponent
    return result.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else result


@dataclass(frozen=True, slots=True)
class State:
    """One openHAB state: ``kind`` is undef, decimal, quantity, string, datetime or onoff."""

    kind: Literal["undef", "decimal", "quantity", "string", "datetime", "onoff"]
    text: str
    number: Decimal | None = None
    unit: str | None = None
    instant: datetime | None = None

    @property
    def full(self) -> str:
        """``State.toFullString()``: what ``GET /rest/items/{name}/state`` answers."""
        if self.kind == "quantity":
            return f"{self.number} {self.unit}"
        if self.kind == "decimal":
            return plain(self.number or Decimal(0))
        return self.text


NULL = State("undef", "NULL")


def parse_state(accepted: Iterable[str], text: str | None, zone: ZoneInfo) -> State | None:
    """``TypeParser.parseState``: the first accepted type whose ``valueOf`` takes ``text``."""
    if text is None:
        return None
    for kind in accepted:
        if kind == "undef" and text in ("NULL", "UNDEF"):
            return State("undef", text)
        if kind == "string":
            return State("string", text)
        if kind == "onoff" and text in ("ON", "OFF"):
            return State("onoff", text)
        if kind == "decimal":
            number = parse_java_decimal(text)
            if number is not None:
                return State("decimal", text, number)
        if kind == "quantity":
            quantity = parse_java_quantity(text)
            if quantity is not None:
                return State("quantity", text, quantity[0], quantity[1])
        if kind == "datetime":
            try:
                instant = parse_datetime_type(text, zone)
            except ValueError:
                continue
            return State("datetime", text, instant=instant)
    return None


# --------------------------------------------------------------------------- model


@dataclass
class Item:
    """One item of the registry; ``managed`` False for items defined in ``.items`` files."""

    name: str
    type: str
    label: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    group_names: list[str] = field(default_factory=list)
    managed: bool = True
    state: State = NULL
    last_update: datetime | None = None
    #: Unit taken from ``unit`` metadata (None: the dimension's default unit).
    unit: str | None = None

    @property
    def base(self) -> str:
        """Main type without the dimension (``Number`` of ``Number:Energy``)."""
        return self.type.split(":", 1)[0]

    @property
    def dimension(self) -> str | None:
        """The dimension of a ``Number:<Dimension>`` item."""
        if self.base != "Number" or ":" not in self.type:
            return None
        return self.type.split(":", 1)[1]


@dataclass
class Metadata:
    """One metadata entry of an item."""

    value: str
    config: dict[str, Any] = field(default_factory=dict)
    managed: bool = True


@dataclass
class PersistenceService:
    """A persistence service: ``kind`` Modifiable, Queryable or Standard; ``durable`` False
    when its data does not survive a restart; ``keep_first`` when a second value at a known
    time is ignored; ``strategy`` when a configuration with a store strategy covers every
    item (then history writes can set item states, see the module docstring)."""

    id: str
    label: str
    kind: Literal["Modifiable", "Queryable", "Standard"]
    durable: bool = True
    keep_first: bool = False
    max_entries: int | None = None
    strategy: bool = False
    data: dict[str, dict[int, State]] = field(default_factory=dict)


def default_services() -> list[PersistenceService]:
    """rrd4j (the default, Queryable), jdbc, influxdb, mongodb (Modifiable, replace), inmemory
    (Modifiable, keeps the first value, volatile, 512 entries) and mapdb (Queryable)."""
    return [
        PersistenceService("rrd4j", "RRD4j", "Queryable"),
        PersistenceService("jdbc", "JDBC", "Modifiable"),
        PersistenceService("influxdb", "InfluxDB Persistence Service", "Modifiable"),
        PersistenceService("mongodb", "MongoDB", "Modifiable"),
        PersistenceService(
            "inmemory", "In Memory", "Modifiable", durable=False, keep_first=True, max_entries=512
        ),
        PersistenceService("mapdb", "MapDB", "Queryable"),
    ]


@dataclass(frozen=True, slots=True)
class User:
    """A user account; ``roles`` holds ``administrator`` and/or ``user``."""

    name: str
    roles: frozenset[str]
    password: str | None = None


@dataclass
class RecordedRequest:
    """A request as it arrived and the status it got."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    status: int


@dataclass
class _Fault:
    status: int
    retry_after: str | None
    body: str


class _Abort(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _java(value: str | None) -> str:
    """A string as Java's ``+`` writes it (``null`` for null)."""
    return "null" if value is None else value


def error_json(status: int, message: str) -> Response:
    """``JSONResponse.createErrorResponse``: ``{"error": {"message", "http-code"}}``."""
    body = {"error": {"message": message, "http-code": status}}
    return Response(_gson(body), status, media_type="application/json")


def bare(status: int) -> Response:
    """A status without a body (``Response.status(x).build()``, JAX-RS matching errors)."""
    return Response(b"", status)


def ok_json(payload: Any, status: int = 200) -> Response:
    """A successful JSON answer (Gson leaves null fields out)."""
    return Response(_gson(payload), status, media_type="application/json")


def _gson(payload: Any) -> str:
    # Gson writes compact JSON and keeps non-ASCII characters as they are.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


_JETTY_503 = (
    "<html><head><title>Error 503 Service Unavailable</title></head><body>"
    "<h2>HTTP ERROR 503 Service Unavailable</h2></body></html>"
)


# --------------------------------------------------------------------------- the fake


class FakeOpenHAB:
    """The fake openHAB: start it, point a client at :attr:`url` with :attr:`token`.

    ``services`` are the installed persistence services (the first is the default unless
    ``default_service`` says otherwise); ``zone`` is the JVM's zone (times without offset) and
    the one ``GET /rest/`` announces.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        services: Iterable[PersistenceService] | None = None,
        default_service: str | None = "rrd4j",
        zone: str = "Europe/Paris",
        allow_basic_auth: bool = False,
        implicit_user_role: bool = True,
        restore_types: Iterable[str] = ("Number",),
    ) -> None:
        self._lock = threading.RLock()
        self._http = LoopbackServer("fake-openhab")
        self.port = 0
        self._initial = (
            token,
            tuple(services) if services is not None else None,
            default_service,
            zone,
            allow_basic_auth,
            implicit_user_role,
            tuple(restore_types),
        )
        self._ran = False
        self._crash_thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of openHAB (the REST API is under ``/rest``)."""
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> Starlette:
        """The ASGI app."""
        methods = ["GET", "PUT", "POST", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", self._dispatch, methods=methods)])

    def start(self) -> FakeOpenHAB:
        """Serve (again, on the same port); a start after a stop is a reboot (see module doc)."""
        crash = self._crash_thread
        if crash is not None:
            crash.join(timeout=10)
            self._crash_thread = None
        with self._lock:
            if self._ran and not self._http.running:
                self._reboot()
            self._crash_at = None
        self.port = self._http.start(self.app(), self.port)
        self._ran = True
        return self

    def stop(self) -> None:
        """Shut openHAB down: connections are refused until :meth:`start`."""
        self._http.stop(force=True)

    def restart(self) -> None:
        """Stop then start on the same port."""
        self.stop()
        self.start()

    def __enter__(self) -> FakeOpenHAB:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the constructor's settings: no item, no metadata, empty services."""
        token, services, default, zone, basic, implicit, restore = self._initial
        with self._lock:
            self.token = token
            self.zone = ZoneInfo(zone)
            self.allow_basic_auth = basic
            self.implicit_user_role = implicit
            self.restore_types = frozenset(restore)
            self.users: dict[str, User] = {"admin": User("admin", frozenset({ADMIN, USER}))}
            self.tokens: dict[str, str] = {token: "admin"}
            self.items: dict[str, Item] = {}
            self.meta: dict[tuple[str, str], Metadata] = {}
            fresh = [replace(s, data={}) for s in services] if services else default_services()
            self.services: dict[str, PersistenceService] = {s.id: s for s in fresh}
            self.default_service = default
            self.requests: list[RecordedRequest] = []
            self.keep_requests = True
            self.request_count = 0
            self.writes = 0
            self.warnings: list[str] = []
            self._faults: list[_Fault] = []
            self._crash_at: int | None = None
            self._crashing = False

    def _reboot(self) -> None:
        for service in self.services.values():
            if not service.durable:
                service.data.clear()
        for item in self.items.values():
            item.unit = self._metadata_unit(item)
            if item.base not in self.restore_types:
                item.state, item.last_update = NULL, None
        self._crashing = False

    # -- test controls ---------------------------------------------------------------------

    def add_user(
        self, name: str, *, admin: bool, token: str | None = None, password: str | None = None
    ) -> None:
        """A user (administrator or plain user) with an API token and/or a password."""
        roles = frozenset({ADMIN, USER}) if admin else frozenset({USER})
        with self._lock:
            self.users[name] = User(name, roles, password)
            if token is not None:
                self.tokens[token] = name

    def add_file_item(self, name: str, type_: str, **fields: Any) -> None:
        """An item defined in a ``.items`` file: readable, not editable through the API."""
        with self._lock:
            self.items[name] = Item(name, type_, managed=False, **fields)

    def fail_next(
        self, count: int, status: int, *, retry_after: str | None = None, body: str = ""
    ) -> None:
        """Answer the next ``count`` requests with ``status`` (and ``Retry-After``)."""
        with self._lock:
            self._faults.extend(_Fault(status, retry_after, body) for _ in range(count))

    def crash_after(self, writes: int) -> None:
        """Go down after ``writes`` more accepted writes (items, metadata, states, history):
        later requests get 503 until the socket is closed, then connections are refused."""
        with self._lock:
            self._crash_at = self.writes + writes

    def item(self, name: str) -> Item | None:
        """A copy of an item, or None."""
        with self._lock:
            found = self.items.get(name)
            return None if found is None else replace(found, tags=list(found.tags))

    def state(self, name: str) -> str:
        """An item's state as ``GET /rest/items/{name}/state`` answers it."""
        with self._lock:
            return self.items[name].state.full

    def metadata(self, name: str, namespace: str) -> Metadata | None:
        """One metadata entry of an item, or None."""
        with self._lock:
            return self.meta.get((name, namespace))

    def history(self, name: str, service: str) -> list[tuple[datetime, State]]:
        """Stored points of an item in a service, oldest first (UTC instants)."""
        with self._lock:
            points = self.services[service].data.get(name, {})
            return [(datetime.fromtimestamp(ms / 1000, UTC), s) for ms, s in sorted(points.items())]

    def item_unit(self, item: Item) -> str | None:
        """A dimensioned Number item's unit: from its ``unit`` metadata, else the default."""
        dimension = item.dimension
        if dimension is None:
            return None
        return item.unit or DEFAULT_UNITS.get(dimension)

    def _metadata_unit(self, item: Item) -> str | None:
        """NumberItem.addedMetadata: the ``unit`` metadata if it fits the dimension."""
        meta = self.meta.get((item.name, "unit"))
        if item.dimension is None or meta is None:
            return None
        if meta.value in UNITS and UNITS[meta.value][0] == item.dimension:
            return meta.value
        self.warnings.append(
            f"Unit '{meta.value}' could not be parsed to a known unit. Keeping old unit "
            f"'{self.item_unit(item)}' for item '{item.name}'."
        )
        return None

    # -- dispatch --------------------------------------------------------------------------

    async def _dispatch(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8", "replace")
        query = dict(parse_qsl(request.url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            response = self._handle(request.method, request.url.path, query, headers, body)
        except _Abort as abort:
            response = abort.response
        with self._lock:
            self.request_count += 1
            if self.keep_requests:
                self.requests.append(
                    RecordedRequest(
                        request.method,
                        request.url.path,
                        query,
                        headers,
                        body,
                        response.status_code,
                    )
                )
        return response

    def _handle(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: str
    ) -> Response:
        with self._lock:
            if self._faults:
                fault = self._faults.pop(0)
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return Response(fault.body, fault.status, headers=extra)
            if self._crashing:
                return Response(_JETTY_503, 503, media_type="text/html")
            principal = self._authenticate(headers)
            parts = path.rstrip("/").split("/")[1:]
            if not parts or parts[0] != "rest":
                return bare(404)
            response = self._route(method, parts[1:], query, headers, body, principal)
            if 200 <= response.status_code < 300 and method != "GET":
                self._count_write()
            return response

    def _count_write(self) -> None:
        self.writes += 1
        if self._crash_at is not None and self.writes >= self._crash_at:
            self._crash_at = None
            self._crashing = True
            # Shut down from another thread: this one is the server's event loop.
            self._crash_thread = threading.Thread(
                target=self.stop, name="fake-openhab-crash", daemon=True
            )
            self._crash_thread.start()

    # -- auth ------------------------------------------------------------------------------

    def _authenticate(self, headers: dict[str, str]) -> User | None:
        """AuthFilter.getSecurityContext: the user, None for no principal (anonymous or none);
        raises :class:`_Abort` (401) for a bad credential."""
        invalid = _Abort(error_json(401, "Invalid credentials"))
        alt = headers.get("x-openhab-token")
        if alt is not None:
            return self._token_user(alt, invalid)
        auth = headers.get("authorization")
        if auth is None:
            return None
        parts = auth.split(" ")
        if len(parts) != 2:
            return None
        scheme, value = parts
        if scheme.lower() == "bearer":
            return self._token_user(value, invalid)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise _Abort(error_json(400, "Illegal base64 character")) from None
            pieces = decoded.split(":")
            while pieces and pieces[-1] == "":  # Java's String.split drops trailing empties
                pieces.pop()
            if len(pieces) == 1:
                return self._token_user(pieces[0], invalid)
            if len(pieces) != 2 or not self.allow_basic_auth:
                raise invalid
            user = self.users.get(pieces[0])
            if user is None or user.password is None or user.password != pieces[1]:
                raise invalid
            return user
        return None

    def _token_user(self, token: str, invalid: _Abort) -> User:
        # Only API tokens ("oh." prefix) are modelled; anything else would be a JWT, and none
        # is valid here.
        name = self.tokens.get(token) if token.startswith("oh.") else None
        if name is None or name not in self.users:
            raise invalid
        return self.users[name]

    def _anonymous_ok(self, principal: User | None, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization")
        has_credentials = "x-openhab-token" in headers or (
            auth is not None and len(auth.split(" ")) == 2
        )
        return principal is None and not has_credentials and self.implicit_user_role

    def _require(self, role: str, principal: User | None, headers: dict[str, str]) -> None:
        """RolesAllowedRequestFilter for ``@RolesAllowed({role, ...})``."""
        if principal is not None and role in principal.roles:
            return
        if principal is None and role == USER and self._anonymous_ok(principal, headers):
            return
        if principal is None:
            raise _Abort(error_json(401, "Authentication required"))
        raise _Abort(error_json(403, "Access denied"))

    # -- routing ---------------------------------------------------------------------------

    def _route(
        self,
        method: str,
        parts: list[str],
        query: dict[str, str],
        headers: dict[str, str],
        body: str,
        principal: User | None,
    ) -> Response:
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()

        def need(role: str) -> None:
            self._require(role, principal, headers)

        if not parts:
            if method != "GET":
                return bare(405)
            return self._root()
        if parts[0] == "items":
            return self._route_items(method, parts[1:], query, body, ctype, need)
        if parts[0] == "persistence":
            return self._route_persistence(method, parts[1:], query, need)
        return bare(404)

    def _route_items(
        self,
        method: str,
        rest: list[str],
        query: dict[str, str],
        body: str,
        ctype: str,
        need: Any,
    ) -> Response:
        if not rest:
            if method == "GET":
                need(USER)
                return self._list_items(query)
            if method == "PUT":
                if ctype != "application/json":
                    return bare(415)
                need(ADMIN)
                return self._put_items(body)
            return bare(405)
        name = rest[0]
        if not _PATH_NAME.fullmatch(name):
            return bare(404)
        if len(rest) == 1:
            if method == "GET":
                need(USER)
                return self._get_item(name, query)
            if method == "PUT":
                if ctype != "application/json":
                    return bare(415)
                need(ADMIN)
                return self._put_item(name, body)
            if method == "DELETE":
                need(ADMIN)
                return self._delete_item(name)
            return bare(405)
        if len(rest) == 2 and rest[1] == "state":
            if method == "GET":
                need(USER)
                item = self.items.get(name)
                if item is None:
                    return error_json(404, f"Item {name} does not exist!")
                return Response(item.state.full, 200, media_type="text/plain")
            if method == "PUT":
                if ctype == "text/plain":
                    value: str | None = body
                elif ctype == "application/json":
                    try:
                        container = json.loads(body)
                        value = container["value"] if isinstance(container, dict) else None
                    except (ValueError, KeyError):
                        return bare(400)
                else:
                    return bare(415)
                need(USER)
                return self._put_state(name, value)
            return bare(405)
        if len(rest) == 3 and rest[1] == "metadata":
            if method != "PUT":
                return bare(405)
            if ctype != "application/json":
                return bare(415)
            need(ADMIN)
            return self._put_metadata(name, rest[2], body)
        return bare(404)

    def _route_persistence(
        self, method: str, rest: list[str], query: dict[str, str], need: Any
    ) -> Response:
        if not rest:
            if method != "GET":
                return bare(405)
            need(ADMIN)
            return ok_json(
                [{"id": s.id, "label": s.label, "type": s.kind} for s in self.services.values()]
            )
        if rest[0] != "items":
            return bare(404)
        if len(rest) == 1:
            if method != "GET":
                return bare(405)
            need(ADMIN)
            return self._service_items(query)
        if len(rest) != 2 or not _PATH_NAME.fullmatch(rest[1]):
            return bare(404)
        name = rest[1]
        if method == "GET":
            need(USER)
            return self._get_history(name, query)
        if method == "PUT":
            need(ADMIN)
            return self._put_history(name, query)
        if method == "DELETE":
            need(ADMIN)
            return self._delete_history(name, query)
        return bare(405)

    # -- root ------------------------------------------------------------------------------

    def _root(self) -> Response:
        links = [
            {"type": name, "url": f"{self.url}/rest/{name}"}
            for name in ("items", "persistence", "things", "events")
        ]
        return ok_json(
            {
                "version": API_VERSION,
                "locale": "fr_FR",
                "measurementSystem": "SI",
                "timezone": str(self.zone),
                "runtimeInfo": {"version": RUNTIME_VERSION, "buildString": "Release Build"},
                "links": links,
            }
        )

    # -- items -----------------------------------------------------------------------------

    def _dto(
        self, item: Item, *, editable: bool, with_meta: Iterable[str] | None
    ) -> dict[str, Any]:
        dto: dict[str, Any] = {
            "link": f"{self.url}/rest/items/{item.name}",
            "state": item.state.full,
            "type": item.type,
            "name": item.name,
            "tags": list(item.tags),
            "groupNames": list(item.group_names),
        }
        if item.label is not None:
            dto["label"] = item.label
        if item.category is not None:
            dto["category"] = item.category
        unit = self.item_unit(item)
        if unit is not None:
            dto["unitSymbol"] = unit
        if item.last_update is not None:
            dto["lastStateUpdate"] = int(item.last_update.timestamp() * 1000)
        if item.type == "Group":
            dto["members"] = [
                self._dto(m, editable=m.managed, with_meta=None)
                for m in self.items.values()
                if item.name in m.group_names
            ]
        if editable:
            dto["editable"] = item.managed
        if with_meta is not None:
            found = {
                ns: {"value": md.value, "editable": md.managed}
                | ({"config": md.config} if md.config else {})
                for (owner, ns), md in self.meta.items()
                if owner == item.name and ns in with_meta
            }
            if found:
                dto["metadata"] = found
        return dto

    def _namespaces(self, selector: str | None) -> set[str]:
        known = {ns for _, ns in self.meta}
        if selector is None or selector == ".*":
            return known
        wanted = {part.strip() for part in selector.split(",")}
        return {ns for ns in known if ns in wanted}

    def _list_items(self, query: dict[str, str]) -> Response:
        items = list(self.items.values())
        if "type" in query:
            items = [i for i in items if i.type == query["type"]]
        if "tags" in query:
            wanted = set(query["tags"].split(","))
            items = [i for i in items if wanted & set(i.tags)]
        namespaces = self._namespaces(query.get("metadata"))
        dtos = [self._dto(i, editable=True, with_meta=namespaces) for i in items]
        if query.get("fields"):
            keep = {f.strip() for f in query["fields"].split(",")}
            dtos = [{k: v for k, v in dto.items() if k in keep} for dto in dtos]
        return ok_json(dtos)

    def _get_item(self, name: str, query: dict[str, str]) -> Response:
        item = self.items.get(name)
        if item is None:
            return error_json(404, f"Item {name} does not exist!")
        return ok_json(
            self._dto(item, editable=True, with_meta=self._namespaces(query.get("metadata")))
        )

    def _build(self, dto: Any) -> Item | None:
        """ItemDTOMapper.map: the item, None when no factory makes the type; raises
        ValueError where Java throws IllegalArgumentException (bad name, unknown dimension)."""
        name = dto.get("name")
        if not isinstance(name, str) or not _ITEM_NAME.fullmatch(name):
            raise ValueError(f"The item name '{name}' is invalid.")
        type_ = dto.get("type")
        if not isinstance(type_, str):
            return None
        base, _, extension = type_.partition(":")
        if base not in ITEM_TYPES:
            return None
        if base == "Number" and extension:
            if extension not in DEFAULT_UNITS:
                raise ValueError(f"The given dimension {extension} is unknown.")
        elif base != "Number":
            type_ = base  # CoreItemFactory ignores an extension on other types
        tags = dto.get("tags") or []
        groups = dto.get("groupNames") or []
        if not isinstance(tags, list) or not isinstance(groups, list):
            raise ValueError("tags and groupNames must be lists")
        label, category = dto.get("label"), dto.get("category")
        return Item(
            name=name,
            type=type_,
            label=label if isinstance(label, str) else None,
            category=category if isinstance(category, str) else None,
            tags=sorted({str(t) for t in tags}),
            group_names=[str(g) for g in groups],
        )

    def _store_item(self, item: Item) -> str:
        """ManagedItemProvider add/update: ``created``, ``updated`` or ``error``."""
        existing = self.items.get(item.name)
        item.unit = self._metadata_unit(item)
        if existing is None:
            self.items[item.name] = item
            return "created"
        if not existing.managed:
            return "error"
        # A new item instance: the state is NULL unless a restore strategy brings it back.
        if item.base in self.restore_types:
            item.state, item.last_update = existing.state, existing.last_update
        self.items[item.name] = item
        return "updated"

    def _put_item(self, name: str, body: str) -> Response:
        try:
            dto = json.loads(body)
        except ValueError:
            return bare(400)
        if not isinstance(dto, dict) or not isinstance(dto.get("name"), str):
            return bare(400)
        if dto["name"].lower() != name.lower():
            return bare(400)
        try:
            item = self._build(dto)
        except ValueError:
            return bare(400)
        if item is None:
            return bare(400)
        status = self._store_item(item)
        if status == "error":
            return error_json(405, f"Cannot update non-managed Item {name}")
        stored = self.items[item.name]
        code = 201 if status == "created" else 200
        return ok_json(self._dto(stored, editable=False, with_meta=None), code)

    def _put_items(self, body: str) -> Response:
        try:
            dtos = json.loads(body)
        except ValueError:
            return bare(400)
        if not isinstance(dtos, list) or not all(isinstance(d, dict) for d in dtos):
            return bare(400)
        built: list[Item] = []
        wrong: list[dict[str, Any]] = []
        for dto in dtos:
            try:
                item = self._build(dto)
            except ValueError:
                return bare(400)
            if item is None:
                wrong.append(dto)
            else:
                built.append(item)
        outcome: dict[str, list[str]] = {"error": [], "created": [], "updated": []}
        for item in built:
            outcome[self._store_item(item)].append(item.name)
        answer: list[dict[str, Any]] = [
            {
                "name": dto.get("name"),
                "status": "error",
                "message": "Received HTTP PUT request with an invalid item type "
                f"'{dto.get('type')}'.",
            }
            for dto in wrong
        ]
        answer += [
            {"name": n, "status": "error", "message": "Cannot update non-managed item"}
            for n in outcome["error"]
        ]
        answer += [{"name": n, "status": "created"} for n in outcome["created"]]
        answer += [{"name": n, "status": "updated"} for n in outcome["updated"]]
        return ok_json(answer)

    def _delete_item(self, name: str) -> Response:
        item = self.items.get(name)
        if item is None or not item.managed:
            return bare(404)
        del self.items[name]
        return Response(b"", 200, media_type="text/plain")

    def _put_metadata(self, name: str, namespace: str, body: str) -> Response:
        if name not in self.items:
            return bare(404)
        try:
            dto = json.loads(body)
        except ValueError:
            return bare(400)
        if not isinstance(dto, dict):
            return bare(400)
        value = dto.get("value")
        config = dto.get("config") or {}
        key = (name, namespace)
        existing = self.meta.get(key)
        if existing is not None and not existing.managed:
            return bare(405)
        self.meta[key] = Metadata("" if value is None else str(value), dict(config))
        if namespace == "unit":
            item = self.items[name]
            item.unit = self._metadata_unit(item) or item.unit
        return Response(b"", 201 if existing is None else 200, media_type="text/plain")

    # -- states ----------------------------------------------------------------------------

    def _accepted(self, item: Item) -> tuple[str, ...]:
        return ACCEPTED.get(item.base, ("undef",))

    def _internal(self, item: Item, state: State) -> State | None:
        """NumberItem.getInternalState: what the item keeps of a parsed state (None: dropped)."""
        if item.base != "Number" or state.kind not in ("decimal", "quantity"):
            return state
        unit = self.item_unit(item)
        number = state.number or Decimal(0)
        if unit is None:
            return State("decimal", plain(number), number)
        if state.kind == "decimal":
            return State("quantity", f"{number} {unit}", number, unit)
        given = state.unit or "one"
        if UNITS[given][0] != UNITS[unit][0]:
            return None
        value = number if given == unit else _convert(number, given, unit)
        return State("quantity", f"{value} {unit}", value, unit)

    def _apply(self, item: Item, state: State, at: datetime) -> bool:
        internal = self._internal(item, state)
        if internal is None:
            self.warnings.append(
                f"Failed to update item '{item.name}' because '{state.text}' could not be "
                f"converted to the item unit '{self.item_unit(item)}'"
            )
            return False
        item.state, item.last_update = internal, at
        return True

    def _put_state(self, name: str, value: str | None) -> Response:
        item = self.items.get(name)
        if item is None:
            return error_json(404, f"Item {name} does not exist!")
        state = parse_state(self._accepted(item), value, self.zone)
        if state is None:
            return error_json(400, f"State could not be parsed: {_java(value)}")
        now = datetime.now(UTC)
        if self._apply(item, state, now):
            for service in self.services.values():
                if service.strategy and service.kind != "Standard":
                    self._store_point(service, item.name, now, item.state)
        return Response(b"", 202, media_type="application/json")

    # -- persistence -----------------------------------------------------------------------

    def _store_point(
        self, service: PersistenceService, name: str, at: datetime, state: State
    ) -> None:
        if state.kind == "undef":
            return
        points = service.data.setdefault(name, {})
        ms = int(at.timestamp() * 1000)
        if service.keep_first and ms in points:
            return
        points[ms] = state
        if service.max_entries is not None:
            while len(points) > service.max_entries:
                del points[min(points)]

    def _put_history(self, name: str, query: dict[str, str]) -> Response:
        service_id = query.get("serviceId") or self.default_service
        service = self.services.get(service_id or "")
        if service is None:
            return error_json(400, f"Persistence service not found: {service_id}")
        if service.kind != "Modifiable":
            return error_json(400, f"Persistence service not modifiable: {service_id}")
        item = self.items.get(name)
        if item is None:
            return error_json(400, f"Item not found: {name}")
        value = query.get("state")
        state = parse_state(self._accepted(item), value, self.zone)
        if state is None:
            return error_json(400, f"State could not be parsed: {_java(value)}")
        text = query.get("time")
        if not text:
            return error_json(400, "Time badly formatted.")
        try:
            at = parse_datetime_type(text, self.zone)
        except ValueError as exc:
            return error_json(400, str(exc))
        if int(at.timestamp()) == 0:
            return error_json(400, "Time badly formatted.")
        self._store_point(service, name, at, state)
        if service.strategy:
            self._restore_from(service, item)
        return Response(b"", 200)

    def _restore_from(self, service: PersistenceService, item: Item) -> None:
        """PersistenceManagerImpl.restoreItemStateFromPersistenceUpdate."""
        points = service.data.get(item.name)
        if not points:
            return
        newest = max(points)
        at = datetime.fromtimestamp(newest / 1000, UTC)
        if item.state != NULL and item.last_update is not None and at < item.last_update:
            return
        self._apply(item, points[newest], at)

    def _window(self, query: dict[str, str]) -> tuple[datetime, datetime]:
        now = datetime.now(UTC)
        begin = end = now
        if query.get("starttime") is not None:
            begin = parse_datetime_type(query["starttime"], self.zone)
        if query.get("endtime") is not None:
            end = parse_datetime_type(query["endtime"], self.zone)
        if int(end.timestamp()) == 0:
            end = now
        if int(begin.timestamp()) == 0 or begin >= end:
            begin = end - timedelta(days=1)
        return begin, end

    def _get_history(self, name: str, query: dict[str, str]) -> Response:
        service_id = query.get("serviceId") or self.default_service
        service = self.services.get(service_id or "")
        if service is None:
            return error_json(404, f"Persistence service not found: {service_id}")
        if service.kind == "Standard":
            return error_json(405, f"Persistence service not queryable: {service_id}")
        try:
            begin, end = self._window(query)
        except ValueError as exc:
            return error_json(400, str(exc))
        item = self.items.get(name)
        unit = self.item_unit(item) if item is not None else None
        lo, hi = int(begin.timestamp() * 1000), int(end.timestamp() * 1000)
        points = sorted((ms, s) for ms, s in service.data.get(name, {}).items() if lo <= ms <= hi)
        page, length = int(query.get("page") or 0), int(query.get("pagelength") or 0)
        if length:
            points = points[page * length : (page + 1) * length]
        data = []
        for ms, state in points:
            shown = self._history_state(state, unit)
            if shown is not None:
                data.append({"time": ms, "state": shown})
        dto: dict[str, Any] = {"name": name, "datapoints": str(len(data)), "data": data}
        if unit is not None:
            dto["unit"] = unit
        return ok_json(dto)

    @staticmethod
    def _history_state(state: State, unit: str | None) -> str | None:
        """ItemHistoryDTO.addData after PersistenceResource's unit conversion."""
        if state.kind == "quantity" and unit is not None:
            given = state.unit or "one"
            if UNITS[given][0] != UNITS[unit][0]:
                return None
            number = state.number or Decimal(0)
            return str(number if given == unit else _convert(number, given, unit))
        if state.kind in ("quantity", "decimal"):
            return str(state.number)
        return state.full

    def _delete_history(self, name: str, query: dict[str, str]) -> Response:
        service_id = query.get("serviceId")
        if not service_id:
            return error_json(400, "Persistence service must be specified for delete operations.")
        service = self.services.get(service_id)
        if service is None:
            return error_json(400, f"Persistence service not found: {service_id}")
        if service.kind != "Modifiable":
            return error_json(400, f"Persistence service not modifiable: {service_id}")
        if query.get("starttime") is None or query.get("endtime") is None:
            return error_json(400, "The start and end time must be set")
        try:
            begin = parse_datetime_type(query["starttime"], self.zone)
            end = parse_datetime_type(query["endtime"], self.zone)
        except ValueError as exc:
            return error_json(400, str(exc))
        if end < begin:
            return error_json(400, "Start time must be earlier than end time")
        lo, hi = int(begin.timestamp() * 1000), int(end.timestamp() * 1000)
        points = service.data.get(name, {})
        for ms in [ms for ms in points if lo <= ms <= hi]:
            del points[ms]
        return Response(b"", 200)

    def _service_items(self, query: dict[str, str]) -> Response:
        service_id = query.get("serviceId") or self.default_service
        service = self.services.get(service_id or "")
        if service is None:
            return error_json(404, f"Persistence service not found: {service_id}")
        if service.kind == "Standard":
            return error_json(405, f"Persistence service not queryable: {service_id}")
        wanted = query.get("itemName")
        infos = []
        for name, points in service.data.items():
            if not points or (wanted is not None and name != wanted):
                continue
            infos.append({"name": name, "count": len(points)})
        if wanted is not None and not infos:
            return error_json(
                404, f"Item '{wanted}' could not be found in persistence service '{service_id}'"
            )
        return ok_json(infos)


_shared: FakeOpenHAB | None = None


def shared_fake_openhab() -> FakeOpenHAB:
    """One fake per test process, started on first use and reset (and running) on every call."""
    global _shared
    if _shared is None:
        _shared = FakeOpenHAB().start()
        atexit.register(_shared.stop)
    _shared.reset()
    _shared.start()
    return _shared


def main() -> None:
    """Serve a fake openHAB in the foreground (for benchmarks): requests are not kept. It
    prints ``ready <url>`` once it serves, and ``counts <requests> <writes>`` on each line read
    from its standard input."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = FakeOpenHAB()
    fake.port = args.port
    fake.start()
    fake.keep_requests = False
    print(f"ready {fake.url}", flush=True)
    try:
        for _ in sys.stdin:
            print(f"counts {fake.request_count} {fake.writes}", flush=True)
    finally:
        fake.stop()


__all__ = [
    "ADMIN",
    "API_VERSION",
    "DEFAULT_TOKEN",
    "UNITS",
    "USER",
    "FakeOpenHAB",
    "Item",
    "PersistenceService",
    "State",
    "default_services",
    "format_datetime_type",
    "parse_datetime_type",
    "parse_java_decimal",
    "parse_java_quantity",
    "parse_state",
    "shared_fake_openhab",
]

if __name__ == "__main__":
    main()
