"""The Paramètres page shows the tariff prices the API holds and saves a change through them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from myelectricaldata.ui import markers as m
from tests.conftest import wait_until
from tests.e2e.conftest import UI


@pytest.fixture
def prices(api: httpx.Client) -> Iterator[dict[str, Any]]:
    """The tariff prices in force; put back after the test (the service is shared)."""
    saved: dict[str, Any] = api.get("/api/settings/tariff").json()["data"]
    try:
        yield saved
    finally:
        api.put("/api/settings/tariff", json=saved).raise_for_status()


def test_tariff_form_shows_and_saves_the_api_prices(
    ui: UI, api: httpx.Client, prices: dict[str, Any]
) -> None:
    """Each price input holds the API's price; a new subscription saved from the form is the
    API's from then on."""
    ui.open(m.PAGE_SETTINGS)
    for name, price in prices.items():
        shown = ui.input_of(m.setting(f"tariff:{name}")).input_value()
        if price is None:
            assert shown == "", f"{name}: {shown!r} for no price"
        else:
            assert float(shown) == pytest.approx(price, abs=5e-5), f"{name}: {shown} vs {price}"

    ui.fill(m.setting("tariff:subscription_eur_month"), "16.25")
    ui.by(m.setting("save_tariff")).click()
    wait_until(
        lambda: api.get("/api/settings/tariff").json()["data"]["subscription_eur_month"] == 16.25
    )
    expect(ui.by(m.setting("result"))).to_have_attribute("data-value", "ok")
    others = api.get("/api/settings/tariff").json()["data"]
    assert {k: v for k, v in others.items() if k != "subscription_eur_month"} == {
        k: v for k, v in prices.items() if k != "subscription_eur_month"
    }
