"""Domoticz exporter: daily history into meters' dated rows, current values into devices.

:mod:`.config` the settings and their texts, :mod:`.client` Domoticz's JSON API,
:mod:`.catalogue` the measures catalogue as the exporter sees it, :mod:`.mapping` readings as
device values, :mod:`.history` a meter's rows from the store, :mod:`.provisioning` the devices,
:mod:`.exporter` the exporter. See docs/integrations/domoticz.md.
"""

from myelectricaldata.exporters.domoticz.config import DomoticzConfig
from myelectricaldata.exporters.domoticz.exporter import DomoticzExporter

__all__ = ["DomoticzConfig", "DomoticzExporter"]
