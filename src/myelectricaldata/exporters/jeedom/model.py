"""Jeedom's shapes as the exporter uses them: equipments, commands, history rows, events.

Jeedom answers PHP arrays: ids come as numbers or numeric strings (a new equipment's id is a
string), flags as ``1``/``"1"``, an empty configuration as ``[]`` and an empty list as the string
``"ok"``. The ``from_api`` constructors accept all of that and nothing else; a shape they cannot
read raises :class:`JeedomShapeError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from myelectricaldata.exporters.jeedom.errors import JeedomProtocolError

#: What ``cmd::event`` reads as a datetime, in Jeedom's own time zone (no offset).
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class JeedomShapeError(JeedomProtocolError):
    """An answer whose shape is not Jeedom's (wrong URL, or a Jeedom this client does not know)."""


def as_int(value: Any, what: str) -> int:
    """An id Jeedom sent as a number or a numeric string."""
    if isinstance(value, bool):
        raise JeedomShapeError(f"{what} is {value!r}, not an id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise JeedomShapeError(f"{what} is {value!r}, not an id")


def as_flag(value: Any) -> bool:
    """A PHP flag (``1``, ``"1"``, ``true``); anything else is false."""
    return value is True or value == 1 or value == "1"


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A PHP associative array (an empty one comes as ``[]`` or ``null``)."""
    if isinstance(value, Mapping):
        return value
    return {}


def as_list(value: Any, what: str) -> list[Mapping[str, Any]]:
    """A list answer; Jeedom answers an empty one as ``"ok"``."""
    if value == "ok":
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise JeedomShapeError(f"{what} is not a list of objects: {str(value)[:120]}")
    return value


def jeedom_datetime(instant: datetime, zone: ZoneInfo) -> str:
    """An aware instant as the wall time ``cmd::event`` expects in Jeedom's time zone."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return instant.astimezone(zone).strftime(DATETIME_FORMAT)


def day_datetime(day: date) -> str:
    """The stamp of a whole day's value: that date at 00:00:00, whatever Jeedom's time zone
    (a daily value belongs to its calendar day, not to an instant)."""
    return f"{day.isoformat()} 00:00:00"


def format_number(value: int | float | Decimal) -> str:
    """A number as plain decimal text (no exponent, no trailing zeros): what ``cmd::event``
    stores unchanged."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class Equipment:
    """A Jeedom equipment (``eqLogic``)."""

    id: int
    name: str
    logical_id: str
    eq_type: str
    object_id: int | None
    enabled: bool
    visible: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Equipment:
        """From an ``eqLogic::*`` answer."""
        object_id = data.get("object_id")
        return cls(
            id=as_int(data.get("id"), "eqLogic id"),
            name=str(data.get("name") or ""),
            logical_id=str(data.get("logicalId") or ""),
            eq_type=str(data.get("eqType_name") or ""),
            object_id=None if object_id in (None, "") else as_int(object_id, "object_id"),
            enabled=as_flag(data.get("isEnable")),
            visible=as_flag(data.get("isVisible")),
        )


@dataclass(frozen=True, slots=True)
class Command:
    """A Jeedom command (``cmd``) and its current value."""

    id: int
    equipment_id: int
    name: str
    logical_id: str
    type: str
    sub_type: str
    unit: str
    historized: bool
    historize_mode: str | None
    current_value: str | int | float | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Command:
        """From a ``cmd::byId`` / ``cmd::byEqLogicId`` answer (``exportApi``)."""
        configuration = as_mapping(data.get("configuration"))
        mode = configuration.get("historizeMode")
        current = data.get("currentValue")
        return cls(
            id=as_int(data.get("id"), "cmd id"),
            equipment_id=as_int(data.get("eqLogic_id"), "cmd eqLogic_id"),
            name=str(data.get("name") or ""),
            logical_id=str(data.get("logicalId") or ""),
            type=str(data.get("type") or ""),
            sub_type=str(data.get("subType") or ""),
            unit=str(data.get("unite") or ""),
            historized=as_flag(data.get("isHistorized")),
            historize_mode=None if mode in (None, "") else str(mode),
            current_value=current if isinstance(current, (str, int, float)) else None,
        )


@dataclass(frozen=True, slots=True)
class JeedomObject:
    """A Jeedom object (a room or zone equipments are placed in)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One row of ``cmd::getHistory``: Jeedom's wall ``datetime`` and the stored text value."""

    datetime: str
    value: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> HistoryRow:
        """From a ``cmd::getHistory`` item."""
        value = data.get("value")
        return cls(str(data.get("datetime") or ""), "" if value is None else str(value))


@dataclass(frozen=True, slots=True)
class Event:
    """One ``cmd::event``: set command ``cmd_id`` to ``value``, dated ``datetime`` (Jeedom's
    wall time) or now when ``None``."""

    cmd_id: int
    value: str
    datetime: str | None = None

    def params(self) -> dict[str, Any]:
        """The JSON-RPC params (without the key)."""
        params: dict[str, Any] = {"id": self.cmd_id, "value": self.value}
        if self.datetime is not None:
            params["datetime"] = self.datetime
        return params


@dataclass(frozen=True, slots=True)
class EventBatch:
    """What one export sends: dated history events (oldest first), then the current values.

    Every history event also becomes its command's current value and fires Jeedom's listeners,
    so ``current`` goes last and restores each command's real value.
    """

    history: Sequence[Event] = ()
    current: Sequence[Event] = ()

    def __len__(self) -> int:
        return len(self.history) + len(self.current)

    def __iter__(self) -> Iterator[Event]:
        yield from self.history
        yield from self.current
