"""MyElectricalData local client: Linky data into a local store, an API and exporters."""

__version__ = "0.1.0"
