"""Exporter failures read in French on a French page: the real messages our exporters write when
a destination is not there are produced here (a closed port on 127.0.0.1, an empty URL) and
must come out in French with their host and port kept, or unchanged in English."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from myelectricaldata.crypto import SecretBox
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import BaseExporter, ConnectionTestResult
from myelectricaldata.exporters.delivery import gave_up_message
from myelectricaldata.exporters.influxdb import InfluxDBConfig, InfluxDBExporter
from myelectricaldata.exporters.mqtt import MqttConfig, MqttExporter
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.exporters.victoriametrics import (
    VictoriaMetricsConfig,
    VictoriaMetricsExporter,
)
from myelectricaldata.exporters.webhook import WebhookConfig, WebhookExporter
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.repo import Store
from myelectricaldata.support.retry import GaveUp, Retryable
from myelectricaldata.ui.messages import localized
from tests.conftest import free_port


async def _tested(exporter: BaseExporter) -> ConnectionTestResult:
    try:
        return await exporter.test_connection()
    finally:
        await exporter.aclose()


async def test_a_refused_mqtt_connection_is_explained_in_french() -> None:
    port = free_port()
    config = MqttConfig(enabled=True, host="127.0.0.1", port=port, timeout_seconds=3)
    result = await _tested(MqttExporter(config))
    assert not result.success
    head = localized(result.message, "fr")
    detail = localized(result.error, "fr")
    assert head == f"broker MQTT mqtt://127.0.0.1:{port} : échec du test", result.message
    assert detail.startswith(f"rien n'accepte de connexion sur 127.0.0.1:{port}"), result.error
    assert "vérifiez l'hôte, le port" in detail
    # English pages keep our English text.
    assert localized(result.error, "en") == result.error


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("InfluxDB", lambda url: InfluxDBExporter(InfluxDBConfig(enabled=True, url=url))),
        (
            "VictoriaMetrics",
            lambda url: VictoriaMetricsExporter(VictoriaMetricsConfig(enabled=True, url=url)),
        ),
    ],
)
async def test_an_http_destination_that_is_not_there_is_explained_in_french(
    name: str, make: object
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = await _tested(make(url))  # type: ignore[operator]
    assert not result.success
    assert localized(result.message, "fr") == f"{name} : échec du test de connexion"
    detail = localized(result.error, "fr")
    assert detail.startswith(f"impossible de joindre {name} ({url}"), result.error
    assert f"vérifiez l'URL et que {name} fonctionne" in detail


async def test_a_webhook_without_url_is_explained_in_french() -> None:
    result = await _tested(WebhookExporter(WebhookConfig(enabled=False)))
    assert localized(result.message, "fr") == "webhook : aucune URL"
    assert localized(result.error, "fr").startswith("url : saisissez l'URL du destinataire")


def test_a_message_no_pattern_knows_is_shown_unchanged() -> None:
    assert localized("plugin: quota exceeded upstream", "fr") == "plugin: quota exceeded upstream"
    assert localized(None, "fr") == ""


_UNREACHABLE = (
    "cannot reach InfluxDB at http://127.0.0.1:9 for a write "
    "(ConnectError: All connection attempts failed): check url and that InfluxDB is running"
)
_UNREACHABLE_FR = (
    "impossible de joindre InfluxDB (http://127.0.0.1:9) pour une écriture (ConnectError: All "
    "connection attempts failed) : vérifiez l'URL et que InfluxDB fonctionne"
)


def test_an_export_run_failure_is_explained_in_french_with_its_stream_named() -> None:
    """The sentence is the one the delivery writes when the shared retry helper gives up."""
    english = gave_up_message(Stream.CONSUMPTION_DAILY, GaveUp(Retryable(_UNREACHABLE), 4))
    assert localized(english, "fr") == (
        f"Consommation par jour : {_UNREACHABLE_FR} (après 4 tentative(s) ; le prochain export "
        "reprendra ici)"
    )
    assert localized(english, "en") == english
    too_long = GaveUp(Retryable(_UNREACHABLE), 1, wait_too_long=True)
    assert localized(gave_up_message(Stream.CONSUMPTION_DAILY, too_long), "fr") == (
        f"Consommation par jour : {_UNREACHABLE_FR} (la destination demande d'attendre trop "
        "longtemps ; le prochain export reprendra ici)"
    )


def test_a_failure_logged_before_the_shared_retry_helper_is_still_in_french() -> None:
    older = f"consumption_daily: {_UNREACHABLE} (after 4 attempts; the next run resumes from here)"
    assert localized(older, "fr") == (
        f"Consommation par jour : {_UNREACHABLE_FR} (après 4 tentatives ; le prochain export "
        "reprendra ici)"
    )


def test_a_secret_refused_at_a_new_destination_is_explained_in_french(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'ui.db'}")
    try:
        configs = ConfigStore(
            Registry(plugins=False), ExportRepo(store), SecretBox(Fernet.generate_key()), {}
        )
        secret = "whsec_" + base64.b64encode(bytes(32)).decode()
        configs.save("webhook", {"url": "https://a.example/hook", "secret": secret,
                                 "headers": {"X-Api-Key": "key-0123456789"}})  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            configs.unsaved("webhook", {"url": "http://evil.example/", "secret": "********",
                                        "headers": {"X-Api-Key": "********",
                                                    "X-New": "********"}})  # fmt: skip
    finally:
        store.close()
    by_loc = {e["loc"]: e["msg"] for e in refused.value.errors()}
    assert localized(by_loc[("secret",)], "fr") == (
        "secret : la destination a changé, de https://a.example/hook à http://evil.example/ ; "
        "saisissez à nouveau le secret (un secret enregistré ne sert qu'à l'adresse où il a été "
        "enregistré)"
    )
    assert localized(by_loc[("headers", "X-Api-Key")], "fr").startswith(
        "headers : la destination a changé, de https://a.example/hook à http://evil.example/ ; "
        "saisissez à nouveau la valeur de X-Api-Key"
    )
    assert localized(by_loc[("headers", "X-New")], "fr") == (
        "headers : X-New n'a pas de valeur enregistrée à garder ; saisissez-la"
    )
    assert localized(by_loc[("secret",)], "en") == by_loc[("secret",)]


def test_what_a_request_was_for_is_said_in_french_or_quoted_when_unknown() -> None:
    english = (
        "cannot reach VictoriaMetrics at http://127.0.0.1:9 for {what} (ConnectError: refused): "
        "check url and that VictoriaMetrics is running"
    )
    assert localized(english.format(what="a read-back"), "fr") == (
        "impossible de joindre VictoriaMetrics (http://127.0.0.1:9) pour une relecture "
        "(ConnectError: refused) : vérifiez l'URL et que VictoriaMetrics fonctionne"
    )
    assert "pour « a plug-in call » (" in localized(english.format(what="a plug-in call"), "fr")
