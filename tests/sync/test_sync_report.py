"""What a finished sync says about itself: a failed run is a warning with the calls it made."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from myelectricaldata.sync.service import SyncService
from tests.fakes.gateway import FakeGateway, FakePdl

PDL = "12345678901234"


async def test_a_failed_sync_is_a_warning_that_counts_every_call_made(
    fake: FakeGateway, make_sync: Callable[..., SyncService], caplog: pytest.LogCaptureFixture
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    fake.fail_next(200, "500")  # the gateway is down: /pdl fails on every attempt
    with caplog.at_level(logging.INFO, logger="myelectricaldata.sync.service"):
        report = await make_sync(max_retries=4).run()
    assert report.status == "failed"
    made = fake.call_count("/pdl")
    assert made == 5  # the first attempt and 4 retries
    assert report.calls == made
    (record,) = [r for r in caplog.records if r.getMessage().startswith("sync ")]
    assert record.levelno == logging.WARNING
    assert f"{made} calls" in record.getMessage()
    assert "usage_points" in record.getMessage()  # the first error says where it failed


async def test_a_successful_sync_stays_an_info_line(
    fake: FakeGateway, make_sync: Callable[..., SyncService], caplog: pytest.LogCaptureFixture
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=5))])
    with caplog.at_level(logging.INFO, logger="myelectricaldata.sync.service"):
        report = await make_sync().run()
    assert report.status == "success"
    (record,) = [r for r in caplog.records if r.getMessage().startswith("sync ")]
    assert record.levelno == logging.INFO
    assert f"{report.calls} calls" in record.getMessage() and report.calls > 0
