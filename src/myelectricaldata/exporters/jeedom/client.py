"""Async client of Jeedom's JSON-RPC API (``core/api/jeeApi.php``) for the ``jeedom`` exporter.

One ``httpx.AsyncClient``, one JSON-RPC object per request: ``jeeApi.php`` parses a single object
(an array is answered as an invalid request), so :meth:`JeedomClient.send` keeps a few requests
in flight instead of batching. Jeedom answers HTTP 200 whatever happens: the ``error`` key of the
body is the verdict, with ``-32000 - <Jeedom's code>`` as its code (PROTOCOLS.md §5.1) and a
French message. The client never retries: a failure a later attempt may fix raises
:class:`.JeedomUnavailable` (a :class:`~myelectricaldata.support.retry.Retryable`, with the
server's ``Retry-After``); a refusal raises a :class:`JeedomError` whose message says what to fix
(:mod:`.errors`). The API key is masked in every message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from myelectricaldata.exporters.http import make_client
from myelectricaldata.exporters.jeedom.errors import (
    JeedomAuthError,
    JeedomError,
    JeedomNotFound,
    JeedomProtocolError,
    JeedomRpcError,
    JeedomTimezoneUnknown,
    JeedomUnavailable,
    JeedomUnknownMethod,
)
from myelectricaldata.exporters.jeedom.model import (
    Command,
    Equipment,
    Event,
    EventBatch,
    HistoryRow,
    JeedomObject,
    as_int,
    as_list,
    as_mapping,
)
from myelectricaldata.support.redaction import Redactor
from myelectricaldata.support.retry import parse_retry_after

#: Where the JSON-RPC API lives under Jeedom's base URL.
API_PATH = "core/api/jeeApi.php"

# Codes as they arrive (-32000 minus the code jeeApi.php throws).
CODE_NOT_ALLOWED = 1  # no key, API disabled for the key's scope, jsonrpc not "2.0"
CODE_BAD_KEY = 2  # wrong key (or shorter than 16 characters)
CODE_UNKNOWN_METHOD = 500
CODE_OBJECT_NOT_FOUND = 601
CODE_EQUIPMENT_NOT_FOUND = 602
CODE_COMMAND_NOT_FOUND = (701, 702)
CODE_INTERNAL = -32000  # any other exception, SQL errors included

#: MariaDB errors a later attempt may not meet: lock wait timeout, deadlock, too many
#: connections, server gone or unreachable (Jeedom restarting its database).
_TRANSIENT_SQL = frozenset({1040, 1205, 1213, 2002, 2006, 2013})
_SQL_ERRNO = re.compile(r"\[MySQL\] Error code : \S+ \((\d+)\)")

API_KEY_HELP = (
    "copy Jeedom's API key (Réglages > Système > Configuration, tab API, « Clé API ») into "
    "api_key, or the Virtual plugin's key with plugin = virtual; the key's scope must let this "
    "address in (Activé, or IP blanche with this address)"
)


def api_base(url: str) -> str:
    """Jeedom's base URL (``http://jeedom.local``, maybe with a path) from what a user typed,
    with or without ``/core/api/jeeApi.php``."""
    base = url.strip().rstrip("/")
    if base.endswith("/" + API_PATH):
        base = base[: -len(API_PATH) - 1]
    return base


class JeedomClient:
    """Calls to one Jeedom with one key. Use as an async context manager, or call
    :meth:`aclose`."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        plugin: str = "",
        timeout_s: float = 30.0,
        verify_tls: bool = True,
    ) -> None:
        self.url = api_base(url)
        self.plugin = plugin.strip()
        self.timeout_s = timeout_s
        self._api_key = api_key
        self._redact = Redactor([api_key])
        self._ids = itertools.count(1)
        self._http = make_client(self.url, timeout_s=timeout_s, verify_tls=verify_tls)

    async def __aenter__(self) -> JeedomClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    # -- one call ------------------------------------------------------------------------

    async def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, with_key: bool = True
    ) -> Any:
        """The ``result`` of one JSON-RPC call; raises as the module docstring says."""
        body_params: dict[str, Any] = dict(params or {})
        if with_key:
            body_params["apikey"] = self._api_key
            if self.plugin:
                body_params["plugin"] = self.plugin
        ident = next(self._ids)
        request = {"jsonrpc": "2.0", "id": ident, "method": method, "params": body_params}
        try:
            response = await self._http.post(
                API_PATH,
                content=json.dumps(request, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
            )
        except httpx.TimeoutException:
            # The sentence of exporters.http's timeouts: the UI words it in French.
            raise JeedomUnavailable(
                f"Jeedom at {self.url} did not answer {method} in time: check that it is "
                "running, or raise timeout_seconds"
            ) from None
        except httpx.HTTPError as exc:
            reason = self._redact(f"{type(exc).__name__}: {exc}")
            raise JeedomUnavailable(
                f"cannot reach Jeedom at {self.url} for {method} ({reason}): check url and "
                "that Jeedom is running"
            ) from None
        return self._result(method, ident, response)

    def _result(self, method: str, ident: int, response: httpx.Response) -> Any:
        status = response.status_code
        if status in (408, 429) or status >= 500:
            raise JeedomUnavailable(
                f"Jeedom at {self.url} answered HTTP {status} to {method}: it is starting, "
                "overloaded or failing; the next attempt may succeed",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status == 404:
            raise JeedomProtocolError(
                f"{self.url}/{API_PATH} answered 404: check url (Jeedom's address, e.g. "
                "http://jeedom.local); Jeedom also answers 404 to an address it banned after "
                "failed logins (Réglages > Système > Configuration > Sécurité)"
            )
        if status != 200:
            raise JeedomProtocolError(
                f"{self.url}/{API_PATH} answered HTTP {status} to {method}: a proxy in front "
                "of Jeedom refused it; check url"
            )
        try:
            body = response.json()
        except ValueError:
            excerpt = self._redact(response.text.strip().replace("\n", " ")[:120])
            raise JeedomProtocolError(
                f"{self.url}/{API_PATH} did not answer JSON to {method} ({excerpt!r}): check "
                "url (Jeedom's address, e.g. http://jeedom.local)"
            ) from None
        if not isinstance(body, dict) or ("result" not in body and "error" not in body):
            raise JeedomProtocolError(
                f"{self.url}/{API_PATH} did not answer JSON-RPC to {method}: check url"
            )
        if "error" in body:
            raise self._rpc_error(method, body["error"])
        if body.get("id") != ident:
            raise JeedomProtocolError(
                f"Jeedom answered request {body.get('id')!r} to request {ident} ({method}): "
                "a cache or proxy between us and Jeedom mixes answers; check url"
            )
        return body["result"]

    def _rpc_error(self, method: str, error: Any) -> JeedomError:
        data = as_mapping(error)
        code = data.get("code")
        message = self._redact(str(data.get("message", "")))
        if not isinstance(code, int) or isinstance(code, bool):
            return JeedomProtocolError(f"Jeedom answered {method} with a malformed error")
        if code == CODE_BAD_KEY:
            return JeedomAuthError(
                method, code, message, f"the API key was refused: {API_KEY_HELP}"
            )
        if code == CODE_NOT_ALLOWED:
            return JeedomAuthError(
                method,
                code,
                message,
                "the API is disabled for this key, or the key is missing: in Jeedom, Réglages > "
                "Système > Configuration, tab API, set the key's scope to Activé (or IP blanche "
                "with this address)",
            )
        if code == CODE_UNKNOWN_METHOD:
            return JeedomUnknownMethod(
                method, code, message, "this Jeedom does not serve it: Jeedom 4.x is required"
            )
        if code in (CODE_OBJECT_NOT_FOUND, CODE_EQUIPMENT_NOT_FOUND, *CODE_COMMAND_NOT_FOUND):
            return JeedomNotFound(
                method,
                code,
                message,
                "it was deleted in Jeedom or the id is wrong: fix the id in the settings, or "
                "let provisioning create it again",
            )
        errno = _SQL_ERRNO.search(message)
        if code == CODE_INTERNAL and errno is not None and int(errno[1]) in _TRANSIENT_SQL:
            return JeedomUnavailable(
                f"Jeedom's database failed {method} ({message}): the next attempt may succeed"
            )
        return JeedomRpcError(method, code, message, "Jeedom rejected the request; see its message")

    # -- methods -------------------------------------------------------------------------

    async def ping(self) -> None:
        """Reachability only: Jeedom answers ``pong`` before looking at any key."""
        result = await self.call("ping", with_key=False)
        if result != "pong":
            raise JeedomProtocolError(f"{self.url} answered ping with {str(result)[:60]!r}")

    async def version(self) -> str:
        """Jeedom's version (proves the key: ``version`` needs one)."""
        result = await self.call("version")
        if not isinstance(result, str) or not result or result == "ok":
            raise JeedomProtocolError(f"Jeedom answered version with {str(result)[:60]!r}")
        return result

    async def timezone(self) -> ZoneInfo:
        """Jeedom's time zone (config ``timezone``), which ``cmd::event`` dates are read in."""
        result = await self.call("config::byKey", {"key": "timezone"})
        if not isinstance(result, str) or result in ("", "ok"):
            raise JeedomTimezoneUnknown(
                f"Jeedom did not tell its time zone (config::byKey timezone answered "
                f"{str(result)[:40]!r}): a plugin key cannot read the core configuration; "
                "use the core API key, or set timezone (e.g. Europe/Paris)"
            )
        try:
            return ZoneInfo(result)
        except (ZoneInfoNotFoundError, ValueError):
            raise JeedomTimezoneUnknown(
                f"Jeedom's time zone {result!r} is not an IANA zone this system knows: set "
                "timezone (e.g. Europe/Paris)"
            ) from None

    async def object(self, object_id: int) -> JeedomObject:
        """A Jeedom object (room); :class:`JeedomNotFound` when it does not exist."""
        data = as_mapping(await self.call("jeeObject::byId", {"id": object_id}))
        return JeedomObject(as_int(data.get("id"), "object id"), str(data.get("name") or ""))

    async def equipments(self, eq_type: str = "virtual") -> list[Equipment]:
        """Every equipment of a plugin."""
        answer = await self.call("eqLogic::byType", {"type": eq_type})
        return [Equipment.from_api(item) for item in as_list(answer, "eqLogic::byType")]

    async def equipment(self, equipment_id: int) -> Equipment:
        """One equipment; :class:`JeedomNotFound` when it does not exist."""
        answer = await self.call("eqLogic::byId", {"id": equipment_id})
        return Equipment.from_api(as_mapping(answer))

    async def commands(self, equipment_id: int) -> list[Command]:
        """The commands of an equipment, in Jeedom's order."""
        answer = await self.call("cmd::byEqLogicId", {"eqLogic_id": equipment_id})
        return [Command.from_api(item) for item in as_list(answer, "cmd::byEqLogicId")]

    async def command(self, cmd_id: int) -> Command:
        """One command; :class:`JeedomNotFound` when it does not exist."""
        return Command.from_api(as_mapping(await self.call("cmd::byId", {"id": cmd_id})))

    async def save_equipment(self, params: Mapping[str, Any]) -> int:
        """``eqLogic::save`` (create, or update with ``id``); the equipment's id."""
        answer = as_mapping(await self.call("eqLogic::save", params))
        return as_int(answer.get("id"), "eqLogic::save id")

    async def event(self, event: Event) -> None:
        """One ``cmd::event``."""
        await self.call("cmd::event", event.params())

    async def send(self, batch: EventBatch, *, concurrency: int = 1) -> int:
        """Send a batch: its history (up to ``concurrency`` requests in flight), then its
        current values one by one, last. Stops at the first failure; returns the count sent.

        With requests in flight, a command's history may land out of order, and the last one
        to land becomes its value: the newest row of each command without a current value is
        sent once more at the end. Resending is safe: Jeedom replaces a history row of the
        same command and datetime.
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        sent = await self._pump(batch.history, concurrency)
        tail: list[Event] = []
        if concurrency > 1:
            newest: dict[int, Event] = {}
            for event in batch.history:
                known = newest.get(event.cmd_id)
                if known is None or (event.datetime or "") >= (known.datetime or ""):
                    newest[event.cmd_id] = event
            current = {event.cmd_id for event in batch.current}
            tail = [e for cmd_id, e in newest.items() if cmd_id not in current]
        for event in (*tail, *batch.current):
            await self.event(event)
            sent += 1
        return sent

    async def _pump(self, events: Sequence[Event], concurrency: int) -> int:
        if concurrency == 1 or len(events) < 2:
            for event in events:
                await self.event(event)
            return len(events)
        queue = iter(events)
        counts = [0]

        async def worker() -> None:
            # One iterator shared by every worker: each next() hands out the oldest event left.
            for event in queue:
                await self.event(event)
                counts[0] += 1

        tasks = [asyncio.create_task(worker()) for _ in range(min(concurrency, len(events)))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return counts[0]

    async def history(
        self, cmd_id: int, start: str | None = None, end: str | None = None
    ) -> list[HistoryRow]:
        """Rows of a command's history (both of Jeedom's tables), oldest first; ``start`` and
        ``end`` are inclusive wall times in Jeedom's time zone."""
        params: dict[str, Any] = {"id": cmd_id}
        if start is not None:
            params["startTime"] = start
        if end is not None:
            params["endTime"] = end
        answer = await self.call("cmd::getHistory", params)
        return [HistoryRow.from_api(item) for item in as_list(answer, "cmd::getHistory")]


@dataclass(frozen=True, slots=True)
class Probe:
    """What a connection test learnt: Jeedom's version and the time zone its dates are in."""

    version: str
    timezone: ZoneInfo
    timezone_from_jeedom: bool
    object: JeedomObject | None = None


async def probe(client: JeedomClient, *, timezone: str = "", object_id: int | None = None) -> Probe:
    """Prove reachability (``ping``, which needs no key) then the key with Jeedom's own
    answers (``version``, then ``config::byKey timezone`` unless ``timezone`` is given), and
    that ``object_id`` exists. Raises like :meth:`JeedomClient.call`."""
    await client.ping()
    version = await client.version()
    if timezone:
        zone, from_jeedom = ZoneInfo(timezone), False
    else:
        zone, from_jeedom = await client.timezone(), True
    found = await client.object(object_id) if object_id is not None else None
    return Probe(version, zone, from_jeedom, found)
