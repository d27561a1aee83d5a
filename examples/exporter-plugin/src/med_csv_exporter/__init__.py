"""A MyElectricalData exporter plug-in: the history and the current values as CSV files.

:mod:`.config` the settings and their texts, :mod:`.files` the CSV files (written whole, keyed
by the start of each period, so a resend overwrites), :mod:`.exporter` the exporter.
"""

from med_csv_exporter.config import CsvConfig
from med_csv_exporter.exporter import CsvExporter

__all__ = ["CsvConfig", "CsvExporter"]
