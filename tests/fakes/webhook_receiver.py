"""A strict Standard Webhooks receiver served over real HTTP on loopback, for the webhook tests.

It runs a Starlette app under uvicorn in a background thread on 127.0.0.1 and checks every
delivery the way a careful receiver does (Standard Webhooks 1.0):

- ``Content-Type: application/json``, else 415;
- ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` present, else 400;
- the timestamp is Unix seconds within ``tolerance`` (300 s) of now, else 400;
- ``webhook-signature`` holds space-separated ``v1,<base64>`` entries; one of them must equal
  base64(HMAC-SHA256(key, "{id}.{timestamp}.{raw body}")) with the key = base64-decoded secret
  after ``whsec_`` (compared in constant time), else 401;
- the body is a JSON object whose ``id`` equals ``webhook-id``, else 400.

Accepted events are kept by id (a redelivery of a known id is answered 200 and counted as a
duplicate, as a deduplicating receiver does); every request, accepted or not, is recorded.
:meth:`fail_next` and :meth:`slow_next` script trouble for the next requests, :meth:`echo_next`
a refusal that quotes the request's headers back (as debugging endpoints and some proxies do);
:meth:`stop` and :meth:`start` take it down and up again on the same port.

Run alone (``python -m tests.fakes.webhook_receiver --port N --secret whsec_...``) it serves
until killed and answers ``GET /_stats`` with counts, which the benchmark uses.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import LoopbackServer

TOLERANCE = 300


def new_secret() -> str:
    """A fresh ``whsec_`` secret with a 32-byte key."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret."""
    if not secret.startswith("whsec_"):
        raise ValueError("a Standard Webhooks secret starts with whsec_")
    return base64.b64decode(secret[len("whsec_") :], validate=True)


class Rejected(Exception):
    """A delivery that fails verification, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def verify(
    keys: list[bytes],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE,
) -> str:
    """Check a delivery per Standard Webhooks; returns its id or raises :class:`Rejected`."""
    ident = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not ident or not stamp or not signature:
        raise Rejected(400, "missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise Rejected(400, "webhook-timestamp is not an integer") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise Rejected(400, f"webhook-timestamp is more than {tolerance} s away from now")
    signed = f"{ident}.{timestamp}.".encode() + body
    expected = [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()) for key in keys]
    for entry in signature.split(" "):
        version, _, value = entry.partition(",")
        if version != "v1" or not value:
            continue
        try:
            given = base64.b64encode(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
        # Every expected key is compared, in constant time, whatever matched before.
        if any(hmac.compare_digest(given, want) for want in expected):
            return ident
    raise Rejected(401, "no valid v1 signature")


@dataclass
class ReceivedRequest:
    """One request as it arrived, and what the receiver answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    reason: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def event_id(self) -> str | None:
        """The ``webhook-id`` header."""
        return self.headers.get("webhook-id")


@dataclass
class _Fault:
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    body: str = ""
    echo: tuple[str, ...] = ()


