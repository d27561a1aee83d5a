"""Comparisons a household makes, in Chromium with a French locale: this period against the same
dates last year (kWh and €), a year as twelve monthly bars, the period kept from page to page,
HC/HP and Tempo colours in kWh and in €, and the dashboard's grid signals and export health.

Every expected figure is recomputed here from the REST API's rows (daily values, the load curve,
Tempo colours, prices), not read from the UI's code.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.conftest import free_port
from tests.e2e import formats, pricing
from tests.e2e.conftest import UI
from tests.e2e.test_numbers import (
    PARIS,
    _offpeak,
    _tempo_day,
    assert_eur,
    assert_number,
    daily,
    daily_newest,
    shown_range,
)

PDL = DEMO_TEMPO_PDL


def year_before(day: date) -> date:
    """The same date a year earlier (29 February gives 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def last_full_month(api: httpx.Client, pdl: str) -> tuple[date, date]:
    """The newest month whose every day is stored."""
    end = date.fromisoformat(daily_newest(api, pdl)).replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def chart_series(ui: UI, marker: str) -> list[dict[str, Any]]:
    """The series (name and data) an ECharts chart holds, read from the chart itself."""
    series: list[dict[str, Any]] = ui.page.evaluate(
        """marker => getElement(document.querySelector(`[data-testid="${marker}"]`))
            .chart.getOption().series.map(s => ({name: s.name, type: s.type, data: s.data}))""",
        marker,
    )
    return series


def test_kwh_page_compares_with_the_same_dates_last_year(ui: UI, api: httpx.Client) -> None:
    """Last year's total on the same dates, the change in kWh and in %, and last year's bars
    beside this year's in the daily chart, all from the API's daily rows."""
    start, end = last_full_month(api, PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="month", start=str(start))
    assert shown_range(ui) == (str(start), str(end))
    now = {r["date"]: r["value_wh"] for r in daily(api, "consumption", PDL, str(start), str(end))}
    then = {
        r["date"]: r["value_wh"]
        for r in daily(api, "consumption", PDL, str(year_before(start)), str(year_before(end)))
    }
    pairs = [
        (wh, then[str(year_before(date.fromisoformat(d)))])
        for d, wh in now.items()
        if str(year_before(date.fromisoformat(d))) in then
    ]
    assert len(pairs) >= 28, "the demo has no full month a year earlier"
    current = sum(a for a, _ in pairs)
    previous = sum(b for _, b in pairs)
    assert_number(ui, m.value(PDL, "period_prev_wh"), previous, formats.kwh(previous))
    change = current - previous
    assert_number(ui, m.value(PDL, "period_change_wh"), change, formats.kwh(change))
    pct = round((current - previous) / previous * 100, 1)
    assert_number(ui, m.value(PDL, "period_change_pct"), pct, f"{formats.pct(pct)} %")
    # A French reader sees a decimal comma and a sign.
    assert "," in ui.text(m.value(PDL, "period_change_pct"))
    assert ui.text(m.value(PDL, "period_change_pct")).startswith("+" if pct > 0 else "-")

    series = chart_series(ui, m.CHART_DAILY)
    assert len(series) == 2, series
    assert series[1]["name"] == f"{start.year - 1} (N-1)"
    for offset, value in enumerate(series[1]["data"]):
        day = year_before(start + timedelta(days=offset))
        assert value == pytest.approx(then[str(day)] / 1000, abs=1e-4), day


def test_year_view_draws_twelve_monthly_bars(ui: UI, api: httpx.Client) -> None:
    """A past year shows one bar per month, each the sum of the API's days of that month."""
    newest = date.fromisoformat(daily_newest(api, PDL))
    year = newest.year - 1
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="year", start=f"{year}-01-01")
    assert ui.data_value(m.CHART_DAILY) == "12"
    assert ui.data_unit(m.CHART_DAILY) == "months"
    rows = daily(api, "consumption", PDL, f"{year}-01-01", f"{year}-12-31")
    per_month: dict[int, int] = defaultdict(int)
    for row in rows:
        per_month[int(row["date"][5:7])] += row["value_wh"]
    bars = chart_series(ui, m.CHART_DAILY)[0]["data"]
    assert len(bars) == 12
    for month in range(1, 13):
        expected = per_month.get(month)
        if expected is None:
            assert bars[month - 1] is None
        else:
            assert bars[month - 1] == pytest.approx(expected / 1000, abs=1e-3), month
    # The month names are French on the axis.
    labels = ui.page.evaluate(
        """m => getElement(document.querySelector(`[data-testid="${m}"]`))
            .chart.getOption().xAxis[0].data""",
        m.CHART_DAILY,
    )
    assert labels[0] == f"janv. {year}" and labels[7] == f"août {year}"


