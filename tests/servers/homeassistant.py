"""Session fixture for a REAL Home Assistant Core (2025.4.4 from PyPI), on loopback only.

Home Assistant lives in its own virtual environment on Python 3.13, outside the repository
(``/var/cache/myelectricaldata/ha-2025.4.4``, or ``$HA_VENV``), built once by
``scripts/install-homeassistant.sh`` (``make test`` runs it; the fixture runs it too when the venv
is missing). Per session:

1. a config dir in a temp dir with a minimal ``configuration.yaml``: no ``default_config`` (it
   pulls in cloud, zeroconf, analytics uploads...), ``http`` on ``127.0.0.1:<free port>``,
   ``api``, ``websocket_api``, ``config`` (config-flow API), ``onboarding``, ``energy``,
   ``history``, ``recorder`` (SQLite in the config dir, ``commit_interval: 0`` so imported rows
   are readable at once), time zone Europe/Paris, currency EUR;
2. ``hass -c DIR --skip-pip``: it never pip-installs at start (the venv already holds every
   requirement of what it loads), so it needs no network;
3. ready when ``GET /api/onboarding`` answers 200;
4. onboarded headless: ``POST /api/onboarding/users`` -> ``auth_code`` -> ``POST /auth/token``
   -> access token -> WS ``auth/long_lived_access_token`` -> :attr:`HomeAssistantServer.token`.
   Only the ``user`` step: the ``core_config`` step would add the met, radio_browser and
   google_translate integrations, which reach the internet;
5. waits until ``GET /api/config`` says ``RUNNING``;
6. MQTT configured through the config-flow API (``POST /api/config/config_entries/flow``
   ``{"handler": "mqtt"}``, then the broker step) against the session's Mosquitto (anonymous
   listener), and waits until the entry is ``loaded``.

The object yielded has ``url``, ``ws_url``, ``token``, ``version``, ``port``, ``config_dir``,
``logs()``, ``stop()`` (graceful; ``start()`` brings it back on the same port, config, data and
token), ``kill()``, ``startup_seconds``/``onboarding_seconds`` (measured), REST helpers and
:meth:`HomeAssistantServer.websocket` (a small authenticated WebSocket client). Any failure
raises with the tail of Home Assistant's log.

Measured here (2 cores): venv build 82 s cold (no pip cache), 68 s with a warm cache, nothing
when built; start to ``RUNNING`` ~3 s, onboarding ~0.6 s, MQTT flow ~0.2 s; graceful stop
~1 s; restart ~2.5 s. What the tests must plan for:

- imports are queued to the recorder thread: the ``result`` comes back at once, the rows are
  readable later. The recorder upserts ~1,400 rows/s (a SELECT per row): 1,000 rows are
  readable after ~0.7 s, 17,520 (two years, one series) after ~12 s, so against this server
  import weeks, not years (full histories go to the fake). Poll with
  :meth:`HaWebSocket.wait_for_rows`.
- ``recorder/clear_statistics`` waits for the recorder (10 s): right after a big import it
  answers ``timeout`` / ``clear_statistics timed out`` (the clear still happens later).
- the session shares one server: use statistic ids of your own and clear them.
- HA opens an mDNS listener (UDP 5353, as every install does: aiohttp's resolver) but makes no
  outgoing connection; ``test_homeassistant_server.py`` checks it.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import free_port
from tests.servers.mosquitto import MosquittoServer

T = TypeVar("T")
VERSION = "2025.4.4"
REPO = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO / "scripts" / "install-homeassistant.sh"
USERNAME = "med-tests"
PASSWORD = "med-tests-password-0123"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0


def ha_venv() -> Path:
    """Where the Home Assistant venv is (``$HA_VENV`` or the shared cache path)."""
    return Path(os.environ.get("HA_VENV", f"/var/cache/myelectricaldata/ha-{VERSION}"))


def ensure_installed() -> Path:
    """The ``hass`` binary, building the venv with the install script first if needed."""
    hass = ha_venv() / "bin" / "hass"
    if hass.exists() and (ha_venv() / ".med-complete").exists():
        return hass
    done = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "HA_VERSION": VERSION, "HA_VENV": str(ha_venv())},
    )
    if done.returncode != 0 or not hass.exists():
        raise RuntimeError(
            f"Home Assistant is not installed and {INSTALL_SCRIPT.name} failed "
            f"(exit {done.returncode}); run it by hand to see why:\n{done.stdout}\n{done.stderr}"
        )
    return hass


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the test process dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: close() at session end still stops it


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even under a running event loop."""
    box: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(asyncio.run(coro))
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=target, name="ha-fixture-async")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


