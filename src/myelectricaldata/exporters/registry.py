"""The registry of destination types and their saved configurations (secrets encrypted).

Every destination type, built-in or plug-in, is an entry point of the group
``myelectricaldata.exporters`` (``name = "package.module:ExporterClass"``): the built-in ones
are declared in this project's ``pyproject.toml``, a plug-in in its own. Nothing else lists
them. Built-in types load first; a plug-in cannot take a built-in name. A type that fails to
load is reported (``Registry.broken``) and skipped: it never stops the service.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from myelectricaldata.crypto import MASK, SecretBox
from myelectricaldata.exporters.base import BaseExporter, ExporterConfig
from myelectricaldata.exporters.destination import Destination
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.support.redaction import Redactor

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "myelectricaldata.exporters"
#: The distribution whose entry points are the built-in exporters.
DISTRIBUTION = "myelectricaldata"
_ENCRYPTED = "enc:"


class UnknownExporter(LookupError):
    """No destination type of that name is installed."""


@dataclass(frozen=True, slots=True)
class BrokenExporter:
    """A type that could not be loaded, and why."""

    name: str
    origin: str
    error: str


def _load(target: str) -> type[BaseExporter[Any]]:
    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(value, type) and issubclass(value, BaseExporter)):
        raise TypeError(f"{target} is not a BaseExporter subclass")
    if not issubclass(getattr(value, "config_model", object), ExporterConfig):
        raise TypeError(f"{target} has no config_model deriving from ExporterConfig")
    return value


def is_builtin(entry: EntryPoint) -> bool:
    """True for an entry point this project declares (its own distribution's)."""
    dist = getattr(entry, "dist", None)
    if dist is not None:
        return bool(dist.name == DISTRIBUTION)
    return entry.value.startswith(f"{DISTRIBUTION}.")


class Registry:
    """Destination types by name: the built-in entry points first, then plug-ins'."""

    def __init__(self, *, plugins: bool = True) -> None:
        self.types: dict[str, type[BaseExporter[Any]]] = {}
        self.broken: list[BrokenExporter] = []
        found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: not is_builtin(e))
        for entry in found:
            builtin = is_builtin(entry)
            if not builtin and not plugins:
                continue
            if entry.name in self.types:
                self.broken.append(
                    BrokenExporter(entry.name, entry.value, "name already taken: ignored")
                )
                continue
            self._add(entry.name, entry.value, "builtin" if builtin else f"plugin {entry.value}")

    def _add(self, name: str, target: str, origin: str) -> None:
        try:
            cls = _load(target)
        except Exception as exc:  # a broken plug-in must never take the service down
            log.error("exporter %s (%s) could not be loaded: %s", name, origin, exc)
            self.broken.append(BrokenExporter(name, origin, f"{type(exc).__name__}: {exc}"))
            return
        self.types[name] = cls

    def get(self, name: str) -> type[BaseExporter[Any]]:
        """The class of a destination type."""
        try:
            return self.types[name]
        except KeyError:
            known = ", ".join(sorted(self.types)) or "none"
            raise UnknownExporter(f"unknown exporter type {name!r}; installed: {known}") from None


