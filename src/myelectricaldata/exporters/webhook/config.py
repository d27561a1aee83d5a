"""Configuration of the ``webhook`` exporter (``WEBHOOK_*`` variables)."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Literal

import httpx
from pydantic import ConfigDict, field_validator, model_validator

from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from myelectricaldata.exporters.webhook.signing import decode_secret

_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
#: Headers the exporter sets itself; ``authorization`` has its own secret field.
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)
#: Fields of configs saved before retries moved to the export service: read and ignored.
RETIRED_FIELDS = frozenset({"attempts", "retry_backoff", "max_retry_after"})


class WebhookConfig(ExporterConfig):
    """Where and how events are sent (env: ``WEBHOOK_URL``, ``WEBHOOK_SECRET``,
    ``WEBHOOK_ENABLED``, and ``WEBHOOK_<FIELD>`` for the others)."""

    summary: ClassVar[Translated | None] = Translated(
        "Où et comment les événements sont envoyés (environnement : `WEBHOOK_URL`, "
        "`WEBHOOK_SECRET`, `WEBHOOK_ENABLED`, et `WEBHOOK_<CHAMP>` pour les autres).",
        "Where and how events are sent (environment: `WEBHOOK_URL`, `WEBHOOK_SECRET`, "
        "`WEBHOOK_ENABLED`, and `WEBHOOK_<FIELD>` for the others).",
    )

    # A rejected value may be a secret: keep inputs out of validation messages and logs.
    model_config = ConfigDict(hide_input_in_errors=True)
    env_prefix: ClassVar[str] = "WEBHOOK"

    url: str = setting(
        "",
        destination=True,
        fr=(
            "URL du destinataire",
            "http:// ou https:// (obligatoire une fois activé). La changer demande de saisir "
            "à nouveau les secrets.",
        ),
        en=(
            "Receiver URL",
            "http:// or https:// (required when enabled). Changing it asks for the secrets again.",
        ),
    )
    method: Literal["POST", "PUT"] = setting(
        "POST", fr=("Méthode HTTP", "POST ou PUT."), en=("HTTP method", "POST or PUT.")
    )
    headers: dict[str, str] = setting(
        default_factory=dict,
        secret=True,
        fr=(
            "En-têtes HTTP",
            "En-têtes ajoutés à chaque événement, par exemple X-Api-Key. Leurs valeurs sont "
            "des secrets : chiffrées dans la base, affichées ******** (renvoyer ******** garde "
            "la valeur enregistrée). Depuis l'environnement : un objet JSON.",
        ),
        en=(
            "HTTP headers",
            "Extra headers sent with every event, e.g. X-Api-Key. Their values are secrets: "
            "encrypted at rest, shown as ******** (sending ******** back keeps the saved "
            "value). From the environment: a JSON object.",
        ),
    )
    authorization: str = setting(
        "",
        secret=True,
        fr=(
            "En-tête Authorization",
            "Valeur de l'en-tête Authorization, par exemple Bearer <jeton> (secret ; vide : "
            "aucun).",
        ),
        en=(
            "Authorization header",
            "Value of the Authorization header, e.g. Bearer <token> (secret; empty: none).",
        ),
    )
    secret: str = setting(
        "",
        secret=True,
        fr=(
            "Secret de signature",
            "Secret Standard Webhooks, whsec_<clé base64> ; plusieurs secrets séparés par des "
            "espaces signent chacun (rotation des clés) ; vide : événements non signés.",
        ),
        en=(
            "Signing secret",
            "Standard Webhooks secret, whsec_<base64 key>; several space-separated secrets each "
            "sign (key rotation); empty: events are not signed.",
        ),
    )
    timeout: float = setting(
        15.0,
        gt=0,
        le=300,
        fr=("Délai d'attente (s)", "Secondes d'attente d'une réponse."),
        en=("Timeout (s)", "Seconds to wait for an answer."),
    )
    verify_tls: bool = setting(
        True,
        fr=("Vérifier le certificat TLS", "Vérifie le certificat TLS du destinataire (https)."),
        en=("Verify the TLS certificate", "Check the receiver's TLS certificate (https)."),
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_retired_fields(cls, data: Any) -> Any:
        # Retries moved to the export service (one policy for every destination): configs
        # saved before still carry these, and must keep loading.
        if isinstance(data, dict) and RETIRED_FIELDS & data.keys():
            data = {k: v for k, v in data.items() if k not in RETIRED_FIELDS}
        return data

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL:
            raise ValueError("url: not a URL; expected http(s)://host[:port]/path") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("url: expected http(s)://host[:port]/path")
        if url.userinfo:
            raise ValueError(
                "url: remove the user:password part; put credentials in `authorization` "
                "(a secret field), e.g. 'Basic <base64>' or 'Bearer <token>'"
            )
        return value

    @field_validator("headers", mode="before")
    @classmethod
    def _parse_headers(cls, value: Any) -> Any:
        if isinstance(value, str):  # WEBHOOK_HEADERS='{"X-Api-Key": "..."}'
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(
                    'headers: expected a JSON object such as {"X-Source": "linky"}'
                ) from None
        return value

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"headers: {name!r} is not a valid HTTP header name")
            if name.lower() == "authorization":
                raise ValueError(
                    "headers: put Authorization in the `authorization` field, which is stored "
                    "encrypted and never shown"
                )
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"headers: {name} is set by the exporter itself; remove it")
            if "\r" in text or "\n" in text:
                raise ValueError(f"headers: the value of {name} holds a line break")
        return value

    @field_validator("secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        value = " ".join(value.split())
        if value:
            decode_secret(value)
        return value

    @model_validator(mode="after")
    def _url_when_enabled(self) -> WebhookConfig:
        if self.enabled and not self.url:
            raise ValueError("url: set the receiver's URL (http(s)://...) to enable the webhook")
        return self
