"""The catalogue as Jeedom commands: text where the value is text, the contract's measures only."""

from __future__ import annotations

from myelectricaldata.domain.types import PricingOption, UsagePoint
from myelectricaldata.exporters.jeedom.mapping import HOURLY_MEASURES
from myelectricaldata.exporters.jeedom.measures import (
    KINDS,
    grid_measures,
    measure_info,
    pdl_measures,
)
from myelectricaldata.exporters.measures import MEASURES

PDL = "09999000000001"
TEMPO_SLOTS = ("bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp")


def keys(point: UsagePoint | None, *, hourly: bool = False) -> set[str]:
    return {m.key for m in pdl_measures(point, hourly=hourly)}


def test_colours_instants_and_the_season_are_text_every_number_is_numeric() -> None:
    text = {m.key for m in MEASURES if measure_info(m).kind == "string"}
    assert text == {
        "max_power_time",
        "tempo_today",
        "tempo_tomorrow",
        "tempo_current",
        "tempo_season",
    }
    assert KINDS["consumption_hourly"] == KINDS["ecowatt_j0"] == KINDS["cost_month"] == "numeric"
    assert set(KINDS) == {m.key for m in MEASURES} | {m.key for m in HOURLY_MEASURES}


def test_labels_and_units_come_from_the_catalogue() -> None:
    by_key = {m.key: m for m in pdl_measures(None)}
    assert (
        by_key["max_power_yesterday"].label_fr,
        by_key["max_power_yesterday"].unit,
        by_key["cost_year"].unit,
    ) == ("Puissance max hier", "VA", "EUR")


def test_a_base_contract_gets_no_tariff_slot_command() -> None:
    found = keys(UsagePoint(PDL, pricing_option=PricingOption.BASE))
    assert "consumption_yesterday" in found and "cost_month" in found
    assert not [k for k in found if k.endswith(("_hc", "_hp", *TEMPO_SLOTS))]
    assert not [k for k in found if k.startswith("production_")]


def test_an_hchp_contract_gets_its_two_slots_and_tempo_its_six() -> None:
    hchp = keys(UsagePoint(PDL, pricing_option=PricingOption.HC_HP))
    assert {"consumption_yesterday_hc", "consumption_month_hp"} <= hchp
    assert not [k for k in hchp if k.endswith(TEMPO_SLOTS)]
    tempo = keys(UsagePoint(PDL, pricing_option=PricingOption.TEMPO))
    assert {f"consumption_month_{slot}" for slot in TEMPO_SLOTS} <= tempo
    assert "consumption_month_hc" not in tempo


def test_production_and_its_hourly_command_only_for_a_producing_meter() -> None:
    consumer = keys(UsagePoint(PDL), hourly=True)
    producer = keys(UsagePoint(PDL, has_production=True), hourly=True)
    assert "consumption_hourly" in consumer and "production_hourly" not in consumer
    assert {"production_yesterday", "production_year", "production_hourly"} <= producer
    assert "consumption_hourly" not in keys(UsagePoint(PDL))


def test_an_unknown_contract_gets_every_meter_measure() -> None:
    every = {m.key for m in MEASURES if m.scope in ("pdl", "production")}
    assert keys(None) == every
    assert keys(None, hourly=True) == every | {"consumption_hourly", "production_hourly"}


def test_the_grid_equipment_has_every_tempo_and_ecowatt_measure() -> None:
    assert [m.key for m in grid_measures()] == [
        m.key for m in MEASURES if m.scope in ("tempo", "ecowatt")
    ]
