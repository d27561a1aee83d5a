"""InfluxDB 1.x, 2.x and 3.x: the history as line protocol.

:mod:`.config` the settings and their texts, :mod:`.lines` our data as line protocol,
:mod:`.exporter` the writes and what each answer means.
"""

from myelectricaldata.exporters.influxdb.config import InfluxDBConfig
from myelectricaldata.exporters.influxdb.exporter import InfluxDBExporter

__all__ = ["InfluxDBConfig", "InfluxDBExporter"]
