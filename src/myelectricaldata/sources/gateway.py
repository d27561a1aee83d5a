"""Client of the MyElectricalData v2 gateway, written for what the server really answers.

DESIGN.md §4 is the documented contract, §4.1 how the gateway's own code answers; both are
handled. How an answer is classified:

- HTTP 401/403 (``{"detail"}``, no envelope): :class:`AuthRefused`, for the whole account.
- Envelope ``RATE_LIMIT_EXCEEDED`` (any status), or HTTP 429 ``{"detail"}`` without
  ``Retry-After`` on a route of the 50-call bucket (EcoWatt): that bucket's quota is spent,
  :class:`QuotaExhausted` until the next UTC midnight; the other bucket goes on.
- HTTP 429 with ``Retry-After``, an HTML 429 from a proxy, HTTP 5xx, timeouts, lost
  connections: retried through :mod:`myelectricaldata.support.retry` (a ``Retry-After`` is
  waited as asked, bounded), then :class:`GatewayDown`. Never a spent quota.
- ``ACCESS_DENIED`` (inactive or unlinked PDL), ``CONSENT_*``, ``ADAM-ERR0025``/``0031``:
  :class:`AccessDenied`, for that PDL only.
- ``DATE_TOO_OLD``, ``ADAM-ERR0123`` (before activation), also when it hides inside a
  successful answer (``data: {"error": ...}``, or an empty daily list where days must exist):
  :class:`RangeUnavailable`.
- ``ENEDIS_ERROR`` and ``NO_DATA`` carry Enedis's text: the ADAM code inside it decides.
  Permanent refusals (``ADAM-ERR0069`` wrong direction, ``ADAM-ERR0075`` load curve not
  enabled) are :class:`StreamRefused` with what the user should do; without a code,
  ``ENEDIS_ERROR`` is Enedis not answering (retried, then :class:`GatewayDown`) and ``NO_DATA``
  is "nothing yet" (an empty list).
- An answer that can't be read, or a request the gateway refuses for another reason:
  :class:`ChunkFailed` (this call only; a later sync asks again).

Quota (per UTC day): calls with ``use_cache=true`` count on the 1000-call bucket, calls without
it and EcoWatt on the 50-call bucket; ``/pdl`` and Tempo are not counted, nor are the answers the
gateway does not count (refused before its counter: 401, ``ACCESS_DENIED``, ``DATE_TOO_OLD``,
quota refusals) and calls that never reached it (refused connection, DNS).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import NoReturn, TypeVar

import httpx

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import try_parse_offpeak
from myelectricaldata.domain.timeutil import PARIS, today_paris
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    Quality,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
    validate_pdl,
)
from myelectricaldata.domain.units import interval_minutes
from myelectricaldata.sources.base import (
    AccessDenied,
    AuthRefused,
    Bucket,
    ChunkFailed,
    GatewayDown,
    MemoryLedger,
    NoData,
    Quota,
    QuotaExhausted,
    QuotaLedger,
    RangeUnavailable,
    SourceError,
    StreamRefused,
)
from myelectricaldata.support.redaction import Redactor
from myelectricaldata.support.retry import Backoff, GaveUp, Retryable, parse_retry_after, retrying

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BASE_URL = "https://www.v2.myelectricaldata.fr/api"
#: Calls per UTC day with ``use_cache=true``, and without it (EcoWatt included).
DEFAULT_DAILY_QUOTA = 1000
DEFAULT_DAILY_QUOTA_NO_CACHE = 50
#: Longest range per call: daily streams and max power, load curve.
DAILY_MAX_DAYS = 365
DETAIL_MAX_DAYS = 7
#: How far back the gateway serves, in years: daily streams and max power, load curve.
DAILY_YEARS_BACK = 3
DETAIL_YEARS_BACK = 2
#: How long a contract read for a PDL that ``/pdl`` describes incompletely is reused.
CONTRACT_KEPT = timedelta(days=7)

QUOTA_CODES = frozenset({"RATE_LIMIT_EXCEEDED", "QUOTA_EXCEEDED"})
NO_DATA_CODES = frozenset({"NO_DATA", "NO_DATA_FOUND", "ADAM-DC-0008"})
#: Codes of an upstream that did not answer: retried, then "gateway down".
UPSTREAM_CODES = frozenset(
    {
        "ENEDIS_ERROR",
        "ENEDIS_UNAVAILABLE",
        "UNKERROR_002",
        "INTERNAL_ERROR",
        "SERVER_ERROR",
        "SERVICE_UNAVAILABLE",
        "TIMEOUT",
    }
)
#: Codes that refuse the account's credentials: every call would fail the same way.
AUTH_CODES = frozenset(
    {
        "UNAUTHORIZED",
        "FORBIDDEN",
        "INVALID_TOKEN",
        "INVALID_CLIENT_SECRET",
        "INVALID_CREDENTIALS",
        "AUTHENTICATION_FAILED",
    }
)
#: Codes that refuse one PDL, with what the user should do about it.
ACCESS_CODES = {
    "ACCESS_DENIED": (
        "the PDL is inactive or no longer linked to your account: reactivate it or renew the "
        "Enedis consent on the MyElectricalData site (it is skipped until then)"
    ),
    "PDL_NOT_FOUND": "the PDL is not in your account: add it on the MyElectricalData site",
    "CONSENT_REQUIRED": "give your Enedis consent for this PDL on the MyElectricalData site",
    "CONSENT_EXPIRED": "your Enedis consent ended: renew it on the MyElectricalData site",
    "ADAM-ERR0025": "your Enedis consent ended: renew it on the MyElectricalData site",
    "ADAM-ERR0031": "Enedis refuses this PDL's consent: renew it on the MyElectricalData site",
}
#: Date bounds: the range (and every older day) is never served.
RANGE_CODES = {
    "DATE_TOO_OLD": "the range is older than the gateway keeps (3 years daily, 2 years load curve)",
    "ADAM-ERR0123": "the range is before the meter's last activation date",
}
#: Enedis refusals of a whole stream, with what the user should do.
STREAM_CODES = {
    "ADAM-ERR0069": (
        "Enedis has no data in this direction for this PDL (e.g. production on a consumer "
        "meter): untick it for this PDL on the MyElectricalData site"
    ),
    "ADAM-ERR0075": (
        "the load curve (hourly data collection) is not enabled for this PDL: enable it in your "
        "Enedis customer account; it is served from the day it is enabled"
    ),
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ADAM_CODE = re.compile(r"\bADAM-(?:ERR|DC-)\d{3,4}\b", re.IGNORECASE)
_DAY_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$")
_POWER_TEXT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(k?va)?\s*$", re.IGNORECASE)
_SECRET_HINT = "check MED_CLIENT_SECRET (and that your consent is still valid on the site)"
#: Answers the gateway refuses before its call counter: not charged on the ledger.
_UNCOUNTED_CODES = QUOTA_CODES | frozenset(ACCESS_CODES) | {"DATE_TOO_OLD"}


class GatewayDataError(ChunkFailed):
    """The gateway answered a value this client cannot trust; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class GatewayRejected(ChunkFailed):
    """The gateway refused the request itself (bad parameter, unknown code): retrying won't help."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class _Unusable(Retryable):
    """An answer that reached us but can't be read (truncated JSON, not an envelope)."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Call:
    """One request: its route, what it is about, and the quota bucket it is charged on."""

    path: str
    bucket: Bucket | None
    pdl: str | None = None
    stream: Stream | None = None
    start: date | None = None
    #: False for routes answering a bare JSON list (EcoWatt history).
    envelope: bool = True


