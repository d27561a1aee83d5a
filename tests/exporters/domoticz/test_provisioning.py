"""The device plan, and making it exist in the fake Domoticz: once, found again, adopted."""

from __future__ import annotations

import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.exporters.domoticz.client import DomoticzClient
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.measures import Measure
from myelectricaldata.exporters.domoticz.protocol import DomoticzAuth, DomoticzAuthError
from myelectricaldata.exporters.domoticz.provisioning import (
    DeviceSpec,
    ensure_devices,
    plan_devices,
    plan_grid_devices,
    resolve_mapping,
)
from tests.fakes.domoticz import USER, FakeDomoticz

PDL = "09999000000001"
MEASURES = [
    Measure("consumption_month", "Consommation mois en cours", "Consumption this month",
            "kWh", "number", "pdl"),
    Measure("cost_month", "Coût mois en cours", "Cost this month", "EUR", "number", "pdl"),
    Measure("production_month", "Production mois en cours", "Production this month", "kWh",
            "number", "production"),
    Measure("tempo_today", "Couleur Tempo aujourd'hui", "Tempo colour today", None, "tempo",
            "tempo"),
    Measure("ecowatt_j0", "EcoWatt aujourd'hui", "EcoWatt today", None, "ecowatt", "ecowatt"),
    Measure("tempo_season", "Saison Tempo", "Tempo season", None, "text", "tempo"),
]  # fmt: skip


def plan(
    production: bool = True, energy: DeviceKind = DeviceKind.MANAGED_COUNTER
) -> list[DeviceSpec]:
    return plan_devices(
        PDL, MEASURES, energy_device=energy, production=production
    ) + plan_grid_devices(MEASURES)


def test_a_usage_point_gets_its_meters_and_its_measures_in_french() -> None:
    specs = plan_devices(PDL, MEASURES, production=True)
    assert [(s.key, s.name, s.kind, s.axis_label) for s in specs] == [
        (f"{PDL}:consumption", f"Linky {PDL} consommation", DeviceKind.MANAGED_COUNTER, ""),
        (f"{PDL}:production", f"Linky {PDL} production", DeviceKind.KWH, ""),
        (f"{PDL}:consumption_month", f"Linky {PDL} Consommation mois en cours",
         DeviceKind.CUSTOM, "kWh"),
        (f"{PDL}:cost_month", f"Linky {PDL} Coût mois en cours", DeviceKind.CUSTOM, "EUR"),
        (f"{PDL}:production_month", f"Linky {PDL} Production mois en cours", DeviceKind.CUSTOM,
         "kWh"),
    ]  # fmt: skip
    assert specs[0].marker == f"myelectricaldata:{PDL}:consumption:managed_counter"


def test_without_production_there_is_no_production_device() -> None:
    keys = [s.key for s in plan_devices(PDL, MEASURES, production=False, language="en")]
    assert keys == [f"{PDL}:consumption", f"{PDL}:consumption_month", f"{PDL}:cost_month"]


def test_grid_signals_are_shared_devices_of_the_right_kind() -> None:
    specs = plan_grid_devices(MEASURES, language="en")
    assert [(s.key, s.name, s.kind, s.measure_kind) for s in specs] == [
        ("tempo_today", "Tempo colour today", DeviceKind.TEXT, "tempo"),
        ("ecowatt_j0", "EcoWatt today", DeviceKind.ALERT, "ecowatt"),
        ("tempo_season", "Tempo season", DeviceKind.TEXT, "text"),
    ]


def test_a_p1_meter_carries_the_history_options_and_bad_plans_are_refused() -> None:
    [meter] = plan_devices(PDL, [], energy_device=DeviceKind.P1_METER)
    assert meter.kind is DeviceKind.P1_METER
    assert meter.options == (("AddDBLogEntry", "true"), ("DisableLogAutoUpdate", "true"))
    with pytest.raises(InvalidInput, match="managed_counter or p1"):
        plan_devices(PDL, [], energy_device=DeviceKind.TEXT)
    with pytest.raises(InvalidInput, match="pdl"):
        plan_devices("123", [])
    with pytest.raises(InvalidInput, match="given twice"):
        plan_devices(PDL, [MEASURES[0], MEASURES[0]])
    with pytest.raises(InvalidInput, match="kind"):
        Measure("x", "x", "x", None, "colour", "pdl")  # type: ignore[arg-type]


