"""A strict fake of Home Assistant Core's REST and WebSocket APIs, over real HTTP on loopback.

It exists for the Home Assistant versions the real server of the test session cannot cover
(the real one is 2025.4.4): :attr:`FakeHomeAssistant.version` picks the rules, from 2024.1 to
2026.11. Every rule below was written from Home Assistant's own source (2025.4.4 as installed, and
``dev`` as of 2025-11 for the 2025.11+ rules) and names where it comes from. Validation uses
voluptuous, as Home Assistant does, so ``invalid_format`` messages read the same.

Served on ``127.0.0.1`` (ephemeral port) by uvicorn in a background thread, like
``tests/fakes/gateway.py``. ``tests/servers/test_homeassistant_server.py`` runs one script of
imports, refusals, metadata and hour/day/week/month reads against the real 2025.4.4 and this fake
and requires identical answers.

WebSocket ``/api/websocket`` (``websocket_api/http.py``, ``auth.py``, ``connection.py``):

- ``{"type":"auth_required","ha_version":V}`` first; the client answers ``{"type":"auth",
  "access_token":T}`` within 10 s; ``auth_ok`` (with ``ha_version``) or ``auth_invalid``
  ``"Invalid access token or password"`` then close; a malformed auth message gets
  ``auth_invalid`` ``"Auth message incorrectly formatted: ..."`` then close. Invalid JSON closes.
- Commands: a JSON object, or a JSON array of objects (handled one by one). A command needs an
  int ``id`` > 0 and a str ``type`` (else ``invalid_format`` "Message incorrectly formatted.");
  ids must increase (``id_reuse`` "Identifier values have to increase."); unknown types get
  ``unknown_command`` "Unknown command."; schema errors ``invalid_format`` with voluptuous'
  humanized message (``extra keys not allowed @ data['metadata']['mean_type']. Got 0``);
  ``HomeAssistantError`` -> ``home_assistant_error``; admin-only commands with a non-admin token
  -> ``unauthorized``. Replies: ``{"id","type":"result","success":true,"result"}`` or
  ``{"id","type":"result","success":false,"error":{"code","message"}}``.
- ``supported_features`` ``{"coalesce_messages":1}``: the replies to one incoming frame go out as
  one JSON array (HA coalesces what is queued together).
- Message size: aiohttp's ``max_msg_size`` default, 4 MiB (HA does not change it). A bigger frame
  closes the connection with code 1009 (message too big), nothing of it handled.
- Commands: ``ping``, ``supported_features``, ``get_config``, ``recorder/import_statistics``,
  ``recorder/list_statistic_ids``, ``recorder/get_statistics_metadata``,
  ``recorder/statistics_during_period``, ``recorder/clear_statistics``.

``recorder/import_statistics`` (``recorder/websocket_api.py``, ``recorder/statistics.py``), by
version:

- ``< 2025.11``: metadata keys exactly ``has_mean`` (required), ``has_sum``, ``name``, ``source``,
  ``statistic_id``, ``unit_of_measurement``; ``mean_type``/``unit_class`` are extra keys.
- ``2025.11 <= v < 2026.11``: ``mean_type`` (0 none, 1 arithmetic, 2 circular) and
  ``unit_class`` (a unit class or ``null``) optional; ``has_mean`` optional (deprecated; without
  ``mean_type`` it gives it); a missing ``unit_class`` is derived from the unit; a ``unit_class``
  that is not one HA knows -> "Unsupported unit_class: 'x'", and a unit outside the class ->
  "Unsupported unit_of_measurement 'X' for unit_class 'energy'".
- ``>= 2026.11``: ``mean_type`` and ``unit_class`` required (the 2025-10-16 developer blog:
  "Not specifying ... will stop working in Home Assistant Core 2026.11"); ``has_mean`` still
  accepted (the blog only removes it from the answers).
- ``statistic_id`` ``domain.object`` (an entity id) needs ``source`` ``recorder``; otherwise it
  must match ``^(?!.+__)(?!_)[\\da-z_]+(?<!_):(?!_)[\\da-z_]+(?<!_)$`` ("Invalid statistic_id")
  and ``source`` must equal the part before ``:`` ("Invalid source").
- each ``start`` (and ``last_reset``) is an ISO datetime; it must carry an offset ("Naive
  timestamp: no or invalid timezone info provided") and be at minute, second and microsecond 0
  in its own offset ("Invalid timestamp: timestamps must be from the top of the hour (minutes and
  seconds = 0)"). One bad row refuses the whole message; nothing of it is stored.
- Storage is keyed by (statistic_id, UTC start): an existing row is updated with every value
  column of the new one (missing values become null), as ``_update_statistics`` does; the
  metadata is replaced on every import (``update_or_add``). With ``commit_delay`` > 0 the rows
  become visible that many seconds after the ``result`` (HA queues imports to the recorder
  thread; the WS ``success`` only means "accepted").

``recorder/statistics_during_period``: ``start_time`` (required) and ``end_time`` are parsed
like ``dt_util.parse_datetime`` (naive = HA's time zone; unparsable -> ``invalid_start_time`` /
``invalid_end_time``); ``period`` ``5minute`` (external statistics have no short-term rows:
``{}``), ``hour``, ``day``, ``week`` (Monday), ``month`` in :attr:`time_zone` (start aligned
down, end aligned up, as HA does); ``types`` from change, last_reset, max, mean, min, state, sum
(default all; mean/min/max dropped when no statistic has a mean, sum/state when none has a sum).
Answer ``{statistic_id: [{"start": ms, "end": ms, <types>}]}`` with only the ids that have rows;
a day/week/month row carries the last hour's ``sum``/``state``; ``change`` is the difference of
sums from the last row before the (aligned) start (0 if none).

``recorder/list_statistic_ids`` (``statistic_type`` ``sum``/``mean``) and
``recorder/get_statistics_metadata`` (``statistic_ids``) answer items ``statistic_id``,
``display_unit_of_measurement``, ``has_mean`` (until 2026.11), ``mean_type`` (from 2025.4),
``has_sum``, ``name``, ``source``, ``statistics_unit_of_measurement``, ``unit_class``.
``recorder/clear_statistics`` (admin) removes the metadata and every row.

REST (``components/api/__init__.py``): every route needs ``Authorization: Bearer <token>``, else
401 ``401: Unauthorized``. ``GET /api/`` -> ``{"message":"API running."}``; ``GET /api/config``
-> the config dict (``version``, ``time_zone``, ``currency``...); ``GET /api/states`` (list);
``GET /api/states/<entity_id>`` (404 ``{"message":"Entity not found."}``); ``POST
/api/states/<entity_id>`` ``{"state", "attributes"?, "force_update"?}`` -> 201 (created) / 200
(updated) with the state and a ``Location`` header; 400 ``Invalid JSON specified.``, ``No state
specified.``, ``Invalid entity ID specified.``, ``Invalid state specified.`` (over 255
characters); 401 for a non-admin token.

Test controls: :meth:`statistics`, :meth:`metadata`, :attr:`states`, :attr:`messages` (every
WebSocket frame received: size and command types), :meth:`disconnect_after`, :attr:`version`,
:attr:`token`, :attr:`admin`, :attr:`commit_delay`, :meth:`reset`. Typical use::

    with FakeHomeAssistant(version="2026.11.0") as fake:
        exporter = HomeAssistantExporter(config(url=fake.url, token=fake.token))
        fake.disconnect_after(3)
        ...
        assert [r["sum"] for r in fake.statistics("myelectricaldata:123_base_consumption")] == sums
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import json
import re
import threading
import time as _time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import voluptuous as vol
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from voluptuous.humanize import humanize_error

from tests.fakes.serving import LoopbackServer

DEFAULT_TOKEN = "fake-ha-long-lived-token-0123456789abcdef"
DEFAULT_VERSION = "2025.4.4"
#: aiohttp's ``WebSocketResponse(max_msg_size=4 * 1024 * 1024)`` default; HA keeps it.
MAX_MSG_SIZE = 4 * 1024 * 1024
#: RFC 6455 close codes the fake uses.
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_GOING_AWAY = 1001

# homeassistant/core.py and recorder/statistics.py
_OBJECT_ID = r"(?!_)[\da-z_]+(?<!_)"
_DOMAIN = r"(?!.+__)" + _OBJECT_ID
VALID_ENTITY_ID = re.compile(r"^" + _DOMAIN + r"\." + _OBJECT_ID + r"$")
VALID_STATISTIC_ID = re.compile(r"^(?!.+__)(?!_)[\da-z_]+(?<!_):(?!_)[\da-z_]+(?<!_)$")
MAX_LENGTH_STATE_STATE = 255

#: ``util/unit_conversion.py`` (2025.4.4): the unit classes an import may name, with their units.
UNIT_CLASSES: dict[str, frozenset[str | None]] = {
    "energy": frozenset(
        {
            "GJ",
            "GWh",
            "Gcal",
            "J",
            "MJ",
            "MWh",
            "Mcal",
            "TWh",
            "Wh",
            "cal",
            "kJ",
            "kWh",
            "kcal",
            "mWh",
        }
    ),
    "power": frozenset({"GW", "MW", "TW", "W", "kW", "mW"}),
    "unitless": frozenset({"%", None}),
    "volume": frozenset({"CCF", "L", "fl. oz.", "ft³", "gal", "mL", "m³"}),
}
#: ``STATISTIC_UNIT_TO_UNIT_CONVERTER``: the class derived from a unit when none is given.
UNIT_TO_CLASS: dict[str | None, str] = {
    unit: cls for cls, units in UNIT_CLASSES.items() for unit in units
}


class StatisticMeanType(IntEnum):
    """``recorder/models/statistics.py``: the kind of mean a statistic has."""

    NONE = 0
    ARITHMETIC = 1
    CIRCULAR = 2


class HomeAssistantError(Exception):
    """Answered as ``home_assistant_error`` with the exception's text."""


