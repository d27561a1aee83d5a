"""What Domoticz's JSON API takes and answers, as types: the login modes, the errors a call
ends with, the typed answers of the commands this exporter uses, and what to fix after a refusal.

What the server does, from its source (``main/WebServer*.cpp``, ``webserver/cWebem.cpp``,
``iamserver/IamService.cpp``; PROTOCOLS.md §6) and a running 2025.1:

- Since 2023.2 every call is ``GET /json.htm?type=command&param=<command>&...``; any other
  ``type`` answers 404 with an empty body.
- A refusal is **HTTP 200** with ``{"status": "ERR"}`` (unknown idx, missing or unusable
  values) or ``{"status": "ERROR"}`` (a command this version does not know); a command whose
  handler throws answers 200 with an **empty body**. Only these are failures: ``"OK"`` is
  success.
- A call that needs a login and has none (or a wrong one) gets **401 with an HTML page**; a
  user without the rights (a viewer writing, a non-admin creating) gets **403**.
- Authentication, three ways (``DomoticzAuth.mode``):
  ``basic``: HTTP Basic, accepted only over HTTPS or with the setting *Allow Basic-Auth
  authentication over plain HTTP*; otherwise even right credentials get 401 (and a wrong or
  refused Basic header also cancels the trusted-network exception).
  ``trusted``: no credentials, the client's address is in *Trusted Networks*.
  ``bearer``: a JWT from Domoticz's IAM, given as is (``token``) or fetched by this client
  (``oauth2``) with the password grant ``POST /oauth2/v1/token`` (``grant_type=password``,
  ``client_id`` = an application of Setup > Applications, the user's Basic header: allowed over
  plain HTTP). Tokens live ``expires_in`` seconds (3600 by default); this client fetches a new
  one a minute before, and once more when a call gets 401.
- ``getversion`` and ``getauth`` never need a login: without one they answer ``OK`` with no
  ``version`` / no ``user``; ``gethardware`` needs one.
- There is no batch command (``udevices`` is a Lua-script route): one request per value.

Transient failures (no answer, a timeout, 408, 429, 5xx from a proxy) raise
:class:`DomoticzUnavailable`, a :class:`~myelectricaldata.support.retry.Retryable` carrying
``Retry-After``; everything else raises :class:`DomoticzRefused` (or :class:`DomoticzAuthError`)
whose message says what to fix. The client never retries on its own (except the single token
renewal above): the exporter's delivery does. Secrets are masked in every message.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from myelectricaldata.domain.errors import MedError
from myelectricaldata.exporters.domoticz.devices import DeviceKind, kind_of
from myelectricaldata.support.redaction import Redactor
from myelectricaldata.support.retry import Retryable

AuthMode = Literal["trusted", "basic", "bearer", "oauth2"]

#: ``type=command&param=...`` is the only API form from this version on.
MIN_VERSION = (2023, 2)
#: User rights (``webserver/cWebem.h``): viewer 0, user 1, admin 2.
RIGHTS_VIEWER, RIGHTS_USER, RIGHTS_ADMIN = 0, 1, 2
RIGHTS_NAMES = {RIGHTS_VIEWER: "Viewer", RIGHTS_USER: "User", RIGHTS_ADMIN: "Admin"}
#: Where Domoticz's IAM hands out tokens (``iamserver/iam_settings.hpp``).
TOKEN_PATH = "oauth2/v1/token"
#: A token is renewed this many seconds before it expires (Domoticz allows 60 s of skew).
TOKEN_MARGIN_S = 60.0
USER_AGENT = "myelectricaldata"
CONNECT_TIMEOUT_S = 5.0

_VERSION = re.compile(r"^\s*(\d{4})\.(\d+)")


class DomoticzError(MedError):
    """Base of the Domoticz client's errors."""


class DomoticzRefused(DomoticzError):
    """Domoticz answered and refused; trying again will not help. The message says what to
    fix; ``status`` is the HTTP status (200 for ``status: ERR``), ``command`` the ``param``."""

    def __init__(self, message: str, *, command: str, status: int | None = None) -> None:
        super().__init__(message)
        self.command = command
        self.status = status


class DomoticzAuthError(DomoticzRefused):
    """Credentials missing, wrong or refused (401), or a user without the rights (403)."""


