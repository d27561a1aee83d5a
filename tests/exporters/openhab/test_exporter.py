"""The openHAB exporter through the real export service, against the fake openHAB: what the fake
holds afterwards compared with the store (every value, exact history, states with units), a
second run that changes nothing, openHAB going down mid-export, and every refusal named.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from myelectricaldata.domain.types import Stream, TempoColor, TempoDay
from myelectricaldata.exporters.base import ConsumptionData, TempoData
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.openhab import OpenHABConfig, OpenHABExporter
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.exporters.testing import CONTRACT_PDL, daily_points
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW, make_export_service
from tests.exporters.openhab.helpers import (
    SERVICE,
    check_states,
    expected_history,
    fake_state,
    held_history,
    small_store,
)
from tests.fakes.openhab import FakeOpenHAB, shared_fake_openhab

NAME = "openhab"
USER_TOKEN = "oh.viewer.Us3rT0kenOfAPlainUserNotAnAdmin0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenHAB]:
    """The shared fake, reset (no item, empty persistence) and running."""
    yield shared_fake_openhab()


def settings(fake: FakeOpenHAB, **overrides: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "url": fake.url,
        "token": fake.token,
        "persistence_service": SERVICE,
        "concurrency": 8,
        **overrides,
    }


async def run(service: ExportService, values: dict[str, Any]) -> Any:
    service.configs.save(NAME, values)
    return await service.run(NAME, trigger="test")


def writes(fake: FakeOpenHAB, *, states: bool = False) -> list[tuple[str, str]]:
    """Requests that changed something (state updates left out unless asked)."""
    return [
        (r.method, r.path)
        for r in fake.requests
        if r.method != "GET" and (states or not r.path.endswith("/state"))
    ]


# --------------------------------------------------------------------------- the store, exactly


async def test_a_full_export_holds_the_store_exactly_and_a_second_run_changes_nothing(
    demo_store: Store, fake: FakeOpenHAB, tmp_path: Path
) -> None:
    # A year and a month of the demo's two meters (one with production): both DST changes.
    store = small_store(tmp_path / "year.db", demo_store, days=400)
    service = make_export_service(store)
    log = await run(service, settings(fake))
    assert log.status == "success", log.error
    assert log.records == log.records_total > 0

    expected = expected_history(store)
    held = held_history(fake)
    assert held.keys() == expected.keys(), (
        f"missing {sorted(expected.keys() - held.keys())[:3]}, "
        f"extra {sorted(held.keys() - expected.keys())[:3]}"
    )
    assert held == expected
    check_states(fake, await compute_snapshot(store, now=DEMO_NOW))
    assert fake.warnings == []  # openHAB dropped nothing after a 202
    # The items were read once, each created once (units and the EUR pattern after).
    gets = [r for r in fake.requests if r.method == "GET" and r.path == "/rest/items"]
    assert len(gets) == 1
    created = [r for r in fake.requests if r.method == "PUT" and r.path == "/rest/items"]
    names = [item for r in created for item in r.body.split('"name":"')[1:]]
    assert len(names) == len(set(names)), "an item was sent twice in one run"

    before = fake_state(fake)
    fake.requests.clear()
    again = await run(service, settings(fake))
    assert again.status == "success", again.error
    assert again.records == 0
    assert writes(fake) == [], "nothing changed: no item, metadata or history write"
    assert fake_state(fake) == before
    store.close()


async def test_openhab_going_down_mid_export_loses_nothing(
    demo_store: Store, fake: FakeOpenHAB, tmp_path: Path
) -> None:
    store = small_store(tmp_path / "small.db", demo_store, days=60)
    try:
        service = make_export_service(store)
        fake.crash_after(150)  # down after 150 accepted writes, then up again: a reboot
        cut = await run(service, settings(fake))
        assert cut.status == "failed" and cut.error
        assert "openHAB" in cut.error
        assert 0 < cut.records < cut.records_total  # the consumption went through, not more
        fake.start()
        back = await run(service, settings(fake))
        assert back.status == "success", back.error
        assert back.records == back.records_total == cut.records_total - cut.records
        assert held_history(fake) == expected_history(store)
        # The reboot reset the String items' states: this run's states are all there again.
        check_states(fake, await compute_snapshot(store, now=DEMO_NOW))
    finally:
        store.close()


async def test_history_off_writes_states_only_and_keeps_the_checkpoints(
    fake: FakeOpenHAB, demo_store: Store, tmp_path: Path
) -> None:
    store = small_store(tmp_path / "small.db", demo_store, days=10)
    try:
        service = make_export_service(store)
        log = await run(service, settings(fake, history=False))
        assert log.status == "success", log.error
        assert log.records == 0
        assert all(fake.history(name, SERVICE) == [] for name in fake.items)
        assert not any("/persistence" in path for _, path in writes(fake))
        check_states(fake, await compute_snapshot(store, now=DEMO_NOW))
        # Nothing was counted as delivered: turning history on sends the whole history.
        assert set(ExportRepo(store).checkpoints(NAME).values()) == {0}
        log = await run(service, settings(fake))
        assert log.status == "success", log.error
        assert held_history(fake) == expected_history(store)
    finally:
        store.close()


# --------------------------------------------------------------------------- items that would drop


async def test_a_state_openhab_would_drop_is_never_sent_nor_counted(
    fake: FakeOpenHAB, demo_store: Store, tmp_path: Path
) -> None:
    store = small_store(tmp_path / "small.db", demo_store, days=10)
    pdl = store.usage_points()[0].point.pdl
    # Items made by hand, provisioning off: one of the wrong dimension, one right, the rest
    # missing (the user did not want them).
    fake.add_file_item(f"MED_{pdl}_consumption_yesterday", "Number:Power")
    fake.add_file_item(f"MED_{pdl}_consumption_week", "Number:Energy")
    fake.add_file_item("MED_tempo_today", "String")
    try:
        service = make_export_service(store)
        log = await run(service, settings(fake, provision_items=False, history=False))
        assert log.status == "failed"
        assert log.error is not None
        assert f"MED_{pdl}_consumption_yesterday is Number:Power" in log.error
        assert "Number:Energy" in log.error and "drop" in log.error
        # Nothing went to that item, so openHAB had nothing to drop; the others were updated.
        assert fake.warnings == []
        assert fake.state(f"MED_{pdl}_consumption_yesterday") == "NULL"
        assert fake.state(f"MED_{pdl}_consumption_week").endswith(" kWh")
        assert fake.state("MED_tempo_today") in ("BLUE", "WHITE", "RED", "UNDEF")
        state_puts = [r for r in fake.requests if r.path.endswith("/state")]
        assert {r.path for r in state_puts} == {
            f"/rest/items/MED_{pdl}_consumption_week/state",
            "/rest/items/MED_tempo_today/state",
        }
    finally:
        store.close()


async def test_history_into_an_item_of_another_dimension_is_refused_before_sending(
    fake: FakeOpenHAB,
) -> None:
    fake.add_file_item(f"MED_{CONTRACT_PDL}", "Group")
    fake.add_file_item(f"MED_{CONTRACT_PDL}_history_consumption_daily", "Number:Power")
    exporter = OpenHABExporter(OpenHABConfig(**settings(fake, provision_items=False)))
    try:
        result = await exporter.export_consumption(
            ConsumptionData(CONTRACT_PDL, Stream.CONSUMPTION_DAILY, daily_points(3))
        )
    finally:
        await exporter.aclose()
    assert not result.success and not result.retryable
    assert result.error is not None and "is Number:Power" in result.error
    assert not any("/persistence/items" in path for _, path in writes(fake))


async def test_a_missing_history_item_is_named_when_provisioning_is_off(
    fake: FakeOpenHAB,
) -> None:
    exporter = OpenHABExporter(OpenHABConfig(**settings(fake, provision_items=False)))
    try:
        result = await exporter.export_tempo(TempoData([]))
        assert result.success and result.records_exported == 0  # nothing to write
        red = TempoDay(date(2025, 1, 6), TempoColor.RED)
        result = await exporter.export_tempo(TempoData([red]))
    finally:
        await exporter.aclose()
    assert not result.success and not result.retryable
    assert result.error is not None
    assert "no item MED_history_tempo_color" in result.error
    assert "provision_items" in result.error