class Unauthorized(Exception):
    """Answered as ``unauthorized`` / ``Unauthorized`` (``require_admin``)."""


class _Disconnect(Exception):
    """End the WebSocket connection (close code attached)."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def parse_version(version: str) -> tuple[int, int]:
    """(year, month) of a Home Assistant version string such as ``2025.11.3`` or ``2026.11.0b1``."""
    match = re.match(r"^(\d{4})\.(\d{1,2})(?:\.|$|b|\.dev)", version)
    if match is None:
        raise ValueError(f"not a Home Assistant version: {version!r} (expected e.g. 2025.4.4)")
    return int(match[1]), int(match[2])


def valid_entity_id(value: str) -> bool:
    """``homeassistant.core.valid_entity_id``."""
    return VALID_ENTITY_ID.match(value) is not None


def valid_statistic_id(value: str) -> bool:
    """``recorder.statistics.valid_statistic_id``."""
    return VALID_STATISTIC_ID.match(value) is not None


def parse_datetime(value: str) -> datetime | None:
    """``dt_util.parse_datetime``: ISO 8601, ``Z`` allowed; None when it does not parse."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _cv_datetime(value: Any) -> datetime:
    """``helpers.config_validation.datetime``."""
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise vol.Invalid(f"Invalid datetime specified: {value}")
    return parsed


