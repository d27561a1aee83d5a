"""Access control: open on loopback; beyond it a UI login (rate-limited) and an API token for
write routes; the service refuses to start beyond loopback without them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from myelectricaldata.api import create_app
from myelectricaldata.api.security import (
    MAX_FAILURES,
    SESSION_COOKIE,
    AccessNotConfigured,
    AccessPolicy,
    LoginLimiter,
    access_policy,
    hash_password,
    is_loopback,
    safe_next,
    save_password,
    save_token,
    verify_password,
)
from myelectricaldata.cli import main
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_TEMPO_PDL, DemoSource
from tests.api.conftest import fill, fixed_clock, make_settings

PASSWORD = "Correct-horse-battery-9"
TOKEN = "tok-7f3a9c2e5b1d4f60a8e2c4b6d8f0a1c3"


def _runtime(data_dir: Path, **overrides: Any) -> Runtime:
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(make_settings(data_dir, **overrides), source=source)
    asyncio.run(fill(runtime, source))
    return runtime


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app bound to 0.0.0.0 with a UI password and an API token."""
    runtime = _runtime(
        tmp_path_factory.mktemp("guarded"),
        med_host="0.0.0.0",
        med_ui_password=PASSWORD,
        med_api_token=TOKEN,
    )
    with TestClient(create_app(runtime, clock=fixed_clock), follow_redirects=False) as http:
        yield http


@pytest.fixture
def fresh_limiter(guarded: TestClient) -> Iterator[None]:
    """Each test starts with no recorded login failure."""
    policy: AccessPolicy = guarded.app.state.access  # type: ignore[attr-defined]
    policy.limiter = LoginLimiter()
    guarded.cookies.clear()
    yield
    guarded.cookies.clear()


def _login(http: TestClient, password: str, next_path: str = "/") -> Any:
    return http.post("/login", data={"password": password, "next": next_path})


# -- the bind address ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_loopback(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "my-nas.lan", ""])
def test_every_other_address_is_beyond_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_loopback_bind_is_open_without_credentials(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    with TestClient(create_app(runtime, clock=fixed_clock), follow_redirects=False) as http:
        assert http.get("/").status_code == 200
        assert http.get(f"/api/consumption/daily/{DEMO_TEMPO_PDL}").status_code == 200
        # A write route answers on its own terms (here: a validation error), no 401.
        assert http.put("/api/settings/tariff", json={"base_eur_kwh": -1}).status_code == 422


# -- startup refusal -----------------------------------------------------------------------------


def test_non_loopback_bind_without_credentials_refuses_to_start(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, med_host="0.0.0.0")
    with pytest.raises(AccessNotConfigured) as refused:
        create_app(runtime, clock=fixed_clock)
    text = str(refused.value)
    assert "refusing to listen on 0.0.0.0" in text
    assert "MED_UI_PASSWORD" in text and "myelectricaldata password" in text
    assert "MED_API_TOKEN" in text and "myelectricaldata token" in text
    assert "--host 127.0.0.1" in text


def test_only_the_missing_credential_is_asked_for(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, med_host="192.168.1.20", med_ui_password=PASSWORD)
    with pytest.raises(AccessNotConfigured) as refused:
        access_policy(runtime.settings, runtime.store)
    assert "MED_API_TOKEN" in str(refused.value)
    assert "MED_UI_PASSWORD" not in str(refused.value)


def test_stored_hash_and_digest_replace_the_environment(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, med_host="0.0.0.0")
    save_password(runtime.store, PASSWORD)
    save_token(runtime.store, TOKEN)
    policy = access_policy(runtime.settings, runtime.store)
    assert policy.check_password(PASSWORD) and not policy.check_password("nope")
    assert policy.check_token(TOKEN) and not policy.check_token(TOKEN + "x")
    # Neither is stored in clear.
    stored = " ".join(value for value, _ in runtime.store.settings("").values())
    assert PASSWORD not in stored and TOKEN not in stored


def test_serve_refuses_beyond_loopback_and_says_how(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("MED_UI_PASSWORD", "MED_API_TOKEN", "MED_CLIENT_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MED_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MED_INITIAL_SYNC", "false")
    monkeypatch.setenv("SCHEDULER_ENABLED", "false")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "8"])
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0" in result.output
    assert "MED_UI_PASSWORD" in result.output and "MED_API_TOKEN" in result.output


# -- the UI login ----------------------------------------------------------------------------------


def test_ui_redirects_to_login(guarded: TestClient, fresh_limiter: None) -> None:
    answer = guarded.get("/consumption?period=week")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fconsumption%3Fperiod%3Dweek"
    page = guarded.get("/login")
    assert page.status_code == 200
    for marker in ("page:login", "login:form", "login:password", "login:submit"):
        assert f'data-testid="{marker}"' in page.text
    assert "Mot de passe" in page.text  # French by default


