"""The configuration: environment variables, consistency checks, secrets kept out, texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from myelectricaldata.exporters.domoticz.config import DomoticzConfig
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.protocol import DomoticzAuth

SECRET = "s3cret-pa55word"


def test_environment_variables_fill_the_fields() -> None:
    values = DomoticzConfig.from_env(
        {
            "DOMOTICZ_ENABLED": "true",
            "DOMOTICZ_URL": "http://192.168.1.10:8080/",
            "DOMOTICZ_USERNAME": "admin",
            "DOMOTICZ_PASSWORD": SECRET,
            "DOMOTICZ_PDLS": "09999000000001, 09999000000002",
            "DOMOTICZ_MEASURES": "tempo_today,consumption_month",
            "DOMOTICZ_DEVICES": "09999000000001:consumption=12,tempo_today=14",
            "DOMOTICZ_PROVISION": "false",
            "DOMOTICZ_ENERGY_DEVICE": "p1",
        }
    )
    assert values is not None
    config = DomoticzConfig(**values)
    assert config.url == "http://192.168.1.10:8080"
    assert config.pdls == ["09999000000001", "09999000000002"]
    assert config.measures == ["tempo_today", "consumption_month"]
    assert config.devices == {"09999000000001:consumption": 12, "tempo_today": 14}
    assert config.energy_kind is DeviceKind.P1_METER
    assert config.client_auth() == DomoticzAuth("basic", "admin", SECRET)
    assert config.wants("09999000000002") and not config.wants("09999000000003")


def test_nothing_set_means_no_configuration() -> None:
    assert DomoticzConfig.from_env({"HOME": "/root"}) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "url is required"),
        ({"url": "http://d:8080", "username": "admin"}, "needs username and password"),
        (
            {"url": "http://d:8080", "auth": "oauth2", "username": "a", "password": SECRET},
            "needs client_id",
        ),
        ({"url": "http://d:8080", "auth": "bearer"}, "needs token"),
        ({"url": "http://d:8080", "auth": "trusted", "provision": False}, "devices mapping"),
        ({"url": "ftp://d", "auth": "trusted"}, "http:// or https://"),
        ({"url": "http://admin:pw@d:8080", "auth": "trusted"}, "must not contain credentials"),
        ({"url": "http://d", "auth": "trusted", "time_zone": "Mars/Base"}, "not a time zone"),
        ({"url": "http://d", "auth": "trusted", "pdls": ["123"]}, "14 digits"),
        ({"url": "http://d", "auth": "trusted", "devices": {"x": 0}}, "not a Domoticz idx"),
        ({"url": "http://d", "auth": "trusted", "ca_file": "/nonexistent.pem"}, "ca_file"),
        ({"url": "http://d", "auth": "trusted", "measures": ["nope"]}, "not measures of"),
        ({"url": "http://d", "auth": "trusted", "devices": {"lamp": 3}}, "not a device key"),
        (
            {"url": "http://d", "auth": "trusted", "devices": {"09999000000001:tempo_today": 3}},
            "not a device key",
        ),
        ({"url": "http://d", "auth": "trusted", "devices": {"consumption_month": 3}}, "device key"),
    ],
)
def test_an_enabled_configuration_says_what_is_missing(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        DomoticzConfig(enabled=True, **fields)


def test_a_password_never_shows_in_a_validation_error() -> None:
    with pytest.raises(ValidationError) as refused:
        DomoticzConfig(enabled=True, url="http://d", password=SECRET, auth="basic")
    assert SECRET not in str(refused.value)
    assert DomoticzConfig.secret_fields() == {"password", "token"}


def test_tls_verification_uses_the_ca_file_when_given(tmp_path: Path) -> None:
    ca = tmp_path / "server_cert.pem"
    ca.write_text("not checked here")
    config = DomoticzConfig(url="https://d", auth="trusted", ca_file=str(ca))
    assert config.tls_verify() == str(ca)
    assert DomoticzConfig(url="https://d", auth="trusted").tls_verify() is True
    assert DomoticzConfig(url="https://d", auth="trusted", verify_tls=False).tls_verify() is False


def test_device_keys_name_meters_measures_of_a_usage_point_and_grid_measures() -> None:
    config = DomoticzConfig(
        devices="09999000000001:consumption=1,09999000000001:production=2,"
        "09999000000001:cost_month=3,09999000000001:production_year=4,ecowatt_now=5",
    )
    assert config.devices == {
        "09999000000001:consumption": 1,
        "09999000000001:production": 2,
        "09999000000001:cost_month": 3,
        "09999000000001:production_year": 4,
        "ecowatt_now": 5,
    }


def test_every_field_has_french_and_english_texts_and_a_summary() -> None:
    for field in DomoticzConfig.model_fields:
        assert DomoticzConfig.has_texts(field), field
    assert DomoticzConfig.field_texts("url", "fr").label == "Adresse de Domoticz"
    assert DomoticzConfig.field_texts("url", "en").label == "Domoticz address"
    summary = DomoticzConfig.summary
    assert summary is not None and "Domoticz" in summary.fr and "Domoticz" in summary.en
