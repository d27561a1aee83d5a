"""Access control: who may reach the service, and what a request needs.

Every request, on every address:

* its ``Host`` must be a loopback name (``localhost``, ``*.localhost``), an IP address, the
  bind name, or one of ``MED_ALLOWED_HOSTS``: a web page that re-points its own domain at this
  machine (DNS rebinding) is refused, 400;
* a write to the API (any method but GET/HEAD/OPTIONS under ``/api``) with a body must send it as
  JSON (415 otherwise), and, unless it carries the API token, must not come from another site:
  an ``Origin`` (or, without one, a ``Referer``) of another origin is refused, 403. Browsers
  always send ``Origin`` with such requests; programs (curl, Home Assistant) send none.

The rest is decided once, from the address the service binds (``--host`` / ``MED_HOST``):

* loopback (``127.0.0.0/8``, ``::1``, ``localhost``): nothing else is asked;
* any other address: the web UI needs a login (``MED_UI_PASSWORD``, or a hash saved with
  ``myelectricaldata password``), API writes need ``Authorization: Bearer <MED_API_TOKEN>``,
  API reads (data, ``/metrics``, ``/docs``) need the token or a UI session unless
  ``MED_PROTECT_READS=false``, and the service refuses to start while a credential is missing or
  too weak.

Passwords and tokens are never stored in clear: the stored forms are an scrypt hash (password)
and a SHA-256 digest (token), in the settings table. A UI session is an HMAC-signed cookie
whose key mixes a random per-install secret with the password, so that changing the password
signs everyone out and a restart with the same one signs nobody out; signing out revokes the
session in the database. Login attempts are limited per client address: the peer's, or the one
a trusted proxy forwarded (``MED_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import ipaddress
import json
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from myelectricaldata.config import Settings
from myelectricaldata.store.repo import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Settings-table keys of the stored credentials (never the clear values).
PASSWORD_HASH_KEY = "ui.password_hash"
TOKEN_DIGEST_KEY = "api.token_sha256"
SESSION_KEY_KEY = "ui.session_key"

SESSION_COOKIE = "med_session"
#: The web UI's language choice (``fr``/``en``), also used by the login page.
LANG_COOKIE = "med_lang"
#: A UI session lasts 30 days, then the login page asks again.
SESSION_SECONDS = 30 * 24 * 3600
#: Login: at most this many failures per client address within the window, then 429.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0

#: Paths reachable without any credential: the login itself and the container health check.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/api/health", "/favicon.ico"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Routes that are API reads (beyond loopback: token or session, unless MED_PROTECT_READS=false).
_READ_PREFIXES = ("/api/", "/metrics", "/docs", "/openapi.json", "/static/swagger-ui/")
#: Credentials beyond loopback: what "strong enough" means (checked at start).
MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_DISTINCT = 6
MIN_TOKEN_LENGTH = 24
MIN_TOKEN_DISTINCT = 10
_COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "motdepasse",
        "motdepasse1",
        "azertyuiop",
        "qwertyuiop",
        "1234567890",
        "0123456789",
        "administrator",
        "myelectricaldata",
        "letmein123",
        "iloveyou123",
        "changeme123",
    }
)

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class AccessNotConfigured(Exception):
    """The service listens beyond loopback without a UI password or an API token, or with one
    too weak to protect it."""


def password_problem(password: str) -> str | None:
    """What makes ``password`` too weak for a service on the network, or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH or len(set(password)) < MIN_PASSWORD_DISTINCT:
        return (
            f"use at least {MIN_PASSWORD_LENGTH} characters, at least "
            f"{MIN_PASSWORD_DISTINCT} of them different (a few words work well: "
            "'violet-tram-42-sunday')"
        )
    if password.lower() in _COMMON_PASSWORDS:
        return "it is one of the most common passwords: choose another one"
    return None


