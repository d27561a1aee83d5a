"""On a phone (390 px), the columns that matter stay on screen: total €, max power, the export
error; the other columns come back with the table's switch. The Tempo calendar shows the
weekdays and a legend, and a day opens its consumption."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Locator, expect

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI, _new_ui
from tests.e2e.harness import PHONE, Service
from tests.e2e.test_comparisons import last_full_month

PDL = DEMO_TEMPO_PDL


@pytest.fixture
def phone(browser: Browser, service: Service) -> Iterator[UI]:
    """A fresh phone-sized page (French, light) on the loopback service."""
    yield from _new_ui(browser, service.url, viewport=PHONE)


def header_cells(table: Locator) -> list[tuple[str, float, float]]:
    """(text, left, right) of each visible header cell of a table."""
    cells: list[tuple[str, float, float]] = table.locator("thead th").evaluate_all(
        """cells => cells.filter(c => c.offsetParent !== null).map(c => {
            const r = c.getBoundingClientRect();
            return [c.innerText.trim(), r.left, r.right];
        })"""
    )
    return cells


def assert_on_screen(table: Locator, heading: str, width: int = PHONE["width"]) -> None:
    """The column ``heading`` is shown and fits in the phone's width without scrolling."""
    cells = header_cells(table)
    found = [c for c in cells if c[0] == heading]
    assert found, f"no visible column {heading!r} in {[c[0] for c in cells]}"
    assert found[0][2] <= width + 1, f"{heading!r} ends at {found[0][2]} px on a {width} px phone"


def test_cost_table_keeps_the_total_on_screen(phone: UI, api: httpx.Client) -> None:
    start, _ = last_full_month(api, PDL)
    phone.open(m.PAGE_COST, pdl=PDL, period="month", start=str(start))
    table = phone.by(m.TABLE_COST)
    table.scroll_into_view_if_needed()
    assert_on_screen(table, "Total")
    assert_on_screen(table, "Date")
    shown = [c[0] for c in header_cells(table)]
    assert "Abonnement" not in shown
    # The switch brings every column back (the table then scrolls sideways).
    phone.by(m.TABLE_COLUMNS).click()
    expect(table.locator("thead th", has_text="Abonnement")).to_be_visible()
    phone.settle()


def test_consumption_table_keeps_the_max_power_on_screen(phone: UI, api: httpx.Client) -> None:
    start, _ = last_full_month(api, PDL)
    phone.open(m.PAGE_CONSUMPTION, pdl=PDL, period="month", start=str(start))
    table = phone.by(m.TABLE_DAILY)
    table.scroll_into_view_if_needed()
    assert_on_screen(table, "Puissance max (VA)")
    assert_on_screen(table, "kWh")
    phone.settle()


def test_exporter_history_keeps_the_error_on_screen(phone: UI) -> None:
    phone.open(m.PAGE_EXPORTER, type="influxdb")
    table = phone.by(m.exporter("influxdb", "history"))
    table.scroll_into_view_if_needed()
    assert_on_screen(table, "Erreur")
    assert_on_screen(table, "Statut")
    phone.settle()


def test_tempo_calendar_shows_weekdays_a_legend_and_links_to_the_day(phone: UI) -> None:
    phone.open(m.PAGE_TEMPO)
    legend = phone.by(m.TEMPO_LEGEND)
    for word in ("Bleu", "Blanc", "Rouge", "non publié", "aujourd'hui"):
        expect(legend).to_contain_text(word)
    cells = phone.page.locator('a[data-testid^="tempo:day:"]')
    assert cells.count() > 0, "no calendar day links to its consumption"
    day_cell = cells.first
    day = (day_cell.get_attribute("data-testid") or "").removeprefix("tempo:day:")
    # The cell shows its weekday's letter above its number.
    letter = "LMMJVSD"[date.fromisoformat(day).weekday()]
    assert day_cell.inner_text().split() == [letter, str(int(day[8:]))]
    assert (day_cell.get_attribute("aria-label") or "").startswith(
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    )
    day_cell.click()
    expect(phone.by(m.PAGE_CONSUMPTION)).to_be_visible()
    phone.settle()
    assert phone.data_value(m.PERIOD_LABEL) == f"{day}..{day}"
