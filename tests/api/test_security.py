"""Access control: open on loopback; beyond it a UI login (rate-limited) and an API token for
write routes; the service refuses to start beyond loopback without them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import SecretStr

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
from myelectricaldata.store.repo import Store
from tests.api.conftest import fill, fixed_clock, make_settings
from tests.conftest import wait_until

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


def test_beyond_loopback_reads_need_credentials_by_default(
    guarded: TestClient, fresh_limiter: None
) -> None:
    # A load curve tells when a household is at home: personal data, closed by default.
    assert guarded.get("/api/health").status_code == 200
    for route in (f"/api/consumption/daily/{DEMO_TEMPO_PDL}", "/openapi.json", "/api/sync"):
        refused = guarded.get(route)
        assert refused.status_code == 401, route
        assert "MED_PROTECT_READS=false" in refused.json()["detail"]
        token = {"Authorization": f"Bearer {TOKEN}"}
        assert guarded.get(route, headers=token).status_code == 200, route


def test_reads_can_be_opened_on_purpose(tmp_path: Path) -> None:
    runtime = _runtime(
        tmp_path,
        med_host="0.0.0.0",
        med_ui_password=PASSWORD,
        med_api_token=TOKEN,
        med_protect_reads=False,
    )
    with TestClient(create_app(runtime, clock=fixed_clock), follow_redirects=False) as http:
        assert http.get(f"/api/consumption/daily/{DEMO_TEMPO_PDL}").status_code == 200
        assert http.get("/openapi.json").status_code == 200
        assert http.put("/api/settings/tariff", json={}).status_code == 401  # writes: token


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


# -- Host (DNS rebinding) ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app bound to loopback (no credentials asked), with one extra allowed name."""
    runtime = _runtime(
        tmp_path_factory.mktemp("loopback"),
        med_allowed_hosts="nas.lan, .home.arpa",
        med_api_token=TOKEN,
    )
    app = create_app(runtime, clock=fixed_clock)
    with TestClient(app, base_url="http://127.0.0.1:8181", follow_redirects=False) as http:
        yield http


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8181",
        "localhost:8181",
        "LOCALHOST",
        "app.localhost:8181",
        "[::1]:8181",
        "192.168.1.20:8181",
        "nas.lan:8181",
        "nas.lan.",
        "med.home.arpa:8181",
    ],
)
def test_loopback_names_addresses_and_allowed_names_are_served(
    loopback: TestClient, host: str
) -> None:
    assert loopback.get("/api/health", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8181", "nas.lan.evil.example", "localhost.evil.example"]
)
def test_a_rebound_name_is_refused_everywhere(loopback: TestClient, host: str) -> None:
    for path in ("/api/health", f"/api/consumption/daily/{DEMO_TEMPO_PDL}", "/", "/docs"):
        answer = loopback.get(path, headers={"host": host})
        assert answer.status_code == 400, path
        assert "MED_ALLOWED_HOSTS" in answer.json()["detail"]
    assert loopback.post("/api/sync", headers={"host": host}).status_code == 400
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect),
        loopback.websocket_connect("/_nicegui_ws/socket.io/", headers={"host": host}),
    ):
        pass


def test_a_name_the_service_is_bound_to_is_served(tmp_path: Path) -> None:
    runtime = _runtime(
        tmp_path, med_host="my-nas.lan", med_ui_password=PASSWORD, med_api_token=TOKEN
    )
    with TestClient(create_app(runtime, clock=fixed_clock), follow_redirects=False) as http:
        assert http.get("/api/health", headers={"host": "my-nas.lan:8181"}).status_code == 200
        assert http.get("/api/health", headers={"host": "other.lan"}).status_code == 400


# -- CSRF ------------------------------------------------------------------------------------------

_EVIL = "http://evil.example"


def _runs(http: TestClient) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = http.get("/api/sync").json()["last"]
    return runs


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/sync"),
        ("POST", "/api/export/webhook/run"),
        ("POST", "/api/export/home_assistant/statistics/clear"),
        ("PUT", "/api/settings/tariff"),
        ("POST", "/api/export/configs/webhook/test"),
    ],
)
def test_cross_origin_text_plain_writes_are_refused(
    loopback: TestClient, method: str, path: str
) -> None:
    before = _runs(loopback)
    # What a form or a no-cors fetch of another site sends: text/plain, its own Origin.
    answer = loopback.request(
        method,
        path,
        content=b'{"base_eur_kwh": 9}',
        headers={"content-type": "text/plain", "origin": _EVIL},
    )
    assert answer.status_code in (403, 415), answer.text
    for origin in (_EVIL, "null"):
        answer = loopback.request(method, path, headers={"origin": origin})
        assert answer.status_code == 403, answer.text
        assert "cross-origin" in answer.json()["detail"]
    referer = loopback.request(method, path, headers={"referer": f"{_EVIL}/page.html"})
    assert referer.status_code == 403
    json_from_elsewhere = loopback.request(method, path, json={}, headers={"origin": _EVIL})
    assert json_from_elsewhere.status_code == 403
    assert _runs(loopback) == before  # nothing was started
    assert loopback.get("/api/settings/tariff").json()["saved"] is False


