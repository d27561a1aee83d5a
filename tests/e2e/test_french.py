"""What a French reader sees, in Chromium started with ``--lang=fr-FR``: dates as 06/12/2026,
``1 234,5`` with a narrow no-break space, units in chart tooltips, words instead of codes,
Quasar's own texts and the 404 page in French — and all of it in English after the switch."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI
from tests.e2e.formats import NNBSP
from tests.e2e.test_comparisons import last_full_month

PDL = DEMO_TEMPO_PDL
FRENCH_DAY = re.compile(r"^\d{2}/\d{2}/\d{4}$")
FRENCH_KWH = re.compile(r"^\d{1,3}(\u202f\d{3})*,\d{2}$")


def first_row(ui: UI, table: str) -> list[str]:
    """The cells of a table's first row, as shown (no-break spaces kept)."""
    cells: list[str] = (
        ui.by(table)
        .locator("tbody tr")
        .first.locator("td")
        .evaluate_all("cells => cells.map(c => c.innerText)")
    )
    return [c.replace("\xa0", NNBSP) for c in cells]


def test_tables_write_dates_and_numbers_the_french_way(ui: UI, api: httpx.Client) -> None:
    start, _ = last_full_month(api, PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="month", start=str(start))
    cells = first_row(ui, m.TABLE_DAILY)
    assert cells[0] == start.strftime("%d/%m/%Y"), cells
    assert FRENCH_DAY.match(cells[0])
    assert any(FRENCH_KWH.match(c) for c in cells), cells
    # Wh and VA carry thousands separators; the quality is a word, not BRUT/CORRIGE.
    assert any(re.fullmatch(r"\d{1,3}(\u202f\d{3})+", c) for c in cells), cells
    assert not {"BRUT", "CORRIGE"} & set(cells), cells
    # Quasar's pagination speaks French...
    expect(ui.by(m.TABLE_DAILY)).to_contain_text("Lignes par page")
    # ...and English after the switch.
    ui.by(m.SWITCH_LANGUAGE).click()
    expect(ui.by(m.TABLE_DAILY)).to_contain_text("Records per page")
    ui.settle()
    english = first_row(ui, m.TABLE_DAILY)
    assert english[0] == start.isoformat()
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", c) for c in english), english


def test_chart_tooltips_carry_french_dates_and_units(ui: UI, api: httpx.Client) -> None:
    start, _ = last_full_month(api, PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="day", start=str(start))
    text = ui.page.evaluate(
        """marker => {
            const node = document.querySelector(`[data-testid="${marker}"]`);
            const chart = getElement(node).chart;
            chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 20});
            return new Promise(done => setTimeout(() => done(node.innerText), 300));
        }""",
        m.CHART_LOAD_CURVE,
    )
    day = start.strftime("%d/%m/%Y")
    assert re.search(rf"{re.escape(day)} \d{{2}}:\d{{2}}", text), text
    assert re.search(r"\d+(,\d+)? W\b", text), text
    daily = ui.page.evaluate(
        """marker => {
            const node = document.querySelector(`[data-testid="${marker}"]`);
            getElement(node).chart.dispatchAction({type: 'showTip', seriesIndex: 0,
                                                   dataIndex: 0});
            return new Promise(done => setTimeout(() => done(node.innerText), 300));
        }""",
        m.CHART_DAILY,
    )
    assert re.search(r"\d+,\d+ kWh", daily), daily


def test_codes_are_shown_as_words(ui: UI) -> None:
    ui.open(m.PAGE_DASHBOARD)
    card = ui.by(m.pdl_card(PDL))
    expect(card).to_contain_text("Option : Tempo")
    expect(card).not_to_contain_text("TEMPO")
    ui.open(m.PAGE_SETTINGS)
    expect(ui.by(m.PAGE_SETTINGS)).to_contain_text("Source en service : données de démonstration")


def test_the_kwh_and_cost_pages_say_where_their_figures_come_from(
    ui: UI, api: httpx.Client
) -> None:
    start, _ = last_full_month(api, PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="month", start=str(start))
    expect(ui.by(m.SOURCE_NOTE)).to_contain_text("index quotidiens")
    expect(ui.by(m.SOURCE_NOTE)).to_contain_text("courbe de charge")
    ui.open(m.PAGE_COST, pdl=PDL, period="month", start=str(start))
    expect(ui.by(m.SOURCE_NOTE)).to_contain_text("prix de votre offre en vigueur ce jour-là")
    expect(ui.by(m.SOURCE_NOTE)).to_contain_text("Consommation (kWh)")


def test_the_404_page_is_french_then_english(ui: UI) -> None:
    response = ui.page.goto("/nulle-part", wait_until="domcontentloaded")
    assert response is not None and response.status == 404
    expect(ui.by(m.PAGE_NOT_FOUND)).to_be_visible()
    expect(ui.page.locator("h1")).to_have_text("Page introuvable")
    assert ui.page.evaluate("document.documentElement.lang") == "fr"
    ui.settle()
    response = ui.page.goto("/nulle-part?lang=en", wait_until="domcontentloaded")
    assert response is not None and response.status == 404
    expect(ui.page.locator("h1")).to_have_text("Page not found")
    ui.settle()
    # Chromium logs each 404 document as a console error: expected here.
    ui.watch.console_errors[:] = [e for e in ui.watch.console_errors if "nulle-part" not in e]


def test_custom_dates_are_typed_and_shown_the_french_way(ui: UI, api: httpx.Client) -> None:
    """The period's date fields show 01/11/2026, whatever the browser's own date format, and a
    date typed that way sets the period."""
    start, end = last_full_month(api, PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="month", start=str(start))
    field = ui.input_of(m.PERIOD_START)
    assert field.input_value() == start.strftime("%d/%m/%Y")
    assert ui.input_of(m.PERIOD_END).input_value() == end.strftime("%d/%m/%Y")
    third = start.replace(day=3)
    field.fill(third.strftime("%d/%m/%Y"))
    field.blur()
    ui.by(m.PERIOD_APPLY).click()
    ui.page.wait_for_url(re.compile(rf"start={third.isoformat()}"))
    ui.settle()
    assert ui.data_value(m.PERIOD_LABEL) == f"{third}..{end}"
