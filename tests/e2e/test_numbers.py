"""Each page shows the numbers the API (and the measures catalogue) give for the same period.

The raw number is read from the marked element's ``data-value`` and compared exactly; the
visible text is compared with that number formatted as the contract says (French: kWh with two
decimals rounded half-up, thousands grouped by U+202F).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from myelectricaldata.exporters.snapshot import compute_snapshot_sync
from myelectricaldata.runtime import saved_prices
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL
from myelectricaldata.store.db import sqlite_url
from myelectricaldata.store.repo import Store
from myelectricaldata.ui import markers as m
from tests.e2e import formats, pricing
from tests.e2e.conftest import UI
from tests.e2e.harness import Service

PARIS = ZoneInfo("Europe/Paris")


def daily(
    api: httpx.Client, direction: str, pdl: str, start: str, end: str
) -> list[dict[str, Any]]:
    """The API's daily rows of a range."""
    answer = api.get(f"/api/{direction}/daily/{pdl}", params={"start": start, "end": end})
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def shown_range(ui: UI) -> tuple[str, str]:
    """The period the page shows, from its label's ``data-value`` ``start..end``."""
    start, _, end = ui.data_value(m.PERIOD_LABEL).partition("..")
    date.fromisoformat(start), date.fromisoformat(end)  # both are real dates
    return start, end


def assert_number(ui: UI, marker: str, expected: Any, text: str | None) -> None:
    """``data-value`` equals ``expected`` (as ``markers.raw`` writes it) and, when given, the
    visible text contains ``text``."""
    value = ui.data_value(marker)
    assert value == m.raw(expected), f"{marker}: data-value {value!r}, expected {expected!r}"
    if text is not None:
        visible = ui.text(marker)
        assert text in visible, f"{marker}: shows {visible!r}, expected {text!r} in it"


# -------------------------------------------------------------------------- dashboard


def test_dashboard_cards_show_the_catalogue_and_the_api(ui: UI, api: httpx.Client,
                                                        service: Service) -> None:  # fmt: skip
    """Every number on the dashboard is the catalogue's value; yesterday/month/year are also
    the API's daily sums."""
    ui.open(m.PAGE_DASHBOARD)
    for pdl in (DEMO_TEMPO_PDL, DEMO_SOLAR_PDL):
        ui.by(m.pdl_card(pdl)).wait_for()
    shown_values = ui.marked("value:")
    store = Store.open(sqlite_url(service.dir / "data"))
    try:
        snapshot = compute_snapshot_sync(store, now=datetime.now(UTC), prices=saved_prices(store))
    finally:
        store.close()
    catalogue = {(v.scope, v.key): v for v in snapshot.values}
    assert shown_values, "the dashboard marks no value"
    compared = 0
    for marker, seen in shown_values.items():
        _, scope, key = marker.split(":", 2)
        # The month's cost is priced at the offer's dated prices (checked below), not with the
        # single prices the exporters' catalogue still uses.
        if (scope, key) not in catalogue or key == "cost_month":
            continue
        expected = catalogue[(scope, key)]
        assert seen.value == m.raw(expected.value), f"{marker}: {seen.value!r} vs {expected}"
        assert seen.unit == (expected.unit or ""), f"{marker}: unit {seen.unit!r}"
        compared += 1
    assert compared >= 6, f"only {compared} dashboard values are catalogue values"

    for pdl in (DEMO_TEMPO_PDL, DEMO_SOLAR_PDL):
        yesterday = catalogue[(pdl, "consumption_yesterday")]
        assert yesterday.date is not None
        newest = date.fromisoformat(yesterday.date)
        rows = daily(api, "consumption", pdl, str(newest.replace(month=1, day=1)), str(newest))
        by_day = {r["date"]: r["value_wh"] for r in rows}
        month = sum(wh for d, wh in by_day.items() if d >= str(newest.replace(day=1)))
        checks = {
            "consumption_yesterday": by_day[str(newest)],
            "consumption_month": month,
            "consumption_year": sum(by_day.values()),
        }
        for key, wh in checks.items():
            marker = m.value(pdl, key)
            assert float(ui.data_value(marker)) == pytest.approx(wh / 1000, abs=1e-9), marker
            assert formats.kwh(wh) in ui.text(marker), f"{marker}: {ui.text(marker)!r}"
        # This month's cost: each day at the row of the PDL's offer in force that day.
        first = newest.replace(day=1)
        versions = pricing.offer_of(api, pdl)["versions"]
        tempo = api.get("/api/tempo", params={"start": str(first - timedelta(days=1)),
                                              "end": str(newest)}).json()  # fmt: skip
        colors = {d["date"]: d["color"] for d in tempo["data"]}
        curve = api.get(f"/api/consumption/detail/{pdl}", params={"start": str(first),
                                                                  "end": str(newest)})  # fmt: skip
        spans = pricing.offpeak_minutes(api, pdl)
        month_eur = pricing.energy_eur(
            curve.json()["data"], versions, colors, spans
        ) + pricing.subscription_eur(versions, first, newest)
        assert_eur(ui, m.value(pdl, "cost_month"), month_eur)


