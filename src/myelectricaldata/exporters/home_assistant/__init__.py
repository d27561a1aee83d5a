"""Home Assistant: Energy-dashboard statistics over the WebSocket API and the catalogue's
entities over MQTT discovery or the REST API (``docs/integrations/home-assistant.md``).

Modules: :mod:`.config` (settings), :mod:`.statistics` (hourly rows and sums from the store),
:mod:`.importer` (one PDL's import with sums continued from HA), :mod:`.websocket` (the client),
:mod:`.entities` (MQTT discovery and REST states), :mod:`.actions` (list, clear, re-import).
"""

from myelectricaldata.exporters.home_assistant.config import HomeAssistantConfig
from myelectricaldata.exporters.home_assistant.exporter import HomeAssistantExporter

__all__ = ["HomeAssistantConfig", "HomeAssistantExporter"]
