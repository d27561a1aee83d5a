"""The Exporter page shows the Jeedom exporter with its own French labels (from its config's
texts: nothing in the UI names it), and its connection test, run from the form, reaches the fake
Jeedom and answers with Jeedom's version."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI
from tests.fakes.jeedom import FakeJeedom, shared_fake_jeedom

JEEDOM = "jeedom"
#: French labels of some of its fields, as the config declares them.
LABELS = (
    "Adresse de Jeedom",
    "Clé API",
    "Plugin de la clé",
    "Équipements",
    "Objet Jeedom",
    "Historique horaire",
    "Requêtes simultanées",
)


def jeedom(part: str) -> str:
    """Marker of a part of the Jeedom tab."""
    return m.exporter(JEEDOM, part)


def field(name: str) -> str:
    """Marker of a Jeedom config input."""
    return m.exporter_field(JEEDOM, name)


@pytest.fixture
def fake() -> Iterator[FakeJeedom]:
    yield shared_fake_jeedom()


def test_the_jeedom_form_shows_its_french_labels_and_tests_the_connection(
    ui: UI, api: httpx.Client, fake: FakeJeedom
) -> None:
    types = {t["type"]: t for t in api.get("/api/export/types").json()["data"]}
    assert types[JEEDOM]["title"] == "Jeedom"
    ui.open(m.PAGE_EXPORTER)
    ui.by(jeedom("tab")).click()
    panel = ui.by(jeedom("panel"))
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Les valeurs du jour et l'historique daté dans Jeedom")
    for label in LABELS:
        expect(panel).to_contain_text(label)
    expect(ui.input_of(field("url"))).to_have_attribute("aria-label", "Adresse de Jeedom")
    # The key is a password field, never shown in clear.
    assert ui.input_of(field("api_key")).get_attribute("type") == "password"

    # The form's values are tested unsaved: a wrong key is refused with Jeedom's code...
    ui.fill(field("url"), fake.url)
    ui.fill(field("api_key"), "not-the-jeedom-key-0123456789")
    ui.by(jeedom("test")).click()
    result = ui.by(jeedom("test_result"))
    expect(result).to_have_attribute("data-value", "failed", timeout=20_000)
    expect(result).to_contain_text("code 2")
    # ...the right one passes, and the answer is Jeedom's.
    ui.fill(field("api_key"), fake.core_key)
    ui.by(jeedom("test")).click()
    expect(result).to_have_attribute("data-value", "ok", timeout=20_000)
    expect(result).to_contain_text("Jeedom 4.5.3")
    assert not fake.calls_of("eqLogic::save") and not fake.calls_of("cmd::event")