# -------------------------------------------------------------------------- period pages


@pytest.mark.parametrize("kind", ["day", "week", "month", "year"])
def test_consumption_page_totals_equal_the_api(ui: UI, api: httpx.Client, kind: str) -> None:
    """For each kind of period the page picks, its total, day count and max power are the
    API's for the range its label states."""
    pdl = DEMO_TEMPO_PDL
    ui.open(m.PAGE_CONSUMPTION, pdl=pdl, period=kind)
    start, end = shown_range(ui)
    span = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    assert {"day": span == 1, "week": span <= 7, "month": span <= 31, "year": span <= 366}[kind]
    rows = daily(api, "consumption", pdl, start, end)
    assert rows, f"no data for {start}..{end}"
    total = sum(r["value_wh"] for r in rows)
    assert_number(ui, m.value(pdl, "period_total_wh"), total, formats.kwh(total))
    assert_number(ui, m.value(pdl, "period_days"), len(rows), None)
    power = api.get(f"/api/max_power/{pdl}", params={"start": start, "end": end}).json()
    peak = max(p["value_va"] for p in power["data"])
    assert_number(ui, m.value(pdl, "period_max_va"), peak, formats.va(peak))
    assert_number(
        ui, m.value(pdl, "subscribed_kva"), power["subscribed_power_kva"],
        formats.kva(power["subscribed_power_kva"]),
    )  # fmt: skip


def test_consumption_table_lists_the_api_days(ui: UI, api: httpx.Client) -> None:
    """The table of a custom month holds one row per API day, its kWh as the API's Wh / 1000."""
    pdl = DEMO_TEMPO_PDL
    end = date.fromisoformat(daily_newest(api, pdl)).replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    ui.open(m.PAGE_CONSUMPTION, pdl=pdl, period="custom", start=str(start), end=str(end))
    assert shown_range(ui) == (str(start), str(end))
    rows = daily(api, "consumption", pdl, str(start), str(end))
    table = ui.by(m.TABLE_DAILY)
    cells: list[list[str]] = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText))"
    )
    assert len(cells) == len(rows), f"{len(cells)} table rows for {len(rows)} API days"
    shown_rows = {formats.shown(" ".join(c)) for c in cells}
    for row in rows:
        day = row["date"]
        assert any(
            (day in line or _fr_date(day) in line) and formats.kwh(row["value_wh"]) in line
            for line in shown_rows
        ), f"{day} {formats.kwh(row['value_wh'])} kWh not in the table"


def _fr_date(day: str) -> str:
    """A date as French text writes it: 31/10/2026."""
    d = date.fromisoformat(day)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def daily_newest(api: httpx.Client, pdl: str) -> str:
    """The newest day the API holds for ``pdl`` (default range ends yesterday)."""
    rows = api.get(f"/api/consumption/daily/{pdl}").json()["data"]
    return str(rows[-1]["date"])


def test_production_page_totals_equal_the_api(ui: UI, api: httpx.Client) -> None:
    """The solar house's production over a custom range is the API's."""
    pdl = DEMO_SOLAR_PDL
    end = date.fromisoformat(daily_newest(api, pdl))
    start = end - timedelta(days=59)
    ui.open(m.PAGE_PRODUCTION, pdl=pdl, period="custom", start=str(start), end=str(end))
    assert shown_range(ui) == (str(start), str(end))
    rows = daily(api, "production", pdl, str(start), str(end))
    total = sum(r["value_wh"] for r in rows)
    assert_number(ui, m.value(pdl, "period_total_wh"), total, formats.kwh(total))
    assert_number(ui, m.value(pdl, "period_days"), len(rows), None)