@dataclass(frozen=True)
class WsMessage:
    """One WebSocket frame the fake received: its size in bytes and the command types in it."""

    size: int
    types: tuple[str, ...]


@dataclass
class _Statistic:
    metadata: dict[str, Any]
    #: UTC start (epoch seconds) -> {"state","sum","mean","min","max","last_reset"(epoch s|None)}
    rows: dict[float, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Conn:
    admin: bool
    last_id: int = 0
    coalesce: bool = False


@dataclass
class _Drop:
    after: int
    apply_next: bool
    handled: int = 0


_VALUE_COLUMNS = ("state", "sum", "mean", "min", "max", "last_reset")
_ALL_TYPES = frozenset({"change", "last_reset", "max", "mean", "min", "state", "sum"})


def _number() -> Any:
    return vol.Any(float, int)


_STAT_ROW_KEYS = ("start", "mean", "min", "max", "last_reset", "state", "sum")
_STAT_ROW = {
    vol.Required("start"): _cv_datetime,
    vol.Optional("mean"): _number(),
    vol.Optional("min"): _number(),
    vol.Optional("max"): _number(),
    vol.Optional("last_reset"): vol.Any(_cv_datetime, None),
    vol.Optional("state"): _number(),
    vol.Optional("sum"): _number(),
}


def import_schema(version: tuple[int, int]) -> vol.Schema:
    """The ``recorder/import_statistics`` schema of a Home Assistant version."""
    metadata: dict[Any, Any] = {
        vol.Required("has_sum"): bool,
        vol.Required("name"): vol.Any(str, None),
        vol.Required("source"): str,
        vol.Required("statistic_id"): str,
        vol.Required("unit_of_measurement"): vol.Any(str, None),
    }
    mean_type = vol.All(
        vol.In(StatisticMeanType.__members__.values()), vol.Coerce(StatisticMeanType)
    )
    if version < (2025, 11):
        metadata[vol.Required("has_mean")] = bool
    else:
        required = version >= (2026, 11)
        marker = vol.Required if required else vol.Optional
        metadata[vol.Optional("has_mean")] = bool
        metadata[marker("mean_type")] = mean_type
        metadata[marker("unit_class")] = vol.Any(str, None)
    return vol.Schema(
        {
            vol.Required("id"): int,
            vol.Required("type"): "recorder/import_statistics",
            vol.Required("metadata"): metadata,
            vol.Required("stats"): [_STAT_ROW],
        }
    )


_SCHEMAS: dict[str, vol.Schema] = {
    "ping": vol.Schema({vol.Required("id"): int, vol.Required("type"): "ping"}),
    "get_config": vol.Schema({vol.Required("id"): int, vol.Required("type"): "get_config"}),
    "supported_features": vol.Schema(
        {
            vol.Required("id"): int,
            vol.Required("type"): "supported_features",
            vol.Required("features"): {str: int},
        }
    ),
    "recorder/list_statistic_ids": vol.Schema(
        {
            vol.Required("id"): int,
            vol.Required("type"): "recorder/list_statistic_ids",
            vol.Optional("statistic_type"): vol.Any("sum", "mean"),
        }
    ),
    "recorder/get_statistics_metadata": vol.Schema(
        {
            vol.Required("id"): int,
            vol.Required("type"): "recorder/get_statistics_metadata",
            vol.Optional("statistic_ids"): [str],
        }
    ),
    "recorder/clear_statistics": vol.Schema(
        {
            vol.Required("id"): int,
            vol.Required("type"): "recorder/clear_statistics",
            vol.Required("statistic_ids"): [str],
        }
    ),
    "recorder/statistics_during_period": vol.Schema(
        {
            vol.Required("id"): int,
            vol.Required("type"): "recorder/statistics_during_period",
            vol.Required("start_time"): str,
            vol.Optional("end_time"): str,
            vol.Required("statistic_ids"): vol.All([str], vol.Length(min=1)),
            vol.Required("period"): vol.Any("5minute", "hour", "day", "week", "month"),
            # Unit conversion is not modelled: the fake answers in the statistic's own unit.
            vol.Optional("units"): {str: str},
            vol.Optional("types"): vol.All(
                [vol.Any("change", "last_reset", "max", "mean", "min", "state", "sum")],
                vol.Coerce(set),
            ),
        }
    ),
}


_ROW_KEYS = frozenset(_STAT_ROW_KEYS)
_ROW_NUMBERS = ("mean", "min", "max", "state", "sum")


def _fast_rows(stats: Any) -> list[dict[str, Any]] | None:
    """The rows as the ``stats`` schema would return them, or None if any row is not plainly
    valid (then voluptuous runs, for HA's exact error). Voluptuous checks ~35k rows/s; this
    ~10x that, so the fake is not what a benchmark of the exporter measures."""
    if type(stats) is not list:
        return None
    out = []
    for row in stats:
        if type(row) is not dict or "start" not in row or not row.keys() <= _ROW_KEYS:
            return None
        start = row["start"]
        parsed = parse_datetime(start) if type(start) is str else None
        if parsed is None:
            return None
        new = dict(row)
        new["start"] = parsed
        for key in _ROW_NUMBERS:
            if key in row and not isinstance(row[key], (int, float)):
                return None
        if (reset := row.get("last_reset")) is not None:
            parsed_reset = parse_datetime(reset) if type(reset) is str else None
            if parsed_reset is None:
                return None
            new["last_reset"] = parsed_reset
        out.append(new)
    return out


def _validate_import(schema: vol.Schema, msg: dict[str, Any]) -> dict[str, Any]:
    """``schema(msg)``, with the rows checked by :func:`_fast_rows` when they are all valid."""
    try:
        valid: dict[str, Any] = schema({**msg, "stats": []})
    except vol.Invalid:
        return dict(schema(msg))  # the full message, for the same error HA gives
    rows = _fast_rows(msg.get("stats"))
    if rows is None:
        return dict(schema(msg))
    valid["stats"] = rows
    return valid


def _result(msg_id: int, result: Any = None) -> dict[str, Any]:
    return {"id": msg_id, "type": "result", "success": True, "result": result}


def _error(msg_id: Any, code: str, message: str) -> dict[str, Any]:
    return {
        "id": msg_id,
        "type": "result",
        "success": False,
        "error": {"code": code, "message": message},
    }


class FakeHomeAssistant:
    """The fake Home Assistant: start it, point a client at :attr:`url` with :attr:`token`.

    ``version`` picks the import rules; ``admin`` False makes the token a non-admin user's;
    ``commit_delay`` delays when imported rows become readable; ``time_zone`` is HA's (day,
    week and month periods); ``max_msg_size`` is the WebSocket frame limit.
    """

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        token: str = DEFAULT_TOKEN,
        *,
        time_zone: str = "Europe/Paris",
        admin: bool = True,
        commit_delay: float = 0.0,
        max_msg_size: int = MAX_MSG_SIZE,
    ) -> None:
        self._initial = (version, token, time_zone, admin, commit_delay)
        self._version = version
        self._version_tuple = parse_version(version)
        self.token = token
        self.time_zone = time_zone
        self.admin = admin
        self.commit_delay = commit_delay
        self.max_msg_size = max_msg_size
        self._lock = threading.RLock()
        self._stats: dict[str, _Statistic] = {}
        self.states: dict[str, dict[str, Any]] = {}
        self.messages: list[WsMessage] = []
        #: Connections that passed auth, auth refusals, frames refused as too big.
        self.connections = 0
        self.auth_failures = 0
        self.oversized = 0
        self._drop: _Drop | None = None
        self._http = LoopbackServer("fake-homeassistant")
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self.url = ""
        self.ws_url = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeHomeAssistant:
        """Serve on 127.0.0.1 on a free port; returns once the server accepts connections."""
        app = Starlette(
            routes=[
                WebSocketRoute("/api/websocket", self._websocket),
                Route("/api/", self._api_status, methods=["GET"]),
                Route("/api/config", self._api_config, methods=["GET"]),
                Route("/api/states", self._api_states, methods=["GET"]),
                Route("/api/states/{entity_id}", self._api_state, methods=["GET", "POST"]),
            ]
        )
        self.port = self._http.start(
            app,
            ws="websockets-sansio",
            # The app enforces max_msg_size itself (to count refusals); this is a backstop.
            ws_max_size=max(self.max_msg_size * 4, 16 * 1024 * 1024),
            ws_ping_interval=None,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/websocket"
        return self

    def stop(self) -> None:
        """Stop serving (open WebSocket connections are cut) and free the port."""
        self._http.stop(force=True)

    def __enter__(self) -> FakeHomeAssistant:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the constructor's settings, with no statistics, states or messages."""
        with self._lock:
            self.version, self.token, self.time_zone, self.admin, self.commit_delay = self._initial
            self._stats.clear()
            self.states.clear()
            self.messages.clear()
            self.connections = self.auth_failures = self.oversized = 0
            self._drop = None

    # -- test controls ---------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The Home Assistant version announced and whose rules apply (settable)."""
        return self._version

    @version.setter
    def version(self, value: str) -> None:
        self._version_tuple = parse_version(value)
        self._version = value

    def statistics(self, statistic_id: str) -> list[dict[str, Any]]:
        """Stored rows of a statistic, oldest first: ``start`` (aware UTC datetime), ``state``,
        ``sum``, ``mean``, ``min``, ``max``, ``last_reset`` (aware UTC datetime or None)."""
        with self._lock:
            stat = self._stats.get(statistic_id)
            if stat is None:
                return []
            out = []
            for ts in sorted(stat.rows):
                row = dict(stat.rows[ts])
                reset = row["last_reset"]
                row["last_reset"] = None if reset is None else datetime.fromtimestamp(reset, UTC)
                out.append({"start": datetime.fromtimestamp(ts, UTC), **row})
            return out

    def metadata(self, statistic_id: str) -> dict[str, Any] | None:
        """Stored metadata of a statistic (as normalised on import), or None."""
        with self._lock:
            stat = self._stats.get(statistic_id)
            return None if stat is None else copy.deepcopy(stat.metadata)

    def statistic_ids(self) -> list[str]:
        """Every statistic id that has metadata."""
        with self._lock:
            return sorted(self._stats)

    def disconnect_after(self, n_messages: int, *, apply_next: bool = False) -> None:
        """Drop the WebSocket (close 1001, as on an HA restart) at the next command once
        ``n_messages`` more commands have been handled. That command gets no answer; with
        ``apply_next`` it is applied first (the reply is what is lost). One-shot."""
        with self._lock:
            self._drop = _Drop(after=n_messages, apply_next=apply_next)

    @property
    def message_count(self) -> int:
        """WebSocket frames received (auth included)."""
        return len(self.messages)

    @property
    def bytes_received(self) -> int:
        """Total size of the WebSocket frames received."""
        return sum(m.size for m in self.messages)

    def config(self) -> dict[str, Any]:
        """What ``GET /api/config`` and WS ``get_config`` answer."""
        return {
            "allowlist_external_dirs": [],
            "allowlist_external_urls": [],
            "components": ["api", "http", "recorder", "websocket_api", "energy"],
            "config_dir": "/config",
            "config_source": "storage",
            "country": "FR",
            "currency": "EUR",
            "debug": False,
            "elevation": 0,
            "external_url": None,
            "internal_url": None,
            "language": "fr",
            "latitude": 48.85,
            "location_name": "Home",
            "longitude": 2.35,
            "radius": 100,
            "recovery_mode": False,
            "safe_mode": False,
            "state": "RUNNING",
            "time_zone": self.time_zone,
            "unit_system": {
                "length": "km",
                "accumulated_precipitation": "mm",
                "area": "m²",
                "mass": "g",
                "pressure": "Pa",
                "temperature": "°C",
                "volume": "L",
                "wind_speed": "m/s",
            },
            "version": self.version,
            "whitelist_external_dirs": [],
        }

    # -- REST ------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header == f"Bearer {self.token}"

    @staticmethod
    def _unauthorized() -> Response:
        # aiohttp's HTTPUnauthorized: text body "401: Unauthorized".
        return PlainTextResponse("401: Unauthorized", status_code=401)

    @staticmethod
    def _message(text: str, status: int = 200) -> Response:
        return JSONResponse({"message": text}, status_code=status)

    async def _api_status(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        return self._message("API running.")

    async def _api_config(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        return JSONResponse(self.config())

    async def _api_states(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        with self._lock:
            return JSONResponse(list(copy.deepcopy(self.states).values()))

    async def _api_state(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        entity_id = request.path_params["entity_id"]
        if request.method == "GET":
            with self._lock:
                state = copy.deepcopy(self.states.get(entity_id))
            if state is None:
                return self._message("Entity not found.", 404)
            return JSONResponse(state)
        if not self.admin:
            return self._unauthorized()
        try:
            data = json.loads(await request.body())
        except ValueError:
            return self._message("Invalid JSON specified.", 400)
        if not isinstance(data, dict) or (new_state := data.get("state")) is None:
            return self._message("No state specified.", 400)
        attributes = data.get("attributes") or {}
        force_update = bool(data.get("force_update", False))
        if not valid_entity_id(entity_id):
            return self._message("Invalid entity ID specified.", 400)
        new_state = str(new_state)
        if len(new_state) > MAX_LENGTH_STATE_STATE:
            return self._message("Invalid state specified.", 400)
        if not isinstance(attributes, dict):
            return self._message("Invalid JSON specified.", 400)
        now = datetime.now(UTC).isoformat()
        with self._lock:
            old = self.states.get(entity_id)
            created = old is None
            state = {
                "entity_id": entity_id,
                "state": new_state,
                "attributes": attributes,
                "last_changed": now,
                "last_reported": now,
                "last_updated": now,
                "context": {"id": f"{_time.time_ns():026d}"[-26:], "parent_id": None,
                            "user_id": "fake-admin"},
            }  # fmt: skip
            # core.States.async_set: last_changed moves only with the state, last_updated
            # with the state or the attributes; last_reported always.
            if old is not None and not force_update and old["state"] == new_state:
                state["last_changed"] = old["last_changed"]
                if old["attributes"] == attributes:
                    state["last_updated"] = old["last_updated"]
            self.states[entity_id] = state
            body = copy.deepcopy(state)
        return JSONResponse(
            body,
            status_code=201 if created else 200,
            headers={"Location": f"/api/states/{entity_id}"},
        )

    # -- WebSocket -------------------------------------------------------------------------

    async def _websocket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            conn = await self._auth_phase(websocket)
            await self._command_phase(websocket, conn)
        except _Disconnect as drop:
            with contextlib.suppress(RuntimeError, OSError):
                await websocket.close(code=drop.code, reason=drop.reason)
        except WebSocketDisconnect:
            pass

    async def _receive_text(self, websocket: WebSocket, wait: float | None) -> str:
        """The next text frame (recorded); closes on a binary, oversized frame or a close."""
        if wait is None:
            message = await websocket.receive()
        else:
            try:
                message = await asyncio.wait_for(websocket.receive(), wait)
            except TimeoutError:
                raise _Disconnect(1000, "Did not receive auth message within 10 seconds") from None
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        raw = text.encode() if text is not None else (message.get("bytes") or b"")
        if len(raw) > self.max_msg_size:
            with self._lock:
                self.oversized += 1
                self.messages.append(WsMessage(len(raw), ("<too big>",)))
            # aiohttp: WebSocketError(MESSAGE_TOO_BIG) -> close(code=1009); HA disconnects.
            raise _Disconnect(
                CLOSE_MESSAGE_TOO_BIG,
                f"Message size {len(raw)} exceeds limit {self.max_msg_size}",
            )
        if text is None:
            with self._lock:
                self.messages.append(WsMessage(len(raw), ("<binary>",)))
            # A binary frame needs a registered binary handler; none exists here.
            raise _Disconnect(1000, "Received non-Text message")
        return str(text)

    @staticmethod
    def _types_of(data: Any) -> tuple[str, ...]:
        items = data if isinstance(data, list) else [data]
        return tuple(
            str(item.get("type")) if isinstance(item, dict) else "<invalid>" for item in items
        )

    async def _auth_phase(self, websocket: WebSocket) -> _Conn:
        await websocket.send_text(json.dumps({"type": "auth_required", "ha_version": self.version}))
        text = await self._receive_text(websocket, 10.0)
        try:
            data = json.loads(text)
        except ValueError:
            with self._lock:
                self.messages.append(WsMessage(len(text.encode()), ("<invalid json>",)))
            raise _Disconnect(1000, "Received invalid JSON during auth phase") from None
        with self._lock:
            self.messages.append(WsMessage(len(text.encode()), self._types_of(data)))
        schema = vol.Schema(
            {
                vol.Required("type"): "auth",
                vol.Exclusive("api_password", "auth"): str,
                vol.Exclusive("access_token", "auth"): str,
            }
        )
        try:
            valid = schema(data)
        except vol.Invalid as err:
            message = f"Auth message incorrectly formatted: {humanize_error(data, err)}"
            await websocket.send_text(json.dumps({"type": "auth_invalid", "message": message}))
            with self._lock:
                self.auth_failures += 1
            raise _Disconnect(1000, message) from err
        if valid.get("access_token") != self.token:
            await websocket.send_text(
                json.dumps({"type": "auth_invalid", "message": "Invalid access token or password"})
            )
            with self._lock:
                self.auth_failures += 1
            raise _Disconnect(1000, "auth_invalid")
        await websocket.send_text(json.dumps({"type": "auth_ok", "ha_version": self.version}))
        with self._lock:
            self.connections += 1
        return _Conn(admin=self.admin)

    async def _command_phase(self, websocket: WebSocket, conn: _Conn) -> None:
        while True:
            text = await self._receive_text(websocket, None)
            try:
                data = json.loads(text)
            except ValueError:
                with self._lock:
                    self.messages.append(WsMessage(len(text.encode()), ("<invalid json>",)))
                raise _Disconnect(1000, "Received invalid JSON.") from None
            with self._lock:
                self.messages.append(WsMessage(len(text.encode()), self._types_of(data)))
            replies: list[dict[str, Any]] = []
            for item in data if isinstance(data, list) else [data]:
                with self._lock:
                    drop = self._drop
                    if drop is not None and drop.handled >= drop.after:
                        self._drop = None
                        if drop.apply_next:
                            self._handle(conn, item)
                        fire = True
                    else:
                        fire = False
                        if drop is not None:
                            drop.handled += 1
                if fire:
                    # Send what the earlier commands of this frame produced, then cut.
                    await self._send(websocket, conn, replies)
                    raise _Disconnect(CLOSE_GOING_AWAY, "fake: disconnect_after")
                replies.extend(self._handle(conn, item))
            await self._send(websocket, conn, replies)

    @staticmethod
    async def _send(websocket: WebSocket, conn: _Conn, replies: list[dict[str, Any]]) -> None:
        if not replies:
            return
        if conn.coalesce and len(replies) > 1:
            await websocket.send_text(json.dumps(replies))
            return
        for reply in replies:
            await websocket.send_text(json.dumps(reply))

    def _handle(self, conn: _Conn, msg: Any) -> list[dict[str, Any]]:
        """``ActiveConnection.async_handle``: one command -> its replies."""
        if (
            type(msg) is not dict
            or not (cur_id := msg.get("id"))
            or type(cur_id) is not int
            or cur_id < 0
            or not (type_ := msg.get("type"))
            or type(type_) is not str
        ):
            id_ = msg.get("id") if isinstance(msg, dict) else 0
            return [_error(id_, "invalid_format", "Message incorrectly formatted.")]
        if cur_id <= conn.last_id:
            return [_error(cur_id, "id_reuse", "Identifier values have to increase.")]
        handler = self._handlers().get(type_)
        if handler is None:
            return [_error(cur_id, "unknown_command", "Unknown command.")]
        try:
            if type_ == "recorder/import_statistics":
                valid = _validate_import(import_schema(self._version_tuple), msg)
            else:
                valid = _SCHEMAS[type_](msg)
            replies = handler(conn, valid)
        except Unauthorized:
            replies = [_error(cur_id, "unauthorized", "Unauthorized")]
        except vol.Invalid as err:
            replies = [_error(cur_id, "invalid_format", humanize_error(msg, err))]
        except HomeAssistantError as err:
            replies = [_error(cur_id, "home_assistant_error", str(err))]
        conn.last_id = cur_id
        return replies

    def _handlers(self) -> dict[str, Callable[[_Conn, dict[str, Any]], list[dict[str, Any]]]]:
        return {
            "ping": lambda conn, msg: [{"id": msg["id"], "type": "pong"}],
            "get_config": lambda conn, msg: [_result(msg["id"], self.config())],
            "supported_features": self._ws_supported_features,
            "recorder/import_statistics": self._ws_import_statistics,
            "recorder/list_statistic_ids": self._ws_list_statistic_ids,
            "recorder/get_statistics_metadata": self._ws_get_statistics_metadata,
            "recorder/statistics_during_period": self._ws_statistics_during_period,
            "recorder/clear_statistics": self._ws_clear_statistics,
        }

    @staticmethod
    def _ws_supported_features(conn: _Conn, msg: dict[str, Any]) -> list[dict[str, Any]]:
        conn.coalesce = "coalesce_messages" in msg["features"]
        return [_result(msg["id"])]

    # -- recorder --------------------------------------------------------------------------

    def _ws_import_statistics(self, conn: _Conn, msg: dict[str, Any]) -> list[dict[str, Any]]:
        if not conn.admin:
            raise Unauthorized
        metadata = dict(msg["metadata"])
        version = self._version_tuple
        statistic_id = metadata["statistic_id"]
        # recorder/websocket_api.py: an entity id goes through async_import_statistics,
        # anything else through async_add_external_statistics.
        if valid_entity_id(statistic_id):
            if not metadata["source"] or metadata["source"] != "recorder":
                raise HomeAssistantError("Invalid source")
        else:
            if not valid_statistic_id(statistic_id):
                raise HomeAssistantError("Invalid statistic_id")
            domain = statistic_id.split(":", 1)[0]
            if not metadata["source"] or metadata["source"] != domain:
                raise HomeAssistantError("Invalid source")
        unit = metadata["unit_of_measurement"]
        if version < (2025, 11):
            has_mean = metadata.pop("has_mean")
            metadata["mean_type"] = (
                StatisticMeanType.ARITHMETIC if has_mean else StatisticMeanType.NONE
            )
            metadata["unit_class"] = UNIT_TO_CLASS.get(unit)
        else:
            if "mean_type" not in metadata:
                metadata["mean_type"] = (
                    StatisticMeanType.ARITHMETIC
                    if metadata.get("has_mean", False)
                    else StatisticMeanType.NONE
                )
            metadata.pop("has_mean", None)
            if "unit_class" not in metadata:
                metadata["unit_class"] = UNIT_TO_CLASS.get(unit)
            unit_class = metadata["unit_class"]
            if unit_class is not None:
                if unit_class not in UNIT_CLASSES:
                    raise HomeAssistantError(f"Unsupported unit_class: '{unit_class}'")
                if unit not in UNIT_CLASSES[unit_class]:
                    raise HomeAssistantError(
                        f"Unsupported unit_of_measurement '{unit}' for unit_class '{unit_class}'"
                    )
        metadata["mean_type"] = int(metadata["mean_type"])
        rows: list[tuple[float, dict[str, Any]]] = []
        for stat in msg["stats"]:
            start: datetime = stat["start"]
            if start.tzinfo is None or start.tzinfo.utcoffset(start) is None:
                raise HomeAssistantError("Naive timestamp: no or invalid timezone info provided")
            if start.minute != 0 or start.second != 0 or start.microsecond != 0:
                raise HomeAssistantError(
                    "Invalid timestamp: timestamps must be from the top of the hour "
                    "(minutes and seconds = 0)"
                )
            last_reset = stat.get("last_reset")
            if last_reset is not None and (
                last_reset.tzinfo is None or last_reset.tzinfo.utcoffset(last_reset) is None
            ):
                raise HomeAssistantError("Naive timestamp")
            row = {key: stat.get(key) for key in _VALUE_COLUMNS}
            row["last_reset"] = None if last_reset is None else last_reset.timestamp()
            rows.append((start.timestamp(), row))
        if self.commit_delay > 0 and self._loop_running():
            asyncio.get_running_loop().call_later(
                self.commit_delay, self._store, statistic_id, metadata, rows
            )
        else:
            self._store(statistic_id, metadata, rows)
        return [_result(msg["id"])]

    @staticmethod
    def _loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def _store(
        self, statistic_id: str, metadata: dict[str, Any], rows: list[tuple[float, dict[str, Any]]]
    ) -> None:
        with self._lock:
            stat = self._stats.get(statistic_id)
            if stat is None:
                stat = self._stats[statistic_id] = _Statistic(metadata=metadata)
            else:
                stat.metadata = metadata
            for ts, row in rows:
                # _update_statistics writes every value column; _insert_statistics likewise.
                stat.rows[ts] = row

    def _list_item(self, stat: _Statistic) -> dict[str, Any]:
        meta = stat.metadata
        version = self._version_tuple
        item: dict[str, Any] = {
            "statistic_id": meta["statistic_id"],
            "display_unit_of_measurement": meta["unit_of_measurement"],
        }
        if version < (2026, 11):
            item["has_mean"] = meta["mean_type"] == StatisticMeanType.ARITHMETIC
        if version >= (2025, 4):
            item["mean_type"] = meta["mean_type"]
        item.update(
            {
                "has_sum": meta["has_sum"],
                "name": meta["name"],
                "source": meta["source"],
                "statistics_unit_of_measurement": meta["unit_of_measurement"],
                "unit_class": meta.get("unit_class"),
            }
        )
        return item

    def _ws_list_statistic_ids(self, conn: _Conn, msg: dict[str, Any]) -> list[dict[str, Any]]:
        wanted = msg.get("statistic_type")
        with self._lock:
            items = [
                self._list_item(stat)
                for stat in self._stats.values()
                if wanted is None
                or (wanted == "sum" and stat.metadata["has_sum"])
                or (wanted == "mean" and stat.metadata["mean_type"] != StatisticMeanType.NONE)
            ]
        return [_result(msg["id"], items)]

    def _ws_get_statistics_metadata(self, conn: _Conn, msg: dict[str, Any]) -> list[dict[str, Any]]:
        ids = msg.get("statistic_ids") or None
        with self._lock:
            items = [
                self._list_item(stat)
                for sid, stat in self._stats.items()
                if ids is None or sid in ids
            ]
        return [_result(msg["id"], items)]

    def _ws_clear_statistics(self, conn: _Conn, msg: dict[str, Any]) -> list[dict[str, Any]]:
        if not conn.admin:
            raise Unauthorized
        with self._lock:
            for sid in msg["statistic_ids"]:
                self._stats.pop(sid, None)
        return [_result(msg["id"])]

    def _as_utc(self, value: datetime) -> datetime:
        """``dt_util.as_utc``: a naive datetime is in HA's time zone."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(self.time_zone))
        return value.astimezone(UTC)

    def _ws_statistics_during_period(
        self, conn: _Conn, msg: dict[str, Any]
    ) -> list[dict[str, Any]]:
        start = parse_datetime(msg["start_time"])
        if start is None:
            return [_error(msg["id"], "invalid_start_time", "Invalid start_time")]
        end: datetime | None = None
        if msg.get("end_time"):
            end = parse_datetime(msg["end_time"])
            if end is None:
                return [_error(msg["id"], "invalid_end_time", "Invalid end_time")]
        types = set(msg.get("types") or _ALL_TYPES)
        result = self.statistics_during_period(
            self._as_utc(start),
            None if end is None else self._as_utc(end),
            list(msg["statistic_ids"]),
            msg["period"],
            types,
        )
        return [_result(msg["id"], result)]

    def _period_bounds(self, period: str) -> Callable[[float], tuple[float, float]]:
        tz = ZoneInfo(self.time_zone)

        def bounds(ts: float) -> tuple[float, float]:
            local = datetime.fromtimestamp(ts, tz)
            if period == "day":
                first = local.replace(hour=0, minute=0, second=0, microsecond=0)
                last = first + timedelta(days=1)
            elif period == "week":
                first = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
                    days=local.weekday()
                )
                last = first + timedelta(days=7)
            else:
                first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            # Aware arithmetic in one zone is wall-clock arithmetic: DST days are 23/25 h.
            return first.timestamp(), last.timestamp()

        return bounds

    def statistics_during_period(
        self,
        start: datetime,
        end: datetime | None,
        statistic_ids: Iterable[str],
        period: str,
        types: set[str],
    ) -> dict[str, list[dict[str, Any]]]:
        """What ``recorder/statistics_during_period`` answers (times in epoch ms)."""
        if period == "5minute":
            return {}  # external/imported statistics only have long-term (hourly) rows
        tz = ZoneInfo(self.time_zone)
        if period in ("day", "week", "month"):
            bounds = self._period_bounds(period)
            start = datetime.fromtimestamp(bounds(start.timestamp())[0], UTC)
            if end is not None:
                local_end = end.astimezone(tz)
                if period == "month":
                    first = local_end.replace(day=28) + timedelta(days=4)
                    end_local = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                else:
                    end_local = local_end.replace(hour=0, minute=0, second=0, microsecond=0)
                    if period == "week":
                        end_local -= timedelta(days=local_end.weekday())
                    end_local += timedelta(days=7 if period == "week" else 1)
                end = end_local.astimezone(UTC)
        start_ts = start.timestamp()
        end_ts = None if end is None else end.timestamp()
        ids = list(dict.fromkeys(statistic_ids))
        with self._lock:
            stats = {sid: self._stats[sid] for sid in ids if sid in self._stats}
            if not stats:
                return {}
            columns = {t for t in types if t != "change"}
            if "change" in types:
                columns.add("sum")
            if not any(s.metadata["mean_type"] != StatisticMeanType.NONE for s in stats.values()):
                columns -= {"mean", "min", "max"}
            if not any(s.metadata["has_sum"] for s in stats.values()):
                columns -= {"sum", "state"}
            result: dict[str, list[dict[str, Any]]] = {}
            for sid, stat in stats.items():
                keys = sorted(
                    ts for ts in stat.rows if ts >= start_ts and (end_ts is None or ts < end_ts)
                )
                if not keys:
                    continue
                hourly = [
                    {
                        "start": ts,
                        "end": ts + 3600,
                        **{c: stat.rows[ts][c] for c in _VALUE_COLUMNS if c in columns},
                    }
                    for ts in keys
                ]
                rows = (
                    hourly
                    if period == "hour"
                    else self._reduce(hourly, self._period_bounds(period), columns)
                )
                if "change" in types:
                    before = [ts for ts in stat.rows if ts < start_ts]
                    prev = stat.rows[max(before)]["sum"] if before else None
                    prev_sum = prev or 0
                    for row in rows:
                        value = row["sum"] if "sum" in types else row.pop("sum")
                        if value is None:
                            row["change"] = None
                            continue
                        row["change"] = value - prev_sum
                        prev_sum = value
                for row in rows:
                    row["start"] = int(row["start"] * 1000)
                    row["end"] = int(row["end"] * 1000)
                    if "last_reset" in row and row["last_reset"] is not None:
                        row["last_reset"] = int(row["last_reset"] * 1000)
                result[sid] = rows
            return result

    @staticmethod
    def _reduce(
        hourly: list[dict[str, Any]],
        bounds: Callable[[float], tuple[float, float]],
        columns: set[str],
    ) -> list[dict[str, Any]]:
        """``_reduce_statistics``: one row per period, carrying its last hour's sum/state."""
        out = []
        for (first, last), group_iter in groupby(hourly, key=lambda r: bounds(r["start"])):
            group = list(group_iter)
            row: dict[str, Any] = {"start": first, "end": last}
            if "mean" in columns:
                means = [r["mean"] for r in group if r.get("mean") is not None]
                row["mean"] = sum(means) / len(means) if means else None
            if "min" in columns:
                mins = [r["min"] for r in group if r.get("min") is not None]
                row["min"] = min(mins) if mins else None
            if "max" in columns:
                maxs = [r["max"] for r in group if r.get("max") is not None]
                row["max"] = max(maxs) if maxs else None
            for key in ("last_reset", "state", "sum"):
                if key in columns:
                    row[key] = group[-1].get(key)
            out.append(row)
        return out


_shared: FakeHomeAssistant | None = None


def shared_fake_homeassistant() -> FakeHomeAssistant:
    """One fake per test process, started on first use and reset on every call (~0.2 s saved)."""
    global _shared
    if _shared is None:
        _shared = FakeHomeAssistant().start()
        atexit.register(_shared.stop)
    _shared.reset()
    return _shared


__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_VERSION",
    "MAX_MSG_SIZE",
    "FakeHomeAssistant",
    "StatisticMeanType",
    "WsMessage",
    "parse_version",
    "shared_fake_homeassistant",
]
