"""The small interface every source implements, and the typed errors sync reacts to.

Errors say how far a failure reaches, because sync reacts to that and nothing else:

- one call: :class:`ChunkFailed` (an answer that can't be read, or a request the gateway
  refuses), :class:`NoData` (nothing published yet);
- one stream of one PDL: :class:`StreamRefused` (wrong direction, load curve not enabled) and
  :class:`RangeUnavailable` (before the first day served: every older day is refused too);
- one PDL: :class:`AccessDenied` (inactive, unlinked, consent ended);
- one quota bucket: :class:`QuotaExhausted`;
- everything: :class:`AuthRefused` (the account's secret) and :class:`GatewayDown` (transport
  failures, 5xx, timeouts: the gateway or Enedis behind it is not answering).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from myelectricaldata.domain.errors import MedError
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    Stream,
    TempoDay,
    UsagePoint,
)

#: Refusal codes that mean "before the first day the gateway serves" (activation, 3-year limit).
TIME_BOUND_CODES = frozenset({"DATE_TOO_OLD", "ADAM-ERR0123"})


class Bucket(StrEnum):
    """The gateway's two daily call quotas, counted and blocked separately (per UTC day)."""

    #: Calls with ``use_cache=true``: 1000 a day.
    CACHED = "cached"
    #: Calls without the cache, EcoWatt included: 50 a day.
    NO_CACHE = "no_cache"


class SourceError(MedError):
    """A source could not deliver; subclasses say why, how far it reaches, and what to do."""


class AuthRefused(SourceError):
    """The gateway refused the credentials: check MED_CLIENT_SECRET (and consent on the site)."""


class QuotaExhausted(SourceError):
    """A daily call quota is spent; calls on ``bucket`` are possible again at ``reset_at`` (UTC)."""

    def __init__(self, message: str, reset_at: datetime, bucket: Bucket = Bucket.CACHED) -> None:
        super().__init__(message)
        self.reset_at = reset_at
        self.bucket = bucket


class RangeUnavailable(SourceError):
    """The range can never be served (before activation, too old).

    ``available_from`` is the first day the gateway may serve, when it is known. ``presumed``
    marks a refusal read from a disguised answer (an empty list where days must exist).
    """

    def __init__(
        self,
        message: str,
        code: str,
        available_from: date | None = None,
        *,
        presumed: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.available_from = available_from
        self.presumed = presumed

    @property
    def time_bound(self) -> bool:
        """True when the refusal is about a date bound: every older day is refused too."""
        return self.code.upper() in TIME_BOUND_CODES


class StreamRefused(SourceError):
    """Enedis refuses this stream of this PDL whatever the range; ``advice`` says what to do.

    Not asked again in the same run; the next sync asks once more (the user may have fixed it).
    """

    def __init__(self, message: str, code: str, advice: str) -> None:
        super().__init__(message)
        self.code = code
        self.advice = advice


class AccessDenied(SourceError):
    """One PDL is inactive, not linked to the account, or its consent ended.

    It concerns that PDL only, never the credentials of the account.
    """

    def __init__(self, message: str, pdl: str, code: str) -> None:
        super().__init__(message)
        self.pdl = pdl
        self.code = code


class NoData(SourceError):
    """The gateway has nothing for this range yet (not an error of the range itself)."""


class ChunkFailed(SourceError):
    """This one call failed (an answer that can't be trusted, a refused request).

    Nothing of it was stored; the range is asked again by a later sync, and the run goes on.
    """


class GatewayDown(SourceError):
    """The gateway or Enedis behind it did not answer usably after retries; try again later."""


@dataclass(frozen=True, slots=True)
class Quota:
    """What a source may still be asked today on one quota bucket."""

    limit: int
    used: int
    reset_at: datetime
    bucket: str = Bucket.CACHED.value

    @property
    def remaining(self) -> int:
        """Calls left before ``reset_at``."""
        return max(self.limit - self.used, 0)


class QuotaLedger(Protocol):
    """Persistent count of gateway calls per UTC day and bucket, shared by every client."""

    def used(self, utc_day: date, bucket: str = Bucket.CACHED.value) -> int:
        """Calls already made on ``utc_day`` on ``bucket``."""
        ...

    def add(self, utc_day: date, calls: int = 1, bucket: str = Bucket.CACHED.value) -> None:
        """Record ``calls`` more calls on ``utc_day`` on ``bucket``."""
        ...


class MemoryLedger:
    """A :class:`QuotaLedger` kept in memory (tests, one-shot commands)."""

    def __init__(self) -> None:
        self._calls: dict[tuple[date, str], int] = {}

    def used(self, utc_day: date, bucket: str = Bucket.CACHED.value) -> int:
        """Calls already made on ``utc_day`` on ``bucket``."""
        return self._calls.get((utc_day, bucket), 0)

    def add(self, utc_day: date, calls: int = 1, bucket: str = Bucket.CACHED.value) -> None:
        """Record ``calls`` more calls on ``utc_day`` on ``bucket``."""
        key = (utc_day, bucket)
        self._calls[key] = self._calls.get(key, 0) + calls


class Source(Protocol):
    """What sync needs from a source. Ranges are [start, end) in Paris calendar days."""

    origin: Origin

    def max_days(self, stream: Stream) -> int:
        """Longest range, in days, one call may ask for this stream."""
        ...

    def quota(self) -> Quota | None:
        """Remaining call budget, or ``None`` when the source is not rate-limited."""
        ...

    async def usage_points(self) -> list[UsagePoint]:
        """Usage points of the account, with their contracts."""
        ...

    async def daily(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        """Daily energy for [start, end)."""
        ...

    async def load_curve(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[LoadCurvePoint]:
        """Load curve for the local days [start, end)."""
        ...

    async def max_power(self, pdl: str, start: date, end: date) -> list[MaxPowerReading]:
        """Daily maximum power for [start, end)."""
        ...

    async def tempo(self, start: date, end: date) -> list[TempoDay]:
        """Tempo colours for [start, end); tomorrow is absent until published."""
        ...

    async def ecowatt(self) -> list[EcoWattDay]:
        """EcoWatt signals for today and the next days that are published."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class GatewayTraits(Protocol):
    """What a rate-limited, cache-fronted source adds (the gateway); sync uses it when present."""

    def quotas(self) -> list[Quota]:
        """Every quota bucket, the cached one first."""
        ...

    def servable_until(self, stream: Stream, today: date) -> date:
        """Exclusive end of the days a stream's route can serve today (yesterday is not always)."""
        ...

    def conflicts_merged(self) -> int:
        """Instants or days answered twice with different values so far (the later one won)."""
        ...

    async def daily_uncached(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        """Daily energy for [start, end) asked past the gateway's cache (the small bucket).

        For days the cached path drops at range boundaries: ask each once.
        """
        ...
