"""Health and the OpenAPI description."""

from __future__ import annotations

from datetime import datetime

import httpx

from myelectricaldata import __version__


async def test_health_names_version_database_source_and_time(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == __version__
    assert body["database"] == "sqlite"
    assert body["source"] == "demo" and body["is_demo"] is True
    assert body["time"] == "2024-11-15T18:00:00+01:00"
    assert datetime.fromisoformat(body["time"]).utcoffset() is not None


async def test_openapi_lists_every_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "MyElectricalData"
    assert spec["info"]["version"] == __version__
    paths = spec["paths"]
    for path in (
        "/api/consumption/daily/{pdl}",
        "/api/production/daily/{pdl}",
        "/api/consumption/detail/{pdl}",
        "/api/production/detail/{pdl}",
        "/api/max_power/{pdl}",
        "/api/pdl",
        "/api/pdl/{pdl}",
        "/api/tempo",
        "/api/ecowatt",
        "/api/sync",
        "/api/health",
    ):
        assert path in paths, path
    assert set(paths["/api/sync"]) == {"get", "post"}
    daily = paths["/api/consumption/daily/{pdl}"]["get"]
    params = {p["name"]: p for p in daily["parameters"]}
    assert set(params) == {"pdl", "start", "end", "format", "delimiter"}
    assert "inclusive" in params["start"]["description"]
    content = daily["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(content)


async def test_interactive_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()
