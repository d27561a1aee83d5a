"""Every page passes axe-core (WCAG 2.1 A and AA: contrast, names, labels, structure) in the
light and the dark theme, on a desktop and a phone, in French and in English, the login page of
a service open beyond loopback included (with and without its error); each has exactly one
``<h1>``, named icon buttons, and a text summary for each chart.

axe-core is the copy the PyPI package ``axe-playwright-python`` ships (nothing is fetched).
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from myelectricaldata.api.security import login_page
from myelectricaldata.ui import markers as m
from tests.e2e.harness import DESKTOP, PHONE, Service, Watch, guarded_page
from tests.e2e.test_pages import wait_drawn

#: The rule sets checked: WCAG 2.0/2.1 levels A and AA, and axe's best practices (one h1,
#: landmarks, headings).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                         "best-practice"]},
    "resultTypes": ["violations"],
}  # fmt: skip
#: An unknown path: the UI's own 404 page.
MISSING = "/no-such-page"
PAGES = [*m.PAGE_PATHS.values(), MISSING]


def forget_the_404(watch: Watch) -> None:
    """Chromium logs the 404 page's own status as a console error: expected here."""
    watch.console_errors[:] = [e for e in watch.console_errors if MISSING not in e]


def violations(page: Page) -> list[str]:
    """axe-core's violations on the page, one line per rule with its first elements."""
    result: dict[str, Any] = Axe().run(page, options=AXE_OPTIONS).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            f"{n['target']} {(n.get('failureSummary') or '').splitlines()[-1:]}"
            for n in v["nodes"][:3]
        )
        for v in result["violations"]
    ]


#: (width, dark, language): both themes at both widths in French, and English on each width.
COMBINATIONS = [
    ("desktop", False, "fr"),
    ("desktop", True, "fr"),
    ("phone", False, "fr"),
    ("phone", True, "fr"),
    ("desktop", True, "en"),
    ("phone", False, "en"),
]


@pytest.mark.parametrize(
    ("width", "dark", "lang"),
    COMBINATIONS,
    ids=[f"{w}-{'dark' if d else 'light'}-{lang}" for w, d, lang in COMBINATIONS],
)
def test_every_page_passes_axe(
    browser: Browser, service: Service, width: str, dark: bool, lang: str
) -> None:
    theme = "dark" if dark else "light"
    viewport = PHONE if width == "phone" else DESKTOP
    problems: list[str] = []
    with guarded_page(browser, viewport=viewport, dark=dark, base_url=service.url,
                      block=False) as (page, watch):  # fmt: skip
        page.set_default_timeout(20_000)
        for path in PAGES:
            page.goto(f"{path}?lang={lang}&theme={theme}", wait_until="domcontentloaded")
            wait_drawn(page)
            problems += [f"{path}: {v}" for v in violations(page)]
        forget_the_404(watch)
        watch.assert_clean()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("width", "dark", "lang"),
    COMBINATIONS,
    ids=[f"{w}-{'dark' if d else 'light'}-{lang}" for w, d, lang in COMBINATIONS],
)
def test_the_login_page_passes_axe(
    browser: Browser, guarded_service: Service, width: str, dark: bool, lang: str
) -> None:
    viewport = PHONE if width == "phone" else DESKTOP
    with guarded_page(browser, viewport=viewport, dark=dark, base_url=guarded_service.url,
                      block=False) as (page, watch):  # fmt: skip
        page.goto(f"/login?lang={lang}&next=%2Ftempo", wait_until="domcontentloaded")
        expect(page.get_by_test_id(m.PAGE_LOGIN)).to_be_visible()
        assert page.locator("html").get_attribute("lang") == lang
        problems = [f"login: {v}" for v in violations(page)]
        # The page as a refused login shows it: the same HTML with its error line. (Built by the
        # function that serves it: a wrong password here would count against the login limit
        # the access tests share.)
        page.set_content(login_page(lang, "/tempo", error="Mot de passe incorrect. / Wrong."))
        expect(page.get_by_test_id("login:error")).to_be_visible()
        problems += [f"login with its error: {v}" for v in violations(page)]
        watch.assert_clean()
    assert not problems, "\n".join(problems)


def test_each_page_has_one_h1_named_buttons_and_described_charts(
    browser: Browser, service: Service
) -> None:
    with guarded_page(browser, base_url=service.url, block=False) as (page, watch):
        for path in PAGES:
            page.goto(path, wait_until="domcontentloaded")
            wait_drawn(page)
            assert page.locator("h1").count() == 1, path
            expect(page.locator("h1")).not_to_be_empty()
            unnamed = page.evaluate(
                """() => Array.from(document.querySelectorAll('button, [role=button]'))
                    .filter(b => b.offsetParent !== null)
                    .filter(b => !(b.getAttribute('aria-label') || b.innerText.trim()
                                   || b.getAttribute('aria-labelledby')))
                    .map(b => b.outerHTML.slice(0, 120))"""
            )
            assert unnamed == [], f"{path}: buttons without a name {unnamed}"
            charts = page.locator('[data-testid^="chart:"][role="img"]')
            for i in range(charts.count()):
                chart = charts.nth(i)
                marker = chart.get_attribute("data-testid") or ""
                assert chart.get_attribute("aria-label"), f"{path}: {marker} has no name"
                described = chart.get_attribute("aria-describedby") or ""
                summary = page.locator(f"#{described}")
                expect(summary).to_have_attribute("data-testid", m.summary(marker))
                assert len(summary.inner_text()) > 20, f"{path}: {marker} summary too short"
        forget_the_404(watch)
        watch.assert_clean()
