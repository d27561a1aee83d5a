"""The catalogue's snapshot: every value equals an independent recomputation from the store's
rows, and every device_class/state_class/unit combination is one Home Assistant accepts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from myelectricaldata.domain.offpeak import OffpeakHistory, parse_offpeak
from myelectricaldata.domain.tariffs import TariffPrices, split_energy
from myelectricaldata.domain.timeutil import PARIS, day_bounds_utc, local_midnight
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.exporters.base import MeasureValue, StateSnapshot
from myelectricaldata.exporters.measures import MEASURES
from myelectricaldata.exporters.snapshot import compute_snapshot, compute_snapshot_sync
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL
from myelectricaldata.store.repo import Store
from tests.domain.test_tariffs import reference_split
from tests.exporters.conftest import DEMO_NOW

C, P = Direction.CONSUMPTION, Direction.PRODUCTION
BLUE, WHITE, RED = TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED
PRICES = TariffPrices()
# DEMO_NOW is Thursday 20 November 2025, 13:00 in Paris.
TODAY, YESTERDAY = date(2025, 11, 20), date(2025, 11, 19)

TEMPO_TAGS = ("bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp")
COMMON_KEYS = {
    f"consumption_{period}{suffix}"
    for period in ("yesterday", "week", "month", "year")
    for suffix in ("", "_last_year", "_evolution")
} | {
    "cost_yesterday",
    "cost_month",
    "cost_year",
    "max_power_yesterday",
    "max_power_time",
    "max_power_percent",
    "subscribed_power",
}
EXPECTED_KEYS = {
    DEMO_TEMPO_PDL: COMMON_KEYS
    | {f"consumption_{p}_{t}" for p in ("yesterday", "month") for t in TEMPO_TAGS},
    DEMO_SOLAR_PDL: COMMON_KEYS
    | {f"consumption_{p}_{t}" for p in ("yesterday", "month") for t in ("hc", "hp")}
    | {"production_yesterday", "production_month", "production_year"},
    "tempo": {
        "tempo_today",
        "tempo_tomorrow",
        "tempo_current",
        "tempo_remaining_blue",
        "tempo_remaining_white",
        "tempo_remaining_red",
        "tempo_season",
    },
    "ecowatt": {"ecowatt_now", "ecowatt_next_hour", *(f"ecowatt_j{i}" for i in range(4))},
}

# Home Assistant's rules, from homeassistant/components/sensor/const.py
# (DEVICE_CLASS_STATE_CLASSES and DEVICE_CLASS_UNITS) and sensor/__init__.py: a state_class
# outside the set is refused, "enum"/"timestamp" take no unit and no state_class, "enum" needs
# options, last_reset is only allowed with state_class "total" (and "total" without it would
# sum daily values into nonsense, so the catalogue always gives it).
HA_STATE_CLASSES: dict[str | None, set[str]] = {
    "energy": {"total", "total_increasing"},
    "monetary": {"total"},
    "apparent_power": {"measurement"},
    "enum": set(),
    "timestamp": set(),
    None: {"measurement", "total", "total_increasing"},
}
HA_UNITS: dict[str, set[str | None]] = {
    "energy": {"Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "J", "kJ", "MJ", "GJ"},
    "monetary": {"EUR"},  # ISO 4217
    "apparent_power": {"VA"},  # kVA only exists in recent HA versions
    "enum": {None},
    "timestamp": {None},
}


@pytest.fixture(scope="module")
def snapshot(demo_store: Store) -> StateSnapshot:
    return compute_snapshot_sync(demo_store, now=DEMO_NOW)


def values_of(snapshot: StateSnapshot, scope: str) -> dict[str, MeasureValue]:
    return {v.key: v for v in snapshot.for_scope(scope)}


def stored_kwh(store: Store, pdl: str, direction: Direction, start: date, end: date) -> float:
    return sum(r.value_wh for r in store.daily(pdl, direction, start, end)) / 1000.0


def curve(store: Store, pdl: str, start: date, end: date) -> list[LoadCurvePoint]:
    return store.load_curve(pdl, C, local_midnight(start), local_midnight(end + timedelta(1)))


def history_of(store: Store, pdl: str) -> OffpeakHistory:
    stored = store.usage_point(pdl)
    assert stored is not None
    return stored.offpeak_history


def tempo_of(store: Store) -> dict[date, TempoColor]:
    return {d.day: d.color for d in store.tempo(date(2023, 1, 1), date(2026, 12, 31))}


# --------------------------------------------------------------------------- presence and rules


def test_every_measure_is_present_for_both_demo_pdls(snapshot: StateSnapshot) -> None:
    for scope, keys in EXPECTED_KEYS.items():
        assert set(values_of(snapshot, scope)) == keys, scope
    assert len(snapshot.values) == sum(len(k) for k in EXPECTED_KEYS.values())
    assert {p.pdl for p in snapshot.usage_points} == {DEMO_TEMPO_PDL, DEMO_SOLAR_PDL}
    assert snapshot.computed_at == DEMO_NOW
    # Nothing is unknown in a complete demo history, except EcoWatt D+3 (published at 17:00).
    unknown = {(v.scope, v.key) for v in snapshot.values if v.value is None}
    assert unknown == {("ecowatt", "ecowatt_j3")}


def test_keys_are_unique_and_labelled_in_both_languages() -> None:
    keys = [m.key for m in MEASURES]
    assert len(keys) == len(set(keys))
    for m in MEASURES:
        assert m.label_fr and m.label_en and m.doc, m.key
        assert m.key.replace("_", "").isalnum() and m.key.islower(), m.key


def _ha_violations(v: MeasureValue) -> list[str]:
    problems = []
    dc, sc = v.device_class, v.state_class
    if dc not in HA_STATE_CLASSES:
        problems.append(f"device_class {dc} not in the rule table")
        return problems
    if sc is not None and sc not in HA_STATE_CLASSES[dc]:
        problems.append(f"state_class {sc} refused with device_class {dc}")
    if dc is not None and v.unit not in HA_UNITS[dc]:
        problems.append(f"unit {v.unit} refused with device_class {dc}")
    if dc == "enum" and (not v.options or (v.value is not None and v.value not in v.options)):
        problems.append(f"enum value {v.value!r} not in options {v.options}")
    if dc == "timestamp" and v.value is not None:
        assert isinstance(v.value, str)
        if datetime.fromisoformat(v.value).tzinfo is None:
            problems.append("timestamp without a time zone")
    has_reset = "last_reset" in v.attributes
    if sc == "total" and not has_reset:
        problems.append("state_class total without last_reset")
    if has_reset:
        if sc != "total":
            problems.append("last_reset is only allowed with state_class total")
        if datetime.fromisoformat(v.attributes["last_reset"]).tzinfo is None:
            problems.append("last_reset without a time zone")
    numeric = sc is not None or dc in ("energy", "monetary", "apparent_power")
    if (
        numeric
        and v.value is not None
        and (isinstance(v.value, bool) or not isinstance(v.value, int | float))
    ):
        problems.append(f"numeric sensor with value {v.value!r}")
    return problems


def test_device_class_state_class_and_unit_are_combinations_home_assistant_accepts(
    snapshot: StateSnapshot,
) -> None:
    for v in snapshot.values:
        assert _ha_violations(v) == [], (v.scope, v.key)
    # The rule table itself rejects what HA rejects.
    bad = MeasureValue("x", "p", 1.0, "kWh", "x", "x", "energy", "measurement")
    assert _ha_violations(bad) == ["state_class measurement refused with device_class energy"]
    no_reset = MeasureValue("x", "p", 1.0, "kWh", "x", "x", "energy", "total")
    assert _ha_violations(no_reset) == ["state_class total without last_reset"]
    kva = MeasureValue("x", "p", 1.0, "kVA", "x", "x", "apparent_power", "measurement")
    assert _ha_violations(kva) == ["unit kVA refused with device_class apparent_power"]


def test_energy_measures_are_kwh_and_daily_totals_reset_at_midnight(
    snapshot: StateSnapshot,
) -> None:
    values = values_of(snapshot, DEMO_SOLAR_PDL)
    yesterday = values["consumption_yesterday"]
    assert (yesterday.unit, yesterday.state_class) == ("kWh", "total")
    assert yesterday.attributes["last_reset"] == "2025-11-19T00:00:00+01:00"
    assert values["consumption_month"].state_class == "total_increasing"
    assert values["cost_month"].attributes["last_reset"] == "2025-11-01T00:00:00+01:00"
    assert values["cost_year"].attributes["last_reset"] == "2025-01-01T00:00:00+01:00"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_consumption_periods_equal_the_stored_daily_rows(
    snapshot: StateSnapshot, demo_store: Store, pdl: str
) -> None:
    values = values_of(snapshot, pdl)
    periods = {
        "yesterday": ((YESTERDAY, YESTERDAY), (date(2024, 11, 19), date(2024, 11, 19))),
        # Monday 17 November; last year 52 weeks earlier: Monday 18 November 2024.
        "week": ((date(2025, 11, 17), YESTERDAY), (date(2024, 11, 18), date(2024, 11, 20))),
        "month": ((date(2025, 11, 1), YESTERDAY), (date(2024, 11, 1), date(2024, 11, 19))),
        "year": ((date(2025, 1, 1), YESTERDAY), (date(2024, 1, 1), date(2024, 11, 19))),
    }
    for period, (current, last_year) in periods.items():
        now_kwh = stored_kwh(demo_store, pdl, C, *current)
        then_kwh = stored_kwh(demo_store, pdl, C, *last_year)
        assert values[f"consumption_{period}"].value == pytest.approx(now_kwh, abs=1e-9)
        assert values[f"consumption_{period}"].date == "2025-11-19"
        assert values[f"consumption_{period}_last_year"].value == pytest.approx(then_kwh, abs=1e-9)
        assert values[f"consumption_{period}_evolution"].value == round(
            (now_kwh - then_kwh) / then_kwh * 100, 1
        )
    row = demo_store.daily(pdl, C, YESTERDAY, YESTERDAY)[0]
    assert values["consumption_yesterday"].quality == row.quality


def test_production_periods_equal_the_stored_daily_rows(
    snapshot: StateSnapshot, demo_store: Store
) -> None:
    values = values_of(snapshot, DEMO_SOLAR_PDL)
    for key, start in (
        ("production_yesterday", YESTERDAY),
        ("production_month", date(2025, 11, 1)),
        ("production_year", date(2025, 1, 1)),
    ):
        expected = stored_kwh(demo_store, DEMO_SOLAR_PDL, P, start, YESTERDAY)
        assert values[key].value == pytest.approx(expected, abs=1e-9), key


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_offpeak_split_equals_a_minute_by_minute_recomputation(
    snapshot: StateSnapshot, demo_store: Store, pdl: str
) -> None:
    values = values_of(snapshot, pdl)
    stored = demo_store.usage_point(pdl)
    assert stored is not None and stored.point.pricing_option is not None
    option, history, tempo = (
        stored.point.pricing_option,
        history_of(demo_store, pdl),
        tempo_of(demo_store),
    )
    day = reference_split(curve(demo_store, pdl, YESTERDAY, YESTERDAY), option, history, tempo)
    month = reference_split(
        curve(demo_store, pdl, date(2025, 11, 1), YESTERDAY), option, history, tempo
    )
    tags = TEMPO_TAGS if option is PricingOption.TEMPO else ("hc", "hp")
    for tag in tags:
        yesterday_value = values[f"consumption_yesterday_{tag}"]
        assert yesterday_value.value == pytest.approx(day.get(tag, 0.0) / 1000, abs=1e-9), tag
        assert yesterday_value.attributes["last_reset"] == "2025-11-19T00:00:00+01:00"
        month_value = values[f"consumption_month_{tag}"].value
        assert month_value == pytest.approx(month.get(tag, 0.0) / 1000, abs=1e-9), tag


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_costs_are_the_split_energy_priced_plus_the_prorated_subscription(
    snapshot: StateSnapshot, demo_store: Store, pdl: str
) -> None:
    values = values_of(snapshot, pdl)
    stored = demo_store.usage_point(pdl)
    assert stored is not None
    option, history, tempo = (
        stored.point.pricing_option,
        history_of(demo_store, pdl),
        tempo_of(demo_store),
    )
    monthly = PRICES.subscription_eur_month
    for key, start, subscription in (
        ("cost_yesterday", YESTERDAY, monthly / 30),
        ("cost_month", date(2025, 11, 1), monthly * 19 / 30),
        # Ten full months plus 19 of the 30 days of November.
        ("cost_year", date(2025, 1, 1), monthly * (10 + 19 / 30)),
    ):
        split = split_energy(curve(demo_store, pdl, start, YESTERDAY), option, history, tempo)
        energy = sum(wh / 1000 * PRICES.price_of_tag(tag) for tag, wh in split.items())
        value = values[key]
        assert value.value == pytest.approx(energy + subscription, abs=0.006), key
        assert value.attributes["subscription_eur"] == pytest.approx(subscription, abs=1e-4)
        assert value.attributes["estimated_days"] == 0
        assert (value.unit, value.device_class, value.state_class) == ("EUR", "monetary", "total")


@pytest.mark.parametrize("pdl", [DEMO_TEMPO_PDL, DEMO_SOLAR_PDL])
def test_max_power_and_subscribed_power(
    snapshot: StateSnapshot, demo_store: Store, pdl: str
) -> None:
    values = values_of(snapshot, pdl)
    row = demo_store.max_power(pdl, YESTERDAY, YESTERDAY)[0]
    stored = demo_store.usage_point(pdl)
    assert stored is not None and stored.point.subscribed_power_kva
    kva = stored.point.subscribed_power_kva
    assert values["max_power_yesterday"].value == row.value_va
    assert values["max_power_yesterday"].date == "2025-11-19"
    assert values["max_power_time"].value == row.at.astimezone(PARIS).isoformat()
    assert values["max_power_percent"].value == round(row.value_va / (kva * 1000) * 100, 1)
    assert values["subscribed_power"].value == kva


def test_tempo_and_ecowatt_values_match_the_stored_signals(
    snapshot: StateSnapshot, demo_store: Store
) -> None:
    tempo = values_of(snapshot, "tempo")
    colors = tempo_of(demo_store)
    assert tempo["tempo_today"].value == colors[TODAY].value
    # 13:00: tomorrow's colour is published (the demo publishes at 11:00).
    assert tempo["tempo_tomorrow"].value == colors[TODAY + timedelta(1)].value
    assert tempo["tempo_current"].value == colors[TODAY].value
    assert tempo["tempo_current"].attributes["offpeak"] is False
    season = [c for d, c in colors.items() if date(2025, 9, 1) <= d <= date(2026, 8, 31)]
    assert tempo["tempo_remaining_blue"].value == 300 - season.count(BLUE)
    assert tempo["tempo_remaining_white"].value == 43 - season.count(WHITE)
    assert tempo["tempo_remaining_red"].value == 22 - season.count(RED)
    assert tempo["tempo_season"].value == "2025-2026"
    assert tempo["tempo_tomorrow"].options == ("BLUE", "WHITE", "RED")

    ecowatt = values_of(snapshot, "ecowatt")
    signals = {d.day: d for d in demo_store.ecowatt(TODAY, TODAY + timedelta(3))}
    assert ecowatt["ecowatt_now"].value == signals[TODAY].hourly[13]
    assert ecowatt["ecowatt_next_hour"].value == signals[TODAY].hourly[14]
    for i in range(3):
        day = TODAY + timedelta(i)
        value = ecowatt[f"ecowatt_j{i}"]
        assert (value.value, value.date) == (signals[day].level, day.isoformat())
        assert value.attributes["message"] == signals[day].message
        assert value.attributes["hourly"] == list(signals[day].hourly)


async def test_the_snapshot_computed_in_a_thread_equals_the_blocking_one(
    demo_store: Store, snapshot: StateSnapshot
) -> None:
    again = await compute_snapshot(demo_store, now=DEMO_NOW)
    assert [(v.scope, v.key, v.value) for v in again.values] == [
        (v.scope, v.key, v.value) for v in snapshot.values
    ]
    assert set(again.readings) == {DEMO_TEMPO_PDL, DEMO_SOLAR_PDL}


# --------------------------------------------------------------------------- controlled stores

PDL = "12345678901234"


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store with one Tempo usage point (12 kVA)."""
    store = Store.open(f"sqlite:///{tmp_path / 'small.db'}")
    point = UsagePoint(
        PDL,
        subscribed_power_kva=12,
        pricing_option=PricingOption.TEMPO,
        offpeak=parse_offpeak("HC (22H00-6H00)"),
    )
    store.upsert_usage_point(point, Origin.DEMO)
    yield store
    store.close()


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def tempo_values(store: Store, now: datetime) -> dict[str, Any]:
    return {v.key: v.value for v in compute_snapshot_sync(store, now=now).for_scope("tempo")}


