"""A strict fake of Domoticz's JSON API (``/json.htm``), over real HTTP or HTTPS on loopback.

There is no Debian package of Domoticz; this fake follows its source (domoticz/domoticz master
of 2025-09: ``webserver/cWebem.cpp``, ``main/WebServer.cpp``, ``main/WebServerCmds.cpp``,
``hardware/Dummy.cpp``, ``main/SQLHelper.cpp``, ``main/mainworker.cpp``,
``iamserver/IamService.cpp``) and what PROTOCOLS.md §6 verified on a running 2025.1. It answers
the way the server does; where the server silently accepts a request and mangles or drops it,
the fake answers the same and also records a :class:`Violation`, so that tests can require
``fake.violations == []``.

Answers (``CWebServer::GetJSonPage``, ``cWebem::CheckForPageOverride``, ``reply.cpp``):

- Body: jsoncpp's ``toStyledString`` (tab indents, ``"key" : value``, keys sorted, a final
  newline), ``Content-Type: application/json;charset=UTF-8``, HTTP 200 with ``status`` ``OK``,
  ``ERR`` (the command refused: unknown idx, missing values...) or ``ERROR`` (a ``param`` no
  handler knows). A handler that throws answers 200 with an empty body (:meth:`empty_next`).
- ``type`` other than ``command``: 404, empty body. Another path: 404 with the stock HTML page.
- Not logged in on a command that needs it: 401 with the stock HTML page
  (``<html><head><title>Unauthorized</title>...``). A user without the rights: 403 whose body is
  ``{"status" : "ERR"}`` (``session.reply_status`` set by the handler).

Logins (``cWebemRequestHandler::CheckAuthentication``, ``parse_auth_header``):

- ``trusted=True``: the client (127.0.0.1) is in Trusted Networks and acts as the first admin.
- HTTP Basic counts only on ``/json.htm?`` URIs and only when the server is HTTPS
  (``tls=True``) or ``allow_plain_basic_auth``; a refused or wrong Basic header logs nobody in,
  *even from a trusted network*.
- ``Authorization: Bearer <JWT>`` from the IAM: ``POST /oauth2/v1/token`` with
  ``grant_type=password``, ``client_id`` (one of :attr:`applications`) and the user's Basic
  header (accepted over plain HTTP) answers ``{"access_token", "token_type": "Bearer",
  "expires_in"}``; 401 ``{"error": "invalid_client"}``, 400 ``{"error":
  "unsupported_grant_type"}`` / ``{"error": "invalid_request"}`` otherwise. The JWT is HS256
  signed with the application's MD5-hashed secret and carries kid, iss ``Domoticz.com``, aud,
  sub, iat, nbf, exp (checked with 60 s of leeway). A Bearer value that is not a valid JWT logs
  nobody in. Users are viewers (0), users (1) or admins (2).
- ``getversion`` and ``getauth`` (like ``gettitle``, ``getuptime``...) need no login: without one
  they answer only ``status``/``title``.

Commands (rights checked as the handlers do):

- ``getversion``, ``getauth``, ``gethardware`` (any logged-in user), ``createvirtualsensor``
  (the older ``sensortype=N`` form of ``createdevice``), ``addhardware`` (admin;
  ``name``, ``enabled``, ``htype`` required; only the Dummy, 15, is modelled), ``getdevices``
  (``rid``, ``hwidx``, ``used``, ``displayhidden``, ``displaydisabled``; the fields this fake
  fills are listed in :meth:`FakeDomoticz._device_json`), ``createdevice`` (admin;
  ``sensormappedtype`` hex or ``devicetype``+``devicesubtype``; the types of
  ``CSQLHelper::CreateDevice`` this fake models: Managed Counter, P1, kWh, Text, Alert, Custom
  sensor, which needs ``sensoroptions``; the device gets idx = largest idx + 1, DeviceID =
  idx + 82000, Used = 1; a missing hardware is *not* checked), ``setused`` (admin; ``name``
  together with ``description``; ``options`` base64 of ``k:v;k:v`` replaces every option;
  ``used`` other than ``true`` deletes the device and its history; ``Protected`` is reset),
  ``udevice`` (user or admin with access to the idx; ``nvalue`` and ``svalue`` not both empty).
- ``udevice`` on a Managed Counter, or a device whose options hold ``AddDBLogEntry: true``
  (``CSQLHelper::UpdateManagedValueInt``): the svalue is split on ``;`` (a trailing empty field
  dropped); 3 fields = ``COUNTER;USAGE;DATE`` into ``Meter_Calendar`` (a date) or ``Meter`` (a
  date and time: the short log), 7 or 11 fields into ``MultiMeter(_Calendar)`` (columns
  ``Value1..6`` = U1, R1, CONS, PROD, U2, R2; ``Counter1..4`` = fields 7-10); each row is
  replaced when its (device, date text) exists. Numbers are read like ``std::stoll`` (a
  decimal part is cut, no digits at all fails: status ``ERR``); outside a Managed Counter a
  negative number becomes 0. A date ``YYYY-MM-DD`` must be a real day (``CheckDateSQL``, else
  nothing is written and the answer is still ``OK``); a date and time only needs 19
  characters (``CheckDateTimeSQL`` compares mktime's output with itself). Any other field count
  replaces the current svalue. A dated row never touches the current value.
- Any other device: ``nvalue`` (``atoi``) and ``svalue`` are stored as they are.

Violations recorded (the server would accept them): unknown parameters, a non-integer nvalue,
an svalue that does not fit the device (P1: six whole numbers; Managed Counter: two, or three
with a date; kWh: ``POWER;ENERGY``; Custom: a number; Alert: nvalue 0-4), a decimal or
negative field cut or zeroed, a date Domoticz drops, a date and time that does not exist in
:attr:`time_zone` (the spring DST gap), a device created on a hardware that does not exist.

Test controls: :meth:`stop` / :meth:`start` (same port, state kept: Domoticz commits each write
to SQLite as it answers), :meth:`crash_after` (the server dies in the middle of a later request,
with or without applying it, optionally restarting), :meth:`fail_next` (a proxy's 502/503 with
``Retry-After``), :meth:`empty_next`, :meth:`delay_next`, :meth:`advance_clock` (tokens expire),
:meth:`purge_short_log` (``5MinuteHistoryDays``), :meth:`five_minute_job` and
:meth:`midnight_job` (Domoticz's own logging of the meters it manages: without
``DisableLogAutoUpdate`` a P1 or kWh meter gets a second calendar row for a day already
written, which :attr:`duplicates` keeps), and read-back: :meth:`device`,
:meth:`devices`, :meth:`calendar`, :meth:`short_log`, :meth:`multimeter_calendar`,
:meth:`multimeter`, :attr:`hardware`, :attr:`requests`, :attr:`violations`; :meth:`reset` empties
it all.

Run as a program (``python -m tests.fakes.domoticz --port N``), it serves in the foreground for
benchmarks, with two routes of its own: ``POST /_fake/reset`` and ``GET /_fake/requests`` (the
``/json.htm`` requests received, as their parameters and answer status).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes
from zoneinfo import ZoneInfo

from tests.fakes.serving import LoopbackServer

VIEWER, USER, ADMIN = 0, 1, 2
RIGHTS_NONE = 254
DEFAULT_USER, DEFAULT_PASSWORD = "admin", "domoticz"
DEFAULT_VERSION = "2025.1 (build 16773)"
REALM = "Domoticz.com"
HTYPE_DUMMY = 15
#: jwt-cpp leeway used by cWebem for exp/nbf/iat.
JWT_LEEWAY_S = 60
OAUTH2_USERIDX_OFFSET = 20000

#: ``RegisterCommandCode(..., true)`` in ``main/WebServer.cpp``: no login needed (prefix match).
WHITELIST = (
    "gettimertypes",
    "getlanguages",
    "getswitchtypes",
    "getmetertypes",
    "getthemes",
    "gettitle",
    "logincheck",
    "getversion",
    "getauth",
    "getuptime",
    "getconfig",
)

# (type, subtype) -> (Type text, SubType text, TypeImg) of main/RFXNames.cpp.
P_GENERAL, P_P1 = 0xF3, 0xFA
S_TEXT, S_ALERT, S_KWH, S_CUSTOM, S_MANAGED = 0x13, 0x16, 0x1D, 0x1F, 0x21
S_P1 = 0x01
TYPE_NAMES: dict[tuple[int, int], tuple[str, str]] = {
    (P_GENERAL, S_MANAGED): ("General", "Managed Counter"),
    (P_GENERAL, S_KWH): ("General", "kWh"),
    (P_GENERAL, S_TEXT): ("General", "Text"),
    (P_GENERAL, S_ALERT): ("General", "Alert"),
    (P_GENERAL, S_CUSTOM): ("General", "Custom Sensor"),
    (P_P1, S_P1): ("P1 Smart Meter", "Energy"),
}
#: Initial svalue of each modelled type (CSQLHelper::CreateDevice).
INITIAL_SVALUE: dict[tuple[int, int], str] = {
    (P_GENERAL, S_MANAGED): "-1;0",
    (P_GENERAL, S_KWH): "0;0.0",
    (P_GENERAL, S_TEXT): "Hello World",
    (P_GENERAL, S_ALERT): "No Alert!",
    (P_GENERAL, S_CUSTOM): "0.0",
    (P_P1, S_P1): "0;0;0;0;0;0",
}
#: Types whose DeviceID is left-padded to 8 digits.
PADDED_ID = {(P_GENERAL, S_KWH), (P_GENERAL, S_TEXT), (P_GENERAL, S_CUSTOM)}
#: ``sensortype`` of the older ``createvirtualsensor`` (``mappedsensorname``, hardware/Dummy.cpp).
VIRTUAL_SENSOR_TYPES: dict[int, tuple[int, int]] = {
    5: (P_GENERAL, S_TEXT),
    7: (P_GENERAL, S_ALERT),
    18: (P_GENERAL, S_KWH),
    250: (P_P1, S_P1),
    1004: (P_GENERAL, S_CUSTOM),
    1005: (P_GENERAL, S_MANAGED),
}
ALERT_DESC = {0: "undefined", 1: "normal", 2: "warning", 3: "alert", 4: "alarm"}

UDEVICE_PARAMS = frozenset(
    {"type", "param", "idx", "nvalue", "svalue", "parsetrigger", "rssi", "battery"}
    | {"hid", "ohid", "did", "dunit", "dtype", "dsubtype"}
)
KNOWN_PARAMS: dict[str, frozenset[str]] = {
    "udevice": UDEVICE_PARAMS,
    "getversion": frozenset({"type", "param"}),
    "getauth": frozenset({"type", "param"}),
    "gethardware": frozenset({"type", "param"}),
    "addhardware": frozenset(
        {"type", "param", "name", "enabled", "htype", "loglevel", "address", "port"}
        | {"username", "password", "extra", "datatimeout", "serialport"}
        | {f"Mode{i}" for i in range(1, 7)}
    ),
    "getdevices": frozenset(
        {"type", "param", "filter", "order", "used", "rid", "plan", "floor"}
        | {"displayhidden", "favorite", "displaydisabled", "lastupdate", "hwidx"}
    ),
    "createdevice": frozenset(
        {"type", "param", "idx", "sensorname", "sensoroptions", "sensormappedtype"}
        | {"devicetype", "devicesubtype"}
    ),
    "createvirtualsensor": frozenset(
        {"type", "param", "idx", "sensorname", "sensortype", "sensoroptions"}
    ),
    "setused": frozenset(
        {"type", "param", "idx", "used", "name", "description", "options", "switchtype"}
        | {"protected", "customimage", "devoptions", "strparam1", "strparam2", "deviceid"}
        | {"addjvalue", "addjmulti", "addjvalue2", "addjmulti2", "maindeviceidx"}
    ),
}

STOCK_HTML = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

_STRICT_INT = re.compile(r"^-?\d+$")
_STRICT_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
_STRICT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STRICT_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


# --------------------------------------------------------------------------- C++ semantics


def stoll(text: str) -> int:
    """``std::stoll``: leading whitespace, a sign, then digits up to the first non-digit.
    No digit raises ValueError (``std::invalid_argument``), as does an overflow."""
    match = re.match(r"^[ \t\n\v\f\r]*([+-]?\d+)", text)
    if not match:
        raise ValueError(f"stoll: no conversion of {text!r}")
    value = int(match[1])
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"stoll: {text!r} out of range")
    return value


def atoi(text: str) -> int:
    """C ``atoi``: like ``stoll`` but 0 when there is no number."""
    try:
        return stoll(text)
    except ValueError:
        return 0


def atof(text: str) -> float:
    """C ``atof``: the longest leading number, 0.0 when there is none."""
    match = re.match(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", text)
    return float(match[1]) if match else 0.0


def string_split(text: str, delimiter: str) -> list[str]:
    """Domoticz's ``StringSplit`` (``main/Helper.cpp``): a trailing empty field is dropped."""
    parts = text.split(delimiter)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def check_date_sql(text: str) -> bool:
    """``CSQLHelper::CheckDateSQL``: 10 characters, ``y<c>m<c>d`` with ``-`` separators read
    by an istringstream, and a real calendar day."""
    if len(text) != 10:
        return False
    match = re.match(r"^\s*([+-]?\d+)\s*(\S)\s*([+-]?\d+)\s*(\S)\s*([+-]?\d+)", text)
    if not match or match[2] != "-" or match[4] != "-":
        return False
    try:
        dt.date(int(match[1]), int(match[3]), int(match[5]))
    except ValueError:
        return False
    return True


