"""Webhook: one signed JSON event per batch (Standard Webhooks 1.0)."""

from myelectricaldata.exporters.webhook.exporter import WebhookConfig, WebhookExporter

__all__ = ["WebhookConfig", "WebhookExporter"]
