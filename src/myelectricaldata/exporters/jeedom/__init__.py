"""Jeedom: the catalogue's values and history into Virtual equipments over JSON-RPC
(``docs/integrations/jeedom.md``).

:mod:`.config` the settings and their texts, :mod:`.client` the JSON-RPC client, :mod:`.errors`
what can go wrong, :mod:`.model` Jeedom's shapes, :mod:`.mapping` readings and values to
``cmd::event`` calls, :mod:`.measures` the catalogue as commands, :mod:`.provision` the Virtual
equipments, :mod:`.history` what one history call sends, :mod:`.exporter` the exporter.
"""

from myelectricaldata.exporters.jeedom.config import JeedomConfig
from myelectricaldata.exporters.jeedom.exporter import JeedomExporter

__all__ = ["JeedomConfig", "JeedomExporter"]
