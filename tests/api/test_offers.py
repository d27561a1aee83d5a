"""The offers and simulation routes on a demo runtime of their own (they write choices)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from myelectricaldata.api import create_app
from myelectricaldata.domain.types import Origin, UsagePoint
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.sources.gateway import GatewaySource
from tests.api.conftest import (
    DAILY_SPAN,
    DEMO_SOLAR_PDL,
    DEMO_TEMPO_PDL,
    DETAIL_SPANS,
    TODAY,
    UNKNOWN_PDL,
    field_of,
    fill,
    fixed_clock,
    make_settings,
)
from tests.fakes.offers import fake_offers


@pytest.fixture(scope="module")
def offers_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(
        make_settings(tmp_path_factory.mktemp("offers-api")), source=source
    )
    asyncio.run(fill(runtime, source))
    yield create_app(runtime, clock=fixed_clock)
    runtime.store.close()


@pytest.fixture
async def http(offers_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=offers_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def locs(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 422, response.text
    return [[str(part) for part in item["loc"]] for item in response.json()["detail"]]


TEMPO_PRICES = {
    "tempo_blue_hc": "0,1296",
    "tempo_blue_hp": "0,1609",
    "tempo_white_hc": "0,1486",
    "tempo_white_hp": "0,1894",
    "tempo_red_hc": "0,1568",
    "tempo_red_hp": "0,80",
}


# --------------------------------------------------------------------------- catalogue


async def test_catalogue_lists_the_offers_in_force_for_a_kva(http: httpx.AsyncClient) -> None:
    answer = (await http.get("/api/offers", params={"kva": 12})).json()
    assert answer["source"] == "demo" and answer["on"] == TODAY.isoformat()
    assert answer["catalogue"]["fetched_at"] is not None
    rows = answer["data"]
    assert sorted(r["offer_type"] for r in rows) == ["BASE", "HC_HP", "TEMPO"]
    assert {(r["power_kva"], r["valid_from"], r["valid_to"]) for r in rows} == {
        (12, "2024-02-01", "2025-02-01")
    }
    tempo = next(r for r in rows if r["offer_type"] == "TEMPO")
    assert tempo["subscription_eur_month"] == 19.44
    assert tempo["prices_eur_kwh"]["tempo_red_hp"] == 0.7562
    assert tempo["provider"] == "EDF"


async def test_catalogue_filters_by_type_date_and_shows_history(http: httpx.AsyncClient) -> None:
    later = await http.get("/api/offers", params={"kva": 6, "type": "HC_HP", "on": "2026-09-01"})
    (row,) = later.json()["data"]
    assert (row["valid_from"], row["prices_eur_kwh"]) == (
        "2026-08-01",
        {"hc_price": 0.1589, "hp_price": 0.2142},
    )
    history = (await http.get("/api/offers", params={"kva": 9, "history": "true"})).json()["data"]
    assert len(history) == 6 + 6 + 5  # Base and HC/HP: 6 grids since 2023-08, Tempo 5
    assert all(r["power_kva"] == 9 for r in history)


async def test_catalogue_refuses_bad_filters_naming_them(http: httpx.AsyncClient) -> None:
    assert locs(await http.get("/api/offers", params={"kva": "six"})) == [["query", "kva"]]
    assert locs(await http.get("/api/offers", params={"kva": 80})) == [["query", "kva"]]
    assert locs(await http.get("/api/offers", params={"type": "GREEN"})) == [["query", "type"]]
    assert field_of(await http.get("/api/offers", params={"on": "15/11/2024"})) == ["on"]


# --------------------------------------------------------------------------- a PDL's offer


async def test_choosing_a_pdl_offer(http: httpx.AsyncClient) -> None:
    url = f"/api/offers/pdl/{DEMO_TEMPO_PDL}"
    assert (await http.get(url)).json()["offer"] is None
    unknown = await http.put(url, json={"offer_id": "no-such-offer"})
    assert locs(unknown) == [["body", "offer_id"]]
    assert "GET /api/offers" in unknown.json()["detail"][0]["msg"]
    assert locs(await http.put(url, json={"offer": "x"})) == [["body", "offer_id"]]
    chosen = (await http.put(url, json={"offer_id": "demo-edf-tempo-12kva-2023-08-01"})).json()
    # The chosen row's family: the row in force today, and every dated row at the meter's kVA.
    assert chosen["user_offer_id"] == "demo-edf-tempo-12kva-2023-08-01"
    assert chosen["offer"]["id"] == "demo-edf-tempo-12kva-2024-02-01"
    assert [v["valid_from"] for v in chosen["versions"]] == [
        "2023-08-01", "2024-02-01", "2025-02-01", "2025-08-01", "2026-02-01",
    ]  # fmt: skip
    assert {v["power_kva"] for v in chosen["versions"]} == {12}
    cleared = (await http.put(url, json={"offer_id": None})).json()
    assert cleared["offer"] is None and cleared["user_offer_id"] is None
    assert (await http.get(f"/api/offers/pdl/{UNKNOWN_PDL}")).status_code == 404
    assert field_of(await http.get("/api/offers/pdl/123")) == ["pdl"]


# --------------------------------------------------------------------------- personal prices


async def test_personal_prices_accept_french_decimal_commas(http: httpx.AsyncClient) -> None:
    url = f"/api/offers/personal/{DEMO_SOLAR_PDL}"
    body = {
        "offer_type": "TEMPO",
        "valid_from": "2024-02-01",
        "subscription_eur_month": "12,96",
        "prices": TEMPO_PRICES,
    }
    saved = await http.put(url, json=body)
    assert saved.status_code == 200, saved.text
    (version,) = saved.json()["data"]
    assert version["prices_eur_kwh"]["tempo_red_hp"] == 0.80
    assert version["subscription_eur_month"] == 12.96
    assert version["offer_id"] == "personal:TEMPO"
    chosen = await http.put(
        f"/api/offers/pdl/{DEMO_SOLAR_PDL}", json={"offer_id": "personal:TEMPO"}
    )
    assert chosen.json()["offer"]["prices_eur_kwh"]["tempo_red_hp"] == 0.8
    removed = await http.delete(f"{url}/TEMPO/2024-02-01")
    assert removed.json()["data"] == []
    assert (await http.delete(f"{url}/TEMPO/2024-02-01")).status_code == 404
    await http.put(f"/api/offers/pdl/{DEMO_SOLAR_PDL}", json={"offer_id": None})


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"prices": TEMPO_PRICES | {"tempo_red_hp": "80"}}, ["body", "prices", "tempo_red_hp"]),
        (
            {"prices": TEMPO_PRICES | {"tempo_blue_hc": "0,12,3"}},
            ["body", "prices", "tempo_blue_hc"],
        ),
        (
            {"prices": {k: v for k, v in TEMPO_PRICES.items() if k != "tempo_white_hp"}},
            ["body", "prices", "tempo_white_hp"],
        ),
        ({"subscription_eur_month": "155,52"}, ["body", "subscription_eur_month"]),
        ({"valid_from": "2024-13-01"}, ["body", "valid_from"]),
        ({"offer_type": "ZEN_FLEX"}, ["body", "offer_type"]),
        ({"hc_schedules": {"lundi": "22:00-06:00"}}, ["body", "hc_schedules", "lundi"]),
    ],
)
async def test_bad_personal_prices_answer_422_naming_the_field_and_store_nothing(
    http: httpx.AsyncClient, change: dict[str, object], where: list[str]
) -> None:
    url = f"/api/offers/personal/{DEMO_TEMPO_PDL}"
    body = {
        "offer_type": "TEMPO",
        "valid_from": "2024-02-01",
        "subscription_eur_month": "19,44",
        "prices": TEMPO_PRICES,
    } | change
    assert locs(await http.put(url, json=body)) == [where]
    assert (await http.get(url)).json()["data"] == []


# --------------------------------------------------------------------------- simulation


def _expected_days(first: date, last: date) -> tuple[int, int, int]:
    """(load-curve days, daily-value days, days without data) from the fixture's spans."""
    curve = {lo + timedelta(days=i) for lo, hi in DETAIL_SPANS for i in range((hi - lo).days + 1)}
    curve = {d for d in curve if first <= d <= last}
    daily = {
        DAILY_SPAN[0] + timedelta(days=i) for i in range((DAILY_SPAN[1] - DAILY_SPAN[0]).days + 1)
    }
    from_daily = {d for d in daily if first <= d <= last} - curve
    total = (last - first).days + 1
    return len(curve), len(from_daily), total - len(curve) - len(from_daily)