class HomeAssistantError(RuntimeError):
    """A WebSocket command answered ``success: false`` (``code``, ``message``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class HaWebSocket:
    """An authenticated connection to ``/api/websocket``: :meth:`call` one command at a time."""

    def __init__(self, conn: ClientConnection, ha_version: str) -> None:
        self.conn = conn
        self.ha_version = ha_version
        self._next_id = 1

    async def call(self, type_: str, **fields: Any) -> Any:
        """Send a command and return its ``result``; raise :class:`HomeAssistantError`."""
        msg_id = self._next_id
        self._next_id += 1
        await self.conn.send(json.dumps({"id": msg_id, "type": type_, **fields}))
        while True:
            reply = json.loads(await self.conn.recv())
            if reply.get("id") == msg_id and reply.get("type") in ("result", "pong"):
                break
        if reply["type"] == "pong":
            return None
        if not reply["success"]:
            raise HomeAssistantError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

    async def statistics(
        self,
        statistic_ids: list[str],
        start_time: str = "2000-01-01T00:00:00Z",
        end_time: str | None = None,
        period: str = "hour",
        types: tuple[str, ...] = ("sum", "state"),
    ) -> dict[str, list[dict[str, Any]]]:
        """``recorder/statistics_during_period`` (``start``/``end`` in epoch ms)."""
        fields: dict[str, Any] = {
            "start_time": start_time,
            "statistic_ids": statistic_ids,
            "period": period,
            "types": list(types),
        }
        if end_time is not None:
            fields["end_time"] = end_time
        result: dict[str, list[dict[str, Any]]] = await self.call(
            "recorder/statistics_during_period", **fields
        )
        return result

    async def wait_for_rows(
        self, statistic_id: str, count: int, within: float = 30.0
    ) -> list[dict[str, Any]]:
        """Poll until ``statistic_id`` has ``count`` hourly rows (imports are queued to the
        recorder thread: the import's ``success`` does not mean the rows are readable yet)."""
        deadline = time.monotonic() + within
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = (await self.statistics([statistic_id])).get(statistic_id, [])
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.05)
        raise AssertionError(f"{statistic_id}: {len(rows)} rows after {within} s, want {count}")


