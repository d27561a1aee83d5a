"""A strict fake of Jeedom 4.5.3's JSON-RPC API with the Virtual plugin, over real HTTP on loopback.

Written from jeedom/core 4.5.3 (``core/api/jeeApi.php``, ``core/class/jsonrpc.class.php``,
``cmd.class.php``, ``eqLogic.class.php``, ``history.class.php``, ``jeedom.class.php``,
``utils.class.php``, ``install/database.json``, ``core/config/default.config.ini``) and
jeedom/plugin-virtual (``core/class/virtual.class.php``), and from ``PROTOCOLS.md`` §5.1 (what a
running 4.5.3 answered). It answers what Jeedom answers, not what its documentation wishes:

- ``POST /core/api/jeeApi.php``, the JSON-RPC object in the body (or in the ``request`` form or
  query field). HTTP status is always 200 (``Content-Type: application/json``); a failure is
  ``{"jsonrpc":"2.0","id":I,"error":{"code":C,"message":M}}`` with ``C = -32000 - <Jeedom's
  code>``: missing key / API disabled / ``jsonrpc`` not ``"2.0"`` **1**, wrong key or a key under
  16 characters **2**, unknown method **500**, unknown object **601**, unknown eqLogic **602**,
  unknown command **701** (``cmd::byId``) or **702** (``cmd::event``, ``cmd::getHistory``,
  ``cmd::execCmd``), anything else (SQL errors, validation) **-32000**. Messages are French.
- ``id`` is echoed back (99999 when absent). A JSON array (a batch) is not JSON-RPC to Jeedom: it
  answers the "invalid version" error (code 1). An empty result (``""``, ``"0"``, ``0``, ``[]``,
  ``null``) is the string ``"ok"`` (PHP's ``empty()`` in ``makeSuccess``).
- ``ping`` answers ``"pong"`` before any key check. Keys: the core key, a plugin key with
  ``params.plugin``, or a user hash (a non-admin user may not ``eqLogic::save``). ``plugin``
  defaults to ``core``; ``config::byKey`` reads the config of ``params.plugin``, so a plugin key
  reading ``timezone`` gets ``"ok"``.
- ``eqLogic::save``: update by ``id``; ``isEnable``/``isVisible`` default to 0; names lose
  ``& # ] [ % \\ / ' " *`` and tags (``cleanComponanteName``); ``(name, object_id)`` and a
  command's ``(eqLogic_id, name)`` are unique under ``utf8mb4_unicode_ci`` (case and accents
  ignored): SQL 1062. Virtual's ``postSave`` adds the action ``Rafraichir`` (logicalId
  ``refresh``, never removed). With a ``cmd`` list, commands are saved in order (``order`` =
  position) and commands of the equipment missing from the list are deleted with their history.
  The result's ``id`` is a string for a new equipment and carries no commands. An ``id`` that
  does not exist is a silent no-op ``UPDATE``; a command saved under it is a PHP fatal (HTTP 500).
- ``cmd::event {id, value, datetime?}``: nothing for an action command or a disabled equipment
  (still ``"ok"``); the value goes through ``formatValue`` (numeric: ``","`` is a decimal point,
  ``"abc"`` is 0, clamped to min/max); the same value again is a repeat (history row, current
  value unchanged); otherwise it becomes the current value (even when ``datetime`` is older),
  then a history row ``REPLACE``d on ``(cmd_id, datetime)`` when ``isHistorized`` is 1.
  ``datetime`` is a wall time in Jeedom's time zone: ``YYYY-MM-DD HH:MM:SS``,
  ``YYYY-MM-DDTHH:MM:SS`` or ``YYYY-MM-DD``; anything else fails (SQL 1292) *after* the current
  value changed. Without ``datetime`` the row is stamped with Jeedom's clock in its time zone.
  Smoothing (``history::smooth`` > 0 with ``historizeMode`` other than ``none``) buckets the
  datetime and averages with the stored row.
- ``cmd::getHistory {id, startTime?, endTime?}``: ``history`` UNION ALL ``historyArch`` rows
  ``{"cmd_id", "datetime", "value"}`` (value a string) ordered by datetime, bounds inclusive;
  no row answers ``"ok"``. :meth:`FakeJeedom.archive` runs Jeedom's nightly archive.
- Also ``version`` (``"4.5.3"``), ``datetime``, ``config::byKey``, ``jeeObject::all``/``byId``,
  ``eqLogic::byType``/``byId``, ``cmd::byEqLogicId``/``byId``, ``cmd::execCmd`` (info). Other
  real methods answer HTTP 501 (the fake does not implement them); unknown ones get code 500.

Read-back and controls: :attr:`eq_logics`, :attr:`cmds`, :meth:`history`, :meth:`current`,
:meth:`instant`, :attr:`calls`, :attr:`anomalies` (what real Jeedom silently drops or
misreads: tests of a correct client expect none), :meth:`fail_next`, :meth:`slow_next`,
:meth:`rpc_error_next`, :meth:`ban`, :meth:`set_api_mode`, :meth:`set_config`,
:meth:`archive`, :meth:`stop`/:meth:`start` (a restart keeps every table, as Jeedom's database
does; connections are refused while down). Typical use::

    with FakeJeedom() as fake:
        client = JeedomClient(fake.url, fake.core_key)
        ...
        assert fake.history(cmd_id) == [("2025-11-19 00:00:00", "12.345")]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import copy
import json
import math
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.serving import LoopbackServer

API_PATH = "/core/api/jeeApi.php"
VERSION = "4.5.3"
#: ``core/config/default.config.ini``.
DEFAULT_TIMEZONE = "Europe/Brussels"
#: ``jsonrpc.class.php``: the id of an answer to a request that had none.
DEFAULT_ID = 99999

NOT_ALLOWED = "Vous n'êtes pas autorisé à effectuer cette action"
#: Every method ``jeeApi.php`` 4.5.3 knows (the fake implements a subset, see module docstring).
_REAL_METHODS = """
    user::useTwoFactorAuthentification user::getHash ping config::byKey config::save version
    jeedom::isOk jeedom::halt jeedom::reboot jeedom::update jeedom::backup datetime event::changes
    plugin::listPlugin jeeObject::all object::all jeeObject::byId object::byId jeeObject::full
    object::full jeeObject::fullById object::fullById jeeObject::save object::save summary::global
    summary::byId timeline::all timeline::listFolder timeline::byFolder datastore::byTypeLinkIdKey
    datastore::save eqLogic::all eqLogic::byType eqLogic::byObjectId eqLogic::byId
    eqLogic::fullById eqLogic::save eqLogic::byTypeAndId cmd::all cmd::byEqLogicId cmd::byId
    cmd::execCmd cmd::getStatistique cmd::getTendance cmd::getHistory cmd::save cmd::event
    scenario::all scenario::byId scenario::changeState scenario::export scenario::import
    scenario::save log::get log::getDelta log::getLastLine log::add log::list log::empty
    log::remove message::removeAll message::removebyId message::all message::add
    interact::tryToReply interactQuery::all jeedom::getUsbMapping plugin::install plugin::remove
    plugin::dependancyInfo plugin::dependancyInstall plugin::deamonInfo plugin::deamonInfoAll
    plugin::deamonStart plugin::deamonStop plugin::deamonChangeAutoMode update::all
    update::nbNeedUpdate update::update update::checkUpdate update::doUpdate network::restartDns
    network::stopDns network::dnsRun user::all user::save getJson"""
REAL_METHODS = frozenset(_REAL_METHODS.split())

_DATETIME_FORMS = (
    re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$"),
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$"),
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
)
_PHP_FLOAT_PREFIX = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NAME_STRIPPED = str.maketrans("", "", "&#][%\\/'\"*")


# --------------------------------------------------------------------------- PHP semantics


class JeedomFault(Exception):
    """An exception ``jeeApi.php`` catches: answered as ``error`` with ``-32000 - code``."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.message, self.code = message, code

    @property
    def rpc_code(self) -> int:
        """The code the client sees."""
        return -32000 - self.code


