"""The Linky card entities carry the card's attributes, each recomputed from the store's rows:
the last seven days, HC/HP per day, max power per day, the periods."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from myelectricaldata.domain.tariffs import split_energy, tag_is_offpeak
from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import Direction, TempoColor
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.home_assistant.entities import card_values
from myelectricaldata.exporters.snapshot import compute_snapshot_sync
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW

C, P = Direction.CONSUMPTION, Direction.PRODUCTION
YESTERDAY = date(2025, 11, 19)
WEEK = [YESTERDAY - timedelta(days=i) for i in range(7)]  # newest first, as the card wants


@pytest.fixture(scope="module")
def snapshot(demo_store: Store) -> StateSnapshot:
    return compute_snapshot_sync(demo_store, now=DEMO_NOW)


def card(snapshot: StateSnapshot, pdl: str, key: str = "linky_consumption") -> dict[str, Any]:
    found = [v for v in card_values(snapshot) if v.scope == pdl and v.key == key]
    assert len(found) == 1
    return found[0].attributes


def kwh(store: Store, pdl: str, direction: Direction, start: date, end: date) -> float:
    return sum(r.value_wh for r in store.daily(pdl, direction, start, end)) / 1000.0


def tempo_of(store: Store) -> dict[date, TempoColor]:
    return {d.day: d.color for d in store.tempo(date(2025, 1, 1), date(2025, 12, 31))}


def test_the_card_entities_copy_yesterday_with_the_card_attributes(
    snapshot: StateSnapshot,
) -> None:
    values = {(v.scope, v.key): v for v in snapshot.values}
    cards = card_values(snapshot)
    assert {(v.scope, v.key) for v in cards} == {
        (DEMO_TEMPO_PDL, "linky_consumption"),
        (DEMO_SOLAR_PDL, "linky_consumption"),
        (DEMO_SOLAR_PDL, "linky_production"),
    }
    for value in cards:
        source = (
            "production_yesterday" if value.key == "linky_production" else ("consumption_yesterday")
        )
        original = values[(value.scope, source)]
        assert (value.value, value.date, value.unit) == (original.value, original.date, "kWh")
        assert value.attributes["last_reset"] == original.attributes["last_reset"]
        assert value.attributes["yesterdayDate"] == YESTERDAY.isoformat()
    # The catalogue's own value stays lean: the card's attributes are Home Assistant's.
    assert "daily" not in values[(DEMO_TEMPO_PDL, "consumption_yesterday")].attributes


def test_the_last_seven_days_periods_and_tempo(snapshot: StateSnapshot, demo_store: Store) -> None:
    attrs = card(snapshot, DEMO_TEMPO_PDL)
    assert attrs["typeCompteur"] == "consommation"
    assert attrs["dailyweek"] == [d.isoformat() for d in WEEK]
    assert attrs["daily"] == [kwh(demo_store, DEMO_TEMPO_PDL, C, d, d) for d in WEEK]
    tempo = tempo_of(demo_store)
    assert attrs["dailyweek_Tempo"] == [tempo[d].value for d in WEEK]
    assert attrs["current_month"] == pytest.approx(
        kwh(demo_store, DEMO_TEMPO_PDL, C, date(2025, 11, 1), YESTERDAY)
    )
    assert attrs["last_month"] == pytest.approx(
        kwh(demo_store, DEMO_TEMPO_PDL, C, date(2025, 10, 1), date(2025, 10, 31))
    )
    assert attrs["last_week"] == pytest.approx(
        kwh(demo_store, DEMO_TEMPO_PDL, C, date(2025, 11, 10), date(2025, 11, 16))
    )
    rows = attrs["last_7_days"]
    assert [r["date"] for r in rows] == [d.isoformat() for d in reversed(WEEK)]
    for r in rows:
        assert r["hc_kwh"] + r["hp_kwh"] == pytest.approx(sum(r["split_kwh"].values()))
    assert 0 < attrs["peak_offpeak_percent"] < 100


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_yesterday_hc_and_hp_are_the_reference_split(
    snapshot: StateSnapshot, demo_store: Store, pdl: str
) -> None:
    stored = demo_store.usage_point(pdl)
    assert stored is not None
    points = demo_store.load_curve(
        pdl, C, local_midnight(YESTERDAY), local_midnight(YESTERDAY + timedelta(days=1))
    )
    day = split_energy(
        points, stored.point.pricing_option, stored.offpeak_history, tempo_of(demo_store)
    )
    attrs = card(snapshot, pdl)
    offpeak = sum(wh for t, wh in day.items() if tag_is_offpeak(t)) / 1000
    peak = sum(wh for t, wh in day.items() if not tag_is_offpeak(t)) / 1000
    assert attrs["yesterday_HC"] == pytest.approx(offpeak)
    assert attrs["yesterday_HP"] == pytest.approx(peak)


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_max_power_per_day_against_the_subscribed_power(
    snapshot: StateSnapshot, demo_store: Store, pdl: str
) -> None:
    stored = demo_store.usage_point(pdl)
    assert stored is not None and stored.point.subscribed_power_kva
    kva = stored.point.subscribed_power_kva
    week = demo_store.max_power(pdl, WEEK[-1], YESTERDAY)
    attrs = card(snapshot, pdl)
    assert attrs["dailyweek_MP"] == [r.value_va / 1000 for r in reversed(week)]
    assert attrs["dailyweek_MP_over"] == [r.value_va > kva * 1000 for r in reversed(week)]
    assert attrs["subscribed_power"] == kva


def test_the_production_card_holds_the_production_days(
    snapshot: StateSnapshot, demo_store: Store
) -> None:
    attrs = card(snapshot, DEMO_SOLAR_PDL, "linky_production")
    assert attrs["typeCompteur"] == "production"
    assert attrs["daily"] == [kwh(demo_store, DEMO_SOLAR_PDL, P, d, d) for d in WEEK]
