"""A strict fake of the MyElectricalData v2 gateway (DESIGN.md §4), served over real HTTP.

It runs a Starlette app under uvicorn in a background thread on 127.0.0.1 (ephemeral port), so
the real client, its HTTP stack and its timeouts are exercised. It is strict where the real
gateway is strict and documents each rule:

- ``Authorization: Bearer <secret>`` on every route, else HTTP 401 with an envelope.
- Every answer is an envelope ``{"success", "data", "error", "timestamp"}``; business errors
  are HTTP 200 with ``success: false``.
- Ranges are ``[start, end)`` Paris days; ``end <= start`` is HTTP 400 ``INVALID_DATE_RANGE``
  (field ``end``); more than 365 days (daily, max power) or 7 days (load curve) per call is HTTP
  400 ``DATE_RANGE_TOO_LARGE`` (field ``end``).
- ``DATE_TOO_OLD`` when ``start`` is more than 3 years (daily, max power) or 2 years (load
  curve) before today (Paris); the message names the oldest day served.
- ``ADAM-ERR0123`` when ``start`` is before the PDL's activation date (message as Enedis words
  it, without the date); ``ADAM-ERR0075`` for a load curve the PDL has not enabled;
  ``ADAM-ERR0069`` for a direction the PDL does not measure (production on a consumer meter).
- ``NO_DATA`` when no day of the range is published: day D is served once D < today (Paris),
  and days listed in ``FakePdl.missing_days`` are never served.
- Quota per UTC day of :attr:`FakeGateway.now`: every authenticated request counts one call;
  the limit is ``quota`` for requests with ``use_cache=true`` (and for non-Enedis routes),
  ``quota_without_cache`` otherwise. Over it: ``RATE_LIMIT_EXCEEDED`` (HTTP 200) or, with
  ``quota_mode="429"``, HTTP 429 with ``Retry-After`` (seconds to the next UTC midnight). Refused
  requests are not counted.
- Unknown PDL: HTTP 404 ``PDL_NOT_FOUND``; unknown route: HTTP 404 ``NOT_FOUND``.

Data are deterministic functions of (PDL, direction, instant, ``FakePdl.revision``): bump
``revision`` to simulate Enedis corrections. Load-curve values are even watts, so each 30-minute
slot holds a whole number of Wh, and the daily value is exactly the sum of the day's slots.

Typical use::

    with FakeGateway([FakePdl("12345678901234", activation=date(2021, 5, 1))]) as fake:
        source = GatewaySource(fake.url, fake.secret, clock=lambda: fake.now)
        fake.fail_next(2, "503", retry_after="1")
        ...
        assert fake.call_count("/enedis/consumption/detail/") == 105
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import json
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.serving import LoopbackServer

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_SECRET = "fake-client-secret-0123456789abcdef"
#: A Wednesday in autumn: 2024-10-27 (50 slots) and 2024-03-31 (46 slots) are inside the
#: load-curve window, and the Tempo red season is open.
DEFAULT_NOW = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
DEFAULT_PDL = "12345678901234"

FaultKind = Literal[
    "500", "502", "503", "429", "malformed", "not_envelope", "enedis", "slow", "bad_value"
]
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "malformed",
    "not_envelope",
    "enedis",
    "slow",
    "bad_value",
)


@dataclass
class FakePdl:
    """One usage point of the fake account and what the gateway knows about it."""

    pdl: str = DEFAULT_PDL
    activation: date = date(2019, 1, 1)
    name: str = "Maison"
    subscribed_power_kva: int = 9
    offpeak_hours: str | None = "HC (22H00-6H00)"
    pricing_option: str = "HC_HP"
    load_curve_enabled: bool = True
    has_consumption: bool = True
    has_production: bool = False
    #: When False, ``/pdl`` omits subscribed power and off-peak hours (client must read the
    #: contract route).
    listed_with_contract: bool = True
    #: When False, neither ``/pdl`` nor the contract tells the activation date (older meters):
    #: the client only learns it from ADAM-ERR0123 refusals.
    activation_known: bool = True
    quality: str = "BRUT"
    missing_days: set[date] = field(default_factory=set)
    #: Changes every value: simulates late corrections.
    revision: int = 0
    distribution_tariff: str = "BTINFMU4"


class Call(NamedTuple):
    """One request the fake received (path without the ``/api`` prefix, query parameters)."""

    path: str
    params: dict[str, str]


@dataclass
class _Fault:
    kind: str
    path_prefix: str
    retry_after: str | None
    delay: float


@dataclass
class _Reply:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class _Refusal(Exception):
    """A business or validation error answered as an envelope."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 200):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