def test_balance_page_totals_equal_the_api(ui: UI, api: httpx.Client) -> None:
    """The balance shows the meter's NET flows as the API gives them: consumption (import) and
    production (export) of the daily rows, their difference, the days, hours and peak of export
    from the production load curve. Self-consumption is not measured by a Linky meter: it stays
    unknown (no figure, least of all a false 0 %) until the inverter's production of the period
    is entered, then it is that production minus the export."""
    pdl = DEMO_SOLAR_PDL
    end = date.fromisoformat(daily_newest(api, pdl))
    start = end - timedelta(days=29)
    ui.open(m.PAGE_BALANCE, pdl=pdl, period="custom", start=str(start), end=str(end))
    assert shown_range(ui) == (str(start), str(end))
    production = daily(api, "production", pdl, str(start), str(end))
    consumed = sum(r["value_wh"] for r in daily(api, "consumption", pdl, str(start), str(end)))
    produced = sum(r["value_wh"] for r in production)
    assert produced > 0, "the solar demo house exports nothing in 30 days"
    assert_number(ui, m.value(pdl, "balance_consumption_wh"), consumed, formats.kwh(consumed))
    assert_number(ui, m.value(pdl, "balance_production_wh"), produced, formats.kwh(produced))
    net = produced - consumed
    assert_number(ui, m.value(pdl, "balance_net_wh"), net, formats.kwh(net))
    export_days = sum(1 for r in production if r["value_wh"] > 0)
    assert_number(ui, m.value(pdl, "balance_export_days"), export_days, str(export_days))
    curve = api.get(f"/api/production/detail/{pdl}", params={"start": str(start), "end": str(end)})
    curve.raise_for_status()
    points = curve.json()["data"]
    hours = sum(p["interval_min"] for p in points if p["avg_w"] > 0) / 60
    assert 0 < hours < 30 * 24
    assert_number(ui, m.value(pdl, "balance_export_hours"), hours, f"{formats.number(hours, 1)} h")
    peak = max(p["avg_w"] for p in points)
    assert_number(ui, m.value(pdl, "balance_export_peak_w"), peak, f"{formats.va(peak)} W")
    assert ui.data_value(m.CHART_BALANCE_HOURLY) == "24"

    # Not measured: unknown, said so, and never 0.
    for key in ("balance_self_consumption_wh", "balance_self_rate_pct",
                "balance_self_sufficiency_pct", "balance_gross_production_wh"):  # fmt: skip
        assert ui.data_value(m.value(pdl, key)) == "", key
        assert ui.text(m.value(pdl, key)) == "—", key
    assert "autoconsommation n'est pas mesurée" in ui.text(m.BALANCE_METER_NOTE)

    # The inverter's production of the period (typed the French way) gives the estimate.
    own = 41_250
    gross = produced + own
    ui.fill(m.BALANCE_GROSS, formats.number(Decimal(gross) / 1000, 3))
    ui.by(m.BALANCE_ESTIMATE).click()
    ui.settle()
    expect(ui.by(m.value(pdl, "balance_gross_production_wh"))).to_have_attribute(
        "data-value", str(gross)
    )
    assert_number(ui, m.value(pdl, "balance_self_consumption_wh"), own, formats.kwh(own))
    rate = round(own / gross * 100, 1)
    assert_number(ui, m.value(pdl, "balance_self_rate_pct"), rate, f"{formats.pct(rate)} %")
    sufficiency = round(own / (own + consumed) * 100, 1)
    assert_number(
        ui, m.value(pdl, "balance_self_sufficiency_pct"), sufficiency,
        f"{formats.pct(sufficiency)} %",
    )  # fmt: skip
    # A production below what the meter saw exported is refused, not turned into a figure.
    ui.fill(m.BALANCE_GROSS, formats.number(Decimal(produced - 1000) / 1000, 3))
    ui.by(m.BALANCE_ESTIMATE).click()
    ui.settle()
    expect(ui.by(m.BALANCE_ERROR)).to_be_visible()
    assert ui.data_value(m.value(pdl, "balance_self_consumption_wh")) == ""


# -------------------------------------------------------------------------- Tempo, EcoWatt


def test_tempo_page_shows_the_api_season(ui: UI, api: httpx.Client) -> None:
    """Remaining days per colour, today/tomorrow and every calendar day are the API's."""
    ui.open(m.PAGE_TEMPO)
    body = api.get("/api/tempo").json()
    for color, left in body["remaining"].items():
        assert_number(ui, m.value("tempo", f"remaining_{color}"), left, str(left))
    colors = {d["date"]: d["color"] for d in body["data"]}
    today = datetime.now(PARIS).date()
    assert ui.data_value(m.value("tempo", "today")) == colors.get(str(today), "")
    tomorrow = str(today + timedelta(days=1))
    assert ui.data_value(m.value("tempo", "tomorrow")) == colors.get(tomorrow, "")
    cells = ui.marked("tempo:day:")
    assert len(cells) >= len(colors) - 1, f"{len(cells)} calendar cells for {len(colors)} days"
    for marker, cell in cells.items():
        day = marker.removeprefix("tempo:day:")
        assert cell.value == colors.get(day, ""), f"{day}: {cell.value!r} vs {colors.get(day)}"


