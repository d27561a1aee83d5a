"""The running service, as a real process over real HTTP: hostile requests (CSRF, DNS
rebinding), a locked and a damaged database, and a load run with a bounded count. (The
start-up refusals are proven in-process: tests/api/test_security.py, tests/store/test_health.py.)"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.store.repo import Store
from tests.api.conftest import fill, fixed_clock
from tests.reliability.served import Served, load_run
from tests.store.test_health import _LOCKER, damage_table

EVIL = "http://evil.example"


def filled(served: Served) -> Served:
    """Put the API tests' slice of demo data into the served database."""
    store = Store.open(f"sqlite:///{served.db}")
    asyncio.run(fill(SimpleNamespace(store=store), DemoSource(clock=fixed_clock)))  # type: ignore[arg-type]
    store.close()
    with sqlite3.connect(served.db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return served


@pytest.fixture(scope="module")
def service() -> Iterator[Served]:
    served = filled(Served())
    served.start()
    yield served
    served.stop()


# -- hostile requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/sync", "/api/export/webhook/run", "/api/export/home_assistant/statistics/clear"],
)
def test_a_cross_origin_text_plain_post_changes_nothing(service: Served, path: str) -> None:
    with httpx.Client(base_url=service.url) as http:
        # What a page of another site can send without a preflight: a text/plain body, and
        # its own Origin (the browser adds it).
        forged = http.post(
            path, content=b"{}", headers={"content-type": "text/plain", "origin": EVIL}
        )
        assert forged.status_code in (403, 415), forged.text
        bare = http.post(path, headers={"origin": EVIL})
        assert bare.status_code == 403
        status = http.get("/api/sync").json()
        assert status["last"] == [] and status["running"] is False
        assert http.get("/api/export/logs").json()["data"] == []


def test_a_rebound_domain_name_is_refused(service: Served) -> None:
    with httpx.Client(base_url=service.url) as http:
        rebound = {"host": f"attacker.example:{service.port}"}
        for method, path in (("GET", f"/api/consumption/daily/{DEMO_TEMPO_PDL}"),
                             ("POST", "/api/sync"), ("GET", "/")):  # fmt: skip
            answer = http.request(method, path, headers=rebound)
            assert answer.status_code == 400, (method, path)
        assert http.get("/api/health", headers={"host": f"localhost:{service.port}"}).is_success


# -- database faults ----------------------------------------------------------------------------


def test_a_locked_database_is_a_quick_clear_503_then_service_resumes(service: Served) -> None:
    locker = subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(service.db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        with httpx.Client(base_url=service.url, timeout=60) as http:
            answer = http.put("/api/settings/tariff", json={"base_eur_kwh": 0.2})
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "5"
            assert f"locked by pid {locker.pid}" in answer.json()["detail"]
            assert http.get("/api/health").json()["status"] == "ok"
    finally:
        locker.kill()
        locker.wait()
    with httpx.Client(base_url=service.url, timeout=60) as http:
        assert http.put("/api/settings/tariff", json={"base_eur_kwh": 0.2}).status_code == 200


def test_a_damaged_page_turns_health_degraded_at_start() -> None:
    served = filled(Served())
    damage_table(served.db)
    try:
        served.start()
        with httpx.Client(base_url=served.url, timeout=30) as http:
            for _ in range(100):
                health = http.get("/api/health")
                if health.status_code != 200:
                    break
                asyncio.run(asyncio.sleep(0.05))
            assert health.status_code == 503
            body: dict[str, Any] = health.json()
            assert body["status"] == "degraded"
            assert "myelectricaldata db check" in body["problems"][0]
            daily = http.get(
                f"/api/consumption/daily/{DEMO_TEMPO_PDL}",
                params={"start": "2024-11-01", "end": "2024-11-14"},
            )
            assert daily.status_code == 503 and "is damaged" in daily.json()["detail"]
    finally:
        served.stop()


# -- load ------------------------------------------------------------------------------------------

LOAD_PATHS = [
    "/api/health",
    f"/api/consumption/daily/{DEMO_TEMPO_PDL}?start=2024-09-01&end=2024-11-14",
    f"/api/consumption/detail/{DEMO_TEMPO_PDL}?start=2024-11-08&end=2024-11-14",
    f"/api/production/detail/{DEMO_SOLAR_PDL}?start=2024-10-24&end=2024-10-30&format=csv",
    "/api/tempo?start=2024-09-01&end=2024-11-16",
    "/api/sync",
    "/api/pdl",
]
ROUNDS = 30


def test_a_load_run_has_no_error(service: Served) -> None:
    result = load_run(service.url, LOAD_PATHS, rounds=ROUNDS, concurrency=8)
    assert result.requests == ROUNDS * len(LOAD_PATHS)
    assert result.failures == []
    assert set(result.statuses) == {200}
    print(f"\nload: {result.requests} requests, 8 at a time, statuses {dict(result.statuses)}")
    for path in LOAD_PATHS:
        p50, p99 = result.percentile(path, 0.5), result.percentile(path, 0.99)
        print(f"  {path[:60]:60} p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms")
