"""What the openHAB client sends and reads: items, states, history points, server facts, and
the errors a refusal raises (each message says what to change).

The one rule about types lives here too (:meth:`RemoteItem.takes`): openHAB answers 202 to a
state *before* the item applies it, and a ``Number:<Dimension>`` item silently drops a quantity
of another dimension; persistence stores it, then leaves it out when read back. So a value is
only ever sent to an item whose type takes it, which the exporter checks before sending.

What openHAB answers (PROTOCOLS.md §7, read in openhab-core's ``ItemResource``,
``PersistenceResource``, ``AuthFilter``) shapes every method:

- An API token (``oh.<name>.<random>``) goes as ``Authorization: Bearer``, as the Basic user
  with an empty password, or in ``X-OPENHAB-TOKEN``. A refused token is 401 on every path, even
  ``GET /rest/``; creating items and writing history need the administrator role (401/403).
- Items are created or updated in one request (``PUT /rest/items`` with a list). An update
  resets the item's state to NULL, so :meth:`OpenHABClient.provision` sends only the items that
  are missing or differ, and a second run sends nothing.
- ``PUT /rest/items/{item}/state`` answers 202 before the item applies the state: a value whose
  unit does not fit the item's dimension is dropped silently, so states always carry the unit
  of the item (``12.5 kWh`` to a ``Number:Energy``) and the item's ``unit`` metadata is set.
- History is one ``PUT /rest/persistence/items/{item}?serviceId=&time=&state=`` per point
  (there is no bulk endpoint), only into a *Modifiable* service (rrd4j, the default, is
  Queryable: 400 ``Persistence service not modifiable``). Times are sent as
  ``yyyy-MM-dd'T'HH:mm:ss.SSS+0000`` (UTC); httpx encodes the ``+`` (an unencoded ``+`` reads as
  a space and openHAB refuses the time). Points go out ``concurrency`` at a time.

Errors: a failure that a later attempt may fix (no answer, 408, 429, 5xx) raises
:class:`~myelectricaldata.support.retry.Retryable` with the server's ``Retry-After``; a refusal
raises an :class:`OpenHABError` whose message says what to change. The client never retries on
its own, and every message goes through one :class:`~myelectricaldata.support.redaction.Redactor`
that knows the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx

#: Persistence services that keep history through the REST API, for error messages.
MODIFIABLE_EXAMPLES = "jdbc, influxdb or mongodb"
#: A modifiable service that still cannot hold our history: its values live in memory (lost
#: on restart) and at most ``maxEntries`` (512) per item are kept.
VOLATILE_SERVICES = frozenset({"inmemory"})


class AuthScheme(StrEnum):
    """How the API token travels."""

    BEARER = "bearer"
    BASIC = "basic"
    HEADER = "header"


class ServiceKind(StrEnum):
    """``type`` of a persistence service in ``GET /rest/persistence``."""

    MODIFIABLE = "Modifiable"
    QUERYABLE = "Queryable"
    STANDARD = "Standard"


class OpenHABError(Exception):
    """openHAB refused a request; the message says what to change. Trying again won't help.

    ``status`` is the HTTP status, ``server_message`` openHAB's own ``error.message`` (None
    when the answer had no openHAB error body).
    """

    def __init__(
        self, message: str, *, status: int | None = None, server_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.server_message = server_message


class OpenHABAuthError(OpenHABError):
    """The token is refused (401) or lacks the administrator role (401/403)."""


class OpenHABNotFound(OpenHABError):
    """An item (or the REST API itself) does not exist at that address."""


class OpenHABRejected(OpenHABError):
    """openHAB refused what was sent (400, 415): an unparsable state or time."""


class OpenHABNotEditable(OpenHABError):
    """An item defined in a ``.items`` file cannot be changed through the API (405)."""


class PersistenceServiceUnusable(OpenHABError):
    """The persistence service chosen for history is missing or cannot store past values."""


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``GET /rest/`` says about the server."""

    api_version: str
    runtime_version: str
    timezone: str
    locale: str
    measurement_system: str


@dataclass(frozen=True, slots=True)
class PersistenceServiceInfo:
    """One installed persistence service."""

    id: str
    label: str
    kind: str

    @property
    def modifiable(self) -> bool:
        """Whether the REST API can write past values into it."""
        return self.kind == ServiceKind.MODIFIABLE


