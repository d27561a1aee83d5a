"""An exporter's configuration model and the texts of its fields, in one place.

Every field is declared with :func:`setting`, which carries its French and English label and
help next to its type, default and checks. The API's JSON schema (``GET /api/export/types``)
and the web UI's form both read them from here, so a field cannot exist without its texts and a
plug-in's form shows its own words. :func:`setting` with ``secret=True`` (or the older
:func:`secret_field`) marks a secret: encrypted at rest, masked in answers, never logged. A
secret is a text, or a ``dict[str, str]`` whose values are secrets (HTTP headers).

``destination=True`` marks where the secrets go (a URL, a host, a port, TLS on or off): a
secret sent back masked is reused only while the destination is the same place (see
:mod:`.destination`). A secret field marked ``destination=True`` too (a broker URL that holds
its own password) is its own destination: sent back masked it is reused whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

from myelectricaldata.exporters.destination import Destination
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
    destination: bool = False,
    **constraints: Any,
) -> Any:
    """A config field with its label and help in French (``fr``) and English (``en``).

    ``secret``: encrypted at rest, masked in answers and logs. ``destination``: part of where
    the secrets are sent (URL, host, port, TLS). ``constraints`` go to pydantic's ``Field``
    (``ge``, ``le``, ``default_factory``...). The English texts are also the JSON schema's
    ``title`` and ``description``.
    """
    extra: dict[str, Any] = {
        "texts": {
            "fr": {"label": fr[0], "help": fr[1]},
            "en": {"label": en[0], "help": en[1]},
        }
    }
    if secret:
        extra["secret"] = True
    if destination:
        extra["destination"] = True
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


#: Field names taken as the destination of a config that declares none: its address.
CONVENTIONAL_DESTINATIONS = frozenset(
    {"url", "base_url", "host", "port", "tls", "broker", "server", "endpoint", "address"}
)
_CONVENTIONAL_SUFFIXES = ("_url", "_host", "_port", "_broker")
#: Pieces of a secret header value masked on their own (a cookie's ``a=1; b=2``), when at
#: least this long: shorter ones would blank out ordinary words in every log line.
MIN_PIECE_LENGTH = 8
_PIECES = re.compile(r"[\s;,]+")
#: Fields of every config, never a destination.
_COMMON = frozenset({"enabled", "interval_minutes"})


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
    def destination_fields(cls) -> tuple[str, ...]:
        """Names of the fields that say where the secrets go.

        Those marked ``setting(..., destination=True)``; for a config that marks none, its
        address fields by name (``url``, ``host``, ``port``, ``tls``, ``*_url``...); and for
        one without such a field either, every field but the secrets, ``enabled`` and
        ``interval_minutes``: a masked secret is then reused only when nothing else changed.
        """
        fields = cls.model_fields
        declared = tuple(n for n, info in fields.items() if _extra(info).get("destination"))
        if declared:
            return declared
        named = tuple(
            n
            for n in fields
            if n in CONVENTIONAL_DESTINATIONS or n.endswith(_CONVENTIONAL_SUFFIXES)
        )
        if named:
            return named
        return tuple(n for n in fields if n not in _COMMON and n not in cls.secret_fields())

    def destination(self) -> Destination:
        """Where this config sends its secrets: the values of its destination fields, URLs
        reduced to scheme, host, port and path. Secret destination fields (a broker URL with
        its password) are their own destination and are left out.

        Override it when the address is split over fields in a way that reads better as one
        URL (the ``mqtt`` exporter's host, port and TLS make ``mqtts://host:8883``).
        """
        secret = self.secret_fields()
        return Destination.of(
            {n: getattr(self, n) for n in self.destination_fields() if n not in secret}
        )

    @classmethod
    def self_bound_fields(cls) -> set[str]:
        """Secret fields that are their own destination (reused whole when sent masked)."""
        fields = cls.model_fields
        return {n for n in cls.secret_fields() if _extra(fields[n]).get("destination")}

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

    def secret_values(self) -> list[str]:
        """Every secret text of this config: secret fields, and each value of a secret
        ``dict`` (headers)."""
        found: list[str] = []
        for name in sorted(self.secret_fields()):
            value = getattr(self, name, None)
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, Mapping):
                found += [v for v in value.values() if isinstance(v, str)]
        return found

    def redactor(self) -> Redactor:
        """A redactor masking every secret of this config in the forms it travels in (see
        :class:`~myelectricaldata.support.redaction.Redactor`), and the HTTP Basic credential
        each secret makes with the config's ``username``."""
        redactor = Redactor()
        user = getattr(self, "username", None)
        user = user if isinstance(user, str) else ""
        for name in sorted(self.secret_fields()):
            value = getattr(self, name, None)
            if isinstance(value, str):
                redactor.add_basic(user, value)
                for part in value.split():  # several secrets in one field (key rotation)
                    redactor.add(part)
            elif isinstance(value, Mapping):
                for text in value.values():
                    redactor.add_basic(user, text)
                    for piece in _PIECES.split(text):  # a cookie's name=value pairs
                        for credential in (piece, piece.partition("=")[2]):
                            if len(credential) >= MIN_PIECE_LENGTH:
                                redactor.add(credential)
        return redactor
