"""Usage point routes: contracts, off-peak history, demo labelling."""

from __future__ import annotations

import httpx

from tests.api.conftest import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL


async def test_list_of_usage_points_with_their_contracts(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/pdl")).json()
    assert body["source"] == "demo"
    points = {p["pdl"]: p for p in body["data"]}
    assert set(points) == {DEMO_TEMPO_PDL, DEMO_SOLAR_PDL}
    tempo = points[DEMO_TEMPO_PDL]
    assert tempo["subscribed_power_kva"] == 12.0
    assert tempo["pricing_option"] == "TEMPO"
    assert (tempo["has_consumption"], tempo["has_production"]) == (True, False)
    assert points[DEMO_SOLAR_PDL]["has_production"] is True
    assert tempo["origin"] == "demo" and tempo["is_demo"] is True
    assert tempo["activation_date"] is not None


async def test_offpeak_hours_come_with_their_versions(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/api/pdl/{DEMO_SOLAR_PDL}")).json()
    offpeak = body["data"]["offpeak"]
    assert offpeak["current"] == {
        "valid_from": "1970-01-01",
        "ranges": ["22:30-06:30"],
        "raw": "HC (22H30-6H30)",
    }
    assert offpeak["history"] == [offpeak["current"]]


async def test_a_new_offpeak_schedule_adds_a_version(
    client: httpx.AsyncClient, demo_runtime: object
) -> None:
    from datetime import date

    from myelectricaldata.domain.offpeak import parse_offpeak
    from myelectricaldata.runtime import Runtime

    assert isinstance(demo_runtime, Runtime)
    store = demo_runtime.store
    before = (await client.get(f"/api/pdl/{DEMO_TEMPO_PDL}")).json()["data"]["offpeak"]
    store.set_offpeak_version(DEMO_TEMPO_PDL, date(2025, 11, 1), parse_offpeak("HC (23H00-7H00)"))
    try:
        after = (await client.get(f"/api/pdl/{DEMO_TEMPO_PDL}")).json()["data"]["offpeak"]
        assert after["history"][0] == before["current"]
        assert after["current"] == {
            "valid_from": "2025-11-01",
            "ranges": ["23:00-07:00"],
            "raw": "HC (23H00-7H00)",
        }
    finally:
        from sqlalchemy import delete

        from myelectricaldata.store import schema

        with store.engine.begin() as conn:
            table = schema.offpeak_schedules
            conn.execute(delete(table).where(table.c.valid_from == date(2025, 11, 1)))


async def test_one_usage_point_is_the_same_as_in_the_list(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/pdl")).json()["data"]
    one = (await client.get(f"/api/pdl/{DEMO_TEMPO_PDL}")).json()
    assert one["source"] == "demo"
    assert one["data"] == next(p for p in listed if p["pdl"] == DEMO_TEMPO_PDL)


async def test_a_pdl_the_gateway_refuses_is_listed_inactive_with_why(
    client: httpx.AsyncClient, demo_runtime: object
) -> None:
    from myelectricaldata.runtime import Runtime

    assert isinstance(demo_runtime, Runtime)
    store = demo_runtime.store
    listed = {p["pdl"]: p for p in (await client.get("/api/pdl")).json()["data"]}
    assert listed[DEMO_TEMPO_PDL]["is_active"] is True
    assert listed[DEMO_TEMPO_PDL]["inactive_reason"] is None
    store.set_denied(DEMO_TEMPO_PDL, "PDL 1: renew the Enedis consent on the site")
    try:
        one = (await client.get(f"/api/pdl/{DEMO_TEMPO_PDL}")).json()["data"]
        assert one["is_active"] is False
        assert one["inactive_reason"] == "PDL 1: renew the Enedis consent on the site"
    finally:
        store.set_denied(DEMO_TEMPO_PDL, None)
