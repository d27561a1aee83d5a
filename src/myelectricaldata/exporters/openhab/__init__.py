"""openHAB destination: items (created on demand), their states, and persisted history.

``config`` holds the settings, ``client`` speaks openHAB's REST API (``model`` its data and
errors), ``mapping`` turns readings and measures into item definitions, states and history
points, ``measures`` adapts the catalogue to it, ``history`` the export service's batches,
``items`` keeps one run's view of the items, and ``exporter`` ties them (PROTOCOLS.md §7).
"""

from myelectricaldata.exporters.openhab.config import OpenHABConfig
from myelectricaldata.exporters.openhab.exporter import OpenHABExporter

__all__ = ["OpenHABConfig", "OpenHABExporter"]