class PhpFatal(Exception):
    """An uncaught PHP ``Error``: the web server answers HTTP 500 with an empty body."""


def sql_error(sqlstate: str, errno: int, text: str, query: str) -> JeedomFault:
    """``DB::Prepare``'s exception for a failed statement (code 0, so -32000 on the wire)."""
    return JeedomFault(f"[MySQL] Error code : {sqlstate} ({errno}). {text}  : {query}")


def clean_name(name: Any) -> str:
    """``cleanComponanteName`` then ``substr(..., 0, 127)`` and ``trim``, as the setters do."""
    text = re.sub(r"<[^>]*>", "", php_string(name)).translate(_NAME_STRIPPED)
    text = re.sub(r"\s+", " ", text)
    return text.encode()[:127].decode(errors="ignore").strip()


def collate(text: str) -> str:
    """A key equal for two strings ``utf8mb4_unicode_ci`` sees as equal (case, accents, pad)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().rstrip(" ")


def php_string(value: Any) -> str:
    """PHP's string conversion of a JSON-decoded value."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        return php_float(value)
    if isinstance(value, (list, dict)):
        return "Array"
    return str(value)


def php_float(value: float) -> str:
    """PHP 8's ``(string)$float`` (``precision`` = 14), as PDO binds a float into SQL."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    text = f"{value:.14G}"
    if "E" in text:
        mantissa, exponent = text.split("E")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exponent):+d}"
    return text


def php_floatval(text: str) -> tuple[float, bool]:
    """PHP's ``floatval`` of a string, and whether the whole string was a number."""
    match = _PHP_FLOAT_PREFIX.match(text)
    if match is None:
        return 0.0, False
    return float(match[0]), match.end() == len(text.rstrip(" \t\n\r\v\f"))


def php_empty(value: Any) -> bool:
    """PHP's ``empty()`` of a result ``makeSuccess`` is about to send."""
    return value in (None, False, "", "0", 0, 0.0) or value == [] or value == {}


def is_numeric(value: Any) -> bool:
    """PHP's ``is_numeric``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        return re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", value) is not None
    return False


def parse_datetime(value: Any) -> str | None:
    """A ``DATETIME`` MariaDB (strict mode) stores for ``value``, or ``None`` (SQL 1292)."""
    if not isinstance(value, str):
        return None
    for form in _DATETIME_FORMS:
        match = form.match(value)
        if match is None:
            continue
        parts = [int(p) for p in match.groups()] + [0, 0, 0]
        try:
            stamp = datetime(*parts[:6])
        except ValueError:
            return None
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    return None


def _id_of(value: Any) -> int | None:
    """The row id SQL would match for ``WHERE id=:id`` (a numeric string or an int)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        return int(value)
    return None


def _json_attr(value: Any) -> Any:
    """A JSON attribute as PHP's ``utils::o2a`` returns it: an empty one is ``[]``."""
    return copy.deepcopy(value) if value else []


# --------------------------------------------------------------------------- tables


@dataclass
class EqLogic:
    """A row of ``eqLogic`` (defaults from the class properties)."""

    id: int
    name: str
    eqType_name: str
    logicalId: str = ""
    object_id: int | None = None
    isEnable: int = 0
    isVisible: int = 0
    configuration: dict[str, Any] = field(default_factory=dict)
    category: dict[str, Any] = field(default_factory=dict)
    display: dict[str, Any] = field(default_factory=dict)
    order: int = 9999
    timeout: int = 0
    comment: str | None = None
    tags: str | None = None
    generic_type: str | None = None

    def export(self) -> dict[str, Any]:
        """``utils::o2a`` of the row as read from the database."""
        return {
            "id": self.id,
            "name": self.name,
            "logicalId": self.logicalId,
            "generic_type": self.generic_type,
            "object_id": self.object_id,
            "eqType_name": self.eqType_name,
            "isVisible": self.isVisible,
            "isEnable": self.isEnable,
            "configuration": _json_attr(self.configuration),
            "timeout": self.timeout,
            "category": _json_attr(self.category),
            "display": _json_attr(self.display),
            "order": self.order,
            "comment": self.comment,
            "tags": self.tags,
        }