async def test_simulation_ranks_the_offers_of_the_meter_kva(http: httpx.AsyncClient) -> None:
    await http.put(
        f"/api/offers/pdl/{DEMO_TEMPO_PDL}", json={"offer_id": "demo-edf-tempo-12kva-2024-02-01"}
    )
    # Every Tempo colour of the period is stored (the night of 2 September belongs to the
    # Tempo day of the 1st, the first one the fixture stores).
    params = {"start": "2024-09-02", "end": "2024-11-14"}
    answer = (await http.get(f"/api/simulation/{DEMO_TEMPO_PDL}", params=params)).json()
    first, last = date(2024, 9, 2), date(2024, 11, 14)
    curve, from_daily, without = _expected_days(first, last)
    assert (answer["days"], answer["days_with_load_curve"], answer["days_from_daily_values"],
            answer["days_without_data"]) == (74, curve, from_daily, without)  # fmt: skip
    assert answer["subscribed_power_kva"] == 12.0 and answer["prices_on"] == "2024-11-15"
    ranking = answer["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    totals = [r["total_eur"] for r in ranking]
    assert totals == sorted(totals)
    current = answer["current"]
    assert current["offer"]["offer_type"] == "TEMPO" and current["is_current"] is True
    for item in ranking:
        assert item["offer"]["power_kva"] == 12
        assert item["saving_eur"] == pytest.approx(
            current["total_eur"] - item["total_eur"], abs=0.011
        )
        assert item["kwh"] == pytest.approx(sum(s["kwh"] for s in item["slots"]), abs=0.01)
    tempo = next(r for r in ranking if r["offer"]["offer_type"] == "TEMPO")
    # 19.44 EUR a month: 29 days of September, October whole, 14 days of November.
    assert tempo["subscription_eur"] == pytest.approx(19.44 * (29 / 30 + 1 + 14 / 30), abs=0.005)
    assert {s["tag"] for s in tempo["slots"]} <= {
        "bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp",
    }  # fmt: skip
    codes = [n["code"] for n in answer["notes"]]
    assert codes == ["curve_days", "estimated_days"]
    await http.put(f"/api/offers/pdl/{DEMO_TEMPO_PDL}", json={"offer_id": None})


async def test_default_period_is_twelve_months_and_says_what_it_lacks(
    http: httpx.AsyncClient,
) -> None:
    answer = (await http.get(f"/api/simulation/{DEMO_TEMPO_PDL}")).json()
    first, last = date(2023, 11, 15), date(2024, 11, 14)
    assert (answer["start"], answer["end"], answer["days"]) == (str(first), str(last), 366)
    curve, from_daily, without = _expected_days(first, last)
    assert (answer["days_with_load_curve"], answer["days_from_daily_values"],
            answer["days_without_data"]) == (curve, from_daily, without)  # fmt: skip
    # The fixture stores Tempo colours from September 2024 only: the March curve days have none,
    # so Tempo is a cost range, not ranked, and the answer says why.
    tempo = next(r for r in answer["ranking"] if r["offer"]["offer_type"] == "TEMPO")
    assert tempo["rank"] is None and tempo["total_eur"] is None
    assert tempo["problems"] == ["needs_tempo_colors"] and tempo["unknown_kwh"] > 0
    assert tempo["low_eur"] < tempo["high_eur"]
    codes = [n["code"] for n in answer["notes"]]
    assert codes == [
        "curve_days", "estimated_days", "missing_days", "no_current_offer", "needs_tempo_colors",
    ]  # fmt: skip


async def test_simulation_of_a_chosen_period_at_dated_prices(http: httpx.AsyncClient) -> None:
    params = {"start": "2024-10-24", "end": "2024-10-30", "pricing": "dated", "type": "HC_HP"}
    answer = (await http.get(f"/api/simulation/{DEMO_SOLAR_PDL}", params=params)).json()
    assert answer["days_with_load_curve"] == 7 and answer["days_from_daily_values"] == 0
    assert answer["pricing"] == "dated" and answer["prices_on"] is None
    (item,) = answer["ranking"]
    assert item["offer"]["power_kva"] == 6 and item["exact"] is True
    assert item["saving_eur"] is None  # no offer chosen for this meter
    assert [n["code"] for n in answer["notes"]] == ["curve_days", "no_current_offer"]


async def test_simulation_refuses_bad_ranges(http: httpx.AsyncClient) -> None:
    url = f"/api/simulation/{DEMO_SOLAR_PDL}"
    assert field_of(await http.get(url, params={"start": "2024-11-10", "end": "2024-11-01"})) == [
        "end"
    ]
    assert field_of(await http.get(url, params={"start": "2020-01-01", "end": "2024-11-01"})) == [
        "end"
    ]
    assert field_of(await http.get(url, params={"pricing": "cheap"})) == ["pricing"]
    assert (await http.get(f"/api/simulation/{UNKNOWN_PDL}")).status_code == 404


# --------------------------------------------------------------------------- legacy settings


async def test_legacy_tariff_settings_refuse_eighty_for_a_kwh_price(
    http: httpx.AsyncClient,
) -> None:
    before = (await http.get("/api/settings/tariff")).json()["data"]
    bad = await http.put("/api/settings/tariff", json={"tempo_red_hp_eur_kwh": 80})
    assert locs(bad) == [["body", "tempo_red_hp_eur_kwh"]]
    assert (await http.get("/api/settings/tariff")).json()["data"] == before
    saved = await http.put("/api/settings/tariff", json={"tempo_red_hp_eur_kwh": "0,80"})
    assert saved.status_code == 200
    assert saved.json()["data"]["tempo_red_hp_eur_kwh"] == 0.8


# --------------------------------------------------------------------------- gateway mode


async def test_gateway_mode_reads_the_catalogue_from_the_gateway(tmp_path: Path) -> None:
    with fake_offers() as fake:
        settings = make_settings(tmp_path, med_demo=False, med_api_url=fake.url)
        source = GatewaySource(fake.url, "secret-not-sent-to-public-routes")
        runtime = Runtime.from_settings(settings, source=source)
        runtime.store.upsert_usage_point(
            UsagePoint(DEMO_SOLAR_PDL, subscribed_power_kva=6.0), Origin.GATEWAY
        )
        app = create_app(runtime, clock=fixed_clock)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                fake.fail_next(2, "503")  # both quick attempts fail: nothing stored yet
                down = (await http.get("/api/offers", params={"kva": 6})).json()
                assert down["source"] == "gateway" and down["data"] == []
                assert "HTTP 503" in down["catalogue"]["error"]
                forced = (await http.post("/api/offers/refresh")).json()["catalogue"]
                assert forced["refreshed"] is True and forced["error"] is None
                answer = await http.get("/api/offers", params={"kva": 6, "on": "2026-12-06"})
                names = {r["name"] for r in answer.json()["data"]}
                assert {"Tarif Bleu - Base", "EJP", "Nuit et Week-end"} <= names
                assert all("authorization" not in h for _, _, h in fake.calls)
        finally:
            await source.aclose()
            runtime.store.close()