def test_the_period_is_kept_across_the_kwh_cost_and_production_pages(
    ui: UI, api: httpx.Client
) -> None:
    """Moving from kWh to € to production through the menu keeps the chosen period."""
    start, end = last_full_month(api, DEMO_SOLAR_PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=DEMO_SOLAR_PDL, period="month", start=str(start))
    ui.by(m.nav(m.PAGE_COST)).click()
    expect(ui.by(m.PAGE_COST)).to_be_visible()
    ui.settle()
    assert shown_range(ui) == (str(start), str(end))
    ui.by(m.nav(m.PAGE_PRODUCTION)).click()
    expect(ui.by(m.PAGE_PRODUCTION)).to_be_visible()
    ui.settle()
    assert shown_range(ui) == (str(start), str(end))
    assert f"pdl={DEMO_SOLAR_PDL}" in ui.page.url
    ui.by(m.nav(m.PAGE_CONSUMPTION)).click()
    expect(ui.by(m.PAGE_CONSUMPTION)).to_be_visible()
    ui.settle()
    assert shown_range(ui) == (str(start), str(end))


def _curve(api: httpx.Client, pdl: str, start: date, end: date) -> list[dict[str, Any]]:
    answer = api.get(f"/api/consumption/detail/{pdl}", params={"start": str(start),
                                                               "end": str(end)})  # fmt: skip
    answer.raise_for_status()
    points: list[dict[str, Any]] = answer.json()["data"]
    return points


def _colors(api: httpx.Client, start: date, end: date) -> dict[str, str]:
    body = api.get("/api/tempo", params={"start": str(start), "end": str(end)}).json()
    return {d["date"]: d["color"] for d in body["data"]}


def test_tempo_split_in_kwh_is_the_load_curve_by_colour_and_hour(ui: UI, api: httpx.Client) -> None:
    """HC and HP kWh, and kWh per Tempo colour, are the month's load curve classified by its own
    Tempo day (06:00 to 06:00) and hour (HC 22:00-06:00); the table has a Tempo column."""
    start, end = last_full_month(api, PDL)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="month", start=str(start))
    points = _curve(api, PDL, start, end)
    colors = _colors(api, start - timedelta(days=2), end)
    hc = hp = 0.0
    per_color: dict[str, float] = defaultdict(float)
    for point in points:
        begin = datetime.fromisoformat(point["start"])
        if _offpeak(begin):
            hc += point["wh"]
        else:
            hp += point["wh"]
        per_color[colors[str(_tempo_day(begin))]] += point["wh"]
    for key, wh in (("split_hc_wh", hc), ("split_hp_wh", hp)):
        assert float(ui.data_value(m.value(PDL, key))) == pytest.approx(wh, abs=1), key
    for color in ("BLUE", "WHITE", "RED"):
        marker = m.value(PDL, f"split_{color.lower()}_wh")
        assert float(ui.data_value(marker)) == pytest.approx(per_color[color], abs=1), color
    assert ui.data_value(m.CHART_SPLIT) == str((end - start).days + 1)
    # The table names each day's colour in French.
    words = {"BLUE": "Bleu", "WHITE": "Blanc", "RED": "Rouge"}
    first_row = ui.by(m.TABLE_DAILY).locator("tbody tr").first
    expect(first_row).to_contain_text(words[colors[str(start)]])
    expect(ui.by(m.TABLE_DAILY).locator("thead")).to_contain_text("Tempo")


