"""Prometheus: the catalogue's current values on the service's ``/metrics`` page."""

from myelectricaldata.exporters.prometheus.exporter import PrometheusConfig, PrometheusExporter

__all__ = ["PrometheusConfig", "PrometheusExporter"]
