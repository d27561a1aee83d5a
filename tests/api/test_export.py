"""The exporter API: types, configs with masked secrets, validation, test, run, logs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from myelectricaldata.api import create_app
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.exporters.base import ExportResult
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DemoSource
from tests.api.conftest import (
    DAILY_SPAN,
    DEMO_SOLAR_PDL,
    DEMO_TEMPO_PDL,
    DETAIL_SPANS,
    SECRET,
    fill,
    fixed_clock,
    make_settings,
)
from tests.exporters.test_delivery import MemoryExporter


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    source = DemoSource(clock=fixed_clock)
    rt = Runtime.from_settings(make_settings(tmp_path), source=source)
    await fill(rt, source)
    rt.exports.registry.types["memory"] = MemoryExporter
    MemoryExporter.received.clear()
    MemoryExporter.refuse = 0
    yield rt
    rt.store.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime, clock=fixed_clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_types_list_schemas_with_secret_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/export/types")).json()
    memory = next(t for t in body["data"] if t["type"] == "memory")
    assert memory["secret_fields"] == ["token"]
    assert memory["schema"]["properties"]["token"]["secret"] is True
    assert "broken" in body


async def test_put_masks_secrets_and_keeps_them_on_mask(client: httpx.AsyncClient) -> None:
    saved = await client.put("/api/export/configs/memory", json={"enabled": True, "token": "t0k"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["config"]["token"] == "********"
    assert saved.json()["origin"] == "saved"
    again = await client.put(
        "/api/export/configs/memory", json={"enabled": True, "token": "********"}
    )
    assert again.status_code == 200
    listing = (await client.get("/api/export/configs")).text
    assert "t0k" not in listing and SECRET not in listing
    one = (await client.get("/api/export/configs/memory")).json()
    assert one["config"]["token"] == "********"


async def test_invalid_config_is_422_with_field_errors_and_nothing_saved(
    client: httpx.AsyncClient,
) -> None:
    bad = await client.put(
        "/api/export/configs/memory", json={"interval_minutes": -5, "token": "zz-secret"}
    )
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "interval_minutes"]]
    assert "zz-secret" not in bad.text
    unknown = await client.put("/api/export/configs/memory", json={"colour": "red"})
    assert unknown.status_code == 422
    assert (await client.get("/api/export/configs/memory")).json()["origin"] == "default"


async def test_unknown_type_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/export/configs/nope")).status_code == 404
    assert (await client.post("/api/export/nope/run")).status_code == 404


async def test_connection_test_answers(client: httpx.AsyncClient) -> None:
    result = await client.post("/api/export/configs/memory/test")
    assert result.status_code == 200
    assert result.json()["success"] is True


async def test_run_returns_at_once_and_logs_show_progress(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await client.put("/api/export/configs/memory", json={"enabled": True})
    started = await client.post("/api/export/memory/run")
    assert started.status_code == 202
    for _ in range(200):
        logs = (await client.get("/api/export/logs", params={"type": "memory"})).json()["data"]
        if logs and logs[0]["status"] != "running":
            break
        await asyncio.sleep(0.05)
    assert logs[0]["status"] == "success"
    assert logs[0]["records"] == logs[0]["records_total"] > 0
    bad = await client.post("/api/export/memory/run", params={"from": "2024-02-30"})
    assert bad.status_code == 422


async def test_tariff_prices_saved_validated_and_used(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/settings/tariff")).json()
    assert first["saved"] is False and first["data"]["base_eur_kwh"] > 0
    saved = await client.put("/api/settings/tariff", json={"base_eur_kwh": 0.25})
    assert saved.status_code == 200
    assert saved.json()["saved"] is True and saved.json()["data"]["base_eur_kwh"] == 0.25
    bad = await client.put("/api/settings/tariff", json={"hp_eur_kwh": -1})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "hp_eur_kwh"]
    assert (await client.get("/api/settings/tariff")).json()["data"]["base_eur_kwh"] == 0.25


async def test_run_while_another_process_exports_is_409_never_a_silent_202(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    from tests.store.test_locks import hold_in_child, kill_9

    child = hold_in_child(runtime.settings.db_url, "memory")
    try:
        busy = await client.post("/api/export/memory/run")
        assert busy.status_code == 409, busy.text
        assert f"pid {child.pid}" in busy.json()["detail"]
    finally:
        kill_9(child)
    # The holder died: its lock is taken over at once and the run really happens.
    started = await client.post("/api/export/memory/run")
    assert started.status_code == 202, started.text
    for _ in range(200):
        logs = (await client.get("/api/export/logs", params={"type": "memory"})).json()["data"]
        if logs[0]["status"] != "running":
            break
        await asyncio.sleep(0.05)
    assert [log["status"] for log in logs] == ["success", "interrupted"]
    assert logs[0]["records"] == logs[0]["records_total"] > 0
    assert MemoryExporter.received


class RepricingMemory(MemoryExporter):
    """The memory destination, keeping exported costs: it records each re-sent range."""

    name = "repricing"
    reprices = True
    resent: ClassVar[list[tuple[str, date, date]]] = []

    async def reprice(self, pdl: str, first: date, last: date) -> ExportResult:
        RepricingMemory.resent.append((pdl, first, last))
        return ExportResult(True, 1)


async def _run(client: httpx.AsyncClient, name: str) -> None:
    """Start a run and wait for ITS log to finish (not the previous run's)."""
    params = {"type": name}
    before = {e["id"] for e in (await client.get("/api/export/logs", params=params)).json()["data"]}
    assert (await client.post(f"/api/export/{name}/run")).status_code == 202
    for _ in range(400):
        logs = (await client.get("/api/export/logs", params=params)).json()["data"]
        new = [e for e in logs if e["id"] not in before and e["status"] != "running"]
        if new:
            break
        await asyncio.sleep(0.05)
    assert new and new[0]["status"] == "success", logs


async def test_saved_prices_list_the_range_to_re_send_until_the_next_run_re_sends_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.exports.registry.types["repricing"] = RepricingMemory
    RepricingMemory.resent.clear()
    await client.put("/api/export/configs/repricing", json={"enabled": True})
    await _run(client, "repricing")  # exported once: its costs are now held there
    assert (await client.get("/api/export/reprice")).json() == {"data": []}

    assert (
        await client.put("/api/settings/tariff", json={"hc_eur_kwh": "0,15"})
    ).status_code == 200
    pending = (await client.get("/api/export/reprice")).json()["data"]
    today = datetime.now(PARIS).date().isoformat()
    # The oldest stored day of each meter: its load curve reaches back before its daily values.
    oldest_day = min(DAILY_SPAN[0], DETAIL_SPANS[0][0])
    oldest = oldest_day.isoformat()
    assert sorted((p["destination"], p["pdl"], p["first"], p["last"]) for p in pending) == [
        ("repricing", pdl, oldest, today) for pdl in sorted((DEMO_SOLAR_PDL, DEMO_TEMPO_PDL))
    ]
    assert {p["title"] for p in pending} == {"repricing"} and {p["reason"] for p in pending} == {
        "prices"
    }

    await _run(client, "repricing")  # a normal run: nothing manual
    assert sorted(RepricingMemory.resent) == sorted(
        (pdl, oldest_day, date.fromisoformat(today)) for pdl in (DEMO_SOLAR_PDL, DEMO_TEMPO_PDL)
    )
    assert (await client.get("/api/export/reprice")).json() == {"data": []}


async def test_a_disabled_destination_keeps_its_range_until_it_runs_again(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    runtime.exports.registry.types["repricing"] = RepricingMemory
    RepricingMemory.resent.clear()
    await client.put("/api/export/configs/repricing", json={"enabled": True})
    await _run(client, "repricing")
    await client.put("/api/export/configs/repricing", json={"enabled": False})
    assert (await client.put("/api/settings/tariff", json={"hp_eur_kwh": "0,3"})).status_code == 200
    pending = (await client.get("/api/export/reprice")).json()["data"]
    assert {(p["destination"], p["pdl"]) for p in pending} == {
        ("repricing", DEMO_SOLAR_PDL),
        ("repricing", DEMO_TEMPO_PDL),
    }
    assert RepricingMemory.resent == []
    await client.put("/api/export/configs/repricing", json={"enabled": True})
    await _run(client, "repricing")
    assert {pdl for pdl, _, _ in RepricingMemory.resent} == {DEMO_SOLAR_PDL, DEMO_TEMPO_PDL}
    assert (await client.get("/api/export/reprice")).json() == {"data": []}
