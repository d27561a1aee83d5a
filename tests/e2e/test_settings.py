"""Paramètres, in Chromium with a French locale: your own dated prices typed the French way
(``0,80`` is 0.80 €/kWh) and refused before saving when they cannot be a price (``80`` for a
kWh, with the field named); the offer chosen from the catalogue changes the € page at once;
a change dated in the past says which range it re-priced.

Every expected figure comes from the REST API (the offers, the load curve, the Tempo colours).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, expect

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.conftest import wait_until
from tests.e2e import pricing
from tests.e2e.conftest import UI
from tests.e2e.test_comparisons import last_full_month
from tests.e2e.test_numbers import assert_eur, daily_newest

PDL = DEMO_TEMPO_PDL
SINCE = date(2025, 1, 1)


@pytest.fixture
def restore(api: httpx.Client) -> Iterator[None]:
    """Put the PDL's offer and own prices back as they were (the service is shared)."""
    before = api.get(f"/api/offers/personal/{PDL}").json()["data"]
    yield
    for version in api.get(f"/api/offers/personal/{PDL}").json()["data"]:
        if version not in before:
            api.delete(
                f"/api/offers/personal/{PDL}/{version['offer_type']}/{version['valid_from']}"
            ).raise_for_status()
    api.put(f"/api/offers/pdl/{PDL}", json={"offer_id": None}).raise_for_status()


def personal(api: httpx.Client) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = api.get(f"/api/offers/personal/{PDL}").json()["data"]
    return versions


def error_of(ui: UI, marker: str) -> Locator:
    """The error Quasar shows under a marked input (its field's alert)."""
    field = ui.by(marker).locator("xpath=ancestor::label[contains(@class, 'q-field')][1]")
    return field.get_by_role("alert")


def choose(ui: UI, marker: str, option: str | re.Pattern[str]) -> None:
    """Pick an option of a marked Quasar select by its visible name."""
    ui.by(marker).click()
    ui.page.get_by_role("option", name=option).click()
    ui.settle()


def test_a_french_decimal_comma_is_saved_and_80_for_a_kwh_is_refused_naming_the_field(
    ui: UI, api: httpx.Client, restore: None
) -> None:
    ui.open(m.PAGE_SETTINGS)
    # The Tempo house's offer is Tempo: its own prices start as a Tempo version.
    expect(ui.by(m.setting("personal_type"))).to_contain_text("Tempo")
    ui.fill(m.setting("personal_from"), SINCE.strftime("%d/%m/%Y"))
    ui.fill(m.setting("personal:subscription_eur_month"), "23,07")
    ui.fill(m.setting("personal:tempo_red_hp"), "0,80")
    ui.by(m.setting("personal_use")).click()  # keep the offer: only the prices are tested
    ui.by(m.setting("save_personal")).click()
    wait_until(lambda: any(v["valid_from"] == str(SINCE) for v in personal(api)))
    expect(ui.by(m.setting("result"))).to_have_attribute("data-value", "ok")
    saved = next(v for v in personal(api) if v["valid_from"] == str(SINCE))
    assert saved["offer_type"] == "TEMPO"
    assert saved["prices_eur_kwh"]["tempo_red_hp"] == 0.8
    assert saved["subscription_eur_month"] == 23.07
    # Saved back-dated: the page says which range the change re-priced.
    banner = ui.by(m.REPRICE_BANNER)
    expect(banner).to_be_visible()
    first, _, last = (banner.get_attribute("data-value") or "").partition("..")
    assert first == str(SINCE) and date.fromisoformat(last) >= SINCE
    expect(banner).to_contain_text("du 01/01/2025 au")
    expect(banner).to_contain_text("recalculés")

    # 80 for a kWh price is refused as it is typed, and again on saving, naming the field.
    before = personal(api)
    ui.fill(m.setting("personal:tempo_red_hp"), "80")
    expect(error_of(ui, m.setting("personal:tempo_red_hp"))).to_contain_text(
        "« Tempo rouge HP (€/kWh) » : 80 €/kWh n'est pas un prix au kWh"
    )
    ui.by(m.setting("save_personal")).click()
    result = ui.by(m.setting("result"))
    expect(result).to_have_attribute("data-value", "failed")
    expect(result).to_contain_text("Tempo rouge HP (€/kWh)")
    expect(result).to_contain_text("0,8 pour 80 c€/kWh")
    ui.settle()
    assert personal(api) == before  # nothing stored


def test_a_yearly_subscription_is_refused_and_the_server_refuses_it_too(
    ui: UI, api: httpx.Client, restore: None
) -> None:
    ui.open(m.PAGE_SETTINGS)
    before = personal(api)
    ui.fill(m.setting("personal:subscription_eur_month"), "185,64")
    ui.by(m.setting("save_personal")).click()
    result = ui.by(m.setting("result"))
    expect(result).to_have_attribute("data-value", "failed")
    expect(result).to_contain_text("« Abonnement (€/mois) » : 185,64 €/mois")
    ui.settle()
    assert personal(api) == before
    # The same value sent to the API: a 422 naming the field, French commas read.
    refused = api.put(
        f"/api/offers/personal/{PDL}",
        json={"offer_type": "BASE", "valid_from": "2025-01-01",
              "subscription_eur_month": "185,64", "prices": {"base_price": "0,1952"}},
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "subscription_eur_month"]


def test_the_offer_chosen_in_settings_prices_the_cost_page(
    ui: UI, api: httpx.Client, restore: None
) -> None:
    """Choosing EDF's Base for the Tempo house: the € page names it and prices each day of
    the month at the Base row in force that day, at 12 kVA."""
    start, end = last_full_month(api, PDL)
    ui.open(m.PAGE_COST, pdl=PDL, period="month", start=str(start))
    tempo_total = float(ui.data_value(m.value(PDL, "cost_total_eur")))

    ui.open(m.PAGE_SETTINGS)
    choose(ui, m.setting("offer"), re.compile(r"Tarif Bleu - Base"))
    ui.by(m.setting("save_offer")).click()
    wait_until(lambda: pricing.offer_of(api, PDL)["offer"]["offer_type"] == "BASE")
    expect(ui.by(m.setting("result"))).to_have_attribute("data-value", "ok")
    offer = pricing.offer_of(api, PDL)
    assert offer["user_offer_id"] is not None and offer["subscribed_power_kva"] == 12
    expect(ui.by(m.setting("offer_current"))).to_contain_text("Tarif Bleu - Base")
    expect(ui.by(m.REPRICE_BANNER)).to_be_visible()

    ui.open(m.PAGE_COST, pdl=PDL, period="month", start=str(start))
    versions = offer["versions"]
    assert ui.data_value(m.COST_OFFER) == pricing.row_on(versions, end)["id"]
    curve = api.get(f"/api/consumption/detail/{PDL}", params={"start": str(start),
                                                              "end": str(end)}).json()  # fmt: skip
    energy = pricing.energy_eur(curve["data"], versions, {}, [])
    subscription = pricing.subscription_eur(versions, start, end)
    assert_eur(ui, m.value(PDL, "cost_total_eur"), energy + subscription)
    assert abs(energy + subscription - tempo_total) > 1
    # The change is said on the € page too (within a week of it).
    banner = ui.by(m.REPRICE_BANNER)
    expect(banner).to_contain_text("offre choisie")
    assert (banner.get_attribute("data-value") or "").endswith(f"..{daily_newest(api, PDL)}")
