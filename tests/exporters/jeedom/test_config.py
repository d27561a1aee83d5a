"""The Jeedom settings: environment variables read, bad values refused by field name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from myelectricaldata.exporters.jeedom.config import JeedomConfig

KEY = "s3cr3tJeedomApiKey0123456789abcd"


def test_the_documented_variables_fill_the_settings() -> None:
    values = JeedomConfig.from_env(
        {
            "JEEDOM_ENABLED": "true",
            "JEEDOM_URL": "http://jeedom.local/core/api/jeeApi.php",
            "JEEDOM_API_KEY": KEY,
            "JEEDOM_PDLS": "09999000000001, 09999000000002",
            "JEEDOM_COMMANDS": "09999000000001.consumption_yesterday=1234,tempo_today=77",
            "JEEDOM_PROVISIONING": "mapping",
            "JEEDOM_HISTORY_HOURLY": "true",
        }
    )
    assert values is not None
    config = JeedomConfig(**values)
    assert config.url == "http://jeedom.local"
    assert config.pdls == ["09999000000001", "09999000000002"]
    assert config.commands == {"09999000000001.consumption_yesterday": 1234, "tempo_today": 77}
    assert (config.provisioning, config.history_hourly, config.concurrency) == ("mapping", True, 1)
    assert JeedomConfig.secret_fields() == {"api_key"}
    assert config.wants("09999000000002") and not config.wants("09999000000003")


def test_no_variable_means_no_settings() -> None:
    assert JeedomConfig.from_env({"HOME": "/root"}) is None


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({"enabled": True, "api_key": KEY}, "url is required"),
        ({"enabled": True, "url": "http://j"}, "api_key is required"),
        ({"url": "ftp://jeedom.local"}, "http:// or https://"),
        ({"url": "http://user:pw@jeedom.local"}, "must not contain credentials"),
        ({"timezone": "Europe/Pariss"}, "not an IANA time zone"),
        ({"plugin": "core"}, "plugin must be empty"),
        ({"commands": {"consumption yesterday": 1}}, "is not <pdl>.<measure>"),
        ({"commands": {"tempo_today": 0}}, "is not a Jeedom command id"),
        ({"pdls": ["123"]}, "is not a PDL"),
        ({"concurrency": 9}, "less than or equal to 8"),
        (
            {"enabled": True, "url": "http://j", "api_key": KEY, "provisioning": "mapping"},
            "needs commands",
        ),
    ],
)
def test_a_bad_setting_is_refused_with_what_to_write(fields: dict[str, object], names: str) -> None:
    with pytest.raises(ValidationError, match=names):
        JeedomConfig(**fields)  # type: ignore[arg-type]


def test_the_key_is_never_echoed_in_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        JeedomConfig(api_key=KEY, url="nope")  # type: ignore[call-arg]
    assert KEY not in str(caught.value)
    with pytest.raises(ValidationError) as typed:
        JeedomConfig(api_key=12345678901234567890)  # type: ignore[arg-type]
    assert "12345678901234567890" not in str(typed.value)
