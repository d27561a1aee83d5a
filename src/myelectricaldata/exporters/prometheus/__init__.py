"""Prometheus: the catalogue's current values on the service's ``/metrics`` page.

:mod:`.config` the settings and their texts, :mod:`.exposition` the text format,
:mod:`.exporter` the exporter, the snapshot it shares with the route, and the route.
"""

from myelectricaldata.exporters.prometheus.config import PrometheusConfig
from myelectricaldata.exporters.prometheus.exporter import PrometheusExporter

__all__ = ["PrometheusConfig", "PrometheusExporter"]
