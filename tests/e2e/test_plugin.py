"""The example exporter plug-in (examples/exporter-plugin, installed by ``make test``) is found by
the running service, shown on its Exporter page with the plug-in's own labels, and run from
that page: nothing in the service names it."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import expect

from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI

CSV = "csv"
INSTALL = "the example plug-in is not installed: run `make .venv/.installed-test`"


def csv(part: str) -> str:
    """Marker of a part of the CSV tab."""
    return m.exporter(CSV, part)


def test_the_service_lists_the_plugin_with_its_schema_and_texts(api: httpx.Client) -> None:
    body = api.get("/api/export/types").json()
    types = {t["type"]: t for t in body["data"]}
    assert CSV in types, INSTALL
    assert body["broken"] == []
    plugin = types[CSV]
    assert (plugin["title"], plugin["supports_history"], plugin["supports_state"]) == (
        "CSV",
        True,
        True,
    )
    assert plugin["description"]["fr"].startswith("Écrit l'historique")
    folder = plugin["schema"]["properties"]["folder"]
    assert folder["texts"]["fr"]["label"] == "Dossier des fichiers CSV"
    assert folder["texts"]["en"]["label"] == "CSV folder"
    assert api.get("/api/export/configs/csv").json()["origin"] == "default"


def test_the_plugin_form_shows_its_own_labels_and_a_run_writes_the_files(
    ui: UI, api: httpx.Client, tmp_path: Path
) -> None:
    assert CSV in {t["type"] for t in api.get("/api/export/types").json()["data"]}, INSTALL
    folder = tmp_path / "linky-csv"
    ui.open(m.PAGE_EXPORTER)
    ui.by(csv("tab")).click()
    panel = ui.by(csv("panel"))
    expect(panel).to_be_visible()
    # The plug-in's summary and French labels, from its own config model.
    expect(panel).to_contain_text("Écrit l'historique et les valeurs du jour")
    for label in ("Dossier des fichiers CSV", "Créer le dossier", "Séparateur"):
        expect(panel).to_contain_text(label)
    folder_input = ui.input_of(m.exporter_field(CSV, "folder"))
    expect(folder_input).to_have_attribute("aria-label", "Dossier des fichiers CSV")

    ui.fill(m.exporter_field(CSV, "folder"), str(folder))
    toggle = ui.by(csv("enabled"))
    if toggle.get_attribute("aria-checked") != "true":
        toggle.click()
    ui.by(csv("save")).click()
    expect(ui.by(csv("save_result"))).to_have_attribute("data-value", "ok")
    ui.by(csv("test")).click()
    expect(ui.by(csv("test_result"))).to_have_attribute("data-value", "ok", timeout=20_000)

    before = {e["id"] for e in api.get("/api/export/logs", params={"type": CSV}).json()["data"]}
    ui.by(csv("run")).click()
    expect(ui.by(csv("progress"))).to_have_attribute("data-value", "success", timeout=60_000)
    logs = api.get("/api/export/logs", params={"type": CSV}).json()["data"]
    run = next(e for e in logs if e["id"] not in before)
    assert run["status"] == "success" and run["records"] == run["records_total"] > 0
    files = {p.name for p in folder.iterdir()}
    assert {"tempo.csv", "ecowatt.csv", "state.csv"} <= files
    assert any(name.endswith("_consumption_detail.csv") for name in files), files
    lines = (folder / "state.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "scope;key;value;unit;date" and len(lines) > 10
    # Leave the shared service as it was: the plug-in disabled.
    api.put("/api/export/configs/csv", json={"enabled": False, "folder": str(folder)})