class HomeAssistantServer:
    """One ``hass`` process on 127.0.0.1, onboarded, with a long-lived admin token."""

    def __init__(self, mqtt: MosquittoServer | None = None) -> None:
        self.hass = ensure_installed()
        self.version = VERSION
        self.mqtt = mqtt
        # On tmpfs when there is one: the recorder writes ~25 % faster (it is CPU-bound anyway,
        # ~1,400 imported rows/s).
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.dir = Path(tempfile.mkdtemp(prefix="med-ha-", dir=shm))
        self.config_dir = self.dir / "config"
        self.config_dir.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/websocket"
        self.token = ""
        self.startup_seconds = 0.0
        self.onboarding_seconds = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdout = self.dir / "hass.out"
        self._log = self.config_dir / "home-assistant.log"
        self._write_config()

    def _write_config(self) -> None:
        (self.config_dir / "configuration.yaml").write_text(
            f"""# Written by tests/servers/homeassistant.py. No default_config: it loads cloud,
# zeroconf, ssdp, dhcp... which reach out to the network.
homeassistant:
  name: MyElectricalData tests
  latitude: 48.8566
  longitude: 2.3522
  elevation: 35
  unit_system: metric
  time_zone: Europe/Paris
  currency: EUR
  country: FR
  language: fr
  internal_url: {self.url}
http:
  server_host: 127.0.0.1
  server_port: {self.port}
api:
websocket_api:
config:
onboarding:
energy:
history:
recorder:
  db_url: sqlite:///{self.config_dir / "home-assistant_v2.db"}
  # Commit at once: imported statistics become readable without waiting for the 1 s default.
  commit_interval: 0
  auto_purge: false
logger:
  default: info
"""
        )

    # -- process ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start (or restart on the same port, config and data) and wait until it serves."""
        if self.running:
            return
        begin = time.monotonic()
        with self._stdout.open("ab") as out:
            self._proc = subprocess.Popen(
                [str(self.hass), "-c", str(self.config_dir), "--skip-pip",
                 "--log-file", str(self._log)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Own process group: a Ctrl-C in the terminal does not reach it mid-test...
                start_new_session=True,
                # ...but it dies with the test process, even a SIGKILLed one.
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        self._wait(lambda: self._get("/api/onboarding").status_code == 200, "GET /api/onboarding")
        first = not self.token
        if first:
            self._onboard()
        self._wait(
            lambda: self.rest("GET", "/api/config").json().get("state") == "RUNNING",
            "GET /api/config state RUNNING",
        )
        if first:
            self.startup_seconds = time.monotonic() - begin - self.onboarding_seconds
            if self.mqtt is not None:
                self._configure_mqtt(self.mqtt)

    def _wait(self, ready: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"hass exited while waiting for {what}:\n{self.logs(80)}")
            try:
                if ready():
                    return
            except (httpx.HTTPError, ValueError) as err:
                last = err
            time.sleep(0.05)
        raise RuntimeError(
            f"Home Assistant: no {what} after {timeout} s ({last}):\n{self.logs(80)}"
        )

    def stop(self) -> None:
        """Graceful stop (SIGTERM: HA saves its storage, the recorder commits); restartable."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Crash it (SIGKILL)."""
        self._end(signal.SIGKILL)

    def _end(self, sig: signal.Signals) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(sig)
            try:
                self._proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None

    def close(self) -> None:
        """Kill and delete everything."""
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self, lines: int | None = None) -> str:
        """Home Assistant's log (the whole of it, or its last ``lines`` lines)."""
        parts = []
        for path in (self._stdout, self._log):
            try:
                parts.append(path.read_text(errors="replace"))
            except OSError:
                continue
        text = "\n".join(parts)
        return text if lines is None else "\n".join(text.splitlines()[-lines:])

    # -- HTTP ------------------------------------------------------------------------------

    def _get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5)

    def rest(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A REST call with the long-lived token."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    @asynccontextmanager
    async def websocket(self, token: str | None = None) -> AsyncIterator[HaWebSocket]:
        """An authenticated WebSocket connection (``max_size=None``: answers can be big)."""
        async with connect(self.ws_url, max_size=None) as conn:
            hello = json.loads(await conn.recv())
            await conn.send(json.dumps({"type": "auth", "access_token": token or self.token}))
            answer = json.loads(await conn.recv())
            if answer.get("type") != "auth_ok":
                raise HomeAssistantError("auth_invalid", str(answer.get("message")))
            yield HaWebSocket(conn, hello["ha_version"])

    def _onboard(self) -> None:
        begin = time.monotonic()
        client_id = f"{self.url}/"
        user = httpx.post(
            f"{self.url}/api/onboarding/users",
            json={"client_id": client_id, "name": "MED tests", "username": USERNAME,
                  "password": PASSWORD, "language": "fr"},
            timeout=30,
        )  # fmt: skip
        if user.status_code != 200:
            raise RuntimeError(
                f"onboarding user step: HTTP {user.status_code} {user.text}\n{self.logs(40)}"
            )
        tokens = httpx.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": user.json()["auth_code"],
                  "client_id": client_id},
            timeout=30,
        )  # fmt: skip
        if tokens.status_code != 200:
            raise RuntimeError(f"/auth/token: HTTP {tokens.status_code} {tokens.text}")
        access = tokens.json()["access_token"]

        async def long_lived() -> str:
            async with self.websocket(access) as ws:
                token: str = await ws.call(
                    "auth/long_lived_access_token", client_name="med-tests", lifespan=3650
                )
                return token

        self.token = _run(long_lived())
        self.onboarding_seconds = time.monotonic() - begin

    def _configure_mqtt(self, broker: MosquittoServer) -> None:
        flow = self.rest("POST", "/api/config/config_entries/flow", json={"handler": "mqtt"}).json()
        if flow.get("type") != "form" or flow.get("step_id") != "broker":
            raise RuntimeError(f"MQTT config flow did not offer the broker step: {flow}")
        done = self.rest(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            json={"broker": broker.host, "port": broker.port},
        ).json()
        if done.get("type") != "create_entry":
            raise RuntimeError(f"MQTT broker step refused: {done}\n{self.logs(40)}")
        self._wait(lambda: self.mqtt_entry_state() == "loaded", "MQTT config entry loaded", 30)

    def config_entries(self) -> list[dict[str, Any]]:
        """``GET /api/config/config_entries/entry``."""
        entries: list[dict[str, Any]] = self.rest("GET", "/api/config/config_entries/entry").json()
        return entries

    def mqtt_entry_state(self) -> str | None:
        """State of the MQTT config entry (``loaded`` when connected to the broker)."""
        for entry in self.config_entries():
            if entry["domain"] == "mqtt":
                return str(entry["state"])
        return None


@pytest.fixture(scope="session")
def homeassistant(mosquitto: MosquittoServer) -> Iterator[HomeAssistantServer]:
    """The session's real Home Assistant (started once; ~4 s warm, see the README)."""
    server = HomeAssistantServer(mqtt=mosquitto)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def homeassistant_server(homeassistant: HomeAssistantServer) -> HomeAssistantServer:
    """The session's Home Assistant, running (restarted if a previous test stopped it)."""
    homeassistant.start()
    return homeassistant
