"""The openHAB settings: what they accept, how they normalise, what they refuse and why."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from myelectricaldata.exporters.openhab.config import OpenHABConfig
from myelectricaldata.exporters.openhab.model import AuthScheme


def test_defaults_write_history_to_jdbc_with_a_bearer_token() -> None:
    config = OpenHABConfig()
    assert (config.url, config.auth_scheme, config.persistence_service) == (
        "http://localhost:8080",
        AuthScheme.BEARER,
        "jdbc",
    )
    assert (config.history, config.load_curve_history, config.provision_items) == (
        True,
        False,
        True,
    )
    assert (config.item_prefix, config.label_language, config.concurrency) == ("MED", "fr", 4)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("http://openhab:8080", "http://openhab:8080"),
        ("http://openhab:8080/", "http://openhab:8080"),
        ("http://openhab:8080/rest", "http://openhab:8080"),
        (" https://home.example/openhab/rest/ ", "https://home.example/openhab"),
    ],
)
def test_the_url_is_kept_without_rest_or_trailing_slash(given: str, kept: str) -> None:
    assert OpenHABConfig(url=given).url == kept


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("url", "openhab:8080", "http:// or https://"),
        ("url", "http://admin:pw@openhab:8080", "must not contain credentials"),
        ("item_prefix", "9med", "letters, digits and _"),
        ("item_prefix", "my-home", "letters, digits and _"),
        ("persistence_service", "jdbc/mysql", "persistence service id"),
        ("token", "oh.name secret", "no spaces"),
        ("auth_scheme", "digest", "bearer"),
        ("concurrency", 0, "greater than or equal to 1"),
    ],
)
def test_bad_settings_name_the_field_and_the_fix(field: str, value: object, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OpenHABConfig(**{field: value})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert says in str(caught.value)


def test_load_curve_history_needs_history() -> None:
    with pytest.raises(ValidationError, match="turn history on"):
        OpenHABConfig(history=False, load_curve_history=True)


def test_the_token_is_a_secret_and_comes_from_the_environment() -> None:
    assert OpenHABConfig.secret_fields() == {"token"}
    env = {
        "OPENHAB_URL": "http://oh:8080",
        "OPENHAB_TOKEN": "oh.med.abc123",
        "OPENHAB_AUTH_SCHEME": "header",
        "OPENHAB_PERSISTENCE_SERVICE": "influxdb",
    }
    values = OpenHABConfig.from_env(env)
    assert values is not None
    config = OpenHABConfig(**values)
    assert (config.url, config.token, config.auth_scheme, config.persistence_service) == (
        "http://oh:8080",
        "oh.med.abc123",
        AuthScheme.HEADER,
        "influxdb",
    )


def test_a_refused_token_is_not_quoted_in_the_error() -> None:
    with pytest.raises(ValidationError) as caught:
        OpenHABConfig(token="oh.med.S3cr3t with-a-space")
    assert "S3cr3t" not in str(caught.value)
    assert "no spaces" in str(caught.value)


def test_the_form_offers_the_token_schemes_as_a_choice() -> None:
    # The UI renders a property with an inline enum as a select (a $ref would be a text box).
    prop = OpenHABConfig.model_json_schema()["properties"]["auth_scheme"]
    assert prop["enum"] == ["bearer", "basic", "header"]
    assert OpenHABConfig.field_texts("auth_scheme", "fr").label == "Envoi du jeton"