def next_utc_midnight(now: datetime) -> datetime:
    """The UTC midnight that follows the aware instant ``now`` (when the gateway quota resets)."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=UTC)


def parse_subscribed_power(raw: object) -> float | None:
    """kVA from ``9``, ``"9"``, ``"9 kVA"`` or ``"9000 VA"``; ``None`` when absent or unparsable."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if raw > 0 else None
    if not isinstance(raw, str):
        return None
    match = _POWER_TEXT.match(raw)
    if not match:
        return None
    value = float(match[1].replace(",", "."))
    if (match[2] or "").lower() == "va":
        value /= 1000.0
    return value if value > 0 else None


def adam_code(text: str) -> str | None:
    """The Enedis ADAM code quoted in a message (``"...: ADAM-ERR0069: ..."``), upper-cased."""
    match = _ADAM_CODE.search(text)
    return match[0].upper() if match else None


def _chunks(start: date, end: date, max_days: int) -> list[tuple[date, date]]:
    """[start, end) cut into end-exclusive pieces of at most ``max_days``, newest first."""
    pieces: list[tuple[date, date]] = []
    piece_end = end
    while piece_end > start:
        piece_start = max(start, piece_end - timedelta(days=max_days))
        pieces.append((piece_start, piece_end))
        piece_end = piece_start
    return pieces