def test_tomorrow_is_unknown_before_publication_and_known_after(small_store: Store) -> None:
    today = date(2026, 1, 14)
    small_store.upsert_tempo(
        [TempoDay(today - timedelta(1), RED), TempoDay(today, WHITE)], Origin.DEMO
    )
    before = tempo_values(small_store, paris(2026, 1, 14, 10, 0))
    assert (before["tempo_today"], before["tempo_tomorrow"]) == ("WHITE", None)
    small_store.upsert_tempo([TempoDay(today + timedelta(1), RED)], Origin.DEMO)
    after = tempo_values(small_store, paris(2026, 1, 14, 11, 5))
    assert (after["tempo_today"], after["tempo_tomorrow"]) == ("WHITE", "RED")


def test_current_colour_before_six_is_the_previous_tempo_day(small_store: Store) -> None:
    today = date(2026, 1, 14)
    small_store.upsert_tempo(
        [TempoDay(today - timedelta(1), RED), TempoDay(today, WHITE)], Origin.DEMO
    )
    snap = compute_snapshot_sync(small_store, now=paris(2026, 1, 14, 5, 30))
    current = next(v for v in snap.values if v.key == "tempo_current")
    assert (current.value, current.date, current.attributes["offpeak"]) == (
        "RED",
        "2026-01-13",
        True,
    )
    assert tempo_values(small_store, paris(2026, 1, 14, 6, 0))["tempo_current"] == "WHITE"