@dataclass
class Cmd:
    """A row of ``cmd`` plus its cache entry (current value and dates)."""

    id: int
    eqLogic_id: int
    name: str
    type: str
    subType: str
    eqType: str = "virtual"
    logicalId: str | None = None
    order: int | None = None
    isHistorized: str = "0"
    unite: str = ""
    configuration: dict[str, Any] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=dict)
    display: dict[str, Any] = field(default_factory=dict)
    value: str | None = None
    isVisible: int = 1
    alert: dict[str, Any] = field(default_factory=dict)
    generic_type: str | None = None
    # cache (cmdCacheAttr<id>)
    current: Any = None
    collect_date: str | None = None
    value_date: str | None = None

    def export(self) -> dict[str, Any]:
        """``cmd::exportApi`` of the row (``currentValue`` from the cache for an info)."""
        return {
            "id": self.id,
            "logicalId": self.logicalId,
            "generic_type": self.generic_type,
            "eqType": self.eqType,
            "name": self.name,
            "order": self.order,
            "type": self.type,
            "subType": self.subType,
            "eqLogic_id": self.eqLogic_id,
            "isHistorized": self.isHistorized,
            "unite": self.unite,
            "configuration": _json_attr(self.configuration),
            "template": _json_attr(self.template),
            "display": _json_attr(self.display),
            "value": self.value,
            "isVisible": self.isVisible,
            "alert": _json_attr(self.alert),
            "currentValue": self.current
            if self.type != "action"
            else self.configuration.get("lastCmdValue"),
        }

    def conf(self, key: str, default: Any = "") -> Any:
        """``getConfiguration($key, $default)``: an absent or empty value gives the default."""
        value = self.configuration.get(key)
        return default if value is None or value == "" else value


@dataclass(frozen=True)
class User:
    """A Jeedom user whose API hash may authenticate (``user::byHash``)."""

    login: str
    profile: str = "admin"
    enabled: bool = True


@dataclass(frozen=True)
class RpcCall:
    """One JSON-RPC request as parsed, and the answer's ``result`` or ``error``."""

    method: str | None
    params: dict[str, Any]
    answer: dict[str, Any]


@dataclass
class _Fault:
    status: int | None = None
    body: str = ""
    retry_after: str | None = None
    delay: float = 0.0
    after_apply: bool = False
    rpc: tuple[int, str] | None = None


# --------------------------------------------------------------------------- the fake


