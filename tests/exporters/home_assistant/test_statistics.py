"""The statistics builder: hourly rows and sums from the store, checked against the reference
split of ``domain.tariffs`` for every tariff, on DST days, daily-only days, and continued sums."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from myelectricaldata.domain.offpeak import OffpeakHistory, parse_offpeak
from myelectricaldata.domain.tariffs import TariffPrices, split_rows_by_day
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, PricingOption, TempoColor
from myelectricaldata.exporters.home_assistant.importer import read_group
from myelectricaldata.exporters.home_assistant.statistics import (
    StatisticSpec,
    TariffClassifier,
    build_hourly,
    energy_tags,
    metadata,
    statistic_rows,
    statistic_specs,
    validate_prefix,
)
from myelectricaldata.store.repo import Store
from tests.exporters.home_assistant.helpers import (
    HCHP_PDL,
    TEMPO_PDL,
    curve_rows,
    expected_wh_by_day,
)


def _by_day(hours: list[int], column: list[int]) -> dict[date, float]:
    out: dict[date, float] = defaultdict(float)
    for hour, wmin in zip(hours, column, strict=True):
        out[datetime.fromtimestamp(hour, PARIS).date()] += wmin / 60
    return dict(out)


@pytest.mark.parametrize(
    ("pdl", "option"),
    [
        (TEMPO_PDL, PricingOption.TEMPO),
        (HCHP_PDL, PricingOption.HC_HP),
        (HCHP_PDL, PricingOption.HC_WEEKEND),
        (TEMPO_PDL, PricingOption.BASE),
    ],
)
def test_hourly_split_adds_up_to_the_reference_split_of_every_day(
    demo_store: Store, pdl: str, option: PricingOption
) -> None:
    stored = demo_store.usage_point(pdl)
    assert stored is not None
    tempo = {d.day: d.color for d in demo_store.tempo(date(2020, 1, 1), date(2030, 1, 1))}
    rows = curve_rows(demo_store, pdl, Direction.CONSUMPTION)
    tags = energy_tags(Direction.CONSUMPTION, option)
    classify = (
        None
        if option is PricingOption.BASE
        else TariffClassifier(option, stored.offpeak_history, tempo, tags)
    )
    hourly = build_hourly(rows, {}, tags, tags[0] if len(tags) == 1 else "unsplit", classify)
    reference = split_rows_by_day(rows, option, stored.offpeak_history, tempo)
    for tag in tags:
        if tag == "unsplit":
            continue
        got = _by_day(hourly.hours, hourly.columns[tag])
        for day, split in reference.items():
            assert got.get(day, 0.0) == pytest.approx(split.wh.get(tag, 0.0), abs=1e-6), (day, tag)
    # The reference is asked once per distinct case, not per interval.
    if classify is not None:
        assert classify.probes < 2000 < len(rows)


def test_dst_days_have_23_and_25_hourly_rows_at_utc_hour_starts(demo_store: Store) -> None:
    source = read_group(demo_store, HCHP_PDL, Direction.CONSUMPTION, date(2024, 3, 30))
    per_day: dict[date, list[int]] = defaultdict(list)
    for hour in source.hourly.hours:
        assert hour % 3600 == 0
        per_day[datetime.fromtimestamp(hour, PARIS).date()].append(hour)
    assert len(per_day[date(2024, 3, 31)]) == 23
    assert len(per_day[date(2024, 10, 27)]) == 25
    assert len(per_day[date(2024, 4, 1)]) == 24
    expected = expected_wh_by_day(demo_store, HCHP_PDL, Direction.CONSUMPTION)
    for day in (date(2024, 3, 31), date(2024, 10, 27), date(2025, 3, 30), date(2025, 10, 26)):
        got = {
            tag: _by_day(source.hourly.hours, source.hourly.columns[tag]).get(day, 0.0)
            for tag in ("hc", "hp")
        }
        assert got["hc"] == pytest.approx(expected[day]["hc"], abs=1e-6)
        assert got["hp"] == pytest.approx(expected[day]["hp"], abs=1e-6)


def test_a_day_without_load_curve_is_one_row_at_local_midnight_in_unsplit(
    demo_store: Store,
) -> None:
    source = read_group(demo_store, TEMPO_PDL, Direction.CONSUMPTION, None)
    hourly = source.hourly
    daily_only = [
        d
        for d in demo_store.daily(
            TEMPO_PDL, Direction.CONSUMPTION, date(2022, 1, 1), date(2023, 11, 1)
        )
    ]
    assert len(daily_only) > 300
    index = {h: i for i, h in enumerate(hourly.hours)}
    for row in daily_only:
        midnight = int(local_midnight(row.day).timestamp())
        assert hourly.columns["unsplit"][index[midnight]] == row.value_wh * 60
        assert all(hourly.columns[t][index[midnight]] == 0 for t in hourly.tags if t != "unsplit")
        # No invented split: nothing else on that day.
        nxt = int(local_midnight(row.day + timedelta(days=1)).timestamp())
        assert [h for h in hourly.hours if midnight < h < nxt] == []


def test_sums_continued_from_a_sum_read_back_are_the_same_as_in_one_go(
    demo_store: Store,
) -> None:
    source = read_group(demo_store, TEMPO_PDL, Direction.CONSUMPTION, None)
    prices = TariffPrices(tempo_red_hp_eur_kwh=0.7123)
    for spec in statistic_specs(
        "myelectricaldata", TEMPO_PDL, Direction.CONSUMPTION, PricingOption.TEMPO, prices
    ):
        whole = statistic_rows(source.hourly, spec, 0, 0)
        for cut in (1, 5000, len(whole.sums) - 3):
            # What HA gives back is the float sent; it converts back to the exact integer.
            base = spec.from_value(spec.to_value(whole.sums[cut - 1]))
            rest = statistic_rows(source.hourly, spec, cut, base)
            assert rest.sums == whole.sums[cut:], spec.statistic_id
            assert [spec.to_value(s) for s in rest.sums] == [
                spec.to_value(s) for s in whole.sums[cut:]
            ]


def test_cost_is_energy_times_the_price_of_each_tag(demo_store: Store) -> None:
    source = read_group(demo_store, HCHP_PDL, Direction.CONSUMPTION, None)
    prices = TariffPrices(hc_eur_kwh=0.1111, hp_eur_kwh=0.2222)
    specs = statistic_specs("med", HCHP_PDL, Direction.CONSUMPTION, PricingOption.HC_HP, prices)
    by_id = {s.statistic_id: s for s in specs}
    assert sorted(by_id) == [
        "med:09999000000002_hc_consumption",
        "med:09999000000002_hc_cost",
        "med:09999000000002_hp_consumption",
        "med:09999000000002_hp_cost",
        "med:09999000000002_unsplit_consumption",
    ]
    for tag, price in (("hc", 0.1111), ("hp", 0.2222)):
        energy = statistic_rows(source.hourly, by_id[f"med:{HCHP_PDL}_{tag}_consumption"], 0, 0)
        cost = statistic_rows(source.hourly, by_id[f"med:{HCHP_PDL}_{tag}_cost"], 0, 0)
        kwh = energy.sums[-1] / 60000
        eur = cost.sums[-1] / 1_000_000
        assert eur == pytest.approx(kwh * price, abs=0.01)


def test_production_has_revenue_only_with_a_resale_price() -> None:
    no_resale = statistic_specs("p", HCHP_PDL, Direction.PRODUCTION, None, TariffPrices())
    assert [s.statistic_id for s in no_resale] == [f"p:{HCHP_PDL}_production"]
    resale = statistic_specs(
        "p", HCHP_PDL, Direction.PRODUCTION, None, TariffPrices(production_resale_eur_kwh=0.13)
    )
    assert [s.statistic_id for s in resale] == [f"p:{HCHP_PDL}_production", f"p:{HCHP_PDL}_revenue"]
    assert resale[1].unit == "EUR" and resale[1].price == 0.13


def test_a_base_contract_has_one_statistic_and_its_daily_only_days_go_to_base() -> None:
    specs = statistic_specs("p", HCHP_PDL, Direction.CONSUMPTION, PricingOption.BASE, None)
    assert [s.statistic_id for s in specs] == [f"p:{HCHP_PDL}_base_consumption"]
    hourly = build_hourly([], {date(2024, 1, 5): 12345}, ("base",), "base")
    assert hourly.hours == [int(datetime(2024, 1, 4, 23, tzinfo=UTC).timestamp())]
    assert hourly.columns["base"] == [12345 * 60]


def test_off_peak_hours_are_those_in_force_on_each_day() -> None:
    history = OffpeakHistory(
        [
            (date(1970, 1, 1), parse_offpeak("HC (22H00-6H00)")),
            (date(2025, 11, 1), parse_offpeak("HC (2H00-7H00;13H00-16H00)")),
        ]
    )
    tags = energy_tags(Direction.CONSUMPTION, PricingOption.HC_HP)
    classify = TariffClassifier(PricingOption.HC_HP, history, {}, tags)

    def at(day: date, hour: int) -> int:
        return int(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).timestamp())

    rows = [
        (at(date(2025, 10, 31), 23), 30, 1000),  # old schedule: HC
        (at(date(2025, 10, 31), 14), 30, 1000),  # old schedule: HP
        (at(date(2025, 11, 1), 23), 30, 1000),  # new schedule: HP
        (at(date(2025, 11, 1), 14), 30, 1000),  # new schedule: HC
    ]
    hourly = build_hourly(rows, {}, tags, "unsplit", classify)
    values = dict(
        zip(hourly.hours, zip(hourly.columns["hc"], hourly.columns["hp"], strict=True), strict=True)
    )
    assert values[rows[0][0]] == (30000, 0)
    assert values[rows[1][0]] == (0, 30000)
    assert values[rows[2][0]] == (0, 30000)
    assert values[rows[3][0]] == (30000, 0)


def test_tempo_hours_before_six_take_the_colour_of_the_day_before() -> None:
    tempo = {date(2025, 1, 6): TempoColor.RED, date(2025, 1, 7): TempoColor.BLUE}
    tags = energy_tags(Direction.CONSUMPTION, PricingOption.TEMPO)
    classify = TariffClassifier(PricingOption.TEMPO, OffpeakHistory([]), tempo, tags)
    five = int(datetime(2025, 1, 7, 5, tzinfo=PARIS).timestamp())
    seven = int(datetime(2025, 1, 7, 7, tzinfo=PARIS).timestamp())
    unknown = int(datetime(2025, 1, 8, 7, tzinfo=PARIS).timestamp())
    hourly = build_hourly(
        [(five, 60, 600), (seven, 60, 600), (unknown, 60, 600)], {}, tags, "unsplit", classify
    )
    column = {t: dict(zip(hourly.hours, hourly.columns[t], strict=True)) for t in tags}
    assert column["redhc"][five] == 36000
    assert column["bluehp"][seven] == 36000
    assert column["unsplit"][unknown] == 36000  # no colour known: never guessed


def test_metadata_follows_the_home_assistant_version() -> None:
    energy = StatisticSpec("med:1_base_consumption", "x", "kWh", "base")
    cost = StatisticSpec("med:1_base_cost", "x", "EUR", "base", 0.2)
    legacy = metadata(energy, "med", modern=False)
    assert legacy["has_mean"] is False and "mean_type" not in legacy and "unit_class" not in legacy
    modern = metadata(energy, "med", modern=True)
    assert modern["mean_type"] == 0 and modern["unit_class"] == "energy"
    assert "has_mean" not in modern
    assert metadata(cost, "med", modern=True)["unit_class"] is None
    assert modern["source"] == "med" and modern["has_sum"] is True


@pytest.mark.parametrize("bad", ["", "My", "a__b", "_a", "a_", "a:b", "a-b"])
def test_a_prefix_home_assistant_would_refuse_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="statistic_id_prefix"):
        validate_prefix(bad)


def test_expected_days_cover_both_dst_changes(demo_store: Store) -> None:
    expected = expected_wh_by_day(demo_store, TEMPO_PDL, Direction.CONSUMPTION)
    assert date(2024, 3, 31) in expected and date(2024, 10, 27) in expected
