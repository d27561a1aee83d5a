"""MQTT: latest values, the catalogue's states and Home Assistant discovery on a broker.

:mod:`.config` the settings and their texts, :mod:`.topics` where each value goes and its JSON,
:mod:`.discovery` Home Assistant's discovery configs (from the kit's entity descriptions),
:mod:`.client` the connection and its acknowledgement window, :mod:`.exporter` the exporter.
"""

from myelectricaldata.exporters.mqtt.config import MqttConfig
from myelectricaldata.exporters.mqtt.exporter import MqttExporter

__all__ = ["MqttConfig", "MqttExporter"]
