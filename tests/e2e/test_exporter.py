"""An MQTT export is configured, tested and run from the Exporter page against the real
Mosquitto of the test suite, and its run appears in the history table; a webhook's saved
secrets stay with its URL when the form points elsewhere."""

from __future__ import annotations

import json
import subprocess

import httpx
from playwright.sync_api import expect

from myelectricaldata.ui import markers as m
from tests.conftest import free_port, wait_until
from tests.e2e import formats
from tests.e2e.conftest import UI
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.servers.mosquitto import MosquittoServer

MQTT = "mqtt"
PREFIX = "e2e-med"


def mqtt(part: str) -> str:
    """Marker of a part of the MQTT tab."""
    return m.exporter(MQTT, part)


def field(name: str) -> str:
    """Marker of an MQTT config input."""
    return m.exporter_field(MQTT, name)


def retained_topics(broker: MosquittoServer) -> list[str]:
    """Topics under the test prefix that the broker retains (read with mosquitto_sub)."""
    done = subprocess.run(
        ["mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-t", f"{PREFIX}/#",
         "-v", "--retained-only", "-W", "2"],
        capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    return [line.split(" ", 1)[0] for line in done.stdout.splitlines() if line]


def test_mqtt_export_configured_tested_and_run_from_the_page(
    ui: UI, api: httpx.Client, mosquitto_broker: MosquittoServer
) -> None:
    """Fill the form, save, test (OK), enable and run: the broker holds the topics and the
    history table shows the run the API logged."""
    broker = mosquitto_broker
    ui.open(m.PAGE_EXPORTER)
    ui.by(mqtt("tab")).click()
    expect(ui.by(mqtt("panel"))).to_be_visible()

    ui.fill(field("host"), broker.host)
    ui.fill(field("port"), str(broker.port))
    ui.fill(field("topic_prefix"), PREFIX)
    # A secret is a password field, never shown in clear.
    assert ui.input_of(field("password")).get_attribute("type") == "password"
    ui.fill(mqtt("interval"), "60")
    ui.by(mqtt("save")).click()
    expect(ui.by(mqtt("save_result"))).to_have_attribute("data-value", "ok")
    saved = api.get(f"/api/export/configs/{MQTT}").json()["config"]
    assert (saved["host"], saved["port"], saved["topic_prefix"]) == (
        broker.host, broker.port, PREFIX,
    )  # fmt: skip

    # A broker that is not there fails the test (the form's values are tested, unsaved)...
    ui.fill(field("port"), str(free_port()))
    ui.by(mqtt("test")).click()
    result = ui.by(mqtt("test_result"))
    expect(result).to_have_attribute("data-value", "failed", timeout=20_000)
    # ...the real one passes.
    ui.fill(field("port"), str(broker.port))
    ui.by(mqtt("test")).click()
    expect(result).to_have_attribute("data-value", "ok", timeout=20_000)

    toggle = ui.by(mqtt("enabled"))
    if toggle.get_attribute("aria-checked") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "true")
    ui.by(mqtt("save")).click()
    # The result still says "ok" from the first save: wait for the saved config instead.
    wait_until(lambda: api.get(f"/api/export/configs/{MQTT}").json()["config"]["enabled"])
    expect(ui.by(mqtt("save_result"))).to_have_attribute("data-value", "ok")

    before = {e["id"] for e in api.get("/api/export/logs", params={"type": MQTT}).json()["data"]}
    ui.by(mqtt("run")).click()
    progress = ui.by(mqtt("progress"))
    expect(progress).to_have_attribute("data-value", "success", timeout=60_000)

    logs = api.get("/api/export/logs", params={"type": MQTT}).json()["data"]
    new = [e for e in logs if e["id"] not in before]
    assert new and new[0]["status"] == "success", new
    assert new[0]["records"] > 0
    history = ui.by(mqtt("history"))
    first_row = history.locator("tbody tr").first
    # French: thousands grouped by a narrow no-break space, the status a word.
    expect(first_row).to_contain_text(formats.number(new[0]["records"], 0))
    expect(first_row).to_contain_text("réussi")
    topics = retained_topics(broker)
    assert any(t.startswith(f"{PREFIX}/") for t in topics), topics


def webhook(part: str) -> str:
    """Marker of a part of the webhook tab."""
    return m.exporter("webhook", part)


def test_a_saved_webhook_secret_stays_with_its_url_in_the_form(ui: UI, api: httpx.Client) -> None:
    """The form shows the header values masked; pointed at another URL with the secrets left
    masked it is refused, naming them, and that URL receives nothing; at the saved URL the
    masked secrets sign and authorize the test."""
    key = "key-E2E-0123456789"
    with WebhookReceiver() as saved, WebhookReceiver() as other:
        config = {"url": saved.url, "secret": saved.secret, "headers": {"X-Api-Key": key}}
        assert api.put("/api/export/configs/webhook", json=config).status_code == 200
        ui.open(m.PAGE_EXPORTER)
        ui.by(webhook("tab")).click()
        expect(ui.by(webhook("panel"))).to_be_visible()
        headers = ui.input_of(m.exporter_field("webhook", "headers")).input_value()
        assert json.loads(headers) == {"X-Api-Key": "********"}
        assert key not in ui.page.content() and saved.secret not in ui.page.content()

        ui.fill(m.exporter_field("webhook", "url"), other.url)
        ui.by(webhook("test")).click()
        refused = ui.by(webhook("save_result"))
        expect(refused).to_have_attribute("data-value", "failed")
        expect(refused).to_contain_text("secret : la destination a changé")
        expect(refused).to_contain_text("X-Api-Key")
        assert other.requests == []

        ui.fill(m.exporter_field("webhook", "url"), saved.url)
        ui.by(webhook("test")).click()
        expect(ui.by(webhook("test_result"))).to_have_attribute("data-value", "ok", timeout=20_000)
        (request,) = saved.requests
        assert request.status == 204 and request.headers["x-api-key"] == key
        assert other.requests == []
