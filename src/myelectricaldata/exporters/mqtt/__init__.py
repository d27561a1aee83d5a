"""MQTT: latest values, the catalogue's states and Home Assistant discovery on a broker."""

from myelectricaldata.exporters.mqtt.exporter import MqttConfig, MqttExporter

__all__ = ["MqttConfig", "MqttExporter"]