def token_problem(token: str) -> str | None:
    """What makes an API token too weak, or ``None``."""
    if len(token) < MIN_TOKEN_LENGTH or len(set(token)) < MIN_TOKEN_DISTINCT:
        return (
            f"use at least {MIN_TOKEN_LENGTH} random characters (at least "
            f"{MIN_TOKEN_DISTINCT} different), e.g. `myelectricaldata token` or "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return None


# -- address -------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True when ``host`` (the bind address) only accepts connections from this machine.

    ``0.0.0.0``, ``::`` and any other name or address count as beyond loopback: an unknown
    name is treated as exposed, the safe side.
    """
    text = host.strip().strip("[]")
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def _split_host(value: str) -> str:
    """The name or address of a ``Host`` header value, without port, lower-case."""
    text = value.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text[1:]
    name, sep, port = text.rpartition(":")
    if sep and port.isascii() and port.isdigit() and ":" not in name:
        text = name
    return text.rstrip(".")


def host_allowed(value: str | None, allowed: frozenset[str]) -> bool:
    """True when a request's ``Host`` may be served.

    IP addresses always may: DNS rebinding needs a *name* that the attacker controls. Loopback
    names may, and so do the names in ``allowed`` (``.lan`` allows its sub-domains, ``*``
    anything).
    """
    if value is None:
        return True  # HTTP/1.0 without Host: not a browser
    name = _split_host(value)
    if not name:
        return False
    if "*" in allowed or name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name in allowed or any(
        entry.startswith(".") and (name.endswith(entry) or name == entry[1:]) for entry in allowed
    )


# -- secrets at rest -----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """scrypt hash of ``password`` as ``scrypt$n$r$p$salt$hash`` (random salt)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a hash made by :func:`hash_password` (constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def token_digest(token: str) -> str:
    """SHA-256 hex digest of an API token (a long random token needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random API token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def save_password(store: Store, password: str) -> None:
    """Store the UI password's hash (``myelectricaldata password``)."""
    store.put_setting(PASSWORD_HASH_KEY, hash_password(password), secret=True)


def save_token(store: Store, token: str) -> None:
    """Store the API token's digest (``myelectricaldata token``)."""
    store.put_setting(TOKEN_DIGEST_KEY, token_digest(token), secret=True)


# -- policy --------------------------------------------------------------------------------------


@dataclass
class AccessPolicy:
    """What a request needs, decided at start from the bind address and the credentials."""

    open: bool
    password_hash: str | None = None
    token_digest: str | None = None
    session_key: bytes = b""
    protect_reads: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    limiter: LoginLimiter = field(default_factory=lambda: LoginLimiter())
    #: Signed-out sessions (id -> expiry), kept in the store so that a restart remembers them.
    revoked: dict[str, float] = field(default_factory=dict)
    store: Store | None = None

    # -- credentials --

    def check_password(self, password: str) -> bool:
        """True when ``password`` is the UI password."""
        return self.password_hash is not None and verify_password(password, self.password_hash)

    def check_token(self, token: str) -> bool:
        """True when ``token`` is the API token."""
        return self.token_digest is not None and hmac.compare_digest(
            token_digest(token), self.token_digest
        )

    # -- sessions --

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.session_key, payload.encode(), hashlib.sha256).digest())

    def new_session(self, now: float | None = None) -> str:
        """A signed session cookie value, valid :data:`SESSION_SECONDS`."""
        expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
        payload = f"{expires}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def _session(self, cookie: str | None, now: float | None = None) -> tuple[str, int] | None:
        """(id, expiry) of a session cookie signed here, unexpired and not revoked."""
        if not cookie or not self.session_key:
            return None
        payload, _, signature = cookie.rpartition(".")
        if not payload or not hmac.compare_digest(self._sign(payload), signature):
            return None
        expires_text, _, session_id = payload.partition(".")
        try:
            expires = int(expires_text)
        except ValueError:
            return None
        if expires <= (now if now is not None else time.time()) or session_id in self.revoked:
            return None
        return session_id, expires

    def valid_session(self, cookie: str | None, now: float | None = None) -> bool:
        """True when ``cookie`` was signed here, for the current password, is not expired and
        was not signed out."""
        return self._session(cookie, now) is not None

    def revoke(self, cookie: str | None) -> None:
        """Sign a session out for good: the cookie is refused from now on, after a restart too.

        Blocking (one write to the store): call it from a worker thread.
        """
        session = self._session(cookie)
        if session is None:
            return
        session_id, expires = session
        self.revoked[session_id] = float(expires)
        if self.store is not None:
            self.store.revoke_session(session_id, datetime.fromtimestamp(expires, UTC))


