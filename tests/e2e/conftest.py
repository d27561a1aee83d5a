"""Fixtures of the browser tests: the service on demo data, Debian's Chromium, watched pages.

The Playwright driver and the browser are package-scoped, not session-scoped: between two sync
calls Playwright leaves its event loop marked as running in this thread, which would break the
asyncio tests that run after this package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, expect, sync_playwright

from myelectricaldata.ui import markers as m
from tests.e2e import harness
from tests.e2e.formats import shown
from tests.e2e.harness import DESKTOP, Service, Watch

#: The UI's password and the API token of the service bound beyond loopback.
UI_PASSWORD = "e2e-Correct-horse-9"
API_TOKEN = "e2e-token-5f0c2a9d8b7e4f61a3c2"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver (no browser download: it drives ``/usr/bin/chromium``)."""
    missing = harness.chromium_missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the whole package; each test gets its own context."""
    chromium = harness.launch_chromium(playwright)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="package")
def service() -> Iterator[Service]:
    """The service on loopback, demo data, its first backfill done."""
    server = Service("loopback")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def api(service: Service) -> Iterator[httpx.Client]:
    """An HTTP client of the loopback service's API."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def guarded_service() -> Iterator[Service]:
    """The service bound to 0.0.0.0 ("beyond loopback" for its access rule), with a UI password
    and an API token. The tests still only connect through 127.0.0.1."""
    server = Service(
        "guarded",
        host="0.0.0.0",
        env={"MED_UI_PASSWORD": UI_PASSWORD, "MED_API_TOKEN": API_TOKEN},
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


@dataclass
class UI:
    """A watched browser page on a service, with helpers that speak the markers contract."""

    page: Page
    watch: Watch
    base_url: str

    def goto(self, path: str, **query: str) -> None:
        """Open ``path`` (with ``query``) and wait until the page settled."""
        url = path + ("?" + urlencode(query) if query else "")
        self.page.goto(url, wait_until="domcontentloaded")
        self.settle()

    def open(self, page_marker: str, **query: str) -> Locator:
        """Open a page by its root marker and wait for its root element."""
        self.goto(m.PAGE_PATHS[page_marker], **query)
        root = self.page.get_by_test_id(page_marker)
        expect(root).to_be_visible()
        return root

    def settle(self) -> None:
        """Wait for the network to go quiet (NiceGUI keeps one websocket: it does not count)."""
        self.page.wait_for_load_state("networkidle")

    def by(self, marker: str) -> Locator:
        """The element carrying ``marker``."""
        return self.page.get_by_test_id(marker)

    def data_value(self, marker: str) -> str:
        """The ``data-value`` of a marked element, once it is visible."""
        element = self.by(marker)
        expect(element).to_have_count(1)
        return element.get_attribute("data-value") or ""

    def data_unit(self, marker: str) -> str:
        """The ``data-unit`` of a marked element."""
        return self.by(marker).get_attribute("data-unit") or ""

    def text(self, marker: str) -> str:
        """Visible text of a marked element (no-break spaces normalised to U+202F)."""
        return shown(self.by(marker).inner_text())

    def marked(self, prefix: str) -> dict[str, Marked]:
        """Every element whose marker starts with ``prefix``, read in one round trip."""
        found: list[dict[str, str]] = self.page.evaluate(
            """prefix => Array.from(document.querySelectorAll('[data-testid]'))
                .filter(e => e.dataset.testid.startsWith(prefix))
                .map(e => ({id: e.dataset.testid, value: e.dataset.value ?? '',
                            unit: e.dataset.unit ?? '', text: e.innerText ?? ''}))""",
            prefix,
        )
        return {f["id"]: Marked(f["value"], f["unit"], shown(f["text"])) for f in found}

    def input_of(self, marker: str) -> Locator:
        """The native <input> (or <textarea>) of a marked field: the element itself, or the
        one inside it when the marker sits on the Quasar wrapper."""
        element = self.by(marker)
        if element.evaluate("e => e.matches('input, textarea')"):
            return element
        return element.locator("input, textarea").first

    def fill(self, marker: str, text: str) -> None:
        """Type ``text`` into a marked input, then leave it (Quasar commits on change/blur)."""
        target = self.input_of(marker)
        target.fill(text)
        target.blur()


@dataclass(frozen=True)
class Marked:
    """A marked element as read from the DOM."""

    value: str
    unit: str
    text: str


def _new_ui(browser: Browser, base_url: str, **options: Any) -> Iterator[UI]:
    with harness.guarded_page(browser, base_url=base_url, **options) as (page, watch):
        page.set_default_timeout(15_000)
        ui = UI(page, watch, base_url)
        yield ui
        # Every page a test opened must have stayed offline and free of errors.
        watch.assert_clean()


@pytest.fixture
def ui(browser: Browser, service: Service) -> Iterator[UI]:
    """A fresh desktop page (French, light) on the loopback service."""
    yield from _new_ui(browser, service.url, viewport=DESKTOP)


@pytest.fixture
def guarded_ui(browser: Browser, guarded_service: Service) -> Iterator[UI]:
    """A fresh desktop page on the password-protected service."""
    yield from _new_ui(browser, guarded_service.url, viewport=DESKTOP)
