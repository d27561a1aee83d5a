"""Sync status and trigger: 202 then 409 while a run is in progress, progress, errors, lifespan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from myelectricaldata.api import create_app
from myelectricaldata.domain.types import EcoWattDay, UsagePoint
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.base import GatewayDown
from myelectricaldata.sources.demo import DemoSource
from tests.api.conftest import SECRET, fixed_clock, make_settings


class GatedDemo(DemoSource):
    """Demo source whose runs wait for ``gate`` and then have nothing but grid signals to sync.

    Its EcoWatt call fails with a message that quotes the secret, as a careless upstream might.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def usage_points(self) -> list[UsagePoint]:
        await self.gate.wait()
        return []

    async def ecowatt(self) -> list[EcoWattDay]:
        raise GatewayDown(f"EcoWatt refused 'Authorization: Bearer {SECRET}' (HTTP 502)")


async def poll(client: httpx.AsyncClient, done: Any) -> dict[str, Any]:
    """GET /api/sync until ``done(body)`` (at most 20 s)."""
    deadline = time.monotonic() + 20.0
    while True:
        body: dict[str, Any] = (await client.get("/api/sync")).json()
        if done(body):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.05)


def build(tmp_path: Path, **settings: Any) -> tuple[FastAPI, GatedDemo]:
    source = GatedDemo()
    runtime = Runtime.from_settings(make_settings(tmp_path, **settings), source=source)
    return create_app(runtime, clock=fixed_clock), source


@pytest.fixture
async def running_app(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, GatedDemo]]:
    """An app whose lifespan runs (runtime started and stopped), with a gated source."""
    app, source = build(tmp_path)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, source
        source.gate.set()


async def test_status_before_any_run(running_app: tuple[httpx.AsyncClient, GatedDemo]) -> None:
    client, _ = running_app
    body = (await client.get("/api/sync")).json()
    assert body == {
        "running": False,
        "source": "demo",
        "current": None,
        "last": [],
        "streams": [],
        "quota": None,
        "quotas": [],
    }


async def test_post_starts_a_run_and_a_second_post_is_409(
    running_app: tuple[httpx.AsyncClient, GatedDemo],
) -> None:
    client, source = running_app
    started = await client.post("/api/sync")
    assert started.status_code == 202
    body = started.json()
    assert body["running"] is True
    assert body["current"]["trigger"] == "api" and body["current"]["status"] == "running"
    assert body["current"]["percent"] == 0.0

    refused = await client.post("/api/sync")
    assert refused.status_code == 409
    assert "already running" in refused.json()["detail"]

    status = (await client.get("/api/sync")).json()
    assert status["running"] is True and status["current"]["id"] == body["current"]["id"]

    source.gate.set()
    finished = await poll(client, lambda b: not b["running"])
    assert finished["current"] is None
    (run,) = finished["last"]
    assert run["id"] == body["current"]["id"]
    assert run["status"] == "partial"
    assert run["steps_total"] == run["steps_done"] == 2 and run["percent"] == 100.0
    assert run["finished_at"] is not None
    again = await client.post("/api/sync")
    assert again.status_code == 202


async def test_errors_and_stream_states_carry_the_reason_but_never_the_secret(
    running_app: tuple[httpx.AsyncClient, GatedDemo],
) -> None:
    client, source = running_app
    source.gate.set()
    assert (await client.post("/api/sync")).status_code == 202
    body = await poll(client, lambda b: not b["running"] and b["last"])
    (run,) = body["last"]
    (error,) = run["errors"]
    assert error["scope"] == "grid/ecowatt" and "HTTP 502" in error["error"]
    streams = {(s["pdl"], s["stream"]): s for s in body["streams"]}
    assert streams[("grid", "tempo")]["ok"] is True
    ecowatt = streams[("grid", "ecowatt")]
    assert ecowatt["ok"] is False and "HTTP 502" in ecowatt["last_error"]
    text = (await client.get("/api/sync")).text
    assert SECRET not in text and "Bearer ********" in text


async def test_lifespan_runs_the_initial_sync_and_stops_it(tmp_path: Path) -> None:
    app, source = build(tmp_path, med_initial_sync=True)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        body = await poll(client, lambda b: b["current"] is not None)
        assert body["running"] is True and body["current"]["trigger"] == "startup"
        assert (await client.post("/api/sync")).status_code == 409
        started = time.monotonic()
        health = await client.get("/api/health")
        assert health.status_code == 200 and health.json()["sync_running"] is True
        assert time.monotonic() - started < 1.0
    # Leaving the lifespan cancelled the blocked run instead of hanging.
    assert not source.gate.is_set()


async def test_a_sync_of_another_process_makes_post_409(tmp_path: Path) -> None:
    app, _ = build(tmp_path)
    store = app.state.runtime.store
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        # Only the store's lock is held (the other process has not recorded its run yet).
        store.acquire_sync_lock("cli-elsewhere")
        refused = await client.post("/api/sync")
        assert refused.status_code == 409, refused.text
        # The other process' run is recorded: GET shows it, POST is refused before starting.
        run_id = store.start_run("cli")
        status = (await client.get("/api/sync")).json()
        assert status["running"] is True and status["current"]["id"] == run_id
        assert (await client.post("/api/sync")).status_code == 409
        store.finish_run(run_id, "success", [])
        store.release_sync_lock("cli-elsewhere")
        assert (await client.get("/api/sync")).json()["running"] is False
    await app.state.runtime.stop()


async def test_after_a_crash_get_and_post_agree_and_the_next_sync_starts_at_once(
    tmp_path: Path,
) -> None:
    from tests.store.test_locks import hold_in_child, kill_9

    app, source = build(tmp_path)
    runtime: Runtime = app.state.runtime
    source.gate.set()
    child = hold_in_child(runtime.settings.db_url, "sync")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        alive = (await client.get("/api/sync")).json()
        assert alive["running"] is True and alive["current"]["trigger"] == "cli"
        assert (await client.post("/api/sync")).status_code == 409
        kill_9(child)
        # The holder is gone: both routes say so, without waiting for any timeout.
        dead = (await client.get("/api/sync")).json()
        assert dead["running"] is False and dead["current"] is None
        assert [r["status"] for r in dead["last"]] == ["interrupted"]
        started = await client.post("/api/sync")
        assert started.status_code == 202, started.text
        finished = await poll(client, lambda b: not b["running"])
        assert [r["status"] for r in finished["last"]] == ["partial", "interrupted"]
    await runtime.stop()


async def test_a_start_up_sync_that_finds_a_live_lock_runs_once_it_is_released(
    tmp_path: Path,
) -> None:
    from tests.store.test_locks import hold_in_child, kill_9

    app, source = build(tmp_path, med_initial_sync=True)
    runtime: Runtime = app.state.runtime
    runtime.startup_retry_s = 0.05
    source.gate.set()
    child = hold_in_child(runtime.settings.db_url, "sync")
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            held = await poll(client, lambda b: b["running"])
            assert held["current"]["trigger"] == "cli"
            kill_9(child)
            done = await poll(client, lambda b: any(r["trigger"] == "startup" for r in b["last"]))
            done = await poll(client, lambda b: not b["running"])
            assert [(r["trigger"], r["status"]) for r in done["last"]] == [
                ("startup", "partial"),
                ("cli", "interrupted"),
            ]
    finally:
        if child.poll() is None:
            kill_9(child)
