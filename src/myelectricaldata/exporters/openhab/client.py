"""Async client of openHAB's REST API: server info, persistence services, items, states, history.

One request per call, the token on each, every failure classified (retryable or what to
change) and every message redacted; what openHAB answers, which shapes every method, is in
:mod:`.model`.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx

from myelectricaldata.exporters.http import CONNECT_TIMEOUT_S, USER_AGENT, retryable_status
from myelectricaldata.exporters.openhab.model import (
    MODIFIABLE_EXAMPLES,
    VOLATILE_SERVICES,
    AuthScheme,
    HistoryPoint,
    ItemDefinition,
    ItemHistory,
    OpenHABAuthError,
    OpenHABError,
    OpenHABNotEditable,
    OpenHABNotFound,
    OpenHABRejected,
    PersistenceServiceInfo,
    PersistenceServiceUnusable,
    ProvisionReport,
    RemoteItem,
    ServerInfo,
    StateUpdate,
    StoredPoint,
    error_message,
    openhab_time,
    rest_base,
)
from myelectricaldata.support.redaction import Redactor
from myelectricaldata.support.retry import Retryable, parse_retry_after


class OpenHABClient:
    """One ``httpx.AsyncClient`` to one openHAB; use ``async with`` or call :meth:`aclose`.

    ``url`` is openHAB's address (``http://openhab:8080``, ``/rest`` optional); ``token`` an API
    token (empty: anonymous, which openHAB allows for reading and states only); ``concurrency``
    how many requests of a batch are in flight at once.
    """

    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        auth: AuthScheme = AuthScheme.BEARER,
        timeout_s: float = 30.0,
        verify_tls: bool = True,
        concurrency: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.url = rest_base(url)
        self.concurrency = concurrency
        self._redact = Redactor([token])
        headers = {"User-Agent": USER_AGENT}
        if token:
            if auth is AuthScheme.BEARER:
                headers["Authorization"] = f"Bearer {token}"
            elif auth is AuthScheme.BASIC:
                # The token as the user and no password: openHAB reads it as a token even when
                # Basic authentication is off.
                basic = base64.b64encode(f"{token}:".encode()).decode()
                self._redact.add(basic)
                headers["Authorization"] = f"Basic {basic}"
            else:
                headers["X-OPENHAB-TOKEN"] = token
        self._http = httpx.AsyncClient(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            verify=verify_tls and self.url.startswith("https:"),
            transport=transport,
        )

    async def __aenter__(self) -> OpenHABClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    def redact(self, text: str) -> str:
        """``text`` with the token (in every form it travels in) masked."""
        return self._redact(text)

    # -- transport -------------------------------------------------------------------------

    async def _send(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        """One request; the answer if it is a success, else the matching error."""
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise Retryable(
                self.redact(
                    f"openHAB at {self.url} did not answer {what} in time: check that it is "
                    "running, or raise timeout_seconds"
                )
            ) from None
        except httpx.HTTPError as exc:
            raise Retryable(
                self.redact(
                    f"cannot reach openHAB at {self.url} for {what} ({type(exc).__name__}: "
                    f"{exc}): check url and that openHAB is running"
                )
            ) from None
        if response.is_success:
            return response
        raise self._failure(response, what)

    def _failure(self, response: httpx.Response, what: str) -> Exception:
        """The error for a non-2xx answer: Retryable when a later attempt may succeed."""
        status = response.status_code
        said = error_message(response)
        if retryable_status(status):
            quoted = f": {said}" if said else ""
            return Retryable(
                self.redact(f"openHAB answered {status} to {what}{quoted}; try again later"),
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        error, message = self._refusal(status, said, what)
        return error(self.redact(message), status=status, server_message=said)

    def _refusal(self, status: int, said: str | None, what: str) -> tuple[type[OpenHABError], str]:
        """Which error a refusal is and what to tell the user, from openHAB's own words."""
        quoted = f": {said}" if said else ""
        refused = f"openHAB refused {what} ({status}{quoted})"
        if status == 401 and said == "Invalid credentials":
            return OpenHABAuthError, (
                "openHAB refused the API token (401 Invalid credentials): create a token in "
                "openHAB (your profile, API Tokens) and paste it in token"
            )
        if status == 401:
            return OpenHABAuthError, (
                f"openHAB needs an administrator's API token for {what} (401{quoted}): set token"
            )
        if status == 403:
            return OpenHABAuthError, (
                f"the API token's user is not an administrator, and {what} needs one "
                "(403 Access denied): create the token with an administrator account"
            )
        if said is not None and said.startswith("Persistence service not"):
            return PersistenceServiceUnusable, (
                f"{refused}: choose {MODIFIABLE_EXAMPLES} in persistence_service"
            )
        if status == 404 and said is None:
            return OpenHABNotFound, (
                f"openHAB answered 404 to {what} without its error message: check url "
                f"({self.url} must be openHAB's REST API)"
            )
        if status == 404 or (said is not None and said.startswith("Item not found")):
            return OpenHABNotFound, (
                f"{refused}: turn provision_items on, or create the item in openHAB"
            )
        if said is not None and said.startswith("State could not be parsed"):
            return OpenHABRejected, (
                f"{refused}: the item's type does not take this value; fix the item's type or "
                "let provision_items create it"
            )
        if status == 405:
            return OpenHABNotEditable, (
                f"{refused}: the item is defined in a file (.items); remove it there or change "
                "item_prefix"
            )
        return OpenHABRejected, refused

    async def _bounded(self, jobs: Sequence[Callable[[], Awaitable[None]]]) -> None:
        """Run ``jobs`` ``concurrency`` at a time; after the first failure no job starts and
        that failure is raised once the running ones end."""
        pending = iter(jobs)
        failures: list[Exception] = []

        async def worker() -> None:
            for job in pending:
                if failures:
                    return
                try:
                    await job()
                except Exception as exc:  # collected, raised below
                    failures.append(exc)
                    return

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(jobs)))))
        if failures:
            raise failures[0]

    # -- server ----------------------------------------------------------------------------

    async def server_info(self) -> ServerInfo:
        """``GET /rest/``: versions, time zone, locale (proves the URL and a token if set)."""
        response = await self._send("GET", "/", "GET /rest/")
        try:
            body = response.json()
            runtime = body.get("runtimeInfo") or {}
            return ServerInfo(
                api_version=str(body["version"]),
                runtime_version=str(runtime.get("version", "")),
                timezone=str(body.get("timezone", "")),
                locale=str(body.get("locale", "")),
                measurement_system=str(body.get("measurementSystem", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise OpenHABNotFound(
                self.redact(
                    f"{self.url}/ did not answer like openHAB's REST API: check url "
                    "(openHAB's address, e.g. http://openhab:8080)"
                ),
                status=response.status_code,
            ) from None

    async def persistence_services(self) -> list[PersistenceServiceInfo]:
        """``GET /rest/persistence`` (administrator): the installed services and their kind."""
        response = await self._send("GET", "/persistence", "listing persistence services")
        try:
            return [
                PersistenceServiceInfo(
                    str(s["id"]), str(s.get("label", "")), str(s.get("type", ""))
                )
                for s in response.json()
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise OpenHABRejected(
                self.redact(f"{self.url}/persistence did not answer a list of services: check url")
            ) from None

    async def history_service(self, service_id: str) -> PersistenceServiceInfo:
        """The service history goes to, checked: installed, Modifiable, not volatile."""
        services = await self.persistence_services()
        installed = ", ".join(f"{s.id} ({s.kind})" for s in services) or "none"
        found = next((s for s in services if s.id == service_id), None)
        if found is None:
            raise PersistenceServiceUnusable(
                f"persistence service '{service_id}' is not installed in openHAB (installed: "
                f"{installed}): install a modifiable one ({MODIFIABLE_EXAMPLES}) and name it "
                "in persistence_service"
            )
        if not found.modifiable:
            raise PersistenceServiceUnusable(
                f"persistence service '{service_id}' cannot store past values: it is "
                f"{found.kind or 'of an unknown kind'}, not Modifiable (rrd4j and mapdb never "
                f"are); choose {MODIFIABLE_EXAMPLES} in persistence_service (installed: "
                f"{installed})"
            )
        if found.id in VOLATILE_SERVICES:
            raise PersistenceServiceUnusable(
                f"persistence service '{service_id}' keeps values in memory only (lost when "
                f"openHAB restarts, 512 per item): choose {MODIFIABLE_EXAMPLES} in "
                "persistence_service"
            )
        return found

    # -- items -----------------------------------------------------------------------------

    @staticmethod
    def _remote(dto: Mapping[str, Any]) -> RemoteItem:
        meta = dto.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        unit = (meta.get("unit") or {}).get("value")
        pattern = ((meta.get("stateDescription") or {}).get("config") or {}).get("pattern")
        return RemoteItem(
            name=str(dto["name"]),
            type=str(dto.get("type", "")),
            label=dto.get("label"),
            category=dto.get("category"),
            tags=frozenset(dto.get("tags") or ()),
            groups=frozenset(dto.get("groupNames") or ()),
            editable=bool(dto.get("editable", False)),
            unit=unit if isinstance(unit, str) else None,
            state=str(dto.get("state", "")),
            pattern=pattern if isinstance(pattern, str) else None,
        )

    async def items(self) -> dict[str, RemoteItem]:
        """Every item with its definition, state, editability, ``unit`` metadata and
        ``stateDescription`` pattern."""
        fields = "name,type,label,category,tags,groupNames,editable,metadata,state"
        response = await self._send(
            "GET",
            "/items",
            "listing items",
            params={"fields": fields, "metadata": "unit,stateDescription"},
        )
        try:
            return {str(dto["name"]): self._remote(dto) for dto in response.json()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise OpenHABRejected(
                self.redact(f"{self.url}/items did not answer a list of items: check url")
            ) from None

    async def item(self, name: str) -> RemoteItem | None:
        """One item, or None when openHAB has none by that name."""
        try:
            response = await self._send(
                "GET",
                f"/items/{name}",
                f"reading item {name}",
                params={"metadata": "unit,stateDescription"},
            )
        except OpenHABNotFound as exc:
            if exc.server_message is not None:  # openHAB's "Item X does not exist!"
                return None
            raise
        return self._remote(response.json())

    async def put_items(self, items: Sequence[ItemDefinition]) -> dict[str, str]:
        """Create or update ``items`` in one request; their status (created, updated) by name.
        An item openHAB cannot change (defined in a file) raises :class:`OpenHABNotEditable`."""
        if not items:
            return {}
        response = await self._send(
            "PUT", "/items", f"creating {len(items)} items", json=[i.dto() for i in items]
        )
        statuses: dict[str, str] = {}
        refused: list[str] = []
        for entry in response.json():
            name, status = str(entry.get("name")), str(entry.get("status"))
            statuses[name] = status
            if status == "error":
                refused.append(f"{name} ({entry.get('message') or 'refused'})")
        if refused:
            raise OpenHABNotEditable(
                self.redact(
                    f"openHAB could not create or update {', '.join(refused)}: an item defined "
                    "in a file (.items) cannot be changed through the API; remove it there or "
                    "change item_prefix"
                )
            )
        return statuses

    async def put_metadata(
        self, item: str, namespace: str, value: str, config: Mapping[str, Any] | None = None
    ) -> None:
        """Set one metadata entry of an item (``unit``, ``stateDescription``...)."""
        await self._send(
            "PUT",
            f"/items/{item}/metadata/{namespace}",
            f"setting the {namespace} metadata of {item}",
            json={"value": value, "config": dict(config or {})},
        )

    async def put_unit(self, item: str, unit: str) -> None:
        """Set an item's ``unit`` metadata (the unit its states and history are kept in)."""
        await self.put_metadata(item, "unit", unit)

    async def put_pattern(self, item: str, pattern: str) -> None:
        """Set the pattern an item shows its state with (``%.2f EUR``): its
        ``stateDescription`` metadata, as Main UI writes it (value " ")."""
        await self.put_metadata(item, "stateDescription", " ", {"pattern": pattern})

    async def provision(
        self,
        wanted: Sequence[ItemDefinition],
        existing: Mapping[str, RemoteItem] | None = None,
    ) -> ProvisionReport:
        """Make ``wanted`` exist as described, sending only what is missing or different.

        ``existing`` is openHAB's item listing when the caller already holds it (else it is
        read). An item defined in a file is used as it is when its type takes our values
        (:meth:`RemoteItem.takes`); otherwise it raises :class:`OpenHABNotEditable` (its states
        would be refused or dropped).
        """
        if existing is None:
            existing = await self.items()
        send: list[ItemDefinition] = []
        unchanged: list[str] = []
        clashes: list[str] = []
        for item in wanted:
            remote = existing.get(item.name)
            if remote is not None and (remote.matches(item) or not remote.editable):
                if not remote.takes(item):
                    clashes.append(f"{item.name} is {remote.type}, not {item.type}")
                unchanged.append(item.name)
            else:
                send.append(item)
        if clashes:
            raise OpenHABNotEditable(
                f"items defined in openHAB files have another type: {'; '.join(clashes)}: "
                "change them in the .items file or change item_prefix"
            )
        statuses = await self.put_items(send)
        units: list[str] = []
        patterns: list[str] = []
        for item in wanted:
            remote = existing.get(item.name)
            if item.unit is not None and (remote is None or remote.unit != item.unit):
                await self.put_unit(item.name, item.unit)
                units.append(item.name)
            # A display nicety: left alone on an item defined in a file.
            editable = remote is None or remote.editable
            if (
                item.pattern is not None
                and editable
                and (remote is None or remote.pattern != item.pattern)
            ):
                await self.put_pattern(item.name, item.pattern)
                patterns.append(item.name)
        return ProvisionReport(
            created=tuple(n for n, s in statuses.items() if s == "created"),
            updated=tuple(n for n, s in statuses.items() if s == "updated"),
            unchanged=tuple(unchanged),
            units_set=tuple(units),
            patterns_set=tuple(patterns),
        )

    # -- states ----------------------------------------------------------------------------

    async def update_state(self, update: StateUpdate) -> None:
        """``PUT /rest/items/{item}/state`` (text/plain). openHAB answers 202 before the item
        applies it: a unit the item cannot convert is dropped there, silently."""
        await self._send(
            "PUT",
            f"/items/{update.item}/state",
            f"updating the state of {update.item} to '{update.state}'",
            content=update.state.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    async def update_states(self, updates: Iterable[StateUpdate]) -> int:
        """Send every update (``concurrency`` at a time); how many were accepted."""
        jobs = [partial(self.update_state, u) for u in updates]
        await self._bounded(jobs)
        return len(jobs)

    # -- history ---------------------------------------------------------------------------

    async def store_point(self, service_id: str, point: HistoryPoint) -> None:
        """Persist one past state (administrator)."""
        await self._send(
            "PUT",
            f"/persistence/items/{point.item}",
            f"storing {point.item}={point.state} at {point.at.isoformat()} in {service_id}",
            params={"serviceId": service_id, "time": openhab_time(point.at), "state": point.state},
        )

    async def store_history(self, service_id: str, points: Iterable[HistoryPoint]) -> int:
        """Persist every point (``concurrency`` at a time); how many were stored."""
        jobs = [partial(self.store_point, service_id, p) for p in points]
        await self._bounded(jobs)
        return len(jobs)

    async def read_history(
        self, service_id: str, item: str, start: datetime, end: datetime
    ) -> ItemHistory:
        """Points of ``item`` between ``start`` and ``end`` (both included), oldest first."""
        response = await self._send(
            "GET",
            f"/persistence/items/{item}",
            f"reading the history of {item} in {service_id}",
            params={
                "serviceId": service_id,
                "starttime": openhab_time(start),
                "endtime": openhab_time(end),
            },
        )
        body = response.json()
        points = tuple(
            StoredPoint(datetime.fromtimestamp(int(p["time"]) / 1000, UTC), str(p["state"]))
            for p in body.get("data") or ()
        )
        unit = body.get("unit")
        return ItemHistory(unit if isinstance(unit, str) else None, points)

    async def delete_history(
        self, service_id: str, item: str, start: datetime, end: datetime
    ) -> None:
        """Remove the points of ``item`` between ``start`` and ``end`` (both included)."""
        await self._send(
            "DELETE",
            f"/persistence/items/{item}",
            f"deleting the history of {item} in {service_id}",
            params={
                "serviceId": service_id,
                "starttime": openhab_time(start),
                "endtime": openhab_time(end),
            },
        )


__all__ = ["OpenHABClient"]