def test_ecowatt_page_shows_the_api_forecast(ui: UI, api: httpx.Client) -> None:
    """Each day's level, its 24 hourly levels and its message are the API's."""
    ui.open(m.PAGE_ECOWATT)
    answer = api.get("/api/ecowatt")
    answer.raise_for_status()
    body = answer.json()
    days = body.get("forecast") or [body]
    cells = ui.marked("ecowatt:")
    for day in days:
        assert ui.data_value(m.value("ecowatt", f"level:{day['date']}")) == str(day["level"])
        for hour, level in enumerate(day["hourly"]):
            cell = cells.get(m.ecowatt_cell(day["date"], hour))
            assert cell is not None, f"no cell for {day['date']} {hour}h"
            assert cell.value == str(level), f"{day['date']} {hour}h: {cell.value} vs {level}"
        if day.get("message"):
            assert day["message"] in ui.text(m.ecowatt_message(day["date"]))


# -------------------------------------------------------------------------- costs


def _tempo_day(start: datetime) -> date:
    """The Tempo day an instant belongs to: they run 06:00 to 06:00."""
    return pricing.tempo_day(start)


def _offpeak(start: datetime) -> bool:
    """Whether an interval starting at ``start`` is off-peak in 22:00-06:00 (the demo Tempo
    house's hours, which are also Tempo's)."""
    hour = start.astimezone(PARIS).hour
    return hour >= 22 or hour < 6


def assert_eur(ui: UI, marker: str, expected: float) -> None:
    """The page shows ``expected`` EUR rounded to the cent (up to float summing noise)."""
    value = ui.data_value(marker)
    assert abs(float(value) - expected) <= 0.005 + 1e-6, f"{marker}: {value} vs {expected:.6f}"
    assert round(float(value), 2) == float(value), f"{marker}: {value} is not rounded"
    assert formats.eur(value) in ui.text(marker), f"{marker}: {ui.text(marker)!r}"


def test_cost_page_prices_each_day_at_the_offer_row_in_force_that_day(
    ui: UI, api: httpx.Client
) -> None:
    """A whole month of the Tempo house costs its load curve priced per Tempo colour and HC/HP
    hour at the row of its offer (the Tarif Bleu it picked on the site) in force each day, at
    its 12 kVA, plus each day's share of that row's subscription; a range across the grid
    change of 1 February 2026 uses both grids."""
    pdl = DEMO_TEMPO_PDL
    offer = pricing.offer_of(api, pdl)
    versions = offer["versions"]
    assert {v["power_kva"] for v in versions} == {12}
    newest = date.fromisoformat(daily_newest(api, pdl))
    end = newest.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    change = date(2026, 2, 1)  # EDF's Tempo grid of 1 February 2026
    for first, last in ((start, end), (change - timedelta(days=5), change + timedelta(days=4))):
        ui.open(m.PAGE_COST, pdl=pdl, period="custom", start=str(first), end=str(last))
        assert shown_range(ui) == (str(first), str(last))
        assert ui.data_value(m.COST_OFFER) == pricing.row_on(versions, last)["id"]
        tempo = api.get("/api/tempo", params={"start": str(first - timedelta(days=1)),
                                              "end": str(last)}).json()  # fmt: skip
        colors = {d["date"]: d["color"] for d in tempo["data"]}
        curve = api.get(f"/api/consumption/detail/{pdl}", params={"start": str(first),
                                                                  "end": str(last)})  # fmt: skip
        curve.raise_for_status()
        points = curve.json()["data"]
        assert len(points) >= 48 * ((last - first).days + 1) - 2, "incomplete load curve"
        energy = pricing.energy_eur(points, versions, colors, [])
        subscription = pricing.subscription_eur(versions, first, last)
        assert_eur(ui, m.value(pdl, "cost_energy_eur"), energy)
        assert_eur(ui, m.value(pdl, "cost_subscription_eur"), subscription)
        assert_eur(ui, m.value(pdl, "cost_total_eur"), energy + subscription)
        rows = {pricing.row_on(versions, first)["id"], pricing.row_on(versions, last)["id"]}
        assert ui.data_value(m.COST_PRICES) == str(len(rows))
