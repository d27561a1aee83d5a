"""The Domoticz exporter on the Exporter page: its own French labels (from its config model),
configured, tested and run against the fake Domoticz, whose meters then hold the history."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI
from tests.fakes.domoticz import ADMIN, FakeDomoticz

DOMOTICZ = "domoticz"
USER, PASSWORD = "linky", "e2e-dz-pass-42"


def part(name: str) -> str:
    """Marker of a part of the Domoticz tab."""
    return m.exporter(DOMOTICZ, name)


def field(name: str) -> str:
    """Marker of a Domoticz config input."""
    return m.exporter_field(DOMOTICZ, name)


@pytest.fixture
def domoticz() -> Iterator[FakeDomoticz]:
    with FakeDomoticz({USER: (PASSWORD, ADMIN)}, allow_plain_basic_auth=True) as server:
        yield server
        assert server.violations == []


def test_the_domoticz_form_shows_its_french_labels_and_a_run_fills_the_meters(
    ui: UI, api: httpx.Client, domoticz: FakeDomoticz
) -> None:
    ui.open(m.PAGE_EXPORTER)
    ui.by(part("tab")).click()
    panel = ui.by(part("panel"))
    expect(panel).to_be_visible()
    # The exporter's summary and French labels, from its own config model.
    expect(panel).to_contain_text("Écrit l'historique quotidien dans des compteurs Domoticz")
    for label in (
        "Adresse de Domoticz",
        "Authentification",
        "Créer les dispositifs",
        "Compteur de consommation",
        "Jours de courbe de charge",
        "Déclencher les événements",
    ):
        expect(panel).to_contain_text(label)
    expect(ui.input_of(field("url"))).to_have_attribute("aria-label", "Adresse de Domoticz")
    assert ui.input_of(field("password")).get_attribute("type") == "password"

    ui.fill(field("url"), domoticz.url)
    ui.fill(field("username"), USER)
    ui.fill(field("password"), PASSWORD)
    ui.fill(field("pdls"), DEMO_TEMPO_PDL)  # one usage point keeps the run short
    ui.by(part("test")).click()
    result = ui.by(part("test_result"))
    expect(result).to_have_attribute("data-value", "ok", timeout=20_000)
    expect(result).to_contain_text(f"Domoticz 2025.1 (build 16773), logged in as {USER} (Admin)")

    toggle = ui.by(part("enabled"))
    if toggle.get_attribute("aria-checked") != "true":
        toggle.click()
    ui.by(part("save")).click()
    expect(ui.by(part("save_result"))).to_have_attribute("data-value", "ok")
    try:
        ui.by(part("run")).click()
        progress = ui.by(part("progress"))
        expect(progress).to_have_attribute("data-value", "success", timeout=180_000)
        meters = {
            d.description: d
            for d in domoticz.devices()
            if d.description == f"myelectricaldata:{DEMO_TEMPO_PDL}:consumption:managed_counter"
        }
        assert len(meters) == 1
        (meter,) = meters.values()
        rows = domoticz.calendar(meter.idx)
        assert len(rows) > 300
        # Every day the service holds, with its value, and nothing else.
        daily = api.get(
            f"/api/consumption/daily/{DEMO_TEMPO_PDL}",
            params={"start": min(rows), "end": max(rows)},
        ).json()["data"]
        assert {d["date"]: d["value_wh"] for d in daily} == {
            day: wh for day, (_, wh) in rows.items()
        }
        # The Tempo colours in Text devices, in French.
        markers = {f"myelectricaldata:tempo_{d}:text" for d in ("today", "tomorrow", "current")}
        colours = [d.svalue for d in domoticz.devices() if d.description in markers]
        assert len(colours) == 3 and set(colours) <= {"Bleu", "Blanc", "Rouge", "Inconnu"}
    finally:
        # Leave the shared service as it was: the export disabled.
        saved = api.get(f"/api/export/configs/{DOMOTICZ}").json()["config"]
        api.put(f"/api/export/configs/{DOMOTICZ}", json=saved | {"enabled": False})