def test_the_ui_socket_refuses_a_page_of_another_site(loopback: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect),
        loopback.websocket_connect("/_nicegui_ws/socket.io/", headers={"origin": _EVIL}),
    ):
        pass


def test_same_origin_pages_programs_and_the_token_may_write(loopback: TestClient) -> None:
    same = {"origin": "http://127.0.0.1:8181"}
    assert loopback.put("/api/settings/tariff", json={}, headers=same).status_code == 200
    referer = {"referer": "http://127.0.0.1:8181/settings"}
    assert loopback.put("/api/settings/tariff", json={}, headers=referer).status_code == 200
    # curl, Home Assistant: no Origin, no Referer.
    assert loopback.put("/api/settings/tariff", json={}).status_code == 200
    token = {"origin": _EVIL, "authorization": f"Bearer {TOKEN}"}
    assert loopback.put("/api/settings/tariff", json={}, headers=token).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_write_body_that_is_not_json_is_415(
    loopback: TestClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    answer = loopback.put("/api/settings/tariff", content=b"base_eur_kwh=1", headers=headers)
    assert answer.status_code == 415
    assert "application/json" in answer.json()["detail"]
    # The token does not make a form a JSON document either.
    headers["authorization"] = f"Bearer {TOKEN}"
    assert loopback.put("/api/settings/tariff", content=b"x", headers=headers).status_code == 415


# -- sessions, redirects, credentials ------------------------------------------------------------


def test_logout_revokes_the_session_even_for_a_copied_cookie(
    guarded: TestClient, fresh_limiter: None
) -> None:
    # (Checked on an API read: it takes a session the same way the UI pages do.)
    route = f"/api/consumption/daily/{DEMO_TEMPO_PDL}"
    login = _login(guarded, PASSWORD, "/tempo")
    cookie = guarded.cookies.get(SESSION_COOKIE)
    assert cookie and login.status_code == 303
    assert guarded.get(route).status_code == 200
    assert guarded.get("/logout").status_code == 303
    guarded.cookies.set(SESSION_COOKIE, cookie)  # replayed, e.g. copied from the browser
    assert guarded.get(route).status_code == 401
    assert guarded.get("/tempo").status_code == 303
    # After a restart too: the revocation is in the store, until the cookie would expire.
    policy: AccessPolicy = guarded.app.state.access  # type: ignore[attr-defined]
    assert policy.store is not None
    expires, session_id = cookie.split(".")[:2]
    stored = policy.store.revoked_sessions(datetime.now(UTC))
    assert stored[session_id].timestamp() == int(expires)
    restarted = AccessPolicy(
        open=False,
        password_hash=policy.password_hash,
        session_key=policy.session_key,
        revoked={k: v.timestamp() for k, v in stored.items()},
    )
    assert not restarted.valid_session(cookie)
    assert restarted.valid_session(restarted.new_session())


@pytest.mark.parametrize(
    "next_path",
    ["/\r\nSet-Cookie: med_session=forged", "/tempo\r\n", "/x\nLocation: //evil.example", "/\x00"],
)
def test_a_control_character_in_next_gives_a_clean_redirect(
    guarded: TestClient, fresh_limiter: None, next_path: str
) -> None:
    answer = _login(guarded, PASSWORD, next_path)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert "forged" not in answer.headers.get("set-cookie", "")
    page = guarded.get("/login", params={"next": next_path})  # signed in: straight back
    assert page.status_code == 303 and page.headers["location"] == "/"


def test_a_non_ascii_next_is_percent_encoded(guarded: TestClient, fresh_limiter: None) -> None:
    answer = _login(guarded, PASSWORD, "/consumption?label=été")
    assert answer.headers["location"] == "/consumption?label=%C3%A9t%C3%A9"


@pytest.mark.parametrize(
    ("password", "token", "said"),
    [
        ("a", TOKEN, "MED_UI_PASSWORD: use at least 10 characters"),
        ("aaaaaaaaaaaaaaaa", TOKEN, "MED_UI_PASSWORD: use at least 10 characters"),
        ("motdepasse", TOKEN, "most common passwords"),
        (PASSWORD, "abc", "MED_API_TOKEN: use at least 24 random characters"),
        (PASSWORD, "x" * 40, "MED_API_TOKEN: use at least 24 random characters"),
    ],
)
def test_weak_credentials_beyond_loopback_are_refused_with_what_is_required(
    tmp_path: Path, password: str, token: str, said: str
) -> None:
    runtime = _runtime(tmp_path, med_host="0.0.0.0", med_ui_password=password, med_api_token=token)
    with pytest.raises(AccessNotConfigured) as refused:
        create_app(runtime, clock=fixed_clock)
    assert said in str(refused.value)
    # The refusal never quotes the credential (a one-letter one would match any text).
    for secret in (password, token):
        assert len(secret) < 4 or secret not in str(refused.value)


def test_serve_refuses_a_one_letter_password(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("MED_CLIENT_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "MED_DATA_DIR": str(tmp_path / "data"),
        "MED_INITIAL_SYNC": "false",
        "SCHEDULER_ENABLED": "false",
        "MED_UI_PASSWORD": "a",
        "MED_API_TOKEN": TOKEN,
    }
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "8"], env=env)
    assert result.exit_code == 1
    assert "MED_UI_PASSWORD: use at least 10 characters" in result.output


