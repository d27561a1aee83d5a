"""VictoriaMetrics: the history through ``/api/v1/import``, every batch read back.

:mod:`.config` the settings and their texts, :mod:`.samples` our data as samples and the
comparison with what is stored, :mod:`.checks` what a disagreement or a server flag means,
:mod:`.exporter` the requests.
"""

from myelectricaldata.exporters.victoriametrics.config import VictoriaMetricsConfig
from myelectricaldata.exporters.victoriametrics.exporter import VictoriaMetricsExporter

__all__ = ["VictoriaMetricsConfig", "VictoriaMetricsExporter"]
