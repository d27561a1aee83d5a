"""Total input handling: bounded bodies, 4xx for any byte sequence, faults as clear answers.

* A body larger than ``MED_MAX_BODY_BYTES`` answers 413 before it is parsed (by its
  ``Content-Length``, or as soon as a streamed body passes the limit).
* A 422 never echoes more than a short excerpt of what was sent (a 10 MB body used to come back
  whole, and into the log).
* A database that is busy, damaged or unreachable answers 503 with one line saying what to do
  (``Retry-After`` when it is worth trying again); a damaged one also turns ``/api/health`` to
  ``degraded``.
* Anything else that escapes a route answers a plain 500 and is logged with a bounded traceback
  (no line longer than :data:`LOG_LINE_MAX`): a request body never reaches the log.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError

from myelectricaldata.store.health import DatabaseFault, DatabaseHealth, classify

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Characters of a rejected value quoted back in a 422.
INPUT_EXCERPT = 120
#: Longest line of a logged traceback.
LOG_LINE_MAX = 300
#: Seconds a client should wait before retrying after a busy-database 503.
BUSY_RETRY_AFTER = 5


class _BodyTooLarge(Exception):
    """Raised into the app once a streamed body passed the limit (the 413 is already sent)."""


def _json_bytes(status: int, detail: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    return headers, body


class BodyLimitMiddleware:
    """413 for request bodies over ``limit`` bytes, before the app parses them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _refusal(self) -> tuple[list[tuple[bytes, bytes]], bytes]:
        return _json_bytes(
            413,
            f"request body too large: at most {self.limit} bytes are accepted (MED_MAX_BODY_BYTES)",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key.lower() == b"content-length":
                try:
                    declared = int(bytes(value))
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.limit:
                    headers, body = self._refusal()
                    status = 413 if declared > self.limit else 400
                    if status == 400:
                        headers, body = _json_bytes(400, "invalid Content-Length")
                    await send(
                        {"type": "http.response.start", "status": status, "headers": headers}
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        received = 0
        responded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, responded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    if not responded and not started:
                        responded = True
                        headers, body = self._refusal()
                        await send(
                            {"type": "http.response.start", "status": 413, "headers": headers}
                        )
                        await send({"type": "http.response.body", "body": body})
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if responded:
                return  # the 413 went out; whatever the app says after it is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not responded:
                raise
        except Exception:
            if not responded:
                raise  # an ordinary error: the guard below answers it


def _bounded_traceback(exc: BaseException) -> str:
    lines = traceback.format_exception(exc)
    out = []
    for chunk in lines:
        for line in chunk.rstrip("\n").split("\n"):
            out.append(line if len(line) <= LOG_LINE_MAX else line[:LOG_LINE_MAX] + " [...]")
    return "\n".join(out[-60:])


class ErrorGuardMiddleware:
    """The last net: an exception a route let out is a plain 500 and a bounded log entry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error(
                "%s %s failed:\n%s",
                scope.get("method"),
                str(scope.get("path", ""))[:LOG_LINE_MAX],
                _bounded_traceback(exc),
            )
            if started:
                return
            headers, body = _json_bytes(
                500, "internal error: the service log says what failed (no request data in it)"
            )
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})


def _excerpt(value: Any) -> Any:
    """A rejected value as a 422 may quote it: short, and never raw bytes."""
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes, not shown>"
    if isinstance(value, str):
        return value if len(value) <= INPUT_EXCERPT else value[:INPUT_EXCERPT] + "[...]"
    if isinstance(value, int | float | bool) or value is None:
        return value
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) <= INPUT_EXCERPT:
        return value
    return f"<{type(value).__name__} of {len(text)} characters, not shown>"


async def validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 shape with every echoed input cut to an excerpt."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        error = dict(error)
        if "input" in error:
            error["input"] = _excerpt(error["input"])
        errors.append(error)
    return await request_validation_exception_handler(request, RequestValidationError(errors))


def database_error_handler(
    health: DatabaseHealth, url: str
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The handler of database errors: a clear 503, or the guard's 500 for other errors."""

    async def handle(request: Request, exc: Exception) -> Response:
        fault = exc if isinstance(exc, DatabaseFault) else classify(exc, url)
        if fault is None:
            raise exc
        health.record(fault)
        headers = {"retry-after": str(BUSY_RETRY_AFTER)} if fault.kind == "busy" else {}
        return JSONResponse({"detail": fault.message}, status_code=503, headers=headers)

    return handle


def install(app: FastAPI, *, max_body: int, health: DatabaseHealth, url: str) -> None:
    """Add the body limit, the error guard and the error handlers to ``app``."""
    app.add_exception_handler(RequestValidationError, validation_error)
    handler = database_error_handler(health, url)
    for kind in (DBAPIError, sqlite3.Error, DatabaseFault):
        app.add_exception_handler(kind, handler)
    app.add_middleware(BodyLimitMiddleware, limit=max_body)
    app.add_middleware(ErrorGuardMiddleware)
