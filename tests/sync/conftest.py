"""Sync fixtures: the fake gateway over real HTTP, a client of it, and a sync service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from myelectricaldata.sources.gateway import GatewaySource
from myelectricaldata.store.repo import Store
from myelectricaldata.sync.service import SyncService
from tests.fakes.gateway import FakeGateway, shared_fake_gateway


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    """The session's fake gateway, reset after the test."""
    gateway = shared_fake_gateway()
    gateway.reset()
    yield gateway
    gateway.reset()


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def make_sync(fake: FakeGateway, store: Store) -> Callable[..., SyncService]:
    """A sync service on the test store fed by a client of the fake (ledger in the store)."""

    def make(*, quota_reserve: int = 0, **client: Any) -> SyncService:
        options: dict[str, Any] = {
            "ledger": store,
            "clock": lambda: fake.now,
            "sleep": _no_sleep,
            "backoff_base": 0.001,
            "max_retries": 2,
            "timeout": 5.0,
        }
        options.update(client)
        secret = options.pop("client_secret", fake.secret)
        source = GatewaySource(fake.url, secret, **options)
        return SyncService(store, source, quota_reserve=quota_reserve, clock=lambda: fake.now)

    return make
