"""Virtual equipments are created once, kept up to date, and never lose a user's commands."""

from __future__ import annotations

import pytest

from myelectricaldata.exporters.jeedom.client import JeedomClient
from myelectricaldata.exporters.jeedom.errors import JeedomSetupError
from myelectricaldata.exporters.jeedom.mapping import HISTORY_KEYS, HOURLY_MEASURES, MeasureInfo
from myelectricaldata.exporters.jeedom.measures import grid_measures, pdl_measures
from myelectricaldata.exporters.jeedom.model import Event
from myelectricaldata.exporters.jeedom.provision import (
    GRID_LOGICAL_ID,
    check_commands,
    grid_plan,
    jeedom_name,
    pdl_plan,
    provision,
    same_name,
)
from myelectricaldata.exporters.measures import MEASURES
from tests.fakes.jeedom import FakeJeedom, clean_name

PDL = "09999000000001"
LOGICAL = f"myelectricaldata::{PDL}"
PDL_MEASURES = (
    MeasureInfo("consumption_yesterday", "Consommation hier", "Consumption yesterday", "kWh",
                "numeric"),
    MeasureInfo("consumption_year_last_year", "Consommation de l'an dernier à date",
                "Consumption last year to date", "kWh", "numeric"),
    MeasureInfo("max_power_time", "Heure de la puissance max", "Max power time", None, "string"),
)  # fmt: skip
GRID_MEASURES = (
    MeasureInfo("tempo_today", "Couleur Tempo aujourd'hui", "Tempo colour today", None, "string"),
    MeasureInfo("ecowatt_j0", "EcoWatt aujourd'hui", "EcoWatt today", None, "numeric"),
)


# --------------------------------------------------------------------------- names


def test_names_keep_apostrophes_as_typographic_ones() -> None:
    assert jeedom_name("Consommation de l'an dernier") == "Consommation de l’an dernier"
    assert jeedom_name(" Puissance  max [VA] 100% ") == "Puissance max VA 100"
    assert same_name("Énergie", "energie ") and not same_name("Énergie", "Energies")


def test_every_catalogue_label_is_stored_by_jeedom_as_we_name_it() -> None:
    for measure in (*MEASURES, *HOURLY_MEASURES):
        for label in (measure.label_fr, measure.label_en):
            assert clean_name(jeedom_name(label)) == jeedom_name(label), label


def test_two_measures_jeedom_would_name_alike_are_refused() -> None:
    twins = [
        MeasureInfo("a", "Énergie", "Energy", "kWh", "numeric"),
        MeasureInfo("b", "energie", "energy", "kWh", "numeric"),
    ]
    with pytest.raises(ValueError, match="one Jeedom name"):
        pdl_plan(PDL, twins)


# --------------------------------------------------------------------------- creating


