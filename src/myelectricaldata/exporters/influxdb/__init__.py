"""InfluxDB 1.x, 2.x and 3.x: the history as line protocol."""

from myelectricaldata.exporters.influxdb.exporter import InfluxDBConfig, InfluxDBExporter

__all__ = ["InfluxDBConfig", "InfluxDBExporter"]
