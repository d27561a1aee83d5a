"""An exporter's config carries its own texts: every field of every built-in exporter has a
French and an English label and help, declared next to the field, and a plug-in field declared
the guide's older way still gets a readable label."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import Field

from myelectricaldata.exporters.base import BaseExporter
from myelectricaldata.exporters.fields import ExporterConfig, FieldText, setting
from myelectricaldata.exporters.registry import Registry
from tests.exporters.conftest import every_exporter_config

BUILTINS = sorted(Registry(plugins=False).types.items())


@pytest.mark.parametrize(("name", "cls"), BUILTINS, ids=[name for name, _ in BUILTINS])
def test_every_builtin_exporter_field_has_french_and_english_texts(
    name: str, cls: type[BaseExporter[Any]]
) -> None:
    model = cls.config_model
    for field in model.model_fields:
        assert model.has_texts(field), f"{name}.{field} has no French and English texts"
        fr, en = model.field_texts(field, "fr"), model.field_texts(field, "en")
        assert fr.label and fr.help and en.label and en.help, field
        assert "``" not in fr.help + en.help, field
    assert model.summary is not None and model.summary.fr and model.summary.en, name


@pytest.mark.parametrize(("name", "cls"), BUILTINS, ids=[name for name, _ in BUILTINS])
def test_the_json_schema_carries_the_same_texts(name: str, cls: type[BaseExporter[Any]]) -> None:
    model = cls.config_model
    properties = model.model_json_schema()["properties"]
    for field, prop in properties.items():
        for lang in ("fr", "en"):
            label, help_text = model.field_texts(field, lang)
            assert prop["texts"][lang] == {"label": label, "help": help_text}
        assert (prop["title"], prop["description"]) == tuple(model.field_texts(field, "en"))


class Described(ExporterConfig):
    """A plug-in config: one field with texts, two declared the guide's older ways."""

    api_key: str = setting(
        "",
        secret=True,
        fr=("Clé d'API", "La clé du service."),
        en=("API key", "The service's key."),
    )
    verify_tls: bool = Field(True, description="Check the certificate.")
    site: str = Field("home", title="Site name")


def test_texts_in_the_language_asked_and_a_fallback_for_fields_without_texts() -> None:
    assert Described.field_texts("api_key", "fr") == FieldText("Clé d'API", "La clé du service.")
    assert Described.field_texts("api_key", "en") == FieldText("API key", "The service's key.")
    assert Described.secret_fields() == {"api_key"}
    # pydantic's automatic title ("Verify Tls") is not used: the name is made readable.
    assert Described.field_texts("verify_tls", "fr") == FieldText(
        "Verify tls", "Check the certificate."
    )
    assert Described.field_texts("site", "en") == FieldText("Site name", "")
    assert not Described.has_texts("verify_tls")


def test_the_redactor_masks_every_secret_of_the_config() -> None:
    config = Described(api_key="k-123456 k-789012")
    redact = config.redactor()
    assert redact("refused k-123456 and k-789012") == "refused ******** and ********"


LOGINS = [
    (name, model)
    for name, model in sorted(every_exporter_config().items())
    if "password" in model.secret_fields() and "username" in model.model_fields
]


def test_the_walk_finds_the_configs_with_a_login() -> None:
    names = {name for name, _ in LOGINS}
    assert {"registered:influxdb", "registered:victoriametrics", "registered:mqtt"} <= names


@pytest.mark.parametrize(("name", "model"), LOGINS, ids=[name for name, _ in LOGINS])
def test_a_user_and_password_are_masked_as_the_basic_credential_they_make(
    name: str, model: type[ExporterConfig]
) -> None:
    config = model.model_construct(username="linky-user", password="pw-0123456789")
    redact = config.redactor()
    basic = base64.b64encode(b"linky-user:pw-0123456789").decode()
    # Quoted bare (no "Basic" before it to give it away), or decoded.
    assert redact(f"echoed {basic}!") == "echoed ********!"
    assert redact("refused linky-user:pw-0123456789") == "refused ********"


def test_every_secret_of_a_url_a_basic_value_or_a_header_is_masked() -> None:
    class Mixed(ExporterConfig):
        broker: str = setting("", secret=True, fr=("B", "B."), en=("B", "B."))
        authorization: str = setting("", secret=True, fr=("A", "A."), en=("A", "A."))
        headers: dict[str, str] = setting(
            default_factory=dict, secret=True, fr=("H", "H."), en=("H", "H.")
        )

    basic = base64.b64encode(b"alice:hunter2-pw").decode()
    config = Mixed(
        broker="mqtts://linky:br0ker%2Fpw@broker.lan:8883",
        authorization=f"Basic {basic}",
        headers={"X-Api-Key": "key-0123456789", "Cookie": "lang=fr; session=c00kie-0123456789"},
    )
    text = (
        "broker said br0ker/pw; refused alice:hunter2-pw (hunter2-pw); key key-0123456789; "
        f"session c00kie-0123456789; raw {basic}"
    )
    masked = config.redactor()(text)
    for secret in ("br0ker/pw", "hunter2-pw", "key-0123456789", "c00kie-0123456789", basic):
        assert secret not in masked, secret
