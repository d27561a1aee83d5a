"""An exporter's configuration model and the texts of its fields, in one place.

Every field is declared with :func:`setting`, which carries its French and English label and
help next to its type, default and checks. The API's JSON schema (``GET /api/export/types``)
and the web UI's form both read them from here, so a field cannot exist without its texts and a
plug-in's form shows its own words. :func:`setting` with ``secret=True`` (or the older
:func:`secret_field`) marks a secret: encrypted at rest, masked in answers, never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

from myelectricaldata.support.redaction import Redactor

Lang = Literal["fr", "en"]


class Translated(NamedTuple):
    """A text in French and in English."""

    fr: str
    en: str

    def pick(self, lang: str) -> str:
        """The text in ``lang`` (French unless ``en``)."""
        return self.en if lang == "en" else self.fr


class FieldText(NamedTuple):
    """The label of a form field and its help, in one language."""

    label: str
    help: str


def setting(
    default: Any = PydanticUndefined,
    *,
    fr: tuple[str, str],
    en: tuple[str, str],
    secret: bool = False,
    **constraints: Any,
) -> Any:
    """A config field with its label and help in French (``fr``) and English (``en``).

    ``constraints`` go to pydantic's ``Field`` (``ge``, ``le``, ``default_factory``...). The
    English texts are also the JSON schema's ``title`` and ``description``.
    """
    extra: dict[str, Any] = {
        "texts": {
            "fr": {"label": fr[0], "help": fr[1]},
            "en": {"label": en[0], "help": en[1]},
        }
    }
    if secret:
        extra["secret"] = True
    if "default_factory" in constraints:
        return Field(title=en[0], description=en[1], json_schema_extra=extra, **constraints)
    return Field(default, title=en[0], description=en[1], json_schema_extra=extra, **constraints)


def secret_field(default: str = "", description: str = "") -> Any:
    """A secret field described in English only (the guide's first form; prefer
    ``setting(..., secret=True)``, which carries French and English texts)."""
    return Field(default, description=description, json_schema_extra={"secret": True})


def _extra(info: Any) -> Mapping[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


class ExporterConfig(BaseModel):
    """Base of every exporter's configuration; subclasses add their fields with :func:`setting`.

    ``summary`` says in both languages what the configuration is about (the UI shows it above
    the form); ``env_prefix`` names the environment variables that bootstrap it.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: bool = setting(
        False,
        fr=("Activé", "Exporter vers cette destination."),
        en=("Enabled", "Export to this destination."),
    )
    interval_minutes: int = setting(
        60,
        ge=0,
        le=10080,
        fr=(
            "Intervalle (minutes)",
            "Minutes entre deux exports (0 : seulement après chaque collecte).",
        ),
        en=("Interval (minutes)", "Minutes between two runs (0: only after each sync)."),
    )

    #: Prefix of the environment variables that bootstrap this config (``MQTT`` -> MQTT_*).
    env_prefix: ClassVar[str] = ""
    #: What this configuration is about, in French and English (shown above the form).
    summary: ClassVar[Translated | None] = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any] | None:
        """Field values from ``<PREFIX>_<FIELD>`` variables, or ``None`` when none is set.

        Exporters whose documented variables differ (``MQTT_BROKER`` as one URL) override it.
        """
        if not cls.env_prefix:
            return None
        found: dict[str, Any] = {}
        for name in cls.model_fields:
            value = env.get(f"{cls.env_prefix}_{name}".upper())
            if value is not None and value != "":
                found[name] = value
        return found or None

    @classmethod
    def secret_fields(cls) -> set[str]:
        """Names of the fields marked secret."""
        return {name for name, info in cls.model_fields.items() if _extra(info).get("secret")}

    @classmethod
    def field_texts(cls, field: str, lang: str) -> FieldText:
        """Label and help of a field in ``lang``; a field declared without :func:`setting`
        falls back to its title (or its name made readable) and its description."""
        info = cls.model_fields[field]
        texts = _extra(info).get("texts")
        if isinstance(texts, dict):
            chosen = texts.get("en" if lang == "en" else "fr") or {}
            return FieldText(str(chosen.get("label", field)), str(chosen.get("help", "")))
        title = info.title or field.replace("_", " ").capitalize()
        return FieldText(title, info.description or "")

    @classmethod
    def has_texts(cls, field: str) -> bool:
        """True when a field carries a French and an English label and help."""
        texts = _extra(cls.model_fields[field]).get("texts")
        if not isinstance(texts, dict):
            return False
        return all(
            isinstance(texts.get(lang), dict)
            and texts[lang].get("label")
            and texts[lang].get("help")
            for lang in ("fr", "en")
        )

    def redactor(self) -> Redactor:
        """A redactor masking every secret of this config (and, with a ``username``, the HTTP
        Basic credential its ``password`` makes)."""
        redactor = Redactor()
        for name in self.secret_fields():
            value = getattr(self, name, None)
            if isinstance(value, str):
                redactor.add(value)
                for part in value.split():  # several secrets in one field (key rotation)
                    redactor.add(part)
        password = getattr(self, "password", None)
        if "password" in self.secret_fields() and isinstance(password, str):
            redactor.add_basic(str(getattr(self, "username", "") or ""), password)
        return redactor