class WebhookReceiver:
    """A verifying webhook receiver on ``127.0.0.1``; see the module docstring."""

    def __init__(
        self,
        secret: str | None = None,
        *,
        path: str = "/hooks/linky",
        methods: tuple[str, ...] = ("POST", "PUT"),
        tolerance: int = TOLERANCE,
        keep_bodies: bool = True,
        port: int = 0,
    ) -> None:
        self.secret = secret or new_secret()
        self.keys = [secret_key(self.secret)]
        self.path = path
        self.methods = methods
        self.tolerance = tolerance
        self.keep_bodies = keep_bodies
        self.port = port
        self._lock = threading.Lock()
        self._http = LoopbackServer("webhook-receiver")
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where to deliver."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def app(self) -> Starlette:
        """The ASGI app (also served by :func:`main`)."""
        return Starlette(
            routes=[
                Route("/_stats", self._stats, methods=["GET"]),
                Route("/{rest:path}", self._handle, methods=["GET", "POST", "PUT", "PATCH"]),
            ]
        )

    def start(self) -> WebhookReceiver:
        """Serve (again, on the same port once one was taken); returns once accepting."""
        self.port = self._http.start(self.app(), self.port)
        return self

    def stop(self) -> None:
        """Stop serving (connections are refused until :meth:`start`); the port is kept."""
        self._http.stop()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every request, event and pending fault."""
        with self._lock:
            self.requests: list[ReceivedRequest] = []
            self.events: dict[str, dict[str, Any]] = {}
            self.accepted: list[str] = []
            self.duplicates = 0
            self.points_received = 0
            self._faults: list[_Fault] = []

    def fail_next(
        self, count: int, status: int, *, retry_after: str | None = None, body: str = ""
    ) -> None:
        """Answer the next ``count`` requests with ``status`` (and a ``Retry-After``)."""
        with self._lock:
            self._faults.extend(
                _Fault(status, retry_after, body=body or f"scripted {status}") for _ in range(count)
            )

    def echo_next(self, count: int, status: int, headers: tuple[str, ...]) -> None:
        """Refuse the next ``count`` requests with ``status`` and a body quoting the values of
        ``headers`` (and the Basic credential decoded, as a server naming the login it refused
        does)."""
        with self._lock:
            self._faults.extend(_Fault(status, echo=headers) for _ in range(count))

    def slow_next(self, count: int, seconds: float) -> None:
        """Wait ``seconds`` before handling each of the next ``count`` requests."""
        with self._lock:
            self._faults.extend(_Fault(delay=seconds) for _ in range(count))

    def ids(self) -> list[str | None]:
        """``webhook-id`` of every request, in arrival order."""
        with self._lock:
            return [r.event_id for r in self.requests]

    def points(
        self, kind: str, pdl: str | None = None, granularity: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Points of the accepted events of a series, by ``start`` (a later event wins)."""
        merged: dict[str, dict[str, Any]] = {}
        with self._lock:
            events = [self.events[i] for i in self.accepted if i in self.events]
        for event in events:
            if event["type"] != kind:
                continue
            if pdl is not None and event["pdl"] != pdl:
                continue
            if granularity is not None and event["granularity"] != granularity:
                continue
            for point in event["points"]:
                merged[point["start"]] = point
        return merged

    # -- HTTP ------------------------------------------------------------------------------

    async def _stats(self, request: Request) -> Response:
        with self._lock:
            return JSONResponse(
                {
                    "requests": len(self.requests),
                    "events": len(self.events),
                    "duplicates": self.duplicates,
                    "points": self.points_received,
                }
            )

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.echo:
            return self._answer(request, headers, body, fault.status or 400, _echo(headers, fault))
        if fault is not None and fault.status is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return self._answer(request, headers, body, fault.status, fault.body, extra)
        if request.url.path != self.path:
            return self._answer(request, headers, body, 404, "no such hook")
        if request.method not in self.methods:
            return self._answer(request, headers, body, 405, "method not allowed")
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return self._answer(request, headers, body, 415, "expected application/json")
        try:
            ident = verify(self.keys, headers, body, tolerance=self.tolerance)
            event = json.loads(body)
            if not isinstance(event, dict) or event.get("id") != ident:
                raise Rejected(400, "the body's id is not the webhook-id header")
        except Rejected as exc:
            return self._answer(request, headers, body, exc.status, exc.reason)
        except ValueError:
            return self._answer(request, headers, body, 400, "the body is not JSON")
        with self._lock:
            if ident in self.events:
                self.duplicates += 1
            else:
                self.events[ident] = event
                self.accepted.append(ident)
                self.points_received += len(event.get("points") or ())
        return self._answer(request, headers, body, 204, "")

    def _answer(
        self,
        request: Request,
        headers: dict[str, str],
        body: bytes,
        status: int,
        reason: str,
        extra: dict[str, str] | None = None,
    ) -> Response:
        kept = body if self.keep_bodies else b""
        with self._lock:
            self.requests.append(
                ReceivedRequest(request.method, request.url.path, headers, kept, status, reason)
            )
        return Response(reason or None, status_code=status, headers=extra or {})


def _echo(headers: Mapping[str, str], fault: _Fault) -> str:
    """A refusal quoting the request's ``fault.echo`` headers and its decoded Basic login."""
    quoted = [f"{name}: {headers.get(name, '')}" for name in fault.echo]
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        login = base64.b64decode(credential).decode()
        quoted.append(f"refused login {login}")
    return "; ".join(quoted)


_shared: WebhookReceiver | None = None


def shared_receiver() -> WebhookReceiver:
    """One receiver per test process, started on first use and reset on every call."""
    global _shared
    if _shared is None:
        _shared = WebhookReceiver().start()
        atexit.register(_shared.stop)
    _shared.start()
    _shared.reset()
    return _shared


def main() -> None:
    """Serve a receiver in the foreground (for benchmarks): bodies are verified, not kept."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    receiver = WebhookReceiver(args.secret, port=args.port, keep_bodies=False).start()
    print(f"ready {receiver.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