def test_wrong_password_is_refused(guarded: TestClient, fresh_limiter: None) -> None:
    answer = _login(guarded, "wrong")
    assert answer.status_code == 401
    assert 'data-testid="login:error"' in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert guarded.get("/").status_code == 303


def test_right_password_opens_the_ui_and_goes_back(
    guarded: TestClient, fresh_limiter: None
) -> None:
    answer = _login(guarded, PASSWORD, "/tempo")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/tempo"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = guarded.get("/tempo")
    assert page.status_code == 200 and "page:tempo" in page.text
    # Signing out forgets the session.
    assert guarded.get("/logout").status_code == 303
    guarded.cookies.clear()
    assert guarded.get("/tempo").status_code == 303


def test_login_never_redirects_to_another_site(guarded: TestClient, fresh_limiter: None) -> None:
    assert _login(guarded, PASSWORD, "//evil.example/x").headers["location"] == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/cost?period=year") == "/cost?period=year"


def test_forged_or_expired_session_is_refused(guarded: TestClient, fresh_limiter: None) -> None:
    policy: AccessPolicy = guarded.app.state.access  # type: ignore[attr-defined]
    good = policy.new_session()
    assert policy.valid_session(good)
    assert not policy.valid_session(good[:-2] + "xx")
    assert not policy.valid_session(policy.new_session(now=0))
    guarded.cookies.set(SESSION_COOKIE, good[:-2] + "xx")
    assert guarded.get("/").status_code == 303


def test_login_is_rate_limited_per_client(guarded: TestClient, fresh_limiter: None) -> None:
    for _ in range(MAX_FAILURES):
        assert _login(guarded, "wrong").status_code == 401
    blocked = _login(guarded, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    retry = int(blocked.headers["retry-after"])
    assert 1 <= retry <= 300
    assert 'data-testid="login:error"' in blocked.text


def test_limiter_forgets_failures_after_the_window() -> None:
    now = [1000.0]
    limiter = LoginLimiter(max_failures=5, window_s=300, clock=lambda: now[0])
    for _ in range(5):
        limiter.failed("10.0.0.9")
    assert limiter.retry_after("10.0.0.9") == 301
    assert limiter.retry_after("10.0.0.10") == 0  # per client address
    now[0] += 301
    assert limiter.retry_after("10.0.0.9") == 0


def test_websocket_of_the_ui_needs_a_session(guarded: TestClient, fresh_limiter: None) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), guarded.websocket_connect("/_nicegui_ws/socket.io/"):
        pass


# -- the API ---------------------------------------------------------------------------------------


def test_write_routes_need_the_token(guarded: TestClient, fresh_limiter: None) -> None:
    body = {"base_eur_kwh": 0.2}
    refused = guarded.put("/api/settings/tariff", json=body)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert "MED_API_TOKEN" in refused.json()["detail"]
    wrong = guarded.put("/api/settings/tariff", json=body, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    accepted = guarded.put(
        "/api/settings/tariff", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert accepted.status_code == 200
    assert guarded.post("/api/sync").status_code == 401


def test_a_ui_session_is_not_enough_for_api_writes(
    guarded: TestClient, fresh_limiter: None
) -> None:
    # Cookies ride along with cross-site form posts: writes take the token only.
    _login(guarded, PASSWORD)
    assert guarded.put("/api/settings/tariff", json={}).status_code == 401


def test_reads_and_health_stay_open_by_default(guarded: TestClient, fresh_limiter: None) -> None:
    assert guarded.get("/api/health").status_code == 200
    assert guarded.get(f"/api/consumption/daily/{DEMO_TEMPO_PDL}").status_code == 200
    assert guarded.get("/openapi.json").status_code == 200


def test_protected_reads_take_the_token_or_a_session(tmp_path: Path) -> None:
    runtime = _runtime(
        tmp_path,
        med_host="0.0.0.0",
        med_ui_password=PASSWORD,
        med_api_token=TOKEN,
        med_protect_reads=True,
    )
    route = f"/api/consumption/daily/{DEMO_TEMPO_PDL}"
    with TestClient(create_app(runtime, clock=fixed_clock), follow_redirects=False) as http:
        assert http.get("/api/health").status_code == 200
        assert http.get(route).status_code == 401
        assert http.get(route, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        _login(http, PASSWORD)
        assert http.get(route).status_code == 200  # the UI's download links


def test_password_hashes_are_salted_and_verified() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$")
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password("other", first)
    assert not verify_password(PASSWORD, "garbage")
