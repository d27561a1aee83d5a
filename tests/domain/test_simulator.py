"""The simulator ranks every offer in force for the meter's kVA, with the saving against the
current offer; totals are checked against the minute-by-minute reference of test_billing."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from myelectricaldata.domain.billing import Calendars, build_usage
from myelectricaldata.domain.offers import Catalogue, Offer, OfferType
from myelectricaldata.domain.simulator import simulate
from myelectricaldata.domain.types import TempoColor
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.sources.offers import parse_catalogue
from tests.domain.test_billing import NIGHT, points_for, reference
from tests.fakes.offers import market_rows

FIRST, LAST = date(2024, 11, 12), date(2024, 11, 18)  # Tuesday to Monday
COLORS = [
    TempoColor.BLUE,
    TempoColor.WHITE,
    TempoColor.RED,
    TempoColor.RED,
    TempoColor.WHITE,
    TempoColor.BLUE,
    TempoColor.BLUE,
    TempoColor.WHITE,
]
TEMPO = {date(2024, 11, 11 + i): color for i, color in enumerate(COLORS)}
AS_OF = date(2026, 12, 6)


def catalogue() -> Catalogue:
    market = parse_catalogue(market_rows()).catalogue
    return Catalogue([*demo_catalogue().offers, *market.offers])


def usage(daily: dict[date, int] | None = None, last: date = LAST) -> object:
    points = points_for(FIRST, LAST)
    rows = [(int(p.start.timestamp()), p.interval_min, p.avg_w) for p in points]
    return build_usage(rows, daily or {}, FIRST, last)


def total(rows: list[Offer], *, whole_period: bool = False) -> float:
    """Reference total; ``whole_period`` applies the single row to every day (today's prices)."""
    if whole_period:
        rows = [dataclasses.replace(rows[0], valid_from=FIRST, valid_to=None)]
    _kwh, eur, subscription = reference(rows, points_for(FIRST, LAST), FIRST, LAST, tempo=TEMPO)
    return sum(eur.values()) + subscription


def test_every_current_offer_is_ranked_cheapest_first_with_its_saving() -> None:
    cat = catalogue()
    current = next(o for o in cat.current(6, AS_OF) if o.offer_type is OfferType.HC_HP)
    sim = simulate(cat, usage(), Calendars(NIGHT, TEMPO), kva=6, as_of=AS_OF, current=current)  # type: ignore[arg-type]
    types = [r.bill.offer.offer_type for r in sim.ranking]
    assert sorted(types) == sorted(
        [
            OfferType.BASE,
            OfferType.HC_HP,
            OfferType.TEMPO,
            OfferType.WEEKEND,
            OfferType.HC_NUIT_WEEKEND,
            OfferType.SEASONAL,
            OfferType.SEASONAL,
            OfferType.EJP,
        ]
    )
    ranked = [r for r in sim.ranking if r.rank is not None]
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    totals = [r.bill.total_eur for r in ranked]
    assert totals == sorted(totals)  # type: ignore[type-var]
    # Peak-day offers without their calendar: a range, not ranked, listed after.
    unranked = [r for r in sim.ranking if r.rank is None]
    assert {r.bill.offer.name for r in unranked} == {"EJP", "Deux saisons Pointe"}
    assert sim.ranking[-len(unranked) :] == tuple(unranked)
    assert all(r.bill.low_eur < r.bill.high_eur for r in unranked)
    # Totals and savings recomputed minute by minute, each offer at its row of today.
    by_type = {r.bill.offer.offer_type: r for r in ranked}
    reference_current = total([current], whole_period=True)
    for kind in (OfferType.BASE, OfferType.HC_HP, OfferType.TEMPO, OfferType.HC_NUIT_WEEKEND):
        item = by_type[kind]
        expected = total([item.bill.offer], whole_period=True)
        assert item.bill.total_eur == pytest.approx(expected, abs=1e-9), kind
        assert item.saving_eur == pytest.approx(reference_current - expected, abs=1e-9), kind
    assert sim.current is not None and sim.current.is_current
    assert sim.current.bill.offer.family == current.family
    assert sim.current.saving_eur == 0.0
    assert [n.code for n in sim.notes] == ["curve_days", "needs_peak_days"]


def test_current_pricing_uses_today_rows_and_dated_pricing_the_rows_of_each_day() -> None:
    cat = catalogue()
    base = [o for o in cat.offers if o.offer_type is OfferType.BASE and o.power_kva == 9]
    today_row = next(o for o in base if o.valid_on(AS_OF))
    then_row = next(o for o in base if o.valid_on(FIRST))
    cal = Calendars(NIGHT, TEMPO)
    now = simulate(cat, usage(), cal, kva=9, as_of=AS_OF, offer_type=OfferType.BASE)  # type: ignore[arg-type]
    dated = simulate(cat, usage(), cal, kva=9, as_of=AS_OF, offer_type=OfferType.BASE, dated=True)  # type: ignore[arg-type]
    assert [r.bill.offer.id for r in now.ranking] == [today_row.id]
    assert now.ranking[0].bill.total_eur == pytest.approx(
        total([today_row], whole_period=True), abs=1e-9
    )
    assert dated.ranking[0].bill.total_eur == pytest.approx(total([then_row]), abs=1e-9)
    assert now.ranking[0].saving_eur is None  # no current offer: no saving
    assert "no_current_offer" in [n.code for n in now.notes]


def test_the_answer_says_how_many_days_come_from_daily_values() -> None:
    cat = catalogue()
    later = date(2024, 11, 20)
    daily = {date(2024, 11, 19): 30_000}
    sim = simulate(
        cat,
        usage(daily, last=later),
        Calendars(NIGHT, TEMPO),
        kva=6,
        as_of=AS_OF,  # type: ignore[arg-type]
        offer_type=OfferType.HC_HP,
    )
    notes = {n.code: n.message for n in sim.notes}
    assert notes["curve_days"].startswith("7 of the 9 days")
    assert "1 days are priced from their daily value" in notes["estimated_days"]
    assert "average day of the 7 days" in notes["estimated_days"]
    assert "1 days have no consumption value" in notes["missing_days"]
