"""What the end-to-end tests and ``bench/ui.py`` share: the service as a real process, and
Debian's Chromium driven by Playwright with every non-loopback request blocked.

Playwright never downloads a browser here (``playwright install`` would fail offline): it
launches ``/usr/bin/chromium`` (``scripts/install-system-deps.sh`` installs it). Each browser
context gets a fresh temporary profile from Playwright.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    WebSocket,
)

from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
#: Flags for a headless Chromium as root, quiet on the network (no updates, sync, QUIC...), in
#: French: the UI is tested as a French household's browser shows it (dates, decimal commas,
#: the date inputs' jj/mm/aaaa).
CHROMIUM_ARGS = [
    "--headless",
    "--lang=fr-FR",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

#: Environment variables of the service a developer's shell might carry into a test run.
_SERVICE_ENV_PREFIXES = (
    "MED_",
    "DATABASE_URL",
    "SYNC_",
    "SCHEDULER_",
    "DEBUG",
    "HOMEASSISTANT_",
    "MQTT_",
    "VICTORIAMETRICS_",
    "INFLUXDB_",
    "PROMETHEUS_",
    "WEBHOOK_",
    "JEEDOM_",
    "DOMOTICZ_",
    "OPENHAB_",
)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found: run `make system-deps` (Debian's chromium package)"
    return None


class Service:
    """``python -m myelectricaldata serve`` on demo data in a throw-away data directory."""

    def __init__(
        self,
        name: str,
        *,
        host: str = "127.0.0.1",
        env: Mapping[str, str] | None = None,
        initial_sync: bool = True,
    ) -> None:
        self.name = name
        self.host = host
        self.port = free_port()
        # Even when bound to 0.0.0.0 the tests only ever talk to loopback.
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"med-e2e-{name}-"))
        self.log_path = self.dir / "service.log"
        self.initial_sync = initial_sync
        self._extra_env = dict(env or {})
        self._proc: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """The environment the process gets: the test run's, minus service settings, plus ours."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SERVICE_ENV_PREFIXES)}
        env |= {
            "MED_DATA_DIR": str(self.dir / "data"),
            "SCHEDULER_ENABLED": "false",
            "MED_INITIAL_SYNC": "true" if self.initial_sync else "false",
            "PYTHONUNBUFFERED": "1",
        }
        return env | self._extra_env

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until ``/api/health`` answers (and the demo backfill)."""
        with self.log_path.open("wb") as log:
            # cwd in the temp dir: a developer's .env in the repo must not leak in.
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "myelectricaldata", "serve", "--host", self.host,
                 "--port", str(self.port)],
                cwd=self.dir, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        # Beyond loopback the API's reads take the token (MED_PROTECT_READS defaults to true).
        token = self._extra_env.get("MED_API_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with httpx.Client(base_url=self.url, timeout=5, headers=headers) as client:
            while True:
                self._check_alive()
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start:\n{self.log()}")
                time.sleep(0.1)
            if self.initial_sync:
                self.wait_sync(client, deadline)

    def wait_sync(self, client: httpx.Client, deadline: float) -> None:
        """Wait until the start-up sync (the demo backfill) finished."""
        while True:
            self._check_alive()
            status = client.get("/api/sync").json()
            if not status["running"] and status["last"]:
                last = status["last"][0]
                if last["status"] not in ("success", "partial"):
                    raise RuntimeError(f"{self.name}: start-up sync {last}\n{self.log()}")
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: start-up sync still running\n{self.log()}")
            time.sleep(0.2)

    def _check_alive(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self._proc.returncode}):\n{self.log()}")

    def log(self) -> str:
        """What the service printed so far (its last 8000 characters)."""
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the process (SIGINT: uvicorn's graceful shutdown) and delete its data."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self._proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; Playwright gives every context a fresh temporary profile.

    Every non-loopback request goes to a proxy on a closed loopback port, so it fails on this
    machine instead of leaving it (Chromium never proxies loopback). That holds for contexts
    without route interception too; :func:`guarded_page` still records and fails such requests.
    """
    dead_proxy = f"--proxy-server=http://127.0.0.1:{free_port()}"
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, dead_proxy], timeout=60_000
    )


def is_loopback_url(url: str) -> bool:
    """True for URLs that stay on this machine (loopback host) or carry no host at all."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error", "chrome-extension"):
        return True
    host = (parts.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Watch:
    """What a page did wrong: console errors, uncaught exceptions, off-machine requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything recorded, one line each."""
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"request off this machine (blocked): {u}" for u in self.blocked]
        )

    def assert_clean(self) -> None:
        """Fail with every problem recorded, then forget them."""
        problems = self.problems()
        self.console_errors.clear()
        self.page_errors.clear()
        self.blocked.clear()
        assert not problems, "\n".join(problems)


def guard_context(context: BrowserContext, watch: Watch) -> None:
    """Abort (and record) every request leaving loopback: the UI must work offline."""

    def route(route: Route) -> None:
        url = route.request.url
        if is_loopback_url(url):
            route.fallback()
        else:
            watch.blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)


def watch_page(page: Page, watch: Watch) -> None:
    """Record the page's console errors, uncaught exceptions and off-machine websockets."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            where = f" ({location.get('url')}:{location.get('lineNumber')})" if location else ""
            watch.console_errors.append(message.text + where)

    def websocket(socket: WebSocket) -> None:
        # Websockets bypass route interception; a remote one is a failure all the same.
        if not is_loopback_url(socket.url.replace("ws", "http", 1)):
            watch.blocked.append(socket.url)

    page.on("console", console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.on("websocket", websocket)


@contextmanager
def guarded_page(
    browser: Browser,
    *,
    viewport: Mapping[str, int] = DESKTOP,
    dark: bool = False,
    base_url: str | None = None,
    watch: Watch | None = None,
    block: bool = True,
    **options: Any,
) -> Iterator[tuple[Page, Watch]]:
    """A page in a fresh context (French locale and ``Accept-Language``, Paris time) whose
    traffic is watched.

    ``block`` intercepts every request and aborts those leaving loopback. Interception turns
    the browser's HTTP cache off (every page load fetches NiceGUI's 900 KiB of scripts again),
    so the screenshot tour and the bench pass ``block=False``: off-machine requests are then
    recorded from the request events (and fail at the browser's dead proxy).
    """
    watch = watch if watch is not None else Watch()
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        color_scheme="dark" if dark else "light",
        locale="fr-FR",
        timezone_id="Europe/Paris",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        base_url=base_url,
        accept_downloads=True,
        **options,
    )
    try:
        if block:
            guard_context(context, watch)
        else:
            context.on(
                "request",
                lambda r: None if is_loopback_url(r.url) else watch.blocked.append(r.url),
            )
        context.on("page", lambda p: watch_page(p, watch))
        page = context.new_page()
        yield page, watch
    finally:
        context.close()
