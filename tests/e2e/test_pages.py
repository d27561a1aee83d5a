"""Every page loads offline with no console error, in light and dark, on a desktop and a phone;
a screenshot of each is written under ``test-artifacts/screenshots/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from myelectricaldata.ui import markers as m
from tests.e2e.harness import DESKTOP, PHONE, SCREENSHOTS, Service, guarded_page

#: Quasar puts this class on <body> in dark mode.
DARK_CLASS = "body--dark"


def is_dark(page: Page) -> bool:
    """True when the page is in dark mode."""
    return bool(page.evaluate(f"document.body.classList.contains('{DARK_CLASS}')"))


def set_theme(page: Page, dark: bool) -> None:
    """Bring the page to the wanted theme with the header's switch (it cycles)."""
    for _ in range(3):
        if is_dark(page) == dark:
            return
        page.get_by_test_id(m.SWITCH_THEME).click()
        page.wait_for_timeout(150)
    assert is_dark(page) == dark, f"the theme switch never reached dark={dark}"


def wait_drawn(page: Page) -> None:
    """Wait until the network is quiet and every visible chart has drawn (ECharts animation is
    off in the UI, so a drawn chart is a finished one)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-testid^="chart:"]'))
            .filter(c => c.offsetParent !== null && !c.dataset.testid.startsWith('chart:tempo')
                         && !c.dataset.testid.startsWith('chart:ecowatt'))
            .every(c => c.querySelector('canvas, svg'))"""
    )


#: Pixels a page may be wider than the phone's screen (rounding of sub-pixel layouts).
OVERFLOW_TOLERANCE = 1


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_loads_offline_without_console_error(
    browser: Browser, service: Service, width: str, dark: bool
) -> None:
    """Open each page in turn: its root shows, nothing fails in the console, no request
    leaves the machine, and on a phone nothing is wider than the screen. The screenshot of
    each is kept as a test artefact ``<page>-<desktop|phone>-<light|dark>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    theme = "dark" if dark else "light"
    viewport = PHONE if width == "phone" else DESKTOP
    problems: list[str] = []
    # No route interception here (it disables the HTTP cache and makes this tour 40 % slower):
    # off-machine requests are still recorded, fail the test, and never leave (dead proxy).
    with guarded_page(browser, viewport=viewport, base_url=service.url, block=False) as (
        page,
        watch,
    ):
        page.set_default_timeout(20_000)
        for marker, path in m.PAGE_PATHS.items():
            page.goto(path, wait_until="domcontentloaded")
            expect(page.get_by_test_id(marker)).to_be_visible()
            if is_dark(page) != dark:
                set_theme(page, dark)
                # Reload: charts take their colours from the theme when the page is built.
                page.reload(wait_until="domcontentloaded")
                expect(page.get_by_test_id(marker)).to_be_visible()
            assert is_dark(page) == dark, f"{path} did not keep the {theme} theme"
            expect(page.get_by_test_id(m.BADGE_DEMO)).to_be_visible()
            wait_drawn(page)
            name = marker.removeprefix("page:")
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}-{theme}.png", full_page=True)
            if width == "phone":
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > viewport["width"] + OVERFLOW_TOLERANCE:
                    problems.append(
                        f"{path}: the page is {wide} px wide on a {viewport['width']} px phone "
                        f"(scrolls sideways): {_widest(page, viewport['width'])}"
                    )
            problems += [f"{path}: {p}" for p in watch.problems()]
            watch.console_errors.clear()
            watch.page_errors.clear()
            watch.blocked.clear()
    assert not problems, "\n".join(problems)


def _widest(page: Page, limit: int) -> str:
    """The marked elements (or the first elements) sticking out past ``limit`` pixels."""
    found: list[str] = page.evaluate(
        """limit => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > limit + 1
                         && !e.closest('.q-table__middle, .q-drawer, .q-scrollarea'))
            .filter(e => !Array.from(e.children).some(
                c => c.getBoundingClientRect().right > limit + 1))
            .slice(0, 3)
            .map(e => (e.closest('[data-testid]')?.dataset.testid ?? '') + ' <' +
                      e.tagName.toLowerCase() + '> ' + (e.innerText || '').slice(0, 30))""",
        limit,
    )
    return "; ".join(found) or "no element found"


def test_phone_drawer_opens_from_the_menu_button(browser: Browser, service: Service) -> None:
    """On a phone the navigation hides behind the menu button, which opens it."""
    with guarded_page(browser, viewport=PHONE, base_url=service.url) as (page, watch):
        page.goto("/", wait_until="domcontentloaded")
        expect(page.get_by_test_id(m.PAGE_DASHBOARD)).to_be_visible()
        link = page.get_by_test_id(m.nav(m.PAGE_TEMPO))
        expect(link).not_to_be_in_viewport()
        page.get_by_test_id(m.SHELL_MENU).click()
        expect(link).to_be_in_viewport()
        link.click()
        expect(page.get_by_test_id(m.PAGE_TEMPO)).to_be_visible()
        assert page.url.endswith("/tempo")
        page.wait_for_load_state("networkidle")
        watch.assert_clean()


@pytest.mark.parametrize("block", [True, False], ids=["intercepted", "recorded"])
def test_the_watch_catches_errors_and_requests_off_the_machine(
    browser: Browser, service: Service, block: bool
) -> None:
    """The guard itself: a console error, an uncaught exception and a request to a
    non-loopback address (TEST-NET-1, never routed) are all reported, and the request is
    stopped before it leaves, with or without route interception."""
    with guarded_page(browser, base_url=service.url, block=block) as (page, watch):
        page.goto("/api/health")
        outcome = page.evaluate(
            "fetch('http://192.0.2.1/probe').then(() => 'answered', e => 'failed: ' + e)"
        )
        assert outcome.startswith("failed"), outcome
        assert watch.blocked == ["http://192.0.2.1/probe"]
        page.evaluate("console.error('probe error')")
        page.evaluate("setTimeout(() => { throw new Error('probe exception') }, 0)")
        page.wait_for_timeout(100)
        assert any("probe error" in e for e in watch.console_errors), watch.console_errors
        assert any("probe exception" in e for e in watch.page_errors), watch.page_errors
        with pytest.raises(AssertionError, match=r"192\.0\.2\.1"):
            watch.assert_clean()