class DomoticzUnavailable(Retryable, DomoticzError):
    """No usable answer this time (down, restarting, a timeout, a proxy's 5xx): try later."""


@dataclass(frozen=True, slots=True)
class DomoticzAuth:
    """How to log in (see the module's notes); secrets are never shown by ``repr``."""

    mode: AuthMode = "trusted"
    username: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    client_id: str = ""

    def __post_init__(self) -> None:
        if self.mode in ("basic", "oauth2") and not self.username:
            raise ValueError(f"auth mode {self.mode} needs a username (and its password)")
        if self.mode == "bearer" and not self.token:
            raise ValueError("auth mode bearer needs a token (a JWT from Domoticz's IAM)")
        if self.mode == "oauth2" and not self.client_id:
            raise ValueError(
                "auth mode oauth2 needs client_id: the name of an application created in "
                "Domoticz (Setup > More Options > Applications)"
            )

    def redactor(self) -> Redactor:
        """A redactor that masks this auth's secrets in every form they travel in."""
        redactor = Redactor([self.token])
        redactor.add_basic(self.username, self.password)
        return redactor


@dataclass(frozen=True, slots=True)
class DomoticzVersion:
    """What ``getversion`` says: the version text (None when the call was not logged in)."""

    text: str | None
    revision: int | None = None

    @property
    def logged_in(self) -> bool:
        """Domoticz only names its version to a logged-in (or trusted) caller."""
        return self.text is not None

    @property
    def number(self) -> tuple[int, int] | None:
        """``(2025, 1)`` from ``2025.1 (build 16773)``; None when unknown."""
        match = _VERSION.match(self.text or "")
        return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """What :meth:`DomoticzClient.probe` found: the version and who we are logged in as."""

    version: str
    user: str
    rights: int

    @property
    def message(self) -> str:
        """One line for the user, e.g. ``Domoticz 2025.1, logged in as admin (Admin)``."""
        rights = RIGHTS_NAMES.get(self.rights, str(self.rights))
        return f"Domoticz {self.version}, logged in as {self.user} ({rights})"


@dataclass(frozen=True, slots=True)
class HardwareInfo:
    """One ``gethardware`` entry."""

    idx: int
    name: str
    htype: int
    enabled: bool


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One ``getdevices`` entry (the fields this exporter reads)."""

    idx: int
    name: str
    description: str
    hardware_idx: int
    type_name: str
    subtype_name: str
    data: str
    used: bool

    @property
    def kind(self) -> DeviceKind | None:
        """Our kind for this device's type, None for a type we never create."""
        return kind_of(self.type_name, self.subtype_name)


def options_param(options: Sequence[tuple[str, str]]) -> str:
    """``setused``'s ``options``: base64 of ``name:value;name:value`` (Domoticz decodes it
    once and stores each value base64-encoded, ``CSQLHelper::SetDeviceOptions``)."""
    text = ";".join(f"{name}:{value}" for name, value in options)
    return base64.b64encode(text.encode()).decode()


def rights_hint(param: str, query: Mapping[str, str]) -> str:
    """What to fix when Domoticz answers 403 to ``param``."""
    if param == "udevice":
        return (
            f"the user needs User rights or more, with access to device idx "
            f"{query.get('idx')} (Setup > Users > Set devices)"
        )
    return "the user needs Admin rights to create hardware and devices (Setup > Users)"


def refusal_hint(param: str, query: Mapping[str, str]) -> str:
    """What to fix when ``param`` answers ``status: ERR``."""
    if param == "udevice":
        return (
            f"Domoticz refused the value of device idx {query.get('idx')} (status ERR): "
            f"the device does not exist, or svalue {query.get('svalue')!r} does not fit "
            "its type; check the devices mapping"
        )
    if param == "createdevice":
        return (
            f"Domoticz could not create device {query.get('sensorname')!r} on hardware idx "
            f"{query.get('idx')} (status ERR): that hardware must be a Dummy (not a "
            "plugin's)"
        )
    if param == "setused":
        return f"Domoticz has no device idx {query.get('idx')} (setused answered ERR)"
    if param == "addhardware":
        return (
            f"Domoticz refused to add the Dummy hardware {query.get('name')!r} "
            "(status ERR): check hardware_name"
        )
    return f"Domoticz refused {param} (status ERR) with {query}"
