"""Webhook: one signed JSON event per batch (Standard Webhooks 1.0).

:mod:`.config` the settings and their texts, :mod:`.signing` the ``whsec_`` keys and
signatures, :mod:`.events` the JSON bodies and their ids, :mod:`.exporter` the requests.
"""

from myelectricaldata.exporters.webhook.config import WebhookConfig
from myelectricaldata.exporters.webhook.exporter import WebhookExporter

__all__ = ["WebhookConfig", "WebhookExporter"]
