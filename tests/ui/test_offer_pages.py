"""The pages that price: the Simulateur shows the API's ranking (EJP as a range, never a guess),
the € page names the offer and its dated rows, Paramètres lists the offers of the meter's kVA.

Plain HTTP through Starlette's TestClient on a slice of demo data with a fixed clock (15
November 2024), the demo catalogue plus market offers of the types it lacks, and the offer each
demo house picked on the site. The browser tests of ``tests/e2e`` drive the same pages.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from myelectricaldata.api import create_app
from myelectricaldata.domain.offers import Provider
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.sources.demo_offers import DEMO_PROVIDER, demo_rows
from myelectricaldata.sources.offers import parse_catalogue
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.ui import markers as m
from tests.api.conftest import fill, fixed_clock, make_settings
from tests.fakes.offers import market_rows

SINCE = "2020-01-01T00:00:00+00:00"
EJP_ID = "11111111-0000-0000-0000-000000000005"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("ui-offers")
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(make_settings(data_dir), source=source)
    asyncio.run(fill(runtime, source))
    # The market offers in force since 2020, so that they are in force on 15 November 2024.
    market = [row | {"valid_from": SINCE, "price_updated_at": SINCE} for row in market_rows()]
    parsed = parse_catalogue(
        [*demo_rows(), *market],
        [DEMO_PROVIDER, Provider("prov-market", "Fournisseur Test")],
        origin="gateway",
    )
    assert parsed.rejected == ()
    offers = OfferStore(runtime.store)
    offers.save_catalogue(parsed.catalogue, fetched_at=datetime(2024, 11, 15, 12, tzinfo=UTC))
    for point in asyncio.run(source.usage_points()):
        offers.set_gateway_offer(point.pdl, point.selected_offer_id)
    app = create_app(runtime, clock=fixed_clock)
    with TestClient(app) as http:
        yield http


def data_value(html: str, marker: str) -> str:
    """The ``data-value`` of the element marked ``marker`` in a page's HTML."""
    found = re.search(rf'"data-testid":"{re.escape(marker)}","data-value":"([^"]*)"', html)
    assert found is not None, f"{marker} not on the page"
    return found.group(1)


def test_the_simulator_shows_the_api_ranking_with_ejp_as_a_range(client: TestClient) -> None:
    html = client.get("/simulator", params={"pdl": DEMO_SOLAR_PDL}).text
    api: dict[str, Any] = client.get(f"/api/simulation/{DEMO_SOLAR_PDL}").json()
    shown = re.findall(r'"data-testid":"sim:offer:([^"]+)"', html)
    assert shown == [r["offer"]["id"] for r in api["ranking"]]
    assert data_value(html, m.SIM_RANKING) == str(len(api["ranking"]))
    for item in api["ranking"]:
        offer_id = item["offer"]["id"]
        rank = item["rank"]
        assert data_value(html, m.sim_offer(offer_id)) == ("" if rank is None else str(rank))
        total = data_value(html, m.value(DEMO_SOLAR_PDL, f"sim_total:{offer_id}"))
        if item["exact"]:
            assert float(total) == item["total_eur"], offer_id
        else:
            assert total == "", offer_id
        saving = data_value(html, m.value(DEMO_SOLAR_PDL, f"sim_saving:{offer_id}"))
        if item["saving_eur"] is None:
            assert saving == "", offer_id
        else:
            assert float(saving) == item["saving_eur"], offer_id
    ejp = next(r for r in api["ranking"] if r["offer"]["id"] == EJP_ID)
    assert ejp["rank"] is None and "needs_peak_days" in ejp["problems"]
    low = data_value(html, m.value(DEMO_SOLAR_PDL, f"sim_low:{EJP_ID}"))
    high = data_value(html, m.value(DEMO_SOLAR_PDL, f"sim_high:{EJP_ID}"))
    assert (float(low), float(high)) == (ejp["low_eur"], ejp["high_eur"])
    assert float(low) < float(high)
    assert "Jours de pointe inconnus" in html
    current = next(r for r in api["ranking"] if r["is_current"])
    assert current["offer"]["id"] == "demo-edf-hc_hp-6kva-2024-02-01"
    assert "votre offre actuelle" in html


