"""The small interface every source implements, and the typed errors sync reacts to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

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


class SourceError(MedError):
    """A source could not deliver; subclasses say why and what to do."""


class AuthRefused(SourceError):
    """The gateway refused the credentials: check MED_CLIENT_SECRET (and consent on the site)."""


class QuotaExhausted(SourceError):
    """The account's daily call quota is spent; calls are possible again at ``reset_at`` (UTC)."""

    def __init__(self, message: str, reset_at: datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class RangeUnavailable(SourceError):
    """The range can never be served (before activation, too old, load curve not enabled).

    ``available_from`` is the first day the gateway may serve, when it is known.
    """

    def __init__(self, message: str, code: str, available_from: date | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.available_from = available_from

    @property
    def time_bound(self) -> bool:
        """True when the refusal is about a date bound: every older day is refused too."""
        return self.code.upper() in TIME_BOUND_CODES


class NoData(SourceError):
    """The gateway has nothing for this range yet (not an error of the range itself)."""


class GatewayDown(SourceError):
    """The gateway or Enedis behind it did not answer usably after retries; try again later."""


@dataclass(frozen=True, slots=True)
class Quota:
    """What a source may still be asked today."""

    limit: int
    used: int
    reset_at: datetime

    @property
    def remaining(self) -> int:
        """Calls left before ``reset_at``."""
        return max(self.limit - self.used, 0)


class QuotaLedger(Protocol):
    """Persistent count of gateway calls per UTC day, shared by every client of one account."""

    def used(self, utc_day: date) -> int:
        """Calls already made on ``utc_day``."""
        ...

    def add(self, utc_day: date, calls: int = 1) -> None:
        """Record ``calls`` more calls on ``utc_day``."""
        ...


class MemoryLedger:
    """A :class:`QuotaLedger` kept in memory (tests, one-shot commands)."""

    def __init__(self) -> None:
        self._calls: dict[date, int] = {}

    def used(self, utc_day: date) -> int:
        """Calls already made on ``utc_day``."""
        return self._calls.get(utc_day, 0)

    def add(self, utc_day: date, calls: int = 1) -> None:
        """Record ``calls`` more calls on ``utc_day``."""
        self._calls[utc_day] = self._calls.get(utc_day, 0) + calls


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