def check_datetime_sql(text: str) -> bool:
    """``CSQLHelper::CheckDateTimeSQL``: it compares ``mktime``'s normalised output with itself,
    so only the length (19) matters."""
    return len(text) == 19


def local_time_exists(text: str, zone: ZoneInfo) -> bool:
    """Whether ``YYYY-MM-DD HH:MM:SS`` is a wall-clock time that exists in ``zone``."""
    try:
        naive = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == naive


def parse_query(raw: str) -> list[tuple[str, str]]:
    """``cWebem::CheckForPageOverride``: name up to the next ``=`` (even past an ``&``), value up
    to the next ``&``, ``+`` read as a space, the value (not the name) percent-decoded."""
    params: list[tuple[str, str]] = []
    position = 0
    while True:
        equals = raw.find("=", position)
        if equals == -1:
            break
        name = raw[position:equals]
        amp = raw.find("&", equals + 1)
        value = raw[equals + 1 :] if amp == -1 else raw[equals + 1 : amp]
        decoded = unquote_to_bytes(value.replace("+", " ")).decode("utf-8", "replace")
        params.append((name, decoded))
        if amp == -1:
            break
        position = amp + 1
    return params


def styled(value: Any) -> str:
    """jsoncpp's ``Value::toStyledString()`` (StreamWriterBuilder defaults)."""
    return _styled(value, "", True) + "\n"


