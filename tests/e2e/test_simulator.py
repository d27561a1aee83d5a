"""The Simulateur in Chromium with a French locale: both demo meters' ranking is the API's and
the one computed straight from the demo source (as ``scripts/demo_ranking.py`` does), an EJP
offer shows its cost range ("jours de pointe inconnus") instead of a guess, the days with a load
curve are counted, and on a phone every offer and its cost stay on screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from myelectricaldata.domain.billing import Calendars, build_usage
from myelectricaldata.domain.offers import OfferType
from myelectricaldata.domain.offpeak import OffpeakHistory
from myelectricaldata.domain.simulator import simulate
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Direction
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.ui import markers as m
from tests.e2e import formats
from tests.e2e.conftest import UI, _new_ui
from tests.e2e.harness import PHONE, Service
from tests.e2e.test_comparisons import year_before
from tests.e2e.test_numbers import daily_newest

EJP = {"ejp_normal": "0,1678", "ejp_peak": "0,9987"}


@pytest.fixture
def phone(browser: Browser, service: Service) -> Iterator[UI]:
    """A fresh phone-sized page (French, light) on the loopback service."""
    yield from _new_ui(browser, service.url, viewport=PHONE)


def ranking_from_the_demo_source(pdl: str, last: date) -> list[tuple[str, float | None]]:
    """(offer id, total EUR) of each ranked offer, from the demo source and catalogue directly
    (no store, no API): the path of ``scripts/demo_ranking.py``."""
    today = last + timedelta(days=1)
    noon = datetime.combine(today, time(12), tzinfo=PARIS).astimezone(UTC)
    source = DemoSource(clock=lambda: noon)
    first = year_before(last) + timedelta(days=1)  # the last 12 months

    async def read() -> tuple[Any, ...]:
        points = {p.pdl: p for p in await source.usage_points()}
        daily = await source.daily(pdl, Direction.CONSUMPTION, first, today)
        curve = await source.load_curve(pdl, Direction.CONSUMPTION, first, today)
        tempo = await source.tempo(first - timedelta(days=1), today)
        return points[pdl], daily, curve, tempo

    # Playwright's sync API keeps an event loop running in this thread: read in another.
    with ThreadPoolExecutor(1) as pool:
        point, daily, curve, tempo = pool.submit(asyncio.run, read()).result()
    catalogue = demo_catalogue()
    usage = build_usage(
        [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in curve],
        {r.day: r.value_wh for r in daily},
        first,
        last,
    )
    offpeak = OffpeakHistory([(date(1970, 1, 1), point.offpeak)] if point.offpeak else [])
    kva = point.subscribed_power_kva
    option = OfferType(point.pricing_option.value)
    current = next(o for o in catalogue.current(kva, today) if o.offer_type is option)
    sim = simulate(
        catalogue,
        usage,
        Calendars(offpeak, {d.day: d.color for d in tempo}),
        kva=kva,
        as_of=today,
        current=current,
    )
    return [
        (r.bill.offer.id, None if r.bill.total_eur is None else round(r.bill.total_eur, 2))
        for r in sim.ranking
    ]


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_the_ranking_of_each_demo_meter_is_the_apis_and_the_demo_sources(
    ui: UI, api: httpx.Client, pdl: str
) -> None:
    ui.open(m.PAGE_SIMULATOR, pdl=pdl)
    answer = api.get(f"/api/simulation/{pdl}").json()
    last = date.fromisoformat(daily_newest(api, pdl))
    assert answer["end"] == str(last)
    shown = ui.marked("sim:offer:")
    assert [k.removeprefix("sim:offer:") for k in shown] == [
        r["offer"]["id"] for r in answer["ranking"]
    ]
    expected = ranking_from_the_demo_source(pdl, last)
    assert [(r["offer"]["id"], r["total_eur"]) for r in answer["ranking"]] == expected
    for rank, (offer_id, total) in enumerate(expected, start=1):
        assert shown[m.sim_offer(offer_id)].value == str(rank)
        marker = m.value(pdl, f"sim_total:{offer_id}")
        assert ui.data_value(marker) == m.raw(total)
        assert formats.eur(str(total)) in ui.text(marker)
    current = next(r for r in answer["ranking"] if r["is_current"])
    expect(ui.by(m.sim_offer(current["offer"]["id"]))).to_contain_text("votre offre actuelle")
    for item in answer["ranking"]:
        if not item["is_current"]:
            saving = ui.data_value(m.value(pdl, f"sim_saving:{item['offer']['id']}"))
            assert float(saving) == item["saving_eur"]
    # How many days had a load curve, and the period: the last 12 months.
    days = answer["days"]
    assert ui.data_value(m.value(pdl, "sim_curve_days")) == str(answer["days_with_load_curve"])
    expect(ui.by(m.value(pdl, "sim_curve_days"))).to_contain_text(f"sur {days} ont une courbe")
    assert days in (365, 366)
    assert ui.data_value(m.CHART_SIMULATOR) == str(len(expected))


@pytest.fixture
def ejp_prices(api: httpx.Client) -> Iterator[str]:
    """Own EJP prices of the solar house (the demo catalogue has no EJP offer), removed after."""
    body = {"offer_type": "EJP", "valid_from": "2020-01-01", "subscription_eur_month": "15,10",
            "prices": EJP}  # fmt: skip
    api.put(f"/api/offers/personal/{DEMO_SOLAR_PDL}", json=body).raise_for_status()
    yield "personal:EJP:2020-01-01"
    api.delete(f"/api/offers/personal/{DEMO_SOLAR_PDL}/EJP/2020-01-01").raise_for_status()


def test_an_ejp_offer_shows_its_cost_range_with_peak_days_unknown(
    ui: UI, api: httpx.Client, ejp_prices: str
) -> None:
    ui.open(m.PAGE_SIMULATOR, pdl=DEMO_SOLAR_PDL)
    answer = api.get(f"/api/simulation/{DEMO_SOLAR_PDL}").json()
    ejp = next(r for r in answer["ranking"] if r["offer"]["id"] == ejp_prices)
    assert ejp["rank"] is None and ejp["total_eur"] is None
    item = ui.by(m.sim_offer(ejp_prices))
    assert item.get_attribute("data-value") == ""
    expect(item).to_contain_text("Jours de pointe inconnus : coût entre")
    expect(item).to_contain_text("Prix personnels (EJP (jours de pointe))")
    low = ui.data_value(m.value(DEMO_SOLAR_PDL, f"sim_low:{ejp_prices}"))
    high = ui.data_value(m.value(DEMO_SOLAR_PDL, f"sim_high:{ejp_prices}"))
    assert (float(low), float(high)) == (ejp["low_eur"], ejp["high_eur"])
    assert float(low) < float(high)
    assert ui.data_value(m.value(DEMO_SOLAR_PDL, f"sim_total:{ejp_prices}")) == ""
    # Not ranked: after every ranked offer, and said in the notes.
    order = [k.removeprefix("sim:offer:") for k in ui.marked("sim:offer:")]
    assert order[-1] == ejp_prices
    expect(ui.by(m.SIM_NOTES)).to_contain_text("les jours de pointe ne sont pas connus")


def test_the_simulator_on_a_phone_keeps_every_offer_and_its_cost_on_screen(phone: UI) -> None:
    phone.open(m.PAGE_SIMULATOR, pdl=DEMO_TEMPO_PDL)
    width = PHONE["width"]
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= width + 1
    offers = phone.marked("sim:offer:")
    assert len(offers) == 3
    for marker in offers:
        offer_id = marker.removeprefix("sim:offer:")
        for part in (phone.by(marker), phone.by(m.value(DEMO_TEMPO_PDL, f"sim_total:{offer_id}"))):
            box = part.bounding_box()
            assert box is not None, marker
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (marker, box)
    phone.by(m.CHART_SIMULATOR).scroll_into_view_if_needed()
    expect(phone.by(m.summary(m.CHART_SIMULATOR))).to_contain_text("Coût sur la période")
    phone.settle()
