"""Client of the MyElectricalData v2 gateway (DESIGN.md §4): envelopes, typed errors, quota.

Error codes read from the envelope (``error.code``, compared case-insensitively):

- ``RATE_LIMIT_EXCEEDED``, ``QUOTA_EXCEEDED``: :class:`QuotaExhausted`, no retry, until the next
  UTC midnight (or later if ``Retry-After`` says so).
- ``DATE_TOO_OLD`` (more than 3 years back daily, 2 years load curve), ``ADAM-ERR0123`` (period
  before the meter's activation), ``ADAM-ERR0075`` (load curve / hourly collection not enabled
  for the PDL), ``ADAM-ERR0069`` (no data in this direction for the PDL, e.g. production on a
  consumer meter): :class:`RangeUnavailable` with ``available_from`` when derivable.
- ``NO_DATA``, ``NO_DATA_FOUND``, ``ADAM-DC-0008``: :class:`NoData` inside; range methods
  return ``[]`` for it (nothing yet for the range, not an error of the range).
- ``ENEDIS_ERROR``, ``UNKERROR_002``, ``INTERNAL_ERROR``, ``SERVICE_UNAVAILABLE``, ``TIMEOUT``:
  retried, then :class:`GatewayDown`.
- ``UNAUTHORIZED``, ``FORBIDDEN``, ``INVALID_TOKEN``, ``INVALID_CLIENT_SECRET``,
  ``INVALID_CREDENTIALS``, ``AUTHENTICATION_FAILED``, ``ACCESS_DENIED``, ``CONSENT_REQUIRED``,
  ``CONSENT_EXPIRED``, ``ADAM-ERR0025`` (consent expired), ``ADAM-ERR0031`` (token invalid):
  :class:`AuthRefused`, no retry.
- any other code: :class:`GatewayRejected` (a :class:`GatewayDown`), no retry.

HTTP 401/403 are :class:`AuthRefused`. HTTP 429, 5xx, timeouts, connection errors, non-JSON and
non-envelope answers are retried with exponential backoff and full jitter, honouring
``Retry-After``; a 429 that outlives the retries is :class:`QuotaExhausted`, anything else
:class:`GatewayDown` saying what happened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import NoReturn, TypeVar

import httpx

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import try_parse_offpeak
from myelectricaldata.domain.timeutil import PARIS, LocalTimeSequence, today_paris
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
    quality_of,
    validate_pdl,
)
from myelectricaldata.domain.units import interval_minutes
from myelectricaldata.sources.base import (
    AuthRefused,
    GatewayDown,
    MemoryLedger,
    NoData,
    Quota,
    QuotaExhausted,
    QuotaLedger,
    RangeUnavailable,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BASE_URL = "https://www.v2.myelectricaldata.fr/api"
#: Calls per UTC day of an account that sends ``use_cache=true``.
DEFAULT_DAILY_QUOTA = 1000
#: Longest range per call: daily streams and max power, load curve.
DAILY_MAX_DAYS = 365
DETAIL_MAX_DAYS = 7
#: How far back the gateway serves, in years: daily streams and max power, load curve.
DAILY_YEARS_BACK = 3
DETAIL_YEARS_BACK = 2

QUOTA_CODES = frozenset({"RATE_LIMIT_EXCEEDED", "QUOTA_EXCEEDED"})
NO_DATA_CODES = frozenset({"NO_DATA", "NO_DATA_FOUND", "ADAM-DC-0008"})
TRANSIENT_CODES = frozenset(
    {"ENEDIS_ERROR", "UNKERROR_002", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}
)
AUTH_CODES = frozenset(
    {
        "UNAUTHORIZED",
        "FORBIDDEN",
        "INVALID_TOKEN",
        "INVALID_CLIENT_SECRET",
        "INVALID_CREDENTIALS",
        "AUTHENTICATION_FAILED",
        "ACCESS_DENIED",
        "CONSENT_REQUIRED",
        "CONSENT_EXPIRED",
        "ADAM-ERR0025",
        "ADAM-ERR0031",
    }
)
#: Codes for ranges the gateway will never serve, with what they mean for the user.
RANGE_CODES = {
    "DATE_TOO_OLD": "the range is older than the gateway keeps (3 years daily, 2 years load curve)",
    "ADAM-ERR0123": "the range is before the meter's last activation date",
    "ADAM-ERR0075": (
        "the load curve (hourly data collection) is not enabled for this PDL: enable it in your "
        "Enedis customer account, then it is served from the day it was enabled"
    ),
    "ADAM-ERR0069": "this PDL has no data in this direction (e.g. production on a consumer meter)",
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$")
_POWER_TEXT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(k?va)?\s*$", re.IGNORECASE)
_SECRET_HINT = "check MED_CLIENT_SECRET (and that your consent is still valid on the site)"


class GatewayDataError(GatewayDown):
    """The gateway answered a value this client cannot trust; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class GatewayRejected(GatewayDown):
    """The gateway refused the request itself (unknown PDL, bad parameter): retrying won't help."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class _Transient(Exception):
    """One failed attempt that a later attempt may fix."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True, slots=True)
