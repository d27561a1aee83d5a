"""The one retry policy: full jitter, Retry-After honoured and bounded, only Retryable retried."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from myelectricaldata.support.retry import Backoff, GaveUp, Retryable, parse_retry_after, retrying

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("  7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Sun, 06 Dec 2026 12:00:30 GMT", 30.0),
        ("Sun, 06 Dec 2026 11:00:00 GMT", 0.0),  # a date in the past: go now
        ("-3", 0.0),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("header", [None, "", "   ", "soon", "nan", "inf", "١٢"])
def test_retry_after_that_says_nothing_usable_is_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_jitter_stays_under_the_doubling_ceiling_and_the_cap() -> None:
    policy = Backoff(base=1.0, cap=10.0)
    rng = random.Random(4)
    for attempt in range(12):
        ceiling = min(10.0, 2.0**attempt)
        waits = [policy.jitter(attempt, rng) for _ in range(200)]
        assert all(0.0 <= wait <= ceiling for wait in waits)
        # Full jitter spreads over the whole range, not around one value.
        assert max(waits) > 0.8 * ceiling and min(waits) < 0.2 * ceiling


def test_retry_after_wins_over_jitter_up_to_the_longest_wait() -> None:
    policy = Backoff(base=1.0, cap=2.0, longest_wait=60.0)
    assert policy.delay(0, 45.0) == 45.0
    assert policy.delay(0, 61.0) is None


async def test_retrying_sleeps_as_asked_and_returns_the_first_success() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def attempt(number: int) -> str:
        if number < 2:
            raise Retryable(f"HTTP 503 #{number}", status=503, retry_after=3.0)
        return "ok"

    assert await retrying(attempt, Backoff(attempts=5), sleep=sleep) == "ok"
    assert slept == [3.0, 3.0]


async def test_retrying_gives_up_after_the_attempts_with_the_last_reason() -> None:
    calls: list[int] = []

    async def sleep(seconds: float) -> None:
        pass

    async def attempt(number: int) -> None:
        calls.append(number)
        raise Retryable(f"timeout #{number}")

    with pytest.raises(GaveUp) as caught:
        await retrying(attempt, Backoff(attempts=3, base=0.01), sleep=sleep)
    assert calls == [0, 1, 2]
    assert caught.value.attempts == 3 and not caught.value.wait_too_long
    assert "timeout #2" in str(caught.value) and "3 attempts" in str(caught.value)


async def test_retrying_stops_when_the_server_asks_too_long_a_wait() -> None:
    calls: list[int] = []

    async def attempt(number: int) -> None:
        calls.append(number)
        raise Retryable("HTTP 429", status=429, retry_after=3600.0)

    with pytest.raises(GaveUp) as caught:
        await retrying(attempt, Backoff(attempts=5, longest_wait=60.0))
    assert calls == [0]
    assert caught.value.wait_too_long and caught.value.last.status == 429


async def test_other_exceptions_are_not_retried() -> None:
    calls: list[int] = []

    async def attempt(number: int) -> None:
        calls.append(number)
        raise PermissionError("HTTP 401")

    with pytest.raises(PermissionError):
        await retrying(attempt, Backoff(attempts=5))
    assert calls == [0]


def test_a_policy_without_attempts_is_refused() -> None:
    with pytest.raises(ValueError, match="attempts"):
        Backoff(attempts=0)