def _stream(direction: Direction, *, detail: bool) -> Stream:
    if direction is Direction.CONSUMPTION:
        return Stream.CONSUMPTION_DETAIL if detail else Stream.CONSUMPTION_DAILY
    return Stream.PRODUCTION_DETAIL if detail else Stream.PRODUCTION_DAILY


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class GatewaySource:
    """The :class:`~myelectricaldata.sources.base.Source` that reads the MyElectricalData gateway.

    Each counted call is recorded on ``ledger`` under the current UTC day and its bucket; no
    request is made on a bucket once the ledger reaches its limit (``daily_quota`` cached,
    ``daily_quota_no_cache`` without cache) or after the gateway said it is spent.
    """

    origin = Origin.GATEWAY

    def __init__(
        self,
        base_url: str,
        client_secret: str,
        *,
        ledger: QuotaLedger | None = None,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        daily_quota_no_cache: int = DEFAULT_DAILY_QUOTA_NO_CACHE,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        longest_wait: float = 300.0,
        timeout: float = 30.0,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not client_secret or not client_secret.strip():
            raise InvalidInput("MED_CLIENT_SECRET", "is empty: copy the secret from your account")
        if daily_quota < 1 or daily_quota_no_cache < 0 or max_retries < 0:
            raise InvalidInput(
                "daily_quota", "needs daily_quota >= 1, daily_quota_no_cache >= 0, retries >= 0"
            )
        self.base_url = base_url.rstrip("/")
        self._secret = client_secret.strip()
        self._redact = Redactor([self._secret])
        self._ledger: QuotaLedger = ledger if ledger is not None else MemoryLedger()
        self.daily_quota = daily_quota
        self._limits = {Bucket.CACHED: daily_quota, Bucket.NO_CACHE: daily_quota_no_cache}
        self._policy = Backoff(
            attempts=max_retries + 1, base=backoff_base, cap=backoff_max, longest_wait=longest_wait
        )
        self._timeout = timeout
        #: HTTP requests sent since this client was made (retries included): what a sync
        #: reports as its calls, whatever the quota counts.
        self.requests = 0
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep or asyncio.sleep
        self._random = random.Random()
        self._blocked: dict[Bucket, datetime] = {}
        self._activation: dict[str, date] = {}
        self._contracts: dict[str, tuple[datetime, UsagePoint]] = {}
        #: EcoWatt signals seen today and ahead: today's came as J+1 in yesterday's forecast.
        self._ecowatt_seen: dict[date, EcoWattDay] = {}
        self._conflicts = 0
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {self._secret}",
                "Accept": "application/json",
                "User-Agent": "myelectricaldata-local",
            },
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"GatewaySource(base_url={self.base_url!r}, daily_quota={self.daily_quota})"

    async def __aenter__(self) -> GatewaySource:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Release connections."""
        await self._client.aclose()

    # -- Source protocol -------------------------------------------------------------------

    def max_days(self, stream: Stream) -> int:
        """365 days per call for daily streams and max power, 7 for load curves."""
        return DETAIL_MAX_DAYS if stream.is_detail else DAILY_MAX_DAYS

    def quota(self) -> Quota:
        """The cached (1000-call) bucket: what a sync's data calls spend."""
        return self._quota(Bucket.CACHED)

    def quotas(self) -> list[Quota]:
        """Both buckets, the cached one first."""
        return [self._quota(Bucket.CACHED), self._quota(Bucket.NO_CACHE)]

    def servable_until(self, stream: Stream, today: date) -> date:
        """Yesterday's daily consumption is never served by its route (end capped before it)."""
        return today - timedelta(days=1) if stream is Stream.CONSUMPTION_DAILY else today

    def conflicts_merged(self) -> int:
        """Instants or days answered twice with different values (the later answer won)."""
        return self._conflicts

    async def usage_points(self) -> list[UsagePoint]:
        """Usage points of the account; the contract is read only for active points lacking it.

        ``/pdl`` is not counted on the quota; the contract call is, so it is skipped whenever
        ``/pdl`` already tells the subscribed power and the off-peak hours.
        """
        data = await self._get(_Call("/pdl", None), None)
        points = [
            _parse_listed_point(item, f"/pdl data[{i}]")
            for i, item in enumerate(_as_list(data, "data", "/pdl"))
        ]
        enriched: list[UsagePoint] = []
        for point in points:
            lacks_offpeak = point.offpeak is None and point.pricing_option not in (
                None,
                PricingOption.BASE,
            )
            if point.is_active and (point.subscribed_power_kva is None or lacks_offpeak):
                try:
                    point = _merge_contract(point, await self._kept_contract(point.pdl))
                except (AuthRefused, QuotaExhausted):
                    raise
                except SourceError as exc:
                    logger.warning(
                        "contract of %s not read, keeping /pdl values: %s", point.pdl, exc
                    )
            if point.activation_date is not None:
                self._activation[point.pdl] = point.activation_date
            enriched.append(point)
        return enriched

    async def _kept_contract(self, pdl: str) -> UsagePoint:
        """The contract, read again at most every :data:`CONTRACT_KEPT` (it is a counted call
        and changes rarely; ``/pdl``, read on every sync, tells most of it)."""
        kept = self._contracts.get(pdl)
        now = self._now()
        if kept is not None and now - kept[0] < CONTRACT_KEPT:
            return kept[1]
        point = await self.contract(pdl)
        self._contracts[pdl] = (now, point)
        return point

    async def contract(self, pdl: str) -> UsagePoint:
        """The usage point as its Enedis contract describes it (power, off-peak, activation)."""
        validate_pdl(pdl)
        path = f"/enedis/contract/{pdl}"
        data = await self._get(_Call(path, Bucket.CACHED, pdl), {"use_cache": "true"})
        point = _parse_contract(pdl, data, path)
        if point.activation_date is not None:
            self._activation[pdl] = point.activation_date
        return point

    async def daily(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        """Daily energy in Wh for [start, end), in calls of at most 365 days.

        The cached route may add the ``end`` day when it holds it: it is kept (a real value).
        """
        return await self._daily(pdl, direction, start, end, cached=True)

    async def daily_uncached(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        """Daily energy for [start, end) past the gateway's cache, on the 50-call bucket."""
        return await self._daily(pdl, direction, start, end, cached=False)

    async def _daily(
        self, pdl: str, direction: Direction, start: date, end: date, *, cached: bool
    ) -> list[DailyReading]:
        stream = _stream(direction, detail=False)
        bucket = Bucket.CACHED if cached else Bucket.NO_CACHE

        async def fetch(lo: date, hi: date) -> list[DailyReading]:
            path = f"/enedis/{direction.value}/daily/{pdl}"
            call = _Call(path, bucket, pdl, stream, lo)
            data = await self._get(call, _range_params(lo, hi, cached=cached))
            readings = self._merged(_parse_daily(data, path), lambda r: r.day, path)
            today = today_paris(self._now())
            if not readings and lo <= today - timedelta(days=2):
                # The daily route swallows Enedis's "before activation" refusal into an empty
                # list; days up to the day before yesterday are always served otherwise.
                raise RangeUnavailable(
                    f"GET {path}: an empty answer for {lo}..{hi - timedelta(days=1)}, days that "
                    "are always served: read as the period before the meter's activation",
                    code="ADAM-ERR0123",
                    available_from=self._activation.get(pdl),
                    presumed=True,
                )
            return [r for r in readings if start <= r.day <= hi and r.day < today]

        readings = await self._ranged(stream, pdl, start, end, fetch)
        return sorted(readings, key=lambda r: r.day)

    async def load_curve(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[LoadCurvePoint]:
        """Load curve (interval start as a UTC instant, average W) for local days [start, end)."""
        stream = _stream(direction, detail=True)

        async def fetch(lo: date, hi: date) -> list[LoadCurvePoint]:
            path = f"/enedis/{direction.value}/detail/{pdl}"
            call = _Call(path, Bucket.CACHED, pdl, stream, lo)
            data = await self._get(call, _range_params(lo, hi, cached=True))
            return self._merged(_parse_detail(data, path), lambda p: p.start, path)

        points = await self._ranged(stream, pdl, start, end, fetch)
        return sorted(points, key=lambda p: p.start)

    async def max_power(self, pdl: str, start: date, end: date) -> list[MaxPowerReading]:
        """Daily maximum power in VA and when it was reached, for [start, end)."""

        async def fetch(lo: date, hi: date) -> list[MaxPowerReading]:
            path = f"/enedis/power/{pdl}"
            call = _Call(path, Bucket.CACHED, pdl, Stream.MAX_POWER, lo)
            data = await self._get(call, _range_params(lo, hi, cached=True))
            return self._merged(_parse_max_power(data, path), lambda r: r.day, path)

        readings = await self._ranged(Stream.MAX_POWER, pdl, start, end, fetch)
        return sorted(readings, key=lambda r: r.day)

    async def tempo(self, start: date, end: date) -> list[TempoDay]:
        """Tempo colours for [start, end); days not yet published are absent.

        The route filters ``(start_date, end_date]``: it is asked one day earlier on both ends,
        so the first day of a season is not lost. It is public and not counted.
        """
        if start >= end:
            return []
        path = "/tempo/days"
        params = {
            "start_date": (start - timedelta(days=1)).isoformat(),
            "end_date": (end - timedelta(days=1)).isoformat(),
        }
        try:
            data = await self._get(_Call(path, None), params)
        except NoData:
            return []
        days = [
            _parse_tempo_day(item, f"{path} data[{i}]")
            for i, item in enumerate(_as_list(data, "data", path))
        ]
        unique = {d.day: d for d in days if start <= d.day < end}
        return sorted(unique.values(), key=lambda d: d.day)

    async def ecowatt(self) -> list[EcoWattDay]:
        """EcoWatt signals of today and the next three days, as far as RTE published them.

        ``/ecowatt/forecast`` starts at the gateway's UTC day, which leaves today (Paris) out;
        today's signal comes from ``/ecowatt/history``, which selects by the same UTC
        ``periode`` (yesterday 22:00/23:00 UTC is today in Paris), asked only when no earlier
        forecast of this process held it. Both are on the 50-call bucket. Without the history
        route, the forecast is kept alone.
        """
        path = "/ecowatt/forecast"
        call = _Call(path, Bucket.NO_CACHE)
        try:
            data = await self._get(call, {"days": "4"})
        except NoData:
            data = []
        days = {
            d.day: d
            for d in (
                _parse_ecowatt_day(item, f"{path} data[{i}]")
                for i, item in enumerate(_as_list(data, "data", path))
            )
        }
        today = today_paris(self._now())
        if today not in days and today in self._ecowatt_seen:
            # Yesterday's forecast held today's signal as J+1: no call for it.
            days[today] = self._ecowatt_seen[today]
        if today not in days:
            history = "/ecowatt/history"
            params = {
                "start_date": (today - timedelta(days=1)).isoformat(),
                "end_date": today.isoformat(),
            }
            try:
                past = await self._get(_Call(history, Bucket.NO_CACHE, envelope=False), params)
            except (ChunkFailed, NoData, QuotaExhausted, GatewayDown) as exc:
                logger.warning("today's EcoWatt signal not read (%s); forecast kept", exc)
            else:
                for i, item in enumerate(_as_list(past, "body", history)):
                    day = _parse_ecowatt_day(item, f"{history} [{i}]")
                    if day.day == today:
                        days[day.day] = day
        self._ecowatt_seen = {d: v for d, v in {**self._ecowatt_seen, **days}.items() if d >= today}
        return sorted(days.values(), key=lambda d: d.day)

    # -- chunking --------------------------------------------------------------------------

    async def _ranged(
        self,
        stream: Stream,
        pdl: str,
        start: date,
        end: date,
        fetch: Callable[[date, date], Awaitable[list[T]]],
    ) -> list[T]:
        """Fetch [start, end) in calls within ``max_days``, newest first.

        A piece the gateway will never serve (before activation, too old) ends the walk, since
        every older piece is unavailable too; if newer days were served they are returned and
        the older ones are absent, otherwise the :class:`RangeUnavailable` is raised.
        """
        validate_pdl(pdl)
        if start >= end:
            return []
        collected: list[T] = []
        served = False
        for lo, hi in _chunks(start, end, self.max_days(stream)):
            try:
                collected.extend(await fetch(lo, hi))
                served = True
            except NoData:
                served = True
            except RangeUnavailable as exc:
                usable = exc.available_from
                if usable is not None and lo < usable < hi:
                    try:
                        collected.extend(await fetch(usable, hi))
                        served = True
                    except NoData:
                        served = True
                    except RangeUnavailable:
                        pass
                if not served:
                    raise
                logger.info("%s %s: days before %s unavailable (%s)", pdl, stream, hi, exc.code)
                break
        return collected

    def _merged(self, items: list[T], key: Callable[[T], object], where: str) -> list[T]:
        """One item per key: a repeated key keeps the later answer; differing copies count.

        The gateway returns its cached copy of a day together with a fresh one; Enedis may
        have corrected the value in between, and the fresh one comes last.
        """
        kept: dict[object, T] = {}
        for item in items:
            k = key(item)
            old = kept.get(k)
            if old is not None and old != item:
                self._conflicts += 1
                logger.info("%s: %s answered twice with different values; kept %r", where, k, item)
            kept[k] = item
        return list(kept.values())

    # -- quota -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock of GatewaySource must return aware datetimes")
        return now.astimezone(UTC)

    def _quota(self, bucket: Bucket) -> Quota:
        now = self._now()
        limit = self._limits[bucket]
        used = self._ledger.used(now.date(), bucket.value)
        reset_at = next_utc_midnight(now)
        blocked = self._blocked.get(bucket)
        if blocked is not None and now < blocked:
            # The gateway said the quota is spent even if our ledger disagrees: believe it.
            used, reset_at = max(used, limit), max(reset_at, blocked)
        return Quota(limit=limit, used=used, reset_at=reset_at, bucket=bucket.value)

    def _check_budget(self, bucket: Bucket | None) -> None:
        if bucket is None:
            return
        now = self._now()
        blocked = self._blocked.get(bucket)
        if blocked is not None:
            if now < blocked:
                raise QuotaExhausted(
                    f"the gateway said its daily quota of {bucket.value} calls is spent; calls "
                    f"resume at {blocked.isoformat()}",
                    blocked,
                    bucket,
                )
            del self._blocked[bucket]
        used, limit = self._ledger.used(now.date(), bucket.value), self._limits[bucket]
        if used >= limit:
            reset_at = next_utc_midnight(now)
            raise QuotaExhausted(
                f"daily gateway quota of {bucket.value} calls spent: {used}/{limit} on "
                f"{now.date()} (UTC); calls resume at {reset_at.isoformat()}",
                reset_at,
                bucket,
            )

    def _count(self, call: _Call) -> None:
        if call.bucket is not None:
            self._ledger.add(self._now().date(), 1, call.bucket.value)

    def _spent(self, call: _Call, said: str, retry_after: float | None) -> NoReturn:
        """The gateway's own quota answer: block this bucket until the UTC reset."""
        bucket = call.bucket or Bucket.CACHED
        now = self._now()
        until = next_utc_midnight(now)
        if retry_after is not None:
            until = max(until, now + timedelta(seconds=retry_after))
        self._blocked[bucket] = until
        raise QuotaExhausted(
            f"GET {call.path}: the gateway's daily quota of {bucket.value} calls is spent "
            f"({said}); calls on it resume at {until.isoformat()}",
            until,
            bucket,
        )

    # -- HTTP ------------------------------------------------------------------------------

    async def _get(self, call: _Call, params: dict[str, str] | None) -> object:
        """``data`` of a successful answer; typed errors otherwise, after retries if useful."""

        async def attempt(number: int) -> object:
            self._check_budget(call.bucket)
            logger.debug("GET %s %s (attempt %d)", call.path, params or {}, number + 1)
            self.requests += 1
            return await self._attempt(call, params)

        try:
            return await retrying(
                attempt, self._policy, sleep=self._sleep, rng=self._random, what=f"GET {call.path}"
            )
        except GaveUp as exc:
            last = exc.last
            tried = f"{exc.attempts} attempt{'s' if exc.attempts != 1 else ''}"
            why = "the gateway asks to wait longer than allowed" if exc.wait_too_long else tried
            if isinstance(last, _Unusable):
                raise GatewayDataError(
                    self._redact(
                        f"GET {call.path}: {last.reason} ({why}); nothing of it was stored, a "
                        "later sync asks again. Report it if it persists."
                    ),
                    "body",
                ) from None
            raise GatewayDown(
                self._redact(
                    f"GET {call.path}: {last.reason} ({why}). The gateway or Enedis behind it is "
                    "unavailable; nothing was lost, the next sync asks again. If it lasts, check "
                    "MED_API_URL and the gateway's status page."
                )
            ) from None

    async def _attempt(self, call: _Call, params: dict[str, str] | None) -> object:
        try:
            response = await self._client.get(call.path, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Never reached the gateway (refused connection, DNS): not a call on the quota.
            raise Retryable(
                self._redact(f"could not connect ({type(exc).__name__}: {exc})")
            ) from None
        except httpx.TimeoutException as exc:
            self._count(call)  # it may have reached the gateway's counter
            raise Retryable(f"no answer within {self._timeout:g}s ({type(exc).__name__})") from None
        except httpx.RequestError as exc:
            self._count(call)
            raise Retryable(
                self._redact(f"connection lost ({type(exc).__name__}: {exc})")
            ) from None
        status = response.status_code
        if status in (401, 403):
            raise AuthRefused(
                f"GET {call.path}: the gateway refused the credentials (HTTP {status}); "
                f"{_SECRET_HINT}"
            )
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now())
        body = _json_of(response)
        envelope = _envelope_of(body)
        said = self._said(response, body, envelope)
        quota_answer = (
            envelope is not None
            and not envelope[0]
            and (str(envelope[2].get("code") or "").strip().upper() in QUOTA_CODES)
        )
        if status == 429:
            if retry_after is not None and retry_after <= self._policy.longest_wait:
                # It says when to come back: a pause, never a spent quota.
                raise Retryable(f"HTTP 429 {said}", status=429, retry_after=retry_after)
            if quota_answer or (_is_detail(body) and call.bucket is Bucket.NO_CACHE):
                # The gateway's own quota answer; on its 50-call bucket (EcoWatt) it is a bare
                # {"detail"} without Retry-After.
                self._spent(call, said, retry_after)
            # A proxy's 429 (an HTML page...): retried with backoff, not a spent quota.
            raise Retryable(f"HTTP 429 {said}", status=429, retry_after=retry_after)
        if quota_answer:
            self._spent(call, said, retry_after)
        if status >= 500:
            raise Retryable(f"HTTP {status} {said}", status=status, retry_after=retry_after)
        if status >= 400:
            hint = "check MED_API_URL points at the v2 API" if status == 404 else "not retried"
            message = self._redact(f"GET {call.path}: HTTP {status} {said}; {hint}")
            raise GatewayRejected(message, code=f"HTTP_{status}")
        if not call.envelope:
            self._count(call)
            if body is None:
                raise _Unusable(f"HTTP {status} answer is not JSON: {said}")
            return body
        if envelope is None:
            self._count(call)
            what = "not JSON" if body is None else "not a gateway envelope"
            raise _Unusable(f"HTTP {status} answer is {what}: {said}")
        success, data, error = envelope
        if success:
            self._count(call)
            hidden = _hidden_error(data) if call.stream is not None else None
            if hidden is not None:
                self._raise_for_error(call, hidden, retry_after)
            return data
        code = str(error.get("code") or "").strip().upper()
        if code not in _UNCOUNTED_CODES:
            self._count(call)
        self._raise_for_error(call, error, retry_after)

    def _said(
        self,
        response: httpx.Response,
        body: object,
        envelope: tuple[bool, object, dict[str, object]] | None,
    ) -> str:
        """A short, redacted account of an answer for messages (never the whole body)."""
        if envelope is not None and envelope[2]:
            error = envelope[2]
            text = f"{error.get('code') or 'no code'}: {error.get('message') or 'no message'}"
        elif _is_detail(body):
            assert isinstance(body, dict)
            text = f"detail: {body['detail']}"
        elif body is None:
            text = repr(response.text[:80])
        else:
            text = "JSON answer"
        return self._redact(text)

    def _raise_for_error(
        self, call: _Call, error: dict[str, object], retry_after: float | None
    ) -> NoReturn:
        code = str(error.get("code") or "").strip()
        message = self._redact(str(error.get("message") or "").strip())
        field = str(error["field"]) if error.get("field") is not None else None
        said = f"{code or 'no code'}: {message or 'no message'}" + (
            f" (field {field})" if field else ""
        )
        key = code.upper()
        if key in UPSTREAM_CODES | NO_DATA_CODES:
            # Enedis's own refusal travels inside the message: the ADAM code decides.
            key = adam_code(message) or key
        path = call.path
        if key in QUOTA_CODES:
            self._spent(call, said, retry_after)
        if key in AUTH_CODES:
            raise AuthRefused(f"GET {path}: the gateway refused access ({said}); {_SECRET_HINT}")
        if key in ACCESS_CODES:
            if call.pdl is None:
                raise AuthRefused(f"GET {path}: access refused ({said}); {_SECRET_HINT}")
            raise AccessDenied(
                f"PDL {call.pdl}: {ACCESS_CODES[key]} (GET {path}: {said})", call.pdl, key
            )
        if key in RANGE_CODES:
            raise RangeUnavailable(
                f"GET {path}: {RANGE_CODES[key]} ({said})",
                code=key,
                available_from=self._available_from(key, call, message),
            )
        if key in STREAM_CODES:
            raise StreamRefused(
                f"GET {path}: {STREAM_CODES[key]} ({said})", code=key, advice=STREAM_CODES[key]
            )
        if key in NO_DATA_CODES:
            raise NoData(f"GET {path}: nothing for this range yet ({said})")
        if key in UPSTREAM_CODES:
            raise Retryable(f"{said}", retry_after=retry_after)
        raise GatewayRejected(
            f"GET {path}: the gateway refused this request ({said}); this range is asked again "
            "at a later sync",
            code=code,
            field=field,
        )

    def _available_from(self, key: str, call: _Call, message: str) -> date | None:
        """First day the gateway may serve, when the error or what we know tells it.

        A date quoted in the message is only believed when it is plausible, since a message may
        as well quote the refused range itself.
        """
        quoted: list[date] = []
        for text in _ISO_DATE.findall(message):
            try:
                quoted.append(date.fromisoformat(text))
            except ValueError:
                continue
        if call.start is not None:
            quoted = [day for day in quoted if day > call.start]
        if key == "ADAM-ERR0123":
            return self._activation.get(call.pdl) if call.pdl else None
        years = DETAIL_YEARS_BACK if call.stream and call.stream.is_detail else DAILY_YEARS_BACK
        estimate = _years_before(today_paris(self._now()), years)
        near = [day for day in quoted if abs((day - estimate).days) <= 7]
        # One day of margin without a quote: the gateway's "today" may already be tomorrow.
        return max(near) if near else estimate + timedelta(days=1)


# -- answers -------------------------------------------------------------------------------


def _json_of(response: httpx.Response) -> object:
    """The decoded JSON body, ``None`` when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _envelope_of(body: object) -> tuple[bool, object, dict[str, object]] | None:
    """(success, data, error) of a gateway envelope, ``None`` if the body is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
        return None
    error = body.get("error")
    return body["success"], body.get("data"), error if isinstance(error, dict) else {}


def _is_detail(body: object) -> bool:
    """FastAPI's own error shape ``{"detail": ...}`` (401, 404, EcoWatt's 429)."""
    return isinstance(body, dict) and "detail" in body and "success" not in body


def _hidden_error(data: object) -> dict[str, object] | None:
    """An Enedis refusal passed through as ``success: true, data: {"error": ...}``."""
    if not isinstance(data, dict) or "meter_reading" in data or "interval_reading" in data:
        return None
    code = data.get("error")
    if not isinstance(code, str) or not code.strip():
        return None
    text = data.get("error_description") or data.get("message") or ""
    return {"code": code, "message": str(text)}


def _range_params(start: date, end: date, *, cached: bool) -> dict[str, str]:
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "use_cache": "true" if cached else "false",
    }


# -- parsing -------------------------------------------------------------------------------


def _bad(where: str, field: str, raw: object, expected: str) -> NoReturn:
    raise GatewayDataError(
        f"{where}: field {field!r} = {raw!r} is not {expected}; nothing from this answer was "
        "stored. It is a gateway fault: the next sync asks again, report it if it persists.",
        field,
    )


def _as_dict(raw: object, field: str, where: str) -> dict[str, object]:
    if not isinstance(raw, dict):
        _bad(where, field, type(raw).__name__, "an object")
    return raw


def _as_list(raw: object, field: str, where: str) -> list[object]:
    if not isinstance(raw, list):
        _bad(where, field, type(raw).__name__, "a list")
    return raw


def _as_count(raw: object, field: str, where: str) -> int:
    """A whole non-negative number from ``42045``, ``"42045"`` or ``"42045.0"``."""
    if type(raw) is str and raw.isascii() and raw.isdigit():
        return int(raw)  # the common case, first: a load curve has tens of thousands
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float | str) and not isinstance(raw, bool):
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            _bad(where, field, raw, "a number")
        if not number.is_finite() or number != number.to_integral_value():
            _bad(where, field, raw, "a whole number")
        value = int(number)
    else:
        _bad(where, field, raw, "a number")
    if value < 0:
        _bad(where, field, raw, "a non-negative number")
    return value


def _as_day(raw: object, field: str, where: str) -> date:
    """A calendar day from ``"2024-03-08"`` (or the same at ``00:00:00``)."""
    match = _DAY_TEXT.match(raw) if isinstance(raw, str) else None
    if not match:
        _bad(where, field, raw, "a date YYYY-MM-DD")
    try:
        return date.fromisoformat(match[1])
    except ValueError:
        _bad(where, field, raw, "a real date")


def _as_day_prefix(raw: object, field: str, where: str) -> date | None:
    """Day of an optional Enedis date such as ``"2013-08-14+01:00"`` or an ISO datetime."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not _ISO_DATE.match(raw):
        _bad(where, field, raw, "a date YYYY-MM-DD")
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        _bad(where, field, raw, "a real date")


def _as_wall(raw: object, field: str, where: str) -> datetime:
    """A wall-clock time ``"2024-03-01 00:30:00"`` (naive), aware if it has an offset."""
    if not isinstance(raw, str) or len(raw) < 16:
        _bad(where, field, raw, "a date-time YYYY-MM-DD HH:MM:SS")
    try:
        return datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        _bad(where, field, raw, "a date-time YYYY-MM-DD HH:MM:SS")


def _as_instant(raw: object, field: str, where: str, naive_zone: tzinfo = PARIS) -> datetime | None:
    """An optional ISO date-time; without an offset it is in ``naive_zone`` (Paris or UTC)."""
    if raw is None or raw == "":
        return None
    moment = _as_wall(raw, field, where)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone)
    return moment.astimezone(UTC)


def _meter_reading(data: object, where: str) -> tuple[str | None, list[object]]:
    """(quality of the whole answer if it says one, the readings) of a readings answer."""
    body = _as_dict(data, "data", where)
    reading = body.get("meter_reading")
    if reading is None and "interval_reading" in body:
        reading = body  # some gateway versions drop the meter_reading level
    reading = _as_dict(reading, "meter_reading", where)
    raw_quality = reading.get("quality")
    readings = reading.get("interval_reading", [])
    return (
        raw_quality if isinstance(raw_quality, str) and raw_quality.strip() else None,
        _as_list(readings, "interval_reading", where),
    )


def _quality(item: dict[str, object], default: str | None) -> str:
    """The reading's own quality, else the answer's; absent means unknown, never ``BRUT``."""
    own = item.get("quality")
    raw = own if isinstance(own, str) and own.strip() else default
    return raw.strip().upper() if raw else Quality.UNKNOWN.value


def _parse_daily(data: object, path: str) -> list[DailyReading]:
    default_quality, items = _meter_reading(data, path)
    readings: list[DailyReading] = []
    for i, raw in enumerate(items):
        where = f"{path} interval_reading[{i}]"
        item = _as_dict(raw, "interval_reading", where)
        day = _as_day(item.get("date"), "date", where)
        value = _as_count(item.get("value"), "value", where)
        readings.append(DailyReading(day, value, _quality(item, default_quality)))
    return readings


_LENGTHS: dict[str, int] = {}


def _interval_length(item: dict[str, object], where: str) -> int:
    length = item.get("interval_length")
    if length is None:
        return 30  # Enedis omits it on some old curves; they are all 30-minute ones
    if isinstance(length, str) and length in _LENGTHS:
        return _LENGTHS[length]
    try:
        minutes = interval_minutes(length) if isinstance(length, str) else 0
    except InvalidInput:
        minutes = 0
    if minutes <= 0:
        _bad(where, "interval_length", length, "an ISO-8601 duration like PT30M")
    assert isinstance(length, str)
    _LENGTHS[length] = minutes
    return minutes


_DAY_OFFSETS: dict[date, timedelta | None] = {}


def _steady_offset(day: date) -> timedelta | None:
    """Paris's UTC offset on a day that has one all day long; ``None`` on a DST change day."""
    if day not in _DAY_OFFSETS:
        first = datetime.combine(day, time(0), tzinfo=PARIS).utcoffset()
        last = datetime.combine(day, time(23, 59), tzinfo=PARIS).utcoffset()
        _DAY_OFFSETS[day] = first if first == last else None
    return _DAY_OFFSETS[day]


def _start_instant(wall: datetime, minutes: int, previous: datetime | None) -> datetime:
    """UTC start of an interval the gateway stamped ``wall`` (local start, naive).

    The gateway turned Enedis's end stamps into start stamps by subtracting the length from the
    *wall time*: on the spring change it writes a time that does not exist (02:30), on the
    autumn change it repeats 01:30 and 02:00. Undoing that subtraction gives Enedis's end wall
    time, which exists; of its one or two instants (the repeated hour), the interval is the
    first that comes after the previous point, since points come in order. A point earlier
    than the previous one starts a new run (the gateway's cached copy before the fresh one).
    """
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    length = timedelta(minutes=minutes)
    end_wall = wall + length
    offset = _steady_offset(end_wall.date())
    if offset is not None:
        # Any day but a change day: one offset all day long, nothing to resolve.
        return (end_wall - offset - length).replace(tzinfo=UTC)
    first = end_wall.replace(tzinfo=PARIS, fold=0).astimezone(UTC) - length
    second = end_wall.replace(tzinfo=PARIS, fold=1).astimezone(UTC) - length
    early, late = (first, second) if first <= second else (second, first)
    if previous is None or early > previous or late <= previous:
        return early
    return late


def _parse_detail(data: object, path: str) -> list[LoadCurvePoint]:
    default_quality, items = _meter_reading(data, path)
    points: list[LoadCurvePoint] = []
    previous: datetime | None = None
    for i, raw in enumerate(items):
        where = f"{path} interval_reading[{i}]"
        item = _as_dict(raw, "interval_reading", where)
        wall = _as_wall(item.get("date"), "date", where)
        minutes = _interval_length(item, where)
        start = _start_instant(wall, minutes, previous)
        previous = start
        value = _as_count(item.get("value"), "value", where)
        points.append(LoadCurvePoint(start, value, minutes, _quality(item, default_quality)))
    return points


def _parse_max_power(data: object, path: str) -> list[MaxPowerReading]:
    default_quality, items = _meter_reading(data, path)
    readings: list[MaxPowerReading] = []
    for i, raw in enumerate(items):
        where = f"{path} interval_reading[{i}]"
        item = _as_dict(raw, "interval_reading", where)
        wall = _as_wall(item.get("date"), "date", where)
        if wall.tzinfo is None:
            at = wall.replace(tzinfo=PARIS).astimezone(UTC)
            day = wall.date()
        else:
            at = wall.astimezone(UTC)
            day = wall.astimezone(PARIS).date()
        value = _as_count(item.get("value"), "value", where)
        readings.append(MaxPowerReading(day, value, at, _quality(item, default_quality)))
    return readings


def _parse_tempo_day(raw: object, where: str) -> TempoDay:
    item = _as_dict(raw, "data", where)
    day = _as_day_prefix(item.get("date"), "date", where)
    if day is None:
        _bad(where, "date", item.get("date"), "a date YYYY-MM-DD")
    color = item.get("color")
    try:
        tempo_color = TempoColor(str(color).strip().upper())
    except ValueError:
        _bad(where, "color", color, "BLUE, WHITE or RED")
    updated = _as_instant(item.get("rte_updated_date"), "rte_updated_date", where)
    return TempoDay(day, tempo_color, updated)


def _ecowatt_day(raw: object, where: str) -> date:
    """The Paris day of an EcoWatt ``periode``: a UTC instant without offset, or a bare day.

    ``"2026-12-06T23:00:00"`` is midnight of 7 December in Paris: the signal of 7 December.
    """
    if isinstance(raw, str) and _DAY_TEXT.match(raw.strip()) and len(raw.strip()) == 10:
        return date.fromisoformat(raw.strip())
    instant = _as_instant(raw, "periode", where, naive_zone=UTC)
    if instant is None:
        _bad(where, "periode", raw, "a date or a date-time")
    return instant.astimezone(PARIS).date()


def _parse_ecowatt_day(raw: object, where: str) -> EcoWattDay:
    item = _as_dict(raw, "data", where)
    day = _ecowatt_day(item.get("periode"), where)
    level = _as_count(item.get("dvalue"), "dvalue", where)
    hourly: list[int] = []
    for j, value in enumerate(_as_list(item.get("values"), "values", where)):
        # RTE's own format wraps each hour as {"pas": h, "hvalue": level}.
        hour = value.get("hvalue") if isinstance(value, dict) else value
        hourly.append(_as_count(hour, f"values[{j}]", where))
    message = item.get("message")
    generated = _as_instant(
        item.get("generation_datetime"), "generation_datetime", where, naive_zone=UTC
    )
    try:
        return EcoWattDay(
            day, level, tuple(hourly), message if isinstance(message, str) else "", generated
        )
    except InvalidInput as exc:
        _bad(where, exc.field, item.get(exc.field), exc.reason)


def _offpeak_text(raw: object) -> str | None:
    """Off-peak hours as text, from any shape ``/pdl`` or the contract gives them.

    ``{"ranges": ["22:00-06:00", ...]}``, ``{"default": "HC (22H00-6H00)"}``, a per-day
    mapping of texts, a list of texts, a text, or nothing.
    """
    if isinstance(raw, str):
        return raw.strip() or None
    if isinstance(raw, list):
        texts = [part.strip() for part in raw if isinstance(part, str) and part.strip()]
        return ";".join(texts) or None
    if isinstance(raw, dict):
        if "ranges" in raw:
            return _offpeak_text(raw["ranges"])
        if "default" in raw:
            return _offpeak_text(raw["default"])
        texts = [part for part in raw.values() if isinstance(part, str) and part.strip()]
        return texts[0].strip() if texts else None
    return None


def _flag(item: dict[str, object], key: str, default: bool, where: str) -> bool:
    raw = item.get(key)
    if raw is None:
        return default
    if not isinstance(raw, bool):
        _bad(where, key, raw, "true or false")
    return raw


def _parse_listed_point(raw: object, where: str) -> UsagePoint:
    item = _as_dict(raw, "data", where)
    raw_pdl = item.get("usage_point_id")
    try:
        pdl = validate_pdl(str(raw_pdl) if raw_pdl is not None else "", "usage_point_id")
    except InvalidInput:
        _bad(where, "usage_point_id", raw_pdl, "a PDL of 14 digits")
    raw_power = item.get("subscribed_power")
    power = parse_subscribed_power(raw_power)
    if power is None and raw_power not in (None, "", 0):
        _bad(where, "subscribed_power", raw_power, "a power like 9 or '9 kVA'")
    extra: dict[str, str] = {}
    raw_option = item.get("pricing_option")
    option: PricingOption | None = None
    if isinstance(raw_option, str) and raw_option.strip():
        try:
            option = PricingOption(raw_option.strip().upper())
        except ValueError:
            extra["pricing_option"] = raw_option
    offpeak_raw = _offpeak_text(item.get("offpeak_hours"))
    offpeak = try_parse_offpeak(offpeak_raw)
    if offpeak_raw and offpeak is None:
        extra["offpeak_hours"] = offpeak_raw
    name = item.get("name")
    raw_offer = item.get("selected_offer_id")
    if raw_offer is not None and not isinstance(raw_offer, str):
        _bad(where, "selected_offer_id", raw_offer, "an offer id (text) or null")
    return UsagePoint(
        pdl=pdl,
        name=name if isinstance(name, str) else "",
        subscribed_power_kva=power,
        pricing_option=option,
        offpeak=offpeak,
        has_consumption=_flag(item, "has_consumption", True, where),
        has_production=_flag(item, "has_production", False, where),
        is_active=_flag(item, "is_active", True, where),
        activation_date=_as_day_prefix(item.get("activation_date"), "activation_date", where),
        oldest_available_date=_as_day_prefix(
            item.get("oldest_available_data_date"), "oldest_available_data_date", where
        ),
        extra=extra,
        selected_offer_id=(raw_offer.strip() or None) if raw_offer is not None else None,
    )


def _parse_contract(pdl: str, data: object, where: str) -> UsagePoint:
    customer = _as_dict(_as_dict(data, "data", where).get("customer"), "customer", where)
    points = _as_list(customer.get("usage_points"), "customer.usage_points", where)
    if not points:
        _bad(where, "customer.usage_points", points, "a non-empty list")
    first = _as_dict(points[0], "customer.usage_points[0]", where)
    raw_contracts = first.get("contracts")
    if isinstance(raw_contracts, list) and raw_contracts:
        raw_contracts = raw_contracts[0]
    contracts = _as_dict(raw_contracts, "contracts", where)
    raw_power = contracts.get("subscribed_power")
    power = parse_subscribed_power(raw_power)
    if power is None and raw_power not in (None, ""):
        _bad(where, "contracts.subscribed_power", raw_power, "a power like '9 kVA'")
    offpeak_raw = _offpeak_text(contracts.get("offpeak_hours"))
    offpeak = try_parse_offpeak(offpeak_raw)
    extra: dict[str, str] = {}
    for key in (
        "distribution_tariff",
        "segment",
        "contract_status",
        "last_distribution_tariff_change_date",
    ):
        value = contracts.get(key)
        if isinstance(value, str) and value:
            extra[key] = value
    if offpeak_raw and offpeak is None:
        extra["offpeak_hours"] = offpeak_raw
    usage_point = first.get("usage_point")
    if isinstance(usage_point, dict):
        status = usage_point.get("usage_point_status")
        if isinstance(status, str) and status:
            extra["usage_point_status"] = status
    return UsagePoint(
        pdl=pdl,
        subscribed_power_kva=power,
        offpeak=offpeak,
        activation_date=_as_day_prefix(
            contracts.get("last_activation_date"), "contracts.last_activation_date", where
        ),
        extra=extra,
    )


def _merge_contract(listed: UsagePoint, contract: UsagePoint) -> UsagePoint:
    """Fill what ``/pdl`` lacks from the contract; what ``/pdl`` says wins."""
    return dataclasses.replace(
        listed,
        subscribed_power_kva=(
            listed.subscribed_power_kva
            if listed.subscribed_power_kva is not None
            else contract.subscribed_power_kva
        ),
        offpeak=listed.offpeak or contract.offpeak,
        activation_date=listed.activation_date or contract.activation_date,
        extra={**contract.extra, **listed.extra},
    )