class ConfigStore:
    """Loads, validates, masks and saves exporter configs.

    Precedence: a config saved through the API or UI; else the environment variables; else the
    model's defaults. Secret fields are Fernet-encrypted in the database and masked in answers
    (a secret ``dict``, such as HTTP headers, value by value).

    A secret sent back as the mask takes the value in force only while the config's
    destination is the same place (:meth:`ExporterConfig.destination`); otherwise the config is
    refused, naming each secret to type again. :attr:`seen` masks every secret this store
    has loaded or validated (the service applies it to its logs).
    """

    def __init__(
        self, registry: Registry, repo: ExportRepo, secrets: SecretBox, env: Mapping[str, str]
    ) -> None:
        self.registry = registry
        self.repo = repo
        self.secrets = secrets
        self.env = env
        self.seen = Redactor()

    def env_values(self, name: str) -> dict[str, Any] | None:
        """What the environment says of a type (``<TYPE>_ENABLED`` plus its own variables)."""
        model = self.registry.get(name).config_model
        values = model.from_env(self.env) or {}
        enabled = self.env.get(f"{name.upper()}_ENABLED")
        if enabled is not None and enabled != "":
            values["enabled"] = enabled
        return values or None

    def saved(self, name: str) -> bool:
        """True when a config of this type was saved (it then wins over the environment)."""
        return self.repo.config(name) is not None

    def load(self, name: str) -> ExporterConfig:
        """The config in force for a type."""
        model = self.registry.get(name).config_model
        stored = self.repo.config(name)
        if stored is not None:
            config = model.model_validate(self._decrypt(model, stored))
        else:
            config = model.model_validate(self.env_values(name) or {})
        self.seen.merge(config.redactor())
        return config

    def unsaved(self, name: str, data: Mapping[str, Any]) -> ExporterConfig:
        """``data`` validated as a config of ``name`` without saving it (to test a form).

        A secret sent back as the mask takes the value in force, if the destination did not
        change. Raises ``ValidationError``: the model's field errors, or one error per masked
        secret when the destination changed (``secret_unbound``), so that a saved secret is
        never sent to a place it was not saved for.
        """
        model = self.registry.get(name).config_model
        current = self.load(name)
        merged = dict(data)
        bound: list[tuple[tuple[str, ...], str]] = []  # (loc, what to type again)
        missing: list[tuple[str, ...]] = []
        self_bound = model.self_bound_fields()
        for field in sorted(model.secret_fields()):
            value, kept = merged.get(field), getattr(current, field, None)
            if value == MASK:
                merged[field] = kept
                if kept and field not in self_bound:
                    bound.append(((field,), "the secret"))
            elif isinstance(value, Mapping) and MASK in value.values():
                merged[field], keys = _fill_masked(value, kept)
                bound += [((field, key), f"the value of {key}") for key in keys[0]]
                missing += [(field, key) for key in keys[1]]
        config = model.model_validate(merged)
        self.seen.merge(config.redactor())
        errors = [_no_saved_value(loc) for loc in missing]
        was, now = current.destination(), config.destination()
        if bound and not was.covers(now):
            errors += [_unbound(loc, what, was, now) for loc, what in bound]
        if errors:
            raise ValidationError.from_exception_data(model.__name__, errors)
        return config

    def save(self, name: str, data: Mapping[str, Any]) -> ExporterConfig:
        """Validate and save a config; a secret sent back as the mask keeps the stored value
        (same destination only, see :meth:`unsaved`).

        Raises pydantic's ``ValidationError`` (field errors) on bad input; nothing is saved then.
        """
        config = self.unsaved(name, data)
        self.repo.save_config(name, self._encrypt(config))
        return config

    def masked(self, config: ExporterConfig) -> dict[str, Any]:
        """The config as shown in answers: every set secret replaced by the mask (each value
        of a secret ``dict``)."""
        shown = config.model_dump(mode="json")
        for field in config.secret_fields():
            value = shown.get(field)
            if isinstance(value, dict):
                shown[field] = {key: MASK if text else text for key, text in value.items()}
            elif value:
                shown[field] = MASK
        return shown

    def _encrypt(self, config: ExporterConfig) -> dict[str, Any]:
        data = config.model_dump(mode="json")
        for field in config.secret_fields():
            value = data.get(field)
            if isinstance(value, dict):
                data[field] = {key: self._seal(text) for key, text in value.items()}
            elif value:
                data[field] = self._seal(value)
        return data

    def _seal(self, value: Any) -> Any:
        return _ENCRYPTED + self.secrets.encrypt(str(value)) if value else value

    def _open(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(_ENCRYPTED):
            return self.secrets.decrypt(value[len(_ENCRYPTED) :])
        return value

    def _decrypt(self, model: type[ExporterConfig], data: dict[str, Any]) -> dict[str, Any]:
        plain = dict(data)
        for field in model.secret_fields() & data.keys():
            value = plain[field]
            if isinstance(value, dict):  # (headers saved before they were secret: in clear)
                plain[field] = {key: self._open(text) for key, text in value.items()}
            else:
                plain[field] = self._open(value)
        return plain


def _fill_masked(
    sent: Mapping[str, Any], kept: Any
) -> tuple[dict[str, Any], tuple[list[str], list[str]]]:
    """A secret ``dict`` with masked values taken from ``kept``; also the keys filled from a
    saved value, and the masked keys that have none."""
    saved = kept if isinstance(kept, Mapping) else {}
    filled, reused, missing = dict(sent), [], []
    for key, value in sent.items():
        if value != MASK:
            continue
        if saved.get(key):
            filled[key] = saved[key]
            reused.append(key)
        else:
            missing.append(key)
    return filled, (reused, missing)


def _unbound(
    loc: tuple[str, ...], what: str, was: Destination, now: Destination
) -> InitErrorDetails:
    message = (
        f"{loc[0]}: the destination changed from {was} to {now}; type {what} again (a saved "
        "secret is only reused where it was saved)"
    )
    return _error("secret_unbound", loc, message)


def _no_saved_value(loc: tuple[str, ...]) -> InitErrorDetails:
    message = f"{loc[0]}: {loc[-1]} has no saved value to keep; type it"
    return _error("secret_missing", loc, message)


def _error(kind: str, loc: tuple[str, ...], message: str) -> InitErrorDetails:
    return {
        "type": PydanticCustomError(kind, "{reason}", {"reason": message}),
        "loc": loc,
        "input": MASK,
    }


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"loc", "msg", "type"}`` items, without the rejected input values
    (which may be secrets)."""
    return [
        {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
