"""A small client of Home Assistant's WebSocket API (``/api/websocket``) on ``websockets``.

The handshake (``auth_required`` -> ``auth`` -> ``auth_ok``/``auth_invalid``) gives the server's
version; afterwards every command carries an increasing ``id`` and is answered by a ``result``
with the same id. :meth:`HomeAssistantWebSocket.pipeline` keeps a window of commands in flight
(replies are matched by id, so the round trips overlap) and fails as soon as one is refused.
Messages are sent as pre-encoded JSON text so that a caller can size them in bytes before they
are sent (Home Assistant closes the connection on a message over 4 MiB). The token is never put
in a message or an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
from collections.abc import Callable, Iterable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

from myelectricaldata.support.redaction import redact

#: Largest message Home Assistant reads (aiohttp's default ``max_msg_size``).
HA_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
#: Largest answer we read (a big install lists thousands of statistic ids).
MAX_INCOMING_BYTES = 64 * 1024 * 1024
_VERSION = re.compile(r"^(\d{4})\.(\d{1,2})")

#: Builds the JSON text of a command from its id.
MessageBuilder = Callable[[int], str]


class HomeAssistantError(Exception):
    """Home Assistant could not be reached, refused us, or refused a command."""


class HomeAssistantAuthError(HomeAssistantError):
    """The token was refused (or lacks the rights a command needs): fix ``token``."""


class HomeAssistantCommandError(HomeAssistantError):
    """A command was answered with ``success: false``."""

    def __init__(self, command: str, code: str, message: str) -> None:
        self.command = command
        self.code = code
        self.message = message
        super().__init__(f"{command} refused by Home Assistant ({code}): {message}")


class HomeAssistantConnectionLost(HomeAssistantError):
    """The connection closed before every reply came back."""


def websocket_url(url: str) -> str:
    """``ws[s]://host:port/api/websocket`` of a Home Assistant base URL ``http[s]://host:port``."""
    base = url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + "/api/websocket"
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :] + "/api/websocket"
    raise HomeAssistantError(f"url must start with http:// or https:// (got {url!r})")


