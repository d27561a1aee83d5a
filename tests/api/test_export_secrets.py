"""Saved secrets stay where they were saved: a form sent back with ``********`` reuses them only
for the same destination (``PUT /api/export/configs/{type}`` and ``POST .../test`` alike), and
every secret, headers included, is masked in answers and errors, whatever its encoding. Export
logs count every attempt."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from myelectricaldata.api import create_app
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.support.retry import Backoff
from tests.api.conftest import SECRET, fill, fixed_clock, make_settings
from tests.fakes.webhook_receiver import WebhookReceiver

MASK = "********"
TOKEN = "tok-SAVED-0123456789"
PASSWORD = "pw-SAVED-0123456789"
API_KEY = "key-SAVED-0123456789"
COOKIE_VALUE = "c00kie-SAVED-0123456789"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    source = DemoSource(clock=fixed_clock)
    rt = Runtime.from_settings(make_settings(tmp_path), source=source)
    await fill(rt, source)
    yield rt
    rt.store.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime, clock=fixed_clock))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def receivers() -> Iterator[tuple[WebhookReceiver, WebhookReceiver]]:
    """The receiver a config is saved for, and another one (the attacker's)."""
    saved, other = WebhookReceiver().start(), WebhookReceiver().start()
    try:
        yield saved, other
    finally:
        saved.stop()
        other.stop()


class Listener:
    """A bare TCP port on loopback that records whether anything connected to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]

    def untouched(self) -> bool:
        """True when no connection is waiting (a client that tried would be queued)."""
        self.socket.setblocking(False)
        try:
            connection, _ = self.socket.accept()
        except BlockingIOError:
            return True
        connection.close()
        return False


@pytest.fixture
def listeners() -> Iterator[tuple[Listener, Listener]]:
    made = Listener(), Listener()
    try:
        yield made
    finally:
        for listener in made:
            listener.socket.close()


def unbound_fields(answer: httpx.Response) -> set[tuple[str, ...]]:
    """The secrets a 422 asks to type again (their ``loc`` after ``body``)."""
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert all(e["type"] == "secret_unbound" for e in detail), detail
    return {tuple(e["loc"][1:]) for e in detail}


# -- the webhook ---------------------------------------------------------------------------------


async def test_a_masked_webhook_secret_is_never_sent_to_a_new_url(
    client: httpx.AsyncClient, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    saved, other = receivers
    config = {
        "url": saved.url,
        "secret": saved.secret,
        "authorization": f"Bearer {TOKEN}",
        "headers": {"X-Api-Key": API_KEY},
    }
    assert (await client.put("/api/export/configs/webhook", json=config)).status_code == 200
    shown = (await client.get("/api/export/configs/webhook")).json()["config"]
    assert (shown["secret"], shown["authorization"]) == (MASK, MASK)
    assert shown["headers"] == {"X-Api-Key": MASK}

    moved = shown | {"url": other.url}
    for method, path in (("POST", "/test"), ("PUT", "")):
        answer = await client.request(method, f"/api/export/configs/webhook{path}", json=moved)
        assert unbound_fields(answer) == {("secret",), ("authorization",), ("headers", "X-Api-Key")}
        by_field = {e["loc"][1]: e["msg"] for e in answer.json()["detail"]}
        assert by_field["secret"].startswith(
            f"secret: the destination changed from {saved.url} to {other.url}; "
            "type the secret again"
        )
        assert "X-Api-Key" in by_field["headers"]
        for secret in (saved.secret, TOKEN, API_KEY):
            assert secret not in answer.text
    assert other.requests == [] and saved.requests == []
    kept = (await client.get("/api/export/configs/webhook")).json()["config"]
    assert kept["url"] == saved.url  # the refused PUT saved nothing

    # The same destination, masked: the saved secrets sign and authorize the test.
    tested = await client.post("/api/export/configs/webhook/test", json=shown)
    assert tested.json()["success"] is True, tested.text
    (request,) = saved.requests
    assert request.status == 204  # the receiver verified the saved secret's signature
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-api-key"] == API_KEY
    # The new destination with the secrets typed again: sent there, as asked.
    typed = moved | {"secret": other.secret, "authorization": "", "headers": {}}
    tested = await client.post("/api/export/configs/webhook/test", json=typed)
    assert tested.json()["success"] is True, tested.text
    assert [r.status for r in other.requests] == [204]


async def test_a_path_outside_the_saved_one_is_another_destination(
    client: httpx.AsyncClient, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    saved, _ = receivers
    config = {"url": saved.url, "secret": saved.secret}
    assert (await client.put("/api/export/configs/webhook", json=config)).status_code == 200
    base = saved.url.removesuffix(saved.path)
    for url in (
        f"{base}/hooks/other",
        f"{base}/hooks/linky/../other",
        f"{base}/hooks/linky/%2e%2e/other",
        f"{base}/hooks/linkyx",
        base.replace("127.0.0.1", "localhost") + saved.path,
    ):
        answer = await client.put("/api/export/configs/webhook", json={**config, "secret": MASK,
                                                                        "url": url})  # fmt: skip
        assert unbound_fields(answer) == {("secret",)}, url
    # Under the saved path, or spelled with its default port: the same place.
    for url in (f"{saved.url}/", f"{saved.url}/deeper"):
        answer = await client.put("/api/export/configs/webhook", json={**config, "secret": MASK,
                                                                        "url": url})  # fmt: skip
        assert answer.status_code == 200, (url, answer.text)
    assert saved.requests == []


# -- the other destinations ------------------------------------------------------------------------


def _cases(a: Listener, b: Listener) -> list[tuple[str, dict[str, Any], dict[str, Any], set[str]]]:
    """(type, saved config, what moves it to ``b``, the secrets that must be typed again)."""
    url_a, url_b = f"http://127.0.0.1:{a.port}", f"http://127.0.0.1:{b.port}"
    broker = {"host": "127.0.0.1", "port": a.port, "username": "linky", "password": PASSWORD}
    login = {"username": "u", "password": PASSWORD, "token": TOKEN}
    return [
        ("influxdb", {"url": url_a, **login}, {"url": url_b}, {"password", "token"}),
        ("influxdb", {"url": url_a, **login}, {"url": f"https://127.0.0.1:{a.port}"},
         {"password", "token"}),
        ("victoriametrics", {"url": url_a, **login}, {"url": url_b}, {"password", "token"}),
        ("home_assistant", {"url": url_a, "token": TOKEN,
                            "mqtt_broker": f"mqtt://linky:{PASSWORD}@127.0.0.1:{a.port}"},
         {"url": url_b}, {"token"}),
        ("mqtt", broker, {"port": b.port}, {"password"}),
        ("mqtt", broker, {"host": "127.0.0.2"}, {"password"}),
        ("mqtt", broker, {"tls": True}, {"password"}),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(7))
async def test_a_masked_secret_of_any_destination_stays_with_it(
    client: httpx.AsyncClient, runtime: Runtime, listeners: tuple[Listener, Listener], case: int
) -> None:
    kind, config, move, expected = _cases(*listeners)[case]
    path = f"/api/export/configs/{kind}"
    assert (await client.put(path, json=config)).status_code == 200
    before = runtime.exports.configs.load(kind)
    shown = (await client.get(path)).json()["config"]
    for method, route in (("POST", f"{path}/test"), ("PUT", path)):
        answer = await client.request(method, route, json=shown | move)
        assert unbound_fields(answer) == {(name,) for name in expected}
        assert TOKEN not in answer.text and PASSWORD not in answer.text
    assert all(listener.untouched() for listener in listeners)
    assert runtime.exports.configs.load(kind) == before  # nothing saved
    # Sent back as shown, to the same place: every secret is kept.
    assert (await client.put(path, json=shown)).status_code == 200
    assert runtime.exports.configs.load(kind) == before


async def test_a_broker_url_holding_its_password_is_kept_whole_when_home_assistant_moves(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    broker = f"mqtt://linky:{PASSWORD}@127.0.0.1:1883"
    path = "/api/export/configs/home_assistant"
    saved = {"url": "http://127.0.0.1:8123", "token": TOKEN, "mqtt_broker": broker}
    assert (await client.put(path, json=saved)).status_code == 200
    moved = {**saved, "url": "http://127.0.0.2:8123", "token": "tok-TYPED-9876543210",
             "mqtt_broker": MASK}  # fmt: skip
    assert (await client.put(path, json=moved)).status_code == 200
    loaded = runtime.exports.configs.load("home_assistant")
    # The broker URL names its own destination (unchanged); the token was typed for the new url.
    assert (loaded.mqtt_broker, loaded.token) == (broker, "tok-TYPED-9876543210")  # type: ignore[attr-defined]


async def test_the_mqtt_password_of_the_broker_url_in_the_environment_stays_with_that_broker(
    client: httpx.AsyncClient, runtime: Runtime, listeners: tuple[Listener, Listener]
) -> None:
    here, elsewhere = listeners
    runtime.exports.configs.env = {"MQTT_BROKER": f"mqtt://linky:{PASSWORD}@127.0.0.1:{here.port}"}
    shown = (await client.get("/api/export/configs/mqtt")).json()
    assert shown["origin"] == "env" and shown["config"]["password"] == MASK
    moved = shown["config"] | {"port": elsewhere.port}
    answer = await client.post("/api/export/configs/mqtt/test", json=moved)
    assert unbound_fields(answer) == {("password",)}
    assert f"mqtt://127.0.0.1:{here.port}/ to mqtt://127.0.0.1:{elsewhere.port}/" in answer.text
    assert elsewhere.untouched() and here.untouched()


# -- masking -------------------------------------------------------------------------------------


async def test_header_values_are_encrypted_at_rest_and_masked_in_answers(
    client: httpx.AsyncClient, runtime: Runtime, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    saved, _ = receivers
    headers = {"X-Api-Key": API_KEY, "Cookie": f"session={COOKIE_VALUE}"}
    config = {"url": saved.url, "secret": saved.secret, "headers": headers}
    put = await client.put("/api/export/configs/webhook", json=config)
    assert put.json()["config"]["headers"] == {"X-Api-Key": MASK, "Cookie": MASK}
    for answer in (put, await client.get("/api/export/configs"),
                   await client.get("/api/export/configs/webhook")):  # fmt: skip
        assert API_KEY not in answer.text and COOKIE_VALUE not in answer.text
    stored = ExportRepo(runtime.store).config("webhook")
    assert stored is not None and set(stored["headers"]) == {"X-Api-Key", "Cookie"}
    assert API_KEY not in str(stored) and COOKIE_VALUE not in str(stored)
    assert runtime.exports.configs.load("webhook").headers == headers  # type: ignore[attr-defined]
    types = (await client.get("/api/export/types")).json()["data"]
    webhook = next(t for t in types if t["type"] == "webhook")
    assert "headers" in webhook["secret_fields"]


async def test_an_echoed_basic_authorization_and_headers_come_back_masked(
    client: httpx.AsyncClient, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    saved, _ = receivers
    login = f"alice:{PASSWORD}"
    basic = base64.b64encode(login.encode()).decode()
    config = {
        "url": saved.url,
        "secret": saved.secret,
        "authorization": f"Basic {basic}",
        "headers": {"X-Api-Key": API_KEY, "Cookie": f"session={COOKIE_VALUE}"},
    }
    assert (await client.put("/api/export/configs/webhook", json=config)).status_code == 200
    saved.echo_next(1, 400, ("authorization", "x-api-key", "cookie"))
    tested = (await client.post("/api/export/configs/webhook/test")).json()
    assert tested["success"] is False
    # The receiver did quote them (so the test is not vacuous)...
    (request,) = saved.requests
    assert request.reason.startswith(f"authorization: Basic {basic}; x-api-key: {API_KEY}")
    assert login in request.reason
    # ...and the answer shows none of them, in any form.
    error = tested["error"]
    assert "HTTP 400" in error and error.count(MASK) >= 4, error
    for secret in (basic, login, PASSWORD, API_KEY, COOKIE_VALUE):
        assert secret not in error, secret


# -- export logs ---------------------------------------------------------------------------------


async def _finished(client: httpx.AsyncClient, kind: str) -> dict[str, Any]:
    for _ in range(400):
        logs = (await client.get("/api/export/logs", params={"type": kind})).json()["data"]
        if logs and logs[0]["status"] != "running":
            return dict(logs[0])
        await asyncio.sleep(0.05)
    raise AssertionError("the run did not finish")


async def test_export_logs_count_the_attempts_of_a_failed_run(
    client: httpx.AsyncClient, runtime: Runtime, receivers: tuple[WebhookReceiver, WebhookReceiver]
) -> None:
    saved, _ = receivers
    runtime.exports.policy = Backoff(attempts=4, base=0.0, cap=0.0)
    config = {"enabled": True, "url": saved.url, "secret": saved.secret}
    assert (await client.put("/api/export/configs/webhook", json=config)).status_code == 200
    saved.fail_next(10, 503)
    assert (await client.post("/api/export/webhook/run")).status_code == 202
    failed = await _finished(client, "webhook")
    assert failed["status"] == "failed" and "after 4 attempts" in failed["error"]
    assert failed["attempts"] == 4
    # Each attempt sent the batch's events (one per PDL) once: every one was tried 4 times.
    tries = Counter(saved.ids())
    assert tries and set(tries.values()) == {4}, tries


# -- logs ----------------------------------------------------------------------------------------


async def test_the_service_masks_its_own_and_its_exporters_secrets_in_every_log(
    client: httpx.AsyncClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    config = {"url": "http://127.0.0.1:9/hook", "authorization": f"Bearer {TOKEN}"}
    assert (await client.put("/api/export/configs/webhook", json=config)).status_code == 200
    caplog.set_level(logging.DEBUG)
    library = logging.getLogger("any.library")
    library.debug("gateway secret %s", SECRET)  # the settings' MED_CLIENT_SECRET
    library.debug("the receiver's token is %s", TOKEN)  # saved in the webhook's config
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"gateway secret {MASK}", f"the receiver's token is {MASK}"]