def test_remaining_days_count_the_season_so_far(small_store: Store) -> None:
    start = date(2025, 9, 1)
    days = [TempoDay(start + timedelta(i), BLUE) for i in range(100)]
    days[70] = TempoDay(days[70].day, WHITE)
    days[71] = TempoDay(days[71].day, WHITE)
    days[80] = TempoDay(days[80].day, RED)  # 20 November 2025, a Thursday
    small_store.upsert_tempo(days, Origin.DEMO)
    # Last season's days do not count.
    small_store.upsert_tempo([TempoDay(date(2025, 8, 29), RED)], Origin.DEMO)
    values = tempo_values(small_store, paris(2025, 12, 9, 12, 0))
    assert values["tempo_remaining_blue"] == 300 - 97
    assert values["tempo_remaining_white"] == 43 - 2
    assert values["tempo_remaining_red"] == 22 - 1
    assert values["tempo_season"] == "2025-2026"


def test_ecowatt_now_and_next_hour_follow_the_local_clock(small_store: Store) -> None:
    today = date(2026, 1, 14)
    hourly = tuple([0] * 23 + [2])
    small_store.upsert_ecowatt(
        [
            EcoWattDay(today, 2, hourly, "tendu"),
            EcoWattDay(today + timedelta(1), 3, tuple([3] + [1] * 23), "très tendu"),
        ],
        Origin.DEMO,
    )
    snap = compute_snapshot_sync(small_store, now=paris(2026, 1, 14, 23, 30))
    values = {v.key: v for v in snap.for_scope("ecowatt")}
    assert values["ecowatt_now"].value == 2  # hour 23 of today
    assert values["ecowatt_next_hour"].value == 3  # hour 0 of tomorrow
    assert values["ecowatt_next_hour"].date == "2026-01-15"
    assert (values["ecowatt_j0"].value, values["ecowatt_j1"].value) == (2, 3)
    assert values["ecowatt_j1"].attributes["message"] == "très tendu"
    assert values["ecowatt_j2"].value is None


