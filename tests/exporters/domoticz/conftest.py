"""Fixtures of the Domoticz exporter tests: a strict fake over real HTTP and clients on it.

Every fake made here must end its test without a recorded violation: Domoticz would have
accepted such a request and silently mangled or dropped it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from myelectricaldata.exporters.domoticz.client import DomoticzClient
from myelectricaldata.exporters.domoticz.protocol import DomoticzAuth
from tests.fakes.domoticz import DEFAULT_PASSWORD, DEFAULT_USER, FakeDomoticz

ADMIN = DomoticzAuth("basic", DEFAULT_USER, DEFAULT_PASSWORD)


@pytest.fixture
def fake() -> Iterator[FakeDomoticz]:
    """A fake Domoticz that accepts Basic over plain HTTP (its setting turned on)."""
    with FakeDomoticz(allow_plain_basic_auth=True) as server:
        yield server
        assert server.violations == []


@pytest_asyncio.fixture(loop_scope="function")
async def client(fake: FakeDomoticz) -> AsyncIterator[DomoticzClient]:
    """An admin client of :func:`fake`."""
    async with DomoticzClient(fake.url, ADMIN, timeout_s=5) as domoticz:
        yield domoticz
