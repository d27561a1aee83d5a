"""Domoticz exporter: daily history into meters' dated rows, current values into devices.

``client`` speaks Domoticz's JSON API, ``mapping`` turns readings into device values,
``provisioning`` plans and creates the devices, ``config`` holds the settings. See
docs/integrations/domoticz.md.
"""