def _full_day(store: Store, day: date, watts: int = 1000) -> None:
    start, end = day_bounds_utc(day)
    count = int((end - start).total_seconds() // 1800)
    store.upsert_load_curve(
        PDL,
        C,
        [LoadCurvePoint(start + timedelta(minutes=30 * i), watts) for i in range(count)],
        Origin.DEMO,
    )
    store.upsert_daily(PDL, C, [DailyReading(day, watts * count // 2)], Origin.DEMO)


def test_red_day_peak_hours_are_priced_red(small_store: Store) -> None:
    red_day = date(2026, 1, 13)  # a Tuesday
    small_store.upsert_tempo(
        [TempoDay(red_day - timedelta(1), BLUE), TempoDay(red_day, RED)], Origin.DEMO
    )
    _full_day(small_store, red_day)
    snap = compute_snapshot_sync(small_store, now=paris(2026, 1, 14, 12, 0))
    values = {v.key: v for v in snap.for_scope(PDL)}
    assert values["consumption_yesterday_redhp"].value == 16.0
    assert values["consumption_yesterday_redhc"].value == 2.0  # 22:00-24:00
    assert values["consumption_yesterday_bluehc"].value == 6.0  # 00:00-06:00: Monday's night
    expected = 16 * 0.6468 + 2 * 0.1460 + 6 * 0.1232 + PRICES.subscription_eur_month / 31
    assert values["cost_yesterday"].value == round(expected, 2)


def test_stale_data_is_reported_with_its_own_date(small_store: Store) -> None:
    small_store.upsert_tempo(
        [TempoDay(date(2026, 1, 9), BLUE), TempoDay(date(2026, 1, 10), BLUE)], Origin.DEMO
    )
    _full_day(small_store, date(2026, 1, 10), watts=500)
    small_store.upsert_max_power(
        PDL, [MaxPowerReading(date(2026, 1, 10), 7000, paris(2026, 1, 10, 19, 3))], Origin.DEMO
    )
    snap = compute_snapshot_sync(small_store, now=paris(2026, 1, 14, 12, 0))
    values = {v.key: v for v in snap.for_scope(PDL)}
    yesterday = values["consumption_yesterday"]
    assert (yesterday.value, yesterday.date) == (12.0, "2026-01-10")
    assert yesterday.attributes["last_reset"] == "2026-01-10T00:00:00+01:00"
    assert values["consumption_week"].value == 12.0  # Monday 5 to Saturday 10 January
    assert values["max_power_yesterday"].value == 7000
    assert values["max_power_time"].value == "2026-01-10T19:03:00+01:00"
    assert values["max_power_percent"].value == round(7000 / 12000 * 100, 1)


def test_day_without_load_curve_is_priced_at_peak_and_flagged(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'hchp.db'}")
    point = UsagePoint(
        PDL,
        subscribed_power_kva=6,
        pricing_option=PricingOption.HC_HP,
        offpeak=parse_offpeak("HC (22H30-6H30)"),
    )
    store.upsert_usage_point(point, Origin.DEMO)
    store.upsert_daily(PDL, C, [DailyReading(date(2025, 11, 19), 10_000)], Origin.DEMO)
    snap = compute_snapshot_sync(store, now=paris(2025, 11, 20, 12, 0))
    store.close()
    values = {v.key: v for v in snap.for_scope(PDL)}
    assert values["consumption_yesterday_hc"].value is None
    cost = values["cost_yesterday"]
    assert cost.value == round(10 * 0.2081 + PRICES.subscription_eur_month / 30, 2)
    assert (cost.attributes["estimated_days"], cost.attributes["missing_days"]) == (1, 0)


def test_a_usage_point_without_data_gives_unknown_values(small_store: Store) -> None:
    snap = compute_snapshot_sync(small_store, now=DEMO_NOW)
    values = {v.key: v for v in snap.for_scope(PDL)}
    assert values["consumption_yesterday"].value is None
    assert values["cost_month"].value is None
    assert values["max_power_yesterday"].value is None
    assert values["subscribed_power"].value == 12
    assert {v.key: v.value for v in snap.for_scope("tempo")}["tempo_today"] is None
    for v in snap.values:
        assert _ha_violations(v) == [], v.key


def test_naive_now_is_refused(small_store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        compute_snapshot_sync(small_store, now=datetime(2025, 11, 20, 12))


def test_custom_prices_are_used(small_store: Store) -> None:
    day = date(2026, 1, 13)
    small_store.upsert_tempo([TempoDay(day - timedelta(1), BLUE), TempoDay(day, BLUE)], Origin.DEMO)
    _full_day(small_store, day)
    prices = TariffPrices(
        tempo_blue_hp_eur_kwh=1.0, tempo_blue_hc_eur_kwh=0.5, subscription_eur_month=0
    )
    snap = compute_snapshot_sync(small_store, now=paris(2026, 1, 14, 12, 0), prices=prices)
    cost = next(v for v in snap.for_scope(PDL) if v.key == "cost_yesterday")
    assert cost.value == 16 * 1.0 + 8 * 0.5


def test_utc_now_default_is_aware(small_store: Store) -> None:
    snap = compute_snapshot_sync(small_store)
    assert snap.computed_at.tzinfo is not None
    assert abs(snap.computed_at - datetime.now(UTC)) < timedelta(minutes=1)
