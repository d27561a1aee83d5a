"""VictoriaMetrics: the history through ``/api/v1/import``, every batch read back."""

from myelectricaldata.exporters.victoriametrics.exporter import (
    VictoriaMetricsConfig,
    VictoriaMetricsExporter,
)

__all__ = ["VictoriaMetricsConfig", "VictoriaMetricsExporter"]
