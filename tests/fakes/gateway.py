"""A fake of the MyElectricalData v2 gateway that answers the way its server code does.

Served over real HTTP on 127.0.0.1 (ephemeral port) so the real client, its HTTP stack and its
timeouts are exercised. By default it answers as the gateway's own code does, not as its
documentation says (DESIGN.md §4.1; ``tests/sources/gateway_answers/`` holds the recorded real
answers, and ``test_gateway_contract.py`` checks this fake gives answers of the same shape):

- Auth: ``Authorization: Bearer <secret>`` on every route but Tempo. Missing: HTTP 403
  ``{"detail": "Not authenticated"}``; wrong: HTTP 401 ``{"detail": "Invalid authentication
  credentials"}``; no envelope. Unknown route: HTTP 404 ``{"detail": "Not Found"}``.
- A PDL that is not in the account, inactive on the site (``is_active``) or unlinked
  (``linked=False``): HTTP 200 ``ACCESS_DENIED`` on every data route, not counted.
- ``DATE_TOO_OLD`` (HTTP 200, not counted) when ``start`` is before today - 3 years (daily,
  max power) or today - 2 years (load curve), the oldest allowed date in the message.
- Quota per UTC day of :attr:`FakeGateway.now` and bucket: calls with ``use_cache=true`` count
  on ``quota`` (1000), others and EcoWatt on ``quota_no_cache`` (50); ``/pdl`` and Tempo are
  not counted, nor refusals made before the counter. Over it: HTTP 200 ``RATE_LIMIT_EXCEEDED``
  on Enedis routes, HTTP 429 ``{"detail"}`` without ``Retry-After`` on EcoWatt routes.
- Daily consumption: ``end`` is capped at yesterday and the days ``[start, end]`` are read
  *inclusive* (the gateway's own day list); with ``use_cache=true`` the days it holds come from
  its cache (the ``end`` day too), the others go to Enedis in runs whose last day Enedis's
  exclusive end drops; a one-day run is stretched a day backwards and brings nothing. So
  yesterday is never served, newest-first yearly chunks lose the day before each boundary, and
  such a day only comes back with ``use_cache=false``. No ``quality``. Before the meter's
  activation Enedis's refusal is swallowed: ``success: true`` with an empty list.
- Load curve (consumption): days ``[start, min(end, today))``. Enedis's interval-end stamps are
  turned into start stamps by subtracting the length from the *wall time* (a nonexistent 02:30
  in spring, 01:30 and 02:00 twice in autumn). With the cache, a range whose days are all held
  is served from it (not counted); otherwise the held readings of incomplete days come first,
  then the whole range fetched again: the same instants twice. No ``quality``. Before the
  activation: a real ``ADAM-ERR0123`` error; other Enedis refusals: ``NO_DATA`` with Enedis's
  text in the message.
- Production daily, production load curve, max power: Enedis's ``meter_reading`` passed through
  (``usage_point_id``, ``start``, ``end``, ``quality``); before the activation ``success: true``
  with ``data: {"error": "ADAM-ERR0123", ...}``; other Enedis refusals ``ENEDIS_ERROR`` with
  Enedis's text (``ADAM-ERR0069`` wrong direction, ``ADAM-ERR0075`` load curve not enabled).
- ``/pdl``: ``offpeak_hours`` as the site stores it (``{"ranges": [...]}``, ``{"default": ...}``,
  text or null), ``subscribed_power`` a number or null, ``is_active``, ``selected_offer_id``
  (the catalogue row the user picked on the site, or null).
- Tempo ``/tempo/days``: public, not counted, filter ``(start_date, end_date]``; tomorrow's
  colour from 11:00 Paris.
- EcoWatt: ``periode`` and ``generation_datetime`` are UTC without offset (23:00 or 22:00 UTC
  the day before for a Paris day); ``/ecowatt/forecast`` starts at the UTC day, so today (Paris)
  is not in it; ``/ecowatt/history?start_date&end_date`` (a bare list, ``periode`` in
  ``[start 00:00, end 00:00]``) serves it. RTE publishes J+3 at 17:00 Paris.

Data are deterministic functions of (PDL, direction, instant, revision): bump
``FakePdl.revision`` to simulate Enedis corrections; :meth:`FakeGateway.warm_cache` fills the
gateway's cache as an earlier visit would have (with older values if asked).

Typical use::

    with FakeGateway([FakePdl("12345678901234", activation=date(2021, 5, 1))]) as fake:
        source = GatewaySource(fake.url, fake.secret, clock=lambda: fake.now)
        ...
        assert fake.call_count("/enedis/consumption/detail/") == 105
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import json
import threading
import uuid
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
#: 10:00 in Paris on 6 December 2026 (the day the real answers were recorded): the load-curve
#: window holds the DST changes of 2025 and 2026, Tempo tomorrow is not published yet.
DEFAULT_NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
DEFAULT_PDL = "12345678901234"
CACHED, NO_CACHE = "cached", "no_cache"

FaultKind = Literal[
    "500", "502", "503", "429", "429_json", "malformed", "not_envelope", "enedis", "slow",
    "bad_value",
]  # fmt: skip
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "429",
    "429_json",
    "malformed",
    "not_envelope",
    "enedis",
    "slow",
    "bad_value",
)
_ADAM_0123 = "The requested period cannot be anterior to the meter's last activation date"


@dataclass
class FakePdl:
    """One usage point of the fake account and what the gateway and Enedis know about it."""

    pdl: str = DEFAULT_PDL
    activation: date = date(2019, 1, 1)
    name: str = "Maison"
    #: What ``/pdl`` lists (a number or None) and what the contract says (always known).
    subscribed_power_kva: int | None = 9
    contract_power_kva: int = 9
    #: ``offpeak_hours`` of ``/pdl`` as the site stores it, and the contract's text.
    offpeak_hours: Any = field(default_factory=lambda: {"ranges": ["22:00-06:00"]})
    contract_offpeak: str | None = "HC (22H00-6H00)"
    pricing_option: str = "HC_HP"
    has_consumption: bool = True
    has_production: bool = False
    #: Directions Enedis measures (default: what ``/pdl`` says); others are ADAM-ERR0069.
    enedis_directions: set[str] | None = None
    load_curve_enabled: bool = True
    is_active: bool = True
    #: False: the gateway's link to Enedis is gone (consent ended), data calls are refused.
    linked: bool = True
    #: Whether ``/pdl`` and the contract tell the activation day.
    listed_activation: bool = True
    contract_activation: bool = True
    production_quality: str = "CORRIGE"
    missing_days: set[date] = field(default_factory=set)
    #: Changes every value: simulates late corrections.
    revision: int = 0
    #: What the gateway wrote back after an activation refusal on the load curve (the refused
    #: start, as its code does).
    oldest_available: date | None = None
    #: The offer picked on the site (``/pdl`` ``selected_offer_id``: a catalogue row id or None).
    selected_offer_id: str | None = None

    def measures(self, direction: str) -> bool:
        """Whether Enedis has data in ``direction`` for this point."""
        if self.enedis_directions is not None:
            return direction in self.enedis_directions
        return self.has_production if direction == "production" else self.has_consumption


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
    """A business error answered as an envelope (HTTP 200 unless said)."""

    def __init__(self, code: str, message: str, *, status: int = 200) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class _Detail(Exception):
    """A FastAPI-style ``{"detail": ...}`` answer (401, 404, 422, EcoWatt's 429)."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(str(detail))
        self.status, self.detail = status, detail


class _EnedisError(Exception):
    """Enedis refused the call: ``code`` and its description."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code, self.description = code, description


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


def _gateway_stamp(start: datetime, minutes: int = 30) -> str:
    """How the gateway stamps an interval: Enedis's local end wall time minus the length."""
    end_wall = (start + timedelta(minutes=minutes)).astimezone(PARIS).replace(tzinfo=None)
    return (end_wall - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


def _utc_naive(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as inclusive (first, last) pairs, as the gateway groups them."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


class FakeGateway:
    """The fake gateway: configure PDLs, start it, point a client at :attr:`url`.

    Attributes tests read or set: ``now`` (aware; the fake's clock), ``pdls`` (by id),
    ``calls`` (every :class:`Call` in order), ``secret``, ``quota``, ``quota_no_cache``,
    ``violations`` (requests a real Enedis would refuse as malformed: must stay empty).
    """

    def __init__(
        self,
        pdls: list[FakePdl] | None = None,
        *,
        secret: str = DEFAULT_SECRET,
        quota: int = 1000,
        quota_no_cache: int = 50,
        now: datetime = DEFAULT_NOW,
    ) -> None:
        self._initial: dict[str, Any] = {
            "pdls": copy.deepcopy(pdls or [FakePdl()]),
            "secret": secret,
            "quota": quota,
            "quota_no_cache": quota_no_cache,
            "now": now,
        }
        self.pdls: dict[str, FakePdl] = {}
        self.secret = secret
        self.quota = quota
        self.quota_no_cache = quota_no_cache
        self.now = now
        self.set_pdls(copy.deepcopy(self._initial["pdls"]))
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self._used: Counter[tuple[date, str]] = Counter()
        self._faults: list[_Fault] = []
        #: The gateway's cache: (pdl, kind, direction) -> day -> (stored at, readings as stored).
        self._cache: dict[
            tuple[str, str, str], dict[date, tuple[datetime, list[dict[str, Any]]]]
        ] = {}
        #: How long the gateway keeps a cached day (its default TTL).
        self.cache_ttl = timedelta(hours=24)
        #: Slots already computed, per (pdl, direction, day, revision): data never change.
        self._memo: dict[tuple[str, str, date, int], list[tuple[datetime, int]]] = {}
        self._stamps: dict[datetime, str] = {}
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
        """Back to the constructor's configuration: no calls, quota, cache (and its default
        lifetime) or pending fault."""
        with self._lock:
            self.calls.clear()
            self.violations.clear()
            self._used.clear()
            self._faults.clear()
            self._cache.clear()
            # A test that shortened the cache's life must not leave it short for the next ones.
            self.cache_ttl = timedelta(hours=24)
            self.secret = self._initial["secret"]
            self.quota = self._initial["quota"]
            self.quota_no_cache = self._initial["quota_no_cache"]
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

        Kinds: ``500`` (the server's plain-text error), ``502`` (HTML from a proxy), ``503``
        (HTML, with ``Retry-After`` if given), ``429`` (a proxy's HTML 429, with
        ``Retry-After`` if given), ``429_json`` (``{"detail"}`` with ``Retry-After`` if given),
        ``malformed`` (truncated JSON, HTTP 200), ``not_envelope`` (JSON without ``success``,
        HTTP 200), ``enedis`` (HTTP 200 ``ENEDIS_ERROR``: Enedis timed out), ``slow`` (answers
        normally after ``delay`` s), ``bad_value`` (a valid envelope whose first reading has
        ``value: "n/a"``, Tempo colour ``"PURPLE"``, EcoWatt ``dvalue: 7``). Failed requests are
        not counted on the quota.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}: one of {FAULT_KINDS}")
        with self._lock:
            self._faults.extend(_Fault(kind, path, retry_after, delay) for _ in range(n))

    def warm_cache(
        self, pdl: str, days: list[date], *, kind: str = "detail", revision: int | None = None
    ) -> None:
        """Fill the gateway's consumption cache for ``days`` as an earlier visit would have.

        Load-curve days are held per wall time (a spring DST day holds 46 of 48 and stays
        incomplete); ``revision`` gives values Enedis has corrected since (conflicts).
        """
        point = copy.copy(self.pdls[pdl])
        if revision is not None:
            point.revision = revision
        with self._lock:
            cache = self._cache.setdefault((pdl, kind, "consumption"), {})
            for day in days:
                if kind == "detail":
                    cache[day] = (self.now, self._detail_readings(point, "consumption", [day]))
                else:
                    cache[day] = (self.now, [self._daily_reading(point, "consumption", day)])

    def calls_to(self, prefix: str) -> list[Call]:
        """Calls whose path starts with ``prefix`` (e.g. ``/enedis/consumption/detail/``)."""
        with self._lock:
            return [c for c in self.calls if c.path.startswith(prefix)]

    def call_count(self, prefix: str = "") -> int:
        """How many requests (authenticated or not) had a path starting with ``prefix``."""
        return len(self.calls_to(prefix))

    def quota_used(self, day: date | None = None, bucket: str = CACHED) -> int:
        """Calls counted on a UTC day (default: the UTC day of :attr:`now`) and bucket."""
        with self._lock:
            return self._used[(day or self.now.astimezone(UTC).date(), bucket)]

    # -- expected data (what Enedis holds) ---------------------------------------------------

    def expected_load_curve(
        self, pdl: str, day: date, direction: str = "consumption"
    ) -> list[tuple[datetime, int]]:
        """(UTC start, average W) of every 30-minute slot of a Paris day: 46, 48 or 50."""
        return self._slots(self.pdls[pdl], direction, day)

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

    def ecowatt_published_until(self) -> date:
        """Last day RTE has published: J+3 from 17:00 Paris, J+2 before."""
        local = self.now.astimezone(PARIS)
        return self.today + timedelta(days=3 if local.hour >= 17 else 2)

    def _slots(self, point: FakePdl, direction: str, day: date) -> list[tuple[datetime, int]]:
        key = (point.pdl, direction, day, point.revision)
        if key not in self._memo:
            self._memo[key] = self._compute_slots(point, direction, day)
        return self._memo[key]

    def _compute_slots(
        self, point: FakePdl, direction: str, day: date
    ) -> list[tuple[datetime, int]]:
        start, end = _local_midnight_utc(day), _local_midnight_utc(day + timedelta(days=1))
        slots: list[tuple[datetime, int]] = []
        instant = start
        while instant < end:
            slots.append((instant, self._watts(point, direction, instant)))
            instant += timedelta(minutes=30)
        return slots

    def _watts(self, point: FakePdl, direction: str, instant: datetime) -> int:
        local = instant.astimezone(PARIS)
        h = _noise(point.pdl, direction, instant.isoformat(), point.revision)
        if direction == "production":
            if not 8 <= local.hour < 18:
                return 0
            return 2 * (50 + h % 1500)
        base = 150 if local.hour < 6 else 400 if 18 <= local.hour < 22 else 250
        return 2 * (base + h % 700)

    def _held(self, pdl: str, kind: str) -> dict[date, list[dict[str, Any]]]:
        """What the gateway's cache still holds (entries older than the TTL are gone)."""
        cache = self._cache.setdefault((pdl, kind, "consumption"), {})
        for day in [d for d, (stored, _) in cache.items() if self.now - stored >= self.cache_ttl]:
            del cache[day]
        return {day: readings for day, (_, readings) in cache.items()}

    def _hold(self, pdl: str, kind: str, day: date, readings: list[dict[str, Any]]) -> None:
        self._cache.setdefault((pdl, kind, "consumption"), {})[day] = (self.now, readings)

    # -- Enedis behind the gateway -----------------------------------------------------------

    def _enedis_days(self, point: FakePdl, direction: str, start: date, end: date) -> list[date]:
        """Days Enedis serves for [start, end) (end exclusive), or its refusal."""
        if not point.measures(direction):
            raise _EnedisError(
                "ADAM-ERR0069", f"The usage point has no {direction} measurement available"
            )
        if start < point.activation:
            raise _EnedisError("ADAM-ERR0123", _ADAM_0123)
        if (end - start).days > 365:
            self.violations.append(f"Enedis asked {start}..{end}: more than 365 days")
            raise _EnedisError("ADAM-ERR0008", "The requested period exceeds the maximum")
        # Day D is published on D+1.
        return [d for d in _days(start, min(end, self.today)) if d not in point.missing_days]

    def _daily_reading(self, point: FakePdl, direction: str, day: date) -> dict[str, Any]:
        value = sum(w // 2 for _, w in self._slots(point, direction, day))
        return {"value": str(value), "date": day.isoformat()}

    def _detail_readings(
        self, point: FakePdl, direction: str, days: list[date]
    ) -> list[dict[str, Any]]:
        stamps = self._stamps
        readings = []
        for d in days:
            for s, w in self._slots(point, direction, d):
                stamp = stamps.get(s)
                if stamp is None:
                    stamp = stamps[s] = _gateway_stamp(s)
                readings.append(
                    {
                        "value": str(w),
                        "date": stamp,
                        "interval_length": "PT30M",
                        "measure_type": "B",
                    }
                )
        return readings

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        params = dict(request.query_params)
        with self._lock:
            reply, delay = self._dispatch(path, params, request.headers.get("authorization"))
        if delay:
            await asyncio.sleep(delay)
        text = reply.body
        media = "text/html" if text.startswith("<") else "application/json"
        if reply.status == 500 and not text.startswith("{"):
            media = "text/plain"
        return Response(text, status_code=reply.status, headers=reply.headers, media_type=media)

    def _envelope(self, data: Any) -> str:
        return json.dumps(
            {"success": True, "data": data, "error": None, "timestamp": self._stamp()}
        )

    def _error(self, code: str, message: str) -> str:
        error = {"code": code, "message": message, "field": None}
        return json.dumps(
            {"success": False, "data": None, "error": error, "timestamp": self._stamp()}
        )

    def _stamp(self) -> str:
        return self.now.astimezone(UTC).replace(tzinfo=None).isoformat()

    def _dispatch(
        self, path: str, params: dict[str, str], auth: str | None
    ) -> tuple[_Reply, float]:
        if not path.startswith("/api/"):
            return _Reply(404, json.dumps({"detail": "Not Found"})), 0.0
        path = path[len("/api") :]
        self.calls.append(Call(path, params))
        try:
            public = path.startswith("/tempo/")
            if not public:
                if not auth:
                    raise _Detail(403, "Not authenticated")
                if auth != f"Bearer {self.secret}":
                    raise _Detail(401, "Invalid authentication credentials")
            fault = next((f for f in self._faults if path.startswith(f.path_prefix)), None)
            delay, corrupt = 0.0, False
            if fault is not None:
                self._faults.remove(fault)
                if fault.kind == "slow":
                    delay = fault.delay
                elif fault.kind == "bad_value":
                    corrupt = True
                else:
                    return self._fault_reply(fault), 0.0
            status, body = self._route(path, params)
            if corrupt:
                body = _corrupt(body)
            return _Reply(status, body if isinstance(body, str) else json.dumps(body)), delay
        except _Detail as answer:
            return _Reply(answer.status, json.dumps({"detail": answer.detail})), 0.0
        except _Refusal as refusal:
            return _Reply(refusal.status, self._error(refusal.code, refusal.message)), 0.0

    def _fault_reply(self, fault: _Fault) -> _Reply:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.kind == "500":
            return _Reply(500, "Internal Server Error")
        if fault.kind == "502":
            return _Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        if fault.kind == "503":
            return _Reply(503, "<html><body><h1>503 Maintenance</h1></body></html>", headers)
        if fault.kind == "429":
            return _Reply(429, "<html><body><h1>429 Too Many Requests</h1></body></html>", headers)
        if fault.kind == "429_json":
            return _Reply(429, json.dumps({"detail": "Too Many Requests"}), headers)
        if fault.kind == "malformed":
            return _Reply(200, '{"success": true, "data": {"meter_reading": {"interval_rea')
        if fault.kind == "not_envelope":
            return _Reply(200, json.dumps({"result": "upstream answered nothing"}))
        return _Reply(
            200,
            self._error("ENEDIS_ERROR", "Failed to fetch: Enedis API did not answer (ReadTimeout)"),
        )

    def _count(self, bucket: str) -> None:
        """The gateway's counter: refuse over the limit, else count the call."""
        day = self.now.astimezone(UTC).date()
        limit = self.quota if bucket == CACHED else self.quota_no_cache
        used = self._used[(day, bucket)]
        if used >= limit:
            advice = "Try again tomorrow." if bucket == CACHED else "Use cache to increase limit."
            raise _Refusal(
                "RATE_LIMIT_EXCEEDED", f"Daily rate limit exceeded ({used}/{limit}). {advice}"
            )
        self._used[(day, bucket)] = used + 1

    def _count_ecowatt(self) -> None:
        day = self.now.astimezone(UTC).date()
        used = self._used[(day, NO_CACHE)]
        if used >= self.quota_no_cache:
            raise _Detail(429, f"Rate limit exceeded: {used}/{self.quota_no_cache} requests today")
        self._used[(day, NO_CACHE)] = used + 1

    def _route(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts == ["pdl"]:
            return 200, self._envelope([self._listed(p) for p in self.pdls.values()])
        if parts == ["tempo", "days"]:
            return 200, self._envelope(self._tempo(params))
        if parts[0] == "ecowatt" and len(parts) == 2:
            return self._ecowatt(parts[1], params)
        if len(parts) == 4 and parts[0] == "enedis" and parts[2] in ("daily", "detail"):
            if parts[1] not in ("consumption", "production"):
                raise _Detail(404, "Not Found")
            return 200, self._readings(parts[2], parts[1], parts[3], params)
        if len(parts) == 3 and parts[0] == "enedis" and parts[1] == "power":
            return 200, self._readings("power", "consumption", parts[2], params)
        if len(parts) == 3 and parts[0] == "enedis" and parts[1] == "contract":
            point = self._accessible(parts[2])
            self._count(self._bucket(params))
            return 200, self._envelope(self._contract(point))
        raise _Detail(404, "Not Found")

    def _accessible(self, pdl: str) -> FakePdl:
        point = self.pdls.get(pdl)
        if point is None or not point.is_active or not point.linked:
            raise _Refusal(
                "ACCESS_DENIED",
                "Accès refusé : PDL introuvable ou non associé à votre compte. Vérifiez que le "
                "PDL existe et que le consentement Enedis est valide.",
            )
        return point

    @staticmethod
    def _bucket(params: dict[str, str]) -> str:
        raw = params.get("use_cache", "false").lower()
        if raw not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise _Detail(
                422, [{"type": "bool_parsing", "loc": ["query", "use_cache"], "input": raw}]
            )
        return CACHED if raw in ("true", "1", "yes", "on") else NO_CACHE

    @staticmethod
    def _required(params: dict[str, str], name: str) -> str:
        if name not in params:
            raise _Detail(422, [{"type": "missing", "loc": ["query", name], "input": None}])
        return params[name]

    def _range(self, params: dict[str, str]) -> tuple[date, date]:
        raw_start, raw_end = self._required(params, "start"), self._required(params, "end")
        try:
            return date.fromisoformat(raw_start), date.fromisoformat(raw_end)
        except ValueError as exc:
            raise _Refusal(
                "INVALID_DATE_FORMAT",
                f"Invalid date format. Expected YYYY-MM-DD. Error: {exc}",
            ) from None

    def _readings(self, kind: str, direction: str, pdl: str, params: dict[str, str]) -> str:
        bucket = self._bucket(params)
        start, end = self._range(params)
        today = self.today
        detail = kind == "detail"
        if kind == "daily" and direction == "consumption":
            # The gateway's own range rules: end capped at yesterday, start moved before it.
            end = min(end, today - timedelta(days=1))
            if start >= end:
                start = end - timedelta(days=1)
        elif start >= end:
            start = end - timedelta(days=1)
        years = 2 if detail else 3
        oldest = _years_before(today, years)
        if start < oldest:
            label = "Detail" if detail else "Daily"
            raise _Refusal(
                "DATE_TOO_OLD",
                f"Start date is too old. {label} endpoint only supports data up to {years} "
                f"years back. Oldest allowed date: {oldest.isoformat()}",
            )
        point = self._accessible(pdl)
        if direction == "consumption" and kind == "daily":
            return self._consumption_daily(point, start, end, bucket)
        if direction == "consumption" and detail:
            return self._consumption_detail(point, start, end, bucket)
        self._count(bucket)
        return self._passed_through(point, kind, direction, start, end)

    def _consumption_daily(self, point: FakePdl, start: date, end: date, bucket: str) -> str:
        """Days [start, end] inclusive; runs of missing days lose their last day at Enedis."""
        self._count(bucket)
        days = _days(start, end + timedelta(days=1))
        cache = self._held(point.pdl, "daily")
        readings: list[dict[str, Any]] = []
        missing = days
        if bucket == CACHED:
            readings = [r for d in days if d in cache for r in cache[d]]
            missing = [d for d in days if d not in cache]
        errors: list[str] = []
        for first, last in _runs(missing):
            asked_start = first - timedelta(days=1) if first == last else first
            try:
                served = self._enedis_days(point, "consumption", asked_start, last)
            except _EnedisError as exc:
                if exc.code == "ADAM-ERR0123":
                    continue  # returned as data by the adapter: no readings, no error
                errors.append(f"Failed to fetch {first} to {last}: {exc}")
                continue
            for day in served:
                reading = self._daily_reading(point, "consumption", day)
                if bucket == CACHED:
                    cache[day] = [reading]
                    self._hold(point.pdl, "daily", day, [reading])
                if day in missing:
                    readings.append(reading)
        if errors and not readings:
            raise _Refusal("ENEDIS_ERROR", "; ".join(errors))
        readings.sort(key=lambda r: str(r["date"]))
        # The gateway keeps the reading type of the last Enedis answer with data; without one
        # it writes a default that is wrong for daily energy, as its code does.
        reading_type: dict[str, str] = {"unit": "W", "measurement_kind": "power"}
        if cache:
            reading_type = {
                "measurement_kind": "energy",
                "measuring_period": "P1D",
                "unit": "Wh",
                "aggregate": "sum",
            }
        return self._envelope(
            {"meter_reading": {"interval_reading": readings, "reading_type": reading_type}}
        )

    def _consumption_detail(self, point: FakePdl, start: date, end: date, bucket: str) -> str:
        days = _days(start, min(end, self.today))
        cache = self._held(point.pdl, "detail")
        if bucket == CACHED and days and all(len(cache.get(d, [])) >= 48 for d in days):
            # Served from the cache alone: the gateway does not count it.
            held = [r for d in days for r in cache[d]]
            return self._envelope({"meter_reading": {"interval_reading": held}})
        if (end - start).days > 7:
            self.violations.append(f"load curve asked {start}..{end}: more than 7 days")
        self._count(bucket)
        partial: list[dict[str, Any]] = []
        if bucket == CACHED:
            partial = [r for d in days if 0 < len(cache.get(d, [])) < 48 for r in cache[d]]
        try:
            served = self._enedis_days(point, "consumption", start, end)
            if not point.load_curve_enabled:
                raise _EnedisError(
                    "ADAM-ERR0075", "Hourly data collection is not activated for this point"
                )
        except _EnedisError as exc:
            if exc.code == "ADAM-ERR0123":
                point.oldest_available = start  # what the gateway writes back, as its code does
                raise _Refusal(
                    "ADAM-ERR0123",
                    f"The requested period ({start}) cannot be anterior to the meter's last "
                    "activation date",
                ) from None
            raise _Refusal(
                "NO_DATA",
                f"No consumption data available for this period ({exc})",
            ) from None
        fresh = self._detail_readings(point, "consumption", served)
        if bucket == CACHED:
            for day in served:
                self._hold(
                    point.pdl, "detail", day, self._detail_readings(point, "consumption", [day])
                )
        readings = partial + fresh
        if not readings:
            raise _Refusal("NO_DATA", "No consumption data available for this period")
        return self._envelope({"meter_reading": {"interval_reading": readings}})

    def _passed_through(
        self, point: FakePdl, kind: str, direction: str, start: date, end: date
    ) -> str:
        """Production and max power: Enedis's ``meter_reading`` as Enedis sends it."""
        try:
            served = self._enedis_days(point, direction, start, end)
            if kind == "detail" and not point.load_curve_enabled:
                raise _EnedisError(
                    "ADAM-ERR0075", "Hourly data collection is not activated for this point"
                )
            if kind == "detail" and (end - start).days > 7:
                self.violations.append(f"load curve asked {start}..{end}: more than 7 days")
        except _EnedisError as exc:
            if exc.code == "ADAM-ERR0123":
                return self._envelope({"error": exc.code, "error_description": exc.description})
            raise _Refusal("ENEDIS_ERROR", str(exc)) from None
        if kind == "power":
            quality, unit, measure = "BRUT", "VA", ("power", "maximum")
            readings = []
            for day in served:
                value, at = self.expected_max_power(point.pdl, day)
                readings.append({"value": str(value), "date": _wall(at)})
        elif kind == "daily":
            quality, unit, measure = point.production_quality, "Wh", ("energy", "sum")
            readings = [self._daily_reading(point, direction, day) for day in served]
        else:
            quality, unit, measure = point.production_quality, "W", ("power", "average")
            readings = self._detail_readings(point, direction, served)
        reading_type: dict[str, str] = {"measurement_kind": measure[0]}
        if kind != "detail":
            reading_type["measuring_period"] = "P1D"
        reading_type |= {"unit": unit, "aggregate": measure[1]}
        return self._envelope(
            {
                "meter_reading": {
                    "usage_point_id": point.pdl,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "quality": quality,
                    "reading_type": reading_type,
                    "interval_reading": readings,
                }
            }
        )

    def _listed(self, point: FakePdl) -> dict[str, Any]:
        return {
            "id": str(uuid.UUID(int=_noise(point.pdl) * 2**96)),
            "usage_point_id": point.pdl,
            "name": point.name,
            "created_at": "2026-12-06T06:50:02.517319Z",
            "display_order": None,
            "subscribed_power": point.subscribed_power_kva,
            "offpeak_hours": copy.deepcopy(point.offpeak_hours),
            "pricing_option": point.pricing_option,
            "has_consumption": point.has_consumption,
            "has_production": point.has_production,
            "is_active": point.is_active,
            "oldest_available_data_date": (
                point.oldest_available.isoformat() if point.oldest_available else None
            ),
            "activation_date": point.activation.isoformat() if point.listed_activation else None,
            "linked_production_pdl_id": None,
            "selected_offer_id": point.selected_offer_id,
        }

    def _contract(self, point: FakePdl) -> dict[str, Any]:
        contracts: dict[str, Any] = {
            "segment": "C5",
            "subscribed_power": f"{point.contract_power_kva} kVA",
            "distribution_tariff": "BTINFCUST",
        }
        if point.contract_offpeak:
            contracts["offpeak_hours"] = point.contract_offpeak
        contracts |= {
            "contract_type": "CRAE",
            "contract_status": "SERVC",
            "last_distribution_tariff_change_date": "2017-05-25+01:00",
        }
        if point.contract_activation:
            contracts["last_activation_date"] = f"{point.activation.isoformat()}+01:00"
        return {
            "customer": {
                "customer_id": str(_noise(point.pdl) % 10**10),
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

    def _tempo(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """Colours of days in ``(start_date, end_date]``: the stored day is compared as UTC."""
        bounds: list[date | None] = []
        for name in ("start_date", "end_date"):
            raw = params.get(name)
            try:
                bounds.append(date.fromisoformat(raw) if raw else None)
            except ValueError as exc:
                raise _Refusal("INVALID_DATE", f"Invalid date format: {exc}") from None
        low, high = bounds
        local_now = self.now.astimezone(PARIS)
        last = self.today + timedelta(days=1 if local_now.hour >= 11 else 0)
        first = date(2020, 9, 1)
        days = [
            d
            for d in _days(first, last + timedelta(days=1))
            if (low is None or d > low) and (high is None or d <= high)
        ]
        return [
            {
                "date": d.isoformat(),
                "color": self.expected_tempo(d),
                "updated_at": self.now.isoformat(),
                "rte_updated_date": datetime.combine(
                    d - timedelta(days=1), time(9, 40), tzinfo=UTC
                ).isoformat(),
            }
            for d in days
        ]

    def _ecowatt_item(self, day: date) -> dict[str, Any]:
        level, hourly = self.expected_ecowatt(day)
        published = datetime.combine(day - timedelta(days=1), time(17), tzinfo=PARIS)
        return {
            "periode": _utc_naive(datetime.combine(day, time(0), tzinfo=PARIS)),
            "dvalue": level,
            "message": "Pas d'alerte." if level == 1 else "Système électrique tendu.",
            "values": hourly,
            "hdebut": 0,
            "hfin": 23,
            "id": (day - date(2020, 1, 1)).days,
            "generation_datetime": _utc_naive(published),
            "created_at": _utc_naive(published),
            "updated_at": _utc_naive(published),
        }

    def _ecowatt_between(self, low: datetime, high: datetime, *, inclusive: bool) -> list[Any]:
        """Signals whose UTC ``periode`` is in [low, high) (or [low, high])."""
        out = []
        day = (low - timedelta(days=1)).date()
        while day <= min(high.date() + timedelta(days=1), self.ecowatt_published_until()):
            periode = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
            if low <= periode and (periode <= high if inclusive else periode < high):
                out.append(self._ecowatt_item(day))
            day += timedelta(days=1)
        return out

    def _ecowatt(self, route: str, params: dict[str, str]) -> tuple[int, Any]:
        utc_today = datetime.combine(self.now.astimezone(UTC).date(), time(0), tzinfo=UTC)
        if route == "forecast":
            raw = params.get("days", "4")
            if not raw.isdigit() or not 1 <= int(raw) <= 7:
                raise _Detail(422, [{"type": "range", "loc": ["query", "days"], "input": raw}])
            self._count_ecowatt()
            high = utc_today + timedelta(days=int(raw))
            return 200, self._envelope(self._ecowatt_between(utc_today, high, inclusive=False))
        if route == "history":
            dates = []
            for name in ("start_date", "end_date"):
                raw = self._required(params, name)
                try:
                    dates.append(date.fromisoformat(raw))
                except ValueError:
                    raise _Detail(
                        422, [{"type": "date_from_datetime_parsing", "loc": ["query", name]}]
                    ) from None
            self._count_ecowatt()
            low, high = (datetime.combine(d, time(0), tzinfo=UTC) for d in dates)
            if (high - low).days > 365:
                raise _Detail(400, "Date range cannot exceed 365 days")
            return 200, json.dumps(self._ecowatt_between(low, high, inclusive=True))
        if route == "current":
            self._count_ecowatt()
            items = self._ecowatt_between(utc_today, utc_today + timedelta(days=1), inclusive=False)
            return 200, json.dumps(items[0] if items else None)
        raise _Detail(404, "Not Found")


def _corrupt(body: Any) -> Any:
    """The same answer with one bad value in it (see ``fail_next(kind="bad_value")``)."""
    parsed = json.loads(body) if isinstance(body, str) else body
    data = parsed.get("data") if isinstance(parsed, dict) else parsed
    if isinstance(data, dict) and "meter_reading" in data:
        readings = data["meter_reading"]["interval_reading"]
        if readings:
            readings[0]["value"] = "n/a"
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        if "color" in data[0]:
            data[0]["color"] = "PURPLE"
        elif "dvalue" in data[0]:
            data[0]["dvalue"] = 7
    return json.dumps(parsed)
