"""Total input handling and database faults as answers: 413 over the size limit, a 4xx for any
byte sequence, no body in the log, 503 with what to do for a busy or damaged database, and a
``degraded`` health."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from myelectricaldata.api import create_app
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_TEMPO_PDL, DemoSource
from tests.api.conftest import fill, fixed_clock, make_settings
from tests.store.test_health import _LOCKER, damage_table

LIMIT = 4096
WRITE_ROUTES = [
    ("PUT", "/api/settings/tariff"),
    ("PUT", "/api/export/configs/webhook"),
    ("POST", "/api/export/configs/webhook/test"),
]
#: Byte sequences that are not UTF-8, or not JSON, or both.
BAD_BODIES = [
    b'\xff\xfe{"base_eur_kwh": 1}',
    b'{"base_eur_kwh": "\xff"}',
    b'"\xc3\x28"',
    b"\x00" * 64,
    b"\x80abc",
    b'{"url": "http://127.0.0.1/\xed\xa0\x80"}',
]


async def build(tmp_path: Path, **settings: Any) -> tuple[FastAPI, Runtime]:
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(
        make_settings(tmp_path, med_max_body_bytes=LIMIT, **settings), source=source
    )
    await fill(runtime, source)
    return create_app(runtime, clock=fixed_clock), runtime


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    built, runtime = asyncio.run(build(tmp_path_factory.mktemp("guards")))
    yield built
    runtime.store.close()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


# -- size ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
async def test_a_body_over_the_limit_is_413_before_it_is_parsed(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    big = b'{"x": "' + b"a" * LIMIT + b'"}'
    answer = await client.request(
        method, path, content=big, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert f"at most {LIMIT} bytes" in answer.json()["detail"]
    assert "MED_MAX_BODY_BYTES" in answer.json()["detail"]


async def test_a_streamed_body_is_cut_off_at_the_limit(client: httpx.AsyncClient) -> None:
    sent = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(64):  # 64 KiB in 1 KiB chunks, no Content-Length
            sent.append(1)
            yield b" " * 1024

    answer = await client.put(
        "/api/settings/tariff", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.headers.get("transfer-encoding") is None


async def test_a_body_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    answer = await client.put("/api/settings/tariff", json={"base_eur_kwh": 0.2})
    assert answer.status_code == 200, answer.text


# -- any byte sequence ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
@pytest.mark.parametrize("body", BAD_BODIES)
@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded", None]
)
async def test_any_byte_sequence_is_a_4xx_never_a_500(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    body: bytes,
    content_type: str | None,
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with caplog.at_level(logging.DEBUG):
        answer = await client.request(method, path, content=body, headers=headers)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_422_quotes_an_excerpt_never_the_whole_body(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    marker = "Z" * 3000
    with caplog.at_level(logging.DEBUG):
        answer = await client.put("/api/settings/tariff", json=marker)
    assert answer.status_code == 422
    assert marker not in answer.text and len(answer.text) < 1000
    assert marker not in caplog.text


async def test_an_unexpected_error_is_a_plain_500_and_a_bounded_log_line(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    body = "B" * 100_000

    def explode(*_: Any) -> None:
        raise RuntimeError(f"unexpected, while holding {body}")

    runtime: Runtime = app.state.runtime
    monkeypatch.setattr(runtime.store, "put_setting", explode)
    with caplog.at_level(logging.ERROR):
        answer = await client.put("/api/settings/tariff", json={"base_eur_kwh": 0.3})
    assert answer.status_code == 500
    assert answer.json() == {
        "detail": "internal error: the service log says what failed (no request data in it)"
    }
    assert "RuntimeError: unexpected, while holding BBB" in caplog.text
    assert body not in caplog.text
    assert max(len(line) for line in caplog.text.splitlines()) < 400


# -- database faults -----------------------------------------------------------------------------


async def test_a_locked_database_during_a_put_is_a_clear_503(tmp_path: Path) -> None:
    built, runtime = await build(tmp_path)
    path = Path(runtime.settings.db_url.removeprefix("sqlite:///"))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _LOCKER, str(path), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        assert (await child.stdout.readline()).strip() == b"locked"
        transport = httpx.ASGITransport(app=built, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            answer = await http.put("/api/settings/tariff", json={"base_eur_kwh": 0.25})
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "5"
            detail = answer.json()["detail"]
            assert f"is locked by pid {child.pid}" in detail and "try again" in detail
            # Busy is not broken: reads go on (WAL) and health stays ok.
            assert (await http.get("/api/health")).json()["status"] == "ok"
            assert (await http.get("/api/tempo")).status_code == 200
    finally:
        child.kill()
        await child.wait()
        runtime.store.close()


async def test_a_damaged_page_is_a_503_and_health_says_degraded(tmp_path: Path) -> None:
    built, runtime = await build(tmp_path)
    runtime.store.close()
    path = Path(runtime.settings.db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_table(path)
    transport = httpx.ASGITransport(app=built, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.get("/api/health")).json()["status"] == "ok"  # not seen yet
        answer = await http.get(f"/api/consumption/daily/{DEMO_TEMPO_PDL}")
        assert answer.status_code == 503
        assert "is damaged" in answer.json()["detail"]
        assert "myelectricaldata db check" in answer.json()["detail"]
        health = await http.get("/api/health")
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "degraded"
        (problem,) = body["problems"]
        assert "is damaged" in problem and "restore" in problem


async def test_a_damaged_page_shows_on_health_right_after_start(tmp_path: Path) -> None:
    _, runtime = await build(tmp_path)
    runtime.store.close()
    path = Path(runtime.settings.db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_table(path, "load_curve")
    fresh = Runtime.from_settings(runtime.settings, source=DemoSource(clock=fixed_clock))
    app = create_app(fresh, clock=fixed_clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http,
    ):
        for _ in range(200):
            body = (await http.get("/api/health")).json()
            if body["status"] != "ok":
                break
            await asyncio.sleep(0.02)
        assert body["status"] == "degraded"
        assert "run `myelectricaldata db check`" in body["problems"][0]
