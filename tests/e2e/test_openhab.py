"""The openHAB exporter on the Exporter page: its own French labels and summary (from its config,
nothing in the UI names it), and a connection test from the form against the fake openHAB that
refuses rrd4j and passes with JDBC."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI
from tests.fakes.openhab import shared_fake_openhab

OPENHAB = "openhab"


def part(name: str) -> str:
    """Marker of a part of the openHAB tab."""
    return m.exporter(OPENHAB, name)


def field(name: str) -> str:
    """Marker of an openHAB config input."""
    return m.exporter_field(OPENHAB, name)


def test_the_service_lists_openhab_with_its_texts(api: httpx.Client) -> None:
    types = {t["type"]: t for t in api.get("/api/export/types").json()["data"]}
    assert OPENHAB in types
    described = types[OPENHAB]
    assert (described["title"], described["supports_history"], described["supports_state"]) == (
        "openHAB",
        True,
        True,
    )
    assert described["description"]["fr"].startswith("Crée les items openHAB")
    token = described["schema"]["properties"]["token"]
    assert token["texts"]["fr"]["label"] == "Jeton d'API" and token["secret"] is True


def test_the_openhab_form_shows_its_french_labels_and_tests_the_service(
    ui: UI, api: httpx.Client
) -> None:
    fake = shared_fake_openhab()
    ui.open(m.PAGE_EXPORTER)
    ui.by(part("tab")).click()
    panel = ui.by(part("panel"))
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Crée les items openHAB (un groupe par compteur)")
    for label in (
        "Adresse d'openHAB",
        "Jeton d'API",
        "Envoi du jeton",
        "Préfixe des items",
        "Créer les items",
        "Écrire l'historique",
        "Service de persistance",
        "Historique de la courbe de charge",
        "Requêtes simultanées",
    ):
        expect(panel).to_contain_text(label)
    expect(ui.input_of(field("url"))).to_have_attribute("aria-label", "Adresse d'openHAB")
    # The token is a password field, never shown in clear.
    assert ui.input_of(field("token")).get_attribute("type") == "password"

    ui.fill(field("url"), fake.url)
    ui.fill(field("token"), fake.token)
    ui.fill(field("persistence_service"), "rrd4j")
    ui.by(part("test")).click()
    result = ui.by(part("test_result"))
    expect(result).to_have_attribute("data-value", "failed", timeout=20_000)
    expect(result).to_contain_text("rrd4j")
    ui.fill(field("persistence_service"), "jdbc")
    ui.by(part("test")).click()
    expect(result).to_have_attribute("data-value", "ok", timeout=20_000)
    expect(result).to_contain_text("openHAB 5.0.0")
    # Testing saves nothing: the stored config is still the default one.
    assert api.get(f"/api/export/configs/{OPENHAB}").json()["origin"] == "default"
