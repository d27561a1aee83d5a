"""An async client for Domoticz's JSON API (``/json.htm?type=command&param=...``): typed
commands over one keep-alive connection, the three login modes, IAM token renewal. What the
server does (verified from its source and a running 2025.1) is in :mod:`.protocol`.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx

from myelectricaldata.exporters.domoticz.devices import (
    DEVICE_TYPES,
    HTYPE_DUMMY,
    DeviceKind,
)
from myelectricaldata.exporters.domoticz.mapping import DeviceUpdate
from myelectricaldata.exporters.domoticz.protocol import (
    CONNECT_TIMEOUT_S,
    MIN_VERSION,
    RIGHTS_ADMIN,
    RIGHTS_NAMES,
    TOKEN_MARGIN_S,
    TOKEN_PATH,
    USER_AGENT,
    ConnectionReport,
    DeviceInfo,
    DomoticzAuth,
    DomoticzAuthError,
    DomoticzRefused,
    DomoticzUnavailable,
    DomoticzVersion,
    HardwareInfo,
    options_param,
    refusal_hint,
    rights_hint,
)
from myelectricaldata.support.retry import parse_retry_after


def _tls(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx's ``verify`` from a flag or the path of a PEM file to trust."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


class DomoticzClient:
    """One Domoticz server: typed commands over one ``httpx.AsyncClient`` (keep-alive)."""

    def __init__(
        self,
        url: str,
        auth: DomoticzAuth,
        *,
        timeout_s: float = 30.0,
        verify: bool | str = True,
        min_interval_s: float = 0.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self._sleep = sleep
        self.auth = auth
        self._redact = auth.redactor()
        self._min_interval_s = min_interval_s
        self._last_request = 0.0
        self._token: str | None = auth.token if auth.mode == "bearer" else None
        self._token_expires = float("inf")
        self._token_lock = asyncio.Lock()
        self._http = httpx.AsyncClient(
            base_url=self.url + "/",
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
            verify=_tls(verify) if self.url.startswith("https:") else False,
            auth=httpx.BasicAuth(auth.username, auth.password) if auth.mode == "basic" else None,
            transport=transport,
        )

    async def __aenter__(self) -> DomoticzClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    def redact(self, text: str) -> str:
        """``text`` with this client's secrets masked."""
        return self._redact(text)

    @property
    def min_interval_s(self) -> float:
        """Seconds kept between two requests (0: none)."""
        return self._min_interval_s

    # -- the one request path --------------------------------------------------------------

    async def command(self, param: str, /, **params: str | int) -> dict[str, Any]:
        """Run ``json.htm?type=command&param=<param>&...`` and return its JSON answer, which
        has ``status: OK``; any other outcome raises (see the module's notes)."""
        query = {"type": "command", "param": param, **{k: str(v) for k, v in params.items()}}
        response = await self._get(param, query)
        if response.status_code == 401 and self.auth.mode == "oauth2":
            # An expired or revoked token: fetch a new one, once.
            self._token = None
            response = await self._get(param, query)
        return self._read(param, query, response)

    async def _get(self, param: str, query: Mapping[str, str]) -> httpx.Response:
        headers = {}
        if self.auth.mode in ("bearer", "oauth2"):
            headers["Authorization"] = f"Bearer {await self._bearer()}"
        await self._pace()
        return await self._send("GET", "json.htm", param, params=query, headers=headers)

    async def _send(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise DomoticzUnavailable(
                self._redact(
                    f"Domoticz at {self.url} did not answer {what} in time: check that it runs, "
                    "or raise timeout_seconds"
                )
            ) from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                # Domoticz ships a self-signed certificate: trying again will not help.
                raise DomoticzRefused(
                    self._redact(
                        f"Domoticz at {self.url} has a certificate this machine does not trust "
                        f"({exc}): set ca_file to the CA that signed it, or turn verify_tls "
                        "off (the server_cert.pem Domoticz ships is made out to domoticz.com)"
                    ),
                    command=what,
                ) from None
            raise DomoticzUnavailable(
                self._redact(
                    f"cannot reach Domoticz at {self.url} for {what} ({type(exc).__name__}: "
                    f"{exc}): check url and that Domoticz runs"
                )
            ) from None
        except httpx.HTTPError as exc:
            raise DomoticzUnavailable(
                self._redact(
                    f"cannot reach Domoticz at {self.url} for {what} ({type(exc).__name__}: "
                    f"{exc}): check url and that Domoticz runs"
                )
            ) from None

    async def _pace(self) -> None:
        """Keep ``min_interval_s`` between two requests (a Raspberry Pi's SD card thanks you)."""
        if self._min_interval_s <= 0:
            return
        wait = self._last_request + self._min_interval_s - time.monotonic()
        if wait > 0:
            await self._sleep(wait)
        self._last_request = time.monotonic()

    def _read(
        self, param: str, query: Mapping[str, str], response: httpx.Response
    ) -> dict[str, Any]:
        status = response.status_code
        if status == 401:
            raise DomoticzAuthError(self._redact(self._auth_hint()), command=param, status=401)
        if status == 403:
            raise DomoticzAuthError(
                f"Domoticz refused {param} to this user (403 Forbidden): "
                f"{rights_hint(param, query)}",
                command=param,
                status=403,
            )
        if status in (408, 429) or status >= 500:
            raise DomoticzUnavailable(
                f"Domoticz at {self.url} answered {status} to {param}: try again later",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status == 404:
            raise DomoticzRefused(
                f"no Domoticz JSON API at {self.url}/json.htm (404): check url (with the path "
                "prefix when Domoticz is behind a reverse proxy); Domoticz 2023.2 or later "
                "is needed",
                command=param,
                status=404,
            )
        if status != 200:
            raise DomoticzRefused(
                f"Domoticz answered {status} to {param}: {self._excerpt(response)}",
                command=param,
                status=status,
            )
        if not response.content.strip():
            raise DomoticzRefused(
                f"Domoticz answered {param} with an empty body (its handler failed on our "
                f"parameters {self._shown(query)}): check them against your Domoticz version",
                command=param,
                status=200,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "status" not in body:
            raise DomoticzRefused(
                f"{self.url} answered {param} with something that is not Domoticz JSON "
                f"({self._excerpt(response)}): check url (a proxy login page?)",
                command=param,
                status=200,
            )
        if body["status"] == "OK":
            return body
        if body["status"] == "ERROR":
            raise DomoticzRefused(
                f"Domoticz does not know the command {param} (status ERROR): it needs "
                f"Domoticz {MIN_VERSION[0]}.{MIN_VERSION[1]} or later",
                command=param,
                status=200,
            )
        raise DomoticzRefused(self._redact(refusal_hint(param, query)), command=param, status=200)

    def _excerpt(self, response: httpx.Response) -> str:
        return self._redact(response.text.strip().replace("\n", " ")[:200])

    def _shown(self, query: Mapping[str, str]) -> str:
        shown = {k: v for k, v in query.items() if k not in ("type", "param")}
        return self._redact(str(shown))

    def _auth_hint(self) -> str:
        base = f"Domoticz at {self.url} refused the login (401 Unauthorized): "
        if self.auth.mode == "basic":
            if self.url.startswith("http:"):
                return base + (
                    "check username and password; over plain http Domoticz also refuses right "
                    "credentials unless Setup > Settings > Security > 'Allow Basic-Auth "
                    "authentication over plain HTTP' is on: turn it on, use https, or use "
                    "auth mode oauth2 or trusted"
                )
            return base + "check username and password (Setup > Users)"
        if self.auth.mode == "trusted":
            return base + (
                "this machine is not in Domoticz's Trusted Networks (Setup > Settings > "
                "Security): add its address, or set username and password"
            )
        if self.auth.mode == "bearer":
            return base + (
                "the token is not valid (expired? Domoticz tokens last one hour by default): "
                "use auth mode oauth2 so that tokens are renewed"
            )
        return base + "the token Domoticz issued was refused: check the user's rights"

    # -- IAM tokens ------------------------------------------------------------------------

    async def _bearer(self) -> str:
        if self.auth.mode == "bearer":
            return self.auth.token
        async with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                self._token, lifetime = await self._fetch_token()
                self._token_expires = time.monotonic() + max(lifetime - TOKEN_MARGIN_S, 0.0)
                self._redact.add(self._token)
            return self._token

    async def _fetch_token(self) -> tuple[str, float]:
        response = await self._send(
            "POST",
            TOKEN_PATH,
            "a token request",
            data={"grant_type": "password", "client_id": self.auth.client_id},
            auth=httpx.BasicAuth(self.auth.username, self.auth.password),
        )
        status = response.status_code
        if status in (408, 429) or status >= 500:
            raise DomoticzUnavailable(
                f"Domoticz at {self.url} answered {status} to a token request: try again later",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if status == 200 and isinstance(body, dict) and isinstance(body.get("access_token"), str):
            lifetime = body.get("expires_in")
            return body["access_token"], float(lifetime) if isinstance(lifetime, int) else 3600.0
        if status == 404:
            raise DomoticzRefused(
                f"Domoticz at {self.url} has no token endpoint /{TOKEN_PATH} (404): its IAM "
                "is off or too old; use auth mode basic or trusted",
                command="oauth2 token",
                status=404,
            )
        error = body.get("error") if isinstance(body, dict) else None
        raise DomoticzAuthError(
            self._redact(
                f"Domoticz refused a token for user {self.auth.username!r} and application "
                f"{self.auth.client_id!r} ({status} {error or self._excerpt(response)}): check "
                "username and password, and that client_id names an application of Setup > "
                "More Options > Applications"
            ),
            command="oauth2 token",
            status=status,
        )

    # -- commands --------------------------------------------------------------------------

    async def version(self) -> DomoticzVersion:
        """``getversion`` (no login needed): the version when logged in or trusted."""
        body = await self.command("getversion")
        version = body.get("version")
        revision = body.get("Revision")
        return DomoticzVersion(
            version if isinstance(version, str) else None,
            revision if isinstance(revision, int) else None,
        )

    async def probe(self, *, need_admin: bool) -> ConnectionReport:
        """Prove reachability and credentials with Domoticz's own answers: ``getversion`` (no
        login needed: it is Domoticz and it answers), ``gethardware`` (a login is needed: 401
        here is the verdict on the credentials), then ``getauth`` for the user's rights.
        Raises when the version is older than :data:`MIN_VERSION` or when ``need_admin`` and
        the user is not an admin."""
        version = await self.version()
        await self.hardware()
        who = await self.rights()
        if who is None or version.text is None:
            raise DomoticzAuthError(
                f"Domoticz at {self.url} accepted the call but says nobody is logged in: "
                "check the auth mode",
                command="getauth",
                status=200,
            )
        number = version.number
        if number is not None and number < MIN_VERSION:
            raise DomoticzRefused(
                f"Domoticz {version.text} is too old: this exporter needs "
                f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or later (type=command API)",
                command="getversion",
                status=200,
            )
        user, rights = who
        if need_admin and rights != RIGHTS_ADMIN:
            raise DomoticzAuthError(
                f"user {user!r} has {RIGHTS_NAMES.get(rights, str(rights))} rights: creating "
                "the devices needs an Admin; give the user Admin rights (Setup > Users) or turn "
                "provisioning off and map your own devices",
                command="getauth",
                status=200,
            )
        return ConnectionReport(version.text, user, rights)

    async def rights(self) -> tuple[str, int] | None:
        """``getauth``: the user and its rights (0 viewer, 1 user, 2 admin) when logged in."""
        body = await self.command("getauth")
        user, rights = body.get("user"), body.get("rights")
        if isinstance(user, str) and isinstance(rights, int):
            return user, rights
        return None

    async def hardware(self) -> list[HardwareInfo]:
        """``gethardware`` (needs a login)."""
        body = await self.command("gethardware")
        return [
            HardwareInfo(int(h["idx"]), str(h["Name"]), int(h["Type"]), h["Enabled"] == "true")
            for h in body.get("result", [])
        ]

    async def add_dummy_hardware(self, name: str) -> int:
        """``addhardware`` of a Dummy named ``name`` (admin); returns its idx."""
        body = await self.command(
            "addhardware", htype=HTYPE_DUMMY, name=name, enabled="true", datatimeout=0
        )
        return self._idx_of(body, "addhardware")

    async def devices(self, hardware_idx: int | None = None) -> list[DeviceInfo]:
        """``getdevices`` of every device (hidden and on disabled hardware included), or of one
        hardware's devices. No ``filter``: ``filter=all`` would list scenes too."""
        params: dict[str, str | int] = {
            "used": "all",
            "displayhidden": 1,
            "displaydisabled": 1,
        }
        if hardware_idx is not None:
            params["hwidx"] = hardware_idx
        body = await self.command("getdevices", **params)
        return [self._device_of(d) for d in body.get("result", [])]

    async def device(self, idx: int) -> DeviceInfo | None:
        """``getdevices&rid=<idx>``: one device, None when there is no such idx."""
        body = await self.command("getdevices", rid=idx, displayhidden=1, displaydisabled=1)
        found = [self._device_of(d) for d in body.get("result", [])]
        return found[0] if found else None

    async def create_device(
        self, hardware_idx: int, name: str, kind: DeviceKind, axis_label: str = ""
    ) -> int:
        """``createdevice`` of a ``kind`` device (admin); returns its idx. A Custom sensor gets
        ``sensoroptions=1;<axis_label>`` (Domoticz creates none without options)."""
        params: dict[str, str | int] = {
            "idx": hardware_idx,
            "sensorname": name,
            "sensormappedtype": DEVICE_TYPES[kind].mapped_type,
        }
        if kind is DeviceKind.CUSTOM:
            params["sensoroptions"] = f"1;{axis_label}"
        body = await self.command("createdevice", **params)
        return self._idx_of(body, "createdevice")

    async def set_used(
        self,
        idx: int,
        *,
        name: str,
        description: str,
        options: Sequence[tuple[str, str]] = (),
    ) -> None:
        """``setused`` (admin): keep the device used, set its name and description and, when
        given, replace its options. Domoticz only saves the description along with a name."""
        params: dict[str, str | int] = {
            "idx": idx,
            "used": "true",
            "name": name,
            "description": description,
        }
        if options:
            params["options"] = options_param(options)
        await self.command("setused", **params)

    async def update(self, update: DeviceUpdate, *, parse_trigger: bool = True) -> None:
        """``udevice``: one value (current or dated). ``parse_trigger`` False keeps Domoticz's
        event scripts quiet."""
        params: dict[str, str | int] = {
            "idx": update.idx,
            "nvalue": update.nvalue,
            "svalue": update.svalue,
        }
        if not parse_trigger:
            params["parsetrigger"] = "false"
        await self.command("udevice", **params)

    async def update_all(
        self, updates: Iterable[DeviceUpdate], *, parse_trigger: bool = True
    ) -> int:
        """Send updates one by one, in order (Domoticz has no batch); returns how many. The
        first failure propagates: what was sent before it stays written."""
        sent = 0
        for update in updates:
            await self.update(update, parse_trigger=parse_trigger)
            sent += 1
        return sent

    # -- answers ---------------------------------------------------------------------------

    @staticmethod
    def _idx_of(body: Mapping[str, Any], command: str) -> int:
        try:
            return int(body["idx"])
        except (KeyError, TypeError, ValueError):
            raise DomoticzRefused(
                f"Domoticz answered {command} without an idx: it is too old (needs "
                f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or later)",
                command=command,
                status=200,
            ) from None

    @staticmethod
    def _device_of(entry: Mapping[str, Any]) -> DeviceInfo:
        return DeviceInfo(
            idx=int(entry["idx"]),
            name=str(entry.get("Name", "")),
            description=str(entry.get("Description", "")),
            hardware_idx=int(entry.get("HardwareID", 0)),
            type_name=str(entry.get("Type", "")),
            subtype_name=str(entry.get("SubType", "")),
            data=str(entry.get("Data", "")),
            used=bool(entry.get("Used", 1)),
        )