_shared: FakeGateway | None = None


def shared_fake_gateway() -> FakeGateway:
    """One fake server per test process, started on first use and reset on every call.

    Starting a server costs ~0.2 s; fixtures use this and get a fresh state each time.
    """
    global _shared
    if _shared is None:
        _shared = FakeGateway().start()
        atexit.register(_shared.stop)
    _shared.reset()
    return _shared


def _corrupt(data: Any) -> Any:
    """The same answer with one bad value in it (see ``fail_next(kind="bad_value")``)."""
    if isinstance(data, dict) and "meter_reading" in data:
        readings = data["meter_reading"]["interval_reading"]
        if readings:
            readings[0]["value"] = "n/a"
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        if "color" in data[0]:
            data[0]["color"] = "PURPLE"
        elif "dvalue" in data[0]:
            data[0]["dvalue"] = 7
    return data


def _noise(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _wall(instant: datetime) -> str:
    return instant.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")


class FakeGateway:
    """The fake gateway: configure PDLs, start it, point a client at :attr:`url`.

    Attributes tests read or set: ``now`` (aware; the fake's clock), ``pdls`` (by id),
    ``calls`` (every :class:`Call` in order), ``secret``, ``quota``, ``quota_mode``.
    """

    def __init__(
        self,
        pdls: list[FakePdl] | None = None,
        *,
        secret: str = DEFAULT_SECRET,
        quota: int = 1000,
        quota_without_cache: int = 50,
        quota_mode: Literal["envelope", "429"] = "envelope",
        now: datetime = DEFAULT_NOW,
    ) -> None:
        self._initial: dict[str, Any] = {
            "pdls": copy.deepcopy(pdls or [FakePdl()]),
            "secret": secret,
            "quota": quota,
            "quota_without_cache": quota_without_cache,
            "quota_mode": quota_mode,
            "now": now,
        }
        self.pdls: dict[str, FakePdl] = {}
        self.secret = secret
        self.quota = quota
        self.quota_without_cache = quota_without_cache
        self.quota_mode: Literal["envelope", "429"] = quota_mode
        self.now = now
        self.set_pdls(copy.deepcopy(self._initial["pdls"]))
        self.calls: list[Call] = []
        self._used: Counter[date] = Counter()
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._http = LoopbackServer("fake-gateway")
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeGateway:
        """Serve on 127.0.0.1 on a free port; returns once the server accepts connections."""
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET"])])
        port = self._http.start(app)
        self.url = f"http://127.0.0.1:{port}/api"
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._http.stop()

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the constructor's configuration: no calls, no quota used, no pending fault."""
        with self._lock:
            self.calls.clear()
            self._used.clear()
            self._faults.clear()
            self.secret = self._initial["secret"]
            self.quota = self._initial["quota"]
            self.quota_without_cache = self._initial["quota_without_cache"]
            self.quota_mode = self._initial["quota_mode"]
            self.now = self._initial["now"]
            self.set_pdls(copy.deepcopy(self._initial["pdls"]))

    # -- test controls ---------------------------------------------------------------------

    @property
    def today(self) -> date:
        """Today in Paris according to :attr:`now`."""
        return self.now.astimezone(PARIS).date()

    def advance(self, days: int = 0, hours: float = 0) -> None:
        """Move the fake's clock forward."""
        self.now = self.now + timedelta(days=days, hours=hours)

    def set_pdls(self, pdls: list[FakePdl]) -> None:
        """Replace the usage points of the account."""
        self.pdls = {p.pdl: p for p in pdls}

    def add_pdl(self, pdl: FakePdl) -> None:
        """Add (or replace) a usage point of the account."""
        self.pdls[pdl.pdl] = pdl

    def fail_next(
        self,
        n: int = 1,
        kind: FaultKind = "500",
        *,
        retry_after: str | None = None,
        path: str = "",
        delay: float = 1.0,
    ) -> None:
        """The next ``n`` authenticated requests (whose path starts with ``path``) fail.

        Kinds: ``500`` (envelope INTERNAL_ERROR), ``502`` (HTML from a proxy), ``503`` and
        ``429`` (with ``Retry-After`` if given; 429 defaults to ``"1"``), ``malformed``
        (truncated JSON, HTTP 200), ``not_envelope`` (JSON without ``success``, HTTP 200),
        ``enedis`` (HTTP 200 ``ENEDIS_ERROR``), ``slow`` (answers normally after ``delay`` s),
        ``bad_value`` (a valid envelope whose first reading has ``value: "n/a"``, Tempo colour
        ``"PURPLE"``, EcoWatt ``dvalue: 7``).
        Failed requests count on the quota like any other.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}: one of {FAULT_KINDS}")
        if kind == "429" and retry_after is None:
            retry_after = "1"
        with self._lock:
            self._faults.extend(_Fault(kind, path, retry_after, delay) for _ in range(n))

    def calls_to(self, prefix: str) -> list[Call]:
        """Calls whose path starts with ``prefix`` (e.g. ``/enedis/consumption/detail/``)."""
        with self._lock:
            return [c for c in self.calls if c.path.startswith(prefix)]

    def call_count(self, prefix: str = "") -> int:
        """How many requests (authenticated or not) had a path starting with ``prefix``."""
        return len(self.calls_to(prefix))

    def quota_used(self, day: date | None = None) -> int:
        """Calls counted on a UTC day (default: the UTC day of :attr:`now`)."""
        with self._lock:
            return self._used[day or self.now.astimezone(UTC).date()]

    # -- expected data (what the fake serves) ----------------------------------------------

    def expected_load_curve(
        self, pdl: str, day: date, direction: str = "consumption"
    ) -> list[tuple[datetime, int]]:
        """(UTC start, average W) of every 30-minute slot of a Paris day: 46, 48 or 50."""
        point = self.pdls[pdl]
        start, end = _local_midnight_utc(day), _local_midnight_utc(day + timedelta(days=1))
        slots: list[tuple[datetime, int]] = []
        instant = start
        while instant < end:
            slots.append((instant, self._watts(point, direction, instant)))
            instant += timedelta(minutes=30)
        return slots

    def expected_daily(self, pdl: str, day: date, direction: str = "consumption") -> int:
        """Wh of a Paris day: exactly the energy of its load-curve slots."""
        return sum(w // 2 for _, w in self.expected_load_curve(pdl, day, direction))

    def expected_max_power(self, pdl: str, day: date) -> tuple[int, datetime]:
        """(VA, UTC instant) of a day's peak; the peak is always between 18:00 and 22:00 Paris."""
        point = self.pdls[pdl]
        h = _noise(point.pdl, "pmax", day, point.revision)
        local = datetime.combine(day, time(18), tzinfo=PARIS) + timedelta(seconds=h % (4 * 3600))
        return 1000 + h % 8000, local.astimezone(UTC)

    def expected_tempo(self, day: date) -> str:
        """Tempo colour of a day: Sunday blue, red only on Nov-Mar weekdays."""
        h = _noise("tempo", day)
        if day.weekday() == 6:
            return "BLUE"
        if day.month in (11, 12, 1, 2, 3) and day.weekday() < 5 and h % 12 == 0:
            return "RED"
        return "WHITE" if h % 8 == 0 else "BLUE"

    def expected_ecowatt(self, day: date) -> tuple[int, list[int]]:
        """(day level 1-3, 24 hourly levels 0-3) of a day."""
        hourly = []
        for hour in range(24):
            x = _noise("ecowatt", day, hour) % 100
            hourly.append(0 if x < 60 else 1 if x < 88 else 2 if x < 98 else 3)
        return max(1, max(hourly)), hourly

    def _watts(self, point: FakePdl, direction: str, instant: datetime) -> int:
        local = instant.astimezone(PARIS)
        h = _noise(point.pdl, direction, instant.isoformat(), point.revision)
        if direction == "production":
            if not 8 <= local.hour < 18:
                return 0
            return 2 * (50 + h % 1500)
        base = 150 if local.hour < 6 else 400 if 18 <= local.hour < 22 else 250
        return 2 * (base + h % 700)

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        params = dict(request.query_params)
        with self._lock:
            reply, delay = self._dispatch(path, params, request.headers.get("authorization"))
        if delay:
            await asyncio.sleep(delay)
        return Response(
            reply.body,
            status_code=reply.status,
            headers=reply.headers,
            media_type="text/html" if reply.body.startswith("<") else "application/json",
        )

    def _envelope(self, data: Any) -> str:
        return json.dumps(
            {"success": True, "data": data, "error": None, "timestamp": self.now.isoformat()}
        )

    def _error(self, code: str, message: str, field: str | None = None) -> str:
        error: dict[str, str] = {"code": code, "message": message}
        if field is not None:
            error["field"] = field
        return json.dumps(
            {"success": False, "data": None, "error": error, "timestamp": self.now.isoformat()}
        )

    def _dispatch(
        self, path: str, params: dict[str, str], auth: str | None
    ) -> tuple[_Reply, float]:
        if not path.startswith("/api/"):
            return _Reply(404, self._error("NOT_FOUND", f"no route {path}")), 0.0
        path = path[len("/api") :]
        self.calls.append(Call(path, params))
        if auth != f"Bearer {self.secret}":
            return _Reply(401, self._error("UNAUTHORIZED", "Invalid or missing client secret")), 0.0
        day = self.now.astimezone(UTC).date()
        cached = params.get("use_cache") == "true" or not path.startswith("/enedis/")
        limit = self.quota if cached else self.quota_without_cache
        if self._used[day] >= limit:
            midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
            wait = str(max(int((midnight - self.now).total_seconds()), 1))
            body = self._error(
                "RATE_LIMIT_EXCEEDED",
                f"Daily quota of {limit} calls reached; resets at midnight UTC",
            )
            if self.quota_mode == "429":
                return _Reply(429, body, {"Retry-After": wait}), 0.0
            return _Reply(200, body), 0.0
        self._used[day] += 1
        fault = next((f for f in self._faults if path.startswith(f.path_prefix)), None)
        delay = 0.0
        corrupt = False
        if fault is not None:
            self._faults.remove(fault)
            if fault.kind == "slow":
                delay = fault.delay
            elif fault.kind == "bad_value":
                corrupt = True
            else:
                return self._fault_reply(fault), 0.0
        try:
            data = self._route(path, params)
            return _Reply(200, self._envelope(_corrupt(data) if corrupt else data)), delay
        except _Refusal as refusal:
            return _Reply(
                refusal.status, self._error(refusal.code, refusal.message, refusal.field)
            ), delay

    def _fault_reply(self, fault: _Fault) -> _Reply:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.kind == "500":
            return _Reply(500, self._error("INTERNAL_ERROR", "Internal server error"))
        if fault.kind == "502":
            return _Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        if fault.kind == "503":
            return _Reply(503, self._error("SERVICE_UNAVAILABLE", "Maintenance"), headers)
        if fault.kind == "429":
            return _Reply(429, self._error("RATE_LIMIT_EXCEEDED", "Too many requests"), headers)
        if fault.kind == "malformed":
            return _Reply(200, '{"success": true, "data": {"meter_reading": {"interval_rea')
        if fault.kind == "not_envelope":
            return _Reply(200, json.dumps({"detail": "upstream answered nothing"}))
        return _Reply(200, self._error("ENEDIS_ERROR", "Enedis API did not answer (timeout)"))

    def _route(self, path: str, params: dict[str, str]) -> Any:
        parts = path.strip("/").split("/")
        if parts == ["pdl"]:
            return [self._listed(p) for p in self.pdls.values()]
        if parts == ["tempo", "days"]:
            return self._tempo(params)
        if parts == ["ecowatt", "forecast"]:
            return self._ecowatt(params)
        if len(parts) == 4 and parts[0] == "enedis" and parts[2] in ("daily", "detail"):
            if parts[1] not in ("consumption", "production"):
                raise _Refusal("NOT_FOUND", f"no route {path}", status=404)
            return self._readings(parts[2], parts[1], self._pdl(parts[3]), params)
        if len(parts) == 3 and parts[0] == "enedis" and parts[1] == "power":
            return self._readings("power", "consumption", self._pdl(parts[2]), params)
        if len(parts) == 3 and parts[0] == "enedis" and parts[1] == "contract":
            return self._contract(self._pdl(parts[2]))
        if len(parts) == 3 and parts[0] == "enedis" and parts[1] == "address":
            return self._address(self._pdl(parts[2]))
        raise _Refusal("NOT_FOUND", f"no route {path}", status=404)

    def _pdl(self, pdl: str) -> FakePdl:
        if pdl not in self.pdls:
            raise _Refusal(
                "PDL_NOT_FOUND", f"usage point {pdl} is not in this account", "usage_point_id", 404
            )
        return self.pdls[pdl]

    @staticmethod
    def _date(params: dict[str, str], name: str) -> date:
        raw = params.get(name)
        if raw is None:
            raise _Refusal("INVALID_PARAMETER", f"{name} is required (YYYY-MM-DD)", name, 400)
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            raise _Refusal(
                "INVALID_PARAMETER", f"{name}={raw!r} is not YYYY-MM-DD", name, 400
            ) from None

    def _range(
        self, params: dict[str, str], start_name: str, end_name: str, max_days: int
    ) -> tuple[date, date]:
        start, end = self._date(params, start_name), self._date(params, end_name)
        if end <= start:
            raise _Refusal(
                "INVALID_DATE_RANGE",
                f"{end_name} is exclusive and must be after {start_name}",
                end_name,
                400,
            )
        if (end - start).days > max_days:
            raise _Refusal(
                "DATE_RANGE_TOO_LARGE", f"at most {max_days} days per call", end_name, 400
            )
        return start, end

    def _readings(self, kind: str, direction: str, point: FakePdl, params: dict[str, str]) -> Any:
        detail = kind == "detail"
        start, end = self._range(params, "start", "end", 7 if detail else 365)
        today = self.today
        oldest = _years_before(today, 2 if detail else 3)
        if start < oldest:
            raise _Refusal(
                "DATE_TOO_OLD",
                f"data older than {2 if detail else 3} years is not available; oldest day: "
                f"{oldest.isoformat()}",
                "start",
            )
        if start < point.activation:
            raise _Refusal(
                "ADAM-ERR0123",
                "The requested period cannot be anterior to the meter's last activation date",
            )
        measures = point.has_production if direction == "production" else point.has_consumption
        if not measures:
            raise _Refusal("ADAM-ERR0069", f"The usage point does not measure {direction}")
        if detail and not point.load_curve_enabled:
            raise _Refusal(
                "ADAM-ERR0075",
                "Hourly data collection (load curve) is not activated for this point",
            )
        days = [d for d in _days(start, min(end, today)) if d not in point.missing_days]
        if not days:
            raise _Refusal("NO_DATA", f"no data between {start} and {end} yet")
        if kind == "daily":
            unit, readings = (
                "Wh",
                [
                    {
                        "value": str(self.expected_daily(point.pdl, d, direction)),
                        "date": d.isoformat(),
                    }
                    for d in days
                ],
            )
        elif kind == "detail":
            unit, readings = (
                "W",
                [
                    {
                        "value": str(w),
                        "date": _wall(s),
                        "interval_length": "PT30M",
                        "measure_type": "B",
                    }
                    for d in days
                    for s, w in self.expected_load_curve(point.pdl, d, direction)
                ],
            )
        else:
            readings = []
            for d in days:
                value, at = self.expected_max_power(point.pdl, d)
                readings.append({"value": str(value), "date": _wall(at)})
            unit = "VA"
        return {
            "meter_reading": {
                "usage_point_id": point.pdl,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "quality": point.quality,
                "reading_type": {
                    "unit": unit,
                    "measurement_kind": "energy" if unit == "Wh" else "power",
                },
                "interval_reading": readings,
            }
        }

    def _listed(self, point: FakePdl) -> dict[str, Any]:
        return {
            "usage_point_id": point.pdl,
            "name": point.name,
            "subscribed_power": point.subscribed_power_kva if point.listed_with_contract else None,
            "offpeak_hours": point.offpeak_hours if point.listed_with_contract else None,
            "pricing_option": point.pricing_option,
            "has_consumption": point.has_consumption,
            "has_production": point.has_production,
            "is_active": True,
            "activation_date": point.activation.isoformat() if point.activation_known else None,
            "oldest_available_data_date": max(
                point.activation, _years_before(self.today, 3)
            ).isoformat()
            if point.activation_known
            else None,
        }

    def _contract(self, point: FakePdl) -> dict[str, Any]:
        contracts: dict[str, Any] = {
            "segment": "C5",
            "subscribed_power": f"{point.subscribed_power_kva} kVA",
            "last_activation_date": f"{point.activation.isoformat()}+01:00"
            if point.activation_known
            else None,
            "distribution_tariff": point.distribution_tariff,
            "contract_status": "SERVC",
            "last_distribution_tariff_change_date": f"{point.activation.isoformat()}+01:00",
        }
        if point.offpeak_hours:
            contracts["offpeak_hours"] = point.offpeak_hours
        return {
            "customer": {
                "customer_id": "-" + str(_noise(point.pdl) % 10**9),
                "usage_points": [
                    {
                        "usage_point": {
                            "usage_point_id": point.pdl,
                            "usage_point_status": "com",
                            "meter_type": "AMM",
                        },
                        "contracts": contracts,
                    }
                ],
            }
        }

    def _address(self, point: FakePdl) -> dict[str, Any]:
        return {
            "customer": {
                "customer_id": "-" + str(_noise(point.pdl) % 10**9),
                "usage_points": [
                    {
                        "usage_point": {
                            "usage_point_id": point.pdl,
                            "usage_point_status": "com",
                            "meter_type": "AMM",
                            "usage_point_addresses": {
                                "street": "1 rue de la Paix",
                                "postal_code": "75002",
                                "city": "Paris",
                                "country": "France",
                            },
                        }
                    }
                ],
            }
        }

    def _tempo(self, params: dict[str, str]) -> Any:
        start, end = self._range(params, "start_date", "end_date", 366 * 10)
        # Tomorrow's colour is published around 11:00 Paris.
        local_now = self.now.astimezone(PARIS)
        last = self.today + timedelta(days=1 if local_now.hour >= 11 else 0)
        days = [d for d in _days(start, end) if d <= last]
        if not days:
            raise _Refusal("NO_DATA", "no Tempo colour published for this range yet")
        return [
            {
                "date": d.isoformat(),
                "color": self.expected_tempo(d),
                "rte_updated_date": datetime.combine(
                    d - timedelta(days=1), time(10, 45), tzinfo=PARIS
                ).isoformat(),
            }
            for d in days
        ]

    def _ecowatt(self, params: dict[str, str]) -> Any:
        raw = params.get("days", "4")
        if not raw.isdigit() or not 1 <= int(raw) <= 4:
            raise _Refusal("INVALID_PARAMETER", "days must be 1 to 4", "days", 400)
        out = []
        for offset in range(int(raw)):
            day = self.today + timedelta(days=offset)
            level, hourly = self.expected_ecowatt(day)
            out.append(
                {
                    "periode": day.isoformat(),
                    "dvalue": level,
                    "message": "Pas d'alerte." if level == 1 else "Consommation élevée.",
                    "values": hourly,
                    "generation_datetime": self.now.isoformat(),
                }
            )
        return out