# -- the real server: forwarded headers and header splitting -------------------------------------


@contextlib.contextmanager
def _served_like_cli(tmp_path: Path, monkeypatch: Any, **env: str) -> Iterator[str]:
    """``myelectricaldata serve --host 0.0.0.0`` with the options the CLI gives uvicorn, on a
    free loopback port; yields the base URL."""
    import threading

    import uvicorn

    from tests.conftest import free_port

    captured: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: captured.update(options, app=app))
    monkeypatch.chdir(tmp_path)
    for name in ("MED_CLIENT_SECRET", "DATABASE_URL", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "MED_DATA_DIR": str(tmp_path / "data"),
        "MED_INITIAL_SYNC": "false",
        "SCHEDULER_ENABLED": "false",
        "MED_UI_PASSWORD": PASSWORD,
        "MED_API_TOKEN": TOKEN,
        "MED_PROTECT_READS": "false",
    } | env
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "8"], env=values)
    assert result.exit_code == 0, result.output
    port = free_port()
    options = captured | {"host": "127.0.0.1", "port": port, "log_level": "warning"}
    server = uvicorn.Server(uvicorn.Config(options.pop("app"), **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_rotating_x_forwarded_for_does_not_escape_the_login_limit(
    tmp_path: Path, monkeypatch: Any
) -> None:
    with (
        _served_like_cli(tmp_path, monkeypatch) as url,
        httpx.Client(base_url=url, follow_redirects=False) as http,
    ):
        for i in range(MAX_FAILURES):
            forged = {"x-forwarded-for": f"203.0.113.{i}"}
            assert http.post("/login", data={"password": "no"}, headers=forged).status_code == 401
        blocked = http.post(
            "/login", data={"password": PASSWORD}, headers={"x-forwarded-for": "203.0.113.99"}
        )
        assert blocked.status_code == 429


def test_a_configured_proxy_is_believed_and_clients_behind_it_are_told_apart(
    tmp_path: Path, monkeypatch: Any
) -> None:
    with (
        _served_like_cli(tmp_path, monkeypatch, MED_TRUSTED_PROXIES="127.0.0.1") as url,
        httpx.Client(base_url=url, follow_redirects=False) as http,
    ):
        one, two = {"x-forwarded-for": "192.168.1.10"}, {"x-forwarded-for": "192.168.1.11"}
        for _ in range(MAX_FAILURES):
            assert http.post("/login", data={"password": "no"}, headers=one).status_code == 401
        assert http.post("/login", data={"password": PASSWORD}, headers=one).status_code == 429
        assert http.post("/login", data={"password": PASSWORD}, headers=two).status_code == 303


def test_a_crlf_in_next_never_drops_the_connection(tmp_path: Path, monkeypatch: Any) -> None:
    with (
        _served_like_cli(tmp_path, monkeypatch) as url,
        httpx.Client(base_url=url, follow_redirects=False) as http,
    ):
        answer = http.post(
            "/login", data={"password": PASSWORD, "next": "/\r\nSet-Cookie: forged=1"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        assert "forged" not in answer.headers.get("set-cookie", "")
        again = http.get("/login", params={"next": "/tempo\r\nX-Evil: 1"})
        assert again.status_code == 303 and again.headers["location"] == "/"


def test_a_restart_with_the_same_password_keeps_sessions_and_revocations(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, med_host="0.0.0.0", med_ui_password=PASSWORD, med_api_token=TOKEN
    )
    store = Store.open(settings.db_url)
    try:
        before = access_policy(settings, store)
        kept, signed_out = before.new_session(), before.new_session()
        before.revoke(signed_out)
        restarted = access_policy(settings, store)  # MED_UI_PASSWORD hashed anew, new salt
        assert restarted.password_hash != before.password_hash
        assert restarted.valid_session(kept)
        assert not restarted.valid_session(signed_out)
        assert restarted.check_password(PASSWORD)
        # A new password signs everyone out.
        changed = settings.model_copy(update={"med_ui_password": SecretStr("Other-horse-8-batt")})
        assert not access_policy(changed, store).valid_session(kept)
    finally:
        store.close()
