"""Beyond loopback the UI asks for a password (rate-limited) and API writes need the token.

The guarded service binds 0.0.0.0, which is "beyond loopback" for the service's rule; the tests
still only connect to it through 127.0.0.1. The rate-limit test locks 127.0.0.1 out of the
login for minutes, so it runs last in this module.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
from playwright.sync_api import expect

from myelectricaldata.api.security import MAX_FAILURES
from myelectricaldata.ui import markers as m
from tests.e2e.conftest import API_TOKEN, UI, UI_PASSWORD
from tests.e2e.harness import DESKTOP, PHONE, SCREENSHOTS, Service


def submit(ui: UI, password: str) -> None:
    """Type ``password`` into the login form and send it."""
    ui.by(m.LOGIN_PASSWORD).fill(password)
    ui.by(m.LOGIN_SUBMIT).click()
    ui.page.wait_for_load_state("domcontentloaded")


def test_service_refuses_to_listen_beyond_loopback_without_credentials() -> None:
    """No password and no token: ``serve --host 0.0.0.0`` exits and says how to set them."""
    refused = Service("refused", host="0.0.0.0", initial_sync=False)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "myelectricaldata", "serve", "--host", refused.host,
             "--port", str(refused.port)],
            cwd=refused.dir, env=refused.environment(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        refused.stop()
    said = done.stdout + done.stderr
    assert done.returncode != 0, said
    assert "MED_UI_PASSWORD" in said and "MED_API_TOKEN" in said, said


def test_ui_is_refused_without_the_password(guarded_ui: UI, guarded_service: Service) -> None:
    """Every page sends an anonymous browser to the login form."""
    ui = guarded_ui
    for path in ("/", "/consumption", "/exporter"):
        ui.goto(path)
        expect(ui.by(m.PAGE_LOGIN)).to_be_visible()
        expect(ui.by(m.PAGE_DASHBOARD)).to_have_count(0)
    assert "/login" in ui.page.url
    anonymous = httpx.get(f"{guarded_service.url}/", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
    # The login page is plain HTML that follows the system theme: shoot it in each.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        ui.page.set_viewport_size({"width": size["width"], "height": size["height"]})
        for theme in ("light", "dark"):
            ui.page.emulate_media(color_scheme=theme)
            ui.page.screenshot(path=SCREENSHOTS / f"login-{width}-{theme}.png", full_page=True)
        wide = ui.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= size["width"] + 1, f"the login page is {wide} px wide on a {width}"


def test_wrong_password_is_refused_and_the_right_one_lets_in(guarded_ui: UI) -> None:
    """A wrong password shows the error and no page; the right one opens the page asked for."""
    ui = guarded_ui
    ui.goto("/tempo")
    expect(ui.by(m.PAGE_LOGIN)).to_be_visible()
    submit(ui, "not-the-password")
    expect(ui.by(m.LOGIN_ERROR)).to_be_visible()
    expect(ui.by(m.PAGE_TEMPO)).to_have_count(0)
    # The refusal is an HTTP 401 for the form post: Chromium reports it in the console.
    ui.watch.console_errors[:] = [e for e in ui.watch.console_errors if "401" not in e]
    submit(ui, UI_PASSWORD)
    expect(ui.by(m.PAGE_TEMPO)).to_be_visible()
    expect(ui.by(m.LOGOUT)).to_be_visible()
    ui.settle()
    ui.by(m.nav(m.PAGE_DASHBOARD)).click()
    expect(ui.by(m.PAGE_DASHBOARD)).to_be_visible()
    ui.settle()
    ui.watch.assert_clean()
    ui.by(m.LOGOUT).click()
    expect(ui.by(m.PAGE_LOGIN)).to_be_visible()


def test_api_write_routes_need_the_token(guarded_service: Service) -> None:
    """Beyond loopback reads need the token too (by default); a write without the token (or
    with a wrong one) is a 401; with the token it goes through."""
    with httpx.Client(base_url=guarded_service.url, timeout=30) as client:
        assert client.get("/api/settings/tariff").status_code == 401
        tariff = client.get(
            "/api/settings/tariff", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
        assert tariff.status_code == 200
        prices = tariff.json()["data"]
        refused = client.put("/api/settings/tariff", json=prices)
        assert refused.status_code == 401
        assert "MED_API_TOKEN" in refused.json()["detail"]
        wrong = client.put(
            "/api/settings/tariff", json=prices, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        accepted = client.put(
            "/api/settings/tariff", json=prices, headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
        assert accepted.status_code == 200, accepted.text
        assert client.post("/api/sync").status_code == 401


def test_login_is_rate_limited_after_repeated_failures(guarded_ui: UI) -> None:
    """After the allowed failures even the right password is refused for a while (HTTP 429)."""
    ui = guarded_ui
    ui.goto("/")
    for _ in range(MAX_FAILURES):
        submit(ui, "guess")
        expect(ui.by(m.LOGIN_ERROR)).to_be_visible()
    with ui.page.expect_response(lambda r: r.url.endswith("/login")) as caught:
        submit(ui, UI_PASSWORD)
    assert caught.value.status == 429
    assert caught.value.headers.get("retry-after")
    expect(ui.by(m.LOGIN_ERROR)).to_be_visible()
    expect(ui.by(m.PAGE_DASHBOARD)).to_have_count(0)
    # The refusals are HTTP errors of the form posts: Chromium reports them in the console.
    ui.watch.console_errors[:] = [
        e for e in ui.watch.console_errors if "401" not in e and "429" not in e
    ]