def refusal_message(host: str, missing: list[str], weak: dict[str, str] | None = None) -> str:
    """What the service says when it refuses to start beyond loopback."""
    how = {
        "password": (
            "  - a UI password: set MED_UI_PASSWORD=<password> (environment or .env), or store "
            "its hash once with `myelectricaldata password`"
        ),
        "token": (
            "  - an API token: set MED_API_TOKEN=<long random text> "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), or create "
            "one with `myelectricaldata token`"
        ),
    }
    names = {"password": "MED_UI_PASSWORD", "token": "MED_API_TOKEN"}
    lines = [how[m] for m in missing]
    lines += [f"  - a stronger {names[k]}: {why}" for k, why in (weak or {}).items()]
    return (
        f"refusing to listen on {host}: beyond loopback (127.0.0.1, ::1) the service needs\n"
        + "\n".join(lines)
        + "\nor listen on loopback only: --host 127.0.0.1 (MED_HOST=127.0.0.1)."
    )


def _session_key(store: Store, password: str, password_hash: str) -> bytes:
    """The key that signs UI sessions: the install's random key mixed with the password, so
    that a new password signs everyone out and the same one keeps them signed in."""
    saved = store.get_setting(SESSION_KEY_KEY)
    if saved is None:
        key = secrets.token_urlsafe(32)
        store.put_setting(SESSION_KEY_KEY, key, secret=True)
    else:
        key = saved[0]
    # MED_UI_PASSWORD is hashed with a new salt at every start: mixing that hash in would sign
    # everyone out at each restart. An HMAC of the password under the install's key is the
    # same for the same password (and says nothing of it without the key). A stored hash only
    # changes with the password (`myelectricaldata password`): it is mixed in as it is.
    proof = (
        hmac.new(key.encode(), password.encode(), hashlib.sha256).hexdigest()
        if password
        else password_hash
    )
    return hashlib.sha256(f"{key}:{proof}".encode()).digest()


def _allowed_hosts(settings: Settings) -> frozenset[str]:
    bind = settings.med_host.strip().strip("[]").lower()
    # A name the service is bound to is one it is reached by.
    return settings.allowed_hosts | ({bind} if bind else set())


def access_policy(settings: Settings, store: Store) -> AccessPolicy:
    """The policy for ``settings.med_host``; :class:`AccessNotConfigured` when the service is
    bound beyond loopback without a UI password or an API token, or with a weak one."""
    token = settings.med_api_token.get_secret_value()
    saved_digest = store.get_setting(TOKEN_DIGEST_KEY)
    digest = token_digest(token) if token else (saved_digest[0] if saved_digest else None)
    hosts = _allowed_hosts(settings)
    if is_loopback(settings.med_host):
        # The token still lets a program skip the same-origin rule of API writes.
        return AccessPolicy(open=True, token_digest=digest, allowed_hosts=hosts)
    password = settings.med_ui_password.get_secret_value()
    saved_hash = store.get_setting(PASSWORD_HASH_KEY)
    # The environment wins over the stored hash: it is what the operator set last, on purpose.
    password_hash = hash_password(password) if password else (saved_hash[0] if saved_hash else None)
    missing = [name for name, have in (("password", password_hash), ("token", digest)) if not have]
    # Stored forms were checked when they were made (`password`, `token`): check the variables.
    weak = {
        name: why
        for name, why in (
            ("password", password and password_problem(password)),
            ("token", token and token_problem(token)),
        )
        if why
    }
    if missing or weak:
        raise AccessNotConfigured(refusal_message(settings.med_host, missing, weak))
    assert password_hash is not None
    now = datetime.now(UTC)
    return AccessPolicy(
        open=False,
        password_hash=password_hash,
        token_digest=digest,
        session_key=_session_key(store, password, password_hash),
        protect_reads=True if settings.med_protect_reads is None else settings.med_protect_reads,
        allowed_hosts=hosts,
        revoked={k: v.timestamp() for k, v in store.revoked_sessions(now).items()},
        store=store,
    )