class _Call:
    """What a request is about, to turn business errors into typed ones."""

    path: str
    pdl: str | None = None
    stream: Stream | None = None
    start: date | None = None


def next_utc_midnight(now: datetime) -> datetime:
    """The UTC midnight that follows the aware instant ``now`` (when the gateway quota resets)."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=UTC)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP-date), ``None`` if absent."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


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

    Every HTTP request counts one call on ``ledger`` under the current UTC day; no request is
    made once the ledger reaches ``daily_quota``.
    """

    origin = Origin.GATEWAY

    def __init__(
        self,
        base_url: str,
        client_secret: str,
        *,
        ledger: QuotaLedger | None = None,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        timeout: float = 30.0,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not client_secret or not client_secret.strip():
            raise InvalidInput("MED_CLIENT_SECRET", "is empty: copy the secret from your account")
        if daily_quota < 1 or max_retries < 0:
            raise InvalidInput("daily_quota", "needs daily_quota >= 1 and max_retries >= 0")
        self.base_url = base_url.rstrip("/")
        self._secret = client_secret.strip()
        self._ledger: QuotaLedger = ledger if ledger is not None else MemoryLedger()
        self.daily_quota = daily_quota
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._timeout = timeout
        #: HTTP requests sent since this client was made (retries included): what a sync
        #: reports as its calls, whatever the quota counts.
        self.requests = 0
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep or asyncio.sleep
        self._random = random.Random()
        self._blocked_until: datetime | None = None
        self._activation: dict[str, date] = {}
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
        """Calls made today (UTC) according to the ledger, out of ``daily_quota``."""
        now = self._now()
        used = self._ledger.used(now.date())
        reset_at = next_utc_midnight(now)
        if self._blocked_until is not None and now < self._blocked_until:
            # The gateway said the quota is spent even if our ledger disagrees: believe it.
            used, reset_at = max(used, self.daily_quota), max(reset_at, self._blocked_until)
        return Quota(limit=self.daily_quota, used=used, reset_at=reset_at)

    async def usage_points(self) -> list[UsagePoint]:
        """Usage points of the account; the contract is read only for points lacking it."""
        data = await self._get(_Call("/pdl"), "/pdl")
        points = [
            _parse_listed_point(item, f"/pdl data[{i}]")
            for i, item in enumerate(_as_list(data, "data", "/pdl"))
        ]
        enriched: list[UsagePoint] = []
        for point in points:
            lacks_offpeak = point.offpeak is None and point.pricing_option != PricingOption.BASE
            if point.subscribed_power_kva is None or lacks_offpeak:
                try:
                    point = _merge_contract(point, await self.contract(point.pdl))
                except (RangeUnavailable, NoData, GatewayDown) as exc:
                    logger.warning(
                        "contract of %s not read, keeping /pdl values: %s", point.pdl, exc
                    )
            if point.activation_date is not None:
                self._activation[point.pdl] = point.activation_date
            enriched.append(point)
        return enriched

    async def contract(self, pdl: str) -> UsagePoint:
        """The usage point as its Enedis contract describes it (power, off-peak, activation)."""
        validate_pdl(pdl)
        path = f"/enedis/contract/{pdl}"
        data = await self._get(_Call(path, pdl), path, {"use_cache": "true"})
        point = _parse_contract(pdl, data, path)
        if point.activation_date is not None:
            self._activation[pdl] = point.activation_date
        return point

    async def daily(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        """Daily energy in Wh for [start, end), in calls of at most 365 days."""
        stream = _stream(direction, detail=False)

        async def fetch(lo: date, hi: date) -> list[DailyReading]:
            path = f"/enedis/{direction.value}/daily/{pdl}"
            data = await self._get(_Call(path, pdl, stream, lo), path, _range_params(lo, hi))
            return _parse_daily(data, path)

        readings = await self._ranged(stream, pdl, start, end, fetch)
        return sorted(readings, key=lambda r: r.day)

    async def load_curve(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[LoadCurvePoint]:
        """Load curve (interval start as a UTC instant, average W) for local days [start, end)."""
        stream = _stream(direction, detail=True)

        async def fetch(lo: date, hi: date) -> list[LoadCurvePoint]:
            path = f"/enedis/{direction.value}/detail/{pdl}"
            data = await self._get(_Call(path, pdl, stream, lo), path, _range_params(lo, hi))
            return _parse_detail(data, path)

        points = await self._ranged(stream, pdl, start, end, fetch)
        return sorted(points, key=lambda p: p.start)

    async def max_power(self, pdl: str, start: date, end: date) -> list[MaxPowerReading]:
        """Daily maximum power in VA and when it was reached, for [start, end)."""

        async def fetch(lo: date, hi: date) -> list[MaxPowerReading]:
            path = f"/enedis/power/{pdl}"
            call = _Call(path, pdl, Stream.MAX_POWER, lo)
            data = await self._get(call, path, _range_params(lo, hi))
            return _parse_max_power(data, path)

        readings = await self._ranged(Stream.MAX_POWER, pdl, start, end, fetch)
        return sorted(readings, key=lambda r: r.day)

    async def tempo(self, start: date, end: date) -> list[TempoDay]:
        """Tempo colours for [start, end); days not yet published are absent."""
        if start >= end:
            return []
        path = "/tempo/days"
        params = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        try:
            data = await self._get(_Call(path), path, params)
        except NoData:
            return []
        days = [
            _parse_tempo_day(item, f"{path} data[{i}]")
            for i, item in enumerate(_as_list(data, "data", path))
        ]
        # The range is clipped here because the gateway's end_date may be inclusive.
        return sorted((d for d in days if start <= d.day < end), key=lambda d: d.day)

    async def ecowatt(self) -> list[EcoWattDay]:
        """EcoWatt signals of today and the next three days, as far as RTE published them."""
        path = "/ecowatt/forecast"
        try:
            data = await self._get(_Call(path), path, {"days": "4"})
        except NoData:
            return []
        days = [
            _parse_ecowatt_day(item, f"{path} data[{i}]")
            for i, item in enumerate(_as_list(data, "data", path))
        ]
        return sorted(days, key=lambda d: d.day)

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

    # -- HTTP ------------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock of GatewaySource must return aware datetimes")
        return now.astimezone(UTC)

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***")

    def _check_budget(self) -> None:
        now = self._now()
        if self._blocked_until is not None:
            if now < self._blocked_until:
                raise QuotaExhausted(
                    f"the gateway said the daily quota is spent; calls resume at "
                    f"{self._blocked_until.isoformat()}",
                    self._blocked_until,
                )
            self._blocked_until = None
        used = self._ledger.used(now.date())
        if used >= self.daily_quota:
            reset_at = next_utc_midnight(now)
            raise QuotaExhausted(
                f"daily gateway quota spent: {used}/{self.daily_quota} calls on {now.date()} "
                f"(UTC); calls resume at {reset_at.isoformat()}",
                reset_at,
            )

    def _block(self, retry_after: float | None) -> datetime:
        now = self._now()
        until = next_utc_midnight(now)
        if retry_after is not None:
            until = max(until, now + timedelta(seconds=retry_after))
        self._blocked_until = until
        return until

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds before the next attempt, or ``None`` when the server asks to wait too long."""
        if retry_after is not None:
            return retry_after if retry_after <= self._backoff_max else None
        # Full jitter: spreads the retries of several clients hit by the same outage.
        return self._random.uniform(0.0, min(self._backoff_max, self._backoff_base * 2**attempt))

    async def _get(self, call: _Call, path: str, params: dict[str, str] | None = None) -> object:
        """``data`` of a successful envelope; typed errors otherwise, after retries if useful."""
        attempts = self._max_retries + 1
        failure: _Transient | None = None
        for attempt in range(attempts):
            self._check_budget()
            self._ledger.add(self._now().date())
            logger.debug("GET %s %s (attempt %d/%d)", path, params or {}, attempt + 1, attempts)
            self.requests += 1
            try:
                return await self._attempt(call, path, params)
            except _Transient as exc:
                failure = exc
            if attempt + 1 == attempts:
                break
            delay = self._backoff(attempt, failure.retry_after)
            if delay is None:
                logger.info("GET %s: %s; server asks to wait too long", path, failure.reason)
                break
            logger.info("GET %s: %s; retry in %.2fs", path, failure.reason, delay)
            await self._sleep(delay)
        assert failure is not None
        tried = f"{attempt + 1} attempt{'s' if attempt else ''}"
        if failure.status == 429:
            reset_at = self._block(failure.retry_after)
            raise QuotaExhausted(
                self._redact(
                    f"GET {path}: the gateway kept answering HTTP 429 (too many requests) after "
                    f"{tried}; calls resume at {reset_at.isoformat()}"
                ),
                reset_at,
            )
        raise GatewayDown(
            self._redact(
                f"GET {path}: {failure.reason} (after {tried}). The gateway or Enedis behind it is "
                "unavailable; nothing was stored, the next sync will ask again. If it lasts, check "
                "MED_API_URL and the gateway's status page."
            )
        )

    async def _attempt(self, call: _Call, path: str, params: dict[str, str] | None) -> object:
        try:
            response = await self._client.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise _Transient(
                f"no answer within {self._timeout:g}s ({type(exc).__name__})"
            ) from None
        except httpx.RequestError as exc:
            raise _Transient(
                self._redact(f"connection failed ({type(exc).__name__}: {exc})")
            ) from None
        status = response.status_code
        if status in (401, 403):
            raise AuthRefused(
                f"GET {path}: the gateway refused the credentials (HTTP {status}); {_SECRET_HINT}"
            )
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now())
        envelope = _envelope_of(response)
        if status == 429 or status >= 500:
            detail = _error_text(envelope) if envelope is not None else ""
            raise _Transient(
                self._redact(f"HTTP {status}{detail}"), status=status, retry_after=retry_after
            )
        if envelope is None:
            snippet = response.text[:80]
            if status >= 400:
                raise GatewayRejected(
                    self._redact(
                        f"GET {path}: HTTP {status} without an envelope ({snippet!r}); "
                        "check MED_API_URL points at the v2 API"
                    ),
                    code=f"HTTP_{status}",
                )
            raise _Transient(
                self._redact(f"HTTP {status} answer is not a gateway envelope: {snippet!r}"),
                retry_after=retry_after,
            )
        success, data, error = envelope
        if success:
            return data
        self._raise_for_error(call, path, error, retry_after)

    def _raise_for_error(
        self, call: _Call, path: str, error: dict[str, object], retry_after: float | None
    ) -> NoReturn:
        code = str(error.get("code") or "").strip()
        key = code.upper()
        message = self._redact(str(error.get("message") or "").strip())
        field = str(error["field"]) if error.get("field") is not None else None
        said = f"{code or 'no code'}: {message or 'no message'}" + (
            f" (field {field})" if field else ""
        )
        if key in TRANSIENT_CODES:
            raise _Transient(f"success=false {said}", retry_after=retry_after)
        if key in AUTH_CODES:
            raise AuthRefused(f"GET {path}: the gateway refused access ({said}); {_SECRET_HINT}")
        if key in QUOTA_CODES:
            reset_at = self._block(retry_after)
            raise QuotaExhausted(
                f"GET {path}: daily gateway quota spent ({said}); calls resume at "
                f"{reset_at.isoformat()}",
                reset_at,
            )
        if key in NO_DATA_CODES:
            raise NoData(f"GET {path}: nothing for this range yet ({said})")
        if key in RANGE_CODES:
            raise RangeUnavailable(
                f"GET {path}: {RANGE_CODES[key]} ({said})",
                code=code,
                available_from=self._available_from(key, call, message),
            )
        raise GatewayRejected(
            f"GET {path}: the gateway rejected the request ({said}); retrying will not help",
            code=code,
            field=field,
        )

    def _available_from(self, key: str, call: _Call, message: str) -> date | None:
        """First day the gateway may serve, when the error or what we know tells it.

        A date quoted in the message is only believed when it is plausible, since a message may
        as well quote the refused range itself.
        """
        if key not in ("DATE_TOO_OLD", "ADAM-ERR0123"):
            return None
        quoted: list[date] = []
        for text in _ISO_DATE.findall(message):
            try:
                quoted.append(date.fromisoformat(text))
            except ValueError:
                continue
        if call.start is not None:
            quoted = [day for day in quoted if day > call.start]
        if key == "ADAM-ERR0123":
            known = self._activation.get(call.pdl) if call.pdl else None
            return known or (max(quoted) if quoted else None)
        years = DETAIL_YEARS_BACK if call.stream and call.stream.is_detail else DAILY_YEARS_BACK
        # One day of margin: the gateway's own "today" may already be tomorrow in Paris.
        estimate = _years_before(today_paris(self._now()), years) + timedelta(days=1)
        near = [day for day in quoted if abs((day - estimate).days) <= 7]
        return max(near) if near else estimate


# -- envelope ------------------------------------------------------------------------------


def _envelope_of(response: httpx.Response) -> tuple[bool, object, dict[str, object]] | None:
    """(success, data, error) of a gateway envelope, ``None`` if the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
        return None
    error = body.get("error")
    return body["success"], body.get("data"), error if isinstance(error, dict) else {}


def _error_text(envelope: tuple[bool, object, dict[str, object]]) -> str:
    _, _, error = envelope
    if not error:
        return ""
    return f" {error.get('code') or 'no code'}: {error.get('message') or 'no message'}"


def _range_params(start: date, end: date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat(), "use_cache": "true"}


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
    """A Paris wall-clock time ``"2024-03-01 00:30:00"`` (naive), aware if it has an offset."""
    if not isinstance(raw, str) or len(raw) < 16:
        _bad(where, field, raw, "a date-time YYYY-MM-DD HH:MM:SS")
    try:
        return datetime.fromisoformat(raw.strip())
    except ValueError:
        _bad(where, field, raw, "a date-time YYYY-MM-DD HH:MM:SS")


def _as_instant(raw: object, field: str, where: str) -> datetime | None:
    """An optional ISO date-time; without an offset it is Paris time."""
    if raw is None or raw == "":
        return None
    moment = _as_wall(raw, field, where)
    return (moment if moment.tzinfo else moment.replace(tzinfo=PARIS)).astimezone(UTC)


def _resolve(sequence: LocalTimeSequence, wall: datetime, raw: object, where: str) -> datetime:
    """UTC instant of a wall time, refusing times that do not exist (spring-forward hour)."""
    instant = sequence.resolve(wall)
    if wall.tzinfo is None:
        back = instant.astimezone(UTC).astimezone(PARIS).replace(tzinfo=None)
        if back != wall:
            _bad(where, "date", raw, "a Paris time that exists (it falls in the DST gap)")
    return instant.astimezone(UTC)


def _meter_reading(data: object, where: str) -> tuple[str | None, list[object]]:
    body = _as_dict(data, "data", where)
    reading = _as_dict(body.get("meter_reading"), "meter_reading", where)
    raw_quality = reading.get("quality")
    readings = reading.get("interval_reading", [])
    return (
        raw_quality if isinstance(raw_quality, str) else None,
        _as_list(readings, "interval_reading", where),
    )


def _quality(item: dict[str, object], default: str | None) -> str:
    own = item.get("quality")
    return quality_of(own if isinstance(own, str) and own.strip() else default)


def _parse_daily(data: object, path: str) -> list[DailyReading]:
    default_quality, items = _meter_reading(data, path)
    readings: list[DailyReading] = []
    seen: set[date] = set()
    for i, raw in enumerate(items):
        where = f"{path} interval_reading[{i}]"
        item = _as_dict(raw, "interval_reading", where)
        day = _as_day(item.get("date"), "date", where)
        if day in seen:
            _bad(where, "date", item.get("date"), "a day not already in the answer")
        seen.add(day)
        value = _as_count(item.get("value"), "value", where)
        readings.append(DailyReading(day, value, _quality(item, default_quality)))
    return readings


def _parse_detail(data: object, path: str) -> list[LoadCurvePoint]:
    default_quality, items = _meter_reading(data, path)
    sequence = LocalTimeSequence()
    points: list[LoadCurvePoint] = []
    seen: set[datetime] = set()
    for i, raw in enumerate(items):
        where = f"{path} interval_reading[{i}]"
        item = _as_dict(raw, "interval_reading", where)
        wall = _as_wall(item.get("date"), "date", where)
        start = _resolve(sequence, wall, item.get("date"), where)
        if start in seen:
            _bad(where, "date", item.get("date"), "an interval not already in the answer")
        seen.add(start)
        length = item.get("interval_length")
        # Enedis omits the length on some old curves; they are all 30-minute ones.
        minutes = 30
        if length is not None:
            try:
                minutes = interval_minutes(length) if isinstance(length, str) else 0
            except InvalidInput:
                minutes = 0
            if minutes <= 0:
                _bad(where, "interval_length", length, "an ISO-8601 duration like PT30M")
        value = _as_count(item.get("value"), "value", where)
        points.append(LoadCurvePoint(start, value, minutes, _quality(item, default_quality)))
    return points


def _parse_max_power(data: object, path: str) -> list[MaxPowerReading]:
    default_quality, items = _meter_reading(data, path)
    sequence = LocalTimeSequence()
    readings: list[MaxPowerReading] = []
    seen: set[date] = set()
    for i, raw in enumerate(items):
        where = f"{path} interval_reading[{i}]"
        item = _as_dict(raw, "interval_reading", where)
        wall = _as_wall(item.get("date"), "date", where)
        at = _resolve(sequence, wall, item.get("date"), where)
        day = wall.date() if wall.tzinfo is None else wall.astimezone(PARIS).date()
        if day in seen:
            _bad(where, "date", item.get("date"), "a day not already in the answer")
        seen.add(day)
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


def _parse_ecowatt_day(raw: object, where: str) -> EcoWattDay:
    item = _as_dict(raw, "data", where)
    day = _as_day_prefix(item.get("periode"), "periode", where)
    if day is None:
        _bad(where, "periode", item.get("periode"), "a date YYYY-MM-DD")
    level = _as_count(item.get("dvalue"), "dvalue", where)
    hourly: list[int] = []
    for j, value in enumerate(_as_list(item.get("values"), "values", where)):
        # RTE's own format wraps each hour as {"pas": h, "hvalue": level}.
        hour = value.get("hvalue") if isinstance(value, dict) else value
        hourly.append(_as_count(hour, f"values[{j}]", where))
    message = item.get("message")
    generated = _as_instant(item.get("generation_datetime"), "generation_datetime", where)
    try:
        return EcoWattDay(
            day, level, tuple(hourly), message if isinstance(message, str) else "", generated
        )
    except InvalidInput as exc:
        _bad(where, exc.field, item.get(exc.field), exc.reason)


def _offpeak_text(raw: object) -> str | None:
    """Off-peak hours as text; some answers give a list or a per-day mapping of texts."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        texts = [part for part in raw if isinstance(part, str)]
        return ";".join(texts) or None
    if isinstance(raw, dict):
        texts = [part for part in raw.values() if isinstance(part, str) and part.strip()]
        return texts[0] if texts else None
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
