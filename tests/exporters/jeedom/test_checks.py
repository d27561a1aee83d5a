"""What the Jeedom exporter tells the user: the connection test proven by Jeedom's own answers,
errors from the JSON body surfaced (retried when a later attempt may succeed, stopped
otherwise), and the user's own commands checked before anything is written to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from myelectricaldata.domain.types import Direction
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.store.repo import Store
from tests.exporters.jeedom.conftest import PDLS, TODAY
from tests.exporters.jeedom.test_exporter import (
    FAR_FUTURE,
    FAR_PAST,
    GRID_EQ,
    assert_history_is_the_store,
    config,
    equipment,
    midnight,
)
from tests.fakes.jeedom import FakeJeedom

WRONG_KEY = "not-the-jeedom-key-0123456789abc"


async def test_the_connection_test_names_jeedoms_version_and_time_zone(
    fake: FakeJeedom, service: ExportService
) -> None:
    result = await service.test("jeedom", service.configs.unsaved("jeedom", config(fake)))
    assert result.success, result.error
    assert result.message == (
        f"Jeedom 4.5.3 at {fake.url}: API key accepted, time zone Europe/Brussels (read from "
        "Jeedom); the first run creates its Virtual equipments"
    )
    assert fake.methods() == ["ping", "version", "config::byKey", "eqLogic::byType"]
    assert not fake.calls_of("eqLogic::save") and not fake.calls_of("cmd::event")
    service.configs.save("jeedom", config(fake))
    assert (await service.run("jeedom")).status == "success"
    again = await service.test("jeedom", service.configs.unsaved("jeedom", config(fake)))
    assert again.message.endswith("; 3 equipment(s) of the export found")


async def test_a_refused_key_fails_the_test_and_stops_the_run_at_once(
    fake: FakeJeedom, service: ExportService
) -> None:
    values = config(fake, api_key=WRONG_KEY)
    result = await service.test("jeedom", service.configs.unsaved("jeedom", values))
    assert not result.success and result.error is not None
    assert "refused version (code 2" in result.error and "api_key" in result.error
    service.configs.save("jeedom", values)
    before = len(fake.calls)
    log = await service.run("jeedom")
    assert log.status == "failed" and len(fake.calls) == before + 1  # not tried again
    assert "the API key was refused" in (log.error or "") and "not retried" in (log.error or "")
    assert WRONG_KEY not in (log.error or "") + result.error + result.message


async def test_a_plugin_key_needs_the_time_zone_set(
    fake: FakeJeedom, service: ExportService
) -> None:
    values = config(fake, api_key=fake.virtual_key, plugin="virtual")
    result = await service.test("jeedom", service.configs.unsaved("jeedom", values))
    assert not result.success and "did not tell its time zone" in (result.error or "")
    values["timezone"] = "Europe/Paris"
    result = await service.test("jeedom", service.configs.unsaved("jeedom", values))
    assert result.success and "time zone Europe/Paris (as set)" in result.message


async def test_an_unknown_object_is_named_by_the_test(
    fake: FakeJeedom, service: ExportService
) -> None:
    result = await service.test(
        "jeedom", service.configs.unsaved("jeedom", config(fake, object_id=99))
    )
    assert not result.success and "jeeObject::byId (code 601: Objet introuvable" in (
        result.error or ""
    )
    found = await service.test(
        "jeedom", service.configs.unsaved("jeedom", config(fake, object_id=1))
    )
    assert found.success and "object 'Maison'" in found.message


async def test_a_busy_jeedom_is_retried_within_the_run(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    fake.fail_next(2, 503, retry_after="0")
    log = await service.run("jeedom")
    assert log.status == "success", log.error
    # Seven streams of one batch each; the first batch's two calls (one per meter) were both
    # refused once, and its second attempt sent them both; then one try for the current values.
    assert log.attempts == 7 + 1 + 1
    assert_history_is_the_store(fake, store)


async def test_an_error_in_the_json_body_is_surfaced_and_final(
    fake: FakeJeedom, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake, state=False))
    # HTTP 200 with an `error` key: Jeedom's verdict, whatever the status says.
    fake.rpc_error_next(1, -32000, "[MySQL] Error code : 22003 (1264). Out of range value")
    log = await service.run("jeedom")
    assert log.status == "failed" and len(fake.calls) == 1  # not tried again
    assert "Jeedom refused eqLogic::byType (code -32000: [MySQL] Error code : 22003 (1264)" in (
        log.error or ""
    )


async def test_a_deadlock_in_jeedoms_database_is_retried(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    fake.rpc_error_next(
        1, -32000, "[MySQL] Error code : 40001 (1213). Deadlock found when trying to get lock"
    )
    log = await service.run("jeedom")
    assert log.status == "success", log.error
    assert_history_is_the_store(fake, store)


async def test_a_disabled_equipment_stops_the_run_with_what_to_do(
    fake: FakeJeedom, service: ExportService
) -> None:
    service.configs.save("jeedom", config(fake))
    assert (await service.run("jeedom")).status == "success"
    fake.equipment(equipment(PDLS[0])).isEnable = 0
    events = len(fake.calls_of("cmd::event"))
    log = await service.run("jeedom")
    assert log.status == "failed" and "is disabled" in (log.error or "")
    assert "enable it (Plugins > Programmation > Virtuel)" in (log.error or "")
    assert len(fake.calls_of("cmd::event")) == events  # nothing sent into the void


# --------------------------------------------------------------------------- the user's commands


def user_commands(fake: FakeJeedom, *, historized: bool = True) -> dict[str, int]:
    """A Virtual the user made, with a numeric command for yesterday's consumption (historized
    or not) and a text one for Tempo tomorrow."""
    eq = fake.add_equipment("Mon Linky", isEnable=1, isVisible=1)
    history = {"isHistorized": "1", "configuration": {"historizeMode": "none"}}
    yesterday = fake.add_command(eq.id, "Hier", unite="kWh", **(history if historized else {}))
    tomorrow = fake.add_command(eq.id, "Tempo demain", subType="string")
    return {
        f"{PDLS[0]}.consumption_yesterday": yesterday.id,
        "tempo_tomorrow": tomorrow.id,
    }


def mapping(fake: FakeJeedom, commands: dict[str, int]) -> dict[str, Any]:
    return config(fake, provisioning="mapping", commands=commands)


async def test_mapped_commands_receive_their_measures_and_nothing_is_created(
    fake: FakeJeedom, store: Store, service: ExportService
) -> None:
    commands = user_commands(fake)
    tested = await service.test(
        "jeedom", service.configs.unsaved("jeedom", mapping(fake, commands))
    )
    assert tested.success and tested.message.endswith("the 2 mapped command(s) are usable")
    service.configs.save("jeedom", mapping(fake, commands))
    log = await service.run("jeedom")
    assert log.status == "success", log.error
    assert not fake.calls_of("eqLogic::save")
    assert {c.params["id"] for c in fake.calls_of("cmd::event")} == set(commands.values())
    yesterday = commands[f"{PDLS[0]}.consumption_yesterday"]
    daily = store.daily(PDLS[0], Direction.CONSUMPTION, FAR_PAST, FAR_FUTURE)
    assert [wall for wall, _ in fake.history(yesterday)] == [midnight(r.day) for r in daily]
    tomorrow = store.tempo(TODAY + timedelta(days=1), TODAY + timedelta(days=1))
    assert fake.current(commands["tempo_tomorrow"]) == tomorrow[0].color.value
    assert GRID_EQ not in {e.logicalId for e in fake.eq_logics.values()}


async def test_a_mapped_history_command_that_is_not_historized_is_refused_before_writing(
    fake: FakeJeedom, service: ExportService
) -> None:
    commands = user_commands(fake, historized=False)
    tested = await service.test(
        "jeedom", service.configs.unsaved("jeedom", mapping(fake, commands))
    )
    assert not tested.success
    assert "receives history but is not historized: tick « Historiser »" in (tested.error or "")
    service.configs.save("jeedom", mapping(fake, commands))
    log = await service.run("jeedom")
    assert log.status == "failed" and "not retried" in (log.error or "")
    assert not fake.calls_of("cmd::event")