def _styled(value: Any, indent: str, indented: bool) -> str:
    lead = "" if indented else "\n" + indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "\t"
        members = [
            f"\n{inner}{json.dumps(key)} : {_styled(value[key], inner, False)}"
            for key in sorted(value)
        ]
        return f"{lead}{{{','.join(members)}\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = indent + "\t"
        if any(isinstance(v, dict | list) and v for v in value):
            items = [f"\n{inner}{_styled(v, inner, True)}" for v in value]
            return f"{lead}[{','.join(items)}\n{indent}]"
        return "[ " + ", ".join(_styled(v, inner, True) for v in value) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def stock_html(status: int) -> str:
    """The body of ``reply::stock_reply(status)``."""
    title = STOCK_HTML[status]
    return f"<html><head><title>{title}</title></head><body><h1>{status} {title}</h1></body></html>"


def md5_hex(text: str) -> str:
    """``GenerateMD5Hash``."""
    return hashlib.md5(text.encode()).hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fake Domoticz CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (directory / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


# --------------------------------------------------------------------------- state


@dataclass
class FakeUser:
    """A Domoticz user; ``devices`` limits a User to those idx (None: all)."""

    name: str
    password: str
    rights: int = ADMIN
    devices: frozenset[int] | None = None
    id: int = 0


@dataclass
class Hardware:
    """A row of the Hardware table."""

    idx: int
    name: str
    htype: int
    enabled: bool = True
    datatimeout: int = 0


@dataclass
class Device:
    """A row of DeviceStatus (options decoded)."""

    idx: int
    hardware_idx: int
    device_id: str
    dtype: int
    subtype: int
    name: str
    nvalue: int = 0
    svalue: str = ""
    description: str = ""
    used: bool = True
    unit: int = 1
    protected: bool = False
    options: dict[str, str] = field(default_factory=dict)
    #: The raw Options column of a Custom sensor (``1;<axis label>``).
    raw_options: str = ""
    last_update: str = ""

    @property
    def names(self) -> tuple[str, str]:
        """Type and SubType texts."""
        return TYPE_NAMES.get((self.dtype, self.subtype), ("Unknown", "Unknown"))

    @property
    def managed(self) -> bool:
        """Whether dated svalues go to the history tables (``UpdateValueInt``)."""
        return (self.dtype, self.subtype) == (P_GENERAL, S_MANAGED) or self.options.get(
            "AddDBLogEntry"
        ) == "true"


@dataclass(frozen=True, slots=True)
class Violation:
    """A request the real server accepts but mangles or ignores."""

    command: str
    reason: str


@dataclass(frozen=True, slots=True)
class DomoticzRequest:
    """One request as received and answered."""

    method: str
    path: str
    params: dict[str, str]
    login: str  # "none", "trusted", "basic:<user>", "jwt:<user>"
    status: int
    body: str


@dataclass
class _Session:
    username: str = ""
    rights: int = RIGHTS_NONE
    trusted: bool = False


@dataclass
class _Fault:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class _Reply:
    def __init__(
        self,
        status: int,
        body: str = "",
        content_type: str | None = "application/json;charset=UTF-8",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})


