"""Tests of exporters/influxdb."""
