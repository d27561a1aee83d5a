"""The header's switches: French by default, English on request; light and dark themes."""

from __future__ import annotations

from playwright.sync_api import expect

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.e2e import formats
from tests.e2e.conftest import UI
from tests.e2e.test_pages import is_dark

MONTH = m.value(DEMO_TEMPO_PDL, "consumption_month")


def test_french_by_default_and_english_on_request(ui: UI) -> None:
    """The UI starts in French; the switch turns menus and number formats to English and the
    choice sticks across pages; switching back restores French."""
    ui.open(m.PAGE_DASHBOARD)
    assert ui.page.evaluate("document.documentElement.lang").startswith("fr")
    expect(ui.by(m.nav(m.PAGE_DASHBOARD))).to_contain_text("Tableau de bord")
    month_kwh = ui.data_value(MONTH)
    assert formats.kwh_of_kwh(month_kwh, "fr") in ui.text(MONTH)
    expect(ui.by(m.SWITCH_LANGUAGE)).to_contain_text("English")

    ui.by(m.SWITCH_LANGUAGE).click()
    expect(ui.by(m.nav(m.PAGE_DASHBOARD))).to_contain_text("Dashboard")
    ui.settle()
    assert ui.page.evaluate("document.documentElement.lang").startswith("en")
    assert formats.kwh_of_kwh(month_kwh, "en") in ui.text(MONTH)
    expect(ui.by(m.SWITCH_LANGUAGE)).to_contain_text("Français")

    ui.open(m.PAGE_TEMPO)
    expect(ui.by(m.nav(m.PAGE_DASHBOARD))).to_contain_text("Dashboard")
    ui.by(m.SWITCH_LANGUAGE).click()
    expect(ui.by(m.nav(m.PAGE_DASHBOARD))).to_contain_text("Tableau de bord")
    ui.settle()


def test_language_can_be_chosen_in_the_url(ui: UI) -> None:
    """``?lang=en`` opens a page in English."""
    ui.open(m.PAGE_SETTINGS, lang="en")
    expect(ui.by(m.nav(m.PAGE_SETTINGS))).to_contain_text("Settings")


def test_dark_mode_switch_and_it_is_remembered(ui: UI) -> None:
    """The theme switch turns the page dark; the next page opens dark; it switches back."""
    ui.open(m.PAGE_DASHBOARD)
    assert not is_dark(ui.page)
    ui.by(m.SWITCH_THEME).click()
    ui.page.wait_for_function("document.body.classList.contains('body--dark')")
    background = ui.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _luminance(background) < 0.2, f"dark mode with a light background {background}"
    ui.open(m.PAGE_CONSUMPTION)
    assert is_dark(ui.page)
    for _ in range(3):  # a cycling switch may pass through "auto"
        if not is_dark(ui.page):
            break
        ui.by(m.SWITCH_THEME).click()
        ui.page.wait_for_timeout(150)
    assert not is_dark(ui.page)
    ui.settle()


def _luminance(css_color: str) -> float:
    """Relative lightness 0-1 of a CSS ``rgb(...)``/``rgba(...)`` colour."""
    inside = css_color[css_color.index("(") + 1 : css_color.index(")")]
    r, g, b = (float(x) for x in inside.split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
