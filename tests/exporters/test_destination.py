"""A saved secret is bound to its destination, for every exporter there is: the built-in and
plug-in types the registry loads, and every exporter config of the package (those not
registered yet too). Moving any destination field with the secrets sent back masked is refused,
naming each secret; the same destination keeps them. And the place rule itself: same scheme,
host and port, a path at or under the saved one."""

from __future__ import annotations

import base64
import typing
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from myelectricaldata.crypto import MASK, SecretBox
from myelectricaldata.exporters.base import BaseExporter
from myelectricaldata.exporters.destination import Endpoint
from myelectricaldata.exporters.fields import ExporterConfig
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import every_exporter_config

# -- the place rule ------------------------------------------------------------------------------

SAVED = "https://hooks.example/user-a"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example/user-a",
        "https://HOOKS.example:443/user-a/",
        "https://hooks.example/user-a/sub/path?x=1#y",
        "https://hooks.example/user-a/./sub",
    ],
)
def test_the_same_place_is_covered(url: str) -> None:
    saved, new = Endpoint.parse(SAVED), Endpoint.parse(url)
    assert saved is not None and new is not None
    assert saved.covers(new)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example/user-a",  # the secret would travel in clear
        "https://evil.example/user-a",
        "https://hooks.example:8443/user-a",
        "https://hooks.example/user-b",
        "https://hooks.example/user-ab",
        "https://hooks.example/",
        "https://hooks.example/user-a/../user-b",
        "https://hooks.example/user-a/%2e%2e/user-b",
        "https://hooks.example/user-a%2F..%2Fuser-b",
        "https://hooks.example/user-a/..\\user-b",
        "https://hooks.example.evil.example/user-a",
        "https://user-a@evil.example/user-a",
    ],
)
def test_another_place_is_not_covered(url: str) -> None:
    saved, new = Endpoint.parse(SAVED), Endpoint.parse(url)
    assert saved is not None and new is not None
    assert not saved.covers(new), str(new)


def test_a_place_is_shown_without_credentials_query_or_default_port() -> None:
    assert str(Endpoint.parse("https://u:p@Hooks.Example:443/a/b?token=x")) == (
        "https://hooks.example/a/b"
    )
    assert str(Endpoint.parse("mqtt://[::1]:1884")) == "mqtt://[::1]:1884/"
    assert Endpoint.parse("hooks.example/a") is None


# -- every exporter config -----------------------------------------------------------------------


MODELS = sorted(every_exporter_config().items())
BOUND = [(name, model) for name, model in MODELS if model.secret_fields()]

#: Secret values tried in turn until the field's own checks take one.
SECRET_CANDIDATES = [
    "s3cr3t-Value-0123456789",
    "whsec_" + base64.b64encode(bytes(range(7, 39))).decode(),
    "mqtt://linky:s3cr3t-Value-0123456789@127.0.0.1:1883",
    "Bearer s3cr3t-Value-0123456789",
]


def _secret_value(model: type[ExporterConfig], name: str) -> Any:
    if typing.get_origin(model.model_fields[name].annotation) is dict:
        return {"X-Api-Key": SECRET_CANDIDATES[0]}
    for candidate in SECRET_CANDIDATES:
        try:
            model.model_validate({name: candidate})
        except ValidationError:
            continue
        return candidate
    raise AssertionError(f"{model.__name__}.{name}: add a value it accepts to SECRET_CANDIDATES")


def _places(model: type[ExporterConfig], name: str) -> tuple[Any, list[Any]]:
    """A saved value of a destination field and the values that move it elsewhere."""
    annotation = model.model_fields[name].annotation
    default = model.model_fields[name].get_default(call_default_factory=True)
    if annotation is bool:
        return bool(default), [not default]
    if annotation is int:
        return 8001, [8002]
    if annotation is str and ("url" in name or "://" in str(default)):
        base = "http://127.0.0.1:8001/base"
        return base, [
            "http://127.0.0.2:8001/base",
            "http://127.0.0.1:8002/base",
            "https://127.0.0.1:8001/base",
        ]
    if annotation is str:
        return "127.0.0.1", ["127.0.0.2"]
    raise AssertionError(f"{model.__name__}.{name}: teach this test to move a {annotation}")


def _store(tmp_path: Path, model: type[ExporterConfig]) -> ConfigStore:
    registry = Registry(plugins=False)
    exporter = type("Probe", (BaseExporter,), {"config_model": model, "name": "probe"})
    registry.types = {"probe": exporter}
    store = Store.open(f"sqlite:///{tmp_path / 'probe.db'}")
    return ConfigStore(registry, ExportRepo(store), SecretBox(Fernet.generate_key()), {})


def test_the_walk_finds_the_exporters_of_every_kind() -> None:
    names = {name for name, _ in BOUND}
    for expected in ("registered:webhook", "registered:home_assistant", "registered:mqtt",
                     "registered:influxdb", "registered:victoriametrics"):  # fmt: skip
        assert expected in names
    assert any(".jeedom." in n or ".openhab." in n or ".domoticz." in n for n in names), names


@pytest.mark.parametrize(("name", "model"), BOUND, ids=[name for name, _ in BOUND])
def test_moving_any_destination_field_asks_for_the_masked_secrets_again(
    tmp_path: Path, name: str, model: type[ExporterConfig]
) -> None:
    configs = _store(tmp_path, model)
    bound = sorted(model.secret_fields() - model.self_bound_fields())
    movable = [f for f in model.destination_fields() if f not in model.secret_fields()]
    assert movable, f"{name}: declares no destination field"
    values: dict[str, Any] = {f: _secret_value(model, f) for f in model.secret_fields()}
    moves: list[tuple[str, Any]] = []
    for field in movable:
        values[field], elsewhere = _places(model, field)
        moves += [(field, value) for value in elsewhere]
    saved = configs.save("probe", values)
    shown = configs.masked(saved)
    assert all(shown[f] == MASK or set(shown[f].values()) == {MASK} for f in bound)

    # The same destination, masked: every secret is kept.
    assert configs.unsaved("probe", shown).secret_values() == saved.secret_values()
    for field, value in moves:
        with pytest.raises(ValidationError) as refused:
            configs.unsaved("probe", shown | {field: value})
        errors = refused.value.errors()
        assert {str(e["loc"][0]) for e in errors} == set(bound), (field, value, errors)
        assert all(e["type"] == "secret_unbound" for e in errors)
        for secret in saved.secret_values():
            assert secret not in str(refused.value)
        # Typed again, the secrets go to the new place.
        typed = values | {field: value}
        assert configs.unsaved("probe", typed).secret_values() == saved.secret_values()