def test_the_simulator_says_which_days_had_a_load_curve(client: TestClient) -> None:
    html = client.get("/simulator", params={"pdl": DEMO_TEMPO_PDL}).text
    api = client.get(f"/api/simulation/{DEMO_TEMPO_PDL}").json()
    assert data_value(html, m.value(DEMO_TEMPO_PDL, "sim_days")) == str(api["days"])
    curve = data_value(html, m.value(DEMO_TEMPO_PDL, "sim_curve_days"))
    estimated = data_value(html, m.value(DEMO_TEMPO_PDL, "sim_estimated_days"))
    assert (int(curve), int(estimated)) == (
        api["days_with_load_curve"],
        api["days_from_daily_values"],
    )
    assert int(estimated) > 0 and "chiffrés depuis leur valeur du jour" in html
    # The offers of another kVA are not ranked: the Tempo house has 12 kVA, the market rows 6.
    assert EJP_ID not in html


def test_a_chosen_period_and_a_refused_one(client: TestClient) -> None:
    chosen = client.get(
        "/simulator",
        params={"pdl": DEMO_SOLAR_PDL, "start": "2024-10-24", "end": "2024-10-30"},
    ).text
    assert data_value(chosen, m.value(DEMO_SOLAR_PDL, "sim_days")) == "7"
    assert data_value(chosen, m.value(DEMO_SOLAR_PDL, "sim_curve_days")) == "7"
    refused = client.get(
        "/simulator", params={"pdl": DEMO_SOLAR_PDL, "start": "2020-01-01", "end": "2024-11-01"}
    ).text
    assert data_value(refused, m.QUERY_ERROR) == "end"
    # The default instead: 15 November 2023 to 14 November 2024, 29 February included.
    assert data_value(refused, m.value(DEMO_SOLAR_PDL, "sim_days")) == "366"


def test_the_simulator_speaks_english_on_request(client: TestClient) -> None:
    html = client.get("/simulator", params={"pdl": DEMO_SOLAR_PDL, "lang": "en"}).text
    assert "Offers ranked" in html and "Peak days unknown" in html
    assert "Classement des offres" not in html


def test_the_cost_page_names_the_offer_and_the_rows_it_used(client: TestClient) -> None:
    html = client.get(
        "/cost",
        params={"pdl": DEMO_TEMPO_PDL, "period": "custom", "start": "2024-01-25",
                "end": "2024-02-05"},
    ).text  # fmt: skip
    assert data_value(html, m.COST_OFFER) == "demo-edf-tempo-12kva-2024-02-01"
    assert "choisie sur le site MyElectricalData" in html
    # The grid of 1 August 2023, then the one of 1 February 2024.
    assert data_value(html, m.COST_PRICES) == "2"
    assert "du 25/01/2024 au 31/01/2024 : EDF — Tarif Bleu - Tempo, 12 kVA" in html
    assert "du 01/02/2024 au 05/02/2024" in html
    assert m.COST_SIMULATOR_LINK in html


def test_settings_list_the_offers_of_the_meters_kva(client: TestClient) -> None:
    html = client.get("/settings").text
    for name in ("offer_pdl", "offer_type", "offer", "save_offer", "personal_type",
                 "personal_from", "personal:subscription_eur_month", "save_personal"):  # fmt: skip
        assert m.setting(name) in html, name
    assert data_value(html, m.setting("offer_current")) == "demo-edf-tempo-12kva-2024-02-01"
    # The first usage point is the 12 kVA Tempo house: the 6 kVA market offers are not listed.
    assert "Tarif Bleu - Heures Creuses" in html and "Fournisseur Test" not in html
