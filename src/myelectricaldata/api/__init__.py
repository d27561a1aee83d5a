"""REST API: JSON, CSV and XLSX answers over the store, sync control and health."""

from myelectricaldata.api.app import create_app

__all__ = ["create_app"]
