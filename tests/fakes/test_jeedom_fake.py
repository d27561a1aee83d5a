"""The fake Jeedom answers what Jeedom 4.5.3 answers (PROTOCOLS.md §5, jeedom/core sources).

Every request here is raw HTTP (httpx), not the exporter's client, so that these tests prove
the fake, and the client's tests can trust it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.fakes.jeedom import API_PATH, DEFAULT_TIMEZONE, FakeJeedom, shared_fake_jeedom

EVENING = datetime(2025, 11, 20, 19, 30, 5, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeJeedom]:
    """The shared fake, reset (Europe/Brussels, one object "Maison" with id 1)."""
    yield shared_fake_jeedom()


def post(fake: FakeJeedom, body: Any, **kwargs: Any) -> httpx.Response:
    """One raw POST to the JSON-RPC endpoint."""
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return httpx.post(fake.api_url, content=content, timeout=10, **kwargs)


def rpc(fake: FakeJeedom, method: str, auth: str | None = "core", **params: Any) -> dict[str, Any]:
    """One JSON-RPC call; ``auth`` ``core`` (default), ``virtual``, a literal key, or None."""
    if auth == "core":
        params["apikey"] = fake.core_key
    elif auth == "virtual":
        params["apikey"] = fake.virtual_key
        params.setdefault("plugin", "virtual")
    elif auth is not None:
        params["apikey"] = auth
    answer = post(fake, {"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert body["jsonrpc"] == "2.0"
    return body


def ok(fake: FakeJeedom, method: str, **params: Any) -> Any:
    """The result of a call that must succeed."""
    body = rpc(fake, method, **params)
    assert "error" not in body, body
    return body["result"]


def error(fake: FakeJeedom, method: str, **params: Any) -> tuple[int, str]:
    """(code, message) of a call that must fail."""
    body = rpc(fake, method, **params)
    assert "result" not in body, body
    return body["error"]["code"], body["error"]["message"]


def new_equipment(fake: FakeJeedom, *cmds: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """eqLogic::save of a new enabled Virtual with info commands."""
    params = {"eqType_name": "virtual", "name": "Linky", "isEnable": 1, **fields}
    return dict(ok(fake, "eqLogic::save", **params, cmd=list(cmds)))


def info(name: str, sub_type: str = "numeric", **fields: Any) -> dict[str, Any]:
    """An info command entry of eqLogic::save, historized."""
    return {"name": name, "type": "info", "subType": sub_type, "isHistorized": 1, **fields}


def cmd_id(fake: FakeJeedom, eq: dict[str, Any], name: str) -> int:
    """Id of the command ``name`` of ``eq``."""
    return next(c.id for c in fake.commands_of(int(eq["id"])) if c.name == name)


# --------------------------------------------------------------------------- envelope and keys


def test_ping_answers_pong_without_any_key(fake: FakeJeedom) -> None:
    assert ok(fake, "ping", auth=None) == "pong"
    assert ok(fake, "ping", auth="wrong-key-but-long-enough") == "pong"


def test_a_call_without_key_is_code_1_and_a_wrong_or_short_key_code_2(fake: FakeJeedom) -> None:
    assert error(fake, "version", auth=None) == (
        1,
        "Vous n'êtes pas autorisé à effectuer cette action",
    )
    assert error(fake, "version", auth="0123456789abcdef0123")[0] == 2
    assert error(fake, "version", auth=fake.core_key[:15])[0] == 2
    assert ok(fake, "version") == "4.5.3"


def test_a_plugin_key_works_with_its_plugin_only(fake: FakeJeedom) -> None:
    assert ok(fake, "version", auth="virtual") == "4.5.3"
    assert error(fake, "version", auth=fake.virtual_key)[0] == 2  # without params.plugin
    # The core key with any plugin passes (apiAccess falls back to core).
    assert ok(fake, "version", plugin="virtual") == "4.5.3"


def test_a_user_hash_authenticates(fake: FakeJeedom) -> None:
    fake.add_user("u" * 64, "marie")
    assert ok(fake, "version", auth="u" * 64) == "4.5.3"


def test_errors_come_with_http_200_and_the_request_id(fake: FakeJeedom) -> None:
    answer = post(fake, {"jsonrpc": "2.0", "id": "abc", "method": "version", "params": {}})
    assert answer.status_code == 200
    assert answer.json() == {
        "jsonrpc": "2.0",
        "id": "abc",
        "error": {"code": 1, "message": "Vous n'êtes pas autorisé à effectuer cette action"},
    }
    without_id = post(fake, {"jsonrpc": "2.0", "method": "ping"}).json()
    assert without_id == {"jsonrpc": "2.0", "id": 99999, "result": "pong"}


def test_a_wrong_jsonrpc_version_a_batch_or_garbage_is_an_invalid_request(
    fake: FakeJeedom,
) -> None:
    old = post(fake, {"jsonrpc": "1.0", "id": 3, "method": "ping"}).json()
    assert old["error"] == {
        "code": 1,
        "message": "Requête invalide. Version JSON-RPC invalide : 1.0",
    }
    batch = post(fake, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}]).json()
    assert batch == {
        "jsonrpc": "2.0",
        "id": 99999,
        "error": {"code": 1, "message": "Requête invalide. Version JSON-RPC invalide : "},
    }
    assert post(fake, "not json").json()["error"]["code"] == 1


def test_an_unknown_method_is_code_500(fake: FakeJeedom) -> None:
    assert error(fake, "cmd::teleport") == (500, "Aucune méthode correspondante : cmd::teleport")


def test_the_request_may_travel_in_the_request_form_field(fake: FakeJeedom) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"})
    answer = httpx.post(fake.api_url, data={"request": body}, timeout=10)
    assert answer.json()["result"] == "pong"
    query = httpx.get(fake.api_url, params={"request": body}, timeout=10)
    assert query.json()["result"] == "pong"


def test_the_api_can_be_disabled(fake: FakeJeedom) -> None:
    fake.set_api_mode("core", "disable")
    assert error(fake, "version")[0] == 1
    fake.set_api_mode("core", "enable")
    assert ok(fake, "version") == "4.5.3"


def test_params_may_be_a_json_string(fake: FakeJeedom) -> None:
    params = json.dumps({"apikey": fake.core_key})
    answer = post(fake, {"jsonrpc": "2.0", "id": 1, "method": "version", "params": params})
    assert answer.json()["result"] == "4.5.3"


# --------------------------------------------------------------------------- config and objects


def test_the_time_zone_is_read_with_config_bykey_and_a_plugin_key_gets_ok(
    fake: FakeJeedom,
) -> None:
    assert ok(fake, "config::byKey", key="timezone") == DEFAULT_TIMEZONE
    assert ok(fake, "config::byKey", auth="virtual", key="timezone") == "ok"
    fake.set_config("timezone", "America/New_York")
    assert ok(fake, "config::byKey", key="timezone") == "America/New_York"


def test_an_empty_result_is_the_string_ok(fake: FakeJeedom) -> None:
    assert ok(fake, "eqLogic::byType", type="virtual") == "ok"
    assert ok(fake, "cmd::byEqLogicId", eqLogic_id=12345) == "ok"
    fake.set_config("zero", "0")
    assert ok(fake, "config::byKey", key="zero") == "ok"


def test_objects_and_unknown_ids_answer_their_codes(fake: FakeJeedom) -> None:
    assert ok(fake, "jeeObject::byId", id=1)["name"] == "Maison"
    assert error(fake, "jeeObject::byId", id=9) == (601, "Objet introuvable : 9")
    assert error(fake, "eqLogic::byId", id=9) == (602, "EqLogic introuvable : 9")
    assert error(fake, "cmd::byId", id=9) == (701, "Commande introuvable : 9")
    assert error(fake, "cmd::event", id=9, value="1") == (702, "Commande introuvable : 9")
    assert error(fake, "cmd::getHistory", id=9)[0] == 702


def test_real_methods_the_fake_does_not_serve_answer_501(fake: FakeJeedom) -> None:
    params = {"apikey": fake.core_key}
    answer = post(fake, {"jsonrpc": "2.0", "id": 1, "method": "scenario::all", "params": params})
    assert answer.status_code == 501
    assert httpx.get(fake.api_url, params={"type": "cmd"}, timeout=10).status_code == 501


# --------------------------------------------------------------------------- eqLogic::save


def test_a_created_equipment_has_a_string_id_no_commands_and_is_disabled_by_default(
    fake: FakeJeedom,
) -> None:
    answer = ok(fake, "eqLogic::save", eqType_name="virtual", name="Linky", cmd=[info("Conso")])
    assert isinstance(answer["id"], str)
    assert "cmd" not in answer and "cmds" not in answer
    eq = fake.eq_logics[int(answer["id"])]
    assert (eq.isEnable, eq.isVisible) == (0, 0)
    listed = ok(fake, "eqLogic::byId", id=int(answer["id"]))
    assert listed["id"] == int(answer["id"]) and listed["isEnable"] == 0


def test_virtual_adds_rafraichir_and_orders_commands_as_listed(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("B"), info("A"))
    cmds = ok(fake, "cmd::byEqLogicId", eqLogic_id=int(eq["id"]))
    assert [(c["name"], c["type"], c["logicalId"]) for c in cmds] == [
        ("Rafraichir", "action", "refresh"),
        ("B", "info", None),
        ("A", "info", None),
    ]
    assert [c["order"] for c in cmds[1:]] == [0, 1]
    assert cmds[1]["isHistorized"] == "1" and cmds[1]["currentValue"] is None


def test_names_lose_the_characters_jeedom_strips(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("Conso de l'an  dernier [kWh] 100%"), name="<b>Linky</b> #1")
    assert fake.eq_logics[int(eq["id"])].name == "Linky 1"
    names = [c.name for c in fake.commands_of(int(eq["id"]))]
    assert "Conso de lan dernier kWh 100" in names


def test_an_update_by_id_removes_the_commands_left_out_with_their_history(
    fake: FakeJeedom,
) -> None:
    eq = new_equipment(fake, info("Keep"), info("Drop"))
    keep, drop = cmd_id(fake, eq, "Keep"), cmd_id(fake, eq, "Drop")
    ok(fake, "cmd::event", id=drop, value="1", datetime="2025-01-01 00:00:00")
    answer = ok(fake, "eqLogic::save", eqType_name="virtual", id=int(eq["id"]), cmd=[{"id": keep}])
    assert answer["id"] == int(eq["id"])  # echoed as sent
    assert drop not in fake.cmds and fake.history(drop) == []
    assert [c.name for c in fake.commands_of(int(eq["id"]))] == ["Rafraichir", "Keep"]


def test_a_new_command_with_a_taken_name_fails_after_the_equipment_was_saved(
    fake: FakeJeedom,
) -> None:
    eq = new_equipment(fake, info("Énergie"))
    code, message = error(
        fake,
        "eqLogic::save",
        eqType_name="virtual",
        id=int(eq["id"]),
        comment="changed",
        cmd=[info("Added"), info("energie")],  # case and accents are ignored by the collation
    )
    assert code == -32000
    assert message.startswith("[MySQL] Error code : 23000 (1062). Duplicate entry")
    assert fake.eq_logics[int(eq["id"])].comment == "changed"
    assert "Added" in [c.name for c in fake.commands_of(int(eq["id"]))]


def test_an_unknown_equipment_type_is_refused(fake: FakeJeedom) -> None:
    assert error(fake, "eqLogic::save", eqType_name="zwave", name="x") == (
        -32000,
        "Type incorrect (classe commande inexistante)zwaveCmd",
    )


def test_equipment_names_are_unique_per_object_but_not_without_object(fake: FakeJeedom) -> None:
    new_equipment(fake, name="Linky")
    new_equipment(fake, name="Linky")
    new_equipment(fake, name="Linky", object_id=1)
    code, message = error(fake, "eqLogic::save", eqType_name="virtual", name="LINKY", object_id=1)
    assert code == -32000 and "(1062)" in message


def test_a_non_admin_user_cannot_save_equipments(fake: FakeJeedom) -> None:
    fake.add_user("h" * 64, "guest", profile="user")
    code, _ = error(fake, "eqLogic::save", auth="h" * 64, eqType_name="virtual", name="x")
    assert code == 1


def test_saving_an_unknown_equipment_id_changes_nothing(fake: FakeJeedom) -> None:
    answer = ok(fake, "eqLogic::save", eqType_name="virtual", id=77, name="Ghost")
    assert answer["id"] == 77 and fake.eq_logics == {}
    with_cmds = post(
        fake,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eqLogic::save",
            "params": {"apikey": fake.core_key, "eqType_name": "virtual", "id": 77,
                       "name": "Ghost", "cmd": [info("x")]},
        },
    )  # fmt: skip
    assert with_cmds.status_code == 500 and with_cmds.content == b""


# --------------------------------------------------------------------------- cmd::event


def test_a_datetime_rewrites_its_row_and_becomes_the_current_value(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    assert ok(fake, "cmd::event", id=cid, value="10.5", datetime="2025-11-19 00:00:00") == "ok"
    ok(fake, "cmd::event", id=cid, value="11", datetime="2025-11-19 00:00:00")
    ok(fake, "cmd::event", id=cid, value="7", datetime="2025-11-01 00:00:00")
    assert fake.history(cid) == [("2025-11-01 00:00:00", "7"), ("2025-11-19 00:00:00", "11")]
    assert fake.current(cid) == 7.0  # older than the last one, and still the current value
    assert ok(fake, "cmd::byId", id=cid)["currentValue"] == 7.0


def test_the_same_value_again_adds_a_row_but_keeps_the_value_date(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    ok(fake, "cmd::event", id=cid, value="5", datetime="2025-11-18 00:00:00")
    ok(fake, "cmd::event", id=cid, value="5.0", datetime="2025-11-19 00:00:00")
    assert fake.history(cid) == [("2025-11-18 00:00:00", "5"), ("2025-11-19 00:00:00", "5")]
    assert fake.cmds[cid].value_date == "2025-11-18 00:00:00"
    assert fake.cmds[cid].collect_date == "2025-11-19 00:00:00"


def test_history_is_kept_only_for_historized_commands(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, {"name": "Live", "type": "info", "subType": "numeric"})
    cid = cmd_id(fake, eq, "Live")
    ok(fake, "cmd::event", id=cid, value="3", datetime="2025-11-19 00:00:00")
    assert fake.history(cid) == [] and fake.current(cid) == 3.0
    assert ok(fake, "cmd::getHistory", id=cid) == "ok"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2025-11-19 06:30:00", "2025-11-19 06:30:00"),
        ("2025-11-19T06:30:00", "2025-11-19 06:30:00"),
        ("2025-11-19", "2025-11-19 00:00:00"),
    ],
)
def test_the_three_datetime_forms_jeedom_accepts(fake: FakeJeedom, sent: str, stored: str) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    ok(fake, "cmd::event", id=cid, value="1", datetime=sent)
    assert fake.history(cid) == [(stored, "1")]


@pytest.mark.parametrize(
    "sent", ["2025-11-19T06:30:00Z", "2025-11-19T06:30:00+01:00", 1763533800, "2025-02-30"]
)
def test_an_offset_or_epoch_fails_after_the_current_value_changed(
    fake: FakeJeedom, sent: Any
) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    code, message = error(fake, "cmd::event", id=cid, value="42", datetime=sent)
    assert code == -32000
    assert message.startswith("[MySQL] Error code : 22007 (1292). Incorrect datetime value")
    assert fake.current(cid) == 42.0 and fake.history(cid) == []


def test_a_date_without_datetime_is_jeedoms_clock_in_its_time_zone() -> None:
    with FakeJeedom(timezone="America/New_York", clock=lambda: EVENING) as fake:
        eq = new_equipment(fake, info("Conso"))
        cid = cmd_id(fake, eq, "Conso")
        ok(fake, "cmd::event", id=cid, value="1")
        assert fake.history(cid) == [("2025-11-20 14:30:05", "1")]
        assert fake.instant("2025-11-20 14:30:05") == EVENING


def test_events_to_a_disabled_equipment_or_an_action_are_dropped_silently(
    fake: FakeJeedom,
) -> None:
    answer = ok(fake, "eqLogic::save", eqType_name="virtual", name="Off", cmd=[info("Conso")])
    cid = cmd_id(fake, answer, "Conso")
    assert ok(fake, "cmd::event", id=cid, value="1", datetime="2025-11-19") == "ok"
    assert fake.current(cid) is None and fake.history(cid) == []
    refresh = cmd_id(fake, answer, "Rafraichir")
    assert ok(fake, "cmd::event", id=refresh, value="1") == "ok"
    assert len(fake.anomalies) == 2


def test_numeric_commands_read_commas_turn_text_into_0_and_clamp(fake: FakeJeedom) -> None:
    bounded = info("Bounded", configuration={"minValue": "0", "maxValue": "100"})
    eq = new_equipment(fake, info("Conso"), bounded)
    cid, bid = cmd_id(fake, eq, "Conso"), cmd_id(fake, eq, "Bounded")
    ok(fake, "cmd::event", id=cid, value="12,5", datetime="2025-11-17")
    ok(fake, "cmd::event", id=cid, value="abc", datetime="2025-11-18")
    ok(fake, "cmd::event", id=cid, value=0.1 + 0.2, datetime="2025-11-19")
    ok(fake, "cmd::event", id=bid, value="150", datetime="2025-11-19")
    assert [v for _, v in fake.history(cid)] == ["12.5", "0", "0.3"]
    assert fake.history(bid) == [("2025-11-19 00:00:00", "100")]
    assert any("'abc' read as 0" in a for a in fake.anomalies)


def test_string_commands_keep_text_and_an_empty_value_is_not_historized(
    fake: FakeJeedom,
) -> None:
    eq = new_equipment(fake, info("Couleur", "string"))
    cid = cmd_id(fake, eq, "Couleur")
    ok(fake, "cmd::event", id=cid, value="BLUE", datetime="2025-11-19")
    ok(fake, "cmd::event", id=cid, value="", datetime="2025-11-20")
    assert fake.history(cid) == [("2025-11-19 00:00:00", "BLUE")]
    assert fake.current(cid) == ""


# --------------------------------------------------------------------------- history reads


def test_get_history_returns_strings_oldest_first_with_inclusive_bounds(
    fake: FakeJeedom,
) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    for day, value in (("2025-11-19", "3"), ("2025-11-17", "1"), ("2025-11-18", "2")):
        ok(fake, "cmd::event", id=cid, value=value, datetime=day)
    rows = ok(
        fake,
        "cmd::getHistory",
        id=cid,
        startTime="2025-11-18 00:00:00",
        endTime="2025-11-19 00:00:00",
    )
    assert rows == [
        {"cmd_id": cid, "datetime": "2025-11-18 00:00:00", "value": "2"},
        {"cmd_id": cid, "datetime": "2025-11-19 00:00:00", "value": "3"},
    ]
    assert len(ok(fake, "cmd::getHistory", id=cid)) == 3


def test_the_archive_moves_rows_exactly_with_historize_mode_none(fake: FakeJeedom) -> None:
    none_mode = info("Exact", configuration={"historizeMode": "none"})
    eq = new_equipment(fake, none_mode, info("Averaged"))
    exact, averaged = cmd_id(fake, eq, "Exact"), cmd_id(fake, eq, "Averaged")
    for cid in (exact, averaged):
        ok(fake, "cmd::event", id=cid, value="12.345", datetime="2025-11-19 10:00:00")
        ok(fake, "cmd::event", id=cid, value="1.001", datetime="2025-11-19 10:30:00")
    fake.archive(EVENING)
    assert fake.history_table.get(exact) == {} and fake.history_arch[exact] == {
        "2025-11-19 10:00:00": "12.345",
        "2025-11-19 10:30:00": "1.001",
    }
    # Without historizeMode the archive averages per hour what it cast to 2 decimals first:
    # AVG(12.35, 1.00), with MariaDB's 4 more digits of scale.
    assert fake.history(averaged) == [("2025-11-19 10:00:00", "6.675000")]


def test_a_row_resent_after_the_archive_is_read_twice_until_the_next_one(
    fake: FakeJeedom,
) -> None:
    eq = new_equipment(fake, info("Exact", configuration={"historizeMode": "none"}))
    cid = cmd_id(fake, eq, "Exact")
    ok(fake, "cmd::event", id=cid, value="1", datetime="2025-11-19")
    fake.archive(EVENING)
    ok(fake, "cmd::event", id=cid, value="2", datetime="2025-11-19")
    assert fake.history(cid) == [("2025-11-19 00:00:00", "2"), ("2025-11-19 00:00:00", "1")]
    fake.archive(EVENING)
    assert fake.history(cid) == [("2025-11-19 00:00:00", "2")]


def test_smoothing_averages_a_resent_value_unless_historize_mode_is_none(
    fake: FakeJeedom,
) -> None:
    fake.set_config("history::smooth", "300")
    avg = info("Avg", configuration={"historizeMode": "avg"})
    none = info("None", configuration={"historizeMode": "none"})
    eq = new_equipment(fake, avg, none)
    for name in ("Avg", "None"):
        cid = cmd_id(fake, eq, name)
        ok(fake, "cmd::event", id=cid, value="10", datetime="2025-11-19 10:00:00")
        ok(fake, "cmd::event", id=cid, value="20", datetime="2025-11-19 10:00:00")
    assert fake.history(cmd_id(fake, eq, "Avg")) == [("2025-11-19 10:00:00", "15")]
    assert fake.history(cmd_id(fake, eq, "None")) == [("2025-11-19 10:00:00", "20")]


# --------------------------------------------------------------------------- faults


def test_a_restart_refuses_connections_and_keeps_every_table(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    ok(fake, "cmd::event", id=cid, value="4", datetime="2025-11-19")
    fake.stop()
    with pytest.raises(httpx.ConnectError):
        post(fake, {"jsonrpc": "2.0", "id": 1, "method": "ping"})
    fake.start()
    assert fake.history(cid) == [("2025-11-19 00:00:00", "4")]
    assert ok(fake, "cmd::byId", id=cid)["currentValue"] == 4.0


def test_stop_after_goes_down_mid_stream_and_applies_nothing_more(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    fake.stop_after(2)
    applied, refused = 0, 0
    with httpx.Client(timeout=10) as client:
        for day in range(1, 6):
            params = {"apikey": fake.core_key, "id": cid, "value": "1",
                      "datetime": f"2025-11-0{day}"}  # fmt: skip
            body = {"jsonrpc": "2.0", "id": day, "method": "cmd::event", "params": params}
            try:
                answer = client.post(fake.api_url, json=body)
            except httpx.TransportError:
                refused += 1
                continue
            if answer.status_code == 200:
                applied += 1
            else:
                refused += 1
    assert (applied, refused) == (2, 3)
    assert len(fake.history(cid)) == 2 and not fake.running
    fake.start()
    assert fake.running


def test_scripted_http_failures_rpc_errors_and_a_ban(fake: FakeJeedom) -> None:
    fake.fail_next(1, 503, retry_after="7")
    answer = post(fake, {"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "7")
    fake.rpc_error_next(1, -32000, "[MySQL] Error code : HY000 (2006). MySQL server has gone away")
    assert error(fake, "version")[1].endswith("MySQL server has gone away")
    fake.ban()
    banned = post(fake, {"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert banned.status_code == 404 and "404 Not Found" in banned.text
    fake.ban(False)
    assert ok(fake, "version") == "4.5.3"


def test_a_slow_answer_after_apply_has_changed_jeedom(fake: FakeJeedom) -> None:
    eq = new_equipment(fake, info("Conso"))
    cid = cmd_id(fake, eq, "Conso")
    fake.slow_next(1, 1.0, after_apply=True)
    params = {"apikey": fake.core_key, "id": cid, "value": "9", "datetime": "2025-11-19"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "cmd::event", "params": params}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(fake.api_url, json=body, timeout=0.2)
    assert fake.history(cid) == [("2025-11-19 00:00:00", "9")]


def test_the_api_key_is_not_kept_in_the_call_log(fake: FakeJeedom) -> None:
    ok(fake, "version")
    assert fake.calls_of("version")[0].params == {}
    assert fake.core_key not in repr(fake.calls)


def test_only_the_api_path_exists(fake: FakeJeedom) -> None:
    assert httpx.post(fake.url + "/api/jeeApi.php", timeout=10).status_code == 404
    assert API_PATH == "/core/api/jeeApi.php"