@dataclass(frozen=True, slots=True)
class ItemDefinition:
    """An item as we want it: type (``Number:Energy``...), label, tags, groups, unit, pattern."""

    name: str
    type: str
    label: str
    category: str | None = None
    tags: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    #: ``unit`` metadata of a dimensioned Number item (``kWh``, ``VA``, ``%``).
    unit: str | None = None
    #: ``stateDescription`` pattern of a plain Number item with a unit openHAB has no dimension
    #: for (``%.2f EUR``): the unit the item shows its value in.
    pattern: str | None = None

    def dto(self) -> dict[str, Any]:
        """The JSON body of ``PUT /rest/items``."""
        body: dict[str, Any] = {
            "type": self.type,
            "name": self.name,
            "label": self.label,
            "tags": list(self.tags),
            "groupNames": list(self.groups),
        }
        if self.category is not None:
            body["category"] = self.category
        return body


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """An item as openHAB holds it."""

    name: str
    type: str
    label: str | None
    category: str | None
    tags: frozenset[str]
    groups: frozenset[str]
    editable: bool
    unit: str | None
    state: str
    pattern: str | None = None

    def matches(self, wanted: ItemDefinition) -> bool:
        """Whether the item already is what ``wanted`` describes (its metadata aside)."""
        return (
            self.type == wanted.type
            and self.label == wanted.label
            and self.category == wanted.category
            and self.tags == frozenset(wanted.tags)
            and self.groups == frozenset(wanted.groups)
        )

    def takes(self, wanted: ItemDefinition) -> bool:
        """Whether values meant for ``wanted`` keep their meaning in this item.

        The main types must be equal; a ``Number:<Dimension>`` takes only its own dimension
        (another one is dropped after the 202, or stored and never read back), and a plain
        ``Number`` takes any number (a quantity keeps its value and loses its unit, which is
        the unit we send). A plain number never goes to a dimensioned item: openHAB would read
        it in the item's unit (1.23 EUR becoming 1.23 kWh).
        """
        base, _, dimension = self.type.partition(":")
        wanted_base, _, wanted_dimension = wanted.type.partition(":")
        if base != wanted_base:
            return False
        return base != "Number" or dimension in ("", wanted_dimension)

    @classmethod
    def of(cls, wanted: ItemDefinition, *, editable: bool = True) -> RemoteItem:
        """The item openHAB holds once ``wanted`` was created or updated (state NULL)."""
        return cls(
            name=wanted.name,
            type=wanted.type,
            label=wanted.label,
            category=wanted.category,
            tags=frozenset(wanted.tags),
            groups=frozenset(wanted.groups),
            editable=editable,
            unit=wanted.unit,
            state="NULL",
            pattern=wanted.pattern,
        )


@dataclass(frozen=True, slots=True)
class StateUpdate:
    """A new state for an item, as openHAB reads it (``12.5 kWh``, ``BLUE``, ``UNDEF``)."""

    item: str
    state: str


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """A past state of an item at an aware instant."""

    item: str
    at: datetime
    state: str


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """A point read back from a persistence service; ``state`` is in the item's unit."""

    at: datetime
    state: str


@dataclass(frozen=True, slots=True)
class ItemHistory:
    """An item's persisted points in a range, oldest first, and the unit of their values."""

    unit: str | None
    points: tuple[StoredPoint, ...]


@dataclass(frozen=True, slots=True)
class ProvisionReport:
    """What :meth:`OpenHABClient.provision` changed."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    units_set: tuple[str, ...] = ()
    patterns_set: tuple[str, ...] = ()


def openhab_time(instant: datetime) -> str:
    """``instant`` as openHAB's ``DATE_PATTERN_WITH_TZ_AND_MS`` in UTC:
    ``2023-11-14T23:00:00.000+0000``. A naive datetime is refused (no instant)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def rest_base(url: str) -> str:
    """The REST root of an openHAB URL given with or without ``/rest``."""
    base = url.rstrip("/")
    if base.endswith("/rest"):
        base = base[: -len("/rest")]
    return base + "/rest"


__all__ = [
    "MODIFIABLE_EXAMPLES",
    "VOLATILE_SERVICES",
    "AuthScheme",
    "HistoryPoint",
    "ItemDefinition",
    "ItemHistory",
    "OpenHABAuthError",
    "OpenHABError",
    "OpenHABNotEditable",
    "OpenHABNotFound",
    "OpenHABRejected",
    "PersistenceServiceInfo",
    "PersistenceServiceUnusable",
    "ProvisionReport",
    "RemoteItem",
    "ServerInfo",
    "ServiceKind",
    "StateUpdate",
    "StoredPoint",
    "openhab_time",
    "rest_base",
]


def error_message(response: httpx.Response) -> str | None:
    """``error.message`` of openHAB's JSON error body, None when the body is not one."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        return message if isinstance(message, str) else None
    return None


def describe(info: ServerInfo, service: PersistenceServiceInfo | None) -> str:
    """One line for a connection test: version, time zone, history service."""
    text = f"openHAB {info.runtime_version or '?'} (REST API {info.api_version}), {info.timezone}"
    if service is not None:
        text += f"; history in {service.id} ({service.label or service.kind})"
    return text