def parse_version(version: str | None) -> tuple[int, int] | None:
    """``(year, month)`` of a release such as ``2025.4.4``, ``2025.11.0b3`` or ``2026.1.0.dev0``."""
    match = _VERSION.match(version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


class HomeAssistantWebSocket:
    """One authenticated WebSocket connection to Home Assistant."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        verify_tls: bool = True,
    ) -> None:
        self.url = websocket_url(url)
        self._token = token
        self.timeout = timeout
        self.verify_tls = verify_tls
        #: Version announced in ``auth_required`` (e.g. ``2025.4.4``).
        self.ha_version: str = ""
        #: Commands sent on this connection (the benchmark counts them).
        self.messages_sent = 0
        self.bytes_sent = 0
        self._ws: ClientConnection | None = None
        self._next_id = 1
        self._waiting: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._closed_reason: str | None = None

    @property
    def version(self) -> tuple[int, int] | None:
        """``(year, month)`` of the connected release, ``None`` when unknown."""
        return parse_version(self.ha_version)

    @property
    def connected(self) -> bool:
        """True while the connection is open and has not been lost."""
        return self._ws is not None and self._closed_reason is None

    async def connect(self) -> None:
        """Open the connection and authenticate; raises with what to fix."""
        ssl_context: ssl.SSLContext | None = None
        if self.url.startswith("wss://"):
            ssl_context = ssl.create_default_context()
            if not self.verify_tls:
                ssl_context.check_hostname = False
                ssl_context.verify_mode = ssl.CERT_NONE
        where = self.url
        try:
            self._ws = await connect(
                self.url,
                open_timeout=self.timeout,
                max_size=MAX_INCOMING_BYTES,
                compression=None,  # JSON of statistics is sent once; deflate costs more CPU
                ping_interval=20,
                ping_timeout=self.timeout,
                close_timeout=2,
                ssl=ssl_context,
            )
        except InvalidStatus as exc:
            raise HomeAssistantError(
                f"{where} answered HTTP {exc.response.status_code} instead of a WebSocket: "
                "check url (the Home Assistant address, e.g. http://homeassistant.local:8123)"
            ) from None
        except InvalidURI:
            raise HomeAssistantError(f"url: {where} is not a valid address") from None
        except ssl.SSLError as exc:
            raise HomeAssistantError(
                f"TLS with {where} failed ({exc.reason or exc}): check url, or set verify_tls "
                "to false for a self-signed certificate"
            ) from None
        except (OSError, TimeoutError) as exc:
            text = str(exc) or type(exc).__name__
            raise HomeAssistantError(
                f"cannot connect to {where} ({text}): check url and that Home Assistant runs"
            ) from None
        try:
            await self._authenticate()
        except BaseException:
            await self.close()
            raise
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _recv_json(self) -> Any:
        assert self._ws is not None
        try:
            async with asyncio.timeout(self.timeout):
                raw = await self._ws.recv()
        except TimeoutError:
            raise HomeAssistantError(
                f"{self.url}: no answer within {self.timeout:g} s during the handshake"
            ) from None
        except ConnectionClosed as exc:
            raise HomeAssistantConnectionLost(
                f"{self.url} closed the connection during the handshake ({exc})"
            ) from None
        return json.loads(raw)

    async def _authenticate(self) -> None:
        assert self._ws is not None
        hello = await self._recv_json()
        if not isinstance(hello, dict) or hello.get("type") != "auth_required":
            raise HomeAssistantError(
                f"{self.url} did not start the Home Assistant handshake (got {str(hello)[:80]}): "
                "check url"
            )
        self.ha_version = str(hello.get("ha_version", ""))
        await self._ws.send(json.dumps({"type": "auth", "access_token": self._token}))
        answer = await self._recv_json()
        kind = answer.get("type") if isinstance(answer, dict) else None
        if kind == "auth_invalid":
            reason = redact(str(answer.get("message", "")), [self._token])
            raise HomeAssistantAuthError(
                f"token: Home Assistant {self.ha_version} refused the access token ({reason}); "
                "create a long-lived access token (your HA profile > Security) and save it in "
                "token"
            )
        if kind != "auth_ok":
            raise HomeAssistantError(f"unexpected answer to the authentication: {kind!r}")

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                decoded = json.loads(raw)
                # Home Assistant may coalesce several messages into one JSON array.
                for message in decoded if isinstance(decoded, list) else [decoded]:
                    self._dispatch(message)
            self._lost("Home Assistant closed the connection")
        except ConnectionClosed as exc:
            self._lost(f"connection closed ({exc})")
        except Exception as exc:  # a reader that dies must fail the waiters, not hang them
            self._lost(f"connection failed ({type(exc).__name__}: {exc})")

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict) or message.get("type") != "result":
            return  # events and pongs: nothing waits for them
        entry = self._waiting.pop(message.get("id", -1), None)
        if entry is None:
            return
        command, future = entry
        if future.done():
            return
        if message.get("success"):
            future.set_result(message.get("result"))
            return
        error = message.get("error") or {}
        code = str(error.get("code", "unknown_error"))
        text = redact(str(error.get("message", "")), [self._token])
        if code == "unauthorized":
            future.set_exception(
                HomeAssistantAuthError(
                    f"{command}: Home Assistant refused it (unauthorized): the token's user "
                    "must be an administrator; create the token as an admin user"
                )
            )
        else:
            future.set_exception(HomeAssistantCommandError(command, code, text))

    def _lost(self, reason: str) -> None:
        if self._closed_reason is None:
            self._closed_reason = reason
        for command, future in self._waiting.values():
            if not future.done():
                future.set_exception(
                    HomeAssistantConnectionLost(
                        f"{command}: {reason} before Home Assistant answered; the import is "
                        "idempotent and the next attempt sends it again"
                    )
                )
        self._waiting.clear()

    async def send(self, build: MessageBuilder, command: str) -> asyncio.Future[Any]:
        """Send one command built from its id; the future resolves with its result."""
        if self._ws is None or self._closed_reason is not None:
            raise HomeAssistantConnectionLost(
                f"{command}: not connected ({self._closed_reason or 'connection closed'})"
            )
        msg_id = self._next_id
        self._next_id += 1
        text = build(msg_id)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = (command, future)
        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            self._lost(f"connection closed ({exc})")
        self.messages_sent += 1
        self.bytes_sent += len(text)
        return future

    async def command(self, command: str, **fields: Any) -> Any:
        """Send one command and wait for its result."""
        body = json.dumps({"type": command, **fields}, separators=(",", ":"))[1:]
        future = await self.send(lambda i: f'{{"id":{i},{body}', command)
        try:
            async with asyncio.timeout(self.timeout):
                return await future
        except TimeoutError:
            raise HomeAssistantError(
                f"{command}: no answer from Home Assistant within {self.timeout:g} s"
            ) from None

    async def pipeline(
        self,
        builders: Iterable[tuple[str, MessageBuilder]],
        *,
        window: int = 4,
        on_done: Callable[[int], None] | None = None,
    ) -> int:
        """Send ``(command, builder)`` messages with up to ``window`` awaiting their result.

        Returns how many were accepted; raises on the first refusal (later ones are not sent)
        or when the connection is lost.
        """
        pending: set[asyncio.Future[Any]] = set()
        accepted = 0
        try:
            for command, build in builders:
                while len(pending) >= window:
                    accepted += await self._settle(pending, on_done)
                pending.add(await self.send(build, command))
            while pending:
                accepted += await self._settle(pending, on_done)
        finally:
            for future in pending:
                if not future.done():
                    future.cancel()
                elif not future.cancelled():
                    future.exception()  # retrieved: the first failure was already raised
        return accepted

    async def _settle(
        self, pending: set[asyncio.Future[Any]], on_done: Callable[[int], None] | None
    ) -> int:
        done, _ = await asyncio.wait(
            pending, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if not done:
            raise HomeAssistantError(
                f"no answer from Home Assistant within {self.timeout:g} s to an import: "
                "it may be busy (a large import is queued); try again later"
            )
        count = 0
        failure: BaseException | None = None
        for future in done:
            pending.discard(future)
            error = future.exception()
            if error is not None:
                failure = failure or error
            count += 1
        if failure is not None:
            raise failure
        if on_done is not None:
            on_done(count)
        return count

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        ws, self._ws = self._ws, None
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        self._lost("connection closed by the client")
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()


__all__ = [
    "HA_MAX_MESSAGE_BYTES",
    "HomeAssistantAuthError",
    "HomeAssistantCommandError",
    "HomeAssistantConnectionLost",
    "HomeAssistantError",
    "HomeAssistantWebSocket",
    "parse_version",
    "websocket_url",
]