# -- rate limit ----------------------------------------------------------------------------------


class LoginLimiter:
    """Failed logins per client address in a sliding window (in memory: a restart forgets)."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try again; 0 when it may try now."""
        failures = self._recent(client)
        if len(failures) < self.max_failures:
            return 0
        return max(1, int(failures[0] + self.window_s - self.clock()) + 1)

    def failed(self, client: str) -> None:
        """Record a failed attempt."""
        self._recent(client)
        self._failures.setdefault(client, deque()).append(self.clock())

    def succeeded(self, client: str) -> None:
        """Forget the failures of ``client``."""
        self._failures.pop(client, None)


# -- the login page (plain HTML: works before any script is allowed to load) ----------------------

_TEXTS = {
    "fr": {
        "title": "Connexion — MyElectricalData",
        "heading": "MyElectricalData",
        "prompt": "Ce service est accessible depuis le réseau : saisissez le mot de passe.",
        "password": "Mot de passe",
        "submit": "Se connecter",
        "wrong": "Mot de passe incorrect.",
        "limited": "Trop d'essais. Réessayez dans {seconds} s.",
        "other": "English",
        "other_lang": "en",
    },
    "en": {
        "title": "Sign in — MyElectricalData",
        "heading": "MyElectricalData",
        "prompt": "This service is reachable from the network: enter the password.",
        "password": "Password",
        "submit": "Sign in",
        "wrong": "Wrong password.",
        "limited": "Too many attempts. Try again in {seconds} s.",
        "other": "Français",
        "other_lang": "fr",
    },
}

