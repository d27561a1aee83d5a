"""Fixtures of the source tests: the fake gateway over real HTTP and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from myelectricaldata.sources.base import MemoryLedger
from myelectricaldata.sources.gateway import GatewaySource
from tests.fakes.gateway import FakeGateway, shared_fake_gateway


class SleepRecorder:
    """An injectable ``sleep`` that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def fake_gateway() -> Iterator[FakeGateway]:
    """The fake gateway (one server per test session), reset to its defaults for this test."""
    fake = shared_fake_gateway()
    yield fake
    fake.reset()


@pytest.fixture
def sleeps() -> SleepRecorder:
    """Records the backoff delays of the client built by ``make_source``."""
    return SleepRecorder()


@pytest.fixture
def ledger() -> MemoryLedger:
    """The quota ledger given to the client built by ``make_source``."""
    return MemoryLedger()


@pytest.fixture
def make_source(
    fake_gateway: FakeGateway, sleeps: SleepRecorder, ledger: MemoryLedger
) -> Callable[..., GatewaySource]:
    """Build a client of the fake: its clock is the fake's, sleeps are recorded, backoff tiny.

    Use it as ``async with make_source(max_retries=2) as source:`` so it is closed in the
    test's own event loop.
    """

    def make(**overrides: Any) -> GatewaySource:
        options: dict[str, Any] = {
            "ledger": ledger,
            "clock": lambda: fake_gateway.now,
            "sleep": sleeps,
            "backoff_base": 0.01,
            "backoff_max": 60.0,
            "timeout": 5.0,
        }
        options.update(overrides)
        secret = options.pop("client_secret", fake_gateway.secret)
        return GatewaySource(fake_gateway.url, secret, **options)

    return make