async def test_provisioning_creates_the_hardware_and_each_device_once(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    specs = plan(energy=DeviceKind.P1_METER)
    first = await ensure_devices(client, "MyElectricalData", specs)
    assert sorted(first.created) == sorted(s.key for s in specs)
    assert [(h.name, h.htype) for h in fake.hardware.values()] == [("MyElectricalData", 15)]
    for spec in specs:
        device = fake.device(first.idx[spec.key])
        assert device is not None
        assert (device.name, device.description) == (spec.name, spec.marker)
        assert device.hardware_idx == first.hardware_idx
    p1 = fake.device(first.idx[f"{PDL}:consumption"])
    assert p1 is not None and p1.names == ("P1 Smart Meter", "Energy")
    assert p1.options == {"AddDBLogEntry": "true", "DisableLogAutoUpdate": "true"}
    production = fake.device(first.idx[f"{PDL}:production"])
    assert production is not None and production.names == ("General", "kWh")
    assert production.options == {"AddDBLogEntry": "true", "DisableLogAutoUpdate": "true"}
    cost = fake.device(first.idx[f"{PDL}:cost_month"])
    assert cost is not None and cost.raw_options == "1;EUR"

    created = len(fake.commands("createdevice"))
    again = await ensure_devices(client, "MyElectricalData", specs)
    assert again.idx == first.idx
    assert (again.created, again.adopted) == ((), ())
    assert len(fake.commands("createdevice")) == created
    assert len(fake.commands("addhardware")) == 1


async def test_a_renamed_device_is_found_by_its_marker(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    specs = plan()
    first = await ensure_devices(client, "MyElectricalData", specs)
    idx = first.idx["tempo_today"]
    await client.set_used(idx, name="Ma couleur Tempo", description=specs[-3].marker)
    assert specs[-3].key == "tempo_today"
    again = await ensure_devices(client, "MyElectricalData", specs)
    assert again.idx["tempo_today"] == idx
    device = fake.device(idx)
    assert device is not None and device.name == "Ma couleur Tempo"


async def test_a_device_left_without_marker_by_a_cut_run_is_adopted(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    specs = plan(production=False)
    first = await ensure_devices(client, "MyElectricalData", specs[:1])
    # A run that died between createdevice and setused left this one unmarked.
    orphan = await client.create_device(first.hardware_idx or 0, specs[1].name, specs[1].kind,
                                        specs[1].axis_label)  # fmt: skip
    result = await ensure_devices(client, "MyElectricalData", specs)
    assert result.adopted == (specs[1].key,)
    assert result.idx[specs[1].key] == orphan
    device = fake.device(orphan)
    assert device is not None and device.description == specs[1].marker


async def test_a_device_of_another_kind_under_our_marker_is_replaced(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    counter = await ensure_devices(client, "MED", plan_devices(PDL, []))
    p1 = await ensure_devices(
        client, "MED", plan_devices(PDL, [], energy_device=DeviceKind.P1_METER)
    )
    assert p1.idx[f"{PDL}:consumption"] != counter.idx[f"{PDL}:consumption"]
    assert p1.created == (f"{PDL}:consumption",)


async def test_provisioning_needs_an_admin(fake: FakeDomoticz) -> None:
    fake.add_user("bob", "b", USER)
    async with DomoticzClient(fake.url, DomoticzAuth("basic", "bob", "b")) as bob:
        with pytest.raises(DomoticzAuthError, match="Admin"):
            await ensure_devices(bob, "MED", plan())


async def test_a_mapping_uses_the_users_devices_and_prepares_meters(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    hardware = await client.add_dummy_hardware("Mine")
    meter = fake.add_device(hardware, "Mon compteur", 0xFA, 0x01)
    await client.set_used(meter, name="Mon compteur", description="à moi")
    tempo = fake.add_device(hardware, "Tempo", 0xF3, 0x13)
    specs = plan(energy=DeviceKind.P1_METER)
    mapped = await resolve_mapping(
        client, specs, {f"{PDL}:consumption": meter, "tempo_today": tempo}
    )
    assert mapped.idx == {f"{PDL}:consumption": meter, "tempo_today": tempo}
    device = fake.device(meter)
    assert device is not None
    assert (device.name, device.description) == ("Mon compteur", "à moi")
    assert device.options == {"AddDBLogEntry": "true", "DisableLogAutoUpdate": "true"}
    assert fake.commands("createdevice") == []


async def test_a_mapping_to_a_missing_or_wrong_device_or_key_is_refused(
    fake: FakeDomoticz, client: DomoticzClient
) -> None:
    hardware = await client.add_dummy_hardware("Mine")
    text = fake.add_device(hardware, "Texte", 0xF3, 0x13)
    specs = plan()
    with pytest.raises(InvalidInput, match=rf"{PDL}:consumption: device idx {text} is a "
                       r"General/Text, not a General/Managed Counter.*0xF321"):  # fmt: skip
        await resolve_mapping(client, specs, {f"{PDL}:consumption": text})
    with pytest.raises(InvalidInput, match="has no device idx 77"):
        await resolve_mapping(client, specs, {"tempo_today": 77})
    with pytest.raises(InvalidInput, match=r"\['nope'\] are not devices of this export"):
        await resolve_mapping(client, specs, {"nope": text})
