"""Fixtures of the Jeedom exporter tests: the shared fake Jeedom and a client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from myelectricaldata.exporters.jeedom.client import JeedomClient
from tests.fakes.jeedom import FakeJeedom, shared_fake_jeedom


@pytest.fixture
def fake() -> Iterator[FakeJeedom]:
    """The shared fake Jeedom, reset (Europe/Brussels, object 1 "Maison")."""
    yield shared_fake_jeedom()


@pytest_asyncio.fixture(loop_scope="function")
async def client(fake: FakeJeedom) -> AsyncIterator[JeedomClient]:
    """A client with the core API key."""
    async with JeedomClient(fake.url, fake.core_key, timeout_s=5) as jeedom:
        yield jeedom