def test_cost_page_compares_with_last_year_and_splits_by_tempo_colour(
    ui: UI, api: httpx.Client
) -> None:
    """The € page: last year's cost on the same dates (its load curve priced at last year's
    rows of the offer, plus last year's subscription), the change in € and %, and the energy
    cost of each Tempo colour."""
    start, end = last_full_month(api, PDL)
    ui.open(m.PAGE_COST, pdl=PDL, period="month", start=str(start))
    versions = pricing.offer_of(api, PDL)["versions"]
    first, last = year_before(start), year_before(end)
    assert pricing.row_on(versions, first)["id"] != pricing.row_on(versions, end)["id"], (
        "last year is priced with another grid than this year"
    )
    colors = _colors(api, first - timedelta(days=2), end)
    before = _curve(api, PDL, first, last)
    assert len(before) >= 48 * 28, "last year's load curve is incomplete"
    previous = pricing.energy_eur(before, versions, colors, []) + pricing.subscription_eur(
        versions, first, last
    )
    assert_eur(ui, m.value(PDL, "cost_prev_eur"), previous)
    month = _curve(api, PDL, start, end)
    energy = pricing.energy_eur(month, versions, colors, [])
    current = energy + pricing.subscription_eur(versions, start, end)
    assert_eur(ui, m.value(PDL, "cost_change_eur"), current - previous)
    pct = round((current - previous) / previous * 100, 1)
    assert float(ui.data_value(m.value(PDL, "cost_change_pct"))) == pytest.approx(pct, abs=0.1)
    by_color: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for point in month:
        by_color[colors[str(_tempo_day(datetime.fromisoformat(point["start"])))]].append(point)
    for color in ("BLUE", "WHITE", "RED"):
        expected = pricing.energy_eur(by_color[color], versions, colors, [])
        assert_eur(ui, m.value(PDL, f"cost_{color.lower()}_eur"), expected)
    # The cost chart holds last year's total per day as a line.
    series = chart_series(ui, m.CHART_COST)
    assert series[-1]["type"] == "line" and series[-1]["name"] == f"{start.year - 1} (N-1)"


def test_dashboard_shows_tempo_ecowatt_and_each_exporters_health(ui: UI, api: httpx.Client) -> None:
    """Today's and tomorrow's Tempo and today's EcoWatt are the API's; an export whose last
    run failed is flagged, its error in French."""
    today = datetime.now(PARIS).date()
    colors = _colors(api, today - timedelta(days=1), today + timedelta(days=1))
    saved = api.get("/api/export/configs/influxdb").json()["config"]
    dead = f"http://127.0.0.1:{free_port()}"
    config = {"enabled": True, "url": dead, "version": 1, "timeout_seconds": 2}
    api.put("/api/export/configs/influxdb", json=config).raise_for_status()
    try:
        before = {e["id"] for e in api.get("/api/export/logs", params={"type": "influxdb"})
                  .json()["data"]}  # fmt: skip
        assert api.post("/api/export/influxdb/run").status_code in (200, 202)

        deadline = time.monotonic() + 90
        while True:  # the run retries 4 times with backoff before it gives up
            logs = api.get("/api/export/logs", params={"type": "influxdb"}).json()["data"]
            if any(e["id"] not in before and e["status"] != "running" for e in logs):
                break
            assert time.monotonic() < deadline, "the export run never finished"
            time.sleep(0.5)
        ui.open(m.PAGE_DASHBOARD)
        health = ui.by(m.exporter_health("influxdb"))
        expect(health).to_have_attribute("data-value", "failed")
        expect(health).to_contain_text("échoué")
        expect(health).to_contain_text(f"impossible de joindre InfluxDB ({dead})")
    finally:
        api.put(
            "/api/export/configs/influxdb", json={k: v for k, v in saved.items() if v != "********"}
        )
    assert ui.data_value(m.value("tempo", "tempo_today")) == colors.get(str(today), "")
    tomorrow = str(today + timedelta(days=1))
    assert ui.data_value(m.value("tempo", "tempo_tomorrow")) == colors.get(tomorrow, "")
    ecowatt = api.get("/api/ecowatt", params={"date": str(today)})
    level = str(ecowatt.json()["level"]) if ecowatt.status_code == 200 else ""
    assert ui.data_value(m.value("ecowatt", "ecowatt_j0")) == level
