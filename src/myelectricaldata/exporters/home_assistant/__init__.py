"""Home Assistant: Energy-dashboard statistics over the WebSocket API and the catalogue's
entities over MQTT discovery or the REST API (``docs/integrations/home-assistant.md``).

Modules: :mod:`.config` (settings and their texts), :mod:`.statistics` (hourly rows and sums
from the store), :mod:`.importer` (one PDL's import with sums continued from HA),
:mod:`.websocket` (the client), :mod:`.entities` (the card and off-peak entities),
:mod:`.card` (the Linky card's attributes), :mod:`.discovery` (entities over MQTT discovery),
:mod:`.rest` (entities over the REST API), :mod:`.actions` (list, clear, re-import) and
:mod:`.exporter`.
"""

from myelectricaldata.exporters.home_assistant.config import HomeAssistantConfig
from myelectricaldata.exporters.home_assistant.exporter import HomeAssistantExporter

__all__ = ["HomeAssistantConfig", "HomeAssistantExporter"]