class _Refused(Exception):
    """A handler's ``session.reply_status`` (403) with the root it had built."""

    def __init__(self, status: int, root: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.root = root


class FakeDomoticz:
    """The fake server: start it, point a client at :attr:`url`."""

    def __init__(
        self,
        users: Mapping[str, tuple[str, int]] | None = None,
        *,
        applications: Mapping[str, str] | None = None,
        trusted: bool = False,
        allow_plain_basic_auth: bool = False,
        tls: bool = False,
        time_zone: str = "Europe/Paris",
        version: str = DEFAULT_VERSION,
        token_lifetime: int = 3600,
        short_log_days: int = 1,
    ) -> None:
        given = users if users is not None else {DEFAULT_USER: (DEFAULT_PASSWORD, ADMIN)}
        self.users: dict[str, FakeUser] = {
            name: FakeUser(name, password, rights, id=i)
            for i, (name, (password, rights)) in enumerate(given.items(), start=1)
        }
        #: IAM applications (Setup > Applications): client_id -> secret.
        self.applications: dict[str, str] = dict(applications or {})
        self.trusted = trusted
        self.allow_plain_basic_auth = allow_plain_basic_auth
        self.tls = tls
        self.time_zone = ZoneInfo(time_zone)
        self.version = version
        self.token_lifetime = token_lifetime
        self.short_log_days = short_log_days
        self._lock = threading.RLock()
        self.hardware: dict[int, Hardware] = {}
        self._devices: dict[int, Device] = {}
        self._meter_calendar: dict[tuple[int, str], tuple[int, int]] = {}
        self._meter: dict[tuple[int, str], tuple[int, int]] = {}
        self._multimeter_calendar: dict[tuple[int, str], tuple[int, ...]] = {}
        self._multimeter: dict[tuple[int, str], tuple[int, ...]] = {}
        #: Calendar rows Domoticz's midnight job INSERTed next to an existing one (the tables
        #: have no unique key): (table, device idx, date, row).
        self.duplicates: list[tuple[str, int, str, tuple[int, ...]]] = []
        self.requests: list[DomoticzRequest] = []
        self.violations: list[Violation] = []
        self._faults: list[_Fault] = []
        self._empty = 0
        self._delays: list[float] = []
        self._crash: tuple[int, bool, float | None] | None = None
        #: Set from a crash until the next start: requests still accepted are cut.
        self._down = False
        self._clock_offset = 0.0
        #: Serve the ``/_fake/`` routes (benchmarks, see :func:`main`).
        self.control = False
        self._http = LoopbackServer("fake-domoticz")
        self._stopper: threading.Thread | None = None
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self.ca_file = ""
        self.port = 0
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeDomoticz:
        """Serve (again) on 127.0.0.1; the port is kept across restarts, and so is the state."""
        if self._stopper is not None:
            self._stopper.join()
            self._stopper = None
        # A bound method is not recognised as an ASGI 3 app by uvicorn's guess.
        options: dict[str, Any] = {"interface": "asgi3"}
        if self.tls:
            if self._tls_dir is None:
                self._tls_dir = tempfile.TemporaryDirectory(prefix="fake-domoticz-tls-")
                ca, cert, key = make_tls_files(Path(self._tls_dir.name))
                self.ca_file = str(ca)
                self._cert = (str(cert), str(key))
            options |= {"ssl_certfile": self._cert[0], "ssl_keyfile": self._cert[1]}
        self.port = self._http.start(self._app, port=self.port, **options)
        self._down = False
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        return self

    def stop(self) -> None:
        """Stop serving: connections are refused until :meth:`start`."""
        if self._stopper is not None:
            self._stopper.join()
            self._stopper = None
        self._http.stop(force=True)

    @property
    def running(self) -> bool:
        """True while serving."""
        return self._http.running

    def __enter__(self) -> FakeDomoticz:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None

    # -- test controls ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every hardware, device, history row, request and violation (a new database;
        the users stay)."""
        with self._lock:
            self.hardware.clear()
            self._devices.clear()
            for table in (
                self._meter_calendar,
                self._meter,
                self._multimeter_calendar,
                self._multimeter,
            ):
                table.clear()
            self.duplicates.clear()
            self.requests.clear()
            self.violations.clear()

    def add_user(
        self, name: str, password: str, rights: int, devices: frozenset[int] | None = None
    ) -> None:
        """Add a user (0 viewer, 1 user, 2 admin); ``devices`` limits a User to those idx."""
        with self._lock:
            self.users[name] = FakeUser(name, password, rights, devices, len(self.users) + 1)

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        retry_after: str | None = None,
        body: str | None = None,
    ) -> None:
        """The next ``count`` requests get ``status`` with ``body`` (default: the stock page)
        before anything else is looked at: a reverse proxy while Domoticz restarts, or its
        login page."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        page = body if body is not None else stock_html(status) if status in STOCK_HTML else ""
        with self._lock:
            self._faults.extend(_Fault(status, page, headers) for _ in range(count))

    def empty_next(self, count: int = 1) -> None:
        """The next ``count`` logged-in commands answer 200 with an empty body (a handler that
        threw), without doing anything."""
        with self._lock:
            self._empty += count

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` requests are answered after ``seconds``."""
        with self._lock:
            self._delays.extend([seconds] * count)

    def crash_after(
        self, answered: int, *, applied: bool = False, restart_after: float | None = None
    ) -> None:
        """After ``answered`` more answers, the server dies in the middle of the next request:
        the client gets a connection cut, nothing more. With ``applied`` that request's write
        was done before dying. The server stays down until :meth:`start` (or for
        ``restart_after`` seconds)."""
        with self._lock:
            self._crash = (answered, applied, restart_after)

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward (IAM tokens expire)."""
        with self._lock:
            self._clock_offset += seconds

    def now(self) -> float:
        """The server's clock (Unix seconds)."""
        return time.time() + self._clock_offset

    def purge_short_log(self, now: dt.datetime) -> int:
        """Delete short-log rows older than :attr:`short_log_days` before ``now`` (what
        Domoticz's 5-minute task does); returns how many went."""
        limit = (now.astimezone(self.time_zone) - dt.timedelta(days=self.short_log_days)).replace(
            tzinfo=None
        )
        removed = 0
        with self._lock:
            for table in (self._meter, self._multimeter):
                for key in list(table):
                    try:
                        stamp = dt.datetime.strptime(key[1], "%Y-%m-%d %H:%M:%S")
                    except ValueError:
                        continue
                    if stamp < limit:
                        del table[key]
                        removed += 1
        return removed

    def _logged_by_domoticz(self, device: Device) -> bool:
        """Meters Domoticz's own jobs write to: P1 and kWh without ``DisableLogAutoUpdate``
        (a Managed Counter never)."""
        kind = (device.dtype, device.subtype)
        return kind in ((P_P1, S_P1), (P_GENERAL, S_KWH)) and (
            device.options.get("DisableLogAutoUpdate") != "true"
        )

    def five_minute_job(self, now: dt.datetime, sensor_timeout_min: int = 60) -> None:
        """``UpdateMeter``/``UpdateMultiMeter``: log the current value of each meter updated
        within the sensor timeout into its short log, at ``now``."""
        stamp = now.astimezone(self.time_zone).strftime("%Y-%m-%d %H:%M:%S")
        with self._lock:
            for device in self._devices.values():
                if not self._logged_by_domoticz(device) or not device.last_update:
                    continue
                updated = dt.datetime.strptime(device.last_update, "%Y-%m-%d %H:%M:%S")
                local_now = now.astimezone(self.time_zone).replace(tzinfo=None)
                if (local_now - updated).total_seconds() >= sensor_timeout_min * 60:
                    continue
                parts = string_split(device.svalue, ";")
                if device.dtype == P_P1:
                    try:
                        u1, u2, r1, r2, cons, prod = (stoll(v) for v in parts)
                    except ValueError:
                        continue  # "Error converting sValue values!"
                    self._multimeter[(device.idx, stamp)] = (u1, r1, cons, prod, u2, r2)
                elif len(parts) >= 2:
                    usage = round(atof(parts[0]) * 10)
                    self._meter[(device.idx, stamp)] = (round(atof(parts[1])), usage)

    def midnight_job(self, now: dt.datetime) -> None:
        """``AddCalendarUpdateMeter``/``...MultiMeter``: for each meter with a short log,
        INSERT yesterday's calendar row computed from it (zeros when yesterday has no rows),
        next to any row already there for that day (kept in :attr:`duplicates`)."""
        today = now.astimezone(self.time_zone).date()
        yesterday = (today - dt.timedelta(days=1)).isoformat()
        end = f"{today.isoformat()} 00:00:00"
        with self._lock:
            for device in list(self._devices.values()):
                if not self._logged_by_domoticz(device):
                    continue
                multi = device.dtype == P_P1
                log = self._multimeter if multi else self._meter
                mine = sorted((k[1], v) for k, v in log.items() if k[0] == device.idx)
                if not mine:
                    continue
                rows = [v for date_text, v in mine if yesterday <= date_text <= end]
                key = (device.idx, yesterday)
                if multi:
                    columns = list(zip(*rows, strict=True)) if rows else [(0,)] * 6
                    values = tuple(max(c) - min(c) for c in columns)
                    row = values + tuple(max(columns[i]) for i in (0, 1, 4, 5))
                    if key in self._multimeter_calendar:
                        self.duplicates.append(("MultiMeter_Calendar", device.idx, yesterday, row))
                    else:
                        self._multimeter_calendar[key] = row
                else:
                    first, last = (rows[0][0], rows[-1][0]) if rows else (0, 0)
                    pair = (last, last - first)
                    if key in self._meter_calendar:
                        self.duplicates.append(("Meter_Calendar", device.idx, yesterday, pair))
                    else:
                        self._meter_calendar[key] = pair

    def add_device(
        self,
        hardware_idx: int,
        name: str,
        dtype: int,
        subtype: int,
        *,
        sensoroptions: str = "",
        options: Mapping[str, str] | None = None,
    ) -> int:
        """Create a device as ``createdevice`` would (a user's own device, for mapping tests)."""
        with self._lock:
            idx = self._create(hardware_idx, name, dtype, subtype, sensoroptions)
            if idx is None:
                raise ValueError(f"type {dtype:#x}/{subtype:#x} is not modelled")
            if options:
                self._devices[idx].options = dict(options)
            return idx

    # -- read-back -------------------------------------------------------------------------

    def device(self, idx: int) -> Device | None:
        """A copy of a device (None when there is none)."""
        with self._lock:
            found = self._devices.get(idx)
            return replace(found, options=dict(found.options)) if found else None

    def devices(self, hardware_idx: int | None = None) -> list[Device]:
        """Copies of every device (of one hardware), by idx."""
        with self._lock:
            return [
                replace(d, options=dict(d.options))
                for idx, d in sorted(self._devices.items())
                if hardware_idx is None or d.hardware_idx == hardware_idx
            ]

    def calendar(self, idx: int) -> dict[str, tuple[int, int]]:
        """``Meter_Calendar`` rows of a device: date text -> (Counter, Value), by date."""
        with self._lock:
            return dict(sorted((k[1], v) for k, v in self._meter_calendar.items() if k[0] == idx))

    def short_log(self, idx: int) -> dict[str, tuple[int, int]]:
        """``Meter`` rows of a device: date-time text -> (Value, Usage), by date."""
        with self._lock:
            return dict(sorted((k[1], v) for k, v in self._meter.items() if k[0] == idx))

    def multimeter_calendar(self, idx: int) -> dict[str, tuple[int, ...]]:
        """``MultiMeter_Calendar`` rows: date -> (Value1..6, Counter1..4), by date."""
        with self._lock:
            return dict(
                sorted((k[1], v) for k, v in self._multimeter_calendar.items() if k[0] == idx)
            )

    def multimeter(self, idx: int) -> dict[str, tuple[int, ...]]:
        """``MultiMeter`` rows: date-time -> (Value1..6), by date."""
        with self._lock:
            return dict(sorted((k[1], v) for k, v in self._multimeter.items() if k[0] == idx))

    def commands(self, param: str | None = None) -> list[DomoticzRequest]:
        """Recorded ``/json.htm`` requests (of one ``param``)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path == "/json.htm" and (param is None or r.params.get("param") == param)
            ]

    # -- ASGI ------------------------------------------------------------------------------

    async def _app(self, scope: dict[str, Any], receive: Callable[..., Any], send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.control and scope["path"].startswith("/_fake/"):
            await self._control(scope, send)
            return
        with self._lock:
            delay = self._delays.pop(0) if self._delays else 0.0
        if delay:
            await asyncio.sleep(delay)
        if self._down:
            await self._cut(send)
            return
        with self._lock:
            crash = self._crash
            dying = crash is not None and crash[0] <= 0
            if crash is not None and not dying:
                self._crash = (crash[0] - 1, crash[1], crash[2])
            if dying:
                assert crash is not None
                self._crash = None
                self._down = True
                if crash[1]:
                    self._handle(scope, body)
        if dying:
            assert crash is not None
            await self._die(send, crash[2])
            return
        with self._lock:
            reply = self._handle(scope, body)
        headers = [(b"content-length", str(len(reply.body.encode())).encode())]
        if reply.content_type is not None:
            headers.append((b"content-type", reply.content_type.encode()))
        headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body.encode()})

    async def _control(self, scope: dict[str, Any], send: Any) -> None:
        """The benchmark's routes: ``POST /_fake/reset``, ``GET /_fake/requests``."""
        status, body = 404, ""
        if scope["path"] == "/_fake/reset" and scope["method"] == "POST":
            self.reset()
            status, body = 200, "{}"
        elif scope["path"] == "/_fake/requests" and scope["method"] == "GET":
            done = [
                {"params": r.params, "status": r.status}
                for r in self.commands()
                if r.params.get("type") == "command"
            ]
            status, body = 200, json.dumps(done)
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    async def _die(self, send: Any, restart_after: float | None) -> None:
        """Go down in the middle of a request: the client sees the connection cut, no answer."""

        def stop_then_maybe_restart() -> None:
            self._http.stop(force=True)
            if restart_after is not None:
                time.sleep(restart_after)
                self._stopper = None
                self.start()

        self._stopper = threading.Thread(target=stop_then_maybe_restart, daemon=True)
        self._stopper.start()
        await self._cut(send)

    @staticmethod
    async def _cut(send: Any) -> None:
        """Cut the connection without an answer."""
        # uvicorn's send is a bound method of the request cycle, which holds the transport:
        # closing it cuts the connection at once (and uvicorn logs nothing for a disconnect).
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            transport.close()
            for _ in range(3):
                await asyncio.sleep(0)
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.Event().wait()

    # -- request handling (under the lock) -------------------------------------------------

    def _handle(self, scope: dict[str, Any], body: bytes) -> _Reply:
        method = scope["method"]
        path = scope["path"]
        raw_query = scope.get("query_string", b"").decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        params = parse_query(raw_query)
        first: dict[str, str] = {}
        for name, value in params:
            first.setdefault(name, value)
        if self._faults:
            fault = self._faults.pop(0)
            reply = _Reply(fault.status, fault.body, "text/html;charset=UTF-8", fault.headers)
            return self._log(method, path, first, "none", reply)
        if path == "/oauth2/v1/token":
            if method == "POST" and "x-www-form-urlencoded" in headers.get("content-type", ""):
                for name, value in parse_query(body.decode("latin-1")):
                    first.setdefault(name, value)
            return self._log(method, path, first, "none", self._token(method, first, headers))
        if path != "/json.htm":
            return self._log(method, path, first, "none", self._stock(404))
        uri = f"{path}?{raw_query}" if raw_query else path
        session, login = self._authenticate(headers, uri)
        logged_in = session.rights != RIGHTS_NONE
        if not logged_in and not self._whitelisted(uri):
            return self._log(method, path, first, login, self._stock(401))
        if first.get("type") != "command":
            return self._log(method, path, first, login, _Reply(404, ""))
        command = first.get("param", "")
        if self._empty and logged_in:
            self._empty -= 1
            return self._log(method, path, first, login, _Reply(200, ""))
        self._check_params(command, params)
        root: dict[str, Any] = {"status": "ERR"}
        try:
            if command:
                handler = self._handlers().get(command)
                if handler is None:
                    root["status"] = "ERROR"
                else:
                    handler(session, first, root)
        except _Refused as refused:
            return self._log(method, path, first, login, self._json(refused.status, refused.root))
        return self._log(method, path, first, login, self._json(200, root))

    def _log(
        self, method: str, path: str, params: dict[str, str], login: str, reply: _Reply
    ) -> _Reply:
        self.requests.append(DomoticzRequest(method, path, params, login, reply.status, reply.body))
        return reply

    def _json(self, status: int, root: dict[str, Any]) -> _Reply:
        headers = {"Cache-Control": "no-cache", "Pragma": "no-cache"}
        headers["Access-Control-Allow-Origin"] = "*"
        if self.tls:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains; preload"
        return _Reply(status, styled(root), headers=headers)

    def _stock(self, status: int) -> _Reply:
        return _Reply(status, stock_html(status), "text/html;charset=UTF-8")

    def _violation(self, command: str, reason: str) -> None:
        self.violations.append(Violation(command, reason))

    def _check_params(self, command: str, params: list[tuple[str, str]]) -> None:
        known = KNOWN_PARAMS.get(command)
        if known is None:
            return
        for name, _ in params:
            if name not in known:
                self._violation(command, f"unknown parameter {name!r} (Domoticz ignores it)")
        names = [name for name, _ in params]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self._violation(command, f"parameter {name!r} given twice (Domoticz reads the first)")

    # -- logins ----------------------------------------------------------------------------

    def _whitelisted(self, uri: str) -> bool:
        """``CheckAuthByPass``: the ``param=`` value of a ``type=command`` URI starts with a
        whitelisted command."""
        if "type=command" not in uri:
            return False
        positions = [p for p in (uri.find("&param="), uri.find("?param=")) if p != -1]
        if not positions:
            return False
        value = uri[min(positions) + 7 :].split("&", 1)[0]
        return any(value.startswith(command) for command in WHITELIST)

    def _authenticate(self, headers: Mapping[str, str], uri: str) -> tuple[_Session, str]:
        session = _Session()
        login = "none"
        if self.trusted:
            admin = next((u for u in self.users.values() if u.rights == ADMIN), None)
            session = _Session(admin.name if admin else "tmp_admin", ADMIN, True)
            login = "trusted"
        header = headers.get("authorization")
        if header is None:
            return session, login
        if "basic " in header.lower():
            decoded = self._basic(header)
            if decoded is None:
                return session, login
            if "/json.htm?" not in uri:
                return session, login
            user_name, password = decoded
            allowed = self.tls or self.allow_plain_basic_auth
            user = self.users.get(user_name)
            if allowed and user is not None and md5_hex(password) == md5_hex(user.password):
                return _Session(user.name, user.rights), f"basic:{user.name}"
            return _Session(), "basic-refused"
        if "bearer " in header.lower():
            token = header[header.lower().index("bearer ") + 7 :]
            user = self._jwt_user(token)
            if user is not None:
                return _Session(user.name, user.rights), f"jwt:{user.name}"
        return session, login

    @staticmethod
    def _basic(header: str) -> tuple[str, str] | None:
        encoded = header[header.lower().index("basic ") + 6 :]
        try:
            decoded = base64.b64decode(encoded.strip(), validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None

    def _client(self, client_id: str) -> tuple[int, str] | None:
        """(ID, stored secret hash) of an IAM application."""
        for position, (name, secret) in enumerate(self.applications.items(), start=1):
            if name == client_id:
                return OAUTH2_USERIDX_OFFSET + position, md5_hex(secret)
        return None

    def _jwt_user(self, token: str) -> FakeUser | None:
        """``parse_auth_header``'s JWT branch: None unless every check passes."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header_text = _b64url_decode(parts[0]).decode()
            header = json.loads(header_text)
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, binascii.Error):
            return None
        if "JWT" not in header_text or not isinstance(header, dict) or not header.get("alg"):
            return None
        if not isinstance(claims, dict) or "aud" not in claims or "iss" not in claims:
            return None
        client = self._client(str(claims["aud"]))
        if client is None or header["alg"] != "HS256":
            return None
        expected = hmac.new(client[1].encode(), f"{parts[0]}.{parts[1]}".encode(), "sha256")
        if not hmac.compare_digest(expected.digest(), signature):
            return None
        now = self.now()
        if claims.get("iss") != REALM:
            return None
        for claim in ("exp", "nbf", "iat", "sub"):
            if claim not in claims:
                return None
        if "kid" not in header or str(header["kid"]) != str(client[0]):
            return None
        if now > claims["exp"] + JWT_LEEWAY_S or now + JWT_LEEWAY_S < claims["nbf"]:
            return None
        if now + JWT_LEEWAY_S < claims["iat"]:
            return None
        return self.users.get(str(claims["sub"]))

    def _token(self, method: str, params: Mapping[str, str], headers: Mapping[str, str]) -> _Reply:
        """``CWebServer::PostOauth2AccessToken``, password grant only."""
        root: dict[str, Any] = {}
        content = "application/json;charset=UTF-8"
        if method != "POST":
            root["error"] = "invalid_request"
            return _Reply(400, styled(root), content)
        if params.get("grant_type") != "password":
            root["error"] = "unsupported_grant_type"
            return _Reply(400, styled(root), content)
        header = headers.get("authorization", "")
        decoded = self._basic(header) if "basic " in header.lower() else None
        user = self.users.get(decoded[0]) if decoded else None
        client = self._client(params.get("client_id", ""))
        if (
            decoded is None
            or user is None
            or md5_hex(decoded[1]) != md5_hex(user.password)
            or client is None
        ):
            root["error"] = "invalid_client"
            return _Reply(401, styled(root), content)
        now = int(self.now())
        head = {"alg": "HS256", "kid": str(client[0]), "typ": "JWT"}
        claims = {
            "aud": params["client_id"],
            "exp": now + self.token_lifetime,
            "iat": now,
            "iss": REALM,
            "jti": str(uuid.uuid4()),
            "name": user.name,
            "nbf": now,
            "preferred_username": user.name,
            "roles": [user.rights],
            "sub": user.name,
        }
        signing = f"{_b64url(json.dumps(head).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = hmac.new(client[1].encode(), signing.encode(), "sha256").digest()
        root = {
            "access_token": f"{signing}.{_b64url(signature)}",
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }
        return _Reply(200, styled(root), content)

    # -- commands --------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[_Session, dict[str, str], dict[str, Any]], None]]:
        return {
            "getversion": self._getversion,
            "getauth": self._getauth,
            "gethardware": self._gethardware,
            "addhardware": self._addhardware,
            "getdevices": self._getdevices,
            "createdevice": self._createdevice,
            "createvirtualsensor": self._createvirtualsensor,
            "setused": self._setused,
            "udevice": self._udevice,
        }

    def _getversion(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        root.update(status="OK", title="GetVersion")
        if session.rights == RIGHTS_NONE:
            return
        root.update(
            version=self.version,
            hash="0d1e2f3a",
            build_time="2025-09-20 10:28:08",
            dzvents_version="3.1.8",
            python_version="3.11.2 (main, Nov 30 2024, 21:22:50) [GCC 12.2.0]",
            UseUpdate=False,
            HaveUpdate=False,
        )
        if session.rights == ADMIN:
            root.update(DomoticzUpdateURL="", SystemName="linux", Revision=16773)

    def _getauth(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        root.update(status="OK", title="GetAuth")
        if session.rights != RIGHTS_NONE:
            root.update(user=session.username, rights=session.rights, version=self.version)

    def _gethardware(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        root["title"] = "gethardware"
        result = [
            {
                "Address": "",
                "DataTimeout": h.datatimeout,
                "Enabled": "true" if h.enabled else "false",
                "Extra": "",
                "LogLevel": 0,
                "Mode1": 0,
                "Mode2": 0,
                "Mode3": 0,
                "Mode4": 0,
                "Mode5": 0,
                "Mode6": 0,
                "Name": h.name,
                "Password": "",
                "Port": 0,
                "SerialPort": "",
                "Type": h.htype,
                "Username": "",
                "idx": str(h.idx),
            }
            for h in sorted(self.hardware.values(), key=lambda h: h.idx)
        ]
        if result:
            root["result"] = result
        root["status"] = "OK"

    def _admin(self, session: _Session, root: dict[str, Any]) -> None:
        if session.rights != ADMIN:
            raise _Refused(403, root)

    def _addhardware(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        self._admin(session, root)
        name, enabled, htype = p.get("name", ""), p.get("enabled", ""), p.get("htype", "")
        if not name or not enabled or not htype:
            return
        if atoi(htype) != HTYPE_DUMMY:
            self._violation("addhardware", f"htype {htype} is not modelled by this fake")
            return
        idx = max(self.hardware, default=0) + 1
        self.hardware[idx] = Hardware(
            idx, name, HTYPE_DUMMY, enabled == "true", atoi(p.get("datatimeout", ""))
        )
        root.update(status="OK", title="AddHardware", idx=str(idx))

    def _getdevices(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        root.update(status="OK", title="Devices", app_version=self.version)
        rid, hwidx = p.get("rid", ""), p.get("hwidx", "")
        used = p.get("used", "")
        hidden, disabled = p.get("displayhidden") == "1", p.get("displaydisabled") == "1"
        if rid:
            wanted = {int(x) for x in rid.split(",") if x.strip().isdigit()}
            selected = [d for i, d in sorted(self._devices.items()) if i in wanted]
        else:
            selected = [
                d
                for _, d in sorted(self._devices.items())
                if not hwidx or str(d.hardware_idx) == hwidx
            ]
        result = []
        user = self.users.get(session.username)
        for device in selected:
            if user is not None and user.devices is not None and device.idx not in user.devices:
                continue
            if not rid and not hidden and device.name.startswith("$"):
                continue
            owner = self.hardware.get(device.hardware_idx)
            if owner is not None and not owner.enabled and not disabled:
                continue
            if (used == "true" and not device.used) or (used == "false" and device.used):
                continue
            result.append(self._device_json(device))
        if result:
            root["result"] = result

    def _device_json(self, device: Device) -> dict[str, Any]:
        """The fields of a ``getdevices`` entry this fake fills (a subset of the real ones)."""
        type_name, subtype_name = device.names
        owner = self.hardware.get(device.hardware_idx)
        entry: dict[str, Any] = {
            "idx": str(device.idx),
            "ID": device.device_id,
            "Name": device.name,
            "Description": device.description,
            "HardwareID": device.hardware_idx,
            "HardwareName": owner.name if owner else "Unknown?",
            "Type": type_name,
            "SubType": subtype_name,
            "Unit": device.unit,
            "Used": 1 if device.used else 0,
            "Protected": device.protected,
            "LastUpdate": device.last_update,
            "Data": f"{device.nvalue}, {device.svalue}",
        }
        kind = (device.dtype, device.subtype)
        parts = string_split(device.svalue, ";")
        if kind == (P_GENERAL, S_TEXT):
            entry["Data"] = device.svalue
        elif kind == (P_GENERAL, S_ALERT):
            level = min(device.nvalue, 4)
            entry["Data"] = device.svalue or ALERT_DESC.get(level, "unknown level")
            entry["Level"] = level
        elif kind == (P_GENERAL, S_MANAGED):
            value = atof(parts[1]) if len(parts) >= 2 else atof(device.svalue)
            if len(parts) >= 2 and value < 0:
                value = atof(parts[0])
            entry["Data"] = entry["Counter"] = f"{value / 1000:.3f} kWh"
            entry["SwitchTypeVal"] = 0
        elif kind == (P_GENERAL, S_KWH):
            energy = atof(parts[1]) if len(parts) == 2 else 0.0
            entry["Data"] = f"{energy / 1000:.3f} kWh"
            entry["Usage"] = f"{atof(parts[0]) if parts else 0.0:g} Watt"
        elif kind == (P_P1, S_P1):
            if len(parts) != 6:
                entry["Data"] = f"Invalid!: {device.svalue}"
                entry["Usage"] = entry["CounterToday"] = "Invalid"
            else:
                usage = atoi(parts[0]) + atoi(parts[1])
                entry["Data"] = device.svalue
                entry["Counter"] = f"{usage / 1000:.3f}"
                entry["Usage"] = f"{atoi(parts[4])} Watt"
        elif kind == (P_GENERAL, S_CUSTOM):
            pieces = string_split(device.raw_options, ";")
            label = pieces[1] if len(pieces) == 2 else ""
            entry["Data"] = f"{atof(device.svalue):g} {label}"
            entry["SensorType"] = atoi(pieces[0]) if len(pieces) == 2 else 1
        return entry

    def _createdevice(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        self._admin(session, root)
        hardware, name = p.get("idx", ""), p.get("sensorname", "")
        if not hardware or not name:
            return
        mapped = p.get("sensormappedtype", "")
        if mapped:
            text = mapped[2:] if mapped.lower().startswith("0x") else mapped
            match = re.match(r"^[0-9a-fA-F]+", text)
            full = int(match[0], 16) & 0xFFFF if match else 0
            dtype, subtype = full >> 8, full & 0xFF
        elif p.get("devicetype") and p.get("devicesubtype"):
            dtype, subtype = atoi(p["devicetype"]), atoi(p["devicesubtype"])
        else:
            return
        hardware_idx = atoi(hardware)
        if hardware_idx not in self.hardware:
            self._violation(
                "createdevice",
                f"hardware idx {hardware} does not exist (Domoticz creates an orphan device)",
            )
        idx = self._create(hardware_idx, name, dtype, subtype, p.get("sensoroptions", ""))
        if idx is not None:
            root.update(status="OK", title="CreateSensor", idx=str(idx))

    def _createvirtualsensor(
        self, session: _Session, p: dict[str, str], root: dict[str, Any]
    ) -> None:
        """The older form (``Cmd_CreateMappedSensor``), kept for dzVents."""
        self._admin(session, root)
        hardware, name, sensortype = (
            p.get("idx", ""),
            p.get("sensorname", ""),
            p.get("sensortype", ""),
        )
        if not hardware or not name or not sensortype:
            return
        kind = VIRTUAL_SENSOR_TYPES.get(atoi(sensortype))
        if kind is None:
            self._violation("createvirtualsensor", f"sensortype {sensortype} is not modelled")
            return
        idx = self._create(atoi(hardware), name, *kind, p.get("sensoroptions", ""))
        if idx is not None:
            root.update(status="OK", title="CreateVirtualSensor", idx=str(idx))

    def _create(
        self, hardware_idx: int, name: str, dtype: int, subtype: int, sensoroptions: str
    ) -> int | None:
        kind = (dtype, subtype)
        if kind not in INITIAL_SVALUE:
            self._violation("createdevice", f"type {dtype:#x}/{subtype:#x} is not modelled")
            return None
        if kind == (P_GENERAL, S_CUSTOM) and not sensoroptions:
            return None  # CreateDevice creates no Custom sensor without options
        idx = max(self._devices, default=0) + 1
        device_id = str(idx + 82000)
        if kind in PADDED_ID:
            device_id = device_id.rjust(8, "0")
        self._devices[idx] = Device(
            idx,
            hardware_idx,
            device_id,
            dtype,
            subtype,
            name,
            svalue=INITIAL_SVALUE[kind],
            raw_options=sensoroptions if kind == (P_GENERAL, S_CUSTOM) else "",
            last_update=self._stamp(),
        )
        return idx

    def _setused(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        self._admin(session, root)
        idx, used = p.get("idx", ""), p.get("used", "")
        if not idx or not used:
            return
        device = self._devices.get(int(idx)) if idx.isdigit() else None
        if device is None:
            return
        name = p.get("name", "").strip()
        if name:
            device.name = name
            device.description = p.get("description", device.description).strip()
        elif "description" in p:
            self._violation("setused", "description without name: Domoticz does not save it")
        device.used = used == "true"
        device.protected = p.get("protected") == "true"
        if p.get("options"):
            device.options = self._decode_options(p["options"])
        if not device.used:
            self._delete(device.idx)
        root.update(status="OK", title="SetUsed")

    def _decode_options(self, encoded: str) -> dict[str, str]:
        try:
            text = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            self._violation("setused", f"options {encoded!r} is not base64 of k:v;k:v")
            return {}
        options: dict[str, str] = {}
        for item in string_split(text, ";"):
            name, sep, value = item.partition(":")
            if item and sep and value:
                options[name] = value
            elif item:
                self._violation("setused", f"option {item!r} is not name:value (dropped)")
        return options

    def _delete(self, idx: int) -> None:
        self._devices.pop(idx, None)
        for table in (
            self._meter_calendar,
            self._meter,
            self._multimeter_calendar,
            self._multimeter,
        ):
            for key in [k for k in table if k[0] == idx]:
                del table[key]

    def _udevice(self, session: _Session, p: dict[str, str], root: dict[str, Any]) -> None:
        if session.rights in (VIEWER, RIGHTS_NONE):
            raise _Refused(403, root)
        idx = p.get("idx", "")
        user = self.users.get(session.username)
        if session.rights != ADMIN and (
            user is None or (user.devices is not None and atoi(idx) not in user.devices)
        ):
            raise _Refused(403, root)
        nvalue, svalue = p.get("nvalue", ""), p.get("svalue", "")
        if not nvalue and not svalue:
            return
        device = self._devices.get(int(idx)) if idx.isdigit() else None
        if device is None:
            return
        if nvalue and not _STRICT_INT.match(nvalue):
            self._violation("udevice", f"nvalue {nvalue!r} is not an integer (atoi reads it)")
        if p.get("parsetrigger", "true") not in ("true", "false"):
            self._violation("udevice", f"parsetrigger {p['parsetrigger']!r} is not true/false")
        if device.managed:
            try:
                self._managed_update(device, atoi(nvalue), svalue)
            except ValueError:
                return  # std::stoll threw: MainWorker::UpdateDevice answers ERR
        else:
            self._check_current(device, atoi(nvalue), svalue)
            device.nvalue, device.svalue = atoi(nvalue), svalue
            device.last_update = self._stamp()
        root.update(status="OK", title="Update Device")

    def _stamp(self) -> str:
        return dt.datetime.fromtimestamp(self.now(), self.time_zone).strftime("%Y-%m-%d %H:%M:%S")

    def _number(self, text: str, where: str, *, clamp: bool) -> int:
        value = stoll(text)
        if not _STRICT_INT.match(text):
            self._violation("udevice", f"{where}: {text!r} is not a whole number (read as {value})")
        if clamp and value < 0:
            self._violation("udevice", f"{where}: {value} is negative (stored as 0)")
            return 0
        return value

    def _managed_update(self, device: Device, nvalue: int, svalue: str) -> None:
        parts = string_split(svalue, ";")
        is_counter = (device.dtype, device.subtype) == (P_GENERAL, S_MANAGED)
        where = f"device {device.idx}"
        if len(parts) in (3, 7, 11):
            date_text = parts[-1]
            values = [self._number(v, where, clamp=not is_counter) for v in parts[:-1]]
            if len(parts) == 3 and device.dtype == P_P1:
                self._violation("udevice", f"{where}: a P1 meter takes 7 or 11 dated fields")
            if len(parts) != 3 and device.dtype != P_P1:
                self._violation("udevice", f"{where}: {len(parts)} fields are for a P1 meter")
            short = len(string_split(date_text, " ")) > 1
            if not self._date_ok(date_text, short, where):
                return
            key = (device.idx, date_text)
            if len(parts) == 3:
                (self._meter if short else self._meter_calendar)[key] = (values[0], values[1])
            else:
                u1, u2, r1, r2, cons, prod = values[:6]
                row = (u1, r1, cons, prod, u2, r2)
                if short:
                    self._multimeter[key] = row
                else:
                    counters = tuple(values[6:10]) if len(parts) == 11 else (0, 0, 0, 0)
                    self._multimeter_calendar[key] = row + counters
            return
        self._check_current(device, nvalue, svalue)
        device.svalue = svalue
        device.last_update = self._stamp()

    def _date_ok(self, text: str, short: bool, where: str) -> bool:
        if short:
            if not check_datetime_sql(text):
                self._violation("udevice", f"{where}: date {text!r} dropped (not 19 characters)")
                return False
            if not _STRICT_DATETIME.match(text) or not local_time_exists(text, self.time_zone):
                self._violation(
                    "udevice", f"{where}: {text!r} is not an existing local time (stored as is)"
                )
            return True
        if not check_date_sql(text):
            self._violation(
                "udevice", f"{where}: date {text!r} dropped (UpdateCalendarMeter: incorrect date)"
            )
            return False
        if not _STRICT_DATE.match(text):
            self._violation("udevice", f"{where}: date {text!r} is not YYYY-MM-DD (stored as is)")
        return True

    def _check_current(self, device: Device, nvalue: int, svalue: str) -> None:
        """Violations for a current value that does not fit the device."""
        kind = (device.dtype, device.subtype)
        parts = string_split(svalue, ";")
        where = f"device {device.idx} ({'/'.join(device.names)})"

        def whole(values: list[str], count: int) -> bool:
            return len(values) == count and all(_STRICT_INT.match(v) for v in values)

        if kind == (P_P1, S_P1) and not (whole(parts, 6) and all(int(v) >= 0 for v in parts)):
            self._violation("udevice", f"{where}: {svalue!r} is not six whole non-negative numbers")
        elif kind == (P_GENERAL, S_MANAGED) and not whole(parts, 2):
            self._violation("udevice", f"{where}: {svalue!r} is not COUNTER;USAGE")
        elif kind == (P_GENERAL, S_KWH) and not (
            len(parts) == 2 and all(_STRICT_NUMBER.match(v) for v in parts)
        ):
            self._violation("udevice", f"{where}: {svalue!r} is not POWER;ENERGY")
        elif kind == (P_GENERAL, S_CUSTOM) and not _STRICT_NUMBER.match(svalue):
            self._violation("udevice", f"{where}: {svalue!r} is not a number")
        elif kind == (P_GENERAL, S_ALERT) and not 0 <= nvalue <= 4:
            self._violation("udevice", f"{where}: alert level {nvalue} is not 0-4")


__all__ = [
    "ADMIN",
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "DEFAULT_VERSION",
    "USER",
    "VIEWER",
    "Device",
    "DomoticzRequest",
    "FakeDomoticz",
    "Hardware",
    "Violation",
    "atoi",
    "check_date_sql",
    "parse_query",
    "stoll",
    "string_split",
    "styled",
]


def main() -> None:
    """Serve a fake in the foreground (for benchmarks), its ``/_fake/`` routes on, Basic auth
    accepted over plain HTTP; prints ``ready <url>`` once it serves."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default=DEFAULT_USER)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    args = parser.parse_args()
    fake = FakeDomoticz({args.user: (args.password, ADMIN)}, allow_plain_basic_auth=True)
    fake.port = args.port
    fake.control = True
    fake.start()
    print(f"ready {fake.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