async def test_the_first_run_creates_an_enabled_virtual_with_every_command(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    done = await provision(client, pdl_plan(PDL, PDL_MEASURES, object_id=1))
    assert done.saved
    eq = fake.equipment(LOGICAL)
    assert (eq.id, eq.name, eq.eqType_name, eq.object_id) == (
        done.equipment_id,
        f"Linky {PDL}",
        "virtual",
        1,
    )
    assert (eq.isEnable, eq.isVisible) == (1, 1)
    cmds = {c.logicalId: c for c in fake.commands_of(eq.id)}
    assert set(cmds) == {"refresh", *done.commands}
    assert {key: cmds[key].id for key in done.commands} == dict(done.commands)
    yesterday = cmds["consumption_yesterday"]
    assert (yesterday.name, yesterday.type, yesterday.subType, yesterday.unite) == (
        "Consommation hier",
        "info",
        "numeric",
        "kWh",
    )
    assert yesterday.isHistorized == "1" and yesterday.conf("historizeMode") == "none"
    last_year = cmds["consumption_year_last_year"]
    assert last_year.name == "Consommation de l’an dernier à date"
    assert last_year.isHistorized == "0"  # a state-only value: no row per run
    assert cmds["max_power_time"].subType == "string"
    assert fake.anomalies == []


async def test_the_whole_catalogue_provisions_cleanly(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    pdl_side = [m for m in MEASURES if m.scope in ("pdl", "production")]
    grid_side = [m for m in MEASURES if m.scope in ("tempo", "ecowatt")]
    done = await provision(client, pdl_plan(PDL, pdl_measures(None, hourly=True)))
    grid = await provision(client, grid_plan(grid_measures(), language="en"))
    assert len(done.commands) == len(pdl_side) + 2 and len(grid.commands) == len(grid_side)
    historized = {
        c.logicalId
        for eq_id in (done.equipment_id, grid.equipment_id)
        for c in fake.commands_of(eq_id)
        if c.isHistorized == "1"
    }
    assert historized == HISTORY_KEYS
    assert fake.command(GRID_LOGICAL_ID, "tempo_today").name == "Tempo colour today"
    assert fake.equipment(GRID_LOGICAL_ID).name == "RTE Tempo EcoWatt"


# --------------------------------------------------------------------------- updating


async def test_a_second_run_changes_nothing_and_saves_nothing(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    before = [(c.id, c.name, c.order) for c in fake.commands_of(first.equipment_id)]
    again = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    assert again == type(first)(first.equipment_id, first.commands, saved=False)
    assert len(fake.calls_of("eqLogic::save")) == 1
    assert [(c.id, c.name, c.order) for c in fake.commands_of(first.equipment_id)] == before


async def test_what_the_user_renamed_moved_or_added_survives_an_update(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first = await provision(client, pdl_plan(PDL, PDL_MEASURES[:2]))
    eq = fake.eq_logics[first.equipment_id]
    eq.name, eq.object_id = "Compteur", 1
    fake.cmds[first.commands["consumption_yesterday"]].name = "Ma conso"
    own = fake.add_command(eq.id, "Calcul perso", configuration={"calcul": "#1# * 2"})
    await client.event(Event(first.commands["consumption_yesterday"], "5", "2025-11-19"))
    grown = await provision(client, pdl_plan(PDL, PDL_MEASURES))  # a new measure appears
    assert grown.saved and grown.equipment_id == first.equipment_id
    assert {k: grown.commands[k] for k in first.commands} == dict(first.commands)
    assert (fake.eq_logics[eq.id].name, fake.eq_logics[eq.id].object_id) == ("Compteur", 1)
    names = {c.logicalId or c.name: c.name for c in fake.commands_of(eq.id)}
    assert names["consumption_yesterday"] == "Ma conso"
    assert names["Calcul perso"] == "Calcul perso" and own.id in fake.cmds
    assert names["refresh"] == "Rafraichir"
    assert names["max_power_time"] == "Heure de la puissance max"
    assert fake.history(first.commands["consumption_yesterday"]) == [("2025-11-19 00:00:00", "5")]


async def test_switching_language_renames_only_commands_still_named_by_us(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    fake.cmds[first.commands["max_power_time"]].name = "Pic"
    english = await provision(client, pdl_plan(PDL, PDL_MEASURES, language="en"))
    assert english.saved and dict(english.commands) == dict(first.commands)
    assert fake.cmds[first.commands["consumption_yesterday"]].name == "Consumption yesterday"
    assert fake.cmds[first.commands["max_power_time"]].name == "Pic"


async def test_a_deleted_command_comes_back_and_an_unhistorized_one_is_restored(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    del fake.cmds[first.commands["max_power_time"]]
    tampered = fake.cmds[first.commands["consumption_yesterday"]]
    tampered.isHistorized, tampered.configuration["historizeMode"] = "0", "avg"
    again = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    assert again.saved and again.commands["max_power_time"] != first.commands["max_power_time"]
    restored = fake.cmds[first.commands["consumption_yesterday"]]
    assert restored.isHistorized == "1" and restored.conf("historizeMode") == "none"


# --------------------------------------------------------------------------- refusing


async def test_a_disabled_equipment_is_reported_not_silently_fed(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first = await provision(client, pdl_plan(PDL, PDL_MEASURES))
    fake.eq_logics[first.equipment_id].isEnable = 0
    with pytest.raises(JeedomSetupError, match="disabled"):
        await provision(client, pdl_plan(PDL, PDL_MEASURES))


async def test_a_user_command_holding_one_of_our_names_is_reported(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    first = await provision(client, pdl_plan(PDL, PDL_MEASURES[:1]))
    fake.add_command(first.equipment_id, "heure de la puissance MAX")
    with pytest.raises(JeedomSetupError, match="rename or delete it"):
        await provision(client, pdl_plan(PDL, PDL_MEASURES))
    assert len(fake.calls_of("eqLogic::save")) == 1


async def test_two_equipments_claiming_one_pdl_are_reported(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.add_equipment("A", logicalId=LOGICAL, isEnable=1)
    fake.add_equipment("B", logicalId=LOGICAL, isEnable=1)
    with pytest.raises(JeedomSetupError, match="delete all but one"):
        await provision(client, pdl_plan(PDL, PDL_MEASURES))


async def test_a_name_taken_in_the_object_says_what_to_change(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    fake.add_equipment(f"Linky {PDL}", object_id=1, isEnable=1)
    with pytest.raises(JeedomSetupError, match="already has an equipment named"):
        await provision(client, pdl_plan(PDL, PDL_MEASURES, object_id=1))


# --------------------------------------------------------------------------- user mapping


async def test_user_given_commands_are_checked_before_anything_is_sent(
    fake: FakeJeedom, client: JeedomClient
) -> None:
    eq = fake.add_equipment("Mine", isEnable=1)
    daily = fake.add_command(eq.id, "Jour", isHistorized="1")
    colour = fake.add_command(eq.id, "Couleur", subType="string")
    warnings = await check_commands(
        client,
        {f"{PDL}.consumption_yesterday": daily.id, "tempo_tomorrow": colour.id},
        {"consumption_yesterday": "numeric", "tempo_tomorrow": "string"},
    )
    assert len(warnings) == 1 and "Mode de lissage" in warnings[0]
    daily.configuration["historizeMode"] = "none"
    assert await check_commands(client, {f"{PDL}.consumption_yesterday": daily.id}, {}) == []
    assert fake.calls_of("cmd::event") == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such command"),
        ("action", "is an action"),
        ("numeric_for_text", "would store as 0"),
        ("disabled", "disabled equipment"),
        ("not_historized", "Historiser"),
    ],
)
async def test_a_user_given_command_that_cannot_work_is_refused(
    fake: FakeJeedom, client: JeedomClient, setup: str, message: str
) -> None:
    eq = fake.add_equipment("Mine", isEnable=0 if setup == "disabled" else 1)
    kind = "action" if setup == "action" else "info"
    sub_type = "other" if setup == "action" else "numeric"
    historized = "0" if setup == "not_historized" else "1"
    cmd = fake.add_command(eq.id, "X", type=kind, subType=sub_type, isHistorized=historized)
    key = "tempo_today" if setup == "numeric_for_text" else f"{PDL}.consumption_yesterday"
    kinds = {"tempo_today": "string"}
    cmd_id = 999 if setup == "missing" else cmd.id
    with pytest.raises(JeedomSetupError, match=message):
        await check_commands(client, {key: cmd_id}, kinds)  # type: ignore[dict-item]