_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
*,*::before,*::after{{box-sizing:border-box}}
body{{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1d2733;margin:0;
display:flex;min-height:100vh;align-items:center;justify-content:center}}
form{{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;
width:min(100vw - 2rem,22rem);display:flex;flex-direction:column;gap:.8rem}}
@media (max-width:400px){{form{{padding:1.25rem}}}}
h1{{margin:0;font-size:1.4rem;color:#1976d2}} p{{margin:0;font-size:.95rem}}
input{{font-size:1rem;padding:.6rem;border:1px solid #9aa5b1;border-radius:6px}}
button{{font-size:1rem;padding:.6rem;border:0;border-radius:6px;background:#1976d2;color:#fff}}
.error{{color:#c62828}} a{{color:#1976d2;font-size:.85rem;align-self:flex-end}}
/* Dark: the light theme's blue and red are under 4.5:1 on #1e1e1e; their 200 tones are ~9:1. */
@media (prefers-color-scheme:dark){{body{{background:#121212;color:#e6e6e6}}
form{{background:#1e1e1e}} input{{background:#2a2a2a;color:#e6e6e6;border-color:#8d99a6}}
h1,a{{color:#90caf9}} .error{{color:#ef9a9a}}}}
</style></head>
<body><main data-testid="page:login">
<form method="post" action="/login" data-testid="login:form">
<h1>{heading}</h1><p>{prompt}</p>
{error}
<label for="password">{password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
 autofocus data-testid="login:password">
<input type="hidden" name="next" value="{next}">
<input type="hidden" name="lang" value="{lang}">
<button type="submit" data-testid="login:submit">{submit}</button>
<a href="/login?lang={other_lang}&amp;next={next_q}">{other}</a>
</form></main></body></html>
"""


def login_page(lang: str, next_path: str, error: str | None = None) -> str:
    """HTML of the login form in ``lang`` (``fr`` or ``en``)."""
    texts = _TEXTS.get(lang, _TEXTS["fr"])
    return _PAGE.format(
        lang=lang if lang in _TEXTS else "fr",
        title=texts["title"],
        heading=texts["heading"],
        prompt=texts["prompt"],
        password=texts["password"],
        submit=texts["submit"],
        other=texts["other"],
        other_lang=texts["other_lang"],
        next=html.escape(next_path),
        next_q=html.escape(quote(next_path, safe="")),
        error=(
            f'<p class="error" role="alert" data-testid="login:error">{html.escape(error)}</p>'
            if error
            else ""
        ),
    )


def safe_next(value: str | None) -> str:
    """A local path to go back to after login (never another site: no open redirect; no
    control character, which would split the ``Location`` header)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _location(path: str) -> bytes:
    # Anything beyond printable ASCII is percent-encoded: a header value stays one clean line.
    return quote(path, safe="/?&=%:@!$'()*+,;~-._#").encode("ascii")


# -- the middleware ------------------------------------------------------------------------------


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _json(detail: str) -> bytes:
    return json.dumps({"detail": detail}).encode()


def _refuse_host(host: str | None) -> bytes:
    return _json(
        f"this service is not served under the name {host!r}: reach it by its IP address or "
        "a loopback name, or add the name to MED_ALLOWED_HOSTS"
    )


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return _header(scope, b"transfer-encoding") is not None


def _same_origin(scope: Scope) -> bool | None:
    """True/False when the request says where it comes from (Origin, else Referer); ``None``
    when it says nothing (a program, not a web page)."""
    origin = _header(scope, b"origin")
    if origin is None:
        referer = _header(scope, b"referer")
        if referer is None:
            return None
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else "null"
    parts = urlsplit(origin.strip())
    host = _header(scope, b"host")
    if parts.scheme not in ("http", "https") or not parts.netloc or host is None:
        return False  # "null" (sandboxed frames, privacy modes) and the like
    return parts.netloc.lower() == host.strip().lower()


class AccessMiddleware:
    """ASGI middleware applying an :class:`AccessPolicy` to every HTTP and WebSocket request."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if not host_allowed(host, self.policy.allowed_hosts):
            if kind == "websocket":
                await receive()
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _respond(send, 400, _refuse_host(host))
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        token = _bearer(scope)
        token_ok = token is not None and self.policy.check_token(token)
        if kind == "http" and path.startswith("/api/") and method not in _SAFE_METHODS:
            refusal = self._write_refusal(scope, token_ok)
            if refusal is not None:
                await _respond(send, refusal[0], _json(refusal[1]))
                return
        if kind == "websocket" and _same_origin(scope) is False:
            # WebSockets know no CORS: a page of another site must not drive the UI's socket.
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        if self.policy.open:
            await self.app(scope, receive, send)
            return
        if kind == "websocket":
            if self._session(scope):
                await self.app(scope, receive, send)
                return
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008})
            return
        if path == "/login":
            await self._login(scope, receive, send)
            return
        if path == "/logout":
            await self._logout(scope, send)
            return
        if path in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        if path.startswith("/api/") and method not in _SAFE_METHODS:
            if token_ok:
                await self.app(scope, receive, send)
                return
            await _respond(
                send,
                401,
                _json(
                    "this write route needs the API token: send 'Authorization: Bearer "
                    "<MED_API_TOKEN>'"
                ),
                headers=[(b"www-authenticate", b'Bearer realm="myelectricaldata"')],
            )
            return
        if path.startswith(_READ_PREFIXES) or path == "/metrics":
            if not self.policy.protect_reads or token_ok or self._session(scope):
                await self.app(scope, receive, send)
                return
            await _respond(
                send,
                401,
                _json(
                    "reading needs the API token ('Authorization: Bearer <MED_API_TOKEN>') "
                    "or a signed-in web UI session (set MED_PROTECT_READS=false to open the "
                    "reads to the network)"
                ),
                headers=[(b"www-authenticate", b'Bearer realm="myelectricaldata"')],
            )
            return
        # The web UI and its assets.
        if self._session(scope):
            await self.app(scope, receive, send)
            return
        if method in ("GET", "HEAD") and not path.startswith("/_nicegui"):
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            location = f"/login?next={quote(target, safe='')}"
            await _respond(send, 303, b"", "text/plain", [(b"location", location.encode())])
            return
        await _respond(send, 401, _json("sign in first: /login"))

    @staticmethod
    def _write_refusal(scope: Scope, token_ok: bool) -> tuple[int, str] | None:
        """Why an API write is refused (status, reason), or ``None``."""
        if _has_body(scope) and not _is_json(_header(scope, b"content-type")):
            return 415, "send the body as JSON, with 'Content-Type: application/json'"
        if not token_ok and _same_origin(scope) is False:
            # A page of another site (or a rebound name) posting with the user's browser.
            return 403, (
                "cross-origin write refused: the API takes writes from this service's own "
                "pages or from programs (no Origin header), or with the API token"
            )
        return None

    def _session(self, scope: Scope) -> bool:
        return self.policy.valid_session(_cookie(scope, SESSION_COOKIE))

    async def _logout(self, scope: Scope, send: Send) -> None:
        # Revoked in the store before answering: the old cookie is dead even if it was copied.
        cookie = _cookie(scope, SESSION_COOKIE)
        if cookie:
            await asyncio.to_thread(self.policy.revoke, cookie)
        await _respond(
            send,
            303,
            b"",
            "text/plain",
            [
                (b"location", b"/login"),
                (b"set-cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0".encode()),
            ],
        )

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "GET")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang = (query.get("lang") or [_cookie(scope, LANG_COOKIE) or "fr"])[0]
        next_path = safe_next((query.get("next") or ["/"])[0])
        if method in ("GET", "HEAD"):
            if self._session(scope):
                await _respond(send, 303, b"", "text/plain", [(b"location", _location(next_path))])
                return
            page = login_page(lang, next_path).encode()
            await _respond(send, 200, page, "text/html; charset=utf-8")
            return
        if method != "POST":
            await _respond(send, 405, _json("use GET or POST"), headers=[(b"allow", b"GET, POST")])
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > 16_384:
                await _respond(send, 413, _json("login form too large"))
                return
            if not message.get("more_body"):
                break
        form = parse_qs(body.decode("utf-8", "replace"))
        lang = (form.get("lang") or [lang])[0]
        next_path = safe_next((form.get("next") or [next_path])[0])
        texts = _TEXTS.get(lang, _TEXTS["fr"])
        client = _client_ip(scope)
        limiter = self.policy.limiter
        wait = limiter.retry_after(client)
        if wait:
            page = login_page(lang, next_path, texts["limited"].format(seconds=wait)).encode()
            await _respond(
                send,
                429,
                page,
                "text/html; charset=utf-8",
                [(b"retry-after", str(wait).encode())],
            )
            return
        password = (form.get("password") or [""])[0]
        if not self.policy.check_password(password):
            limiter.failed(client)
            page = login_page(lang, next_path, texts["wrong"]).encode()
            await _respond(send, 401, page, "text/html; charset=utf-8")
            return
        limiter.succeeded(client)
        cookie = (
            f"{SESSION_COOKIE}={self.policy.new_session()}; Path=/; Max-Age={SESSION_SECONDS}; "
            "HttpOnly; SameSite=Lax"
        )
        await _respond(
            send,
            303,
            b"",
            "text/plain",
            [(b"location", _location(next_path)), (b"set-cookie", cookie.encode())],
        )


def install(app: Any, settings: Settings, store: Store) -> AccessPolicy:
    """Add the access middleware to ``app`` (a FastAPI app); raises
    :class:`AccessNotConfigured` beyond loopback without credentials."""
    policy = access_policy(settings, store)
    app.add_middleware(AccessMiddleware, policy=policy)
    app.state.access = policy
    return policy