class FakeJeedom:
    """Jeedom's ``jeeApi.php`` with the Virtual plugin on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        core_key: str | None = None,
        virtual_key: str | None = None,
        timezone: str = DEFAULT_TIMEZONE,
        version: str = VERSION,
        objects: dict[int, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        port: int = 0,
    ) -> None:
        self.core_key = core_key or secrets.token_hex(16)
        self.virtual_key = virtual_key or secrets.token_hex(16)
        self.version = version
        self.port = port
        self.clock = clock or (lambda: datetime.now(UTC))
        self._initial_timezone = timezone
        self._initial_objects = dict(objects if objects is not None else {1: "Maison"})
        self._lock = threading.RLock()
        self._http = LoopbackServer("fake-jeedom")
        self._down: threading.Event | None = None
        self._stop_after: int | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Jeedom's base URL (what a user types)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The JSON-RPC endpoint."""
        return self.url + API_PATH

    def app(self) -> Starlette:
        """The ASGI app."""
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])

    def start(self) -> FakeJeedom:
        """Serve (again, on the same port once one was taken); every table is kept."""
        if self._down is not None:
            # A scripted stop decided before this start: let it finish first.
            self._down.wait(timeout=10)
            self._down = None
        with self._lock:
            self._stop_after = None
        self.port = self._http.start(self.app(), self.port)
        return self

    @property
    def running(self) -> bool:
        """True while serving."""
        return self._http.running and self._stop_after != 0

    def stop_after(self, calls: int) -> None:
        """Go down after answering ``calls`` more requests (a reboot in the middle of an
        export): later requests are refused, never applied, until :meth:`start`."""
        with self._lock:
            self._stop_after = calls

    def stop(self) -> None:
        """Stop serving: connections are refused until :meth:`start`."""
        self._http.stop(force=True)

    def restart(self) -> None:
        """Stop then start (a reboot of the box: the database survives)."""
        self.stop()
        self.start()

    def __enter__(self) -> FakeJeedom:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Empty every table and forget calls, faults and anomalies."""
        with self._lock:
            self.config: dict[tuple[str, str], Any] = {
                ("core", "api"): self.core_key,
                ("virtual", "api"): self.virtual_key,
                ("core", "timezone"): self._initial_timezone,
            }
            self.users: dict[str, User] = {}
            self.objects: dict[int, str] = dict(self._initial_objects)
            self.plugins: set[str] = {"virtual"}
            self.eq_logics: dict[int, EqLogic] = {}
            self.cmds: dict[int, Cmd] = {}
            #: ``history`` and ``historyArch``: cmd_id -> {datetime: value}.
            self.history_table: dict[int, dict[str, str | None]] = {}
            self.history_arch: dict[int, dict[str, str | None]] = {}
            self.calls: list[RpcCall] = []
            self.anomalies: list[str] = []
            self.banned = False
            self._faults: list[_Fault] = []
            self._next_eq = 1
            self._next_cmd = 1

    # -- test controls -----------------------------------------------------------------------

    @property
    def timezone(self) -> ZoneInfo:
        """Jeedom's time zone (config ``timezone``): how it reads a ``datetime``."""
        with self._lock:
            return ZoneInfo(str(self.config.get(("core", "timezone")) or DEFAULT_TIMEZONE))

    def set_config(self, key: str, value: Any, plugin: str = "core") -> None:
        """Set a config key (``timezone``, ``history::smooth``, ``api::<plugin>::mode``...)."""
        with self._lock:
            self.config[(plugin, key)] = value

    def set_api_mode(self, plugin: str, mode: str) -> None:
        """``enable`` or ``disable`` the API for ``plugin`` (Réglages > Système > API)."""
        self.set_config(f"api::{plugin}::mode", mode)

    def add_user(self, api_hash: str, login: str, profile: str = "admin") -> None:
        """A user whose API hash authenticates; ``profile`` ``admin`` or ``user``."""
        with self._lock:
            self.users[api_hash] = User(login, profile)

    def ban(self, banned: bool = True) -> None:
        """Ban (or unban) our IP: every page answers 404 (``user::isBan``)."""
        with self._lock:
            self.banned = banned

    def fail_next(
        self, count: int, status: int, *, body: str = "", retry_after: str | None = None
    ) -> None:
        """Answer the next ``count`` requests with HTTP ``status`` (nothing applied)."""
        with self._lock:
            self._faults.extend(_Fault(status, body, retry_after) for _ in range(count))

    def slow_next(self, count: int, seconds: float, *, after_apply: bool = False) -> None:
        """Delay the next ``count`` answers; ``after_apply`` applies the request first, so a
        client that gives up has changed Jeedom without knowing it."""
        with self._lock:
            self._faults.extend(
                _Fault(delay=seconds, after_apply=after_apply) for _ in range(count)
            )

    def rpc_error_next(self, count: int, code: int, message: str) -> None:
        """Answer the next ``count`` requests with a JSON-RPC error (nothing applied)."""
        with self._lock:
            self._faults.extend(_Fault(rpc=(code, message)) for _ in range(count))

    def add_command(self, eq_logic_id: int, name: str, **fields: Any) -> Cmd:
        """Create a command directly (as a user does in Jeedom's UI)."""
        with self._lock:
            cmd = Cmd(
                id=self._next_cmd,
                eqLogic_id=eq_logic_id,
                name=clean_name(name),
                type=fields.pop("type", "info"),
                subType=fields.pop("subType", "numeric"),
                **fields,
            )
            self._next_cmd += 1
            self.cmds[cmd.id] = cmd
            return cmd

    def add_equipment(self, name: str, **fields: Any) -> EqLogic:
        """Create an equipment directly (as a user does in Jeedom's UI)."""
        with self._lock:
            eq = EqLogic(
                id=self._next_eq,
                name=clean_name(name),
                eqType_name=fields.pop("eqType_name", "virtual"),
                **fields,
            )
            self._next_eq += 1
            self.eq_logics[eq.id] = eq
            return eq

    # -- read-back -------------------------------------------------------------------------

    def history(self, cmd_id: int) -> list[tuple[str, str]]:
        """``(datetime, value)`` rows of a command, both tables, as ``cmd::getHistory`` sees
        them (a row re-sent after the archive appears in both until the next archive)."""
        with self._lock:
            return [(r["datetime"], r["value"]) for r in self._history_rows(cmd_id, None, None)]

    def instant(self, wall: str) -> datetime:
        """The UTC instant Jeedom means by a stored ``datetime`` (first one in a repeated hour)."""
        naive = datetime.strptime(wall, "%Y-%m-%d %H:%M:%S")
        return naive.replace(tzinfo=self.timezone).astimezone(UTC)

    def current(self, cmd_id: int) -> Any:
        """The current value of a command (its cache), ``None`` when it never had one."""
        with self._lock:
            return self.cmds[cmd_id].current

    def equipment(self, logical_id: str) -> EqLogic:
        """The equipment with that ``logicalId``."""
        with self._lock:
            found = [e for e in self.eq_logics.values() if e.logicalId == logical_id]
        if len(found) != 1:
            raise KeyError(f"{len(found)} equipments with logicalId {logical_id!r}")
        return found[0]

    def commands_of(self, eq_id: int) -> list[Cmd]:
        """Commands of an equipment, in id order."""
        with self._lock:
            return [c for c in self.cmds.values() if c.eqLogic_id == eq_id]

    def command(self, eq_logical_id: str, logical_id: str) -> Cmd:
        """The command ``logical_id`` of the equipment ``eq_logical_id``."""
        eq = self.equipment(eq_logical_id)
        found = [c for c in self.commands_of(eq.id) if c.logicalId == logical_id]
        if len(found) != 1:
            raise KeyError(f"{len(found)} commands {logical_id!r} in {eq_logical_id!r}")
        return found[0]

    def methods(self) -> list[str | None]:
        """Method of every call received, in order."""
        with self._lock:
            return [c.method for c in self.calls]

    def calls_of(self, method: str) -> list[RpcCall]:
        """The calls of one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def archive(self, now: datetime | None = None) -> None:
        """Jeedom's nightly ``history::archive()``: rows older than ``historyArchiveTime`` (2 h)
        move to ``historyArch``, as they are for ``historizeMode`` ``none`` (or a string),
        else cast to ``DECIMAL(12, historizeRound or 2)`` and averaged (or min/max) per
        ``historyArchivePackage`` (1 h) at the package's first datetime;
        every row of a command that is not a historized info is deleted."""
        with self._lock:
            zone = self.timezone
            limit = (now or self.clock()).astimezone(zone) - timedelta(hours=2)
            cut = limit.strftime("%Y-%m-%d %H:%M:%S")
            for cmd_id in set(self.history_table) | set(self.history_arch):
                cmd = self.cmds.get(cmd_id)
                if cmd is None or cmd.type != "info" or cmd.isHistorized != "1":
                    self.history_table.pop(cmd_id, None)
                    self.history_arch.pop(cmd_id, None)
                    continue
                rows = self.history_table.get(cmd_id, {})
                old = sorted((d, v) for d, v in rows.items() if d <= cut and v is not None)
                arch = self.history_arch.setdefault(cmd_id, {})
                mode = cmd.conf("historizeMode", "avg")
                if cmd.subType != "numeric" or mode == "none":
                    arch.update(old)
                else:
                    buckets: dict[int, list[tuple[str, str]]] = {}
                    for wall, value in old:
                        epoch = int(self._wall_instant(wall, zone).timestamp())
                        buckets.setdefault(epoch // 3600, []).append((wall, value))
                    digits = int(cmd.conf("historizeRound", 2))
                    step = Decimal(1).scaleb(-digits)
                    for members in buckets.values():
                        # MODE(CAST(value AS DECIMAL(12, round))): each value rounded first;
                        # AVG adds 4 digits of scale (div_precision_increment), MIN/MAX none.
                        values = [
                            Decimal(repr(php_floatval(v)[0])).quantize(step, ROUND_HALF_UP)
                            for _, v in members
                        ]
                        pick = {"min": min, "max": max}.get(mode)
                        if pick is not None:
                            agg = pick(values)
                        else:
                            agg = (sum(values) / len(values)).quantize(step.scaleb(-4))
                        arch[members[0][0]] = str(agg)
                for wall in [d for d in rows if d <= cut]:
                    del rows[wall]

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        going_down = False
        with self._lock:
            if self._stop_after == 0:
                # Going down: the port closes in a moment; nothing reaches Jeedom meanwhile.
                return PlainTextResponse("Service Unavailable", 503)
            if self._stop_after is not None:
                self._stop_after -= 1
                going_down = self._stop_after == 0
                if going_down:
                    self._down = threading.Event()
        response = await self._respond(request)
        if going_down:
            # After the answer has gone out: stopping joins the server's thread, so not here.
            response.background = BackgroundTask(self._go_down)
        return response

    def _go_down(self) -> None:
        down = self._down

        def stop() -> None:
            self.stop()
            if down is not None:
                down.set()

        threading.Thread(target=stop, name="fake-jeedom-down").start()

    async def _respond(self, request: Request) -> Response:
        with self._lock:
            banned = self.banned
            fault = self._faults.pop(0) if self._faults else None
        if banned:
            return HTMLResponse(
                "<h1>404 Not Found</h1>The page that you have requested could not be found.",
                status_code=404,
            )
        if request.url.path != API_PATH:
            return HTMLResponse("<h1>Not Found</h1>", status_code=404)
        if "type" in request.query_params:
            return PlainTextResponse("the fake implements the JSON-RPC API only", 501)
        raw = await self._request_text(request)
        if fault is not None and fault.status is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return Response(fault.body, status_code=fault.status, headers=extra)
        if fault is not None and fault.delay and not fault.after_apply:
            await _pause(fault.delay)
        try:
            answer = self._rpc(raw, fault.rpc if fault is not None else None)
        except PhpFatal:
            return Response(b"", status_code=500)
        except _NotImplementedByFake as exc:
            return PlainTextResponse(str(exc), 501)
        if fault is not None and fault.delay and fault.after_apply:
            await _pause(fault.delay)
        return Response(
            json.dumps(answer, ensure_ascii=True),
            media_type="application/json",
        )

    @staticmethod
    async def _request_text(request: Request) -> str:
        """``init('request')`` (query or form field), else the raw body."""
        if "request" in request.query_params:
            return request.query_params["request"]
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(body.decode(errors="replace"))
            if form.get("request"):
                return form["request"][0]
        return body.decode(errors="replace")

    # -- JSON-RPC --------------------------------------------------------------------------

    def _rpc(self, raw: str, scripted: tuple[int, str] | None) -> dict[str, Any]:
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = None
        envelope = decoded if isinstance(decoded, dict) else {}
        ident = envelope.get("id", DEFAULT_ID)
        if ident is None:
            ident = DEFAULT_ID
        method = envelope.get("method") or "none"
        params_raw = envelope.get("params")
        if isinstance(params_raw, str):
            try:
                params_raw = json.loads(params_raw)
            except ValueError:
                params_raw = None
        params: dict[str, Any] = dict(params_raw) if isinstance(params_raw, dict) else {}
        logged = {k: v for k, v in params.items() if k not in ("apikey", "api")}
        with self._lock:
            try:
                if scripted is not None:
                    code, message = scripted
                    answer = self._error(ident, code, message)
                else:
                    result = self._dispatch(envelope.get("jsonrpc"), method, params)
                    answer = {
                        "jsonrpc": "2.0",
                        "id": ident,
                        "result": "ok" if php_empty(result) else result,
                    }
            except JeedomFault as fault:
                answer = self._error(ident, fault.rpc_code, fault.message)
            self.calls.append(RpcCall(envelope.get("method"), logged, answer))
        return answer

    @staticmethod
    def _error(ident: Any, code: int, message: str) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}

    def _dispatch(self, version: Any, method: str, params: dict[str, Any]) -> Any:
        if version != "2.0":
            raise JeedomFault(
                f"Requête invalide. Version JSON-RPC invalide : {php_string(version)}", -32001
            )
        if not params.get("plugin"):
            params["plugin"] = "core"
        plugin = php_string(params["plugin"])
        if plugin in ("apitts", "apipro", "apimarket"):
            raise JeedomFault(NOT_ALLOWED, -32001)
        if self.config.get(("core", f"api::{plugin}::mode"), "enable") == "disable":
            raise JeedomFault(NOT_ALLOWED, -32001)
        if method == "ping":
            return "pong"
        if "apikey" not in params and "api" not in params:
            raise JeedomFault(NOT_ALLOWED, -32001)
        key = params["apikey"] if "apikey" in params else params["api"]
        user = self._authenticate(php_string(key), plugin)
        if method == "config::byKey":
            value = self.config.get((plugin, php_string(params.get("key"))))
            return value if value not in (None, "") else params.get("default", "")
        if method == "version":
            return self.version
        if method == "datetime":
            return self.clock().timestamp()
        if method in ("jeeObject::all", "object::all"):
            return [self._object(i) for i in sorted(self.objects)]
        if method in ("jeeObject::byId", "object::byId"):
            object_id = _id_of(params.get("id"))
            if object_id not in self.objects:
                raise JeedomFault(f"Objet introuvable : {php_string(params.get('id'))}", -32601)
            return self._object(object_id)
        if method == "eqLogic::byType":
            wanted = php_string(params.get("type"))
            return [e.export() for e in self._sorted_eq() if e.eqType_name == wanted]
        if method == "eqLogic::byId":
            return self._eq_or_fail(params.get("id")).export()
        if method == "eqLogic::save":
            return self._eq_save(params, user)
        if method == "cmd::byEqLogicId":
            eq_id = _id_of(params.get("eqLogic_id"))
            return [c.export() for c in self._cmds_of(eq_id)]
        if method == "cmd::byId":
            cmd = self.cmds.get(_id_of(params.get("id")) or -1)
            if cmd is None:
                raise JeedomFault(f"Commande introuvable : {php_string(params.get('id'))}", -32701)
            return cmd.export()
        if method == "cmd::execCmd":
            return self._exec(params)
        if method == "cmd::getHistory":
            return self._get_history(params)
        if method == "cmd::event":
            self._event_call(params)
            return None
        if method in REAL_METHODS:
            raise _NotImplementedByFake(f"{method} exists in Jeedom but the fake does not serve it")
        raise JeedomFault(f"Aucune méthode correspondante : {method}", -32500)

    def _authenticate(self, key: str, plugin: str) -> User | None:
        """``jeedom::apiAccess($key, $plugin) || jeedom::apiAccess($key, 'core')``."""
        if not key.strip() or len(key) < 16:
            raise JeedomFault(NOT_ALLOWED, -32002)
        user = self.users.get(key)
        if user is not None and user.enabled:
            return user
        for scope in (plugin, "core"):
            expected = self.config.get((scope, "api"))
            mode = self.config.get(("core", f"api::{scope}::mode"), "enable")
            if expected and mode != "disable" and key == expected:
                return None
        raise JeedomFault(NOT_ALLOWED, -32002)

    def _object(self, object_id: int) -> dict[str, Any]:
        return {"id": object_id, "name": self.objects[object_id], "father_id": None}

    def _sorted_eq(self) -> list[EqLogic]:
        return [self.eq_logics[i] for i in sorted(self.eq_logics)]

    def _cmds_of(self, eq_id: int | None) -> list[Cmd]:
        found = [c for c in self.cmds.values() if c.eqLogic_id == eq_id]
        return sorted(found, key=lambda c: (c.order if c.order is not None else -1, c.id))

    def _eq_or_fail(self, raw: Any) -> EqLogic:
        eq = self.eq_logics.get(_id_of(raw) or -1)
        if eq is None:
            raise JeedomFault(f"EqLogic introuvable : {php_string(raw)}", -32602)
        return eq

    # -- eqLogic::save ---------------------------------------------------------------------

    def _eq_save(self, params: dict[str, Any], user: User | None) -> dict[str, Any]:
        kind = php_string(params.get("eqType_name"))
        if kind == "" or kind not in self.plugins:
            raise JeedomFault(f"Type incorrect (classe commande inexistante){kind}Cmd")
        existing = self.eq_logics.get(_id_of(params.get("id")) or -1) if "id" in params else None
        eq = copy.deepcopy(existing) if existing is not None else EqLogic(0, "", kind)
        if user is not None and user.profile != "admin":
            raise JeedomFault(f"{NOT_ALLOWED} eqLogic::save", -32001)
        phantom = existing is None and "id" in params
        self._apply_eq(eq, params)
        if eq.name == "":
            raise JeedomFault(
                "Le nom de l'équipement ne peut pas être vide : " + repr(params)[:200]
            )
        wall = self._now_wall()
        if phantom:
            # DB::save: an object that has an id is UPDATEd, and no row has it: nothing changes.
            self.anomalies.append(f"eqLogic::save on unknown id {params.get('id')!r}: no-op")
            if isinstance(params.get("cmd"), list) and params["cmd"]:
                raise PhpFatal("cmd::save: getEqLogic() is null")
            return self._eq_answer(eq, params)
        self._check_unique_eq(eq)
        if existing is None:
            eq.id = self._next_eq
            self._next_eq += 1
            eq.configuration.setdefault("createtime", wall)
        else:
            eq.configuration["updatetime"] = wall
        self.eq_logics[eq.id] = eq
        self._virtual_post_save(eq)
        before = [c.id for c in self._cmds_of(eq.id)]
        if "cmd" in params:
            entries = params["cmd"] if isinstance(params["cmd"], list) else []
            kept: set[int] = set()
            for order, entry in enumerate(entries):
                kept.add(self._cmd_save(eq, order, entry if isinstance(entry, dict) else {}))
            for cmd_id in before:
                cmd = self.cmds.get(cmd_id)
                if cmd is not None and cmd_id not in kept and cmd.logicalId != "refresh":
                    self._remove_cmd(cmd_id)
        answer = self._eq_answer(eq, params)
        if existing is None:
            answer["id"] = str(eq.id)  # PDO::lastInsertId() is a string
        return answer

    def _eq_answer(self, eq: EqLogic, params: dict[str, Any]) -> dict[str, Any]:
        answer = eq.export()
        if "id" in params:
            answer["id"] = params["id"]  # utils::a2o set it from the request, type and all
        return answer

    def _apply_eq(self, eq: EqLogic, params: dict[str, Any]) -> None:
        """``utils::a2o($eqLogic, $params)``: each key with a setter is applied."""
        for key, value in params.items():
            if key == "name":
                eq.name = clean_name(value)
            elif key == "logicalId":
                eq.logicalId = php_string(value)
            elif key == "object_id":
                eq.object_id = _id_of(value) if is_numeric(value) else None
            elif key in ("isEnable", "isVisible", "order", "timeout"):
                number = _id_of(value)
                setattr(eq, key, number if number is not None else 0)
            elif key in ("configuration", "category", "display"):
                if isinstance(value, dict):
                    getattr(eq, key).update(copy.deepcopy(value))
            elif key in ("comment", "tags", "generic_type"):
                setattr(eq, key, php_string(value))

    def _check_unique_eq(self, eq: EqLogic) -> None:
        if eq.object_id is None:
            return  # NULL never collides in a MariaDB unique key
        for other in self.eq_logics.values():
            if (
                other.id != eq.id
                and other.object_id == eq.object_id
                and collate(other.name) == collate(eq.name)
            ):
                raise sql_error(
                    "23000",
                    1062,
                    f"Duplicate entry '{eq.name}-{eq.object_id}' for key 'unique'",
                    "INSERT INTO `eqLogic` SET `name` = :name, ...",
                )

    def _virtual_post_save(self, eq: EqLogic) -> None:
        """``virtual::postSave``: the action ``Rafraichir`` unless one exists (by logicalId
        ``refresh`` or by name)."""
        for cmd in self._cmds_of(eq.id):
            if cmd.logicalId == "refresh" or collate(cmd.name) == collate("Rafraichir"):
                return
        self.add_command(
            eq.id, "Rafraichir", type="action", subType="other", logicalId="refresh"
        ).template.update({"dashboard": "core::default", "mobile": "core::default"})

    def _cmd_save(self, eq: EqLogic, order: int, entry: dict[str, Any]) -> int:
        existing = self.cmds.get(_id_of(entry.get("id")) or -1) if "id" in entry else None
        cmd = copy.deepcopy(existing) if existing is not None else Cmd(0, eq.id, "", "", "")
        cmd.eqLogic_id, cmd.order = eq.id, order
        self._apply_cmd(cmd, entry)
        if cmd.name == "":
            raise JeedomFault("Le nom de la commande ne peut pas être vide :" + repr(entry)[:200])
        if cmd.type == "":
            raise JeedomFault(f"{cmd.name} Le type de la commande ne peut pas être vide :")
        if cmd.subType == "":
            raise JeedomFault(f"{cmd.name} Le sous-type de la commande ne peut pas être vide :")
        low, high = cmd.conf("minValue"), cmd.conf("maxValue")
        if low != "" and high != "" and php_floatval(str(low))[0] > php_floatval(str(high))[0]:
            raise JeedomFault(
                f"{cmd.name} La valeur minimum de la commande ne peut être supérieure "
                "à la valeur maximum"
            )
        if cmd.type not in ("info", "action") or cmd.subType not in (
            ("numeric", "binary", "string")
            if cmd.type == "info"
            else ("other", "slider", "message", "color", "select")
        ):
            self.anomalies.append(f"command {cmd.name!r}: type {cmd.type}/{cmd.subType}")
        if cmd.type == "action":
            cmd.isHistorized = "0"
            if cmd.logicalId != "refresh" and not cmd.conf("infoName"):
                raise JeedomFault("Le nom de la commande info ne peut être vide")
        cmd.template.setdefault("dashboard", "core::default")
        cmd.template.setdefault("mobile", "core::default")
        if existing is None and "id" in entry:
            self.anomalies.append(f"command save on unknown id {entry.get('id')!r}: no-op")
            return _id_of(entry.get("id")) or 0
        for other in self.cmds.values():
            if (
                other.id != cmd.id
                and other.eqLogic_id == cmd.eqLogic_id
                and collate(other.name) == collate(cmd.name)
            ):
                raise sql_error(
                    "23000",
                    1062,
                    f"Duplicate entry '{cmd.eqLogic_id}-{cmd.name}' for key 'unique'",
                    "INSERT INTO `cmd` SET `eqLogic_id` = :eqLogic_id, ...",
                )
        if existing is None:
            cmd.id = self._next_cmd
            self._next_cmd += 1
        self.cmds[cmd.id] = cmd
        return cmd.id

    def _apply_cmd(self, cmd: Cmd, entry: dict[str, Any]) -> None:
        """``utils::a2o($cmd, $cmd_info)``."""
        for key, value in entry.items():
            if key == "name":
                cmd.name = clean_name(value)
            elif key in ("type", "subType", "unite", "logicalId", "generic_type"):
                setattr(cmd, key, php_string(value))
            elif key == "isHistorized":
                cmd.isHistorized = php_string(value)
            elif key == "isVisible":
                number = _id_of(value)
                cmd.isVisible = number if number is not None else 0
            elif key in ("configuration", "template", "display", "alert"):
                if isinstance(value, dict):
                    getattr(cmd, key).update(copy.deepcopy(value))
            elif key == "value":
                cmd.value = None if value is None else php_string(value)

    def _remove_cmd(self, cmd_id: int) -> None:
        del self.cmds[cmd_id]
        self.history_table.pop(cmd_id, None)
        self.history_arch.pop(cmd_id, None)

    # -- cmd::event and history ------------------------------------------------------------

    def _event_call(self, params: dict[str, Any]) -> None:
        cmd = self.cmds.get(_id_of(params.get("id")) or -1)
        if cmd is None:
            raise JeedomFault(f"Commande introuvable : {php_string(params.get('id'))}", -32702)
        if "value" not in params:
            self.anomalies.append(f"cmd::event {cmd.id}: no value (PHP warning, value null)")
        stamp = params.get("datetime")
        self._event(cmd, params.get("value"), stamp)

    def _event(self, cmd: Cmd, raw: Any, stamp: Any) -> None:
        if cmd.type != "info":
            self.anomalies.append(f"cmd::event on action command {cmd.id}: ignored")
            return
        eq = self.eq_logics.get(cmd.eqLogic_id)
        if eq is None or eq.isEnable == 0:
            self.anomalies.append(f"cmd::event on command {cmd.id} of a disabled equipment")
            return
        value = self._format_value(cmd, raw)
        old = cmd.current
        repeat = _php_identical(old, value) and old not in ("", None)
        collect = php_string(stamp) if stamp is not None and stamp is not False else None
        collect = collect if collect is not None else self._now_wall()
        cmd.collect_date = collect
        if not repeat:
            cmd.current, cmd.value_date = value, collect
        self._add_history(cmd, value, collect)

    def _format_value(self, cmd: Cmd, raw: Any) -> Any:
        """``cmd::formatValue`` for an info command."""
        if isinstance(raw, (list, dict)):
            self.anomalies.append(f"command {cmd.id}: value {raw!r} is not a scalar")
            return ""
        if raw is None:
            raw = 0
        text = php_string(raw)
        if text.strip() == "" and raw is not False:
            return 0 if cmd.subType in ("numeric", "binary") else ""
        text = text.strip().strip('"')
        if "error::" in text.lower():
            return text
        if cmd.subType == "numeric":
            number, whole = php_floatval(text.replace(",", "."))
            if not whole:
                self.anomalies.append(f"command {cmd.id}: {text!r} read as {php_float(number)}")
            digits = cmd.conf("historizeRound")
            if is_numeric(digits) and float(digits) >= 0:
                number = round(number, int(float(digits)))
            high, low = cmd.conf("maxValue", None), cmd.conf("minValue", None)
            if high is not None and number > php_floatval(php_string(high))[0]:
                self.anomalies.append(f"command {cmd.id}: {number} clamped to max {high}")
                number = php_floatval(php_string(high))[0]
            if low is not None and number < php_floatval(php_string(low))[0]:
                self.anomalies.append(f"command {cmd.id}: {number} clamped to min {low}")
                number = php_floatval(php_string(low))[0]
            return number
        if cmd.subType == "binary":
            truthy = text.lower() in ("on", "true", "high", "enable", "enabled", "online")
            return 1 if truthy or php_floatval(text)[0] >= 1 else 0
        return text

    def _add_history(self, cmd: Cmd, value: Any, stamp: str) -> None:
        """``cmd::addHistoryValue`` then ``history::save``."""
        if cmd.isHistorized != "1" or value is None or value == "":
            return
        if stamp == "":
            stamp = self._now_wall()
        number = value if isinstance(value, float) else None
        smooth = cmd.conf("history::smooth", self.config.get(("core", "history::smooth"), -2))
        mode = cmd.conf("historizeMode", "none")
        if number is not None and cmd.subType == "numeric" and float(smooth) > 0 and mode != "none":
            self._add_smoothed(cmd, number, stamp, int(float(smooth)), mode)
            return
        stored = parse_datetime(stamp)
        if stored is None:
            raise self._bad_datetime(stamp)
        text = php_float(number) if number is not None else php_string(value)
        self.history_table.setdefault(cmd.id, {})[stored] = text

    def _add_smoothed(self, cmd: Cmd, value: float, stamp: str, step: int, mode: str) -> None:
        """``history::save`` with smoothing: bucket the datetime, average with what is there."""
        stored = parse_datetime(stamp)
        if stored is None:
            raise self._bad_datetime(stamp)
        zone = self.timezone
        epoch = int(self._wall_instant(stored, zone).timestamp())
        epoch -= epoch % step
        rows = self.history_table.setdefault(cmd.id, {})
        if value == 0:
            bucket = datetime.fromtimestamp(epoch + step, zone).strftime("%Y-%m-%d %H:%M:00")
            rows[bucket] = php_float(value)
            return
        bucket = datetime.fromtimestamp(epoch, zone).strftime("%Y-%m-%d %H:%M:00")
        before = rows.get(bucket)
        if before is not None:
            digits = int(cmd.conf("historizeRound", 2))
            old = php_floatval(before)[0]
            merge = {"min": min, "max": max}.get(mode)
            value = round(merge(old, value) if merge else (old + value) / 2, digits)
        rows[bucket] = php_float(value)

    @staticmethod
    def _bad_datetime(stamp: Any) -> JeedomFault:
        return sql_error(
            "22007",
            1292,
            f"Incorrect datetime value: '{php_string(stamp)}' for column "
            "`jeedom`.`history`.`datetime` at row 1",
            "REPLACE INTO history SET cmd_id=:cmd_id, `datetime`=:datetime, value=:value",
        )

    def _get_history(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        cmd = self.cmds.get(_id_of(params.get("id")) or -1)
        if cmd is None:
            raise JeedomFault(f"Commande introuvable : {php_string(params.get('id'))}", -32702)
        bounds: list[str | None] = []
        for name in ("startTime", "endTime"):
            raw = params.get(name)
            if raw is None:
                bounds.append(None)
                continue
            parsed = parse_datetime(raw)
            if parsed is None:
                # MariaDB only warns here; the fake refuses so that a client bug shows.
                raise JeedomFault(f"fake: {name} {raw!r} is not a Jeedom datetime")
            bounds.append(parsed)
        return self._history_rows(cmd.id, bounds[0], bounds[1])

    def _history_rows(
        self, cmd_id: int, start: str | None, end: str | None
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for table in (self.history_table, self.history_arch):
            for wall, value in table.get(cmd_id, {}).items():
                if value is None or (start and wall < start) or (end and wall > end):
                    continue
                rows.append({"cmd_id": cmd_id, "datetime": wall, "value": value})
        rows.sort(key=lambda r: str(r["datetime"]))
        return rows

    def _exec(self, params: dict[str, Any]) -> Any:
        cmd = self.cmds.get(_id_of(params.get("id")) or -1)
        if cmd is None:
            raise JeedomFault(f"Commande introuvable : {php_string(params.get('id'))}", -32702)
        if cmd.type != "info":
            raise _NotImplementedByFake("cmd::execCmd on an action command")
        return {"value": cmd.current, "collectDate": cmd.collect_date or self._now_wall()}

    # -- clock -----------------------------------------------------------------------------

    def _now_wall(self) -> str:
        return self.clock().astimezone(self.timezone).strftime("%Y-%m-%d %H:%M:%S")

    @staticmethod
    def _wall_instant(wall: str, zone: ZoneInfo) -> datetime:
        naive = datetime.strptime(wall, "%Y-%m-%d %H:%M:%S")
        return naive.replace(tzinfo=zone)


async def _pause(seconds: float) -> None:
    """Sleep; a server stopping meanwhile just ends the wait (its client is long gone)."""
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(seconds)


class _NotImplementedByFake(Exception):
    """A real Jeedom method this fake does not serve (HTTP 501, so nobody mistakes it)."""


def _php_identical(old: Any, new: Any) -> bool:
    """PHP ``===`` between a cached value and a formatted one (type and value)."""
    if type(old) is not type(new):
        return False
    return bool(old == new)


_shared: FakeJeedom | None = None


def shared_fake_jeedom() -> FakeJeedom:
    """One fake per test process, started on first use and reset on every call."""
    global _shared
    if _shared is None:
        _shared = FakeJeedom().start()
        atexit.register(_shared.stop)
    _shared.start()
    _shared.reset()
    return _shared


def main() -> None:
    """Serve a fake in the foreground (for benchmarks); prints ``ready <url>``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--timezone", default=DEFAULT_TIMEZONE)
    args = parser.parse_args()
    fake = FakeJeedom(core_key=args.key, timezone=args.timezone, port=args.port).start()
    print(f"ready {fake.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
