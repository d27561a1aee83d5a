"""One retry policy: exponential backoff with full jitter, honouring ``Retry-After``.

Callers classify their failures: an attempt that a later attempt may fix raises
:class:`Retryable` (with the server's ``Retry-After`` when it sent one); anything else
propagates at once. :func:`retrying` runs the attempts and raises :class:`GaveUp` when they are
spent or when the server asks to wait longer than the policy allows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or HTTP-date).

    ``None`` when the header is absent or unreadable; a date in the past gives ``0``.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if not text.isascii():
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max((when - reference).total_seconds(), 0.0)


@dataclasses.dataclass(frozen=True, slots=True)
class Backoff:
    """When to try again: ``attempts`` in all, full-jitter waits capped at ``cap`` seconds.

    A ``Retry-After`` up to ``longest_wait`` seconds is waited as asked; a longer one ends the
    attempts (the caller's next run asks again) instead of holding a worker for hours.
    """

    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    longest_wait: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("Backoff.attempts must be at least 1")
        if self.base < 0 or self.cap < 0 or self.longest_wait < 0:
            raise ValueError("Backoff waits must not be negative")

    def jitter(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full-jitter wait after failed attempt number ``attempt`` (0 for the first)."""
        ceiling = min(self.cap, self.base * 2 ** min(attempt, 62))
        return (rng or _RNG).uniform(0.0, ceiling)

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float | None:
        """Seconds before the next attempt, or ``None`` when the server asks too long a wait."""
        if retry_after is not None:
            return retry_after if retry_after <= self.longest_wait else None
        return self.jitter(attempt, rng)


_RNG = random.Random()


class Retryable(Exception):
    """One failed attempt that a later attempt may fix (timeout, 5xx, 429, lost connection)."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class GaveUp(Exception):
    """The attempts ended without success; ``last`` is the final failure."""

    def __init__(self, last: Retryable, attempts: int, *, wait_too_long: bool = False) -> None:
        plural = "s" if attempts != 1 else ""
        why = (
            "server asks to wait too long" if wait_too_long else f"after {attempts} attempt{plural}"
        )
        super().__init__(f"{last.reason} ({why})")
        self.last = last
        self.attempts = attempts
        self.wait_too_long = wait_too_long


async def retrying(
    attempt: Callable[[int], Awaitable[T]],
    policy: Backoff,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    what: str = "call",
) -> T:
    """The result of the first attempt that succeeds; :class:`GaveUp` when none does.

    ``attempt(n)`` gets the attempt number (0 first). Only :class:`Retryable` is retried; any
    other exception propagates unchanged.
    """
    failure: Retryable | None = None
    for number in range(policy.attempts):
        try:
            return await attempt(number)
        except Retryable as exc:
            failure = exc
        if number + 1 == policy.attempts:
            break
        delay = policy.delay(number, failure.retry_after, rng)
        if delay is None:
            logger.info("%s: %s; the server asks to wait too long", what, failure.reason)
            raise GaveUp(failure, number + 1, wait_too_long=True)
        logger.info("%s: %s; retry in %.2f s", what, failure.reason, delay)
        await sleep(delay)
    assert failure is not None
    raise GaveUp(failure, policy.attempts)
